"""Property-based API test, every role: the quick version of ``bench/fuzz.py`` inside ``make test``.

schemathesis generates requests from our OpenAPI schema (``/api/schema/``, read from the Django app itself,
in-process over WSGI: no server, no network) and every answer is checked. ``tests/api/fuzzing/`` holds the data,
the roles, the inputs and the checks, shared with the long run; read its docstring. In short: two communes' dossiers
in every state and across the lines; eight roles (anonymous, a citizen, another citizen, phường Việt Trì's
reception officer, handler and leader, the province office, an administrator); path parameters drawn from the
role's own *and other units' / other people's* dossiers, documents and notices; and each answer must

* not be a server error (5xx);
* have a status code, content type, headers and body the schema documents for that operation;
* show or act on no dossier the role may not see (derived from the data built, not from the code under test), and
  on no other person's notice.

Nothing is excluded: every operation of the schema runs for every role — the schema's examples and
``QUICK_EXAMPLES`` generated cases each (positive and negative). The coverage phase (boundary values, missing and
wrong-typed parameters, unexpected methods) costs about as much as everything else together, so each operation
runs it once, as the role that reaches furthest into it (:func:`coverage_role`). A few stateful scenarios chain
the links schemathesis infers from the schema (the schema declares none) for the roles that move dossiers.
Bounded and deterministic: a fixed seed, derandomised Hypothesis, no example database. Each request runs in a
savepoint that is rolled back, so every case sees the same data.

The data is built once for the module (a transaction around it, rolled back at the end; each test a savepoint
inside it). The status codes each role's operations answered are written to
``test-artifacts/schemathesis-<role>.json``.
"""

from __future__ import annotations

import json

import pytest

from tests.api.fuzzing import ROLES, Fuzzer, Tally, build_world, in_process_app

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("schemathesis")]

QUICK_EXAMPLES = 5
STATEFUL_EXAMPLES = 6
STATEFUL_ROLES = ("citizen", "reception", "leader")


def coverage_role(operation) -> str:
    """Who runs an operation's coverage phase: whoever the operation lets go furthest (the actor of a workflow
    action, a dashboard's reader, a centre's register keeper), anonymous for the public lookup, else a citizen."""
    from dossiers.workflow import TRANSITIONS, Action, Role

    path = operation.path
    if path.startswith("/api/dossiers/{id}/") and path.count("/") == 5:
        try:
            roles = TRANSITIONS[Action(path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_"))].roles
        except ValueError:  # not an action: the documents, the paper components
            return "reception"
        for role, name in ((Role.APPLICANT, "citizen"), (Role.LEADER, "leader"), (Role.HANDLER, "handler")):
            if role in roles:
                return name
        return "reception"
    if path.startswith("/api/dossiers/{id}/"):  # documents, paper components, slips
        return "reception"
    if path.startswith("/api/stats/"):
        return "leader"
    if path.startswith("/api/centres/{agency_code}/"):
        return "reception"
    if path.startswith("/api/lookup/"):
        return "anonymous"
    if path.startswith("/api/catalogue/") or path.startswith("/api/communes/"):
        return "province"
    return "citizen"


@pytest.fixture(scope="module")
def fuzzer(django_db_setup, django_db_blocker, tmp_path_factory):
    """The data and the schema, once for the module, in a transaction rolled back at its end."""
    from django.db import connection, transaction
    from django.test.utils import override_settings

    from portal.common import refcache

    if connection.vendor != "postgresql":  # the postgres marker skips (or, in CI, fails) each test
        yield None
        return
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("fuzz-private"))},
    }
    from django.conf import settings

    overrides = override_settings(
        # ids come again once the module is rolled back: nothing kept by the reference cache (conftest.py)
        REFERENCE_CACHE=False,
        STORAGES={**settings.STORAGES, "private": private},
    )
    with django_db_blocker.unblock(), overrides:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            with in_process_app() as app:
                fuzzer = Fuzzer(app, world, max_examples=QUICK_EXAMPLES)
                fuzzer.private_storage = private  # where the documents built above are
                yield fuzzer
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            refcache.clear_all()


