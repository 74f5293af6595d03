"""Which step makes which slip available, and the context of each form, read from a dossier and its related rows.

Every form is the record of a step that happened: its dates, reasons and people come from that step's audit event
(and pause, control-slip rows, components received), never from "now", so printing a slip again gives the same
slip. A form whose step has not happened is :class:`SlipNotAvailable` (404).

When the dossier comes from ``selectors.dossier_get`` its events, pauses and control-slip rows are prefetched;
form 01 reads the components received (paper and electronic) with two more queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossiers.models import AuditEvent, ControlSlipRow, DocumentKind, Dossier, Pause
from dossiers.workflow import TRANSITIONS, Action
from portal.common.errors import NotFound


class SlipNotAvailable(NotFound):
    code = "slip_not_available"
    default_detail = gettext_lazy("Không có phiếu này: bước tương ứng của hồ sơ chưa diễn ra.")


@dataclass(frozen=True)
class SlipForm:
    number: str  # "01" … "06"
    title: str  # lazy: the printed title
    template: str
    slug: str  # file names


FORMS: dict[str, SlipForm] = {
    form.number: form
    for form in [
        SlipForm("01", gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), "slips/form_01.html", "tiep-nhan"),
        SlipForm("02", gettext_lazy("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"), "slips/form_02.html", "bo-sung"),
        SlipForm("03", gettext_lazy("Phiếu từ chối tiếp nhận giải quyết hồ sơ"), "slips/form_03.html", "tu-choi"),
        SlipForm("04", gettext_lazy("Phiếu xin lỗi và hẹn lại ngày trả kết quả"), "slips/form_04.html", "xin-loi"),
        SlipForm("05", gettext_lazy("Thông báo về việc dừng xử lý hồ sơ"), "slips/form_05.html", "dung-xu-ly"),
        SlipForm("06", gettext_lazy("Phiếu kiểm soát quá trình giải quyết hồ sơ"), "slips/form_06.html", "kiem-soat"),
    ]
}

#: The step (audit-event action) that makes each form available. Form 06 exists once the dossier is received.
FORM_STEPS: dict[str, frozenset[str]] = {
    "01": frozenset({Action.RECEIVE.value, Action.RECEIVE_AT_COUNTER.value}),
    "02": frozenset({Action.REQUEST_SUPPLEMENT.value}),
    "03": frozenset({Action.REFUSE.value}),
    "04": frozenset({Action.EXTEND.value}),
    "05": frozenset({Action.STOP.value}),
    "06": frozenset({Action.RECEIVE.value, Action.RECEIVE_AT_COUNTER.value}),
}


# --- Loading ---------------------------------------------------------------------------------------------


def dossier_for_slips(dossier_id: int) -> Dossier | None:
    """The dossier with every row a slip reads (for tasks; views read through ``selectors.dossier_get``)."""
    return (
        Dossier.objects.select_related(
            "procedure_version", "reception_centre", "return_centre", "processing_unit", "procedure"
        )
        .prefetch_related(
            Prefetch("events", queryset=AuditEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("pauses", queryset=Pause.objects.order_by("started_at", "id")),
            Prefetch(
                "control_slip", queryset=ControlSlipRow.objects.select_related("actor").order_by("handed_at", "id")
            ),
        )
        .filter(pk=dossier_id)
        .first()
    )


# --- Formatting (Vietnamese first; English through the catalogue) ----------------------------------------


def _parts(value: datetime) -> dict[str, str]:
    local = timezone.localtime(value)
    return {
        "hour": f"{local.hour:02d}",
        "minute": f"{local.minute:02d}",
        "day": f"{local.day:02d}",
        "month": f"{local.month:02d}",
        "year": f"{local.year:04d}",
    }


def moment_text(value: datetime | None) -> str:
    """``16 giờ 00 phút, ngày 01 tháng 12 năm 2026`` — how the forms of the Circular write a moment."""
    if value is None:
        return ""
    return _("%(hour)s giờ %(minute)s phút, ngày %(day)s tháng %(month)s năm %(year)s") % _parts(value)


def date_text(value: datetime | None) -> str:
    """``ngày 01 tháng 12 năm 2026``."""
    if value is None:
        return ""
    return _("ngày %(day)s tháng %(month)s năm %(year)s") % _parts(value)


def short_moment(value: datetime | None) -> str:
    """``16:00 01/12/2026`` — in tables (form 06, the register)."""
    if value is None:
        return ""
    return "{hour}:{minute} {day}/{month}/{year}".format(**_parts(value))


def money_text(vnd: int | None) -> str:
    if vnd is None:
        return _("Theo quy định")
    if vnd == 0:
        return _("Không thu phí, lệ phí")
    return _("%(amount)s đồng") % {"amount": f"{vnd:,}".replace(",", ".")}


def lookup_url(dossier: Dossier) -> str:
    """The public lookup page of the dossier: what its QR code links to."""
    query = urlencode({"code": dossier.public_code})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/tra-cuu/?{query}"


def _person(user) -> str:
    return str(user) if user is not None else ""


def _step_label(action: str) -> str:
    try:
        return str(TRANSITIONS[Action(action)].label)
    except (KeyError, ValueError):
        return action


def _parse(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _processing_time(dossier: Dossier) -> str:
    return processing_time_text(dossier.procedure_version)


def processing_time_text(version) -> str:
    """``3 ngày làm việc`` — the processing time in the source's unit (form 01, the guidance slip)."""
    if version.time_value is None or not version.time_unit:
        return ""
    value = Decimal(version.time_value).normalize()
    number = f"{value:f}".replace(".", ",")
    return f"{number} {version.get_time_unit_display()}"


