"""Transitional dossiers and the integrity checks (``manage.py check_integrity``): an imported dossier keeps its old
code (``legacy_code``) and takes no number of a centre's day, and its audit trail starts with the import."""

from __future__ import annotations

import pytest

from dossiers.models import AuditEvent, DailySequence, Dossier
from dossiers.selectors.integrity import check_audit, check_codes, check_created
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from legacy.services import legacy_import
from legacy.tests.test_import import opencps, unit, write_json

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
world = dossier_fixtures.world
OLD_CODE = "000.20.31.H48-250620-0001"


def test_a_transitional_dossier_passes_the_checks_and_is_found_by_its_old_code(world, tmp_path):
    received = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    summary = legacy_import("phu-tho", [write_json(tmp_path, [opencps(OLD_CODE, unit("phu_tho"))])])
    assert summary.created == 1
    imported = Dossier.objects.get(legacy_code=OLD_CODE)
    assert imported.code is None and imported.received_at is not None
    assert list(AuditEvent.objects.filter(dossier=imported).values_list("action", "from_state")) == [("import", "")]
    codes, audit = check_codes(), check_audit()
    assert codes.ok and codes.checked == 1 and codes.notes["transitional"] == 1
    assert DailySequence.objects.get().last == 1  # the import took no number of the day
    assert audit.ok and audit.checked == 2
    assert check_created([OLD_CODE, received.code]).ok
