"""Who sees what through the HTTP API: every role × every endpoint × a dossier inside and outside.

Two dossiers: ``inside`` (filed by the citizen for a beneficiary named by ID number, received at Việt Trì, returned
at the Việt Trì branch, processed by UBND phường Việt Trì) and ``outside`` (filed by another citizen at a commune of
old Hòa Bình, processed there). Everyone but the province office and the administrator sees exactly one of them.
Outside a scope, every endpoint answers exactly — status, headers, bytes — as it answers for a dossier that does not
exist, and the list never shows it, whatever the filters. Every request runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from communes.models import ServiceCentre
from dossiers import services
from dossiers.models import AuditEvent, ControlSlipRow, Dossier, Pause
from dossiers.tests.factories import APPLICANT, UserFactory, required_documents, staff
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import TRANSITIONS, Action, Role, State, can, target_state
from portal.accounts.models import StaffRole
from portal.tests.answers import comparable_headers

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9AM = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
MISSING_ID = 999_999

#: URL segment of each action's POST.
ENDPOINTS: dict[Action, str] = {
    Action.RECEIVE: "receive",
    Action.REFUSE: "refuse",
    Action.TRANSFER: "transfer",
    Action.ASSIGN: "assign",
    Action.REQUEST_SUPPLEMENT: "request-supplement",
    Action.SUPPLEMENT: "supplement",
    Action.REQUEST_PAYMENT: "request-payment",
    Action.CONFIRM_PAYMENT: "confirm-payment",
    Action.WITHDRAW: "withdraw",
    Action.CONFIRM_WITHDRAWAL: "confirm-withdrawal",
    Action.STOP: "stop",
    Action.DECIDE: "decide",
    Action.RETURN: "return",
    Action.EXTEND: "extend",
    Action.RATE: "rate",
}


def body_for(action: Action, *, handler_id: int) -> dict:
    """A valid body for the action's POST."""
    return {
        Action.RECEIVE: {},
        Action.REFUSE: {"reason": "Hồ sơ không thuộc thẩm quyền"},
        Action.TRANSFER: {"note": ""},
        Action.ASSIGN: {"handler": handler_id},
        Action.REQUEST_SUPPLEMENT: {"reason": "Thiếu giấy chứng sinh", "missing_components": ["Giấy chứng sinh"]},
        Action.SUPPLEMENT: {"note": "Đã bổ sung"},
        Action.REQUEST_PAYMENT: {"amount_vnd": 50_000, "note": ""},
        Action.CONFIRM_PAYMENT: {"paid_online": True},
        Action.WITHDRAW: {"reason": "Không còn nhu cầu"},
        Action.CONFIRM_WITHDRAWAL: {},
        Action.STOP: {"reason": "Người nộp không bổ sung"},
        Action.DECIDE: {"outcome": "approved", "result_document": "Giấy khai sinh số 12/2026"},
        Action.RETURN: {"note": ""},
        Action.EXTEND: {"reason": "Cần xác minh thêm", "new_due_at": "2026-09-01T09:00:00+07:00"},
        Action.RATE: {"rating": "satisfied", "comment": ""},
    }[action]


def test_there_is_one_endpoint_per_action_with_a_service():
    assert set(ENDPOINTS) == set(services.SERVICES)
    assert set(ENDPOINTS) | {Action.FILE, Action.RECEIVE_AT_COUNTER} == set(Action)


@dataclass
class Who:
    name: str
    user: Any  # None: anonymous
    roles: dict[str, Role | frozenset[Role]] = field(default_factory=dict)  # dossier key → role(s) held
    everything: bool = False  # the province office and the administrator see both dossiers, with no role

    def sees(self, key: str) -> bool:
        return self.everything or key in self.roles


@dataclass
class Scene:
    dossiers: dict[str, Dossier]
    handlers: dict[str, Any]  # dossier key → the handler assigned (or assignable) to it
    people: list[Who]


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


