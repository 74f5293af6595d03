"""The import planner is pure: tables of cases, no database (pytest-django refuses any query in these tests)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from procedures.importing.records import CatalogueRecord
from procedures.importing.runtogether import ComponentRecord
from procedures.models import Procedure, ProcedureField, ProcedureVersion
from procedures.services.planner import ImportPlan, VersionInUse, apply_record, desired

JULY = datetime.date(2025, 7, 1)
JANUARY = datetime.date(2026, 1, 1)
TODAY = datetime.date(2026, 12, 4)
NEXT_YEAR = datetime.date(2027, 1, 1)
FIELD = ProcedureField(pk=7, name="Hộ tịch", slug="ho-tich", name_folded="ho tich")
COMPONENTS = [ComponentRecord(name="Tờ khai", copy_kind="original")]


def _record(day: datetime.date, name: str = "Đăng ký khai sinh", **overrides) -> CatalogueRecord:
    values = {
        "file": "t.csv",
        "row": 2,
        "code": "1.001193",
        "name": name,
        "field": "Hộ tịch",
        "level": "commune",
        "time_value": Decimal("3"),
        "time_unit": "working_days",
        "fee_vnd": 0,
        "effective_from": day,
        "components": list(COMPONENTS),
    }
    values.update(overrides)
    return CatalogueRecord(**values)


def _plan(*, pinned: bool) -> tuple[ImportPlan, ProcedureVersion]:
    """One existing version from 1/7/2025 with the record's values (as a previous import left it)."""
    procedure = Procedure(pk=1, code="1.001193", source="national-db")
    version = ProcedureVersion(pk=10, procedure=procedure, effective_from=JULY)
    plan = ImportPlan(
        procedures={"1.001193": procedure},
        versions={"1.001193": [version]},
        components={id(version): list(COMPONENTS)},
        fields={"Hộ tịch": FIELD},
        units={},
        decisions={},
        pinned={("1.001193", JULY)} if pinned else set(),
        import_date=TODAY,
    )
    for name, value in desired(_record(JULY), plan).items():
        setattr(version, name, value)
    return plan, version


@pytest.mark.parametrize(
    ("pinned", "day", "name", "status", "new_version_from", "old_renamed", "old_until"),
    [
        # the same data: nothing, pinned or not
        (False, JULY, "Đăng ký khai sinh", "unchanged", None, False, None),
        (True, JULY, "Đăng ký khai sinh", "unchanged", None, False, None),
        # a change on the version's own date: in place when free, from the import date when pinned
        (False, JULY, "Tên mới", "updated", None, True, None),
        (True, JULY, "Tên mới", "updated", TODAY, False, TODAY),
        # a dated change inside the version's period: from that date when free, from the import date when pinned
        (False, JANUARY, "Tên mới", "updated", JANUARY, False, JANUARY),
        (True, JANUARY, "Tên mới", "updated", TODAY, False, TODAY),
        # a future change: from its own date, pinned or not (no dossier is received under it yet)
        (
            True,
            datetime.date(2027, 1, 1),
            "Tên mới",
            "updated",
            datetime.date(2027, 1, 1),
            False,
            datetime.date(2027, 1, 1),
        ),
    ],
)
def test_what_a_record_does(pinned, day, name, status, new_version_from, old_renamed, old_until):
    plan, version = _plan(pinned=pinned)
    assert apply_record(_record(day, name), plan) == status
    new = [v.effective_from for v in plan.new_versions]
    assert new == ([new_version_from] if new_version_from else [])
    assert (version.name == name and name != "Đăng ký khai sinh") is old_renamed
    if old_until:
        assert version.effective_until == old_until
        assert plan.dirty_versions[id(version)][1] == {"effective_until"}  # nothing else of it is written
    elif not old_renamed:
        assert id(version) not in plan.dirty_versions


