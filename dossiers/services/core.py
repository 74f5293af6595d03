"""The shape every write to a dossier shares (STYLE.md).

``begin`` locks the dossier and checks scope (404), version (409), role (403) and the transition table (409);
the service applies its change; ``finish`` saves it, appends one audit event and one control-slip row (``record``)
and writes the applicant's notices to the outbox in the same transaction (``notify_step``, the one place for them;
delivered after commit) and cancels the reminders a moved due moment made stale (``reminders.after_step``).

Every service takes two keyword-only switches that the API never passes (its serializers have no such fields):
``at``, the moment of the action (default: now) — codes, appointments, pauses, timeliness and the audit trail are
all counted from it, so the demo can play a dossier's past; and ``notify`` (default ``True``) — ``False`` writes no
notice, for applicants who are fictitious.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import deadlines
from dossiers.models import AuditEvent, ControlSlipRow, DailySequence, Dossier
from dossiers.selectors import DETAIL_RELATED, Access, access_for, can_see, detail_related_from_reference, roles_on
from dossiers.services import notices, reminders
from dossiers.services.validation import LIMITS, clean_text
from dossiers.workflow import TRANSITIONS, Action, Role, State, target_state
from portal.common.errors import Forbidden, InvalidInput, InvalidTransition, OutOfScope, StaleVersion
from portal.common.refcache import ReferenceCache
from procedures.calendar import working_calendar

# --- Helpers ---------------------------------------------------------------------------------------------


def now() -> datetime:
    """The moment of an action, in the portal's time zone."""
    return timezone.localtime(timezone.now())


def moment_of(at: datetime | None) -> datetime:
    """The moment of an action: ``at`` when the caller gives one, else now; in the portal's time zone, so that the
    day of a code is the local day."""
    if at is None:
        return now()
    if timezone.is_naive(at):
        raise ValueError("the moment of an action must be timezone-aware")
    return timezone.localtime(at)


def new_reference() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "TN-" + "".join(secrets.choice(alphabet) for _ in range(10))


def next_sequence(*, centre_id: int, day) -> int:
    """The next number of a centre's day, gap-free: the increment commits or rolls back with the reception."""
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (centre_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608 (table name is ours)
            f"ON CONFLICT (centre_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [centre_id, day],
        )
        return cursor.fetchone()[0]


def format_code(agency_code: str, day, number: int) -> str:
    """``{reception agency code}-{yymmdd}-{4-digit daily sequence}`` (DOMAIN.md §5)."""
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def unit_label(obj) -> str:
    return str(obj) if obj is not None else ""


def record(
    dossier: Dossier,
    *,
    actor,
    role: Role | None,
    action: Action,
    from_state: State | None,
    at: datetime,
    reason: str = "",
    payload: dict | None = None,
    from_unit: str = "",
    to_unit: str = "",
    allowed_until: datetime | None = None,
) -> tuple[AuditEvent, ControlSlipRow]:
    event = AuditEvent.objects.create(
        dossier=dossier,
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=role.value if role else "",
        action=action.value,
        from_state=from_state.value if from_state else "",
        to_state=dossier.state,
        reason=reason,
        payload=payload or {},
    )
    slip_row = ControlSlipRow.objects.create(
        dossier=dossier,
        step=action.value,
        from_unit=from_unit,
        to_unit=to_unit,
        handed_at=at,
        received_at=at,
        allowed_until=allowed_until,
        actor=actor if getattr(actor, "pk", None) else None,
        # the calendar (a cache read) only for a step that has an allowance
        timeliness=deadlines.step_timeliness(
            working_calendar() if allowed_until is not None else None, at, allowed_until
        ),
        note=reason,
    )
    return event, slip_row


def notify_step(dossier: Dossier, action: Action, event: AuditEvent, *, actor) -> None:
    """The one place where a step schedules its side effects: the applicant's notices, written to the outbox in the
    step's transaction and delivered after commit (``dossiers.services.notices``)."""
    notices.notices_for_step(dossier, action, event, actor=actor)


def acting_role(transition_roles: frozenset[Role], held: frozenset[Role]) -> Role:
    for role in (Role.LEADER, Role.HANDLER, Role.RECEPTION, Role.RETURN_DESK, Role.APPLICANT):
        if role in transition_roles and role in held:
            return role
    raise AssertionError("no acting role")  # guarded by the caller


