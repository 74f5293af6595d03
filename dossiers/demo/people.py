"""The demo's people: staff of a few centres and units, the province office, an administrator, five citizens.

Every demo account shares one password (:data:`PASSWORD`, printed by ``manage.py seed_demo`` and listed in the
README). :func:`demo_accounts_ensure` creates the accounts and roles that are missing and leaves existing ones alone
(an administrator may have changed a demo password): a second run is two queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from communes.models import Commune, ProcessingUnit, ServiceCentre
from portal.accounts.models import Membership, StaffRole, User

PASSWORD = "Demo@2026"  # noqa: S105 (the demo's published password, refused in production)

#: Real communes of the map chosen for the demo (looked up by their national code, never by a database id).
VIET_TRI = "07900"  # Phường Việt Trì — old Phú Thọ, the provincial seat
PA_CO = "05212"  # Xã Pà Cò — a remote highland commune of old Mai Châu district, old Hòa Bình, next to Sơn La
TAM_DAO = "08911"  # Xã Tam Đảo — a commune of old Vĩnh Phúc
HOA_BINH = "04795"  # Phường Hòa Bình — old Hòa Bình
BRANCH_VIET_TRI = "branch-viet-tri"  # the provincial centre's branch at Việt Trì (old Phú Thọ)


@dataclass(frozen=True)
class StaffAccount:
    username: str
    full_name: str
    role: str  # StaffRole
    centre_key: str = ""  # ServiceCentre.key, for reception
    unit_key: str = ""  # ProcessingUnit.key, for handler / leader
    label: str = ""  # what the README and the command print


@dataclass(frozen=True)
class CitizenAccount:
    username: str
    full_name: str
    id_number: str  # CCCD: birth-province code, century/sex digit, year of birth, 6 digits
    phone: str
    address: str
    commune_code: str  # where they live (the profile's commune: its centre is preselected when they file)


def _commune_staff(slug: str, code: str, place: str, names: tuple[str, str, str]) -> list[StaffAccount]:
    reception, handler, leader = names
    return [
        StaffAccount(
            f"demo-{slug}-tiepnhan", reception, StaffRole.RECEPTION, centre_key=f"commune-{code}", label=f"{place}"
        ),
        StaffAccount(f"demo-{slug}-xuly", handler, StaffRole.HANDLER, unit_key=f"ubnd-{code}", label=f"UBND {place}"),
        StaffAccount(f"demo-{slug}-lanhdao", leader, StaffRole.LEADER, unit_key=f"ubnd-{code}", label=f"UBND {place}"),
    ]


STAFF: list[StaffAccount] = [
    *_commune_staff(
        "phuong-viet-tri", VIET_TRI, "phường Việt Trì", ("Nguyễn Thị Lan", "Trần Văn Minh", "Lê Quang Hưng")
    ),
    *_commune_staff("xa-pa-co", PA_CO, "xã Pà Cò", ("Giàng Thị Mai", "Sùng A Páo", "Vàng A Dình")),
    *_commune_staff("xa-tam-dao", TAM_DAO, "xã Tam Đảo", ("Phùng Thị Hằng", "Đỗ Văn Tuấn", "Nguyễn Đức Thắng")),
    StaffAccount("demo-so-tu-phap-xuly", "Hoàng Thị Thu", StaffRole.HANDLER, unit_key="so-tu-phap", label="Sở Tư pháp"),
    StaffAccount("demo-so-tu-phap-lanhdao", "Vũ Minh Đức", StaffRole.LEADER, unit_key="so-tu-phap", label="Sở Tư pháp"),
    StaffAccount(
        "demo-so-xay-dung-xuly", "Đinh Công Sơn", StaffRole.HANDLER, unit_key="so-xay-dung", label="Sở Xây dựng"
    ),
    StaffAccount(
        "demo-so-xay-dung-lanhdao", "Bùi Văn Khánh", StaffRole.LEADER, unit_key="so-xay-dung", label="Sở Xây dựng"
    ),
    StaffAccount(
        "demo-chinhanh-viet-tri-tiepnhan",
        "Phạm Thị Ngọc",
        StaffRole.RECEPTION,
        centre_key=BRANCH_VIET_TRI,
        label="Trung tâm PVHCC tỉnh — chi nhánh Việt Trì",
    ),
    StaffAccount("demo-vanphong-tinh", "Nguyễn Thanh Bình", StaffRole.PROVINCE, label="Văn phòng UBND tỉnh (chỉ xem)"),
    StaffAccount("demo-admin", "Quản trị hệ thống (demo)", StaffRole.ADMIN, label="quản trị, Django admin /admin/"),
]

CITIZENS: list[CitizenAccount] = [
    CitizenAccount(
        "demo-congdan-1", "Nguyễn Thị Thu Hà", "025188004512", "0912345601", "Tổ 5, phường Việt Trì", VIET_TRI
    ),
    CitizenAccount("demo-congdan-2", "Trần Văn Nam", "025079006237", "0983210402", "Khu 2, phường Việt Trì", VIET_TRI),
    CitizenAccount(
        "demo-congdan-3", "Bùi Thị Nguyệt", "017195008841", "0967118503", "Xóm Mới, phường Hòa Bình", HOA_BINH
    ),
    CitizenAccount("demo-congdan-4", "Giàng A Tủa", "017201003390", "0372554604", "Bản Pà Cò, xã Pà Cò", PA_CO),
    CitizenAccount(
        "demo-congdan-5", "Phan Đức Anh", "026085009977", "0868443705", "Thôn Đền Thõng, xã Tam Đảo", TAM_DAO
    ),
]

STAFF_ROLE_LABELS = {
    StaffRole.RECEPTION: "tiếp nhận",
    StaffRole.HANDLER: "xử lý",
    StaffRole.LEADER: "lãnh đạo",
    StaffRole.PROVINCE: "văn phòng tỉnh",
    StaffRole.ADMIN: "quản trị",
}


def usernames() -> list[str]:
    return [account.username for account in STAFF] + [citizen.username for citizen in CITIZENS]


def login_lines() -> list[str]:
    """The demo log-ins in a few lines, by role (the README has the full table)."""
    lines = []
    for role in (StaffRole.RECEPTION, StaffRole.HANDLER, StaffRole.LEADER):
        names = ", ".join(account.username for account in STAFF if account.role == role)
        lines.append(f"  {STAFF_ROLE_LABELS[role] + ':':<11} {names}")
    others = ", ".join(
        f"{account.username} ({STAFF_ROLE_LABELS[account.role]})"
        for account in STAFF
        if account.role in (StaffRole.PROVINCE, StaffRole.ADMIN)
    )
    lines.append(f"  {'tỉnh:':<11} {others}")
    lines.append(f"  {'công dân:':<11} {', '.join(citizen.username for citizen in CITIZENS)}")
    return lines


@transaction.atomic
def demo_accounts_ensure() -> dict[str, User]:
    """Create the demo accounts and roles that are missing; return every demo user by username.

    Existing accounts are never changed (password, names); a missing role is added back.
    """
    wanted = usernames()
    users = {user.username: user for user in User.objects.filter(username__in=wanted)}
    missing = [name for name in wanted if name not in users]
    if missing:
        password = make_password(PASSWORD)  # hashed once: the same password for every demo account
        new = []
        for account in STAFF:
            if account.username in missing:
                admin = account.role == StaffRole.ADMIN
                new.append(
                    User(
                        username=account.username,
                        full_name=account.full_name,
                        password=password,
                        is_staff=admin,
                        is_superuser=admin,
                    )
                )
        communes = dict(Commune.objects.filter(code__in={c.commune_code for c in CITIZENS}).values_list("code", "pk"))
        for citizen in CITIZENS:
            if citizen.username in missing:
                new.append(
                    User(
                        username=citizen.username,
                        full_name=citizen.full_name,
                        id_number=citizen.id_number,
                        phone=citizen.phone,
                        address=citizen.address,
                        commune_id=communes.get(citizen.commune_code),
                        password=password,
                    )
                )
        User.objects.bulk_create(new)
        users = {user.username: user for user in User.objects.filter(username__in=wanted)}

    centres = dict(
        ServiceCentre.objects.filter(key__in={a.centre_key for a in STAFF if a.centre_key}).values_list("key", "pk")
    )
    units = dict(
        ProcessingUnit.objects.filter(key__in={a.unit_key for a in STAFF if a.unit_key}).values_list("key", "pk")
    )
    held = set(
        Membership.objects.filter(user__in=users.values()).values_list(
            "user_id", "role", "centre_id", "processing_unit_id"
        )
    )
    roles = []
    for account in STAFF:
        user = users[account.username]
        centre_id = centres.get(account.centre_key) if account.centre_key else None
        unit_id = units.get(account.unit_key) if account.unit_key else None
        if (account.centre_key and centre_id is None) or (account.unit_key and unit_id is None):
            raise LookupError(f"demo: {account.centre_key or account.unit_key} is not in the map (load_communes first)")
        if (user.pk, account.role, centre_id, unit_id) not in held:
            roles.append(Membership(user=user, role=account.role, centre_id=centre_id, processing_unit_id=unit_id))
    Membership.objects.bulk_create(roles)
    return users
