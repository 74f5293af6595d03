"""The detail's lists read in one statement (``json_agg``, PostgreSQL) are exactly what the ORM's prefetching reads.

``dossiers.selectors.dossier_detail_of`` answers a service's action from one statement instead of five prefetches;
``dossier_get`` (every ``GET``) uses the prefetches. For a dossier in every state of the workflow — and with every
kind of list row: events, control slip, pauses, scanned documents with their component, paper components — both
paths must give the same rows, in the same order, with the same field values and the same joined rows, and the
same serialised detail.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import prefetch_related_objects

from dossiers.api.serializers import DossierDetailSerializer
from dossiers.models import Dossier
from dossiers.selectors import _LISTS, DETAIL_LISTS, detail_prefetches, dossier_detail_of
from dossiers.tests.factories import APPLICANT, file_online, receive_at_counter
from dossiers.tests.states import SETUPS, walk

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MONDAY_9AM = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _row(instance, joined: tuple[str, ...]) -> dict:
    """Every concrete field's value, and what the detail shows of each joined row."""
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}
    for name in joined:
        related = getattr(instance, name)
        values[name] = None if related is None else (related.pk, str(related))
    return values


def _lists(dossier: Dossier) -> dict[str, list[dict]]:
    return {name: [_row(row, _LISTS[name][2]) for row in getattr(dossier, name).all()] for name in DETAIL_LISTS}


def _both_paths(dossier_id: int) -> tuple[Dossier, Dossier]:
    by_orm = Dossier.objects.get(pk=dossier_id)
    prefetch_related_objects([by_orm], *detail_prefetches())
    in_one_statement = dossier_detail_of(Dossier.objects.get(pk=dossier_id))
    return by_orm, in_one_statement


def _assert_same(dossier_id: int) -> dict[str, int]:
    by_orm, in_one_statement = _both_paths(dossier_id)
    orm_lists, json_lists = _lists(by_orm), _lists(in_one_statement)
    for name in DETAIL_LISTS:
        assert json_lists[name] == orm_lists[name], name
    assert DossierDetailSerializer(in_one_statement).data == DossierDetailSerializer(by_orm).data
    return {name: len(rows) for name, rows in orm_lists.items()}


@pytest.mark.parametrize("setup", list(SETUPS))
def test_every_state_reads_the_same_lists_both_ways(world, setup):
    state, actions = SETUPS[setup]
    with time_machine.travel(MONDAY_9AM, tick=True):
        dossier = walk(world, file_online(world.citizen, world.centre), actions)
    assert dossier.state == state
    counts = _assert_same(dossier.pk)
    assert counts["events"] == len(actions) + 1 and counts["control_slip"] == len(actions) + 1
    assert counts["documents"] >= 1  # the scans filed online, each with its component and uploader
    if "request_supplement" in {action.value for action in actions}:
        assert counts["pauses"] == 1


def test_a_counter_reception_with_paper_components_reads_the_same_both_ways(world):
    dossier = receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": world.citizen.id_number},
        reception_centre_id=world.centre.pk,
        paper_components=[
            {"name": "Giấy chứng sinh", "copy_kind": "original", "count": 1},
            {"name": "Bản sao CCCD của cha, mẹ", "copy_kind": "copy", "count": 2},
        ],
    )
    counts = _assert_same(dossier.pk)
    assert counts["paper_components"] == 3 and counts["documents"] == 0  # and the mandatory form


def test_the_comparison_sees_a_difference(world):
    """The check above can fail: one changed value in one row of one list is seen."""
    dossier = file_online(world.citizen, world.centre)
    by_orm, in_one_statement = _both_paths(dossier.pk)
    in_one_statement.events.all()[0].reason = "khác"
    assert _lists(in_one_statement)["events"] != _lists(by_orm)["events"]
