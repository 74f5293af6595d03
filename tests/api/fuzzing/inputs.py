"""Schema hooks that mix real ids, codes and pairs into the generated inputs, so that the fuzzer reaches real rows —
the role's own, and above all other units' and other people's."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

from tests.api.fuzzing.world import FuzzWorld, person

#: A header value an HTTP client sends (``requests.utils._CLEAN_HEADER_REGEX_STR``).
SENDABLE = re.compile(r"^\S[^\r\n]*$|^$")


def _action_sources(path: str):
    from dossiers.workflow import TRANSITIONS, Action

    try:
        return TRANSITIONS[Action(path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_"))].sources
    except ValueError:  # not an action: the detail, the documents, the slips
        return None


def install_hooks(schema, world: FuzzWorld, current: Callable[[], str]) -> None:
    """Schema hooks that mix real ids, codes and pairs into the generated inputs; ``current()`` names the role
    being fuzzed (the own/foreign mix depends on it)."""
    from hypothesis import strategies as st

    every = sorted(world.dossiers)
    names_of = {d.id: [n for n in (d.code, d.reference) if n] for d in world.dossiers.values()}

    def mix(values_lists: Iterable[list], generated: dict | None, name: str | None = None):
        """A real value or, less often, what was generated. The real values interleave the lists (foreign ids
        first, where a leak would show; then the role's own, where the answers have bodies to check), so that even
        a derandomised run of a few examples — which favours the first items — draws from each."""
        generated = generated or {}  # None where a stateful step's link gave every parameter
        values = []
        for group in itertools.zip_longest(*values_lists):
            values.extend(value for value in group if value is not None and value not in values)
        if not values:
            return st.just(generated)
        real = st.sampled_from(values)
        if name is not None:
            real = real.map(lambda value: {**generated, name: value})
        return st.one_of(real, st.just(generated))

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        path = context.operation.path
        role = current()
        seen = world.may_see(role)
        own = [str(pk) for pk in every if pk in seen]
        foreign = [str(pk) for pk in every if pk not in seen]
        if path == "/api/dossiers/{id}/documents/{document_id}/download/":
            pairs = [{"id": str(dossier), "document_id": str(doc)} for doc, dossier in world.documents.items()]
            mine = [p for p in pairs if int(p["id"]) in seen]
            theirs = [p for p in pairs if int(p["id"]) not in seen]
            # a foreign document through one's own dossier's URL
            crossed = [{"id": m["id"], "document_id": t["document_id"]} for m in mine[:3] for t in theirs[:3]]
            return mix([theirs, crossed, mine], path_parameters).map(lambda p: {**(path_parameters or {}), **p})
        if path.startswith("/api/dossiers/{id}/"):
            sources = _action_sources(path)
            ready = [str(pk) for pk in every if sources and world.dossiers[pk].state in sources]
            lists = [
                [pk for pk in ready if int(pk) not in seen],
                [pk for pk in ready if int(pk) in seen],
                foreign,
                own,
            ]
            return mix(lists, path_parameters, "id")
        if path.startswith("/api/me/notifications/{id}/"):
            user = world.users.get(role)
            mine = [str(pk) for pk, who in world.notices.items() if user is not None and who == user.pk]
            theirs = [str(pk) for pk, who in world.notices.items() if user is None or who != user.pk]
            return mix([theirs, mine], path_parameters, "id")
        if path.startswith("/api/centres/{agency_code}/"):
            return mix([[world.centre_a.agency_code, world.centre_b.agency_code]], path_parameters, "agency_code")
        if path.startswith("/api/communes/{code}/"):
            return mix([[world.centre_a.commune.code, world.centre_b.commune.code]], path_parameters, "code")
        if path.startswith("/api/procedures/{code}/"):
            return mix([world.procedure_codes], path_parameters, "code")
        return st.just(path_parameters)

    real_query = {
        "centre": [world.centre_a.agency_code, world.centre_b.agency_code],
        "reception_centre": [world.centre_a.agency_code, world.centre_b.agency_code],
        "processing_unit": [world.unit_a.key, world.unit_b.key],
        "unit": [world.unit_a.key, world.unit_b.key],
        "commune": [world.centre_a.commune.code, world.centre_b.commune.code],
        "procedure": world.procedure_codes,
        "applicant_id_number": sorted({d.applicant_id_number for d in world.dossiers.values()}),
    }

    def lookup_pairs() -> list[dict]:
        """Matching pairs (code or reference with the applicant's ID number or phone) and mismatched ones."""
        pairs = []
        facts = list(world.dossiers.values())
        for n, d in enumerate(facts):
            other = facts[(n + 1) % len(facts)]
            for name in names_of[d.id]:
                if other.applicant_id_number != d.applicant_id_number:
                    pairs.append({"code": name, "id_number": other.applicant_id_number})
                pairs.append({"code": name, "id_number": d.applicant_id_number})
                pairs.append({"code": name, "phone": d.applicant_phone})
        return pairs

    pairs = lookup_pairs()

    @schema.hook
    def flatmap_query(context, query):
        path = context.operation.path
        if path == "/api/lookup/" and context.operation.method.upper() == "GET":
            return st.one_of(st.sampled_from(pairs), st.just(query))
        declared = [parameter.name for parameter in context.operation.query if parameter.name in real_query]
        if not declared or (query is not None and not isinstance(query, dict)):
            return st.just(query)
        choices = {name: st.one_of(st.just(None), st.sampled_from(real_query[name])) for name in declared}

        def merged(drawn):
            result = dict(query or {})
            result.update({name: value for name, value in drawn.items() if value is not None})
            return result

        return st.fixed_dictionaries(choices).map(merged)

    @schema.hook
    def flatmap_body(context, body):
        path = context.operation.path
        if not isinstance(body, dict):
            return st.just(body)
        if path == "/api/lookup/":
            return st.one_of(st.sampled_from(pairs), st.just(body))
        if path == "/api/dossiers/{id}/assign/":
            return st.one_of(st.sampled_from(world.handlers).map(lambda pk: {**body, "handler": pk}), st.just(body))
        if path == "/api/dossiers/" and isinstance(body.get("applicant"), dict):  # JSON (multipart: a string)
            return st.one_of(filing(body), st.just(body))
        return st.just(body)

    @schema.hook
    def map_headers(context, headers):
        # the fuzz dictionary applies to headers too, where a value with leading blanks or a line break cannot even
        # be sent (the HTTP client refuses it): such a header is left out
        if not isinstance(headers, dict):
            return headers
        return {name: value for name, value in headers.items() if not isinstance(value, str) or SENDABLE.match(value)}

    centres = [world.centre_a.agency_code, world.centre_b.agency_code]
    applicants = [person(world.users["citizen"]), person(world.users["other_citizen"])]

    def filing(body: dict):
        """A filing that passes validation — a counter reception listing the mandatory components (online, a JSON
        filing lacks the scans: 400) — at either commune's centre, for either citizen: the scopes of filing are
        probed, not only the parser."""
        return st.fixed_dictionaries(
            {
                "procedure": st.sampled_from(world.procedure_codes),
                "applicant": st.sampled_from(applicants),
                "reception_centre": st.sampled_from(centres),
                "channel": st.sampled_from(["direct", "online"]),
                "paper_components": st.just([{"component": pk} for pk in world.components]),
            },
            optional={
                "return_centre": st.sampled_from(centres),
                "commune": st.sampled_from([world.centre_a.commune.code, world.centre_b.commune.code]),
            },
        ).map(lambda filed: {**body, **filed})