@dataclass
class Step:
    dossier: Dossier
    actor: Any
    access: Access
    role: Role
    from_state: State
    at: datetime  # the moment of the action: of its audit event, control-slip row and every deadline it moves
    notify: bool = True  # whether the applicant is told (``notify_step``)


def check_version(dossier: Dossier, expected_version: int | None) -> None:
    """409 ``stale_version`` when the client acted on another version of the dossier than the one locked."""
    if expected_version is not None and expected_version != dossier.version:
        raise StaleVersion(
            _("Hồ sơ đã được cập nhật bởi người khác (phiên bản %(current)d); vui lòng tải lại.")
            % {"current": dossier.version},
            extra={"version": dossier.version},
        )


def begin(
    *,
    dossier_id: int,
    actor,
    action: Action,
    expected_version: int | None,
    at: datetime | None = None,
    notify: bool = True,
) -> Step:
    """Lock the dossier and run every check, in the order that leaks nothing: scope, version, role, state.

    The step happens ``at`` (default: now) and tells the applicant unless ``notify`` is false."""
    access = access_for(actor)
    # the filer's language rides along (the applicant's notices are written in it: ``dossiers.services.notices``)
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .annotate(filer_language=F("filed_by__language"))
        .filter(pk=dossier_id)
    )
    if not ReferenceCache.enabled():  # the places, procedure and version in the same query (the lock: the dossier)
        locked = locked.select_related(*DETAIL_RELATED)
    dossier = locked.first()
    if dossier is None or not can_see(access, dossier):
        raise OutOfScope()
    detail_related_from_reference(dossier)  # reference rows kept by the process (none left to read when joined)
    check_version(dossier, expected_version)
    transition = TRANSITIONS[action]
    held = roles_on(access, dossier)
    if not (transition.roles & held):
        raise Forbidden(
            _('Bạn không có quyền thực hiện thao tác "%(action)s" với hồ sơ này.') % {"action": transition.label}
        )
    state = State(dossier.state)
    if state not in transition.sources:
        raise InvalidTransition(
            _('Không thể "%(action)s" khi hồ sơ đang ở trạng thái "%(state)s".')
            % {"action": transition.label, "state": dossier.get_state_display()},
            extra={"state": dossier.state},
        )
    return Step(dossier, actor, access, acting_role(transition.roles, held), state, moment_of(at), notify)


def finish(step: Step, action: Action, *, fields: list[str], reason: str = "", payload=None, **slip) -> Dossier:
    dossier = step.dossier
    dossier.set_state(target_state(action, step.from_state))
    dossier.version += 1
    dossier.save(update_fields=sorted({*fields, "state", "status_code", "version", "updated_at"}))
    event, _slip_row = record(
        dossier,
        actor=step.actor,
        role=step.role,
        action=action,
        from_state=step.from_state,
        at=step.at,
        reason=reason,
        payload=payload,
        **slip,
    )
    if step.notify:
        notify_step(dossier, action, event, actor=step.actor)
    reminders.after_step(dossier, action)
    return dossier


def reason_of(value: Any, action: Action) -> str:
    text = clean_text(value, field="reason", limit=LIMITS["reason"])
    if TRANSITIONS[action].requires_reason and not text:
        message = _('Thao tác "%(action)s" cần ghi rõ lý do.') % {"action": TRANSITIONS[action].label}
        raise InvalidInput(message, code="reason_required", extra={"fields": {"reason": [message]}})
    return text


def issue_code_and_appointment(dossier: Dossier, *, at: datetime) -> None:
    """Reception: the dossier's code (the centre's next number of the day) and its appointment (DOMAIN.md §4, §5)."""
    calendar = working_calendar()
    version = dossier.procedure_version
    if not version.time_unit or version.time_value is None:
        raise InvalidInput(
            _("Thủ tục chưa có thời hạn giải quyết; không tính được ngày hẹn trả."), code="no_processing_time"
        )
    centre = dossier.reception_centre
    day = at.date()
    dossier.code = format_code(centre.agency_code, day, next_sequence(centre_id=centre.pk, day=day))
    dossier.received_at = at
    dossier.due_at = deadlines.appointment(calendar, at, time_value=version.time_value, time_unit=version.time_unit)
