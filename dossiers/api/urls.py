from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from dossiers.api import documents, slips
from dossiers.api.views import DossierViewSet

router = SimpleRouter()
router.register("dossiers", DossierViewSet, basename="dossier")

urlpatterns = router.urls

# Printed slips (forms 01–06 of a dossier) and a centre's tracking register (form 07)
urlpatterns += [
    re_path(
        r"^dossiers/(?P<id>\d+)/slips/(?P<form>0[1-6])\.pdf$",
        slips.DossierSlipPdfView.as_view(),
        name="dossier-slip-pdf",
    ),
    re_path(
        r"^dossiers/(?P<id>\d+)/slips/(?P<form>0[1-6])\.html$",
        slips.DossierSlipHtmlView.as_view(),
        name="dossier-slip-html",
    ),
    re_path(
        r"^centres/(?P<agency_code>[0-9A-Za-z.]+)/register\.xlsx$",
        slips.CentreRegisterXlsxView.as_view(),
        name="centre-register-xlsx",
    ),
    re_path(
        r"^centres/(?P<agency_code>[0-9A-Za-z.]+)/register\.csv$",
        slips.CentreRegisterCsvView.as_view(),
        name="centre-register-csv",
    ),
]

# Documents: the dossier's files (list, upload), the audited download, components received on paper (form 01)
urlpatterns += [
    path("dossiers/<int:id>/documents/", documents.DossierDocumentsView.as_view(), name="dossier-documents"),
    path(
        "dossiers/<int:id>/documents/<int:document_id>/download/",
        documents.DocumentDownloadView.as_view(),
        name="dossier-document-download",
    ),
    path(
        "dossiers/<int:id>/paper-components/",
        documents.PaperComponentsView.as_view(),
        name="dossier-paper-components",
    ),
]
