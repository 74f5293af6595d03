"""Citizen pages of the catalogue."""

from django.urls import path

from portal.placeholder import placeholder

urlpatterns = [
    path("thu-tuc/", placeholder, name="catalogue"),
    path("thu-tuc/<str:code>/", placeholder, name="procedure"),
]
