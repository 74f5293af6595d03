from django.urls import path, re_path

from communes.api import views

urlpatterns = [
    path("communes/", views.CommuneListView.as_view(), name="commune-list"),
    re_path(r"^communes/convert-address/?$", views.ConvertAddressView.as_view(), name="commune-convert-address"),
    path("communes/<str:code>/", views.CommuneDetailView.as_view(), name="commune-detail"),
    path("centres/", views.CentreListView.as_view(), name="centre-list"),
]
