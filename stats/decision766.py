"""The Decision 766/QĐ-TTg panel: the six groups the national portal shows (18 / 20 / 12 / 10 / 22 / 18 points), each
indicator with its formula, numerator, denominator, threshold and points, computed from what this system holds —
and, for what it does not hold, "not computable here" with the reason, never a guess (``../shared/DECISION-766.md``).

Points: with a threshold T, ``max × min(1, rate ÷ T)``; without one, ``max × rate``. An empty denominator gives no
rate and no points (the sources disagree on that case; the panel says "no dossiers"). A score computed here is a
reconstruction from our own records, never the official figure published by the national portal.

Sources of each number (all per period, over the cohort of dossiers received in it, as the decision selects them):
the aggregates (``stats.models``: counts per key), overdue now (live), the procedure sets (bitmaps of procedures with
a fee-bearing dossier, with an online payment) and the catalogue in force today (procedures with a fee, offered
online). Per commune and per department, the same figures for one unit each, ranked by points.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.models import ProcessingUnit
from procedures.models import Level, OnlineLevel, ProcedureVersion
from procedures.selectors import in_force_filter
from stats import selectors
from stats.models import MEASURES, DailyProcedureSets, MonthlyProcedureSets
from stats.services import DAY_SECONDS, from_bitmap

YES, PARTIAL, NO = "yes", "partial", "no"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    points: float  # the maximum (0: tracked, no points of its own)
    threshold: float | None
    numerator: str
    denominator: str
    computable: str = YES
    reason: str = ""


@dataclass(frozen=True)
class Group:
    number: int
    name: str
    short: str
    points: int
    indicators: tuple[Indicator, ...]


def _not_here(code, name, points, reason, threshold=None) -> Indicator:
    return Indicator(code, name, points, threshold, "", "", computable=NO, reason=reason)


_PAKN = _("Phản ánh, kiến nghị (PAKN) được tiếp nhận và xử lý trên Cổng Dịch vụ công quốc gia, không qua hệ thống này.")

GROUPS: tuple[Group, ...] = (
    Group(
        1,
        _("Công khai, minh bạch"),
        _("Công khai"),
        18,
        (
            _not_here(
                "1.1",
                _("Tỷ lệ TTHC công bố đúng hạn"),
                6,
                _(
                    "Danh mục lưu ngày ký và ngày hiệu lực của quyết định công bố, nhưng không lưu ngày có hiệu lực "
                    "của văn bản quy định TTHC mà hạn công bố tính theo."
                ),
            ),
            _not_here(
                "1.2",
                _("Tỷ lệ TTHC được cập nhật, công khai đúng hạn"),
                4,
                _("Ngày công khai thủ tục trên Cơ sở dữ liệu quốc gia về TTHC không có trong hệ thống này."),
            ),
            _not_here(
                "1.3",
                _("Tỷ lệ TTHC được công khai đầy đủ các bộ phận tạo thành"),
                2,
                _("Danh mục chưa lưu trình tự thực hiện và đối tượng thực hiện (2 trong 7 bộ phận của một TTHC)."),
            ),
            _not_here(
                "1.4",
                _("Tỷ lệ hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia"),
                6,
                _(
                    "Cần biên nhận đồng bộ của Cổng Dịch vụ công quốc gia và số liệu của Hệ thống báo cáo quốc gia; "
                    "hệ thống này chưa kết nối."
                ),
            ),
        ),
    ),
    Group(
        2,
        _("Tiến độ, kết quả giải quyết"),
        _("Tiến độ"),
        20,
        (
            Indicator(
                "2.1",
                _("Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn"),
                20,
                None,
                _("Hồ sơ xong trước hạn hoặc đúng hạn, cộng hồ sơ đang giải quyết chưa quá hạn"),
                _("Hồ sơ tiếp nhận trong kỳ"),
            ),
            Indicator(
                "2.2",
                _("Thời gian giải quyết trung bình (ngày làm việc)"),
                0,
                None,
                _("Tổng thời gian giải quyết, ngày làm việc (trừ thời gian tạm dừng)"),
                _("Hồ sơ đã giải quyết xong"),
            ),
        ),
    ),
    Group(
        3,
        _("Cung cấp dịch vụ công trực tuyến"),
        _("Trực tuyến"),
        12,
        (
            Indicator(
                "3",
                _("Tỷ lệ hồ sơ trực tuyến toàn trình trên hồ sơ của TTHC đủ điều kiện toàn trình"),
                12,
                None,
                _("Hồ sơ nộp trực tuyến của TTHC toàn trình"),
                _("Hồ sơ tiếp nhận của TTHC toàn trình"),
            ),
            Indicator(
                "3.1",
                _("Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến (theo dõi)"),
                0,
                0.8,
                _("TTHC đang áp dụng có dịch vụ trực tuyến một phần hoặc toàn trình"),
                _("TTHC đang áp dụng"),
                computable=PARTIAL,
                reason=_("Chưa công bố cách chia 12 điểm cho 3.1–3.3: chỉ theo dõi tỷ lệ, không tính điểm."),
            ),
            _not_here(
                "3.2",
                _("Tỷ lệ dịch vụ công trực tuyến có phát sinh hồ sơ"),
                0,
                _("Danh sách dịch vụ công trực tuyến (đã xuất bản, chờ hủy, thử nghiệm) nằm trên Cổng DVCQG."),
            ),
            _not_here(
                "3.3",
                _("Tỷ lệ hồ sơ theo hình thức nộp trực tuyến"),
                0,
                _("Công thức nhân với tỷ lệ đồng bộ lên Cổng DVCQG (1.4), là số liệu hệ thống này không có."),
                threshold=0.5,
            ),
        ),
    ),
    Group(
        4,
        _("Thanh toán trực tuyến"),
        _("Thanh toán"),
        10,
        (
            Indicator(
                "3.5a",
                _("Tỷ lệ TTHC có nghĩa vụ tài chính có hồ sơ thu phí"),
                2,
                0.8,
                _("TTHC có phí, lệ phí có hồ sơ thu phí trong kỳ"),
                _("TTHC có phí, lệ phí trong danh mục"),
            ),
            Indicator(
                "3.5b",
                _("Tỷ lệ TTHC có giao dịch thanh toán trực tuyến"),
                2,
                0.8,
                _("TTHC có ít nhất một hồ sơ thanh toán trực tuyến"),
                _("TTHC có hồ sơ thu phí trong kỳ"),
            ),
            Indicator(
                "3.6",
                _("Tỷ lệ hồ sơ thanh toán trực tuyến"),
                6,
                None,
                _("Hồ sơ thanh toán trực tuyến"),
                _("Hồ sơ có phí, lệ phí"),
            ),
        ),
    ),
    Group(
        5,
        _("Số hóa hồ sơ"),
        _("Số hóa"),
        22,
        (
            Indicator(
                "4.1",
                _("Tỷ lệ hồ sơ có kết quả giải quyết điện tử"),
                6,
                None,
                _("Hồ sơ có tệp kết quả điện tử"),
                _("Hồ sơ tiếp nhận trong kỳ (mọi TTHC trong danh mục trả kết quả là văn bản)"),
            ),
            Indicator(
                "4.2",
                _("Tỷ lệ hồ sơ thực hiện số hóa"),
                4,
                None,
                _("Hồ sơ có tệp thành phần và tệp kết quả điện tử"),
                _("Hồ sơ tiếp nhận trong kỳ"),
            ),
            _not_here(
                "4.3",
                _("Tỷ lệ hồ sơ khai thác, sử dụng lại dữ liệu số hóa"),
                2,
                _("Khi tiếp nhận, hệ thống chưa ghi thành phần nào được lấy lại từ dữ liệu đã số hóa."),
                threshold=0.8,
            ),
            _not_here(
                "4.4",
                _("Tỷ lệ hồ sơ số hóa kết nối, chia sẻ với kho dữ liệu trên Cổng DVCQG"),
                4,
                _("Chưa kết nối kho quản lý dữ liệu điện tử của tổ chức, cá nhân trên Cổng DVCQG."),
            ),
            _not_here(
                "4.5a",
                _("Tỷ lệ TTHC ứng dụng dữ liệu dân cư"),
                2,
                _("Hồ sơ không ghi việc xác thực VNeID hay khai thác Cơ sở dữ liệu quốc gia về dân cư."),
            ),
            _not_here(
                "4.5b",
                _("Tỷ lệ hồ sơ ứng dụng dữ liệu dân cư"),
                2,
                _("Hồ sơ không ghi việc xác thực VNeID hay khai thác Cơ sở dữ liệu quốc gia về dân cư."),
            ),
            _not_here(
                "4.6",
                _("Tỷ lệ cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính"),
                2,
                _("Hệ thống không có sổ chứng thực bản sao điện tử của các xã, phường."),
            ),
        ),
    ),
    Group(
        6,
        _("Mức độ hài lòng"),
        _("Hài lòng"),
        18,
        (
            _not_here("5.2", _("Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn"), 6, _PAKN),
            _not_here("5.3", _("Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị"), 6, _PAKN),
            Indicator(
                "5.4",
                _("Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC"),
                6,
                0.9,
                _("Hồ sơ đã giải quyết, không trễ hạn và không bị đánh giá không hài lòng"),
                _("Hồ sơ đã giải quyết"),
                computable=PARTIAL,
                reason=_(
                    "Chưa trừ hồ sơ có phản ánh, kiến nghị hay lượt không thích trên Cổng DVCQG (không có ở đây)."
                ),
            ),
        ),
    ),
)
INDICATORS = {indicator.code: indicator for group in GROUPS for indicator in group.indicators}


def points_of(indicator: Indicator, rate: float | None) -> float | None:
    if not indicator.points or indicator.computable == NO:
        return None
    if rate is None:
        return 0.0
    if indicator.threshold:
        return round(indicator.points * min(1.0, rate / indicator.threshold), 2)
    return round(indicator.points * rate, 2)


# --- What the catalogue and the procedure sets say -----------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Bitmaps of the procedures in force and applied today (bit n: procedure n): all, with a fee, offered online."""

    all: int
    fee: int
    online: int