def _artefact(artifacts_dir, role: str, tally: Tally) -> None:
    summary = {
        label: dict(sorted(codes.items())) for label, codes in sorted(tally.statuses[role].items(), key=lambda x: x[0])
    }
    summary["seconds"] = round(tally.seconds[role], 1)
    (artifacts_dir / f"schemathesis-{role}.json").write_text(json.dumps(summary, indent=1) + "\n")


@pytest.fixture
def fuzz_settings(settings, fuzzer):
    """What the module's data needs again in each test (conftest.py's autouse fixtures reset them), and a lookup
    rate for one client sending hundreds (the limit itself is tested in dossiers/tests/api/test_lookup.py)."""
    settings.LOOKUP_RATE = "1000000/min"
    if fuzzer is not None:
        settings.STORAGES = {**settings.STORAGES, "private": fuzzer.private_storage}
    return settings


@pytest.mark.parametrize("role", ROLES)
def test_api_conforms_to_schema(db, fuzzer, fuzz_settings, role, artifacts_dir):
    tally = Tally()
    fuzzer.run_role(role, tally, phases=("examples", "fuzzing"))
    fuzzer.run_role(role, tally, phases=("coverage",), operations=lambda operation: coverage_role(operation) == role)
    if role in STATEFUL_ROLES:
        fuzzer.run_stateful(role, tally, max_examples=STATEFUL_EXAMPLES)
    _artefact(artifacts_dir, role, tally)
    assert tally.cases(role) > 0
    if role in STATEFUL_ROLES:
        assert tally.stateful[role] > 0, "no stateful scenario ran"
    assert not tally.findings and not tally.errors, tally.report()


def test_the_scope_checks_see_a_leak(db, fuzzer):
    """The checks can fail: another unit's dossier in the path or in a body, another person's notice, and the
    public lookup's 2xx only for the pair it was asked."""
    from types import SimpleNamespace

    from tests.api.fuzzing import no_foreign_dossier, no_foreign_notice

    world = fuzzer.world
    operation = {op.label: op for op in fuzzer.operations}
    mine = sorted(world.may_see("reception"))
    theirs = sorted(set(world.dossiers) - world.may_see("reception"))
    assert mine and theirs

    def answer(role, body, status=200, content_type="application/json"):
        return SimpleNamespace(
            status_code=status,
            headers={"Content-Type": [content_type]},
            content=body.encode() if isinstance(body, str) else json.dumps(body).encode(),
            request=SimpleNamespace(headers=world.headers(role)),
        )

    detail = operation["GET /api/dossiers/{id}/"]
    no_foreign_dossier(None, answer("reception", {}), detail.Case(path_parameters={"id": str(mine[0])}))
    no_foreign_dossier(None, answer("reception", {}, 404), detail.Case(path_parameters={"id": str(theirs[0])}))
    with pytest.raises(AssertionError, match="outside their scope"):
        no_foreign_dossier(None, answer("reception", {}), detail.Case(path_parameters={"id": str(theirs[0])}))
    foreign = world.dossiers[theirs[0]]
    listing = operation["GET /api/dossiers/"].Case(query={})
    for body in ({"results": [{"reference": foreign.reference}]}, {"results": [{"dossier": foreign.id}]}):
        with pytest.raises(AssertionError, match="outside their scope"):
            no_foreign_dossier(None, answer("reception", body), listing)
    no_foreign_dossier(None, answer("province", {"results": [{"reference": foreign.reference}]}), listing)
    register = operation["GET /api/centres/{agency_code}/register.csv"].Case(path_parameters={"agency_code": "x"})
    with pytest.raises(AssertionError, match="outside their scope"):
        no_foreign_dossier(None, answer("reception", f"a,{foreign.reference},b", content_type="text/csv"), register)

    filing = operation["POST /api/dossiers/"].Case(body={}, media_type="application/json")
    counter = {"channel": "direct", "reception_centre": world.centre_a.agency_code}
    no_foreign_dossier(None, answer("reception", counter, 201), filing)
    with pytest.raises(AssertionError, match="counter reception at a centre outside"):
        no_foreign_dossier(None, answer("reception", {**counter, "reception_centre": "000.00.00.X"}, 201), filing)
    with pytest.raises(AssertionError, match="counter reception at a centre outside"):
        no_foreign_dossier(None, answer("leader", counter, 201), filing)

    lookup = operation["GET /api/lookup/"]
    shown = answer("anonymous", {"code": foreign.reference})
    no_foreign_dossier(
        None, shown, lookup.Case(query={"code": foreign.reference, "id_number": foreign.applicant_id_number})
    )
    with pytest.raises(AssertionError, match="outside their scope"):
        no_foreign_dossier(None, shown, lookup.Case(query={"code": foreign.reference, "id_number": "000000000000"}))

    notices = operation["GET /api/me/notifications/"].Case(query={})
    citizen = world.users["citizen"].pk
    others = [pk for pk, who in world.notices.items() if who != citizen]
    own = [pk for pk, who in world.notices.items() if who == citizen]
    assert others and own
    no_foreign_notice(None, answer("citizen", {"results": [{"id": own[0]}]}), notices)
    with pytest.raises(AssertionError, match="another person"):
        no_foreign_notice(None, answer("citizen", {"results": [{"id": others[0]}]}), notices)


