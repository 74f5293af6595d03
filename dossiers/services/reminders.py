"""The deadline watch (issue: reminders): what the staff are warned of, found in batches by indexed queries.

* **due soon** — a running dossier within ``REMINDER_DUE_SOON_HOURS`` working hours of its due moment (per procedure
  level): its handler and the processing unit's leaders;
* **overdue** — at the due moment: handler, leaders and the reception centre;
* **escalation** — still overdue ``REMINDER_ESCALATION_DAYS`` working days later: the province office;
* **not transferred** — received and not handed to the processing unit by the reception rule's allowance (the same
  working day; the next morning when received after 15:00): the reception centre and the unit's leaders;
* **supplement reminder** — a supplement request unanswered for ``REMINDER_SUPPLEMENT_DAYS`` working days: re-sent
  to the applicant, once per request.

The due moment is the effective one — the apology letter's new date when there is one, else the appointment — and
every threshold is counted on the working-time calendar. Each dossier row carries, per kind, the due moment its
reminders were written for (``remind_*``); a sweep reads only the dossiers whose marks lag behind (a functional
partial index on the effective due moment of running dossiers), writes their outbox rows and moves the marks, in one
transaction per batch. A moved due moment (a supplement pause ended, an extension) makes the marks lag again: the new
deadline gets its own reminders, and the old ones still unsent are cancelled — here, and at once by the step that
moved it (:func:`after_step`).

Two sweeps at once (two beat ticks overlapping, two workers): each batch is claimed with ``FOR UPDATE SKIP LOCKED``,
so a dossier is taken by one of them; the other finds its marks moved when it looks again; and every outbox row's
dedupe key — kind, dossier, due moment, recipient, channel — is unique, so even two writers cannot make a reminder
twice.
"""

from __future__ import annotations

import functools
import logging
import operator
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from dossiers import deadlines
from dossiers.models import AuditEvent, Dossier, Pause
from dossiers.services.notices import NO_OFFICIAL, base_context, citizen_rows_for_batch, officials_of
from dossiers.workflow import CLOCK_RUNNING_STATES, FINISHED_STATES, Action, State
from notifications.models import DUE_KINDS, Channel, Kind, Notification
from notifications.services import NewNotification, notifications_cancel, notifications_write
from portal.accounts.models import Membership, StaffRole
from procedures.calendar import working_calendar

logger = logging.getLogger(__name__)

RUNNING = sorted(state.value for state in CLOCK_RUNNING_STATES)
EFFECTIVE_DUE = Coalesce("extended_due_at", "due_at")


def effective_due(dossier: Dossier) -> datetime | None:
    return dossier.extended_due_at or dossier.due_at


def _due_by(moment: datetime) -> Q:
    """``effective due <= moment``, written so that it can also sit inside an UPDATE's CASE."""
    return Q(extended_due_at__lte=moment) | Q(extended_due_at__isnull=True, due_at__lte=moment)


def _lags(mark: str) -> Q:
    return Q(**{f"{mark}__isnull": True}) | ~Q(**{mark: F("eff")})


# --- Who is told ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    email: str
    language: str


class Staff:
    """The active staff by role and unit, read once per sweep."""

    def __init__(self):
        self.leaders: dict[int, list[Person]] = defaultdict(list)
        self.reception: dict[int, list[Person]] = defaultdict(list)
        self.province: list[Person] = []
        rows = Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            role__in=[StaffRole.LEADER, StaffRole.RECEPTION, StaffRole.PROVINCE],
        ).values_list(
            "role",
            "centre_id",
            "processing_unit_id",
            "user_id",
            "user__full_name",
            "user__username",
            "user__email",
            "user__language",
        )
        for role, centre_id, unit_id, user_id, full_name, username, email, language in rows:
            person = Person(user_id, full_name or username, email or "", language or settings.LANGUAGE_CODE)
            if role == StaffRole.LEADER:
                self.leaders[unit_id].append(person)
            elif role == StaffRole.RECEPTION:
                self.reception[centre_id].append(person)
            else:
                self.province.append(person)

    @staticmethod
    def handlers(dossiers) -> dict[int, Person]:
        """dossier id → its assigned handler, while their account and their handler role at the dossier's unit are
        active (a handler seconded elsewhere can no longer open the dossier: the unit's leaders are told)."""
        wanted = {(d.handler_id, d.processing_unit_id) for d in dossiers if d.handler_id}
        rows = Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            role=StaffRole.HANDLER,
            user_id__in={user_id for user_id, _unit in wanted},
            processing_unit_id__in={unit_id for _user, unit_id in wanted},
        ).values_list(
            "user_id", "processing_unit_id", "user__full_name", "user__username", "user__email", "user__language"
        )
        people = {
            (pk, unit_id): Person(pk, full_name or username, email or "", language or settings.LANGUAGE_CODE)
            for pk, unit_id, full_name, username, email, language in rows
        }
        return {d.pk: people[key] for d in dossiers if (key := (d.handler_id, d.processing_unit_id)) in people}


