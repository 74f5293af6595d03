"""A living demo: a few hundred dossiers played through the real services, each action at its planned moment.

The plan (``dossiers.demo.plan``) is a pure function of the seed and the anchor day; here every step is played in
time order by calling ``dossiers.services`` at the step's moment (``at=``), so codes, appointments, pauses,
timeliness, the audit trail and the control slip are exactly what the portal would have recorded. The applicants are
fictitious: nobody is notified (``notify=False``). Codes are the services' own, read back once a dossier is
received. Idempotent: a marker row (``ReferenceDataLoad`` named ``demo``) says the demo is there; a second run only
checks the accounts and returns.
"""

from __future__ import annotations

import time as wallclock
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from communes.models import ReferenceDataLoad, ServiceCentre
from dossiers import services
from dossiers.demo.people import BRANCH_VIET_TRI, CITIZENS, PA_CO, TAM_DAO, VIET_TRI, demo_accounts_ensure
from dossiers.demo.plan import WINDOW_DAYS, DossierPlan, Procedure, Route, demo_plan, ordered_steps
from dossiers.models import Dossier
from dossiers.workflow import Action, Role
from procedures.calendar import working_calendar
from procedures.models import Component, Level, ProcedureVersion, Source, TimeUnit

MARKER = "demo"
DEFAULT_SEED = 2026
DEFAULT_COUNT = 300

#: Commune-level procedures people come for most, with their weights (absent ones are skipped).
COMMUNE_PROCEDURES: dict[str, int] = {
    "1.001193": 12,  # đăng ký khai sinh
    "2.000815": 10,  # chứng thực bản sao từ bản chính
    "1.004873": 6,  # xác nhận tình trạng hôn nhân
    "1.000894": 5,  # đăng ký kết hôn
    "2.000884": 5,  # chứng thực chữ ký
    "1.000656": 4,  # đăng ký khai tử
    "2.000635": 4,  # bản sao trích lục hộ tịch
    "1.012753": 3,  # đăng ký đất đai lần đầu
    "2.000748": 2,  # thay đổi, cải chính hộ tịch
    "2.000908": 2,  # cấp bản sao từ sổ gốc
    "2.001035": 2,  # chứng thực giao dịch về động sản, quyền sử dụng đất
    "1.011607": 2,  # công nhận hộ nghèo, cận nghèo (ngày lịch)
    "1.001022": 1,  # nhận cha, mẹ, con
    "1.001266": 1,  # chấm dứt hoạt động hộ kinh doanh
}


@dataclass(frozen=True)
class RouteSpec:
    key: str
    centre_key: str
    reception: str
    unit_key: str
    staff: str  # prefix of the handler's and leader's usernames
    level: str
    weight: int
    citizens: tuple[int, ...]
    former_province: str
    commune_code: str | None = None
    highland: bool = False


VT, PC, TD = f"commune-{VIET_TRI}", f"commune-{PA_CO}", f"commune-{TAM_DAO}"
ROUTES: list[RouteSpec] = [
    RouteSpec("phuong-viet-tri", VT, "demo-phuong-viet-tri-tiepnhan", f"ubnd-{VIET_TRI}", "demo-phuong-viet-tri",
              Level.COMMUNE, 26, (1, 2), "phu_tho"),
    RouteSpec("xa-pa-co", PC, "demo-xa-pa-co-tiepnhan", f"ubnd-{PA_CO}", "demo-xa-pa-co",
              Level.COMMUNE, 12, (4, 3), "hoa_binh", highland=True),
    RouteSpec("xa-tam-dao", TD, "demo-xa-tam-dao-tiepnhan", f"ubnd-{TAM_DAO}", "demo-xa-tam-dao",
              Level.COMMUNE, 16, (5,), "vinh_phuc"),
    # non-geographic reception: filed at Việt Trì for a matter of Tam Đảo, returned at Việt Trì
    RouteSpec("phuong-viet-tri>xa-tam-dao", VT, "demo-phuong-viet-tri-tiepnhan", f"ubnd-{TAM_DAO}", "demo-xa-tam-dao",
              Level.COMMUNE, 2, (5, 2), "vinh_phuc", commune_code=TAM_DAO),
    RouteSpec("chinhanh-viet-tri>so-tu-phap", BRANCH_VIET_TRI, "demo-chinhanh-viet-tri-tiepnhan", "so-tu-phap",
              "demo-so-tu-phap", Level.PROVINCIAL, 20, (2, 1, 3), "phu_tho"),
    RouteSpec("chinhanh-viet-tri>so-xay-dung", BRANCH_VIET_TRI, "demo-chinhanh-viet-tri-tiepnhan", "so-xay-dung",
              "demo-so-xay-dung", Level.PROVINCIAL, 18, (2, 1, 5), "phu_tho"),
    RouteSpec("xa-tam-dao>so-xay-dung", TD, "demo-xa-tam-dao-tiepnhan", "so-xay-dung", "demo-so-xay-dung",
              Level.PROVINCIAL, 3, (5,), "vinh_phuc"),
]  # fmt: skip

