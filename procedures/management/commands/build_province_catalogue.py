"""``manage.py build_province_catalogue``: build ``data/catalogue/phu-tho-catalogue.csv`` (docs/catalogue-build.md).

Deterministic: the same inputs give the same file, byte for byte (no clock, no unseeded randomness; choices
are taken from SHA-256 hashes of codes and names).

1. **Real records.** Every record of ``../shared/data/tthc/details/`` and ``defence-details/`` that belongs to the
   province's catalogue (``procedures.importing.scope``: provincial or commune level, not a central or vertical
   agency) keeps its real code, name, field, agency, time, fee, channels, components, result and legal basis.
   Should there be more than the published count at a level, the lowest codes are kept.
2. **Illustrative fill.** The remaining 1,812 − real provincial and 405 − real commune procedures are generated in
   the sectors the data lacks (Nội vụ, Y tế, Giáo dục và Đào tạo, Văn hóa Thể thao và Du lịch, Công Thương,
   Khoa học và Công nghệ, Dân tộc và Tôn giáo, Thanh tra), with codes ``MH.T.nnnn`` / ``MH.X.nnnn`` and
   ``source = illustrative``.
3. **Decisions and decrees.** 36 announcing decisions of the province (placeholder numbers ``MH-nn/QĐ-UBND``,
   the real ones are not in the data) under 28 decrees: real 2025 decrees cited by the records' legal basis for
   the sectors the data covers, placeholders (``MH-…``) for the others. Each procedure goes to the decision of its
   level and decree group (sector and field).
4. **Applied in practice.** The province reports 1,490 procedures with dossiers but not which: the well-known
   commune procedures first, then the others ranked by a hash of their code.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.common.text import fold
from procedures.importing import own_format
from procedures.importing.reader import read_paths
from procedures.importing.records import DEFAULT_EFFECTIVE_FROM, CatalogueRecord, DecisionRecord
from procedures.importing.runtogether import ComponentRecord
from procedures.importing.scope import MINISTRY_UNITS, ministry_from
from procedures.importing.validation import validate_records

TARGETS = {"provincial": 1812, "commune": 405}
APPLIED_TARGET = 1490
DECISION_COUNT, DECREE_COUNT = 36, 28
# DOMAIN §2 / issue point 7: commune procedures everyone knows; they must be real and complete.
WELL_KNOWN = {
    "1.001193": "đăng ký khai sinh",
    "1.000894": "đăng ký kết hôn",
    "1.000656": "đăng ký khai tử",
    "2.000815": "chứng thực bản sao từ bản chính",
    "2.000884": "chứng thực chữ ký",
    "2.000635": "cấp bản sao trích lục hộ tịch",
}
# Processing times the national records leave out (their time cell says "Không có thông tin") but the law states.
# Decree 23/2015/NĐ-CP, Art. 7: copies and signatures are certified the day the request is received, or the next
# working day when it arrives after 15:00 (read as 1 working day); contracts and transactions within 2 working
# days. Copies of civil-status extracts are issued the same way (the record's own steps say "trong ngày làm việc
# tiếp theo" when received after 15:00).
_SAME_DAY = "Nghị định 23/2015/NĐ-CP, Điều 7: trong ngày tiếp nhận, hoặc ngày làm việc tiếp theo nếu sau 15 giờ"
_TWO_DAYS = "Nghị định 23/2015/NĐ-CP, Điều 7: không quá 02 ngày làm việc"
TIME_SUPPLEMENTS = {
    "2.000815": (1, _SAME_DAY),
    "2.000884": (1, _SAME_DAY),
    "2.000992": (1, _SAME_DAY),
    "2.001008": (1, _SAME_DAY),
    "2.000635": (
        1,
        "Trình tự thực hiện của thủ tục: trả kết quả trong ngày, hoặc ngày làm việc tiếp theo nếu sau 15 giờ",
    ),
    "2.000913": (2, _TWO_DAYS),
    "2.001016": (2, _TWO_DAYS),
    "2.001019": (2, _TWO_DAYS),
    "2.001035": (2, _TWO_DAYS),
    "2.001406": (2, _TWO_DAYS),
}
UNIT_NAMES = {
    "so-noi-vu": "Sở Nội vụ",
    "so-tai-chinh": "Sở Tài chính",
    "so-tu-phap": "Sở Tư pháp",
    "so-cong-thuong": "Sở Công Thương",
    "so-nong-nghiep-va-moi-truong": "Sở Nông nghiệp và Môi trường",
    "so-xay-dung": "Sở Xây dựng",
    "so-khoa-hoc-va-cong-nghe": "Sở Khoa học và Công nghệ",
    "so-van-hoa-the-thao-va-du-lich": "Sở Văn hóa, Thể thao và Du lịch",
    "so-giao-duc-va-dao-tao": "Sở Giáo dục và Đào tạo",
    "so-y-te": "Sở Y tế",
    "so-dan-toc-va-ton-giao": "Sở Dân tộc và Tôn giáo",
    "thanh-tra-tinh": "Thanh tra tỉnh",
}
SECTOR_OF_UNIT = {unit: sector for sector, unit in MINISTRY_UNITS.items()}
COMMUNE_AGENCY = "Ủy ban nhân dân cấp xã"
MAX_COMPONENT, MAX_NOTE, MAX_RESULT = 180, 200, 250
EFFECTIVE = DEFAULT_EFFECTIVE_FROM  # 1 July 2025, the merger

# --- Decrees and decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecreeSpec:
    key: str
    number: str
    title: str
    levels: tuple[str, ...]  # the levels that have a decision under this decree
    real: bool = True


_PLACEHOLDER = " (số hiệu minh họa: không có trong dữ liệu nguồn)"
DECREES = [
    DecreeSpec(
        "tp",
        "120/2025/NĐ-CP",
        "Quy định về phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực quản lý nhà nước của "
        "Bộ Tư pháp",
        ("provincial", "commune"),
    ),
    DecreeSpec(
        "ho-tich",
        "07/2025/NĐ-CP",
        "Sửa đổi, bổ sung một số điều của các Nghị định trong lĩnh vực hộ tịch, quốc tịch, chứng thực",
        ("commune",),
    ),
    DecreeSpec(
        "chung-thuc",
        "280/2025/NĐ-CP",
        "Sửa đổi, bổ sung một số điều của Nghị định số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao "
        "từ bản chính, chứng thực chữ ký và chứng thực hợp đồng, giao dịch",
        ("commune",),
    ),
    DecreeSpec(
        "cong-chung",
        "104/2025/NĐ-CP",
        "Quy định chi tiết một số điều và biện pháp thi hành Luật Công chứng",
        ("provincial",),
    ),
    DecreeSpec(
        "bo-tro-tu-phap",
        "121/2025/NĐ-CP",
        "Quy định về phân quyền, phân cấp trong lĩnh vực quản lý nhà nước của Bộ Tư pháp",
        ("provincial",),
    ),
    DecreeSpec(
        "tc",
        "125/2025/NĐ-CP",
        "Quy định về phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực quản lý nhà nước của "
        "Bộ Tài chính",
        ("provincial", "commune"),
    ),
    DecreeSpec("dkdn", "168/2025/NĐ-CP", "Về đăng ký doanh nghiệp", ("provincial",)),
    DecreeSpec(
        "xd",
        "140/2025/NĐ-CP",
        "Quy định về phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực quản lý nhà nước của "
        "Bộ Xây dựng",
        ("provincial", "commune"),
    ),
    DecreeSpec(
        "giao-thong",
        "144/2025/NĐ-CP",
        "Quy định về phân quyền, phân cấp trong lĩnh vực quản lý nhà nước của Bộ Xây dựng",
        ("provincial",),
    ),
    DecreeSpec(
        "quy-hoach",
        "145/2025/NĐ-CP",
        "Quy định về phân định thẩm quyền của chính quyền địa phương 02 cấp, phân quyền, phân cấp trong lĩnh vực "
        "quy hoạch đô thị và nông thôn",
        ("provincial",),
    ),
    DecreeSpec(
        "nnmt",
        "131/2025/NĐ-CP",
        "Quy định phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực quản lý nhà nước của Bộ Nông "
        "nghiệp và Môi trường",
        ("provincial",),
    ),
    DecreeSpec(
        "nong-nghiep",
        "136/2025/NĐ-CP",
        "Quy định phân quyền, phân cấp trong lĩnh vực nông nghiệp và môi trường",
        ("provincial", "commune"),
    ),
    DecreeSpec(
        "dat-dai",
        "151/2025/NĐ-CP",
        "Quy định về phân định thẩm quyền của chính quyền địa phương 02 cấp, phân quyền, phân cấp trong lĩnh vực "
        "đất đai",
        ("commune",),
    ),
    DecreeSpec("khoang-san", "193/2025/NĐ-CP", "Nghị định trong lĩnh vực địa chất và khoáng sản", ("provincial",)),
    DecreeSpec(
        "quoc-phong",
        "220/2025/NĐ-CP",
        "Sửa đổi, bổ sung một số điều của một số Nghị định trong lĩnh vực quốc phòng, quân sự khi tổ chức chính quyền "
        "địa phương hai cấp",
        ("commune",),
    ),
    DecreeSpec(
        "thi-dua",
        "152/2025/NĐ-CP",
        "Quy định về phân cấp, phân quyền trong lĩnh vực thi đua, khen thưởng; quy định chi tiết và hướng dẫn thi "
        "hành một số điều của Luật Thi đua, khen thưởng",
        ("provincial",),
    ),
    DecreeSpec(
        "noi-vu",
        "MH-NV/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực nội vụ" + _PLACEHOLDER,
        ("provincial", "commune"),
        real=False,
    ),
    DecreeSpec(
        "khcn",
        "262/2025/NĐ-CP",
        "Quy định chi tiết và hướng dẫn thi hành một số điều của Luật Khoa học, công nghệ và đổi mới sáng tạo về "
        "thông tin, thống kê, đánh giá, chuyển đổi số và các vấn đề chung",
        ("provincial",),
    ),
    DecreeSpec(
        "thong-tin",
        "MH-TT/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền trong lĩnh vực bưu chính, viễn thông, công nghệ thông tin" + _PLACEHOLDER,
        ("provincial",),
        real=False,
    ),
    DecreeSpec(
        "y-te",
        "MH-YT/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực y tế" + _PLACEHOLDER,
        ("provincial",),
        real=False,
    ),
    DecreeSpec(
        "xa-hoi",
        "MH-XH/2025/NĐ-CP",
        "Nghị định phân cấp trong lĩnh vực bảo trợ xã hội, trẻ em, phòng, chống tệ nạn xã hội" + _PLACEHOLDER,
        ("commune",),
        real=False,
    ),
    DecreeSpec(
        "giao-duc",
        "MH-GD/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực giáo dục" + _PLACEHOLDER,
        ("provincial", "commune"),
        real=False,
    ),
    DecreeSpec(
        "gdnn",
        "MH-GDNN/2025/NĐ-CP",
        "Nghị định phân cấp trong lĩnh vực giáo dục nghề nghiệp" + _PLACEHOLDER,
        ("provincial",),
        real=False,
    ),
    DecreeSpec(
        "van-hoa",
        "MH-VH/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực văn hóa, thể thao và du lịch"
        + _PLACEHOLDER,
        ("provincial", "commune"),
        real=False,
    ),
    DecreeSpec(
        "bao-chi",
        "MH-BC/2025/NĐ-CP",
        "Nghị định phân cấp trong lĩnh vực báo chí, xuất bản, phát thanh, truyền hình" + _PLACEHOLDER,
        ("provincial",),
        real=False,
    ),
    DecreeSpec(
        "cong-thuong",
        "MH-CT/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền của chính quyền địa phương 02 cấp trong lĩnh vực công thương" + _PLACEHOLDER,
        ("provincial", "commune"),
        real=False,
    ),
    DecreeSpec(
        "dan-toc",
        "MH-DT/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền trong lĩnh vực dân tộc, tín ngưỡng, tôn giáo" + _PLACEHOLDER,
        ("provincial",),
        real=False,
    ),
    DecreeSpec(
        "thanh-tra",
        "MH-TTr/2025/NĐ-CP",
        "Nghị định phân định thẩm quyền trong lĩnh vực tiếp công dân, khiếu nại, tố cáo" + _PLACEHOLDER,
        ("provincial",),
        real=False,
    ),
]
DECREE_BY_KEY = {spec.key: spec for spec in DECREES}


def _folded(*names: str) -> set[str]:
    return {fold(name) for name in names}


_TP_SUPPORT = _folded(
    "Luật sư",
    "Đấu giá tài sản",
    "Thừa phát lại",
    "Giám định tư pháp",
    "Quản tài viên",
    "Trọng tài thương mại",
    "Hòa giải thương mại",
)
_BUSINESS = _folded("Thành lập và hoạt động của doanh nghiệp", "Thành lập và hoạt động doanh nghiệp xã hội")
_TRANSPORT = _folded("Đường bộ", "Đường sắt", "Hàng hải và đường thủy nội địa", "Giao thông vận tải")
_AGRICULTURE = _folded(
    "Chăn nuôi",
    "Thú y",
    "Trồng trọt",
    "Trồng trọt và Bảo vệ thực vật",
    "Thủy sản",
    "Lâm nghiệp",
    "Kiểm lâm",
    "Thủy lợi",
    "Quản lý chất lượng nông lâm sản và thủy sản",
    "Kinh tế hợp tác và Phát triển nông thôn",
    "Quản lý Đê điều và Phòng, chống thiên tai",
    "Nông nghiệp",
    "Khoa học và Công nghệ",
    "Quản lý doanh nghiệp",
    "Giảm nghèo",
)
_INFORMATION = _folded(
    "Bưu chính", "Viễn thông và Internet", "Công nghệ thông tin", "Tần số vô tuyến điện", "Chuyển đổi số"
)
_PRESS = _folded(
    "Báo chí", "Xuất bản, in và phát hành", "Phát thanh, truyền hình và thông tin điện tử", "Thông tin đối ngoại"
)


def decree_group(*, level: str, sector: str, field: str) -> str:
    """The decree (key) a procedure's decision implements, from its level, sector and field."""
    folded = fold(field)
    if level == "commune":
        if folded == fold("Hộ tịch"):
            return "ho-tich"
        if folded == fold("Chứng thực"):
            return "chung-thuc"
        return {
            "tu-phap": "tp",
            "tai-chinh": "tc",
            "xay-dung": "xd",
            "nong-nghiep": "dat-dai" if folded == fold("Đất đai") else "nong-nghiep",
            "quoc-phong": "quoc-phong",
            "noi-vu": "noi-vu",
            "dan-toc": "noi-vu",
            "y-te": "xa-hoi",
            "cong-an": "xa-hoi",
            "giao-duc": "giao-duc",
            "van-hoa": "van-hoa",
            "cong-thuong": "cong-thuong",
        }[sector]
    if sector == "tu-phap":
        if folded == fold("Công chứng"):
            return "cong-chung"
        return "bo-tro-tu-phap" if folded in _TP_SUPPORT else "tp"
    if sector == "tai-chinh":
        return "dkdn" if folded in _BUSINESS else "tc"
    if sector == "xay-dung":
        if folded in _TRANSPORT:
            return "giao-thong"
        return "quy-hoach" if folded == fold("Quy hoạch đô thị và nông thôn") else "xd"
    if sector == "nong-nghiep":
        if folded == fold("Địa chất và khoáng sản"):
            return "khoang-san"
        return "nong-nghiep" if folded in _AGRICULTURE else "nnmt"
    if sector == "noi-vu":
        return "thi-dua" if folded == fold("Thi đua, khen thưởng") else "noi-vu"
    if sector == "khoa-hoc":
        return "thong-tin" if folded in _INFORMATION else "khcn"
    if sector == "giao-duc":
        return "gdnn" if folded == fold("Giáo dục nghề nghiệp") else "giao-duc"
    if sector == "van-hoa":
        return "bao-chi" if folded in _PRESS else "van-hoa"
    return {"y-te": "y-te", "cong-thuong": "cong-thuong", "dan-toc": "dan-toc", "thanh-tra": "thanh-tra"}[sector]


