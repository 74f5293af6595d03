"""Factories for dossier tests. States are reached by calling the real services (STYLE.md: traits)."""

from __future__ import annotations

import datetime
import functools
import io
import itertools
import json
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from communes.models import ProcessingUnit, ServiceCentre
from dossiers import services
from dossiers.models import Dossier
from portal.accounts.models import Membership, User
from portal.common.text import fold
from procedures.models import Component, OnlineLevel, Procedure, ProcedureField, ProcedureVersion, Source

_id_numbers = itertools.count(25190000001)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    id_number = factory.LazyFunction(lambda: f"{next(_id_numbers):012d}")
    phone = "0912345678"
    password = factory.django.Password("matkhau-an-toan-123")


def staff(role: str, *, centre: ServiceCentre | None = None, unit: ProcessingUnit | None = None, **kwargs) -> User:
    user = UserFactory(id_number=None, **kwargs)
    Membership.objects.create(user=user, role=role, centre=centre, processing_unit=unit)
    return user


def procedure_version(
    *,
    code: str = "1.001193",
    name: str = "Thủ tục đăng ký khai sinh",
    level: str = "commune",
    time_value: str = "3",
    time_unit: str = "working_days",
    processing_unit: ProcessingUnit | None = None,
    fee_vnd: int | None = 0,
    is_applied: bool = True,
) -> ProcedureVersion:
    field, _ = ProcedureField.objects.get_or_create(
        slug="ho-tich", defaults={"name": "Hộ tịch", "name_folded": "ho tich"}
    )
    procedure, _ = Procedure.objects.get_or_create(code=code, defaults={"source": Source.NATIONAL_DB})
    hours = int(Decimal(time_value) * 8) if time_unit == "working_days" else None
    version, created = ProcedureVersion.objects.get_or_create(
        procedure=procedure,
        effective_from=datetime.date(2025, 7, 1),
        defaults={
            "name": name,
            "name_folded": fold(name),  # as the importer writes it (the catalogue search reads it)
            "field": field,
            "level": level,
            "processing_unit": processing_unit,
            "time_value": Decimal(time_value),
            "time_unit": time_unit,
            "working_hours": hours,
            "fee_vnd": fee_vnd,
            "channel_online": True,
            "online_level": OnlineLevel.PARTIAL,  # filed online, the result at a counter (the usual case)
            "is_applied": is_applied,
        },
    )
    if created:
        Component.objects.create(version=version, order=1, name="Tờ khai đăng ký khai sinh", copy_kind="original")
    return version


APPLICANT = {
    "name": "Nguyễn Thị Hoa",
    "id_number": "025190001234",
    "phone": "0912345678",
    "email": "hoa@example.vn",
    "address": "Khu 3, phường Việt Trì",
}


# --- Files: tiny but real PDF, PNG and JPEG ----------------------------------------------------------------


@functools.cache
def _tiny_pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # A4 in points
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _image_bytes(image_format: str, size: tuple[int, int]) -> bytes:
    image = Image.new("RGB", size, (255, 255, 255))
    for x in range(size[0]):  # some detail, so that a cut file is missing real data
        image.putpixel((x, (x * 7) % size[1]), (x * 13 % 256, 40, 90))
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def tiny_pdf(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    """A real one-page PDF (pypdf), as an upload."""
    return SimpleUploadedFile(name, _tiny_pdf_bytes(), content_type="application/pdf")


def tiny_png(name: str = "anh-chup.png", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _image_bytes("PNG", size), content_type="image/png")


def tiny_jpeg(name: str = "anh-chup.jpg", size: tuple[int, int] = (64, 48)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _image_bytes("JPEG", size), content_type="image/jpeg")


def required_component_id(code: str = "1.001193") -> int:
    """The id of the procedure's required component (one, for 1.001193: the declaration)."""
    from procedures.models import Component

    return Component.objects.get(version__procedure__code=code, is_required=True).pk


def required_documents(code: str = "1.001193", on: datetime.date | None = None) -> list[dict]:
    """A tiny PDF for each mandatory component of the procedure version in force (what filing online needs)."""
    from portal.common.errors import DomainError
    from procedures.selectors import procedure_version_in_force

    try:
        version = procedure_version_in_force(code=code, on=on or timezone.localdate())
    except DomainError:  # no version in force: the filing itself will say so
        return []
    return [
        {"file": tiny_pdf(f"thanh-phan-{component.pk}.pdf"), "component_id": component.pk, "is_original_scan": True}
        for component in version.components.filter(is_required=True)
    ]


def paper_for(code: str = "1.001193", on: datetime.date | None = None) -> list[dict]:
    """Every mandatory component of the procedure version in force, received on paper as form 01 lists it (what a
    counter reception needs: the law receives no incomplete dossier)."""
    from portal.common.errors import DomainError
    from procedures.selectors import procedure_version_in_force

    try:
        version = procedure_version_in_force(code=code, on=on or timezone.localdate())
    except DomainError:  # no version in force: the reception itself will say so
        return []
    return [
        {"component_id": c.pk, "copy_kind": "copy" if c.copy_kind == "copy" else "original", "count": c.copies or 1}
        for c in version.components.filter(is_required=True).order_by("order", "pk")
    ]


def receive_at_counter(**kwargs) -> Dossier:
    """``services.dossier_receive_at_counter`` with every mandatory component received on paper, besides the
    ``paper_components`` the call lists itself (a mandatory component it lists is not added twice)."""
    code = kwargs.get("procedure_code", "1.001193")
    at = kwargs.get("at")
    listed = list(kwargs.pop("paper_components", None) or [])
    given = {row.get("component_id", row.get("component")) for row in listed}
    on = timezone.localdate(at) if at is not None and timezone.is_aware(at) else None  # naive: the service refuses
    paper = [row for row in paper_for(code, on=on) if row["component_id"] not in given] + listed
    return services.dossier_receive_at_counter(paper_components=paper, **kwargs)


def filing_body(world, **changes) -> dict:
    """The JSON of an online filing by the world's citizen at the world's centre (procedure 1.001193)."""
    return {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": world.citizen.id_number},
        "reception_centre": world.centre.agency_code,
        **changes,
    }


def filing_form(body: dict, documents: list[dict] | None = None, *, code: str | None = None) -> dict:
    """A JSON filing body as multipart form data (``applicant`` as a JSON part), with its documents.

    Without ``documents``, a tiny PDF for each mandatory component of the procedure (``code`` or the body's).
    """
    if documents is None:
        documents = required_documents(code or body["procedure"])
    form = {key: json.dumps(value) if isinstance(value, dict | list) else value for key, value in body.items()}
    form["documents"] = [item["file"] for item in documents]
    form["components"] = [str(item.get("component_id") or "") for item in documents]
    form["original_scans"] = ["true" if item.get("is_original_scan") else "false" for item in documents]
    return form


def file_online(citizen: User, centre: ServiceCentre, *, code: str = "1.001193", **overrides) -> Dossier:
    """Files online with a tiny PDF for each mandatory component (unless ``documents`` is given)."""
    applicant = {**APPLICANT, "id_number": citizen.id_number, **overrides.pop("applicant", {})}
    documents = overrides.pop("documents", None)
    if documents is None:
        documents = required_documents(code)
    return services.dossier_file(
        actor=citizen,
        procedure_code=code,
        applicant=applicant,
        reception_centre_id=centre.pk,
        documents=documents,
        **overrides,
    )