def _bits(ids) -> int:
    return reduce(lambda acc, pk: acc | (1 << pk), ids, 0)


def catalogues(filters: selectors.Filters, units: list[ProcessingUnit]) -> dict[int | None, Catalogue]:
    """The catalogue of the whole scope (key ``None``) and of each of ``units``: a commune committee applies the
    commune-level procedures, a department those it decides."""
    versions = ProcedureVersion.objects.filter(in_force_filter(timezone.localdate()), is_applied=True)
    if filters.fields is not None:
        versions = versions.filter(field_id__in=filters.fields)
    if filters.level:
        versions = versions.filter(level=filters.level)
    commune = [0, 0, 0]
    per_unit: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    rows = versions.values_list("procedure_id", "level", "processing_unit_id", "fee_vnd", "online_level")
    for procedure, level, unit, fee, online in rows:
        bit = 1 << procedure
        targets = [commune] if level == Level.COMMUNE else [per_unit[unit]] if unit else []
        for target in targets:
            target[0] |= bit
            if fee:
                target[1] |= bit
            if online in (OnlineLevel.PARTIAL, OnlineLevel.FULL):
                target[2] |= bit

    def of(unit: ProcessingUnit) -> list[int]:
        return commune if unit.commune_id else per_unit.get(unit.pk, [0, 0, 0])

    result: dict[int | None, Catalogue] = {unit.pk: Catalogue(*of(unit)) for unit in units}
    if filters.units is None:
        everything = [commune, *per_unit.values()]
    else:
        everything = [of(unit) for unit in units]
    result[None] = Catalogue(*(reduce(lambda a, b: a | b, (item[i] for item in everything), 0) for i in range(3)))
    return result