def decisions() -> dict[tuple[str, str], DecisionRecord]:
    """The 36 placeholder announcing decisions, one per (decree, level), numbered in table order."""
    result = {}
    sequence = 0
    for spec in DECREES:
        for level in spec.levels:
            sequence += 1
            scope = "cấp tỉnh" if level == "provincial" else "cấp xã"
            result[(spec.key, level)] = DecisionRecord(
                number=f"MH-{sequence:02d}/QĐ-UBND",
                title=(
                    f"Công bố danh mục thủ tục hành chính thực hiện theo Nghị định {spec.number}, thuộc thẩm quyền "
                    f"giải quyết {scope} trên địa bàn tỉnh Phú Thọ (số hiệu minh họa)"
                )[:500],
                signed_on=datetime.date(2025, 6, 20) + datetime.timedelta(days=sequence % 10),
                effective_on=EFFECTIVE,
                decree_number=spec.number,
                decree_title=spec.title,
            )
    return result


# --- Illustrative vocabulary -----------------------------------------------------------------------------------
# (field, kind, objects). Kinds decide the actions, times, fees, components and result (see _ACTIONS / _profile).

_ACTIONS = {
    "permit": ["Cấp", "Cấp lại", "Điều chỉnh", "Gia hạn", "Thu hồi"],
    "certificate": ["Cấp", "Cấp lại", "Thu hồi"],
    "announce": ["Tiếp nhận hồ sơ công bố", "Công bố lại"],
    "recognition": ["Công nhận", "Công nhận lại"],
    "approval": ["Thẩm định", "Phê duyệt", "Điều chỉnh"],
    "establish": ["Thành lập", "Tổ chức lại", "Giải thể", "Cho phép hoạt động"],
    "support": ["Giải quyết", "Điều chỉnh", "Thôi hưởng"],
    "single": [""],
}

