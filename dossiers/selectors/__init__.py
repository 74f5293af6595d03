"""Who may see which dossier, and what role they hold on it. Every dossier read goes through here.

A citizen sees the dossiers they filed or are the applicant of; reception officers those received at or addressed
to (returned at) their centres; processing staff those at their units; the province office and administrators all.
Anything outside a scope is a 404 indistinguishable from a missing dossier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from communes.models import ServiceCentre
from communes.selectors import centre_by_agency_code
from dossiers.models import AuditEvent, ControlSlipRow, Document, Dossier, Pause, ReceivedComponent
from dossiers.workflow import Role
from portal.accounts.models import StaffRole
from portal.accounts.selectors import active_memberships
from portal.common.errors import OutOfScope


@dataclass(frozen=True)
class Access:
    """What one user holds: centre and unit ids per role, global roles, and their own identity."""

    user_id: int | None
    id_number: str | None
    reception_centres: frozenset[int] = field(default_factory=frozenset)
    handler_units: frozenset[int] = field(default_factory=frozenset)
    leader_units: frozenset[int] = field(default_factory=frozenset)
    province: bool = False
    admin: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.province or self.admin

    @property
    def is_staff_member(self) -> bool:
        return bool(self.reception_centres or self.handler_units or self.leader_units or self.province or self.admin)


def access_for(user) -> Access:
    if user is None or not user.is_authenticated:
        return Access(user_id=None, id_number=None)
    cached = getattr(user, "_dossier_access", None)
    if cached is not None:
        return cached
    reception, handler, leader = set(), set(), set()
    province = admin = False
    for role, centre_id, unit_id in active_memberships(user.pk):
        if role == StaffRole.RECEPTION:
            reception.add(centre_id)
        elif role == StaffRole.HANDLER:
            handler.add(unit_id)
        elif role == StaffRole.LEADER:
            leader.add(unit_id)
        elif role == StaffRole.PROVINCE:
            province = True
        elif role == StaffRole.ADMIN:
            admin = True
    access = Access(
        user_id=user.pk,
        id_number=user.id_number or None,
        reception_centres=frozenset(reception),
        handler_units=frozenset(handler),
        leader_units=frozenset(leader),
        province=province,
        admin=admin or user.is_superuser,
    )
    user._dossier_access = access
    return access


def scope_filter(access: Access) -> Q | None:
    """A ``Q`` selecting the dossiers ``access`` may see; ``None`` means everything."""
    if access.sees_everything:
        return None
    if access.user_id is None:
        return Q(pk__in=[])
    condition = Q(filed_by_id=access.user_id)
    if access.id_number:
        condition |= Q(applicant_id_number=access.id_number)
    if access.reception_centres:
        condition |= Q(reception_centre_id__in=access.reception_centres) | Q(
            return_centre_id__in=access.reception_centres
        )
    units = access.handler_units | access.leader_units
    if units:
        condition |= Q(processing_unit_id__in=units)
    return condition


def dossiers_visible_to(user) -> QuerySet[Dossier]:
    condition = scope_filter(access_for(user))
    queryset = Dossier.objects.all()
    return queryset if condition is None else queryset.filter(condition)


#: The foreign keys a dossier's detail shows: joined to the dossier, or taken from the reference cache.
DETAIL_RELATED = ("procedure", "procedure_version", "field", "reception_centre", "return_centre", "processing_unit")
#: The rows a dossier's detail lists: prefetched one query each, or read in one statement (``dossier_detail_of``).
DETAIL_LISTS = ("events", "pauses", "control_slip", "documents", "paper_components")


def detail_prefetches(names=DETAIL_LISTS) -> list[Prefetch]:
    querysets = {
        "events": AuditEvent.objects.select_related("actor").order_by("at", "id"),
        "pauses": Pause.objects.order_by("started_at", "id"),
        "control_slip": ControlSlipRow.objects.select_related("actor").order_by("handed_at", "id"),
        "documents": documents_queryset(),
        "paper_components": ReceivedComponent.objects.select_related("received_by").order_by("received_at", "id"),
    }
    return [Prefetch(name, queryset=querysets[name]) for name in names]


def _reference_lookups() -> dict:
    from communes.selectors import centre_by_id, processing_unit_by_id
    from procedures.selectors import field_by_id, procedure_by_id, version_by_id

    return {
        "procedure": procedure_by_id,
        "procedure_version": version_by_id,
        "field": field_by_id,
        "reception_centre": centre_by_id,
        "return_centre": centre_by_id,
        "processing_unit": processing_unit_by_id,
    }


def detail_related_from_reference(dossier: Dossier) -> None:
    """Set the dossier's ``DETAIL_RELATED`` objects that are not loaded yet from the per-process reference cache
    (``portal.common.refcache``; where it is off, each is one query). They are shared: read-only."""
    lookups = _reference_lookups()
    for name in DETAIL_RELATED:
        field = Dossier._meta.get_field(name)
        if field.is_cached(dossier):
            continue
        related_id = getattr(dossier, field.attname)
        field.set_cached_value(dossier, lookups[name](related_id) if related_id is not None else None)


#: The foreign keys a list row shows (``DossierListSerializer``): joined, so that a page is one query whatever its
#: size. Not "handler": a row shows only its id.
LIST_RELATED = ("procedure", "procedure_version", "field", "reception_centre", "return_centre", "processing_unit")


def dossier_list(*, user) -> QuerySet[Dossier]:
    return dossiers_visible_to(user).select_related(*LIST_RELATED)


def _details_visible_to(user) -> QuerySet[Dossier]:
    """The dossiers ``user`` may see, with what a detail shows: its foreign keys joined, its lists prefetched."""
    return (
        dossiers_visible_to(user)
        .select_related(*DETAIL_RELATED)
        .prefetch_related(*detail_prefetches())
        # no ORDER BY (so not .first()): over these joins it costs PostgreSQL ~15 ms of planning per call
        .order_by()
    )


def dossier_get(*, user, dossier_id: int) -> Dossier:
    dossier = next(iter(_details_visible_to(user).filter(pk=dossier_id)), None)
    if dossier is None:
        raise OutOfScope()
    return dossier


def dossiers_get_many(*, user, dossier_ids: list[int]) -> dict[int, Dossier]:
    """The dossiers of ``dossier_ids`` that ``user`` may see, by id, loaded as ``dossier_get`` loads one: one query
    for the dossiers and one per detail list, however many they are (the receipts printed together)."""
    if not dossier_ids:
        return {}
    return {dossier.pk: dossier for dossier in _details_visible_to(user).filter(pk__in=dossier_ids)}


def dossier_detail_of(dossier: Dossier, *, known: dict[str, list] | None = None) -> Dossier:
    """The detail of a dossier a service just wrote, from the object in hand: its joined foreign keys are not read
    again; ``known`` lists (rows the service wrote to a new dossier, in order) are attached as they are; the other
    lists are read, in one statement on PostgreSQL (one query each elsewhere). Call it inside the service's
    transaction, so that the lists and the fields are the same version of the dossier. The dossier's managers then
    answer from these lists: serialise it, nothing more."""
    cache = getattr(dossier, "_prefetched_objects_cache", None)
    if cache is None:
        cache = dossier._prefetched_objects_cache = {}
    known = dict(known or {})
    if "pauses" not in cache and not dossier.supplement_count:
        known.setdefault("pauses", [])  # a pause is opened only by a supplement request, which is counted
    for name, rows in known.items():
        if name not in DETAIL_LISTS:
            raise ValueError(f"not a detail list: {name}")
        _attach(dossier, cache, name, rows)
    missing = [name for name in DETAIL_LISTS if name not in cache]
    if missing and connection.vendor == "postgresql":
        for name, rows in _lists_in_one_statement(dossier.pk, missing).items():
            _attach(dossier, cache, name, rows)
    elif missing:
        prefetch_related_objects([dossier], *detail_prefetches(missing))
    return dossier


def _attach(dossier: Dossier, cache: dict, name: str, rows: list) -> None:
    """Set a list as prefetched, as Django's prefetching does (the related manager answers from the cache first)."""
    queryset = _LISTS[name][0]._default_manager.all()  # not the manager's filtered queryset: nothing is run
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache[name] = queryset