def test_a_pinned_version_starting_on_the_import_date_refuses_the_change():
    plan, _version = _plan(pinned=True)
    plan.import_date = JULY
    with pytest.raises(VersionInUse) as refused:
        apply_record(_record(JULY, "Tên mới"), plan)
    assert refused.value.problem.column == "effective_from"
    assert plan.new_versions == [] and plan.dirty_versions == {}


def _moved_plan(*, pinned_later: bool) -> tuple[ImportPlan, ProcedureVersion]:
    """The state a moved change leaves: the pinned version of 1/7/2025 closed on TODAY, the change from TODAY."""
    plan, _version = _plan(pinned=True)
    plan.import_date = TODAY
    assert apply_record(_record(JULY, "Tên mới"), plan) == "updated"
    (moved,) = plan.new_versions
    moved.pk = 11  # as the writer left it
    plan.new_versions, plan.dirty_versions = [], {}
    if pinned_later:
        plan.pinned.add(("1.001193", TODAY))
    return plan, moved


@pytest.mark.parametrize("pinned_later", [False, True])
@pytest.mark.parametrize("day", [JULY, JANUARY])
def test_a_moved_change_imported_again_on_a_later_day_changes_nothing(day, pinned_later):
    """The record still names its own date, where the pinned version is: the version in force on the new import
    date already says the same, so no second copy of it opens."""
    plan, moved = _moved_plan(pinned_later=pinned_later)
    plan.import_date = TODAY + datetime.timedelta(days=1)
    assert apply_record(_record(day, "Tên mới"), plan) == "unchanged"
    assert plan.new_versions == [] and plan.dirty_versions == {}
    assert moved.effective_until is None


def test_a_moved_change_that_differs_again_opens_another_version_on_the_later_day():
    plan, moved = _moved_plan(pinned_later=True)
    later = TODAY + datetime.timedelta(days=1)
    plan.import_date = later
    assert apply_record(_record(JULY, "Tên khác nữa"), plan) == "updated"
    assert [(v.effective_from, v.name) for v in plan.new_versions] == [(later, "Tên khác nữa")]
    assert moved.name == "Tên mới" and moved.effective_until == later


@pytest.mark.parametrize("day", [TODAY, TODAY + datetime.timedelta(days=1)])
def test_abolishing_a_procedure_already_abolished_changes_nothing(day):
    plan, _version = _plan(pinned=True)
    gone = _record(TODAY, change="abolished", provided=frozenset())
    assert apply_record(gone, plan) == "updated"
    (abolished,) = plan.new_versions
    abolished.pk = 11
    plan.new_versions, plan.dirty_versions = [], {}
    plan.import_date = day
    assert apply_record(_record(day, change="abolished", provided=frozenset()), plan) == "unchanged"
    assert plan.new_versions == [] and plan.dirty_versions == {}


def test_a_pinned_change_the_same_import_supersedes_before_the_import_date_is_refused():
    """A file with the procedure's history: the change to the pinned 1/7/2025 version reaches only to the next
    record (1/1/2026), all of it in the past. Moving it to the import date would put the older text in force over
    the newer one, so it is refused."""
    plan, version = _plan(pinned=True)
    history = [_record(JULY, "Tên mới"), _record(JANUARY, "Tên năm 2026", change="amended")]
    plan.expect(history)
    with pytest.raises(VersionInUse) as refused:
        apply_record(history[0], plan)
    assert "01/01/2026" in refused.value.problem.message
    assert plan.new_versions == [] and plan.dirty_versions == {} and version.name == "Đăng ký khai sinh"


def test_a_pinned_change_the_same_import_supersedes_after_the_import_date_moves_up_to_it():
    plan, _version = _plan(pinned=True)
    history = [_record(JULY, "Tên mới"), _record(NEXT_YEAR, "Tên năm 2027", change="amended")]
    plan.expect(history)
    assert [apply_record(record, plan) for record in history] == ["updated", "updated"]
    assert [(v.effective_from, v.effective_until, v.name) for v in plan.new_versions] == [
        (TODAY, NEXT_YEAR, "Tên mới"),
        (NEXT_YEAR, None, "Tên năm 2027"),
    ]
