"""The illustrative fill of the province's catalogue: plausible procedures in the sectors the national records
lack, named from ``data/catalogue/illustrative-vocabulary.json`` and profiled (time, fee, channels, components,
result) by SHA-256 hashes of their names — deterministic, no clock, no unseeded randomness."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from portal.common.text import fold
from procedures.catalogue_build.rules import (
    ACTIONS,
    COMMUNE_AGENCY,
    COMMUNE_WEIGHTS,
    EFFECTIVE,
    PROVINCIAL_SECTORS,
    PROVINCIAL_WEIGHTS,
    UNIT_NAMES,
    decree_group,
)
from procedures.importing.records import CatalogueRecord, DecisionRecord
from procedures.importing.runtogether import ComponentRecord
from procedures.importing.scope import MINISTRY_UNITS


class BuildError(Exception):
    """The inputs cannot give the published figures (too few names, unreadable records…)."""


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
            for action in ACTIONS[kind]:
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
            raise BuildError(f"{level}/{sector}: {len(pool)} illustrative names for {quota[sector]} procedures")
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
