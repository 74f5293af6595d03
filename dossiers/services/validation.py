"""Input checked at the edge of the services: free text (NFC, length), CCCD / tax code, phone, e-mail, applicant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.validators import validate_email
from django.utils.translation import gettext as _

from portal.common.errors import InvalidInput
from portal.common.text import nfc

# --- Input validation at the edge ------------------------------------------------------------------------

LIMITS = {"name": 200, "address": 300, "reason": 2000, "comment": 2000, "document": 500, "organisation": 300}


def clean_text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    text = nfc(str(value)) if value is not None else ""
    if required and not text:
        raise InvalidInput(
            _("Thiếu thông tin bắt buộc: %(field)s.") % {"field": field}, extra={"fields": {field: [_("Bắt buộc.")]}}
        )
    if len(text) > limit:
        message = _("Tối đa %(limit)d ký tự.") % {"limit": limit}
        raise InvalidInput(_("%(field)s quá dài.") % {"field": field}, extra={"fields": {field: [message]}})
    return text


def clean_id_number(value: Any, *, kind: str = "person") -> str:
    text = "".join(str(value or "").split())
    if kind == "person":
        ok = len(text) == 12 and text.isdigit()
        message = _("Số CCCD phải gồm đúng 12 chữ số.")
    else:
        ok = (len(text) == 10 and text.isdigit()) or (
            len(text) == 14 and text[:10].isdigit() and text[10] == "-" and text[11:].isdigit()
        )
        message = _("Mã số thuế phải gồm 10 chữ số (hoặc 10 chữ số, dấu gạch và 3 chữ số).")
    if not ok:
        raise InvalidInput(message, extra={"fields": {"applicant_id_number": [message]}})
    return text


_PHONE_SEPARATORS = re.compile(r"[\s.()-]")


def clean_phone(value: Any) -> str:
    # spaces, dots, dashes and brackets are how people write numbers; anything else (letters…) makes it invalid
    text = _PHONE_SEPARATORS.sub("", str(value or ""))
    if text.startswith("+84"):
        text = "0" + text[3:]
    # Vietnamese mobile: 03/05/07/08/09 + 8 digits (10 digits); landline since 2017: 02 + area code and subscriber
    # number, 11 digits in all (0210 3xxx xxx in Phú Thọ, 024 3xxx xxxx in Hà Nội)
    ok = text.isdigit() and (
        (len(text) == 10 and text[0] == "0" and text[1] in "35789") or (len(text) == 11 and text.startswith("02"))
    )
    if not ok:
        message = _(
            "Số điện thoại không hợp lệ (di động 10 chữ số, ví dụ 0912345678; cố định 11 chữ số, ví dụ 02103846123)."
        )
        raise InvalidInput(message, extra={"fields": {"applicant_phone": [message]}})
    return text


def clean_email(value: Any) -> str:
    text = nfc(str(value or "")).lower()
    if not text:
        return ""
    try:
        validate_email(text)
    except Exception:
        message = _("Địa chỉ thư điện tử không hợp lệ.")
        raise InvalidInput(message, extra={"fields": {"applicant_email": [message]}}) from None
    return text


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    phone: str
    email: str = ""
    address: str = ""
    kind: str = "person"
    organisation_name: str = ""

    @classmethod
    def clean(cls, data: dict) -> Applicant:
        kind = data.get("kind") or data.get("applicant_kind") or "person"
        if kind not in ("person", "organisation"):
            raise InvalidInput(
                _("Loại người nộp không hợp lệ."),
                extra={"fields": {"applicant_kind": [_("person hoặc organisation.")]}},
            )
        return cls(
            name=clean_text(data.get("name"), field="applicant_name", limit=LIMITS["name"], required=True),
            id_number=clean_id_number(data.get("id_number"), kind=kind),
            phone=clean_phone(data.get("phone")),
            email=clean_email(data.get("email")),
            address=clean_text(data.get("address"), field="applicant_address", limit=LIMITS["address"]),
            kind=kind,
            organisation_name=clean_text(
                data.get("organisation_name"),
                field="organisation_name",
                limit=LIMITS["organisation"],
                required=kind == "organisation",
            ),
        )
