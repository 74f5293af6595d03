"""Fuzzing the API at depth: the data, the roles, the checks and the runner shared by the quick test
(``tests/api/test_schemathesis.py``, inside ``make test``) and the long run (``bench/fuzz.py``).

schemathesis (4.x) generates requests from the app's own OpenAPI schema (``/api/schema/``), in-process over WSGI;
every answer is checked. Here:

* **The data** (:func:`build_world`): two communes — phường Việt Trì (A, the staff under test) and a commune of old
  Hòa Bình (B) — each with its centre and People's Committee, one procedure, and dossiers in every workflow state at
  both, reached through the real services; plus dossiers that cross the lines: a citizen filing at B, another
  citizen filing at A for B's People's Committee (non-geographic reception), a dossier returned at A's counter, two
  counter receptions naming the other citizen as the applicant. Scanned documents, paper components and in-app
  notices come with them.
* **The roles** (:data:`ROLES`): anonymous, a citizen, another citizen, A's reception officer, A's handler and A's
  leader (each holding only that role), the province office, and an administrator (superuser).
* **Who may see which dossier** (:meth:`FuzzWorld.may_see`) is derived from the facts recorded while building the
  data — who filed it, whose ID number it names, where it was received, where it is returned, which unit processes
  it — never from the code under test (``dossiers.selectors``).
* **Inputs that reach real rows**: random ids almost never name a row, so the path parameters are drawn from a mix
  of the role's own dossiers, *other units' and other people's* dossiers (the ones a leak would show), dossiers in
  a state the action starts from, and generated values; documents by their own or another dossier's id; notices of
  the caller and of others; the centres, communes, units and procedures of both communes in the query; the
  public lookup with matching and mismatched pairs of code and ID number or phone; the handlers of both units in
  ``assign``; valid counter filings at either centre for either citizen. And a fuzz dictionary
  (:data:`runner.EDGE_STRINGS`: NUL, the calendar's first and last days, extreme offsets …) for a tenth of every
  string parameter: random generation reaches those too rarely.
* **Checks** (:func:`checks.all_checks`): no server error, a documented status code, content type, headers and body
  (schemathesis' built-ins), and two of ours: :func:`no_foreign_dossier` (no 2xx answer shows or acts on a dossier
  the role may not see — the dossier in the path, or any code, reference, id or link of a dossier in a JSON, CSV,
  HTML or XLSX body; the public lookup only for the pair it was given; no counter reception at a centre not the
  officer's) and :func:`no_foreign_notice`.
* **The runner** (:class:`Fuzzer`): for each role and each operation of the schema, the phases of schemathesis'
  own pytest integration — the schema's examples, the coverage phase (boundary values, missing and wrong-typed
  parameters, unexpected methods) and ``max_examples`` generated cases (positive and negative) — with a fixed seed
  (mixed with the role and the operation, so that each role gets other inputs), derandomised, no example
  database. Each request runs in a savepoint that is rolled back, so every case sees the same data and the facts
  above stay true. Failures are collected, not raised, so that one run reports them all.
* **Stateful scenarios** (:meth:`Fuzzer.run_stateful`): the schema declares no OpenAPI links (drf-spectacular has
  no API for them; only a post-processing hook rewriting the schema could add some), but schemathesis infers them
  (dependency analysis of the schema: ``POST /api/dossiers/`` → ``GET /api/dossiers/{id}/``, a list's
  ``results[].id`` → every action on a dossier …; 63 in all). Its state machine chains them; each scenario runs in
  a transaction rolled back at its end (each step in a savepoint), under the same checks.

Modules: ``world`` (the data, the roles, who may see what), ``inputs`` (the schema hooks), ``checks``,
``runner``. Nothing is built at import; Django must be set up (pytest-django, or ``bench/fuzz.py``).
"""

from tests.api.fuzzing.checks import all_checks, no_foreign_dossier, no_foreign_notice
from tests.api.fuzzing.runner import Finding, Fuzzer, Tally, in_process_app
from tests.api.fuzzing.world import LANGUAGES, ROLES, SEED, DossierFacts, FuzzWorld, build_world

__all__ = [
    "LANGUAGES",
    "ROLES",
    "SEED",
    "DossierFacts",
    "Finding",
    "FuzzWorld",
    "Fuzzer",
    "Tally",
    "all_checks",
    "build_world",
    "in_process_app",
    "no_foreign_dossier",
    "no_foreign_notice",
]
