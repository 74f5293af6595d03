"""Our checks, beside schemathesis' built-ins: no 2xx answer shows or acts on a dossier the calling role may not see,
nor another person's notice. Plain functions ``(ctx, response, case)``, as schemathesis calls them."""

from __future__ import annotations

import io
import json
import re
import zipfile

from tests.api.fuzzing.world import FuzzWorld

#: The world the checks below read (set by the runner; schemathesis gives a check no other context).
_WORLD: FuzzWorld | None = None


def use_world(world: FuzzWorld) -> None:
    global _WORLD
    _WORLD = world


DOSSIER_URL = re.compile(r"/api/dossiers/(\d+)/")


def _request_headers(response) -> dict:
    request = getattr(response, "request", None)
    return dict(getattr(request, "headers", None) or {})


def _body_text(response) -> str:
    content_type = response.headers.get("Content-Type") or response.headers.get("content-type") or [""]
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    content = response.content or b""
    if "spreadsheetml" in content_type:
        return _xlsx_text(content)
    if content_type.startswith(("application/json", "text/")):
        return content.decode("utf-8", errors="replace")
    return ""


def _xlsx_text(content: bytes) -> str:
    try:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):  # not a workbook: nothing to read in it
        return ""
    cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row]
    return "\n".join(cell for cell in cells if cell and cell != "None")


def _dossier_ids_in_json(value) -> set[int]:
    """Integer ids of dossiers named by a ``dossier`` key (the notices) anywhere in a JSON answer."""
    found: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == "dossier" and isinstance(inner, int):
                    found.add(inner)
                else:
                    stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def shown_dossiers(world: FuzzWorld, case, response) -> set[int]:
    """The known dossiers a 2xx answer shows or acts on: the one in the path, and every code, reference, link or
    ``dossier`` id in the body."""
    found: set[int] = set()
    path = case.operation.path
    params = case.path_parameters or {}
    if path.startswith("/api/dossiers/{id}/"):
        try:
            found.add(int(str(params.get("id"))))
        except ValueError:
            pass
    if "document_id" in params:
        try:
            dossier = world.documents.get(int(str(params["document_id"])))
        except ValueError:
            dossier = None
        if dossier is not None:
            found.add(dossier)
    text = _body_text(response)
    if text:
        by_name = world.dossier_by_name()
        found.update(by_name[match] for match in world.codes_pattern.findall(text))
        found.update(int(match) for match in DOSSIER_URL.findall(text))
        if text[:1] in "{[":
            try:
                found |= _dossier_ids_in_json(json.loads(text))
            except ValueError:
                pass
    return {pk for pk in found if pk in world.dossiers}


def _digits(value) -> str:
    text = "".join(ch for ch in str(value or "") if ch.isdigit())
    return "0" + text[2:] if text.startswith("84") and len(text) > 10 else text


def _lookup_allows(world: FuzzWorld, case, pk: int) -> bool:
    """The public lookup shows a dossier to whoever gives its code (or reference) with its applicant's ID number or
    phone: a 2xx there is legitimate for exactly that dossier."""
    sent = case.query if case.method.upper() == "GET" else case.body
    if not isinstance(sent, dict):
        return False
    facts = world.dossiers[pk]
    # as the lookup reads them (dossiers.lookup.normalise_*): blanks dropped, upper case
    if "".join(str(sent.get("code") or "").split()).upper() not in (facts.code, facts.reference):
        return False
    id_number = "".join(str(sent.get("id_number") or "").split()).upper()
    phone = _digits(sent.get("phone"))
    return (bool(id_number) and id_number == facts.applicant_id_number) or (
        bool(phone) and phone == _digits(facts.applicant_phone)
    )


def no_foreign_dossier(ctx, response, case):
    """No 2xx answer shows, or acts on, a dossier the calling role may not see."""
    world = _WORLD
    if world is None or not 200 <= response.status_code < 300:
        return None
    role = world.role_of_token(_request_headers(response).get("Authorization"))
    allowed = world.may_see(role)
    leaked = sorted(pk for pk in shown_dossiers(world, case, response) if pk not in allowed)
    if case.operation.path == "/api/lookup/":
        leaked = [pk for pk in leaked if not _lookup_allows(world, case, pk)]
    if case.operation.label == "POST /api/dossiers/":
        _counter_in_scope(world, role, response)
    if leaked:
        named = "; ".join(
            f"#{pk} {world.dossiers[pk].label} ({world.dossiers[pk].code or world.dossiers[pk].reference})"
            for pk in leaked
        )
        raise AssertionError(f"{role} was shown a dossier outside their scope: {named}")
    return None


def _counter_in_scope(world: FuzzWorld, role: str, response) -> None:
    """A filing answered 2xx: a counter reception (channel ``direct``) only at a centre of the role's counters."""
    try:
        filed = json.loads(response.content or b"null")
    except ValueError:
        return
    if isinstance(filed, dict) and filed.get("channel") == "direct":
        centre = filed.get("reception_centre")
        if centre not in world.counters_of(role):
            raise AssertionError(f"{role} recorded a counter reception at a centre outside their scope: {centre}")


def no_foreign_notice(ctx, response, case):
    """No 2xx answer shows or marks another person's notice."""
    world = _WORLD
    if world is None or not 200 <= response.status_code < 300 or not case.operation.path.startswith("/api/me/"):
        return None
    role = world.role_of_token(_request_headers(response).get("Authorization"))
    user = world.users.get(role)
    mine = {pk for pk, who in world.notices.items() if user is not None and who == user.pk}
    shown: set[int] = set()
    if "{id}" in case.operation.path:
        try:
            shown.add(int(str((case.path_parameters or {}).get("id"))))
        except ValueError:
            pass
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    if isinstance(body, dict):
        rows = body.get("results") if isinstance(body.get("results"), list) else [body]
        shown.update(row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), int))
    foreign = sorted(pk for pk in shown if pk in world.notices and pk not in mine)
    if foreign:
        raise AssertionError(f"{role} was shown another person's notice(s): {foreign}")
    return None


def _builtin_checks() -> list:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        response_headers_conformance,
    ]


def all_checks() -> list:
    return [*_builtin_checks(), no_foreign_dossier, no_foreign_notice]