def build(world, state: State) -> Scene:
    return_centre = ServiceCentre.objects.get(key="branch-viet-tri")
    assert return_centre.pk not in (world.centre.pk, world.other_centre.pk)
    beneficiary = UserFactory(username="beneficiary", full_name="Trần Văn Bình")
    return_reception = staff(StaffRole.RECEPTION, centre=return_centre, username="return-reception")
    inside = services.dossier_file(
        actor=world.citizen,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": beneficiary.id_number},
        reception_centre_id=world.centre.pk,
        return_centre_id=return_centre.pk,
        documents=required_documents(),
    )
    outside = services.dossier_file(
        actor=world.other_citizen,
        procedure_code="1.001193",
        applicant={**APPLICANT, "name": "Đinh Thị Mai", "id_number": world.other_citizen.id_number},
        reception_centre_id=world.other_centre.pk,
        documents=required_documents(),
    )
    assert (inside.processing_unit_id, outside.processing_unit_id) == (world.unit.pk, world.other_unit.pk)
    assert outside.return_centre_id == world.other_centre.pk
    inside = walk(world, inside, PATHS[state])
    outside = walk(
        world,
        outside,
        PATHS[state],
        handler=world.other_handler,
        leader=world.other_leader,
        reception=world.other_reception,
        applicant=world.other_citizen,
    )
    assert inside.state == outside.state == state.value
    people = [
        Who("anonymous", None),
        Who("citizen-filer", world.citizen, {"inside": Role.APPLICANT}),
        Who("citizen-by-id-number", beneficiary, {"inside": Role.APPLICANT}),
        Who("other-citizen", world.other_citizen, {"outside": Role.APPLICANT}),
        Who("reception", world.reception, {"inside": Role.RECEPTION}),
        Who("return-centre-reception", return_reception, {"inside": Role.RETURN_DESK}),
        # the outside dossier is received and returned at the other centre: its officer holds both desks
        Who("other-reception", world.other_reception, {"outside": frozenset({Role.RECEPTION, Role.RETURN_DESK})}),
        Who("handler", world.handler, {"inside": Role.HANDLER}),
        Who("leader", world.leader, {"inside": Role.LEADER}),
        Who("other-handler", world.other_handler, {"outside": Role.HANDLER}),
        Who("other-leader", world.other_leader, {"outside": Role.LEADER}),
        Who("province", world.province, everything=True),
        Who("admin", world.admin, everything=True),
    ]
    return Scene(
        {"inside": inside, "outside": outside}, {"inside": world.handler, "outside": world.other_handler}, people
    )


def totals() -> tuple[int, ...]:
    """Row counts of every table a dossier request may write, in one statement."""
    tables = [connection.ops.quote_name(m._meta.db_table) for m in (Dossier, AuditEvent, ControlSlipRow, Pause)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables))  # noqa: S608
        return tuple(cursor.fetchone())


def rows(scene: Scene) -> list[dict]:
    return [Dossier.objects.filter(pk=d.pk).values().get() for d in scene.dossiers.values()]


class _Undo(Exception):
    pass


def request(client, method: str, url: str, body: dict | None = None, **headers) -> tuple:
    """One request in a savepoint rolled back afterwards; returns (status, headers, bytes, json, wrote)."""
    result: tuple = ()
    try:
        with transaction.atomic():
            before = totals()
            if method == "get":
                response = client.get(url, **headers)
            else:
                response = client.post(url, body or {}, content_type="application/json", **headers)
            wrote = totals() != before
            data = response.json() if response.get("Content-Type", "").startswith("application/json") else None
            result = (response.status_code, comparable_headers(response), response.content, data, wrote)
            raise _Undo
    except _Undo:
        pass
    return result


def observable(result: tuple) -> tuple:
    """What a client can observe of a response: status, headers and bytes."""
    return result[:3]


def test_every_role_on_every_endpoint_inside_and_outside_its_scope(world, frozen, client):
    # Scopes do not depend on the state; "processing" (a handler assigned) lets many actions answer 200 inside.
    scene = build(world, State.PROCESSING)
    before_rows = rows(scene)
    problems: list[str] = []
    missing: dict = {}  # the answers about a dossier that does not exist, per (logged in, request): the reference
    for who in scene.people:
        if who.user is None:
            client.logout()
        else:
            client.force_login(who.user)
        problems += check_list(client, scene, who)
        problems += check_detail(client, scene, who)
        for action in ENDPOINTS:
            problems += check_action(client, scene, who, action, missing)
    assert not problems, f"{len(problems)} leaks or mistakes:\n" + "\n".join(problems)
    assert rows(scene) == before_rows  # every request was rolled back


