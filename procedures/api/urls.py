from django.urls import path, re_path

from procedures.api import views
from procedures.api.estimate import AppointmentEstimateView

urlpatterns = [
    path("procedures/", views.ProcedureListView.as_view(), name="procedure-list"),
    path("procedures/fields/", views.ProcedureFieldListView.as_view(), name="procedure-fields"),
    re_path(
        r"^procedures/(?P<code>[^/]+)/appointment-estimate/?$",
        AppointmentEstimateView.as_view(),
        name="procedure-appointment-estimate",
    ),
    path("procedures/<str:code>/", views.ProcedureDetailView.as_view(), name="procedure-detail"),
    path("catalogue/stats/", views.CatalogueStatsView.as_view(), name="catalogue-stats"),
]
