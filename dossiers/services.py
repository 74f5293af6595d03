"""Every write to a dossier. One shape for every transition (STYLE.md):

``transaction.atomic()`` → ``select_for_update()`` the dossier → scope (404), version (409), role (403) and
transition table (409) checks → apply → ``save(update_fields=…)`` → one audit event and one control-slip row →
``transaction.on_commit`` for notifications. Nothing is ever half-written.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import CentreKind
from communes.selectors import centre_by_id, commune_by_code, commune_committee, processing_unit_by_key
from dossiers import deadlines
from dossiers.models import (
    AuditEvent,
    Channel,
    ControlSlipRow,
    DailySequence,
    Dossier,
    IdempotencyKey,
    Outcome,
    Pause,
    Rating,
)
from dossiers.selectors import (
    DETAIL_RELATED,
    Access,
    access_for,
    can_see,
    detail_related_from_reference,
    roles_on,
)
from dossiers.workflow import TRANSITIONS, Action, Role, State, target_state
from portal.accounts.models import Membership, StaffRole
from portal.common.errors import Conflict, DomainError, InvalidInput, OutOfScope
from portal.common.refcache import ReferenceCache
from portal.common.text import nfc
from procedures.calendar import working_calendar
from procedures.models import Level
from procedures.selectors import version_for_filing

# --- Errors ----------------------------------------------------------------------------------------------


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class StaleVersion(Conflict):
    code = "stale_version"


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


# --- Helpers ---------------------------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.localtime(timezone.now())


def _reference() -> str:
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


def _unit_label(obj) -> str:
    return str(obj) if obj is not None else ""


def _record(
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


def _notify_after_commit(dossier: Dossier, action: Action) -> None:
    """The one place where a transition schedules its side effects: the applicant's e-mail, once committed.

    No task is queued when it would find nothing to do (an action nobody is told of, an applicant without an
    e-mail address); the task checks again when it runs."""
    from dossiers.tasks import NOTIFIED, dossier_notify

    if action.value not in NOTIFIED or not dossier.applicant_email:
        return
    dossier_id = dossier.pk
    transaction.on_commit(lambda: dossier_notify.delay(dossier_id, action.value), robust=True)


def _acting_role(transition_roles: frozenset[Role], held: frozenset[Role]) -> Role:
    for role in (Role.LEADER, Role.HANDLER, Role.RECEPTION, Role.RETURN_DESK, Role.APPLICANT):
        if role in transition_roles and role in held:
            return role
    raise AssertionError("no acting role")  # guarded by the caller


@dataclass
class _Step:
    dossier: Dossier
    actor: Any
    access: Access
    role: Role
    from_state: State
    at: datetime


def _begin(*, dossier_id: int, actor, action: Action, expected_version: int | None) -> _Step:
    """Lock the dossier and run every check, in the order that leaks nothing: scope, version, role, state."""
    access = access_for(actor)
    locked = Dossier.objects.select_for_update(of=("self",)).filter(pk=dossier_id)
    if not ReferenceCache.enabled():  # the places, procedure and version in the same query (the lock: the dossier)
        locked = locked.select_related(*DETAIL_RELATED)
    dossier = locked.first()
    if dossier is None or not can_see(access, dossier):
        raise OutOfScope()
    detail_related_from_reference(dossier)  # reference rows kept by the process (none left to read when joined)
    if expected_version is not None and expected_version != dossier.version:
        raise StaleVersion(
            _("Hồ sơ đã được cập nhật bởi người khác (phiên bản %(current)d); vui lòng tải lại.")
            % {"current": dossier.version},
            extra={"version": dossier.version},
        )
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
    return _Step(dossier, actor, access, _acting_role(transition.roles, held), state, _now())


def _finish(step: _Step, action: Action, *, fields: list[str], reason: str = "", payload=None, **slip) -> Dossier:
    dossier = step.dossier
    dossier.set_state(target_state(action, step.from_state))
    dossier.version += 1
    dossier.save(update_fields=sorted({*fields, "state", "status_code", "version", "updated_at"}))
    _record(
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
    _notify_after_commit(dossier, action)
    return dossier


def _reason(value: Any, action: Action) -> str:
    text = clean_text(value, field="reason", limit=LIMITS["reason"])
    if TRANSITIONS[action].requires_reason and not text:
        message = _('Thao tác "%(action)s" cần ghi rõ lý do.') % {"action": TRANSITIONS[action].label}
        raise InvalidInput(message, code="reason_required", extra={"fields": {"reason": [message]}})
    return text


# --- Creating: online filing and counter reception -------------------------------------------------------


def _resolve_places(version, *, reception_centre_id, return_centre_id, commune_code) -> tuple:
    reception = centre_by_id(reception_centre_id)
    if reception is None:
        message = _("Trung tâm tiếp nhận không tồn tại.")
        raise InvalidInput(message, extra={"fields": {"reception_centre": [message]}})
    return_centre = reception
    if return_centre_id and int(return_centre_id) != reception.pk:
        return_centre = centre_by_id(return_centre_id)
        if return_centre is None:
            message = _("Nơi trả kết quả không tồn tại.")
            raise InvalidInput(message, extra={"fields": {"return_centre": [message]}})
    if version.level == Level.COMMUNE:
        commune = None
        if commune_code:
            commune = commune_by_code(commune_code)
            if commune is None:
                message = _("Mã xã, phường không tồn tại.")
                raise InvalidInput(message, extra={"fields": {"commune": [message]}})
        elif reception.kind == CentreKind.COMMUNE:
            commune = reception.commune
        else:
            message = _("Thủ tục cấp xã: hãy chọn xã, phường giải quyết hồ sơ.")
            raise InvalidInput(message, extra={"fields": {"commune": [message]}})
        unit = commune_committee(commune.pk)
    else:
        unit = version.processing_unit or processing_unit_by_key("van-phong-ubnd-tinh")
    if unit is None:
        raise InvalidInput(_("Chưa xác định được cơ quan giải quyết thủ tục này."), code="no_processing_unit")
    return reception, return_centre, unit


def _version_for_filing(procedure_code: Any, on) -> Any:
    code = clean_text(procedure_code, field="procedure", limit=30, required=True)
    filing = version_for_filing(code=code, on=on)
    if filing.abolished:  # never file under an abolished procedure
        message = _("Thủ tục %(code)s đã bị bãi bỏ.") % {"code": code}
        raise InvalidInput(message, code="procedure_abolished", extra={"fields": {"procedure": [message]}})
    version = filing.version
    if version is None:
        message = _("Thủ tục %(code)s không tồn tại hoặc đã bị bãi bỏ.") % {"code": code}
        raise InvalidInput(message, code="unknown_procedure", extra={"fields": {"procedure": [message]}})
    if not version.is_applied:
        message = _("Thủ tục %(code)s hiện không áp dụng tại tỉnh.") % {"code": code}
        raise InvalidInput(message, code="procedure_not_applied", extra={"fields": {"procedure": [message]}})
    return version


def _new_dossier(version, person: Applicant, *, channel: str, places: tuple, at: datetime, filed_by=None) -> Dossier:
    """An unsaved dossier pinned to ``version``, with its applicant and its three places."""
    reception, return_centre, unit = places
    return Dossier(
        reference=_reference(),
        procedure_version=version,
        procedure=version.procedure,
        field=version.field,
        level=version.level,
        channel=channel,
        applicant_kind=person.kind,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=person.phone,
        applicant_email=person.email,
        applicant_address=person.address,
        organisation_name=person.organisation_name,
        filed_by=filed_by,
        reception_centre=reception,
        return_centre=return_centre,
        processing_unit=unit,
        filed_at=at,
        fee_vnd=version.fee_vnd,
    )


def dossier_file(
    *,
    actor,
    procedure_code: str,
    applicant: dict,
    reception_centre_id: int,
    return_centre_id: int | None = None,
    commune_code: str | None = None,
    channel: str = Channel.ONLINE,
    idempotency_key: str | None = None,
    documents: list[dict] | None = None,
) -> Dossier:
    """A citizen files a dossier online (or by post): state 1, a provisional reference, no code yet.

    ``documents``: the scanned components, each ``{"file", "component_id" (None: other), "is_original_scan"}``.
    Online, every mandatory component of the procedure version needs one (400 ``missing_components``); by post
    the paper comes with the envelope. Every file is checked before anything is written, and the files are stored
    in the filing's transaction (removed again if it fails).

    With an ``idempotency_key`` already used by the same user, the first dossier is returned (``replayed`` set).
    Otherwise the new dossier carries ``rows_written``: its detail lists as written (its one audit event and
    control-slip row, its files), so that the API answers without reading them back.
    """
    from dossiers import documents as docs

    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Hãy đăng nhập để nộp hồ sơ."))
    if channel not in (Channel.ONLINE, Channel.POST):
        raise InvalidInput(_("Kênh nộp không hợp lệ."), extra={"fields": {"channel": [_("online hoặc post.")]}})
    key = clean_text(idempotency_key, field="Idempotency-Key", limit=100) if idempotency_key else ""
    # A retry is recognised when its key is written (a unique constraint), not by a read before every filing: most
    # filings are first tries. A retry whose body no longer passes the checks still gets the first dossier.
    now = _now()
    try:
        version = _version_for_filing(procedure_code, now.date())
        person = Applicant.clean(applicant)
        reception, return_centre, unit = _resolve_places(
            version,
            reception_centre_id=reception_centre_id,
            return_centre_id=return_centre_id,
            commune_code=commune_code,
        )
        prepared = docs.prepare(version, documents)
        if channel == Channel.ONLINE:
            docs.require_components(version, prepared)
    except DomainError:
        replay = _replayed(actor, key)
        if replay is not None:
            return replay
        raise
    try:
        with docs.removed_on_failure() as written, transaction.atomic():
            dossier = _new_dossier(
                version, person, channel=channel, places=(reception, return_centre, unit), at=now, filed_by=actor
            )
            dossier.set_state(State.FILED)
            dossier.save()
            if key:
                IdempotencyKey.objects.create(user=actor, key=key, dossier=dossier)
            event, slip_row = _record(
                dossier,
                actor=actor,
                role=Role.APPLICANT,
                action=Action.FILE,
                from_state=None,
                at=now,
                payload={"procedure": version.procedure.code, "channel": channel},
                to_unit=_unit_label(reception),
            )
            stored = docs.store(dossier, prepared, actor=actor, at=now, written=written)
            _notify_after_commit(dossier, Action.FILE)
            dossier.rows_written = _rows_of_new_dossier(event, slip_row, documents=stored)
    except IntegrityError:
        # the key was used before (or by a concurrent retry that won): nothing was written, answer with its dossier
        replay = _replayed(actor, key)
        if replay is not None:
            return replay
        raise
    return dossier


def _rows_of_new_dossier(event, slip_row, *, documents, paper_components=()) -> dict[str, list]:
    """A new dossier's detail lists as they were written (``selectors.DETAIL_LISTS``): nothing else exists yet."""
    return {
        "events": [event],
        "control_slip": [slip_row],
        "pauses": [],
        "documents": list(documents),
        "paper_components": list(paper_components),
    }