# What the detail shows of the rows a list row points to (``__str__`` of a user: full name or username).
_SHOWN = {"accounts.user": ("id", "username", "full_name"), "procedures.component": ("id", "name")}
# list → (model, ORDER BY columns, foreign keys joined): the same rows, order and joins as ``detail_prefetches``
_LISTS = {
    "events": (AuditEvent, ("at", "id"), ("actor",)),
    "pauses": (Pause, ("started_at", "id"), ()),
    "control_slip": (ControlSlipRow, ("handed_at", "id"), ("actor",)),
    "documents": (Document, ("uploaded_at", "id"), ("component", "uploaded_by")),
    "paper_components": (ReceivedComponent, ("received_at", "id"), ("received_by",)),
}


def _list_sql(name: str) -> str:
    model, order, joined = _LISTS[name]
    quote = connection.ops.quote_name
    parts, joins = ["'row', row_to_json(t)"], []
    for number, fk_name in enumerate(joined):
        fk = model._meta.get_field(fk_name)
        target = fk.related_model._meta
        alias = f"r{number}"
        shown = ", ".join(f"'{column}', {alias}.{quote(column)}" for column in _SHOWN[target.label_lower])
        key = f"{alias}.{quote(target.pk.column)}"
        parts.append(f"'{fk_name}', CASE WHEN {key} IS NULL THEN NULL ELSE json_build_object({shown}) END")
        joins.append(f"LEFT JOIN {quote(target.db_table)} {alias} ON {key} = t.{quote(fk.column)}")
    order_by = ", ".join(f"t.{quote(column)}" for column in order)
    # every name comes from the models' metadata and the constants above, never from input; the id is a parameter
    return (
        f"(SELECT COALESCE(json_agg(json_build_object({', '.join(parts)}) ORDER BY {order_by}), '[]') "  # noqa: S608
        f"FROM {quote(model._meta.db_table)} t {' '.join(joins)} WHERE t.{quote('dossier_id')} = %(id)s)"
    )