def staff_rows(kind: str, people, *, dossier_id: int | None, due_ref, context: dict, key: str) -> list[NewNotification]:
    """In-app for each person (once, however many roles they hold), and e-mail where they have an address."""
    rows, seen = [], set()
    for person in people:
        if person is None or person.user_id in seen:
            continue
        seen.add(person.user_id)
        common = {
            "kind": kind,
            "language": person.language,
            "dossier_id": dossier_id,
            "due_ref": due_ref,
            "context": context,
            "recipient_id": person.user_id,
        }
        rows.append(NewNotification(channel=Channel.INAPP, dedupe_key=f"{key}:{person.user_id}:inapp", **common))
        if person.email:
            rows.append(
                NewNotification(
                    channel=Channel.EMAIL, dedupe_key=f"{key}:{person.user_id}:email", address=person.email, **common
                )
            )
    return rows


# --- The sweep -----------------------------------------------------------------------------------------------


class Related:
    """The instances a dossier's foreign key ``name`` points to, read once per sweep (the few centres, units and
    procedure versions of thousands of dossiers) and set on each dossier as ``select_related`` would — without a
    joined row and a model instance per dossier."""

    def __init__(self, name: str):
        self.field = Dossier._meta.get_field(name)
        self.by_pk: dict = {}

    def attach(self, dossiers: list[Dossier]) -> None:
        attname = self.field.attname
        missing = {getattr(dossier, attname) for dossier in dossiers} - self.by_pk.keys() - {None}
        if missing:
            self.by_pk.update(self.field.related_model._base_manager.in_bulk(missing))
        for dossier in dossiers:
            pk = getattr(dossier, attname)
            if pk is not None:
                self.field.set_cached_value(dossier, self.by_pk[pk])


class Lateness:
    """``calendar.working_time_between(due, now)`` for many due moments, without walking every day of a long delay
    for each one: the two partial days, plus the whole working days between them, counted once for all."""

    def __init__(self, calendar, now: datetime):
        self.calendar, self.now = calendar, now
        self._earliest = now.date()
        self._working_days_from = {self._earliest: 0}  # day -> working days in [day, today)

    def __call__(self, due: datetime) -> timedelta:
        calendar, today = self.calendar, self.now.date()
        local = calendar.localize(due)
        if local.date() >= today:
            return calendar.working_time_between(local, self.now)
        first = calendar.working_time_between(local, calendar.end_of_day(local.date()))
        last = calendar.working_time_between(datetime.combine(today, time.min, tzinfo=calendar.tz), self.now)
        return first + last + calendar.working_day_length * self._days_before_today(local.date() + timedelta(days=1))

    def _days_before_today(self, day) -> int:
        while self._earliest > day:
            self._earliest -= timedelta(days=1)
            after = self._working_days_from[self._earliest + timedelta(days=1)]
            self._working_days_from[self._earliest] = after + (1 if self.calendar.is_working_day(self._earliest) else 0)
        return self._working_days_from.get(day, 0)


@dataclass
class Thresholds:
    due_soon_hours: dict[str, float]
    escalation_hours: float
    supplement_hours: float

    @classmethod
    def from_settings(cls) -> Thresholds:
        calendar_day = float(working_calendar().working_day_length.total_seconds()) / 3600
        hours = dict(settings.REMINDER_DUE_SOON_HOURS) or {"*": calendar_day}
        hours.setdefault("*", calendar_day)
        return cls(
            due_soon_hours=hours,
            escalation_hours=float(settings.REMINDER_ESCALATION_DAYS) * calendar_day,
            supplement_hours=float(settings.REMINDER_SUPPLEMENT_DAYS) * calendar_day,
        )


@dataclass
class Planned:
    kind: str
    dossier: str
    due: datetime | None
    recipients: int


@dataclass
class SweepReport:
    now: datetime
    scanned: int = 0
    created: Counter = field(default_factory=Counter)  # outbox rows written, by kind
    reminded: Counter = field(default_factory=Counter)  # dossiers reminded, by kind
    cancelled: int = 0
    planned: list[Planned] = field(default_factory=list)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