def _replayed(actor, key: str) -> Dossier | None:
    """The dossier filed earlier by ``actor`` with the idempotency ``key`` (``replayed`` set), or ``None``."""
    if not key:
        return None
    existing = IdempotencyKey.objects.filter(user=actor, key=key).select_related("dossier").first()
    if existing is None:
        return None
    existing.dossier.replayed = True
    return existing.dossier


def _receive(dossier: Dossier, *, at: datetime) -> None:
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


def dossier_receive_at_counter(
    *,
    actor,
    procedure_code: str,
    applicant: dict,
    reception_centre_id: int,
    return_centre_id: int | None = None,
    commune_code: str | None = None,
    channel: str = Channel.DIRECT,
    paper_components: list[dict] | None = None,
    documents: list[dict] | None = None,
) -> Dossier:
    """A reception officer receives a dossier at the counter: state 2 at once, with code and appointment.

    The components are received on paper: ``paper_components`` lists them as form 01 does (``{"component_id"
    (None: other), "name", "copy_kind", "count"}``). ``documents`` (optional) are scans made at the counter.
    The new dossier carries ``rows_written``, as with :func:`dossier_file`.
    """
    from dossiers import documents as docs

    access = access_for(actor)
    if int(reception_centre_id) not in access.reception_centres:
        raise Forbidden(_("Bạn không phải cán bộ tiếp nhận của trung tâm này."))
    if channel not in (Channel.DIRECT, Channel.POST):
        raise InvalidInput(_("Kênh nộp không hợp lệ."), extra={"fields": {"channel": [_("direct hoặc post.")]}})
    now = _now()
    version = _version_for_filing(procedure_code, now.date())
    person = Applicant.clean(applicant)
    reception, return_centre, unit = _resolve_places(
        version, reception_centre_id=reception_centre_id, return_centre_id=return_centre_id, commune_code=commune_code
    )
    paper = docs.clean_paper_items(version, paper_components)
    prepared = docs.prepare(version, documents)
    with docs.removed_on_failure() as written, transaction.atomic():
        dossier = _new_dossier(version, person, channel=channel, places=(reception, return_centre, unit), at=now)
        dossier.set_state(State.RECEIVED)
        _receive(dossier, at=now)
        dossier.save()
        event, slip_row = _record(
            dossier,
            actor=actor,
            role=Role.RECEPTION,
            action=Action.RECEIVE_AT_COUNTER,
            from_state=None,
            at=now,
            payload={"procedure": version.procedure.code, "code": dossier.code, "due_at": dossier.due_at.isoformat()},
            to_unit=_unit_label(reception),
        )
        received = docs.store_paper(dossier, paper, actor=actor, at=now)
        stored = docs.store(dossier, prepared, actor=actor, at=now, written=written)
        _notify_after_commit(dossier, Action.RECEIVE_AT_COUNTER)
        dossier.rows_written = _rows_of_new_dossier(event, slip_row, documents=stored, paper_components=received)
    return dossier


