"""Who may see which dossier, and what role they hold on it. Every dossier read goes through here.

A citizen sees the dossiers they filed or are the applicant of; reception officers those received at or addressed
to (returned at) their centres; processing staff those at their units; the province office and administrators all.
Anything outside a scope is a 404 indistinguishable from a missing dossier.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from communes.models import ServiceCentre
from communes.selectors import centre_by_agency_code
from dossiers.models import AuditEvent, ControlSlipRow, Document, Dossier, Pause, ReceivedComponent
from dossiers.workflow import Role
from portal.accounts.models import Membership, StaffRole
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
    for role, centre_id, unit_id in Membership.objects.filter(user=user, is_active=True).values_list(
        "role", "centre_id", "processing_unit_id"
    ):
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


def dossier_list(*, user) -> QuerySet[Dossier]:
    # not "handler": only its id is shown, and one join less roughly halves PostgreSQL's planning of dossier_get
    return dossiers_visible_to(user).select_related(
        "procedure", "field", "reception_centre", "return_centre", "processing_unit"
    )


def dossier_get(*, user, dossier_id: int) -> Dossier:
    dossier = (
        dossier_list(user=user)
        .select_related("procedure_version")
        .prefetch_related(
            Prefetch("events", queryset=AuditEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("pauses", queryset=Pause.objects.order_by("started_at", "id")),
            Prefetch(
                "control_slip", queryset=ControlSlipRow.objects.select_related("actor").order_by("handed_at", "id")
            ),
            Prefetch("documents", queryset=documents_queryset()),
            Prefetch(
                "paper_components",
                queryset=ReceivedComponent.objects.select_related("received_by").order_by("received_at", "id"),
            ),
        )
        .filter(pk=dossier_id)
        # not .first(): its ORDER BY … LIMIT 1 over these joins costs PostgreSQL ~15 ms of planning per call
        .order_by()
    )
    dossier = next(iter(dossier), None)
    if dossier is None:
        raise OutOfScope()
    return dossier


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