def procedure_sets(filters: selectors.Filters) -> dict[int, tuple[int, int]]:
    """Per processing unit, the procedures with a fee-bearing dossier and with an online payment in the period."""
    months, ranges = selectors.months_and_days(filters.date_from, filters.date_to)
    parts = []
    if months:
        parts.append(MonthlyProcedureSets.objects.filter(month__in=months))
    if ranges:
        days = Q()
        for start, end in ranges:
            days |= Q(day__gte=start, day__lte=end)
        parts.append(DailyProcedureSets.objects.filter(days))
    sets: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for queryset in parts:
        if filters.units is not None:
            queryset = queryset.filter(processing_unit_id__in=filters.units)
        for unit, fee, paid in queryset.values_list("processing_unit_id", "with_fee", "paid_online"):
            sets[unit][0] |= from_bitmap(fee)
            sets[unit][1] |= from_bitmap(paid)
    return {unit: (fee, paid) for unit, (fee, paid) in sets.items()}


# --- The panel -----------------------------------------------------------------------------------------------


def _ratio(numerator, denominator) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _fractions(values: dict, overdue: int, catalogue: Catalogue, sets: tuple[int, int], narrowed: bool) -> dict:
    """Each computable indicator's (numerator, denominator)."""
    with_fee, paid = sets
    if narrowed:  # a field or a level chosen: only the procedures of the scope's catalogue
        with_fee &= catalogue.all
        paid &= catalogue.all
    return {
        "2.1": (values["early"] + values["on_time"] + max(0, values["in_progress"] - overdue), values["received"]),
        "2.2": (values["processing_total"] / DAY_SECONDS, values["processed"]),
        "3": (values["online_full"], values["full_online"]),
        "3.1": (catalogue.online.bit_count(), catalogue.all.bit_count()),
        "3.5a": ((with_fee & catalogue.fee).bit_count(), catalogue.fee.bit_count()),
        "3.5b": ((paid & with_fee).bit_count(), with_fee.bit_count()),
        "3.6": (values["online_paid"], values["fee_due"]),
        "4.1": (values["e_result"], values["received"]),
        "4.2": (values["digitised_result"], values["received"]),
        "5.4": (values["handled_well"], values["finished"]),
    }