class Sweep:
    def __init__(self, *, now: datetime | None = None, dry_run: bool = False, batch_size: int | None = None):
        self.now = timezone.localtime(now or timezone.now())
        self.dry_run = dry_run
        self.batch_size = batch_size or settings.SWEEP_BATCH_SIZE
        self.calendar = working_calendar()
        self.thresholds = Thresholds.from_settings()
        self.staff = Staff()
        self.report = SweepReport(now=self.now)
        self.horizons = {
            level: self.calendar.add_working_hours(self.now, Decimal(str(hours)))
            for level, hours in self.thresholds.due_soon_hours.items()
        }
        self.escalation_cut = self.calendar.subtract_working_hours(
            self.now, Decimal(str(self.thresholds.escalation_hours))
        )
        self.supplement_cut = self.calendar.subtract_working_hours(
            self.now, Decimal(str(self.thresholds.supplement_hours))
        )
        from communes.models import ProcessingUnit, ServiceCentre

        self.units = dict(ProcessingUnit.objects.values_list("pk", "name"))
        self.lateness = Lateness(self.calendar, self.now)
        self.centres = dict(ServiceCentre.objects.values_list("pk", "name"))
        self.related = [Related("procedure_version"), Related("reception_centre"), Related("processing_unit")]

    def run(self) -> SweepReport:
        self._batches(self._due_candidates(), self._due_batch)
        self._batches(self._transfer_candidates(), self._transfer_batch)
        self._batches(self._supplement_candidates(), self._supplement_batch)
        return self.report

    # --- batching ---

    def _batches(self, queryset, handle) -> None:
        """The candidates' ids first, in one read through the index their conditions use; then, batch by batch, the
        rows claimed (``SKIP LOCKED``) and read again with the same conditions — a dossier another sweep has taken or
        already handled meanwhile drops out. (A page per batch, ``pk > last`` in pk order, walked the table's whole
        history through the primary key, or sorted every candidate again for each batch.)"""
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), self.batch_size):
            with transaction.atomic():
                page = queryset.filter(pk__in=ids[start : start + self.batch_size]).order_by("pk")
                if not self.dry_run:
                    page = page.select_for_update(skip_locked=True, of=("self",))
                rows = list(page)
                if not rows:
                    continue
                self.report.scanned += len(rows)
                for related in self.related:
                    related.attach(rows)
                handle(rows)

    def _write(self, rows: list[NewNotification], kind: str, dossier: Dossier, due) -> None:
        if self.dry_run:
            recipients = len({row.recipient_id or row.address for row in rows})
            self.report.planned.append(Planned(kind, dossier.public_code, due, recipients))
        self.report.reminded[kind] += 1
        self._pending.extend(rows)

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        for row in rows:
            self.report.created[row.kind] += 1
        if not self.dry_run:
            notifications_write(rows)

    # --- due soon, overdue, escalation ---

    def _due_candidates(self):
        explicit = [level for level in self.horizons if level != "*"]
        within = ~Q(level__in=explicit) & Q(eff__lte=self.horizons["*"]) if explicit else Q(eff__lte=self.horizons["*"])
        for level in explicit:
            within |= Q(level=level, eff__lte=self.horizons[level])
        lagging = (
            _lags("remind_due_soon_for")
            | (Q(eff__lte=self.now) & _lags("remind_overdue_for"))
            | (Q(eff__lte=self.escalation_cut) & _lags("remind_escalated_for"))
        )
        return (
            Dossier.objects.annotate(eff=EFFECTIVE_DUE)
            # a dossier still paused for a supplement (its applicant asked to withdraw meanwhile) has no running clock
            .filter(state__in=RUNNING, eff__isnull=False, paused_at__isnull=True)
            .filter(within)
            .filter(lagging)
            .only(  # the version, centre and unit: self.related
                "pk",
                "code",
                "reference",
                "level",
                "state",
                "due_at",
                "extended_due_at",
                "handler_id",
                "processing_unit_id",
                "reception_centre_id",
                "remind_due_soon_for",
                "remind_overdue_for",
                "remind_escalated_for",
                "procedure_version_id",
                "filed_by_id",
                "applicant_email",
                "applicant_phone",
                "applicant_id_number",
            )
        )

    def _context(self, dossier: Dossier, handler: Person | None) -> dict:
        context = base_context(dossier)
        context["handler"] = handler.name if handler else ""
        context["desk_url"] = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/dossiers/{dossier.pk}/"
        return context

    def _due_batch(self, dossiers: list[Dossier]) -> None:
        self._pending = []
        handlers = self.staff.handlers(dossiers)
        moved = []
        for dossier in dossiers:
            eff = dossier.eff
            if dossier.remind_due_soon_for is not None and dossier.remind_due_soon_for != eff:
                moved.append(dossier)
            handler = handlers.get(dossier.pk)
            leaders = self.staff.leaders.get(dossier.processing_unit_id, [])
            context = None
            stamp = int(eff.timestamp())
            wanted = []
            if eff > self.now:
                if dossier.remind_due_soon_for != eff:
                    wanted.append((Kind.DUE_SOON, [handler, *leaders]))
            else:
                if dossier.remind_overdue_for != eff:
                    wanted.append(
                        (Kind.OVERDUE, [handler, *leaders, *self.staff.reception.get(dossier.reception_centre_id, [])])
                    )
                if eff <= self.escalation_cut and dossier.remind_escalated_for != eff:
                    wanted.append((Kind.ESCALATION, self.staff.province))
            for kind, people in wanted:
                if context is None:
                    context = self._context(dossier, handler)
                    if eff <= self.now:
                        context["days"] = int(self.lateness(eff) / self.calendar.working_day_length)
                rows = staff_rows(
                    kind,
                    people,
                    dossier_id=dossier.pk,
                    due_ref=eff,
                    context=context,
                    key=f"{kind}:{dossier.pk}:{stamp}",
                )
                self._write(rows, kind, dossier, eff)
        if self.dry_run:
            self._flush()  # counts what would be written; writes nothing
            return
        self._cancel_moved(moved)
        self._flush()
        eff = EFFECTIVE_DUE
        Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).update(
            remind_due_soon_for=eff,
            remind_overdue_for=Case(When(_due_by(self.now), then=eff), default=F("remind_overdue_for")),
            remind_escalated_for=Case(When(_due_by(self.escalation_cut), then=eff), default=F("remind_escalated_for")),
        )

    def _cancel_moved(self, dossiers: list[Dossier]) -> None:
        """The reminders of the dossiers whose due moment moved, for any other moment than the new one: one UPDATE."""
        if not dossiers:
            return
        stale = functools.reduce(operator.or_, (stale_due_reminders(d.pk, d.eff) for d in dossiers))
        self.report.cancelled += notifications_cancel(Notification.objects.filter(stale))

    # --- received, not transferred ---

    def _transfer_candidates(self):
        return Dossier.objects.filter(
            state=State.RECEIVED, remind_transfer_at__isnull=True, received_at__lte=self.now
        ).only(  # the version, centre and unit: self.related
            "pk",
            "code",
            "reference",
            "received_at",
            "due_at",
            "extended_due_at",
            "processing_unit_id",
            "reception_centre_id",
            "procedure_version_id",
        )

    def _transfer_batch(self, dossiers: list[Dossier]) -> None:
        self._pending = []
        late = []
        for dossier in dossiers:
            allowance = deadlines.transfer_allowance(self.calendar, dossier.received_at)
            if self.now <= allowance:
                continue
            late.append(dossier.pk)
            people = [
                *self.staff.reception.get(dossier.reception_centre_id, []),
                *self.staff.leaders.get(dossier.processing_unit_id, []),
            ]
            context = self._context(dossier, None)
            context.update(received=dossier.received_at.isoformat(), allowance=allowance.isoformat())
            rows = staff_rows(
                Kind.NOT_TRANSFERRED,
                people,
                dossier_id=dossier.pk,
                due_ref=allowance,
                context=context,
                key=f"{Kind.NOT_TRANSFERRED}:{dossier.pk}:{int(allowance.timestamp())}",
            )
            self._write(rows, Kind.NOT_TRANSFERRED, dossier, allowance)
        if self.dry_run:
            self._flush()  # counts what would be written; writes nothing
            return
        self._flush()
        if late:
            Dossier.objects.filter(pk__in=late).update(remind_transfer_at=self.now)

    # --- supplement unanswered ---

    def _supplement_candidates(self):
        return Dossier.objects.filter(state=State.SUPPLEMENT_REQUESTED, paused_at__lte=self.supplement_cut).filter(
            Q(remind_supplement_for__isnull=True) | ~Q(remind_supplement_for=F("paused_at"))
        )

    def _supplement_batch(self, dossiers: list[Dossier]) -> None:
        self._pending = []
        ids = [d.pk for d in dossiers]
        pauses = {pause.dossier_id: pause for pause in Pause.objects.filter(dossier_id__in=ids, ended_at__isnull=True)}
        requesters = {}
        for dossier_id, actor_id in (
            AuditEvent.objects.filter(dossier_id__in=ids, action=Action.REQUEST_SUPPLEMENT.value)
            .order_by("at", "id")
            .values_list("dossier_id", "actor_id")
        ):
            requesters[dossier_id] = actor_id
        officials = officials_of(requesters.values())
        contexts = {}
        for dossier in dossiers:
            pause = pauses.get(dossier.pk)
            context = base_context(dossier)
            context.update(
                components=pause.missing_components if pause else [],
                reason=pause.reason if pause else "",
                requested=dossier.paused_at.isoformat(),
                **officials.get(requesters.get(dossier.pk), NO_OFFICIAL),
            )
            contexts[dossier.pk] = context
        for dossier, rows in citizen_rows_for_batch(
            dossiers,
            Kind.SUPPLEMENT_REMINDER,
            contexts,
            keys={d.pk: f"{Kind.SUPPLEMENT_REMINDER}:{d.pk}:{int(d.paused_at.timestamp())}" for d in dossiers},
            due_refs={d.pk: d.paused_at for d in dossiers},
        ):
            self._write(rows, Kind.SUPPLEMENT_REMINDER, dossier, dossier.paused_at)
        if self.dry_run:
            self._flush()  # counts what would be written; writes nothing
            return
        self._flush()
        Dossier.objects.filter(pk__in=ids).update(remind_supplement_for=F("paused_at"))


