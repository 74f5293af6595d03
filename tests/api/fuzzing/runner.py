"""The runner: every operation of the schema as a role, in savepoints rolled back; failures collected, not raised."""

from __future__ import annotations

import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.api.fuzzing import checks as fuzz_checks
from tests.api.fuzzing.inputs import install_hooks
from tests.api.fuzzing.world import ROLES, SEED, FuzzWorld


@dataclass
class Finding:
    role: str
    operation: str
    check: str
    title: str
    detail: str  # the first occurrence: the message and how to reproduce it
    count: int = 1


@dataclass
class Tally:
    """What a run did: cases and status codes per role and operation, failures by check, errors, time."""

    statuses: dict[str, dict[str, Counter]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    seconds: Counter = field(default_factory=Counter)  # role → seconds
    stateful: Counter = field(default_factory=Counter)  # role → cases sent by stateful scenarios (within the above)
    findings: dict[tuple, Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def cases(self, role: str | None = None) -> int:
        roles = [role] if role else list(self.statuses)
        return sum(sum(c.values()) for r in roles for c in self.statuses[r].values())

    def record(self, role: str, case, response) -> None:
        sent = "" if case.method.upper() == case.operation.method.upper() else f"{case.method.upper()} "
        self.statuses[role][case.operation.label][f"{sent}{response.status_code}"] += 1

    def fail(self, role: str, case, check: str, failure: BaseException, response) -> None:
        title = getattr(failure, "title", None) or type(failure).__name__
        message = getattr(failure, "message", None) or str(failure)
        key = (role, case.operation.label, check, title, message[:200])
        if key in self.findings:
            self.findings[key].count += 1
            return
        body = (response.content or b"")[:600].decode("utf-8", errors="replace")
        sent = "—" if type(case.body).__name__ == "NotSet" else _short(case.body)
        detail = (
            f"{message}\n    request: {case.method.upper()} {case.formatted_path} query={case.query!r} "
            f"body={sent}\n    answer: {response.status_code} {body}"
        )
        self.findings[key] = Finding(role, case.operation.label, check, title, detail)

    def error(self, what: str, exc: Exception) -> None:
        where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
        self.errors.append(f"{what}: {type(exc).__name__}: {_short(str(exc), 500)}\n{where}")

    def failures(self) -> list[Finding]:
        return sorted(self.findings.values(), key=lambda f: (f.check, f.operation, f.role))

    def by_check(self) -> Counter:
        counted = Counter()
        for finding in self.findings.values():
            counted[finding.check] += finding.count
        return counted

    def report(self) -> str:
        lines = [f"{len(self.findings)} distinct failure(s), {sum(self.by_check().values())} failing case(s):"]
        for finding in self.failures():
            lines.append(f"- [{finding.check}] {finding.role} {finding.operation} ×{finding.count}: {finding.title}")
            lines.append(f"    {finding.detail}")
        lines.extend(f"- error: {error}" for error in self.errors)
        return "\n".join(lines)


def _short(value, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


@contextmanager
def in_process_app():
    """Django's WSGI application, called in-process, inside the caller's transaction.

    Django closes the database connection at the start and end of every request (``close_old_connections``); here
    that connection holds the caller's transaction, so — as the Django test client does — those receivers are off.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from portal.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


#: Strings that random generation reaches too rarely and that break code more often than others: NUL (PostgreSQL
#: refuses it), the calendar's first and last days (nothing before or after them), moments at the extreme offsets,
#: a day that does not exist, numbers too large for any column, blanks, invisible and astral characters, markup.
EDGE_STRINGS = (
    "\x00",
    "ubnd\x0007900",
    "0001-01-01",
    "9999-12-31",
    "2026-02-29",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "-1",
    "0",
    "99999999999999999999",
    " ",
    "\u200b",
    "\U0001d518",
    "<script>",
    "%00",
    "../",
    "NaN",
)
EDGE_PROBABILITY = 0.1


class Fuzzer:
    """Runs schemathesis over every operation of the schema as each role, against ``world``."""

    def __init__(self, app, world: FuzzWorld, *, max_examples: int, seed: int = SEED, max_steps: int = 6):
        import schemathesis

        fuzz_checks.use_world(world)
        self.world = world
        self.seed = seed
        self.role = ROLES[0]
        config = {
            "seed": seed,
            "suppress-health-check": ["all"],
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                # a failure is recorded and the run goes on; an unexpected error is reported as it came
                "no-shrink": True,
                # Every request carries the role's real DRF token; generated credentials would only be overwritten.
                "with-security-parameters": False,
                # a tenth of every string parameter (path, query, header) from the edge cases below
                "dictionaries": {"string": {"dictionary": "edges", "probability": EDGE_PROBABILITY}},
            },
            "dictionaries": {"edges": {"values": list(EDGE_STRINGS)}},
            "phases": {"stateful": {"max-steps": max_steps}},
        }
        self.schema = schemathesis.openapi.from_wsgi("/api/schema/", app, config=schemathesis.Config.from_dict(config))
        install_hooks(self.schema, world, lambda: self.role)
        self.checks = fuzz_checks.all_checks()
        self.operations = [result.ok() for result in self.schema.get_all_operations()]

    def _validate(self, tally: Tally, role: str, case, response) -> None:
        tally.record(role, case, response)
        for check in self.checks:
            try:
                case.validate_response(response, checks=[check])
            except (AssertionError, BaseExceptionGroup) as failure:  # a Failure, or a FailureGroup of them
                failures = getattr(failure, "exceptions", None) or [failure]
                for item in failures:
                    tally.fail(role, case, check.__name__, item, response)

    def run_role(
        self,
        role: str,
        tally: Tally,
        *,
        phases: Iterable[str] = ("examples", "coverage", "fuzzing"),
        operations: Callable[[object], bool] | None = None,
    ) -> None:
        """Every operation (or those ``operations`` keeps) as ``role``; each request rolled back."""
        from django.db import transaction
        from schemathesis.generation import derive_operation_seed
        from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test

        self.role = role
        headers = self.world.headers(role)
        modes = [HypothesisTestMode(phase) for phase in phases]
        config = self.schema.config
        started = time.monotonic()

        def one_case(case):
            with transaction.atomic():  # a savepoint: whatever the request wrote is rolled back
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            self._validate(tally, role, case, response)

        for operation in self.operations:
            if operations is not None and not operations(operation):
                continue
            # the same test schemathesis' pytest integration builds (schemathesis.pytest._test_builder)
            test = create_test(
                operation=operation,
                test_func=one_case,
                config=HypothesisTestConfig(
                    project=config,
                    modes=modes,
                    settings=config.get_hypothesis_settings(operation=operation, phase="fuzzing"),
                    # per role too: the operations every role reaches alike get different inputs from each
                    seed=derive_operation_seed(self.seed, f"{role} {operation.label}"),
                ),
            )
            try:
                test()
            except Exception as exc:  # generation itself failed: reported, the other operations still run
                tally.error(f"{role} {operation.label}", exc)
        tally.seconds[role] += time.monotonic() - started

    def run_stateful(self, role: str, tally: Tally, *, max_examples: int) -> None:
        """``max_examples`` scenarios chaining the links schemathesis infers, as ``role``; each rolled back at its end.

        A scenario's later steps draw from earlier answers (a new dossier's id), which differ from one run to the
        next — ids come from sequences, which a rollback does not rewind. When Hypothesis notices that a replayed
        prefix drew differently (``Flaky``), the suite starts again with the next seed, as schemathesis' own engine
        does, until ``max_examples`` scenarios have run (or as many suites have).
        """
        import hypothesis
        from django.db import transaction
        from hypothesis import HealthCheck, Phase, settings
        from hypothesis.errors import FlakyReplay, FlakyStrategyDefinition
        from schemathesis.generation import derive_operation_seed
        from schemathesis.generation.stateful import run_state_machine_as_test

        self.role = role
        headers = self.world.headers(role)
        fuzzer = self
        started, before = time.monotonic(), tally.cases(role)
        scenarios = 0

        class Scenario(self.schema.as_state_machine()):
            def setup(self):
                nonlocal scenarios
                scenarios += 1
                self._atomic = transaction.atomic()
                self._atomic.__enter__()

            def teardown(self):
                transaction.set_rollback(True)
                self._atomic.__exit__(None, None, None)

            def get_call_kwargs(self, case):
                return {"headers": headers}

            def call(self, case, **kwargs):
                with transaction.atomic():  # each step keeps what it wrote, unless it failed on the server
                    response = case.call(**kwargs)
                    if response.status_code >= 500:
                        transaction.set_rollback(True)
                return response

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                fuzzer._validate(tally, role, case, response)

        for suite in range(max_examples):
            if scenarios >= max_examples:
                break
            seed = derive_operation_seed(self.seed, f"{role} stateful {suite}")
            machine = hypothesis.seed(seed)(type(f"Scenario{suite}", (Scenario,), {"rule_order_seed": seed}))
            try:
                run_state_machine_as_test(
                    machine,
                    settings=settings(
                        max_examples=max_examples - scenarios,
                        stateful_step_count=self.schema.config.phases.stateful.max_steps,
                        database=None,
                        deadline=None,
                        phases=[Phase.explicit, Phase.generate],  # no shrinking: scenarios are long to shrink
                        suppress_health_check=list(HealthCheck),
                    ),
                )
            except (FlakyReplay, FlakyStrategyDefinition):
                continue  # a replay that drew differently: the next suite, with the next seed
            # (a failure that did not come back on replay, FlakyFailure, is an error like any other: below)
            except Exception as exc:
                tally.error(f"{role} stateful", exc)
                break
        tally.seconds[role] += time.monotonic() - started
        tally.stateful[role] += tally.cases(role) - before
