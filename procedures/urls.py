"""Citizen pages of the catalogue."""

from django.urls import path

from procedures import views

urlpatterns = [
    path("thu-tuc/", views.catalogue, name="catalogue"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("thu-tuc/<str:code>/mau/<int:component_id>/", views.component_template, name="procedure-template"),
]