def sweep_deadlines(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int | None = None
) -> SweepReport:
    report = Sweep(now=now, dry_run=dry_run, batch_size=batch_size).run()
    if not dry_run:
        logger.info(
            "deadline sweep: %d dossiers read, %d rows written %s, %d cancelled",
            report.scanned,
            report.total_created,
            {str(kind): n for kind, n in report.created.items()},
            report.cancelled,
        )
    return report


# --- When a step moves the due moment ------------------------------------------------------------------------

#: Steps after which some reminders of the dossier may no longer be true.
_MOVING = frozenset(
    {
        Action.TRANSFER,
        Action.REQUEST_SUPPLEMENT,
        Action.SUPPLEMENT,
        Action.EXTEND,
        Action.REFUSE,
        Action.STOP,
        Action.DECIDE,
        Action.CONFIRM_WITHDRAWAL,
    }
)


def after_step(dossier: Dossier, action: Action) -> int:
    """Cancel, in the step's transaction, the reminders of ``dossier`` that the step made stale: a due moment that
    moved or whose clock stopped, a transfer done, a supplement answered. Nothing to do (and no query) for a dossier
    that was never reminded of anything."""
    if action not in _MOVING or not (
        dossier.remind_due_soon_for
        or dossier.remind_overdue_for
        or dossier.remind_escalated_for
        or dossier.remind_transfer_at
        or dossier.remind_supplement_for
    ):
        return 0
    state = State(dossier.state)
    running = state in CLOCK_RUNNING_STATES and dossier.paused_at is None
    stale = stale_due_reminders(dossier.pk, effective_due(dossier) if running else None)
    if state != State.RECEIVED:
        stale |= Q(kind=Kind.NOT_TRANSFERRED)
    if state != State.SUPPLEMENT_REQUESTED or state in FINISHED_STATES:
        stale |= Q(kind=Kind.SUPPLEMENT_REMINDER)
    return notifications_cancel(Notification.objects.filter(dossier_id=dossier.pk).filter(stale))