# --- Availability ----------------------------------------------------------------------------------------


def _events(dossier: Dossier) -> list[AuditEvent]:
    return list(dossier.events.all())  # prefetched in order by dossier_get / dossier_for_slips


def _last_event(dossier: Dossier, actions: frozenset[str]) -> AuditEvent | None:
    matching = [event for event in _events(dossier) if event.action in actions]
    return matching[-1] if matching else None


def available_forms(dossier: Dossier) -> list[str]:
    """The forms whose step has happened, in order (one query-free pass over the prefetched events)."""
    done = {event.action for event in _events(dossier)}
    forms = [number for number, steps in FORM_STEPS.items() if done & steps]
    if "02" in forms and not list(dossier.pauses.all()):
        forms.remove("02")
    if "06" in forms and dossier.received_at is None:
        forms.remove("06")
    return forms


# --- Contexts --------------------------------------------------------------------------------------------


def _due_in_force(dossier: Dossier, at: datetime | None) -> datetime | None:
    """The appointment the applicant held at ``at``: the latest event up to then that set one (receive, supplement)."""
    due = None
    for event in _events(dossier):
        if at is not None and event.at > at:
            break
        if event.action != Action.EXTEND.value and event.payload.get("due_at"):
            due = _parse(event.payload["due_at"]) or due
    return due or dossier.due_at


def _common(dossier: Dossier, form: SlipForm, at: datetime | None) -> dict:
    centre = dossier.reception_centre
    return {
        "form": form,
        "form_number": form.number,
        "title": str(form.title),
        "dossier": dossier,
        "code": dossier.public_code,
        # a dossier refused at reception never got a code: its slip carries the provisional reference
        "code_label": _("Mã hồ sơ") if dossier.code else _("Mã tham chiếu"),
        "lookup_url": lookup_url(dossier),
        "centre": centre,
        "return_centre": dossier.return_centre,
        "processing_unit": dossier.processing_unit,
        "applicant_name": dossier.applicant_name,
        "organisation_name": dossier.organisation_name,
        "applicant_id_number": dossier.applicant_id_number,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "applicant_address": dossier.applicant_address,
        "procedure_name": dossier.procedure_version.name,
        "procedure_code": dossier.procedure.code,
        "place_date": _("Phú Thọ, %(date)s") % {"date": date_text(at or timezone.now())},
        "received_text": moment_text(dossier.received_at),
    }


def _components(dossier: Dossier) -> list[dict]:
    """Form 01: the components received — on paper at the counter, and uploaded (electronic copies). Read from the
    dossier's lists as ``selectors.dossier_get`` prefetches them (in order, the component joined): no query of its
    own, so that receipts printed together cost the same queries however many they are."""
    labels = {"original": _("Bản chính"), "copy": _("Bản sao"), "either": _("Bản chính hoặc bản sao")}
    rows = [
        {"name": item.name, "kind": labels.get(item.copy_kind, item.copy_kind), "count": item.count}
        for item in dossier.paper_components.all()
    ]
    documents = [document for document in dossier.documents.all() if document.kind == DocumentKind.COMPONENT]
    for document in documents:
        kind = _("Bản điện tử (chụp từ bản chính)") if document.is_original_scan else _("Bản điện tử")
        name = document.component.name if document.component_id else document.original_name
        rows.append({"name": name, "kind": kind, "count": 1})
    return rows


