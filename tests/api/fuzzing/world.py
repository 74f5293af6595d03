"""The data of a fuzzing run, the roles, and who may see which dossier — from the facts recorded while building it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

ROLES = ("anonymous", "citizen", "other_citizen", "reception", "handler", "leader", "province", "admin")
#: Accept-Language of each role: both catalogues' messages are exercised.
LANGUAGES = {
    "anonymous": "vi",
    "citizen": "vi",
    "other_citizen": "en",
    "reception": "en",
    "handler": "vi",
    "leader": "en",
    "province": "vi",
    "admin": "en",
}
SEED = 20250701
PROCEDURE = "1.001193"


@dataclass(frozen=True)
class DossierFacts:
    """What was recorded about one dossier when it was built (the ground truth of who may see it)."""

    id: int
    label: str
    state: str
    code: str | None
    reference: str
    filed_by: int | None
    applicant_id_number: str
    applicant_phone: str
    reception_centre: int
    return_centre: int
    processing_unit: int


@dataclass
class FuzzWorld:
    users: dict[str, object]  # role → user (None: anonymous)
    tokens: dict[str, str]  # role → DRF token key
    centre_a: object
    centre_b: object
    unit_a: object
    unit_b: object
    dossiers: dict[int, DossierFacts]
    documents: dict[int, int]  # document id → dossier id
    notices: dict[int, int | None]  # in-app notification id → recipient id
    handlers: list[int]  # user ids of the handlers of A and B (the assign action's body)
    components: list[int]  # the procedure's mandatory components (a counter filing lists them)
    procedure_codes: list[str] = field(default_factory=lambda: [PROCEDURE])
    _codes: re.Pattern | None = None

    # -- who may see what (from the facts, not from dossiers.selectors) --

    def may_see(self, role: str) -> frozenset[int]:
        user = self.users.get(role)
        if role in ("province", "admin"):
            return frozenset(self.dossiers)
        if user is None:
            return frozenset()
        if role in ("citizen", "other_citizen"):
            return frozenset(
                d.id for d in self.dossiers.values() if d.filed_by == user.pk or d.applicant_id_number == user.id_number
            )
        if role == "reception":
            centre = self.centre_a.pk
            return frozenset(d.id for d in self.dossiers.values() if centre in (d.reception_centre, d.return_centre))
        if role in ("handler", "leader"):
            return frozenset(d.id for d in self.dossiers.values() if d.processing_unit == self.unit_a.pk)
        raise ValueError(role)

    def counters_of(self, role: str) -> frozenset[str]:
        """The centres (agency codes) at whose counter ``role`` may receive a dossier: A's reception officer at A's."""
        return frozenset({self.centre_a.agency_code}) if role == "reception" else frozenset()

    def role_of_token(self, authorization: str | None) -> str:
        key = (authorization or "").removeprefix("Token ").strip()
        for role, token in self.tokens.items():
            if token == key:
                return role
        return "anonymous"

    def headers(self, role: str) -> dict[str, str]:
        # identity: the answers are read as JSON here; their compression is tested in portal/tests/test_compression.py
        headers = {"Accept-Language": LANGUAGES[role], "Accept-Encoding": "identity"}
        if role in self.tokens:
            headers["Authorization"] = f"Token {self.tokens[role]}"
        return headers

    # -- recognising a dossier in an answer --

    @property
    def codes_pattern(self) -> re.Pattern:
        """Every dossier code and provisional reference, as whole tokens."""
        if self._codes is None:
            names = sorted({n for d in self.dossiers.values() for n in (d.code, d.reference) if n}, key=len)
            alternatives = "|".join(re.escape(name) for name in reversed(names))
            self._codes = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])")
        return self._codes

    def dossier_by_name(self) -> dict[str, int]:
        return {name: d.id for d in self.dossiers.values() for name in (d.code, d.reference) if name}

    def summary(self) -> str:
        by_label = ", ".join(sorted(d.label for d in self.dossiers.values()))
        return (
            f"{len(self.dossiers)} dossiers ({by_label}); {len(self.documents)} documents; {len(self.notices)} notices"
        )


def build_world() -> FuzzWorld:
    """The data of the fuzzing run, built through the real services (the communes must be loaded)."""
    from rest_framework.authtoken.models import Token

    from communes.models import ProcessingUnit, ServiceCentre
    from dossiers.models import Document, Dossier
    from dossiers.tests.factories import UserFactory, file_online, procedure_version, receive_at_counter, staff
    from dossiers.tests.states import PATHS, SETUPS, walk
    from dossiers.workflow import State
    from notifications.models import Channel, Notification
    from portal.accounts.models import StaffRole

    centre_a = ServiceCentre.objects.get(key="commune-07900")  # phường Việt Trì
    unit_a = ProcessingUnit.objects.get(key="ubnd-07900")
    centre_b = ServiceCentre.objects.filter(kind="commune", former_province="hoa_binh").order_by("key").first()
    unit_b = ProcessingUnit.objects.get(commune=centre_b.commune)
    version = procedure_version()

    citizen = UserFactory(
        username="fz-citizen", full_name="Nguyễn Thị Hoa", id_number="025190000101", phone="0912000101"
    )
    other_citizen = UserFactory(
        username="fz-other-citizen", full_name="Lò Văn Páo", id_number="017190000202", phone="0912000202"
    )
    reception = staff(StaffRole.RECEPTION, centre=centre_a, username="fz-reception", full_name="Trần Văn Nam")
    handler = staff(StaffRole.HANDLER, unit=unit_a, username="fz-handler", full_name="Phạm Thị Lan")
    leader = staff(StaffRole.LEADER, unit=unit_a, username="fz-leader", full_name="Đỗ Văn Hùng")
    province = staff(StaffRole.PROVINCE, username="fz-province", full_name="Văn phòng UBND tỉnh")
    admin = staff(StaffRole.ADMIN, username="fz-admin", full_name="Quản trị", is_superuser=True, is_staff=True)
    # B's staff move B's dossiers along; they are not fuzzed (A's staff stand for every commune's)
    reception_b = staff(StaffRole.RECEPTION, centre=centre_b, username="fz-reception-b")
    handler_b = staff(StaffRole.HANDLER, unit=unit_b, username="fz-handler-b")
    leader_b = staff(StaffRole.LEADER, unit=unit_b, username="fz-leader-b")

    people_a = SimpleNamespace(centre=centre_a, citizen=citizen, reception=reception, handler=handler, leader=leader)
    people_b = SimpleNamespace(
        centre=centre_b, citizen=other_citizen, reception=reception_b, handler=handler_b, leader=leader_b
    )

    built: list[tuple[str, Dossier]] = []
    # every state at A, filed by the citizen; the two one-off variants too
    for name, (_state, path) in SETUPS.items():
        built.append((f"A:{name}", walk(people_a, file_online(citizen, centre_a, applicant=person(citizen)), path)))
    # every state at B, filed by the other citizen
    for state in State:
        dossier = file_online(other_citizen, centre_b, applicant=person(other_citizen))
        built.append((f"B:{state.value}", walk(people_b, dossier, PATHS[state], returner=reception_b)))
    # across the lines
    built.append(
        (
            "citizen at B",
            walk(
                people_b,
                file_online(citizen, centre_b, applicant=person(citizen)),
                PATHS[State.PROCESSING],
                applicant=citizen,
            ),
        )
    )
    non_geographic = file_online(
        other_citizen, centre_a, applicant=person(other_citizen), commune_code=centre_b.commune.code
    )
    non_geographic = walk(people_a, non_geographic, PATHS[State.TRANSFERRED])
    built.append(("other citizen at A for B's committee", non_geographic))
    returned_at_a = file_online(other_citizen, centre_b, applicant=person(other_citizen), return_centre_id=centre_a.pk)
    built.append(("B, returned at A", walk(people_b, returned_at_a, PATHS[State.RECEIVED])))
    built.append(
        (
            "counter at A for the other citizen",
            receive_at_counter(
                actor=reception,
                procedure_code=PROCEDURE,
                applicant={**person(other_citizen), "email": ""},
                reception_centre_id=centre_a.pk,
            ),
        )
    )
    built.append(
        (
            "counter at B for the citizen",
            receive_at_counter(
                actor=reception_b,
                procedure_code=PROCEDURE,
                applicant={**person(citizen), "email": ""},
                reception_centre_id=centre_b.pk,
            ),
        )
    )

    dossiers = {}
    for label, dossier in built:
        dossier = Dossier.objects.get(pk=dossier.pk)
        dossiers[dossier.pk] = DossierFacts(
            id=dossier.pk,
            label=label,
            state=dossier.state,
            code=dossier.code,
            reference=dossier.reference,
            filed_by=dossier.filed_by_id,
            applicant_id_number=dossier.applicant_id_number,
            applicant_phone=dossier.applicant_phone,
            reception_centre=dossier.reception_centre_id,
            return_centre=dossier.return_centre_id,
            processing_unit=dossier.processing_unit_id,
        )
    users = {
        "anonymous": None,
        "citizen": citizen,
        "other_citizen": other_citizen,
        "reception": reception,
        "handler": handler,
        "leader": leader,
        "province": province,
        "admin": admin,
    }
    tokens = {role: Token.objects.get_or_create(user=user)[0].key for role, user in users.items() if user is not None}
    documents = dict(Document.objects.filter(dossier_id__in=dossiers).values_list("pk", "dossier_id"))
    notices = dict(
        Notification.objects.filter(channel=Channel.INAPP, recipient__isnull=False).values_list("pk", "recipient_id")
    )
    return FuzzWorld(
        users=users,
        tokens=tokens,
        centre_a=centre_a,
        centre_b=centre_b,
        unit_a=unit_a,
        unit_b=unit_b,
        dossiers=dossiers,
        documents=documents,
        notices=notices,
        handlers=[handler.pk, handler_b.pk],
        components=list(version.components.filter(is_required=True).values_list("pk", flat=True)),
    )


def person(user) -> dict:
    """The applicant block of a filing naming ``user``."""
    return {
        "name": user.full_name,
        "id_number": user.id_number,
        "phone": user.phone,
        "email": f"{user.username}@example.vn",
        "address": "Khu 3",
    }