Vocabulary = dict[str, list[tuple[str, str, list[str]]]]


def load_vocabulary(path: Path) -> tuple[Vocabulary, Vocabulary]:
    """The illustrative names (``data/catalogue/illustrative-vocabulary.json``): per level, per sector, a list of
    (field, kind, subjects)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        {
            sector: [(field, kind, subjects) for field, kind, subjects in entries]
            for sector, entries in data[level].items()
        }
        for level in ("provincial", "commune")
    )


COMMUNE_SECTORS = ["noi-vu", "y-te", "giao-duc", "van-hoa", "cong-thuong"]
PROVINCIAL_SECTORS = ["y-te", "noi-vu", "giao-duc", "van-hoa", "cong-thuong", "khoa-hoc", "dan-toc", "thanh-tra"]
# Relative size of each sector in the illustrative fill (a province's catalogue has many more health and culture
# procedures than inspection ones).
PROVINCIAL_WEIGHTS = {
    "y-te": 25,
    "noi-vu": 14,
    "giao-duc": 10,
    "van-hoa": 17,
    "cong-thuong": 16,
    "khoa-hoc": 9,
    "dan-toc": 3,
    "thanh-tra": 1,
}
COMMUNE_WEIGHTS = {"noi-vu": 26, "y-te": 24, "giao-duc": 19, "van-hoa": 12, "cong-thuong": 9}


def _hash(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:12], 16)


def _pick(options: list, *parts: str):
    return options[_hash(*parts) % len(options)]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Candidate:
    sector: str
    field: str
    kind: str
    action: str
    subject: str  # the object phrase (or the whole name for "single")

    @property
    def name(self) -> str:
        if self.kind == "announce":
            if self.action == "Công bố lại":
                return f"Công bố lại {self.subject}"
            return f"Tiếp nhận hồ sơ công bố {self.subject}"
        return _upper_first(f"{self.action} {self.subject}".strip())


def candidates(vocabulary: dict[str, list[tuple[str, str, list[str]]]], sector: str) -> list[Candidate]:
    result = []
    for field_name, kind, subjects in vocabulary.get(sector, []):
        for subject in subjects:
            for action in _ACTIONS[kind]:
                result.append(Candidate(sector, field_name.strip(), kind, action, subject))
    unique = {fold(item.name): item for item in result}
    return sorted(unique.values(), key=lambda item: (item.field, item.name))


def _quota(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` by weights (largest remainders; ties by sector name)."""
    weight_sum = sum(weights.values())
    raw = {sector: total * weight / weight_sum for sector, weight in weights.items()}
    quota = {sector: int(value) for sector, value in raw.items()}
    leftover = total - sum(quota.values())
    for sector in sorted(raw, key=lambda item: (-(raw[item] - quota[item]), item))[:leftover]:
        quota[sector] += 1
    return quota


