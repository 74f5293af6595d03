"""Citizen pages of the dossier app."""

from django.urls import path

from dossiers.views import filing, mine
from dossiers.views.lookup import lookup_page

urlpatterns = [
    path("tra-cuu/", lookup_page, name="lookup"),
    # online filing (dossiers/views/filing.py)
    path("nop-ho-so/<str:code>/", filing.filing_start, name="filing-start"),
    path("nop-ho-so/<str:code>/noi-nop/", filing.filing_place, name="filing-place"),
    path("nop-ho-so/<str:code>/nguoi-nop/", filing.filing_applicant, name="filing-applicant"),
    path("nop-ho-so/<str:code>/giay-to/", filing.filing_documents, name="filing-documents"),
    path("nop-ho-so/<str:code>/tep/", filing.filing_upload, name="filing-upload"),
    path("nop-ho-so/<str:code>/kiem-tra/", filing.filing_review, name="filing-review"),
    path("nop-ho-so/<str:code>/da-nop/<int:draft_id>/", filing.filing_done, name="filing-done"),
    # the citizen's own dossiers (dossiers/views/mine.py)
    path("ho-so-cua-toi/", mine.my_dossiers_page, name="my-dossiers"),
    path("ho-so-cua-toi/<int:id>/", mine.my_dossier_page, name="my-dossier"),
    path("ho-so-cua-toi/<int:id>/bo-sung/", mine.my_dossier_supplement, name="my-dossier-supplement"),
    path("ho-so-cua-toi/<int:id>/rut/", mine.my_dossier_withdraw, name="my-dossier-withdraw"),
    path("ho-so-cua-toi/<int:id>/danh-gia/", mine.my_dossier_rate, name="my-dossier-rate"),
]