def _context_01(dossier: Dossier, form: SlipForm) -> dict:
    event = _last_event(dossier, FORM_STEPS["01"])
    if event is None or not dossier.code:
        raise SlipNotAvailable()
    fee = money_text(dossier.fee_vnd)
    if dossier.procedure_version.fee_note:
        fee = f"{fee} ({dossier.procedure_version.fee_note})"
    return {
        **_common(dossier, form, event.at),
        "components": _components(dossier),
        "processing_time": _processing_time(dossier),
        "received_text": moment_text(event.at),
        "appointment": moment_text(_due_in_force(dossier, event.at)),
        "return_place": dossier.return_place(),
        "fee": fee,
        "channel": dossier.get_channel_display(),
        "officer": _person(event.actor),
    }


def _context_02(dossier: Dossier, form: SlipForm) -> dict:
    event = _last_event(dossier, FORM_STEPS["02"])
    pauses = list(dossier.pauses.all())
    if event is None or not pauses:
        raise SlipNotAvailable()
    pause = pauses[-1]
    contact = event.actor  # the official who asked; the public number is the centre's (never a personal one)
    return {
        **_common(dossier, form, pause.started_at),
        "missing_components": list(pause.missing_components or []),
        "reason": pause.reason or event.reason,
        "paused_text": moment_text(pause.started_at),
        "appointment": moment_text(_due_in_force(dossier, pause.started_at)),
        "contact_name": _person(contact),
        "contact_unit": dossier.processing_unit.name,
        "contact_phone": dossier.reception_centre.phone,
    }


def _context_03(dossier: Dossier, form: SlipForm) -> dict:
    event = _last_event(dossier, FORM_STEPS["03"])
    if event is None:
        raise SlipNotAvailable()
    return {
        **_common(dossier, form, event.at),
        "filed_text": moment_text(dossier.filed_at),
        "refused_text": moment_text(event.at),
        "reason": event.reason or dossier.closing_reason,
        "officer": _person(event.actor),
    }


def _context_04(dossier: Dossier, form: SlipForm) -> dict:
    event = _last_event(dossier, FORM_STEPS["04"])
    if event is None:
        raise SlipNotAvailable()
    old_due = _parse(event.payload.get("due_at")) or _due_in_force(dossier, event.at)
    new_due = _parse(event.payload.get("new_due_at")) or dossier.extended_due_at
    return {
        **_common(dossier, form, event.at),
        "appointment": moment_text(old_due),
        "new_appointment": moment_text(new_due),
        "reason": event.reason,
        "signer": _person(event.actor),
    }


def _context_05(dossier: Dossier, form: SlipForm) -> dict:
    event = _last_event(dossier, FORM_STEPS["05"])
    if event is None:
        raise SlipNotAvailable()
    return {
        **_common(dossier, form, event.at),
        "appointment": moment_text(_due_in_force(dossier, event.at)),
        "stopped_text": moment_text(event.at),
        "reason": event.reason or dossier.closing_reason,
        "signer": _person(event.actor),
    }


def _context_06(dossier: Dossier, form: SlipForm) -> dict:
    if dossier.received_at is None or _last_event(dossier, FORM_STEPS["06"]) is None:
        raise SlipNotAvailable()
    slip_rows = list(dossier.control_slip.all())
    rows = []
    for number, row in enumerate(slip_rows, start=1):
        rows.append(
            {
                "number": number,
                "step": _step_label(row.step),
                "from_unit": row.from_unit,
                "to_unit": row.to_unit,
                "handed": short_moment(row.handed_at),
                "received": short_moment(row.received_at),
                "allowed_until": short_moment(row.allowed_until),
                "actor": _person(row.actor),
                "timeliness": row.get_timeliness_display() if row.timeliness else "",
                "note": row.note,
            }
        )
    return {
        **_common(dossier, form, slip_rows[-1].handed_at if slip_rows else dossier.received_at),
        "rows": rows,
        "appointment": moment_text(dossier.due_at),
        "new_appointment": moment_text(dossier.extended_due_at),
    }


_BUILDERS = {
    "01": _context_01,
    "02": _context_02,
    "03": _context_03,
    "04": _context_04,
    "05": _context_05,
    "06": _context_06,
}


def slip_context(dossier: Dossier, form_number: str) -> dict:
    """The template context of form ``form_number`` for ``dossier``; :class:`SlipNotAvailable` before its step."""
    form = FORMS.get(form_number)
    if form is None:
        raise SlipNotAvailable()
    return _BUILDERS[form_number](dossier, form)