TIMED_UNITS = (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS, TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS)


@dataclass
class SeedResult:
    seed: int
    count: int
    skipped: bool = False
    existing: str = ""  # the source_version of a demo already there
    states: dict = field(default_factory=dict)
    documents: int = 0
    paper_components: int = 0
    dossier_ids: dict[int, int] = field(default_factory=dict)  # plan number → dossier id
    seconds: float = 0.0


def _versions_in_force(window_start: date, anchor_day: date):
    """Versions in force over the whole window, applied, with a processing time: a filing on any day works."""
    return (
        ProcedureVersion.objects.filter(is_applied=True, time_unit__in=TIMED_UNITS, effective_from__lte=window_start)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=anchor_day))
        .exclude(change="abolished")
        .select_related("procedure", "processing_unit")
    )


def _procedure(version: ProcedureVersion, components: dict[int, list[str]], weight: int) -> Procedure:
    return Procedure(
        code=version.procedure.code,
        time_value=Decimal(version.time_value),
        time_unit=version.time_unit,
        fee_vnd=int(version.fee_vnd or 0),
        online=version.channel_online,
        direct=version.channel_direct,
        post=version.channel_post,
        components=tuple(components.get(version.pk, ())),
        weight=weight,
    )


def demo_routes(anchor_day: date) -> list[Route]:
    """The routes of the demo with the procedures of the catalogue that fit them (plain values for the planner)."""
    window_start = anchor_day - timedelta(days=WINDOW_DAYS + 1)
    versions = _versions_in_force(window_start, anchor_day)
    commune_versions = [
        v for v in versions.filter(level=Level.COMMUNE, procedure__code__in=COMMUNE_PROCEDURES) if v.channel_direct
    ]
    unit_keys = {spec.unit_key for spec in ROUTES if spec.level == Level.PROVINCIAL}
    provincial_versions = [
        v
        for v in versions.filter(
            level=Level.PROVINCIAL, processing_unit__key__in=unit_keys, procedure__source=Source.NATIONAL_DB
        )
        if v.channel_direct
    ]
    components: dict[int, list[str]] = {}
    for version_id, name in (
        Component.objects.filter(version__in=[*commune_versions, *provincial_versions], is_required=True)
        .order_by("version_id", "order", "id")
        .values_list("version_id", "name")
    ):
        components.setdefault(version_id, []).append(name[:500])
    commune = tuple(
        sorted(
            (_procedure(v, components, COMMUNE_PROCEDURES[v.procedure.code]) for v in commune_versions),
            key=lambda p: p.code,
        )
    )
    by_unit: dict[str, list[Procedure]] = {}
    for version in provincial_versions:
        by_unit.setdefault(version.processing_unit.key, []).append(_procedure(version, components, 1))
    agency = dict(
        ServiceCentre.objects.filter(key__in={s.centre_key for s in ROUTES}).values_list("key", "agency_code")
    )
    routes = []
    for spec in ROUTES:
        procedures = (
            commune
            if spec.level == Level.COMMUNE
            else tuple(sorted(by_unit.get(spec.unit_key, []), key=lambda p: p.code))
        )
        routes.append(
            Route(
                key=spec.key,
                centre_key=spec.centre_key,
                agency_code=agency[spec.centre_key],
                reception=spec.reception,
                unit_key=spec.unit_key,
                handler=f"{spec.staff}-xuly",
                leader=f"{spec.staff}-lanhdao",
                level=spec.level,
                commune_code=spec.commune_code,
                weight=spec.weight,
                citizens=tuple(CITIZENS[i - 1].username for i in spec.citizens),
                former_province=spec.former_province,
                highland=spec.highland,
                procedures=procedures,
            )
        )
    return routes


def citizen_applicants() -> dict[str, dict]:
    return {
        c.username: {
            "kind": "person",
            "name": c.full_name,
            "id_number": c.id_number,
            "phone": c.phone,
            "address": c.address,
        }
        for c in CITIZENS
    }


def plan_for(*, seed: int, count: int, anchor_day: date) -> tuple[list[DossierPlan], list[Route]]:
    """The demo's plan on this database's catalogue and calendar."""
    routes = demo_routes(anchor_day)
    plans = demo_plan(
        seed=seed,
        count=count,
        anchor_day=anchor_day,
        calendar=working_calendar(),
        routes=routes,
        citizens=citizen_applicants(),
    )
    return plans, routes


def demo_marker() -> ReferenceDataLoad | None:
    return ReferenceDataLoad.objects.filter(name=MARKER).first()


