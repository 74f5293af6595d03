"""The rules of the province's catalogue build, read from ``data/catalogue/build-rules.json``: the published
figures (DOMAIN.md §2), the well-known commune procedures, the processing times the law states where the national
records leave them out, the provincial departments, the 28 decrees and the 36 placeholder decisions under them, the
field groups that choose a decree, and the weights of the illustrative fill. The data lives in the file; what is here
is how it is read and applied."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from portal.common.text import fold
from procedures.importing.records import DEFAULT_EFFECTIVE_FROM, DecisionRecord
from procedures.importing.scope import MINISTRY_UNITS

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "catalogue" / "build-rules.json"
EFFECTIVE = DEFAULT_EFFECTIVE_FROM  # 1 July 2025, the merger
DECISION_COUNT, DECREE_COUNT = 36, 28


@cache
def _rules() -> dict:
    return json.loads(RULES_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class DecreeSpec:
    key: str
    number: str
    title: str
    levels: tuple[str, ...]  # the levels that have a decision under this decree
    real: bool = True


_R = _rules()
TARGETS: dict[str, int] = _R["targets"]
APPLIED_TARGET: int = _R["applied_target"]
WELL_KNOWN: dict[str, str] = _R["well_known"]  # commune procedures everyone knows: they must be real and complete
TIME_SUPPLEMENTS: dict[str, list] = _R["time_supplements"]  # code → [working days, the law that states it]
UNIT_NAMES: dict[str, str] = _R["unit_names"]
COMMUNE_AGENCY: str = _R["commune_agency"]
MAX_COMPONENT, MAX_NOTE, MAX_RESULT = (_R["limits"][name] for name in ("component", "note", "result"))
DECREES = [DecreeSpec(**{**item, "levels": tuple(item["levels"])}) for item in _R["decrees"]]
DECREE_BY_KEY = {spec.key: spec for spec in DECREES}
ACTIONS: dict[str, list[str]] = _R["actions"]
COMMUNE_SECTORS: list[str] = _R["commune_sectors"]
PROVINCIAL_SECTORS: list[str] = _R["provincial_sectors"]
# Relative size of each sector in the illustrative fill (a province's catalogue has many more health and culture
# procedures than inspection ones).
PROVINCIAL_WEIGHTS: dict[str, int] = _R["provincial_weights"]
COMMUNE_WEIGHTS: dict[str, int] = _R["commune_weights"]
SECTOR_OF_UNIT = {unit: sector for sector, unit in MINISTRY_UNITS.items()}

_GROUPS = {name: {fold(field) for field in fields} for name, fields in _R["field_groups"].items()}
_TP_SUPPORT, _BUSINESS, _TRANSPORT = _GROUPS["tp_support"], _GROUPS["business"], _GROUPS["transport"]
_AGRICULTURE, _INFORMATION, _PRESS = _GROUPS["agriculture"], _GROUPS["information"], _GROUPS["press"]


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