def check_list(client, scene: Scene, who: Who) -> list[str]:
    problems = []
    outside_keys = [key for key in scene.dossiers if not who.sees(key)]
    queries = ["", "?page_size=200"]
    for key in outside_keys:  # filters that match the dossier out of scope must not reveal it either
        dossier = scene.dossiers[key]
        queries += [
            f"?state={dossier.state}",
            f"?status_code={dossier.status_code}",
            f"?procedure={dossier.procedure.code}",
            f"?reception_centre={dossier.reception_centre.agency_code}",
            f"?centre={dossier.return_centre.agency_code}",
            f"?processing_unit={dossier.processing_unit.key}",
            f"?applicant_id_number={dossier.applicant_id_number}",
        ]
    for query in queries:
        status, _headers, _content, data, wrote = request(client, "get", f"/api/dossiers/{query}")
        if who.user is None:
            if status not in (401, 403):
                problems.append(f"{who.name}: list{query} gave {status} to an anonymous client")
            continue
        if status != 200:
            problems.append(f"{who.name}: list{query} gave {status}")
            continue
        listed = {row["id"] for row in data["results"]}
        for key, dossier in scene.dossiers.items():
            if dossier.pk in listed and not who.sees(key):
                problems.append(f"{who.name}: list{query} shows the {key} dossier")
            if query in ("", "?page_size=200") and who.sees(key) and dossier.pk not in listed:
                problems.append(f"{who.name}: list{query} hides the {key} dossier")
        if query in ("", "?page_size=200"):
            visible = sum(who.sees(key) for key in scene.dossiers)
            if data["count"] != visible:
                problems.append(f"{who.name}: list{query} counts {data['count']}, expected {visible}")
        if wrote:
            problems.append(f"{who.name}: list{query} wrote rows")
    return problems


def check_detail(client, scene: Scene, who: Who) -> list[str]:
    problems = []
    missing = request(client, "get", f"/api/dossiers/{MISSING_ID}/")
    for key, dossier in scene.dossiers.items():
        result = request(client, "get", f"/api/dossiers/{dossier.pk}/")
        status, data = result[0], result[3]
        if who.user is None:
            if status not in (401, 403) or observable(result) != observable(missing):
                problems.append(f"anonymous: detail of the {key} dossier gave {status}, unlike a missing one")
        elif who.sees(key):
            if status != 200 or data["id"] != dossier.pk:
                problems.append(f"{who.name}: detail of the {key} dossier gave {status}")
        elif status != 404 or observable(result) != observable(missing):
            problems.append(
                f"{who.name}: detail of the {key} dossier gave {status} {result[2]!r}, not the 404 of a missing one"
            )
    if who.user is not None and (missing[0] != 404 or missing[3] != {"code": "not_found", "detail": "Không tìm thấy."}):
        problems.append(f"{who.name}: a missing dossier gave {missing[0]} {missing[2]!r}")
    return problems


def check_action(client, scene: Scene, who: Who, action: Action, missing: dict) -> list[str]:
    problems = []
    segment = ENDPOINTS[action]
    for key, dossier in scene.dossiers.items():
        body = body_for(action, handler_id=scene.handlers[key].pk)
        url = f"/api/dossiers/{dossier.pk}/{segment}/"
        missing_url = f"/api/dossiers/{MISSING_ID}/{segment}/"
        label = f"{who.name}: POST {segment} on the {key} dossier"
        if who.user is None or not who.sees(key):
            # the same answer as for a dossier that does not exist, whatever the body and the If-Match header
            variants = [(body, {}), ({}, {"HTTP_IF_MATCH": '"0"'})]
            for number, (variant_body, headers) in enumerate(variants):
                result = request(client, "post", url, variant_body, **headers)
                reference = (who.user is None, segment, str(variant_body), str(headers))
                if reference not in missing:
                    missing[reference] = request(client, "post", missing_url, variant_body, **headers)
                if observable(result) != observable(missing[reference]):
                    problems.append(
                        f"{label} {variant_body} {headers}: {result[0]} {result[2]!r} ≠ {missing[reference][2]!r}"
                    )
                if result[4]:
                    problems.append(f"{label}: wrote rows")
                expected = (401, 403) if who.user is None else (404,)
                if number == 0 and result[0] not in expected:
                    problems.append(f"{label}: {result[0]}, expected {expected}")
            continue
        status, _headers, _content, data, wrote = request(client, "post", url, body)
        held = who.roles.get(key)
        roles = set(held) if isinstance(held, frozenset) else ({held} if held else set())
        if not TRANSITIONS[action].roles & roles:
            expected, code = 403, "forbidden"
        elif not can(action, dossier.state, roles):
            expected, code = 409, "invalid_transition"
        else:
            expected, code = 200, None
        if status != expected:
            problems.append(f"{label}: {status} {data}, expected {expected}")
        elif code is not None and (data.get("code") != code or wrote):
            problems.append(f"{label}: {data} (wrote: {wrote})")
        elif code is None and data["state"] != target_state(action, dossier.state).value:
            problems.append(f"{label}: reached {data['state']}")
    return problems


def test_anonymous_clients_cannot_file_or_act(world, frozen, client):
    before = totals()
    body = {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": "025190009999"},
        "reception_centre": world.centre.agency_code,
    }
    response = client.post("/api/dossiers/", body, content_type="application/json")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "detail"}
    assert totals() == before