def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    count: int = DEFAULT_COUNT,
    anchor_day: date | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> SeedResult:
    """Create the demo accounts (when missing) and, once per database, the demo dossiers."""
    started = wallclock.monotonic()
    users = demo_accounts_ensure()
    result = SeedResult(seed=seed, count=count)
    marker = demo_marker()
    if marker is not None:
        result.skipped, result.existing = True, marker.source_version
        result.seconds = wallclock.monotonic() - started
        return result
    anchor_day = anchor_day or timezone.localdate()
    plans, routes = plan_for(seed=seed, count=count, anchor_day=anchor_day)
    with transaction.atomic():
        routes_by_key = {route.key: route for route in routes}
        counts, ids = _play(plans, routes_by_key, users, progress or (lambda items: items), anchor_day)
        result.documents, result.paper_components = counts["documents"], counts["paper"]
        result.dossier_ids = ids
        states = Counter(Dossier.objects.filter(pk__in=ids.values()).values_list("state", flat=True))
        planned = Counter(plan.state.value for plan in plans)
        if states != planned:
            raise AssertionError(f"demo: the services reached {dict(states)}, the plan said {dict(planned)}")
        result.states = dict(sorted(states.items()))
        ReferenceDataLoad.objects.update_or_create(
            name=MARKER,
            defaults={
                "source_version": f"seed={seed};n={count}",
                "summary": {
                    "anchor": anchor_day.isoformat(),
                    "states": result.states,
                    "documents": result.documents,
                    "paper_components": result.paper_components,
                    "dossier_ids": [min(ids.values()), max(ids.values())],
                },
            },
        )
    result.seconds = wallclock.monotonic() - started
    return result


def _play(
    plans: list[DossierPlan], routes: dict[str, Route], users: dict, progress, anchor_day: date
) -> tuple[Counter, dict[int, int]]:
    """Every step, in time order, through the real services at the step's moment, telling nobody.

    Returns what was written (documents, paper components) and the dossier id of each plan number.
    """
    from dossiers.demo import files

    by_number = {plan.number: plan for plan in plans}
    ids: dict[int, int] = {}
    centre_keys = {route.centre_key for route in routes.values()}
    centres = dict(ServiceCentre.objects.filter(key__in=centre_keys).values_list("key", "pk"))
    window_start = anchor_day - timedelta(days=WINDOW_DAYS + 1)
    versions = dict(_versions_in_force(window_start, anchor_day).values_list("procedure__code", "pk"))
    components_of: dict[int, list[Component]] = {}
    counts: Counter = Counter()

    def components(code: str) -> list[Component]:
        version_id = versions[code]
        if version_id not in components_of:
            components_of[version_id] = files.required_components(version_id)
        return components_of[version_id]

    for at, number, _index, step in progress(ordered_steps(plans)):
        plan = by_number[number]
        route = routes[plan.route]
        actor = users[step.actor]
        clock = {"at": at, "notify": False}
        if step.action in (Action.FILE, Action.RECEIVE_AT_COUNTER):
            needed = components(plan.procedure)
            filing = {
                "actor": actor,
                "procedure_code": plan.procedure,
                "applicant": plan.applicant,
                "reception_centre_id": centres[route.centre_key],
                "commune_code": route.commune_code,
                "channel": plan.channel,
                **clock,
            }
            if step.action == Action.FILE:  # online: scans of every mandatory component
                dossier = services.dossier_file(documents=files.scans(needed), **filing)
                counts["documents"] += len(needed)
            else:  # at the counter: the components received on paper (form 01)
                dossier = services.dossier_receive_at_counter(paper_components=files.paper(needed), **filing)
                counts["paper"] += len(needed)
            ids[number] = dossier.pk
        else:
            params = dict(step.params)
            if step.action == Action.ASSIGN:
                params = {"handler_id": users[params.pop("handler")].pk}
            if step.action == Action.SUPPLEMENT and plan.channel == "online" and step.role == Role.APPLICANT:
                # the applicant sends a scan of what was missing, then says the supplement is complete
                name = _missing(plan, step) or "Giấy tờ bổ sung"
                component = next((c for c in components(plan.procedure) if c.name[:500] == name), None)
                files.upload_supplement(ids[number], component, name=name, user=actor, at=at)
                counts["documents"] += 1
            dossier = services.SERVICES[step.action](dossier_id=ids[number], actor=actor, **params, **clock)
            if step.action == Action.DECIDE and dossier.outcome == "approved" and number % 4 != 0:
                files.upload_result(dossier, user=actor, at=at)  # three results in four are digitised
                counts["documents"] += 1
    return counts, ids


def _missing(plan: DossierPlan, step) -> str | None:
    """The component named by the supplement request that this supplement answers."""
    asked = None
    for earlier in plan.steps:
        if earlier is step:
            break
        if earlier.action == Action.REQUEST_SUPPLEMENT:
            asked = earlier.params.get("missing_components", [None])[0]
    return asked