# --- Transitions -----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_receive(*, dossier_id: int, actor, expected_version: int | None = None) -> Dossier:
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.RECEIVE, expected_version=expected_version)
    _receive(step.dossier, at=step.at)
    return _finish(
        step,
        Action.RECEIVE,
        fields=["code", "received_at", "due_at"],
        payload={"code": step.dossier.code, "due_at": step.dossier.due_at.isoformat()},
        to_unit=_unit_label(step.dossier.reception_centre),
    )


@transaction.atomic
def dossier_refuse(*, dossier_id: int, actor, reason: str, expected_version: int | None = None) -> Dossier:
    text = _reason(reason, Action.REFUSE)
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.REFUSE, expected_version=expected_version)
    step.dossier.finished_at = step.at
    step.dossier.closing_reason = text
    return _finish(step, Action.REFUSE, fields=["finished_at", "closing_reason"], reason=text)


@transaction.atomic
def dossier_transfer(*, dossier_id: int, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    text = _reason(note, Action.TRANSFER)
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.TRANSFER, expected_version=expected_version)
    dossier = step.dossier
    dossier.transferred_at = step.at
    allowance = deadlines.transfer_allowance(working_calendar(), dossier.received_at)
    return _finish(
        step,
        Action.TRANSFER,
        fields=["transferred_at"],
        reason=text,
        payload={"allowed_until": allowance.isoformat()},
        from_unit=_unit_label(dossier.reception_centre),
        to_unit=_unit_label(dossier.processing_unit),
        allowed_until=allowance,
    )


