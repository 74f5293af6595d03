"""Public lookup of one dossier by its code and the applicant's ID number or phone, without an account.

Anyone may ask, without an account, so the answer must not teach anything to someone who does not already hold
the pair printed on the receipt:

* inputs are normalised at the edge (NFC, whitespace, code upper-case, phone ``+84`` → ``0``) and length-limited;
* the unknown-code and the wrong-pair paths do the same work — one indexed query by code (the ID number and phone
  never reach the database or a log), then a constant-time comparison against the row's values or, when there is
  no row, against a decoy — and end in the same :class:`LookupNotFound`;
* personal data in the answer is masked (name initials, last three digits of the ID number and phone).

The answer carries what a citizen needs: the procedure, the status in plain Vietnamese with its national code,
the received and due moments, the return point, and the next step they must take.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models import Dossier, ReturnMethod
from dossiers.workflow import NATIONAL_STATUS_LABELS, STATE_LABELS, State
from portal.common.errors import InvalidInput, NotFound
from portal.common.text import names_nothing, nfc

#: Longest accepted inputs (characters, after NFC and whitespace removal). A dossier code is at most 40
#: characters (``Dossier.code``); an ID number or phone written with spaces, dots or ``+84`` stays well under 20.
MAX_CODE = 40
MAX_ID_NUMBER = 20
MAX_PHONE = 20

_PHONE_SEPARATORS = re.compile(r"[\s.()-]")
# Compared against when no dossier has the code, so that path does the same work as a wrong pair.
_DECOY_ID_NUMBER = "000000000000"
_DECOY_PHONE = "0000000000"


class LookupNotFound(NotFound):
    """Unknown code or wrong pair: one answer for both (no way to learn that a code exists)."""

    default_detail = gettext_lazy("Không tìm thấy hồ sơ với thông tin đã nhập.")


@dataclass(frozen=True)
class LookupProcedure:
    code: str
    name: str


@dataclass(frozen=True)
class LookupStatus:
    state: str
    label: str
    national_code: int
    national_label: str


@dataclass(frozen=True)
class ReturnPoint:
    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class MaskedApplicant:
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class LookupResult:
    code: str  # the dossier code; before reception, the provisional reference of an online filing
    procedure: LookupProcedure
    status: LookupStatus
    received_at: datetime | None
    due_at: datetime | None
    extended_due_at: datetime | None
    return_point: ReturnPoint
    next_step: str
    applicant: MaskedApplicant


# --- Normalisation at the edge ---------------------------------------------------------------------------


def normalise_code(value: object) -> str:
    return "".join(nfc(str(value or "")).split()).upper()


def normalise_id_number(value: object) -> str:
    return "".join(nfc(str(value or "")).split()).upper()


def normalise_phone(value: object) -> str:
    """As ``services.clean_phone`` stores it: separators removed, ``+84``/``0084`` → ``0`` (never raises)."""
    text = _PHONE_SEPARATORS.sub("", nfc(str(value or "")))
    for prefix in ("+84", "0084"):
        if text.startswith(prefix):
            return "0" + text[len(prefix) :]
    return text


def _check(code: str, id_number: str, phone: str) -> None:
    fields: dict[str, list[str]] = {}
    if not code:
        fields["code"] = [_("Hãy nhập mã hồ sơ.")]
    elif len(code) > MAX_CODE:
        fields["code"] = [_("Tối đa %(limit)d ký tự.") % {"limit": MAX_CODE}]
    if not id_number and not phone:
        message = _("Hãy nhập số CCCD (hoặc mã số thuế) hoặc số điện thoại của người nộp.")
        fields["id_number"] = [message]
        fields["phone"] = [message]
    if len(id_number) > MAX_ID_NUMBER:
        fields["id_number"] = [_("Tối đa %(limit)d ký tự.") % {"limit": MAX_ID_NUMBER}]
    if len(phone) > MAX_PHONE:
        fields["phone"] = [_("Tối đa %(limit)d ký tự.") % {"limit": MAX_PHONE}]
    if fields:
        raise InvalidInput(_("Thông tin tra cứu chưa hợp lệ."), extra={"fields": fields})


# --- Masking -----------------------------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """``"Nguyễn Thị Hoa"`` → ``"N. T. H."``"""
    return " ".join(f"{word[0].upper()}." for word in nfc(name or "").split())


def mask_tail(value: str, *, keep: int = 3) -> str:
    """``"025190001234"`` → ``"*********234"``: only the last ``keep`` characters are shown."""
    value = value or ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]


# --- The next step ------------------------------------------------------------------------------------------


def _moment(value: datetime) -> str:
    local = timezone.localtime(value)
    return _("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _place(centre) -> str:
    return f"{centre.name} ({centre.address})" if centre.address else centre.name


def next_step(dossier: Dossier) -> str:
    """What the citizen must do now, in plain words."""
    state = State(dossier.state)
    due = dossier.extended_due_at or dossier.due_at
    if state == State.FILED:
        return _("Chờ cơ quan tiếp nhận kiểm tra hồ sơ; bạn sẽ được thông báo khi hồ sơ được tiếp nhận.")
    if state in (State.RECEIVED, State.TRANSFERRED, State.PROCESSING):
        if due is None:
            return _("Hồ sơ đang được giải quyết; bạn chưa cần làm gì thêm.")
        return _("Hồ sơ đang được giải quyết; bạn chưa cần làm gì thêm. Hẹn trả kết quả lúc %(due)s.") % {
            "due": _moment(due)
        }
    if state == State.SUPPLEMENT_REQUESTED:
        pause = dossier.pauses.filter(ended_at__isnull=True).order_by("-started_at").first()
        components = "; ".join(pause.missing_components) if pause and pause.missing_components else ""
        if not components:
            return _("Bổ sung giấy tờ theo yêu cầu của cơ quan giải quyết.")
        return _(
            "Bổ sung các giấy tờ: %(components)s. Thời hạn giải quyết tạm dừng cho đến khi nhận đủ giấy tờ bổ sung."
        ) % {"components": components}
    if state == State.PAYMENT_REQUESTED:
        if not dossier.fee_vnd:
            return _("Nộp phí, lệ phí theo thông báo của cơ quan giải quyết để hồ sơ được tiếp tục giải quyết.")
        return _("Nộp phí, lệ phí %(amount)s đồng để hồ sơ được tiếp tục giải quyết.") % {
            "amount": _vnd(dossier.fee_vnd)
        }
    if state == State.WITHDRAWAL_REQUESTED:
        return _("Chờ cơ quan giải quyết xác nhận việc rút hồ sơ.")
    if state == State.WITHDRAWN:
        return _("Hồ sơ đã được rút theo yêu cầu; bạn không cần làm gì thêm.")
    if state == State.REFUSED:
        return _("Hồ sơ không được tiếp nhận. Lý do: %(reason)s") % {"reason": dossier.closing_reason or "—"}
    if state == State.STOPPED:
        return _("Hồ sơ đã dừng xử lý. Lý do: %(reason)s") % {"reason": dossier.closing_reason or "—"}
    if state == State.RESULT_READY:
        if dossier.return_method == ReturnMethod.POST:
            return _("Kết quả đã có và sẽ được gửi qua bưu chính đến %(address)s.") % {
                "address": dossier.return_address
            }
        if dossier.return_method == ReturnMethod.ONLINE:
            return _("Kết quả đã có: bản điện tử có trong tài khoản của bạn trên Cổng dịch vụ công.")
        return _(
            "Đến %(place)s để nhận kết quả; mang theo giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng căn cước công dân."
        ) % {"place": _place(dossier.return_centre)}
    # returned
    if dossier.rated_at is None:
        return _("Đã trả kết quả. Hãy đánh giá mức độ hài lòng của bạn về việc giải quyết hồ sơ.")
    return _("Đã trả kết quả. Cảm ơn bạn đã đánh giá.")


# --- The lookup ---------------------------------------------------------------------------------------------


def dossier_lookup(*, code: str, id_number: str | None = None, phone: str | None = None) -> LookupResult:
    """The public answer about the dossier ``code`` whose applicant has this ID number or phone.

    Raises ``InvalidInput`` (400) for missing or absurd input and :class:`LookupNotFound` (404) for an unknown
    code or a wrong pair alike. When both the ID number and the phone are given, both must match.
    """
    code = normalise_code(code)
    id_number = normalise_id_number(id_number)
    phone = normalise_phone(phone)
    _check(code, id_number, phone)

    # One indexed query whatever the answer: the code (or, before reception, the provisional reference of an
    # online filing; or, for a transitional dossier, the code on the old system's receipt); each is indexed.
    # A code with a NUL character is nobody's, and PostgreSQL refuses it in a query: answered as an unknown code.
    dossier = (
        None
        if names_nothing(code)
        else Dossier.objects.select_related("procedure", "procedure_version", "return_centre")
        .filter(Q(code=code) | Q(reference=code) | Q(legacy_code=code))
        .order_by()
        .first()
    )
    stored_id = dossier.applicant_id_number if dossier is not None else _DECOY_ID_NUMBER
    stored_phone = dossier.applicant_phone if dossier is not None else _DECOY_PHONE
    # both comparisons always run, in constant time; ``&`` does not short-circuit
    id_ok = hmac.compare_digest(id_number.encode(), stored_id.encode())
    phone_ok = hmac.compare_digest(phone.encode(), stored_phone.encode())
    matched = (dossier is not None) & (id_ok | (not id_number)) & (phone_ok | (not phone))
    if not matched:
        raise LookupNotFound()

    state = State(dossier.state)
    centre = dossier.return_centre
    return LookupResult(
        code=dossier.public_code,
        procedure=LookupProcedure(code=dossier.procedure.code, name=dossier.procedure_version.name),
        status=LookupStatus(
            state=state.value,
            label=str(STATE_LABELS[state]),
            national_code=dossier.status_code,
            national_label=str(NATIONAL_STATUS_LABELS[dossier.status_code]),
        ),
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        extended_due_at=dossier.extended_due_at,
        return_point=ReturnPoint(name=centre.name, address=centre.address, phone=centre.phone),
        next_step=next_step(dossier),
        applicant=MaskedApplicant(
            name=mask_name(dossier.applicant_name),
            id_number=mask_tail(dossier.applicant_id_number),
            phone=mask_tail(dossier.applicant_phone),
        ),
    )
