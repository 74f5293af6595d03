"""The workflow's transitions after filing: one service per action of ``dossiers.workflow``, each of the same shape
(``core.begin`` → apply → ``core.finish``).

Every service takes ``at`` (the moment of the action, default now) and ``notify`` (default ``True``), keyword-only
(``dossiers.services.core``); whatever a transition counts — a code's day, an appointment, a pause, a timeliness —
it counts from ``step.at``, never from the clock.

Past ~400 lines on purpose: fifteen services of one shape, each a screen long once the formatter spreads its
keyword-only signature; one module keeps the table's actions side by side, as ``SERVICES`` maps them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import deadlines
from dossiers.models import Dossier, Outcome, Pause, Rating
from dossiers.services import core
from dossiers.services.validation import LIMITS, clean_text
from dossiers.workflow import Action
from portal.accounts.models import Membership, StaffRole
from portal.common.errors import InvalidInput, InvalidTransition
from procedures.calendar import working_calendar

# --- Transitions -----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_receive(
    *, dossier_id: int, actor, expected_version: int | None = None, at: datetime | None = None, notify: bool = True
) -> Dossier:
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.RECEIVE,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    core.issue_code_and_appointment(step.dossier, at=step.at)
    return core.finish(
        step,
        Action.RECEIVE,
        fields=["code", "received_at", "due_at"],
        payload={"code": step.dossier.code, "due_at": step.dossier.due_at.isoformat()},
        to_unit=core.unit_label(step.dossier.reception_centre),
    )


@transaction.atomic
def dossier_refuse(
    *,
    dossier_id: int,
    actor,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(reason, Action.REFUSE)
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.REFUSE,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    step.dossier.finished_at = step.at
    step.dossier.closing_reason = text
    return core.finish(step, Action.REFUSE, fields=["finished_at", "closing_reason"], reason=text)


@transaction.atomic
def dossier_transfer(
    *,
    dossier_id: int,
    actor,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(note, Action.TRANSFER)
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.TRANSFER,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    dossier = step.dossier
    dossier.transferred_at = step.at
    allowance = deadlines.transfer_allowance(working_calendar(), dossier.received_at)
    return core.finish(
        step,
        Action.TRANSFER,
        fields=["transferred_at"],
        reason=text,
        payload={"allowed_until": allowance.isoformat()},
        from_unit=core.unit_label(dossier.reception_centre),
        to_unit=core.unit_label(dossier.processing_unit),
        allowed_until=allowance,
    )


@transaction.atomic
def dossier_assign(
    *,
    dossier_id: int,
    actor,
    handler_id: int,
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.ASSIGN,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    dossier = step.dossier
    is_handler = Membership.objects.filter(
        user_id=handler_id, role=StaffRole.HANDLER, processing_unit_id=dossier.processing_unit_id, is_active=True
    ).exists()
    if not is_handler:
        message = _("Người được phân công không phải cán bộ xử lý của đơn vị.")
        raise InvalidInput(message, extra={"fields": {"handler": [message]}})
    dossier.handler_id = handler_id
    return core.finish(
        step,
        Action.ASSIGN,
        fields=["handler"],
        payload={"handler": handler_id},
        from_unit=core.unit_label(dossier.processing_unit),
        to_unit=core.unit_label(dossier.processing_unit),
    )


@transaction.atomic
def dossier_request_supplement(
    *,
    dossier_id: int,
    actor,
    reason: str,
    missing_components: list[str],
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(reason, Action.REQUEST_SUPPLEMENT)
    missing = [clean_text(item, field="missing_components", limit=500) for item in (missing_components or [])]
    missing = [item for item in missing if item]
    if not missing:
        message = _("Hãy liệt kê các giấy tờ cần bổ sung.")
        raise InvalidInput(message, extra={"fields": {"missing_components": [message]}})
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.REQUEST_SUPPLEMENT,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    dossier = step.dossier
    remaining = deadlines.remaining_at_pause(working_calendar(), step.at, dossier.due_at)
    Pause.objects.create(
        dossier=dossier,
        started_at=step.at,
        remaining_seconds=int(remaining.total_seconds()),
        reason=text,
        missing_components=missing,
    )
    dossier.paused_at = step.at
    dossier.remaining_seconds = int(remaining.total_seconds())
    dossier.supplement_count += 1
    return core.finish(
        step,
        Action.REQUEST_SUPPLEMENT,
        fields=["paused_at", "remaining_seconds", "supplement_count"],
        reason=text,
        payload={"missing_components": missing, "remaining_seconds": dossier.remaining_seconds},
        from_unit=core.unit_label(dossier.processing_unit),
        to_unit=dossier.applicant_name,
    )


def _end_pause(dossier: Dossier, at: datetime) -> None:
    pause = dossier.pauses.filter(ended_at__isnull=True).first()
    remaining = timedelta(seconds=dossier.remaining_seconds or 0)
    dossier.due_at = deadlines.due_after_resumption(working_calendar(), at, remaining, dossier.due_at)
    dossier.paused_at = None
    dossier.remaining_seconds = None
    if pause is not None:
        pause.ended_at = at
        pause.save(update_fields=["ended_at"])


@transaction.atomic
def dossier_supplement(
    *,
    dossier_id: int,
    actor,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(note, Action.SUPPLEMENT)
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.SUPPLEMENT,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    dossier = step.dossier
    _end_pause(dossier, step.at)
    dossier.supplemented_at = step.at
    return core.finish(
        step,
        Action.SUPPLEMENT,
        fields=["due_at", "paused_at", "remaining_seconds", "supplemented_at"],
        reason=text,
        payload={"due_at": dossier.due_at.isoformat()},
        from_unit=dossier.applicant_name,
        to_unit=core.unit_label(dossier.processing_unit),
    )


@transaction.atomic
def dossier_request_payment(
    *,
    dossier_id: int,
    actor,
    amount_vnd: int,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(note, Action.REQUEST_PAYMENT)
    try:
        amount = int(amount_vnd)
    except (TypeError, ValueError):
        amount = -1
    if amount <= 0:
        message = _("Số tiền phải là số nguyên dương (đồng).")
        raise InvalidInput(message, extra={"fields": {"amount_vnd": [message]}})
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.REQUEST_PAYMENT,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    step.dossier.fee_vnd = amount
    return core.finish(step, Action.REQUEST_PAYMENT, fields=["fee_vnd"], reason=text, payload={"amount_vnd": amount})


@transaction.atomic
def dossier_confirm_payment(
    *,
    dossier_id: int,
    actor,
    paid_online: bool = False,
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.CONFIRM_PAYMENT,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    step.dossier.paid_at = step.at
    step.dossier.paid_online = bool(paid_online)
    return core.finish(
        step, Action.CONFIRM_PAYMENT, fields=["paid_at", "paid_online"], payload={"paid_online": bool(paid_online)}
    )


@transaction.atomic
def dossier_withdraw(
    *,
    dossier_id: int,
    actor,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(reason, Action.WITHDRAW)
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.WITHDRAW,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    return core.finish(step, Action.WITHDRAW, fields=[], reason=text, payload={"previous_state": step.from_state.value})


@transaction.atomic
def dossier_confirm_withdrawal(
    *, dossier_id: int, actor, expected_version: int | None = None, at: datetime | None = None, notify: bool = True
) -> Dossier:
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.CONFIRM_WITHDRAWAL,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    step.dossier.finished_at = step.at
    fields = ["finished_at", "processing_seconds"]
    if step.dossier.paused_at is not None:
        _end_pause(step.dossier, step.at)
        fields += ["due_at", "paused_at", "remaining_seconds"]
    step.dossier.processing_seconds = _processing_seconds(step.dossier, step.at)
    return core.finish(step, Action.CONFIRM_WITHDRAWAL, fields=fields)


def _processing_seconds(dossier: Dossier, at: datetime) -> int | None:
    """The working time the dossier was processed, pauses taken out (``deadlines.processing_time``); ``None`` for a
    dossier never received. Read after its open pause, if any, was ended."""
    if dossier.received_at is None:
        return None
    pauses = dossier.pauses.values_list("started_at", "ended_at")
    return int(deadlines.processing_time(working_calendar(), dossier.received_at, at, pauses).total_seconds())


def _close(step: core.Step) -> list[str]:
    """Finish the dossier now: end a running pause, classify against the legal due moment."""
    dossier = step.dossier
    fields = ["finished_at", "timeliness", "processing_seconds"]
    if dossier.paused_at is not None:
        _end_pause(dossier, step.at)
        fields += ["due_at", "paused_at", "remaining_seconds"]
    dossier.finished_at = step.at
    dossier.timeliness = deadlines.classify(working_calendar(), step.at, dossier.due_at, dossier.supplement_count)
    dossier.processing_seconds = _processing_seconds(dossier, step.at)
    return fields


@transaction.atomic
def dossier_stop(
    *,
    dossier_id: int,
    actor,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(reason, Action.STOP)
    step = core.begin(
        dossier_id=dossier_id, actor=actor, action=Action.STOP, expected_version=expected_version, at=at, notify=notify
    )
    fields = _close(step)
    step.dossier.closing_reason = text
    return core.finish(step, Action.STOP, fields=[*fields, "closing_reason"], reason=text)


@transaction.atomic
def dossier_decide(
    *,
    dossier_id: int,
    actor,
    outcome: str,
    result_document: str = "",
    reason: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    if outcome not in (Outcome.APPROVED, Outcome.DENIED):
        message = _("Kết quả phải là approved (giải quyết) hoặc denied (từ chối).")
        raise InvalidInput(message, extra={"fields": {"outcome": [message]}})
    document = clean_text(result_document, field="result_document", limit=LIMITS["document"])
    text = clean_text(reason, field="reason", limit=LIMITS["reason"])
    if outcome == Outcome.APPROVED and not document:
        message = _("Hãy ghi văn bản kết quả (số, ký hiệu giấy tờ được cấp).")
        raise InvalidInput(message, extra={"fields": {"result_document": [message]}})
    if outcome == Outcome.DENIED and not text:
        message = _("Từ chối giải quyết cần ghi rõ lý do.")
        raise InvalidInput(message, code="reason_required", extra={"fields": {"reason": [message]}})
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.DECIDE,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    fields = _close(step)
    dossier = step.dossier
    dossier.outcome = outcome
    dossier.result_document = document
    dossier.closing_reason = text
    return core.finish(
        step,
        Action.DECIDE,
        fields=[*fields, "outcome", "result_document", "closing_reason"],
        reason=text,
        payload={"outcome": outcome, "result_document": document, "timeliness": dossier.timeliness},
        from_unit=core.unit_label(dossier.processing_unit),
        to_unit=core.unit_label(dossier.return_centre),
        allowed_until=dossier.due_at,
    )


@transaction.atomic
def dossier_return(
    *,
    dossier_id: int,
    actor,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    text = core.reason_of(note, Action.RETURN)
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.RETURN,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    step.dossier.returned_at = step.at
    return core.finish(
        step,
        Action.RETURN,
        fields=["returned_at"],
        reason=text,
        from_unit=core.unit_label(step.dossier.return_centre),
        to_unit=step.dossier.applicant_name,
        allowed_until=step.dossier.extended_due_at or step.dossier.due_at,
    )


@transaction.atomic
def dossier_extend(
    *,
    dossier_id: int,
    actor,
    reason: str,
    new_due_at: datetime,
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    """Form 04: apology and a new return date — at most once; the dossier still counts as late."""
    text = core.reason_of(reason, Action.EXTEND)
    if not isinstance(new_due_at, datetime):
        message = _("Ngày hẹn mới không hợp lệ.")
        raise InvalidInput(message, extra={"fields": {"new_due_at": [message]}})
    new_due = timezone.localtime(new_due_at if timezone.is_aware(new_due_at) else timezone.make_aware(new_due_at))
    step = core.begin(
        dossier_id=dossier_id,
        actor=actor,
        action=Action.EXTEND,
        expected_version=expected_version,
        at=at,
        notify=notify,
    )
    dossier = step.dossier
    if dossier.extension_count >= 1:
        raise InvalidTransition(_("Hồ sơ đã được hẹn lại một lần; không thể hẹn lại lần nữa."), code="already_extended")
    if new_due <= step.at or (dossier.due_at and new_due <= dossier.due_at):
        message = _("Ngày hẹn mới phải sau thời điểm hiện tại và sau ngày hẹn trả cũ.")
        raise InvalidInput(message, extra={"fields": {"new_due_at": [message]}})
    dossier.extended_due_at = new_due
    dossier.extension_count += 1
    return core.finish(
        step,
        Action.EXTEND,
        fields=["extended_due_at", "extension_count"],
        reason=text,
        payload={"new_due_at": new_due.isoformat(), "due_at": dossier.due_at.isoformat() if dossier.due_at else None},
    )


@transaction.atomic
def dossier_rate(
    *,
    dossier_id: int,
    actor,
    rating: str,
    comment: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
    notify: bool = True,
) -> Dossier:
    if rating not in Rating.values:
        message = _("Mức đánh giá phải là very_satisfied, satisfied hoặc not_satisfied.")
        raise InvalidInput(message, extra={"fields": {"rating": [message]}})
    text = clean_text(comment, field="comment", limit=LIMITS["comment"])
    step = core.begin(
        dossier_id=dossier_id, actor=actor, action=Action.RATE, expected_version=expected_version, at=at, notify=notify
    )
    dossier = step.dossier
    if dossier.rated_at is not None:
        raise InvalidTransition(_("Hồ sơ đã được đánh giá."), code="already_rated")
    dossier.rating = rating
    dossier.rating_comment = text
    dossier.rated_at = step.at
    return core.finish(
        step, Action.RATE, fields=["rating", "rating_comment", "rated_at"], reason=text, payload={"rating": rating}
    )


#: action → service, for the API's one-POST-per-action endpoints.
SERVICES = {
    Action.RECEIVE: dossier_receive,
    Action.REFUSE: dossier_refuse,
    Action.TRANSFER: dossier_transfer,
    Action.ASSIGN: dossier_assign,
    Action.REQUEST_SUPPLEMENT: dossier_request_supplement,
    Action.SUPPLEMENT: dossier_supplement,
    Action.REQUEST_PAYMENT: dossier_request_payment,
    Action.CONFIRM_PAYMENT: dossier_confirm_payment,
    Action.WITHDRAW: dossier_withdraw,
    Action.CONFIRM_WITHDRAWAL: dossier_confirm_withdrawal,
    Action.STOP: dossier_stop,
    Action.DECIDE: dossier_decide,
    Action.RETURN: dossier_return,
    Action.EXTEND: dossier_extend,
    Action.RATE: dossier_rate,
}