def _profile(candidate: Candidate, level: str) -> dict:
    """Plausible time, fee, channels and components for an illustrative procedure (hash-chosen)."""
    key = candidate.name
    action = candidate.action
    subject = candidate.subject
    if level == "commune":
        if action in {"Thành lập", "Tổ chức lại", "Giải thể", "Cho phép hoạt động"}:
            time_value, unit = _pick([10, 15, 20], key, "time"), "working_days"
        elif subject.startswith(("Xác nhận", "Cấp giấy", "Thông báo")):
            time_value, unit = _pick([4, 8, 16], key, "time"), "working_hours"
        else:
            time_value, unit = _pick([1, 2, 3, 5, 7, 10], key, "time"), "working_days"
        fee = _pick([0, 0, 0, 0, 0, 10_000, 20_000, 50_000, 100_000], key, "fee")
    else:
        times = {
            "Cấp": [10, 15, 20, 30],
            "Cấp lại": [3, 5, 7],
            "Điều chỉnh": [5, 7, 10],
            "Gia hạn": [7, 10, 15],
            "Thu hồi": [5, 7],
            "Công nhận": [15, 20, 30],
            "Công nhận lại": [10, 15, 20],
            "Thẩm định": [15, 20, 30],
            "Phê duyệt": [10, 15, 20],
            "Thành lập": [15, 20, 30],
            "Tổ chức lại": [15, 20, 30],
            "Giải thể": [10, 15],
            "Cho phép hoạt động": [10, 15, 20],
        }.get(action, [5, 7, 10, 15, 20])
        time_value, unit = _pick(times, key, "time"), "working_days"
        if _hash(key, "calendar") % 12 == 0:
            unit, time_value = "days", _pick([30, 45, 60], key, "days")
        if candidate.kind in {"permit", "certificate"} and action in {"Cấp", "Gia hạn"}:
            fee = _pick([0, 100_000, 200_000, 300_000, 500_000, 1_000_000, 1_500_000, 2_000_000], key, "fee")
        elif candidate.kind in {"permit", "certificate", "announce"} and action != "Thu hồi":
            fee = _pick([0, 0, 50_000, 100_000, 200_000], key, "fee")
        else:
            fee = _pick([0, 0, 0, 0, 100_000], key, "fee")
    online = _hash(key, "online") % 100 < 85
    post = _hash(key, "post") % 100 < 65
    online_level = "none"
    if online:
        online_level = "full" if _hash(key, "full") % 100 < 35 else "partial"
    return {
        "time_value": Decimal(time_value),
        "time_unit": unit,
        "fee_vnd": fee,
        "fee_note": "Mức thu minh họa." if fee else "",
        "channel_online": online,
        "channel_post": post,
        "online_level": online_level,
        "components": _components(candidate, level),
        "result_document": _result(candidate),
    }