@transaction.atomic
def dossier_assign(*, dossier_id: int, actor, handler_id: int, expected_version: int | None = None) -> Dossier:
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.ASSIGN, expected_version=expected_version)
    dossier = step.dossier
    is_handler = Membership.objects.filter(
        user_id=handler_id, role=StaffRole.HANDLER, processing_unit_id=dossier.processing_unit_id, is_active=True
    ).exists()
    if not is_handler:
        message = _("Người được phân công không phải cán bộ xử lý của đơn vị.")
        raise InvalidInput(message, extra={"fields": {"handler": [message]}})
    dossier.handler_id = handler_id
    return _finish(
        step,
        Action.ASSIGN,
        fields=["handler"],
        payload={"handler": handler_id},
        from_unit=_unit_label(dossier.processing_unit),
        to_unit=_unit_label(dossier.processing_unit),
    )


@transaction.atomic
def dossier_request_supplement(
    *, dossier_id: int, actor, reason: str, missing_components: list[str], expected_version: int | None = None
) -> Dossier:
    text = _reason(reason, Action.REQUEST_SUPPLEMENT)
    missing = [clean_text(item, field="missing_components", limit=500) for item in (missing_components or [])]
    missing = [item for item in missing if item]
    if not missing:
        message = _("Hãy liệt kê các giấy tờ cần bổ sung.")
        raise InvalidInput(message, extra={"fields": {"missing_components": [message]}})
    step = _begin(
        dossier_id=dossier_id, actor=actor, action=Action.REQUEST_SUPPLEMENT, expected_version=expected_version
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
    return _finish(
        step,
        Action.REQUEST_SUPPLEMENT,
        fields=["paused_at", "remaining_seconds", "supplement_count"],
        reason=text,
        payload={"missing_components": missing, "remaining_seconds": dossier.remaining_seconds},
        from_unit=_unit_label(dossier.processing_unit),
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
def dossier_supplement(*, dossier_id: int, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    text = _reason(note, Action.SUPPLEMENT)
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.SUPPLEMENT, expected_version=expected_version)
    dossier = step.dossier
    _end_pause(dossier, step.at)
    return _finish(
        step,
        Action.SUPPLEMENT,
        fields=["due_at", "paused_at", "remaining_seconds"],
        reason=text,
        payload={"due_at": dossier.due_at.isoformat()},
        from_unit=dossier.applicant_name,
        to_unit=_unit_label(dossier.processing_unit),
    )


@transaction.atomic
def dossier_request_payment(
    *, dossier_id: int, actor, amount_vnd: int, note: str = "", expected_version: int | None = None
) -> Dossier:
    text = _reason(note, Action.REQUEST_PAYMENT)
    try:
        amount = int(amount_vnd)
    except (TypeError, ValueError):
        amount = -1
    if amount <= 0:
        message = _("Số tiền phải là số nguyên dương (đồng).")
        raise InvalidInput(message, extra={"fields": {"amount_vnd": [message]}})
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.REQUEST_PAYMENT, expected_version=expected_version)
    step.dossier.fee_vnd = amount
    return _finish(step, Action.REQUEST_PAYMENT, fields=["fee_vnd"], reason=text, payload={"amount_vnd": amount})


@transaction.atomic
def dossier_confirm_payment(
    *, dossier_id: int, actor, paid_online: bool = False, expected_version: int | None = None
) -> Dossier:
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.CONFIRM_PAYMENT, expected_version=expected_version)
    step.dossier.paid_at = step.at
    step.dossier.paid_online = bool(paid_online)
    return _finish(
        step, Action.CONFIRM_PAYMENT, fields=["paid_at", "paid_online"], payload={"paid_online": bool(paid_online)}
    )