def _from_json(model, values: dict, using: str):
    fields = model._meta.concrete_fields
    return model.from_db(using, [f.attname for f in fields], [f.to_python(values.get(f.column)) for f in fields])


def _lists_in_one_statement(dossier_id: int, names: list[str]) -> dict[str, list]:
    """Several detail lists of one dossier in one statement (PostgreSQL, ``json_agg``), as model instances with
    their joined rows (only the fields the detail shows), ordered as ``detail_prefetches`` orders them.

    An action's answer needs the dossier's whole history; read through the ORM's prefetching that was four or five
    statements, a quarter of the cost of receiving a dossier (``bench/submit.py``). ``dossiers/tests/
    test_detail_lists.py`` proves it reads exactly what the ORM's prefetching reads, for a dossier in every state;
    the API tests compare every answer built this way with a fresh ``GET``."""
    using = connection.alias
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(_list_sql(name) for name in names), {"id": dossier_id})
        results = cursor.fetchone()
    lists = {}
    for name, items in zip(names, results, strict=True):
        model, _order, joined = _LISTS[name]
        rows = []
        for item in items:
            row = _from_json(model, item["row"], using)
            for fk_name in joined:
                fk = model._meta.get_field(fk_name)
                shown = item[fk_name]
                if shown is not None:
                    target = fk.related_model
                    related = target.from_db(using, list(shown), [shown[key] for key in shown])
                    fk.set_cached_value(row, related)
                elif getattr(row, fk.attname) is None:
                    fk.set_cached_value(row, None)
            rows.append(row)
        lists[name] = rows
    return lists


def documents_queryset() -> QuerySet[Document]:
    return Document.objects.select_related("component", "uploaded_by").order_by("uploaded_at", "id")


def document_list(*, user, dossier_id: int) -> QuerySet[Document]:
    """The documents of a dossier the user may see (404 otherwise, like an unknown dossier)."""
    if not dossiers_visible_to(user).filter(pk=dossier_id).exists():
        raise OutOfScope()
    return documents_queryset().filter(dossier_id=dossier_id)


def register_centre_for(*, user, agency_code: str) -> ServiceCentre:
    """A centre whose tracking register (form 07) ``user`` may read: its reception officers, the province office and
    administrators. Any other centre, like an unknown one, is a 404."""
    centre = centre_by_agency_code(agency_code)
    access = access_for(user)
    if centre is None or not (access.sees_everything or centre.pk in access.reception_centres):
        raise OutOfScope()
    return centre