def _components(candidate: Candidate, level: str) -> list[ComponentRecord]:
    action, subject, kind = candidate.action, candidate.subject, candidate.kind
    form = ComponentRecord
    if kind == "single":
        items = [
            form(f"Đơn hoặc văn bản đề nghị {_lower_first(candidate.name)} (theo mẫu)", "original", 1, "Mẫu số 01"),
            form(
                "Giấy tờ chứng minh thông tin trong đơn (nếu không khai thác được từ cơ sở dữ liệu)",
                "copy",
                1,
                is_required=False,
            ),
        ]
        if _hash(candidate.name, "third") % 3 == 0:
            items.append(form("Văn bản ủy quyền (trường hợp nộp thay)", "original", 1, is_required=False))
        return items
    if kind == "announce":
        return [
            form(f"Văn bản công bố {subject} (theo mẫu)", "original", 1, "Mẫu số 01"),
            form("Tài liệu chứng minh đáp ứng điều kiện theo quy định", "copy", 1),
        ]
    if kind == "recognition":
        return [
            form(f"Văn bản đề nghị công nhận {subject} (theo mẫu)", "original", 1, "Mẫu số 01"),
            form("Báo cáo tự đánh giá theo tiêu chí công nhận", "original", 1),
            form("Biên bản họp xét của hội đồng cơ sở (nếu có)", "copy", 1, is_required=False),
        ]
    if kind == "approval":
        return [
            form(f"Tờ trình đề nghị {_lower_first(action)} {subject} (theo mẫu)", "original", 1, "Mẫu số 01"),
            form("Hồ sơ thuyết minh và các tài liệu liên quan", "original", 2),
        ]
    if kind == "establish":
        return [
            form(f"Tờ trình đề nghị {_lower_first(action)} {subject}", "original", 1),
            form("Đề án hoặc phương án kèm theo", "original", 1),
            form("Dự thảo quy chế tổ chức và hoạt động (nếu có)", "original", 1, is_required=False),
        ]
    if kind == "support":
        return [
            form(f"Tờ khai đề nghị {_lower_first(action)} {subject} (theo mẫu)", "original", 1, "Mẫu số 01"),
            form("Giấy tờ chứng minh thuộc đối tượng được hưởng", "copy", 1),
        ]
    # permit / certificate
    items = [form(f"Đơn đề nghị {_lower_first(action)} {subject} (theo mẫu)", "original", 1, "Mẫu số 01")]
    if action == "Cấp":
        items += [
            form("Giấy tờ chứng minh đáp ứng điều kiện cấp phép theo quy định", "copy", 1),
            form("Bản sao giấy tờ pháp lý của tổ chức hoặc giấy tờ tùy thân của cá nhân đề nghị", "copy", 1),
        ]
    elif action == "Cấp lại":
        items.append(form(f"Bản chính {subject} đã được cấp (trường hợp bị hư hỏng)", "original", 1, is_required=False))
    elif action == "Điều chỉnh":
        items.append(form("Tài liệu chứng minh nội dung đề nghị điều chỉnh", "copy", 1))
    elif action == "Gia hạn":
        items.append(form("Báo cáo tình hình hoạt động trong thời hạn được cấp phép", "original", 1))
    elif action == "Thu hồi":
        items.append(form(f"Bản chính {subject}", "original", 1))
    return items


