"""Factories for dossier tests. States are reached by calling the real services (STYLE.md: traits)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory

from communes.models import ProcessingUnit, ServiceCentre
from dossiers import services
from dossiers.models import Dossier
from portal.accounts.models import Membership, User
from procedures.models import Component, Procedure, ProcedureField, ProcedureVersion, Source

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
            "name_folded": name.lower(),
            "field": field,
            "level": level,
            "processing_unit": processing_unit,
            "time_value": Decimal(time_value),
            "time_unit": time_unit,
            "working_hours": hours,
            "fee_vnd": fee_vnd,
            "channel_online": True,
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


def file_online(citizen: User, centre: ServiceCentre, *, code: str = "1.001193", **overrides) -> Dossier:
    applicant = {**APPLICANT, "id_number": citizen.id_number, **overrides.pop("applicant", {})}
    return services.dossier_file(
        actor=citizen, procedure_code=code, applicant=applicant, reception_centre_id=centre.pk, **overrides
    )
