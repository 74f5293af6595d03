"""Which national records belong to the province's catalogue, at which level, and which unit processes them.

The rules (documented in ``docs/catalogue-build.md``):

1. **Level labels.** A record labelled neither ``Cấp tỉnh`` nor ``Cấp xã`` (only ``Cấp bộ`` or ``Cơ quan khác``) is
   a central procedure: outside the province's catalogue.
2. **Vertical agencies.** Customs, tax, treasury, social insurance, securities, police, the military and border
   guard, courts, aviation and maritime authorities are central agencies with local offices; the source labels
   some of their procedures ``Cấp xã`` or ``Cấp tỉnh`` because the office sits there, but the province neither
   publishes nor processes them. A record is vertical when its field is one of :data:`VERTICAL_FIELDS`, or when
   its executing agency names only such offices (or nothing, for a ministry that has no provincial department:
   Công an, Quốc phòng, Tòa án), with no People's Committee, department (Sở) or commune body named.
3. **Level.** Commune when the record is labelled ``Cấp xã`` and either not ``Cấp tỉnh``, or its agency names only
   commune bodies, or its field is one the commune People's Committee handles (:data:`COMMUNE_FIELDS`:
   civil status, certification…). Otherwise provincial.
4. **Processing unit.** Commune procedures have none (the commune People's Committee where the dossier is
   decided). Provincial ones go to the department the agency names (``Sở Tư pháp``), else the department of the
   issuing ministry (Tư pháp → ``so-tu-phap``…); a provincial record with neither is outside the catalogue.
5. **Online level** (not in the data; Decree 42/2022): online the only channel → full (``toàn trình``); online
   among others → partial (``một phần``); no online channel → none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.common.text import fold

PROVINCIAL = "provincial"
COMMUNE = "commune"

# Fields handled by central agencies' local offices, whatever level the source labels.
VERTICAL_FIELDS = {
    fold(name)
    for name in [
        "Hải quan",
        "Thuế",
        "Kho bạc Nhà nước",
        "Chứng khoán",
        "Bảo hiểm",
        "Thực hiện chính sách BHXH",
        "Thực hiện chính sách BHYT",
        "Thu BHXH, BHYT, BHTN, BH tai nạn lao động, BNN",
        "Cấp sổ BHXH, thẻ BHYT",
        "Chi trả các chế độ BHXH",
        "Quản lý thuế, phí, lệ phí và thu khác của ngân sách nhà nước",
        "Quản lý xuất nhập cảnh",
        "Cấp, quản lý căn cước",
        "Đăng ký, quản lý cư trú",
        "Định danh và xác thực điện tử",
        "Đăng ký, quản lý con dấu",
        "Lý lịch tư pháp",
        "Quản lý vũ khí, vật liệu nổ, công cụ hỗ trợ và pháo",
        "Phòng cháy, chữa cháy",
        "Sát hạch, cấp giấy phép lái xe",
        "Đăng ký, quản lý phương tiện giao thông cơ giới, xe máy chuyên dùng",
        "Bảo đảm an ninh hàng không",
        "Hàng không",
        "Đăng kiểm",
        "Quản lý biên giới",
        "Tòa án",
        "Thi hành án dân sự",
    ]
}

# Fields the commune People's Committee handles: a record labelled both levels in one of them is commune-level.
COMMUNE_FIELDS = {
    fold(name)
    for name in ["Hộ tịch", "Chứng thực", "Hòa giải ở cơ sở", "Nuôi con nuôi", "Nghĩa vụ quân sự", "Giảm nghèo"]
}

_VERTICAL_AGENCY = re.compile(
    r"hai quan|\bthue\b|kho bac|bao hiem xa hoi|cong an|canh sat|quan su|bien phong|bo tu lenh|quan doi"
    r"|dai doi|tieu doan|trung doan|cang vu|toa an|vien kiem sat|ngan hang|dang kiem|hang khong|hang hai"
    r"|uy ban chung khoan|thi hanh an|tong cuc|\bcuc\b|\bbo (?!phan)"
)
_DEPARTMENT = (
    r"so (?:tu phap|tai chinh|xay dung|nong nghiep|noi vu|y te|giao duc|van hoa|cong thuong|khoa hoc|dan toc"
    r"|ke hoach|giao thong|tai nguyen|lao dong|thong tin)"
)
# Local bodies of the province: People's Committees and their chairs, departments, land registration offices…
_PROVINCE_BODY = re.compile(
    r"uy ban nhan dan (?:cap )?tinh|ubnd (?:cap )?tinh|chu tich (?:uy ban nhan dan|ubnd) (?:cap )?tinh"
    rf"|{_DEPARTMENT}|van phong dang ky dat dai|cap tinh chi dinh|co quan .*cap tinh|ban quan ly khu"
)
_COMMUNE_BODY = re.compile(
    r"uy ban nhan dan (?:cap )?xa|ubnd (?:cap )?xa|chu tich (?:uy ban nhan dan|ubnd) (?:cap )?xa"
    r"|thuoc ubnd cap xa|co quan .*cap xa|ban chi huy quan su cap xa|phong tu phap"
)

# Issuing ministry → the provincial department that processes its procedures (after the 2025 restructuring:
# Planning and Investment joined Finance, Transport joined Construction, Natural Resources joined Agriculture,
# Labour joined Home Affairs, Information joined Science and Technology).
MINISTRY_UNITS = {
    "tu-phap": "so-tu-phap",
    "tai-chinh": "so-tai-chinh",
    "xay-dung": "so-xay-dung",
    "nong-nghiep": "so-nong-nghiep-va-moi-truong",
    "noi-vu": "so-noi-vu",
    "y-te": "so-y-te",
    "giao-duc": "so-giao-duc-va-dao-tao",
    "van-hoa": "so-van-hoa-the-thao-va-du-lich",
    "cong-thuong": "so-cong-thuong",
    "khoa-hoc": "so-khoa-hoc-va-cong-nghe",
    "dan-toc": "so-dan-toc-va-ton-giao",
    "thanh-tra": "thanh-tra-tinh",
}
# Ministries without a provincial department: their local offices are vertical.
VERTICAL_MINISTRIES = {"cong-an", "quoc-phong", "toa-an"}

# Suffix of the ministry's announcing decision ("163/QĐ-BTP") → ministry.
_DECISION_SUFFIX = {
    "btp": "tu-phap",
    "btc": "tai-chinh",
    "bkhdt": "tai-chinh",
    "bxd": "xay-dung",
    "bgtvt": "xay-dung",
    "bnnmt": "nong-nghiep",
    "bnn": "nong-nghiep",
    "bnnptnt": "nong-nghiep",
    "btnmt": "nong-nghiep",
    "bnv": "noi-vu",
    "bldtbxh": "noi-vu",
    "byt": "y-te",
    "bgddt": "giao-duc",
    "bvhttdl": "van-hoa",
    "bct": "cong-thuong",
    "bkhcn": "khoa-hoc",
    "btttt": "khoa-hoc",
    "bdttg": "dan-toc",
    "ttcp": "thanh-tra",
    "bca": "cong-an",
    "bqp": "quoc-phong",
    "tandtc": "toa-an",
}
# Ministry names as the national export writes them ("Bộ Tư pháp", "Bộ xây dựng (Giao thông vận tải cũ)").
_MINISTRY_NAMES = [
    ("tu phap", "tu-phap"),
    ("tai chinh", "tai-chinh"),
    ("ke hoach va dau tu", "tai-chinh"),
    ("xay dung", "xay-dung"),
    ("giao thong van tai", "xay-dung"),
    ("nong nghiep", "nong-nghiep"),
    ("tai nguyen va moi truong", "nong-nghiep"),
    ("noi vu", "noi-vu"),
    ("lao dong", "noi-vu"),
    ("y te", "y-te"),
    ("giao duc", "giao-duc"),
    ("van hoa", "van-hoa"),
    ("cong thuong", "cong-thuong"),
    ("khoa hoc", "khoa-hoc"),
    ("thong tin va truyen thong", "khoa-hoc"),
    ("dan toc", "dan-toc"),
    ("thanh tra", "thanh-tra"),
    ("cong an", "cong-an"),
    ("quoc phong", "quoc-phong"),
    ("toa an", "toa-an"),
]
# The data set's directory names (details/<ministry>/).
_DIRECTORY_MINISTRY = {
    "bo-tu-phap": "tu-phap",
    "bo-tai-chinh": "tai-chinh",
    "bo-xay-dung": "xay-dung",
    "bo-nong-nghiep-mt": "nong-nghiep",
    "bo-cong-an": "cong-an",
    "toa-an-nhan-dan": "toa-an",
    "defence-details": "quoc-phong",
}
# Department named in the agency text ("Sở Tư pháp Thành phố Hà Nội") → unit key.
_DEPARTMENT_NAMES = [
    ("so tu phap", "so-tu-phap"),
    ("so tai chinh", "so-tai-chinh"),
    ("so ke hoach va dau tu", "so-tai-chinh"),
    ("so xay dung", "so-xay-dung"),
    ("so giao thong van tai", "so-xay-dung"),
    ("so nong nghiep", "so-nong-nghiep-va-moi-truong"),
    ("so tai nguyen va moi truong", "so-nong-nghiep-va-moi-truong"),
    ("so noi vu", "so-noi-vu"),
    ("so lao dong", "so-noi-vu"),
    ("so y te", "so-y-te"),
    ("so giao duc", "so-giao-duc-va-dao-tao"),
    ("so van hoa", "so-van-hoa-the-thao-va-du-lich"),
    ("so cong thuong", "so-cong-thuong"),
    ("so khoa hoc", "so-khoa-hoc-va-cong-nghe"),
    ("so thong tin", "so-khoa-hoc-va-cong-nghe"),
    ("so dan toc", "so-dan-toc-va-ton-giao"),
]


def ministry_from(*, decision: str = "", issuer: str = "", directory: str = "") -> str | None:
    """The issuing ministry: from the issuer's name, the decision's suffix (``…/QĐ-BTP``) or the directory."""
    folded_issuer = fold(issuer)
    for needle, ministry in _MINISTRY_NAMES:
        if needle in folded_issuer:
            return ministry
    match = re.search(r"q[dđ][-–]([a-zđ]+)", fold(decision).replace(" ", "-").replace(".", "-"))
    if match and match.group(1) in _DECISION_SUFFIX:
        return _DECISION_SUFFIX[match.group(1)]
    return _DIRECTORY_MINISTRY.get(directory)


def parse_levels(text: str) -> set[str]:
    """``"Cấp bộ, Cấp tỉnh, Cấp xã"`` → ``{"bo", "tinh", "xa"}`` (``"Cơ quan khác"`` → ``"khac"``)."""
    levels = set()
    for part in fold(text).split(" "):
        if part in {"bo", "tinh", "xa"}:
            levels.add(part)
        elif part == "khac":
            levels.add("khac")
    return levels


@dataclass(frozen=True)
class Scope:
    """Where a national record goes: a level and unit, or out of the catalogue with the reason."""

    level: str | None
    processing_unit: str | None = None
    reason: str = ""

    @property
    def in_catalogue(self) -> bool:
        return self.level is not None


def agency_bodies(agency: str) -> tuple[bool, bool, bool]:
    """(names a provincial body, names a commune body, names a vertical or central office)."""
    folded = fold(agency)
    return (
        bool(_PROVINCE_BODY.search(folded)),
        bool(_COMMUNE_BODY.search(folded)),
        bool(_VERTICAL_AGENCY.search(folded)),
    )


def department_in(agency: str) -> str | None:
    folded = fold(agency)
    for needle, key in _DEPARTMENT_NAMES:
        if needle in folded:
            return key
    return None


def classify(*, levels: set[str], agency: str, field: str, ministry: str | None) -> Scope:
    """Apply the rules of this module's docstring to one national record."""
    if not levels & {"tinh", "xa"}:
        return Scope(None, reason="central")
    if fold(field) in VERTICAL_FIELDS:
        return Scope(None, reason="vertical-field")
    province_body, commune_body, vertical = agency_bodies(agency)
    local = province_body or commune_body
    if not local and (vertical or ministry in VERTICAL_MINISTRIES):
        return Scope(None, reason="vertical-agency")

    commune = "xa" in levels and (
        "tinh" not in levels or (commune_body and not province_body) or fold(field) in COMMUNE_FIELDS
    )
    if commune:
        return Scope(COMMUNE)
    unit = department_in(agency) or MINISTRY_UNITS.get(ministry or "")
    if unit is None:
        return Scope(None, reason="no-department")
    return Scope(PROVINCIAL, processing_unit=unit)


def online_level_for(channels: set[str]) -> str:
    """Rule 5: online the only channel → full; online among others → partial; otherwise none."""
    if "online" not in channels:
        return "none"
    return "full" if channels == {"online"} else "partial"