def _result(candidate: Candidate) -> str:
    action, subject = candidate.action, candidate.subject
    if candidate.kind in {"permit", "certificate"}:
        return f"Quyết định thu hồi {subject}" if action == "Thu hồi" else _upper_first(subject)
    if candidate.kind == "announce":
        return "Phiếu tiếp nhận hồ sơ công bố"
    if candidate.kind == "single":
        return "Văn bản giải quyết thủ tục hành chính"
    return f"Quyết định {_lower_first(action)} {subject}"


def illustrative_records(
    *,
    level: str,
    count: int,
    vocabulary: Vocabulary,
    sector_of: dict[str, str],
    decision_of: dict[tuple[str, str], DecisionRecord],
) -> list[CatalogueRecord]:
    """``count`` illustrative procedures at ``level``, spread over the sectors the data lacks."""
    weights = PROVINCIAL_WEIGHTS if level == "provincial" else COMMUNE_WEIGHTS
    quota = _quota(count, weights)
    chosen: list[Candidate] = []
    for sector in sorted(quota):
        pool = candidates(vocabulary, sector)
        if len(pool) < quota[sector]:
            raise CommandError(f"{level}/{sector}: {len(pool)} illustrative names for {quota[sector]} procedures")
        ranked = sorted(pool, key=lambda item: _hash("pick", level, item.name))[: quota[sector]]
        chosen.extend(ranked)
    chosen.sort(key=lambda item: (PROVINCIAL_SECTORS.index(item.sector), item.field, item.name))
    prefix = "MH.T" if level == "provincial" else "MH.X"
    records = []
    for index, candidate in enumerate(chosen, start=1):
        code = f"{prefix}.{index:04d}"
        profile = _profile(candidate, level)
        unit = MINISTRY_UNITS[candidate.sector] if level == "provincial" else ""
        group = decree_group(level=level, sector=candidate.sector, field=candidate.field)
        decision = decision_of[(group, level)]
        sector_of[code] = candidate.sector
        records.append(
            CatalogueRecord(
                file="illustrative",
                row=index,
                code=code,
                name=candidate.name,
                field=candidate.field,
                level=level,
                processing_unit=unit,
                agency_name=UNIT_NAMES[unit] if unit else COMMUNE_AGENCY,
                time_value=profile["time_value"],
                time_unit=profile["time_unit"],
                fee_vnd=profile["fee_vnd"],
                fee_note=profile["fee_note"],
                channel_direct=True,
                channel_online=profile["channel_online"],
                channel_post=profile["channel_post"],
                online_level=profile["online_level"],
                result_document=profile["result_document"],
                legal_basis=[{"number": decision.decree_number, "title": decision.decree_title}],
                source="illustrative",
                decision=decision,
                effective_from=EFFECTIVE,
                components=profile["components"],
            )
        )
    return records