def panel_of(
    values: dict, overdue: int, catalogue: Catalogue, sets: tuple[int, int], narrowed: bool, *, described: bool = True
) -> dict:
    """The six groups with each indicator's figures and points, and the totals (``described=False``: the numbers
    only, without the words — what a ranking of 148 communes needs)."""
    fractions = _fractions(values, overdue, catalogue, sets, narrowed)
    groups, scored, computable_max = [], 0.0, 0
    for group in GROUPS:
        rows, group_points, group_max = [], 0.0, 0
        for indicator in group.indicators:
            numerator, denominator = fractions.get(indicator.code, (None, None))
            if indicator.code == "2.2":  # a duration, not a rate
                value = round(numerator / denominator, 2) if denominator else None
                rate = None
                numerator = round(numerator, 2)
            else:
                rate = _ratio(numerator, denominator) if denominator is not None else None
                value = rate
            points = points_of(indicator, rate)
            if points is not None:
                group_points += points
                group_max += indicator.points
            row = {
                "code": indicator.code,
                "computable": indicator.computable,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "threshold": indicator.threshold,
                "max_points": indicator.points,
                "points": points,
            }
            if described:
                row.update(
                    name=str(indicator.name),
                    reason=str(indicator.reason),
                    numerator_label=str(indicator.numerator),
                    denominator_label=str(indicator.denominator),
                )
            rows.append(row)
        scored += group_points
        computable_max += group_max
        summary = {
            "number": group.number,
            "max_points": group.points,
            "computable_points": group_max,
            "points": round(group_points, 2),
            "indicators": rows,
        }
        if described:
            summary.update(name=str(group.name), short=str(group.short))
        groups.append(summary)
    return {"points": round(scored, 2), "computable_points": computable_max, "max_points": 100, "groups": groups}


def panel(filters: selectors.Filters) -> dict:
    """The province's (or the scope's) panel for the period."""
    values = selectors.counts(filters).get(None) or dict.fromkeys(MEASURES, 0)
    overdue = selectors.overdue_now(filters)[None]
    sets = procedure_sets(filters)
    fee = reduce(lambda a, b: a | b, (item[0] for item in sets.values()), 0)
    paid = reduce(lambda a, b: a | b, (item[1] for item in sets.values()), 0)
    catalogue = catalogues(filters, _units_of(filters))[None]
    narrowed = filters.fields is not None or bool(filters.level)  # the procedure sets cover every dossier
    return panel_of(values, overdue, catalogue, (fee, paid), narrowed)


RANKINGS = ("commune", "department")


def _units_of(filters: selectors.Filters, kind: str | None = None) -> list[ProcessingUnit]:
    units = ProcessingUnit.objects.only("pk", "name", "key", "commune_id").annotate(commune_code=F("commune__code"))
    if filters.units is not None:
        units = units.filter(pk__in=filters.units)
    elif kind is None:
        return []
    if kind == "commune":
        units = units.filter(commune__isnull=False)
    elif kind == "department":
        units = units.filter(commune__isnull=True)
    return list(units)


def ranking(filters: selectors.Filters, kind: str) -> list[dict]:
    """One row per commune committee (``kind="commune"``) or per department and other provincial unit
    (``"department"``) in scope: its points per group and in all, best first."""
    if kind not in RANKINGS:
        raise ValueError(kind)
    units = _units_of(filters, kind)
    wanted = {unit.pk for unit in units}
    scoped = dataclasses.replace(filters, units=frozenset(wanted))
    per_unit = selectors.counts(scoped, "unit")
    overdue = selectors.overdue_now(scoped, "unit")
    sets = procedure_sets(scoped)
    catalogue = catalogues(scoped, units)
    narrowed = filters.fields is not None or bool(filters.level)  # the procedure sets cover every dossier
    rows = []
    for unit in units:
        values = per_unit.get(unit.pk)
        if values is None or not values["received"]:
            continue  # nothing received in the period: nothing to rank
        result = panel_of(
            values, overdue.get(unit.pk, 0), catalogue[unit.pk], sets.get(unit.pk, (0, 0)), narrowed, described=False
        )
        rows.append(
            {
                "unit": unit.pk,
                "label": unit.name,
                "commune": unit.commune_code,
                "params": {"commune": unit.commune_code} if unit.commune_code else {"unit": unit.key},
                "received": values["received"],
                "points": result["points"],
                "computable_points": result["computable_points"],
                "groups": {group["number"]: group["points"] for group in result["groups"]},
                "indicators": {
                    row["code"]: row["value"]
                    for group in result["groups"]
                    for row in group["indicators"]
                    if row["computable"] != NO
                },
            }
        )
    rows.sort(key=lambda row: (-row["points"], -row["received"], row["label"]))
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows
