"""OpenAPI: document the error answers every endpoint can give, in the one shape the exception handler writes.

Every error of the API goes through ``portal.common.errors.exception_handler`` (or the JSON 404/500 handlers) and is
``{"code": ..., "detail": ...}``, with ``fields`` on invalid input. Which errors an operation can give follows from
how it is built, the same for all views, so they are added here, once, by a drf-spectacular post-processing hook
(``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) rather than repeated on every view:

* 400 — the operation reads query parameters, headers or a body (validation, unparsable JSON);
* 401 — every operation: token and basic credentials are checked on every endpoint, and wrong ones are refused
  (without credentials, operations that need a user answer 401 too — the token scheme names the challenge);
* 403 — unsafe methods: the CSRF check of session authentication, and the workflow's role checks;
* 404 — the operation has path parameters (unknown or out-of-scope object), or pages (``page`` past the end);
* 415 — the operation takes a body, or is a POST/PUT/PATCH/DELETE (DRF parses whatever body comes): a content type
  it cannot parse is refused.

Responses a view documents itself are kept; an error response documented without a body gets the error body.
"""

from __future__ import annotations

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Lỗi / error: a stable code for programs and a message for people (Vietnamese; English with "
    "Accept-Language: en). Some errors add context, e.g. the current version of a dossier on a 409.",
    "properties": {
        "code": {"type": "string", "description": "e.g. invalid, not_found, forbidden, stale_version"},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Invalid input: the messages of each field (400)",
        },
    },
    "required": ["code", "detail"],
}
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Missing or invalid credentials",
    "403": "Not allowed (role, scope of action, or CSRF check of a session)",
    "404": "Not found, or outside the user's scope",
    "415": "Unsupported content type of the body",
}
UNSAFE_METHODS = {"post", "put", "patch", "delete"}


def _expected_errors(method: str, operation: dict) -> set[str]:
    parameters = operation.get("parameters", [])
    locations = {parameter.get("in") for parameter in parameters}
    names = {parameter.get("name") for parameter in parameters if parameter.get("in") == "query"}
    has_body = "requestBody" in operation
    codes = {"401"}
    if has_body or locations & {"query", "header", "cookie"}:
        codes.add("400")
    if method in UNSAFE_METHODS:
        codes.add("403")
    if "path" in locations or "page" in names:
        codes.add("404")
    if has_body or method in UNSAFE_METHODS:
        codes.add("415")
    return codes


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: add the error responses and the ``Error`` component."""
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _expected_errors(method, operation):
                responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            for code, response in responses.items():
                if str(code)[0] in "45" and "content" not in response:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            operation["responses"] = dict(sorted(responses.items()))
    return result
