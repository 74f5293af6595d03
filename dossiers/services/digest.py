"""The daily digest (beat at ``DIGEST_AT``, 07:30 by default; working days only): to each leader, the overdue and
due-today dossiers of their unit; to the province office, the overdue counts by commune and by department and the
ten dossiers longest overdue. One outbox row per person, channel and day (its dedupe key), so a digest is never sent
twice, whatever runs it twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from communes.models import ProcessingUnit, ProcessingUnitKind
from dossiers.models import Dossier
from dossiers.services.reminders import EFFECTIVE_DUE, RUNNING, Staff, staff_rows
from notifications.models import Kind
from notifications.services import notifications_write
from procedures.calendar import working_calendar

#: Dossiers listed by name in a leader's digest (the rest are counted).
UNIT_ITEMS = 20
WORST = 10


def _item(dossier, calendar, now) -> dict:
    lateness = calendar.working_time_between(dossier.eff, now)
    return {
        "code": dossier.public_code,
        "procedure": dossier.procedure_version.name,
        "unit": dossier.processing_unit.name,
        "due": dossier.eff.isoformat(),
        "handler": str(dossier.handler) if dossier.handler_id else "",
        "days": int(lateness / calendar.working_day_length),
    }


def daily_digest(*, now: datetime | None = None) -> dict[str, int]:
    """Write today's digests (nothing on a day off). Returns the rows written by kind."""
    now = timezone.localtime(now or timezone.now())
    calendar = working_calendar()
    if not calendar.is_working_day(now.date()):
        return {}
    end_of_today = calendar.end_of_day(now.date())
    staff = Staff()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat()
    desk_url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/dossiers/?overdue=true"
    running = Dossier.objects.annotate(eff=EFFECTIVE_DUE).filter(state__in=RUNNING, eff__isnull=False)
    rows = []
    # each leader: their unit's overdue and due-today dossiers
    units = [unit_id for unit_id, people in staff.leaders.items() if people]
    watched = running.filter(processing_unit_id__in=units, eff__lte=end_of_today)
    counts = defaultdict(lambda: {"overdue": 0, "today": 0})
    per_unit = (
        watched.values("processing_unit_id")
        .annotate(overdue=Count("pk", filter=Q(eff__lte=now)), today=Count("pk", filter=Q(eff__gt=now)))
        .values_list("processing_unit_id", "overdue", "today")
    )
    for unit_id, overdue, today in per_unit:
        counts[unit_id] = {"overdue": overdue, "today": today}
    names = dict(ProcessingUnit.objects.filter(pk__in=units).values_list("pk", "name"))
    # the first UNIT_ITEMS of every unit, soonest due first, in one query
    ranked = watched.annotate(
        rank=Window(RowNumber(), partition_by=[F("processing_unit_id")], order_by=[F("eff").asc(), F("pk").asc()])
    ).filter(rank__lte=UNIT_ITEMS)
    listed_by_unit = defaultdict(list)
    for dossier in ranked.select_related("procedure_version", "processing_unit", "handler").order_by("eff", "pk"):
        listed_by_unit[dossier.processing_unit_id].append(dossier)
    for unit_id in units:
        total = counts[unit_id]["overdue"] + counts[unit_id]["today"]
        if not total:
            continue  # nothing to say to this unit today
        listed = listed_by_unit[unit_id]
        context = {
            "day": day,
            "unit": names.get(unit_id, ""),
            "overdue_count": counts[unit_id]["overdue"],
            "due_today_count": counts[unit_id]["today"],
            "items": [_item(d, calendar, now) for d in listed],
            "more": max(total - len(listed), 0),
            "desk_url": desk_url,
        }
        rows += staff_rows(
            Kind.DIGEST_UNIT,
            staff.leaders[unit_id],
            dossier_id=None,
            due_ref=None,
            context=context,
            key=f"{Kind.DIGEST_UNIT}:{now.date().isoformat()}:{unit_id}",
        )
    # the province office: counts by commune and department, the ten longest overdue
    if staff.province:
        overdue = running.filter(eff__lte=now)
        by_unit = (
            overdue.values_list("processing_unit_id").annotate(n=Count("pk")).values_list("processing_unit_id", "n")
        )
        kinds = dict(ProcessingUnit.objects.values_list("pk", "kind"))
        all_names = dict(ProcessingUnit.objects.values_list("pk", "name"))
        by_commune, by_department = [], []
        for unit_id, count in sorted(by_unit, key=lambda pair: (-pair[1], all_names.get(pair[0], ""))):
            entry = {"name": all_names.get(unit_id, ""), "count": count}
            (by_commune if kinds.get(unit_id) == ProcessingUnitKind.COMMUNE_COMMITTEE else by_department).append(entry)
        worst = list(
            overdue.select_related("procedure_version", "processing_unit", "handler").order_by("eff", "pk")[:WORST]
        )
        context = {
            "day": day,
            "overdue_total": sum(entry["count"] for entry in by_commune + by_department),
            "by_commune": by_commune,
            "by_department": by_department,
            "worst": [_item(d, calendar, now) for d in worst],
            "desk_url": desk_url,
        }
        rows += staff_rows(
            Kind.DIGEST_PROVINCE,
            staff.province,
            dossier_id=None,
            due_ref=None,
            context=context,
            key=f"{Kind.DIGEST_PROVINCE}:{now.date().isoformat()}",
        )
    with transaction.atomic():
        notifications_write(rows, at=now)
    written: dict[str, int] = defaultdict(int)
    for row in rows:
        written[row.kind] += 1
    return dict(written)