def stale_due_reminders(dossier_id: int, due: datetime | None) -> Q:
    """The due-soon, overdue and escalation reminders of a dossier that are no longer true: those for another due
    moment than ``due`` — all of them when its clock does not run (``due`` is ``None``)."""
    stale = Q(dossier_id=dossier_id, kind__in=DUE_KINDS)
    return stale & ~Q(due_ref=due) if due is not None else stale


# --- Delivery guards (registered in DossiersConfig.ready) --------------------------------------------------------


def still_due(notification: Notification) -> bool:
    """Just before a reminder goes out: is it still true? (A row written before a step moved the due moment.)"""
    if notification.dossier_id is None:
        return True
    dossier = (
        Dossier.objects.filter(pk=notification.dossier_id)
        .only("state", "due_at", "extended_due_at", "paused_at")
        .first()
    )
    if dossier is None:
        return False
    kind = notification.kind
    if kind in DUE_KINDS:
        running = dossier.state in RUNNING and dossier.paused_at is None
        return running and effective_due(dossier) == notification.due_ref
    if kind == Kind.NOT_TRANSFERRED:
        return dossier.state == State.RECEIVED
    if kind == Kind.SUPPLEMENT_REMINDER:
        return dossier.state == State.SUPPLEMENT_REQUESTED and dossier.paused_at == notification.due_ref
    return True