def roles_on(access: Access, dossier: Dossier) -> frozenset[Role]:
    """The workflow roles ``access`` holds on ``dossier`` (empty when it may only look, or not even that)."""
    roles: set[Role] = set()
    if access.user_id is not None and (
        dossier.filed_by_id == access.user_id or (access.id_number and access.id_number == dossier.applicant_id_number)
    ):
        roles.add(Role.APPLICANT)
    if dossier.reception_centre_id in access.reception_centres:
        roles.add(Role.RECEPTION)
    if dossier.return_centre_id in access.reception_centres:
        roles.add(Role.RETURN_DESK)
    if dossier.processing_unit_id in access.handler_units and (
        dossier.handler_id is None or dossier.handler_id == access.user_id
    ):
        roles.add(Role.HANDLER)
    if dossier.processing_unit_id in access.leader_units:
        roles.add(Role.LEADER)
    if access.province:
        roles.add(Role.PROVINCE)
    if access.admin:
        roles.add(Role.ADMIN)
    return frozenset(roles)


def can_see(access: Access, dossier: Dossier) -> bool:
    if access.sees_everything:
        return True
    if roles_on(access, dossier):
        return True
    # a handler of the unit who is not the assigned handler still sees the unit's dossiers
    return dossier.processing_unit_id in access.handler_units


# --- Online filing drafts (the filing pages; "Hồ sơ của tôi" may list them) --------------------------------------


def drafts_of(user) -> QuerySet:
    """The person's open (not yet filed) drafts, newest first, with their files; nobody else's, ever."""
    from dossiers.models import FilingDraft

    if user is None or not user.is_authenticated:
        return FilingDraft.objects.none()
    return (
        FilingDraft.objects.filter(owner=user, submitted_at__isnull=True)
        .select_related("procedure_version")
        .prefetch_related("files")
        .order_by("-updated_at", "-id")
    )


def draft_open_for(*, user, procedure_code: str):
    """The person's open draft for a procedure, or ``None``."""
    return drafts_of(user).filter(procedure_code=procedure_code).first()


def draft_get(*, user, draft_id: int):
    """One of the person's drafts, open or filed (``OutOfScope``, a 404, for anyone else's or a missing one)."""
    from dossiers.models import FilingDraft

    if user is None or not user.is_authenticated:
        raise OutOfScope()
    draft = (
        FilingDraft.objects.filter(owner=user, pk=draft_id)
        .select_related("procedure_version", "dossier")
        .prefetch_related("files")
        .first()
    )
    if draft is None:
        raise OutOfScope()
    return draft


# --- "Hồ sơ của tôi": the person's own dossiers (dossiers/views/mine.py) ------------------------------------------


def _own(access: Access) -> Q:
    condition = Q(filed_by_id=access.user_id)
    if access.id_number:
        condition |= Q(applicant_id_number=access.id_number)
    return condition


def my_dossiers(*, user) -> QuerySet[Dossier]:
    """The dossiers ``user`` filed or is the applicant of, newest first: never one they only see as staff."""
    access = access_for(user)
    if access.user_id is None:
        return Dossier.objects.none()
    return dossier_list(user=user).filter(_own(access)).order_by("-filed_at", "-id")


def my_dossier_get(*, user, dossier_id: int) -> Dossier:
    """One of the person's own dossiers with its detail lists (``OutOfScope``, a 404, for any other, even one they
    see as staff)."""
    dossier = dossier_get(user=user, dossier_id=dossier_id)
    if Role.APPLICANT not in roles_on(access_for(user), dossier):
        raise OutOfScope()
    return dossier


def most_filed_procedures(*, limit: int = 8, days: int = 365) -> list[dict]:
    """The procedures most filed in the last ``days`` days, from the dossiers themselves: ``{"code", "name", "count"}``,
    most first, in one aggregate query (the name is that of the latest version filed under). Not scoped: counts are
    public (the home page); cache the answer, it reads an index range of every recent dossier."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Dossier.objects.filter(filed_at__gte=since)
        .values("procedure__code")
        .annotate(count=Count("id"), name=Max("procedure_version__name"))
        .order_by("-count", "procedure__code")[:limit]
    )
    return [{"code": row["procedure__code"], "name": row["name"], "count": row["count"]} for row in rows]