def test_every_role_sees_what_the_facts_say(db, fuzzer):
    """The scopes the checks hold the answers to, from the data built: each commune-level role sees some dossiers
    and not others, the province office and the administrator all of them, the anonymous visitor none."""
    world = fuzzer.world
    everything = frozenset(world.dossiers)
    assert world.may_see("anonymous") == frozenset()
    assert world.may_see("province") == world.may_see("admin") == everything
    for role in ("citizen", "other_citizen", "reception", "handler", "leader"):
        assert frozenset() < world.may_see(role) < everything, role
    assert world.may_see("citizen").isdisjoint(world.may_see("other_citizen"))
    labels = {world.dossiers[pk].label for pk in world.may_see("reception") - world.may_see("leader")}
    assert labels == {"B, returned at A", "other citizen at A for B's committee"}
    assert len(fuzzer.operations) >= 40


@pytest.mark.parametrize(
    ("role", "label", "parameters"),
    [
        ("reception", "GET /api/dossiers/", {"query": {"page_size": 100}}),
        ("province", "GET /api/dossiers/", {"query": {"page_size": 100}}),
        ("citizen", "GET /api/dossiers/", {"query": {"page_size": 100}}),
        ("reception", "GET /api/centres/{agency_code}/register.csv", {}),
        ("reception", "GET /api/centres/{agency_code}/register.xlsx", {}),
        ("citizen", "GET /api/me/notifications/", {"query": {"page_size": 100}}),
    ],
)
def test_the_checks_read_the_dossiers_in_real_answers(db, fuzzer, fuzz_settings, role, label, parameters):
    """What the dossier check reads in real answers (JSON, CSV, XLSX) is exactly what the role may see there: the
    body scan is not blind."""
    from django.utils import timezone

    from tests.api.fuzzing.checks import _request_headers, no_foreign_dossier, shown_dossiers

    world = fuzzer.world
    operation = next(op for op in fuzzer.operations if op.label == label)
    if "{agency_code}" in label:
        today = timezone.localdate().isoformat()
        parameters = {
            "path_parameters": {"agency_code": world.centre_a.agency_code},
            "query": {"from": today, "to": today},
        }
    response = operation.Case(**parameters).call(headers=world.headers(role))
    assert response.status_code == 200, response.content[:300]
    case = operation.Case(**parameters)
    shown = shown_dossiers(world, case, response)
    assert shown, "no dossier recognised in the answer"
    assert shown <= world.may_see(role)
    if label == "GET /api/dossiers/":
        assert shown == world.may_see(role)
    # the check knows who asked from the request the answer carries, and passes
    assert world.role_of_token(_request_headers(response).get("Authorization")) == role
    no_foreign_dossier(None, response, case)