@transaction.atomic
def dossier_withdraw(*, dossier_id: int, actor, reason: str, expected_version: int | None = None) -> Dossier:
    text = _reason(reason, Action.WITHDRAW)
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.WITHDRAW, expected_version=expected_version)
    return _finish(step, Action.WITHDRAW, fields=[], reason=text, payload={"previous_state": step.from_state.value})


@transaction.atomic
def dossier_confirm_withdrawal(*, dossier_id: int, actor, expected_version: int | None = None) -> Dossier:
    step = _begin(
        dossier_id=dossier_id, actor=actor, action=Action.CONFIRM_WITHDRAWAL, expected_version=expected_version
    )
    step.dossier.finished_at = step.at
    fields = ["finished_at"]
    if step.dossier.paused_at is not None:
        _end_pause(step.dossier, step.at)
        fields += ["due_at", "paused_at", "remaining_seconds"]
    return _finish(step, Action.CONFIRM_WITHDRAWAL, fields=fields)


def _close(step: _Step) -> list[str]:
    """Finish the dossier now: end a running pause, classify against the legal due moment."""
    dossier = step.dossier
    fields = ["finished_at", "timeliness"]
    if dossier.paused_at is not None:
        _end_pause(dossier, step.at)
        fields += ["due_at", "paused_at", "remaining_seconds"]
    dossier.finished_at = step.at
    dossier.timeliness = deadlines.classify(working_calendar(), step.at, dossier.due_at, dossier.supplement_count)
    return fields


