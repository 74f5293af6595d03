"""A catalogue re-import never rewrites the version real dossiers are bound to.

With dossiers filed under the birth-registration version of 1/7/2025 (their scanned documents pointing to its
components), an import that changes that procedure opens a new version from the import date and leaves the old
one — content and components — as it was; a re-import of the same data changes nothing; a change that could only
rewrite the pinned version is refused and writes nothing. Procedures without dossiers are still updated in place.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from dossiers.models import Document, Dossier
from dossiers.tests.factories import file_online, procedure_version
from procedures.importing.records import CatalogueRecord, DecisionRecord
from procedures.importing.runtogether import ComponentRecord
from procedures.models import Component, ProcedureVersion
from procedures.services import catalogue_records_import

pytestmark = pytest.mark.django_db

JULY_2025 = datetime.date(2025, 7, 1)


def record(code: str = "1.001193", *, effective_from=JULY_2025, name="Thủ tục đăng ký khai sinh", **overrides):
    values = {
        "file": "test.csv",
        "row": 2,
        "code": code,
        "name": name,
        "field": "Hộ tịch",
        "level": "commune",
        "agency_name": "Ủy ban nhân dân cấp xã",
        "time_value": Decimal("3"),
        "time_unit": "working_days",
        "fee_vnd": 0,
        "channel_online": True,
        "online_level": "partial",
        "effective_from": effective_from,
        "components": [ComponentRecord(name="Tờ khai đăng ký khai sinh", copy_kind="original")],
    }
    values.update(overrides)
    return CatalogueRecord(**values)


def snapshot(version: ProcedureVersion) -> dict:
    version.refresh_from_db()
    return {
        "name": version.name,
        "time_value": version.time_value,
        "effective_from": version.effective_from,
        "components": list(version.components.order_by("order").values_list("pk", "name", "copy_kind", "order")),
    }


@pytest.fixture
def pinned(world):
    """The birth-registration version of 1/7/2025, and a dossier filed under it with a scan of its component."""
    version = ProcedureVersion.objects.get(procedure__code="1.001193", effective_from=JULY_2025)
    base = catalogue_records_import(records=[record()])  # no dossier yet: the version takes the record's values
    assert base.written and base.total("updated") == 1 and not base.moved
    dossier = file_online(world.citizen, world.centre)
    assert dossier.procedure_version_id == version.pk
    assert Document.objects.filter(dossier=dossier, component__version=version).exists()
    return version, dossier


def test_a_change_opens_a_new_version_from_the_import_date_and_leaves_the_pinned_one(pinned):
    version, dossier = pinned
    before = snapshot(version)
    changed = record(
        name="Đăng ký khai sinh (sửa đổi)",
        time_value=Decimal("2"),
        components=[  # the pinned version's only component is gone: documents point to it (PROTECT)
            ComponentRecord(name="Tờ khai đăng ký khai sinh (mẫu mới)", copy_kind="original"),
            ComponentRecord(name="Giấy chứng sinh", copy_kind="original"),
        ],
    )
    summary = catalogue_records_import(records=[changed])
    assert summary.written and not summary.problems, summary.problems
    today = timezone.localdate()
    assert summary.moved == {("1.001193", JULY_2025): today}
    after = snapshot(version)
    assert {k: v for k, v in after.items()} == before  # content and components untouched
    version.refresh_from_db()
    assert version.effective_until == today  # only its period closes
    new = ProcedureVersion.objects.get(procedure__code="1.001193", effective_from=today)
    assert new.name == "Đăng ký khai sinh (sửa đổi)" and new.time_value == Decimal("2.00") and new.change == "amended"
    assert list(new.components.order_by("order").values_list("name", flat=True)) == [
        "Tờ khai đăng ký khai sinh (mẫu mới)",
        "Giấy chứng sinh",
    ]
    dossier.refresh_from_db()
    assert dossier.procedure_version_id == version.pk

    # the same data again: nothing changes
    counts = (ProcedureVersion.objects.count(), Component.objects.count())
    again = catalogue_records_import(records=[changed])
    assert again.written and again.total("unchanged") == 1 and again.total("updated") == 0
    assert (ProcedureVersion.objects.count(), Component.objects.count()) == counts
    assert snapshot(version) == before


def test_the_moved_change_imported_again_on_later_days_changes_nothing(pinned, world):
    """The record still names 1/7/2025, where the pinned version is; on any later day the version in force already
    says what it says (even once dossiers are bound to that one too), so no copy of it opens."""
    version, _dossier = pinned
    changed = record(name="Đăng ký khai sinh (sửa đổi)")
    first = catalogue_records_import(records=[changed])
    moved_to = timezone.localdate()
    assert first.written and first.moved == {("1.001193", JULY_2025): moved_to}
    new = ProcedureVersion.objects.get(procedure__code="1.001193", effective_from=moved_to)
    counts = (ProcedureVersion.objects.count(), Component.objects.count())
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False):
        assert catalogue_records_import(records=[changed]).total("unchanged") == 1
        assert file_online(world.citizen, world.centre).procedure_version_id == new.pk
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2), tick=False):
        again = catalogue_records_import(records=[changed])
        assert again.written and again.total("unchanged") == 1 and again.total("updated") == 0
    assert (ProcedureVersion.objects.count(), Component.objects.count()) == counts
    new.refresh_from_db()
    assert new.effective_until is None and new.name == "Đăng ký khai sinh (sửa đổi)"
    version.refresh_from_db()
    assert version.effective_until == moved_to and version.name == "Thủ tục đăng ký khai sinh"


def test_unchanged_data_changes_nothing_even_when_pinned(pinned):
    version, _dossier = pinned
    before = snapshot(version)
    same = record(components=[ComponentRecord(name="Tờ khai đăng ký khai sinh", copy_kind="original")])
    summary = catalogue_records_import(records=[same])
    assert summary.written and summary.total("unchanged") == 1 and not summary.moved
    assert ProcedureVersion.objects.filter(procedure__code="1.001193").count() == 1
    assert snapshot(version) == before


def test_a_dated_change_inside_the_pinned_period_starts_from_the_import_date(pinned):
    version, _dossier = pinned
    before = snapshot(version)
    earlier = timezone.localdate() - datetime.timedelta(days=30)
    summary = catalogue_records_import(records=[record(effective_from=earlier, name="Đăng ký khai sinh")])
    assert summary.written and summary.moved == {("1.001193", earlier): timezone.localdate()}
    assert not ProcedureVersion.objects.filter(procedure__code="1.001193", effective_from=earlier).exists()
    assert snapshot(version) == before


def test_a_change_that_could_only_rewrite_the_pinned_version_is_refused_and_writes_nothing(world):
    today = timezone.localdate()
    current = ProcedureVersion.objects.get(procedure__code="1.001193", effective_from=JULY_2025)
    current.effective_until = today
    current.save(update_fields=["effective_until"])
    todays = ProcedureVersion.objects.create(
        procedure=current.procedure,
        effective_from=today,
        name="Thủ tục đăng ký khai sinh",
        name_folded="thu tuc dang ky khai sinh",
        field=current.field,
        level="commune",
        time_value=Decimal("3"),
        time_unit="working_days",
        working_hours=24,
        fee_vnd=0,
        channel_online=True,
        is_applied=True,
        change="amended",
    )
    Component.objects.create(version=todays, order=1, name="Tờ khai đăng ký khai sinh", copy_kind="original")
    dossier = file_online(world.citizen, world.centre)
    assert dossier.procedure_version_id == todays.pk
    before = snapshot(todays)
    counts = (ProcedureVersion.objects.count(), Component.objects.count())

    summary = catalogue_records_import(records=[record(effective_from=today, name="Tên khác")])
    assert not summary.written
    assert [problem.column for problem in summary.problems] == ["effective_from"]
    assert "đang được hồ sơ sử dụng" in summary.problems[0].message
    assert summary.total("rejected") == 1
    assert snapshot(todays) == before
    assert (ProcedureVersion.objects.count(), Component.objects.count()) == counts


def test_a_pinned_change_that_the_same_file_supersedes_before_today_is_refused(pinned):
    """A file with the procedure's history changes the pinned version of 1/7/2025 and adds a later amendment that
    is already in force: the first change cannot rewrite the pinned version, nor be moved to today over the newer
    text, so the import is refused and writes nothing."""
    version, _dossier = pinned
    before = snapshot(version)
    counts = (ProcedureVersion.objects.count(), Component.objects.count())
    amended_on = timezone.localdate() - datetime.timedelta(days=10)
    history = [
        record(name="Đăng ký khai sinh (sửa lỗi chính tả)"),
        record(
            effective_from=amended_on,
            name="Đăng ký khai sinh (sửa đổi)",
            change="amended",
            decision=DecisionRecord(number="12/QĐ-UBND", effective_on=amended_on),
        ),
    ]
    summary = catalogue_records_import(records=history)
    assert not summary.written and summary.total("rejected") == 1
    assert f"thay thế trước ngày nhập ({timezone.localdate():%d/%m/%Y})" in summary.problems[0].message
    assert snapshot(version) == before
    assert (ProcedureVersion.objects.count(), Component.objects.count()) == counts


def test_a_dossier_filed_while_the_import_runs_makes_it_refuse_instead_of_failing(pinned, monkeypatch):
    """The snapshot's pins are read before the writes: a dossier filed in between is not among them, and the delete
    of the component it uses raises ProtectedError. The import then writes nothing and says why."""
    from procedures.services import writer

    version, _dossier = pinned
    before = snapshot(version)
    counts = (ProcedureVersion.objects.count(), Component.objects.count())
    monkeypatch.setattr(writer, "_pinned", lambda by_id, components: set())  # as if the dossier came after
    changed = record(components=[ComponentRecord(name="Tờ khai (mẫu mới)", copy_kind="original")])
    summary = catalogue_records_import(records=[changed])
    assert not summary.written
    assert [(problem.column, problem.message[:9]) for problem in summary.problems] == [("components", "1.001193:")]
    assert "vừa được nộp" in summary.problems[0].message
    assert snapshot(version) == before
    assert (ProcedureVersion.objects.count(), Component.objects.count()) == counts


def test_a_procedure_without_dossiers_is_still_updated_in_place(world):
    version = procedure_version(code="1.000894", name="Đăng ký kết hôn")
    summary = catalogue_records_import(records=[record("1.000894", name="Đăng ký kết hôn (sửa đổi)")])
    assert summary.written and summary.total("updated") == 1 and not summary.moved
    version.refresh_from_db()
    assert version.name == "Đăng ký kết hôn (sửa đổi)"
    assert ProcedureVersion.objects.filter(procedure__code="1.000894").count() == 1


@pytest.mark.postgres
def test_an_import_waits_for_a_dossier_being_filed_and_then_leaves_its_version(transactional_world):
    """A filing in progress (not yet committed) under the version an import would change in place: the import waits
    for it, then sees the dossier and opens a new version instead of rewriting the one the dossier is bound to."""
    import threading

    from django.db import connection, transaction

    world = transactional_world
    version = ProcedureVersion.objects.get(procedure__code="1.001193", effective_from=JULY_2025)
    assert catalogue_records_import(records=[record()]).written  # no dossier yet: updated in place
    before = snapshot(version)
    filed, release, results = threading.Event(), threading.Event(), {}

    def filing():
        try:
            with transaction.atomic():
                results["dossier"] = file_online(world.citizen, world.centre).pk
                filed.set()
                release.wait(30)
        finally:
            connection.close()

    def importing():
        try:
            results["summary"] = catalogue_records_import(records=[record(name="Đăng ký khai sinh (sửa đổi)")])
        finally:
            connection.close()

    filer = threading.Thread(target=filing)
    filer.start()
    assert filed.wait(30)
    importer = threading.Thread(target=importing)
    importer.start()
    # wait until the import either finishes (it did not wait: the bug) or its backend waits on a row lock
    waited = False
    while importer.is_alive() and not waited:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE %s",
                ['SELECT "procedures_procedureversion".%'],  # the import's read of the versions (text cut at 1 kB)
            )
            waited = cursor.fetchone()[0] > 0
        importer.join(0.05)
    release.set()
    filer.join(30)
    importer.join(30)
    assert waited, "the import did not wait for the filing in progress"
    assert results["summary"].written and results["summary"].moved
    assert snapshot(version) == before
    assert Dossier.objects.get(pk=results["dossier"]).procedure_version_id == version.pk
    assert ProcedureVersion.objects.filter(procedure__code="1.001193", effective_from=timezone.localdate()).exists()
