"""Files of the demo dossiers: tiny valid PDFs for scanned components and results, paper components at the counter.

Online filings carry one scanned PDF per required component (``dossier_file(documents=…)``, which requires them);
counter receptions list the components received on paper (form 01, ``paper_components=…``); a supplement comes with
a scan of the missing paper (``documents.document_upload``); three approved decisions in four carry their digitised
result. Everything goes through the services of ``dossiers.services`` and ``dossiers.documents``. Should those
parameters be absent (an older tree), the rows are written directly instead, so the demo still has documents.

The PDFs are one blank A4 page whose title names the document: under 1 kB, valid for any reader and for the content
checks of ``dossiers.documents`` (``%PDF-`` header, ``%%EOF`` trailer, pages pypdf can read).
"""

from __future__ import annotations

import hashlib
import inspect
import io
from datetime import datetime
from functools import cache

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from dossiers import services
from dossiers.models import Document, DocumentKind, Dossier, ReceivedComponent
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


@cache
def _accepts(service_name: str, parameter: str) -> bool:
    return parameter in inspect.signature(getattr(services, service_name)).parameters


def _document_upload():
    try:
        from dossiers.documents import document_upload
    except ImportError:  # pragma: no cover - a tree without the documents services
        return None
    return document_upload


def _upload(component: Component | None, title: str, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(title[:200]), "application/pdf")


def _file_name(component: Component) -> str:
    return f"thanh-phan-{component.order or component.pk}.pdf"


def _is_original(component: Component | None) -> bool:
    return component is not None and component.copy_kind == CopyKind.ORIGINAL


def filing_kwargs(components: list[Component]) -> dict:
    """The scans of an online filing, as ``dossier_file`` takes them (``{}`` if it does not)."""
    if not _accepts("dossier_file", "documents"):
        return {}
    return {
        "documents": [
            {
                "file": _upload(c, c.name, _file_name(c)),
                "component_id": c.pk,
                "is_original_scan": _is_original(c),
            }
            for c in components
        ]
    }


def counter_kwargs(components: list[Component]) -> dict:
    """Form 01's paper components, as ``dossier_receive_at_counter`` takes them (``{}`` if it does not)."""
    if not _accepts("dossier_receive_at_counter", "paper_components"):
        return {}
    return {
        "paper_components": [
            {
                "component_id": c.pk,
                "copy_kind": CopyKind.ORIGINAL if c.copy_kind == CopyKind.ORIGINAL else CopyKind.COPY,
                "count": max(1, min(99, c.copies or 1)),
            }
            for c in components
        ]
    }


def after_filing(dossier: Dossier, components: list[Component], *, user, at: datetime) -> int:
    """Documents of an online filing: counted when the service stored them, written here otherwise."""
    if _accepts("dossier_file", "documents"):
        return len(components)
    for component in components:
        _store(dossier, DocumentKind.COMPONENT, component, component.name, _file_name(component), user, at)
    return len(components)


def after_counter(dossier: Dossier, components: list[Component], *, user, at: datetime) -> int:
    if _accepts("dossier_receive_at_counter", "paper_components"):
        return len(components)
    ReceivedComponent.objects.bulk_create(
        ReceivedComponent(
            dossier=dossier,
            component=c,
            name=c.name[:500],
            copy_kind=CopyKind.ORIGINAL if c.copy_kind == CopyKind.ORIGINAL else CopyKind.COPY,
            count=max(1, min(99, c.copies or 1)),
            received_by=user,
            received_at=at,
        )
        for c in components
    )
    return len(components)


def upload_supplement(dossier_id: int, component: Component | None, *, name: str, user, at: datetime) -> None:
    """The applicant sends a scan of the missing paper while the dossier waits for it."""
    upload = _document_upload()
    if upload is None:
        dossier = Dossier.objects.get(pk=dossier_id)
        _store(dossier, DocumentKind.COMPONENT, component, name, "bo-sung.pdf", user, at)
        return
    upload(
        dossier_id=dossier_id,
        actor=user,
        file=_upload(component, name, "bo-sung.pdf"),
        component_id=component.pk if component else None,
        is_original_scan=_is_original(component),
    )


def upload_result(dossier: Dossier, *, user, at: datetime) -> None:
    """The digitised result, uploaded by the leader who signed it."""
    title = f"{dossier.code} — {dossier.result_document}"
    upload = _document_upload()
    if upload is None:
        _store(dossier, DocumentKind.RESULT, None, title, "ket-qua.pdf", user, at)
        return
    upload(dossier_id=dossier.pk, actor=user, file=_upload(None, title, "ket-qua.pdf"), kind=DocumentKind.RESULT)


def _store(dossier: Dossier, kind: str, component: Component | None, title: str, name: str, user, at: datetime):
    """Fallback without the documents services: the row and the file, as they would write them."""
    content = demo_pdf(title[:200])
    document = Document(
        dossier=dossier,
        kind=kind,
        component=component,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        is_original_scan=_is_original(component),
        uploaded_by=user,
        uploaded_at=at,
    )
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document
