"""Citizen pages of the dossier app."""

from django.urls import path

from dossiers.views.lookup import lookup_page
from portal.placeholder import placeholder

urlpatterns = [
    path("tra-cuu/", lookup_page, name="lookup"),
    # online filing (dossiers/views/filing.py)
    path("nop-ho-so/<str:code>/", placeholder, name="filing-start"),
    # the citizen's own dossiers (dossiers/views/mine.py)
    path("ho-so-cua-toi/", placeholder, name="my-dossiers"),
    path("ho-so-cua-toi/<int:id>/", placeholder, name="my-dossier"),
]
