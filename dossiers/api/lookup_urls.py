from django.urls import path

from dossiers.api.lookup import DossierLookupView

urlpatterns = [path("lookup/", DossierLookupView.as_view(), name="dossier-lookup")]
