"""Fixtures of the dossier tests: the real map, one procedure, and people holding every role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from communes.models import ProcessingUnit, ServiceCentre
from dossiers.tests.factories import UserFactory, procedure_version, staff
from portal.accounts.models import StaffRole


@dataclass
class World:
    centre: ServiceCentre  # Phường Việt Trì's centre
    other_centre: ServiceCentre  # a remote commune of old Hòa Bình
    unit: ProcessingUnit  # UBND phường Việt Trì
    other_unit: ProcessingUnit
    citizen: object
    other_citizen: object
    reception: object
    other_reception: object
    handler: object
    other_handler: object
    leader: object
    other_leader: object
    province: object
    admin: object


@pytest.fixture
def world(communes_loaded) -> World:
    centre = ServiceCentre.objects.get(key="commune-07900")
    other_centre = ServiceCentre.objects.filter(kind="commune", former_province="hoa_binh").order_by("key").first()
    unit = ProcessingUnit.objects.get(key="ubnd-07900")
    other_unit = ProcessingUnit.objects.get(commune=other_centre.commune)
    procedure_version()
    return World(
        centre=centre,
        other_centre=other_centre,
        unit=unit,
        other_unit=other_unit,
        citizen=UserFactory(username="citizen", full_name="Nguyễn Thị Hoa"),
        other_citizen=UserFactory(username="other-citizen"),
        reception=staff(StaffRole.RECEPTION, centre=centre, username="reception"),
        other_reception=staff(StaffRole.RECEPTION, centre=other_centre, username="other-reception"),
        handler=staff(StaffRole.HANDLER, unit=unit, username="handler"),
        other_handler=staff(StaffRole.HANDLER, unit=other_unit, username="other-handler"),
        leader=staff(StaffRole.LEADER, unit=unit, username="leader"),
        other_leader=staff(StaffRole.LEADER, unit=other_unit, username="other-leader"),
        province=staff(StaffRole.PROVINCE, username="province"),
        admin=staff(StaffRole.ADMIN, username="admin"),
    )


@pytest.fixture
def transactional_world(transactional_db, world) -> World:
    """``world`` in a test whose writes really commit (threads, other connections see them).

    ``transactional_db`` is requested first, so ``world`` (through ``communes_loaded`` → ``db``) is built in the same
    transactional database; every table is flushed after the test.
    """
    return world


@pytest.fixture
def private_dir(settings, tmp_path) -> Path:
    """The private storage of a test: a directory of its own, to look into."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    return location
