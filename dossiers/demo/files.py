"""Files of the demo dossiers: tiny valid PDFs for scanned components and results, paper components at the counter.

Online filings carry one scanned PDF per required component (``dossier_file(documents=…)``, which requires them);
counter receptions list the components received on paper (form 01, ``paper_components=…``); a supplement comes with
a scan of the missing paper and three approved decisions in four carry their digitised result
(``services.document_upload``). Everything goes through the services.

The PDFs are one blank A4 page whose title names the document: under 1 kB, valid for any reader and for the content
checks of ``dossiers.documents`` (``%PDF-`` header, ``%%EOF`` trailer, pages pypdf can read).
"""

from __future__ import annotations

import io
from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from dossiers import services
from dossiers.models import DocumentKind, Dossier
from procedures.models import Component, CopyKind

A4 = (595, 842)


def demo_pdf(title: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(*A4)
    writer.add_metadata({"/Title": title, "/Producer": "Cổng DVC Phú Thọ — seed_demo"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def required_components(version_id: int) -> list[Component]:
    return list(Component.objects.filter(version_id=version_id, is_required=True).order_by("order", "id"))


def _upload(title: str, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(title[:200]), "application/pdf")


def _file_name(component: Component) -> str:
    return f"thanh-phan-{component.order or component.pk}.pdf"


def _is_original(component: Component | None) -> bool:
    return component is not None and component.copy_kind == CopyKind.ORIGINAL


def scans(components: list[Component]) -> list[dict]:
    """The scans of an online filing, as ``dossier_file(documents=…)`` takes them."""
    return [
        {"file": _upload(c.name, _file_name(c)), "component_id": c.pk, "is_original_scan": _is_original(c)}
        for c in components
    ]


def paper(components: list[Component]) -> list[dict]:
    """Form 01's paper components, as ``dossier_receive_at_counter(paper_components=…)`` takes them."""
    return [
        {
            "component_id": c.pk,
            "copy_kind": CopyKind.ORIGINAL if c.copy_kind == CopyKind.ORIGINAL else CopyKind.COPY,
            "count": max(1, min(99, c.copies or 1)),
        }
        for c in components
    ]


def upload_supplement(dossier_id: int, component: Component | None, *, name: str, user, at: datetime) -> None:
    """The applicant sends a scan of the missing paper while the dossier waits for it."""
    services.document_upload(
        dossier_id=dossier_id,
        actor=user,
        file=_upload(name, "bo-sung.pdf"),
        component_id=component.pk if component else None,
        is_original_scan=_is_original(component),
        at=at,
    )


def upload_result(dossier: Dossier, *, user, at: datetime) -> None:
    """The digitised result, uploaded by the leader who signed it."""
    title = f"{dossier.code} — {dossier.result_document}"
    services.document_upload(
        dossier_id=dossier.pk, actor=user, file=_upload(title, "ket-qua.pdf"), kind=DocumentKind.RESULT, at=at
    )