# --- Real records --------------------------------------------------------------------------------------------


def real_records(data_dir: Path, sector_of: dict[str, str]) -> list[CatalogueRecord]:
    """In-scope records of details/ and defence-details/ (details first when a code is in both)."""
    read = read_paths([data_dir / "details", data_dir / "defence-details"], effective_from=EFFECTIVE)
    if read.problems:
        raise CommandError("\n".join(str(problem) for problem in read.problems))
    records: dict[str, CatalogueRecord] = {}
    for record in read.records:
        if record.code in records:
            continue
        national = next((item["number"] for item in record.legal_basis if item.get("kind") == "national"), "")
        directory = Path(record.file).parent.name
        ministry = ministry_from(decision=national, directory=directory) or ""
        if record.level == "provincial":
            ministry = SECTOR_OF_UNIT[record.processing_unit]
        sector_of[record.code] = ministry
        if record.time_value is None and record.code in TIME_SUPPLEMENTS:
            record.time_value, record.time_unit = Decimal(TIME_SUPPLEMENTS[record.code][0]), "working_days"
        _trim(record)
        records[record.code] = record
    return sorted(records.values(), key=lambda record: record.code)


def vocabulary_file() -> Path:
    return Path(settings.BASE_DIR) / "data" / "catalogue" / "illustrative-vocabulary.json"


def build(data_dir: Path, *, vocabulary_path: Path | None = None) -> list[CatalogueRecord]:
    """All 2,217 records of the province's catalogue (real first, then the illustrative fill), checked."""
    provincial_vocabulary, commune_vocabulary = load_vocabulary(vocabulary_path or vocabulary_file())
    sector_of: dict[str, str] = {}
    decision_of = decisions()
    real = real_records(data_dir, sector_of)
    selected: list[CatalogueRecord] = []
    for level, target in TARGETS.items():
        at_level = [record for record in real if record.level == level][:target]
        for record in at_level:
            group = decree_group(level=level, sector=sector_of[record.code], field=record.field)
            record.decision = decision_of[(group, level)]
            record.provided = frozenset(record.provided | {"decision", "is_applied"})
        selected.extend(at_level)
        selected.extend(
            illustrative_records(
                level=level,
                count=target - len(at_level),
                vocabulary=provincial_vocabulary if level == "provincial" else commune_vocabulary,
                sector_of=sector_of,
                decision_of=decision_of,
            )
        )
    ranked = sorted(selected, key=lambda record: (record.code not in WELL_KNOWN, _hash("applied", record.code)))
    applied = {record.code for record in ranked[:APPLIED_TARGET]}
    for record in selected:
        record.is_applied = record.code in applied
    _check(selected, decision_of)
    level_order = {"provincial": 0, "commune": 1}
    return sorted(selected, key=lambda record: (level_order[record.level], record.code))