@transaction.atomic
def dossier_stop(*, dossier_id: int, actor, reason: str, expected_version: int | None = None) -> Dossier:
    text = _reason(reason, Action.STOP)
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.STOP, expected_version=expected_version)
    fields = _close(step)
    step.dossier.closing_reason = text
    return _finish(step, Action.STOP, fields=[*fields, "closing_reason"], reason=text)


@transaction.atomic
def dossier_decide(
    *,
    dossier_id: int,
    actor,
    outcome: str,
    result_document: str = "",
    reason: str = "",
    expected_version: int | None = None,
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
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.DECIDE, expected_version=expected_version)
    fields = _close(step)
    dossier = step.dossier
    dossier.outcome = outcome
    dossier.result_document = document
    dossier.closing_reason = text
    return _finish(
        step,
        Action.DECIDE,
        fields=[*fields, "outcome", "result_document", "closing_reason"],
        reason=text,
        payload={"outcome": outcome, "result_document": document, "timeliness": dossier.timeliness},
        from_unit=_unit_label(dossier.processing_unit),
        to_unit=_unit_label(dossier.return_centre),
        allowed_until=dossier.due_at,
    )


@transaction.atomic
def dossier_return(*, dossier_id: int, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    text = _reason(note, Action.RETURN)
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.RETURN, expected_version=expected_version)
    step.dossier.returned_at = step.at
    return _finish(
        step,
        Action.RETURN,
        fields=["returned_at"],
        reason=text,
        from_unit=_unit_label(step.dossier.return_centre),
        to_unit=step.dossier.applicant_name,
        allowed_until=step.dossier.extended_due_at or step.dossier.due_at,
    )


@transaction.atomic
def dossier_extend(
    *, dossier_id: int, actor, reason: str, new_due_at: datetime, expected_version: int | None = None
) -> Dossier:
    """Form 04: apology and a new return date — at most once; the dossier still counts as late."""
    text = _reason(reason, Action.EXTEND)
    if not isinstance(new_due_at, datetime):
        message = _("Ngày hẹn mới không hợp lệ.")
        raise InvalidInput(message, extra={"fields": {"new_due_at": [message]}})
    new_due = timezone.localtime(new_due_at if timezone.is_aware(new_due_at) else timezone.make_aware(new_due_at))
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.EXTEND, expected_version=expected_version)
    dossier = step.dossier
    if dossier.extension_count >= 1:
        raise InvalidTransition(_("Hồ sơ đã được hẹn lại một lần; không thể hẹn lại lần nữa."), code="already_extended")
    if new_due <= step.at or (dossier.due_at and new_due <= dossier.due_at):
        message = _("Ngày hẹn mới phải sau thời điểm hiện tại và sau ngày hẹn trả cũ.")
        raise InvalidInput(message, extra={"fields": {"new_due_at": [message]}})
    dossier.extended_due_at = new_due
    dossier.extension_count += 1
    return _finish(
        step,
        Action.EXTEND,
        fields=["extended_due_at", "extension_count"],
        reason=text,
        payload={"new_due_at": new_due.isoformat(), "due_at": dossier.due_at.isoformat() if dossier.due_at else None},
    )


@transaction.atomic
def dossier_rate(
    *, dossier_id: int, actor, rating: str, comment: str = "", expected_version: int | None = None
) -> Dossier:
    if rating not in Rating.values:
        message = _("Mức đánh giá phải là very_satisfied, satisfied hoặc not_satisfied.")
        raise InvalidInput(message, extra={"fields": {"rating": [message]}})
    text = clean_text(comment, field="comment", limit=LIMITS["comment"])
    step = _begin(dossier_id=dossier_id, actor=actor, action=Action.RATE, expected_version=expected_version)
    dossier = step.dossier
    if dossier.rated_at is not None:
        raise InvalidTransition(_("Hồ sơ đã được đánh giá."), code="already_rated")
    dossier.rating = rating
    dossier.rating_comment = text
    dossier.rated_at = step.at
    return _finish(
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