def _check(records: list[CatalogueRecord], decision_of: dict[tuple[str, str], DecisionRecord]) -> None:
    levels = Counter(record.level for record in records)
    used = {record.decision.number for record in records}
    decrees = {record.decision.decree_number for record in records}
    problems = []
    if dict(levels) != TARGETS:
        problems.append(f"levels {dict(levels)} != {TARGETS}")
    if len(used) != DECISION_COUNT or len(decision_of) != DECISION_COUNT:
        problems.append(f"{len(used)} decisions used, {len(decision_of)} defined, expected {DECISION_COUNT}")
    if len(decrees) != DECREE_COUNT:
        problems.append(f"{len(decrees)} decrees, expected {DECREE_COUNT}")
    if sum(record.is_applied for record in records) != APPLIED_TARGET:
        problems.append("applied count")
    if len({record.code for record in records}) != len(records):
        problems.append("duplicate codes")
    for code in WELL_KNOWN:
        record = next((item for item in records if item.code == code), None)
        if record is None or record.level != "commune" or record.source != "national-db":
            problems.append(f"{code} is not a real commune-level procedure")
        elif record.time_value is None or record.fee_vnd is None or not record.components:
            problems.append(f"{code} lacks a time, a fee or components")
    # The file must load: validate it as an import would (the units are those load_communes creates).
    validate_records(records, unit_keys={*MINISTRY_UNITS.values(), "van-phong-ubnd-tinh"})
    problems.extend(str(problem) for record in records for problem in record.problems[:3])
    if problems:
        raise CommandError("; ".join(problems[:20]))


def write_csv(records: list[CatalogueRecord], path: Path) -> None:
    """The own format, decision and decree titles on each decision's first row only (keeps the file small)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=own_format.COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            first = record.decision is not None and record.decision.number not in seen
            if record.decision is not None:
                seen.add(record.decision.number)
            writer.writerow(own_format.row_from_record(record, decision_details=first))


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _trim(record: CatalogueRecord) -> None:
    """Keep the shipped file small and free of long prose: short component names and notes, legal numbers."""
    record.components = [
        ComponentRecord(
            name=_cap(item.name, MAX_COMPONENT),
            copy_kind=item.copy_kind,
            copies=item.copies,
            template_name=item.template_name,
            is_required=item.is_required,
        )
        for item in record.components
    ]
    # Numbers are reliable; titles parsed from the run-together table are not, and are long: the file keeps
    # the titles of the decrees it defines and of the ministry's decision, numbers only for the rest.
    titles = {spec.number: spec.title for spec in DECREES}
    record.legal_basis = [
        {**item, "title": titles.get(item["number"], item["title"] if item.get("kind") == "national" else "")}
        for item in record.legal_basis
    ]
    record.fee_note = _cap(record.fee_note, MAX_NOTE)
    record.result_document = _cap(record.result_document, MAX_RESULT)


class Command(BaseCommand):
    help = (
        "Dựng tệp danh mục TTHC của tỉnh từ dữ liệu thật và phần minh họa (tất định). "
        "Build the province's catalogue file from the real records plus a deterministic illustrative fill."
    )

    def add_arguments(self, parser):
        default_data = Path(settings.BASE_DIR).parent / "shared" / "data" / "tthc"
        parser.add_argument("--data", type=Path, default=default_data, help=f"Source data (default: {default_data}).")
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "data" / "catalogue" / "phu-tho-catalogue.csv",
            help="Output CSV in the project's own format.",
        )

    def handle(self, *args, data: Path, output: Path, **options):
        if not (data / "details").is_dir():
            raise CommandError(f"Không thấy dữ liệu nguồn / source data not found: {data / 'details'}")
        records = build(data)
        write_csv(records, output)
        by_source: dict[str, Counter] = defaultdict(Counter)
        for record in records:
            by_source[record.level][record.source] += 1
        self.stdout.write(f"Wrote {len(records)} procedures to {output} ({output.stat().st_size:,} bytes)")
        for level in TARGETS:
            counts = by_source[level]
            self.stdout.write(
                f"  {level}: {sum(counts.values())} = {counts['national-db']} national-db + "
                f"{counts['illustrative']} illustrative"
            )
        self.stdout.write(f"  applied: {sum(record.is_applied for record in records)}")
