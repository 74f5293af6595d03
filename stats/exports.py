"""The dashboard's tables as files: CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the diacritics)
and XLSX (openpyxl), with Vietnamese headers (English when the person chose English), and the Decision 766 panel as a
one-page PDF (WeasyPrint). Each table is built from the same selectors as the API, with the same filters and scope.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from dossiers.selectors.cohort import MEASURE_LABELS
from stats import decision766, selectors
from stats.models import HISTOGRAM, MEASURES

#: The tables a person can export (``/so-lieu/xuat/<table>.<csv|xlsx>``).
TABLES = ("summary", "weekly", "breakdown", "decision-766", "ranking")
BREAKDOWN_LABELS = {
    "commune": gettext_lazy("Xã, phường"),
    "department": gettext_lazy("Sở, ngành và cơ quan cấp tỉnh"),
    "area": gettext_lazy("Tỉnh cũ"),
    "field": gettext_lazy("Lĩnh vực"),
    "level": gettext_lazy("Cấp"),
    "unit": gettext_lazy("Đơn vị xử lý"),
}
DERIVED_LABELS = {
    "overdue_now": gettext_lazy("Đang quá hạn"),
    "on_time_share": gettext_lazy("Tỷ lệ trước và đúng hạn"),
    "late_share": gettext_lazy("Tỷ lệ trễ hạn"),
    "average_days": gettext_lazy("Thời gian giải quyết trung bình (ngày làm việc)"),
    "p90_days": gettext_lazy("Thời gian giải quyết, phân vị 90 (ngày làm việc)"),
    "online_share": gettext_lazy("Tỷ lệ nộp trực tuyến"),
    "full_online_share": gettext_lazy("Tỷ lệ trực tuyến toàn trình"),
    "partial_online_share": gettext_lazy("Tỷ lệ trực tuyến một phần"),
    "digitised_share": gettext_lazy("Tỷ lệ số hóa"),
    "paid_online_share": gettext_lazy("Tỷ lệ thanh toán trực tuyến"),
    "satisfaction": gettext_lazy("Tỷ lệ hài lòng"),
}
#: The columns of the summary and breakdown tables, in order.
FIGURES = [name for name in MEASURES if name not in HISTOGRAM and name != "processing_total"] + list(DERIVED_LABELS)


def figure_label(name: str) -> str:
    return str(MEASURE_LABELS.get(name) or DERIVED_LABELS[name])


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]


def _period(filters: selectors.Filters) -> str:
    return f"{filters.date_from:%d/%m/%Y} – {filters.date_to:%d/%m/%Y}"


def table(name: str, filters: selectors.Filters, by: str = "") -> Table:
    """One of :data:`TABLES` (``by``: the breakdown or the ranking asked for; ``ValueError`` for a wrong one)."""
    period = _period(filters)
    if name == "summary":
        totals = selectors.summary(filters)
        rows = [[figure_label(key), totals[key]] for key in FIGURES]
        return Table(name, _("Số liệu tổng hợp, %(period)s") % {"period": period}, [_("Chỉ tiêu"), _("Giá trị")], rows)
    if name == "weekly":
        received = pgettext("measure", "Tiếp nhận")
        headers = [_("Tuần (từ thứ Hai)"), received, _("Hoàn thành"), _("Tỷ lệ trước và đúng hạn")]
        rows = [
            [week["week"], week["received"], week["finished"], week["on_time_share"]]
            for week in selectors.weekly(filters)
        ]
        return Table(name, _("Theo tuần, %(period)s") % {"period": period}, headers, rows)
    if name == "breakdown":
        if by not in selectors.BREAKDOWNS:
            raise ValueError(by)
        headers = [str(BREAKDOWN_LABELS[by]), *(figure_label(key) for key in FIGURES)]
        rows = [[row["label"], *(row[key] for key in FIGURES)] for row in selectors.breakdown(filters, by)]
        title = _("Theo %(by)s, %(period)s") % {"by": str(BREAKDOWN_LABELS[by]).lower(), "period": period}
        return Table(name, title, headers, rows)
    if name == "decision-766":
        panel = decision766.panel(filters)
        headers = [
            _("Nhóm"),
            _("Mã"),
            _("Chỉ số"),
            _("Tử số"),
            _("Giá trị tử số"),
            _("Mẫu số"),
            _("Giá trị mẫu số"),
            _("Tỷ lệ / giá trị"),
            _("Ngưỡng"),
            _("Điểm"),
            _("Điểm tối đa"),
            _("Ghi chú"),
        ]
        rows = []
        for group in panel["groups"]:
            for row in group["indicators"]:
                rows.append(
                    [
                        f"{group['number']}. {group['name']}",
                        row["code"],
                        row["name"],
                        row["numerator_label"],
                        row["numerator"],
                        row["denominator_label"],
                        row["denominator"],
                        row["value"],
                        row["threshold"],
                        row["points"],
                        row["max_points"],
                        _note(row),
                    ]
                )
        rows.append(
            [_("Tổng"), "", "", "", "", "", "", "", "", panel["points"], panel["computable_points"], str(NOT_OFFICIAL)]
        )
        return Table(name, _("Chỉ số Quyết định 766/QĐ-TTg, %(period)s") % {"period": period}, headers, rows)
    if name == "ranking":
        if by not in decision766.RANKINGS:
            raise ValueError(by)
        groups = [f"{group.number}. {group.name}" for group in decision766.GROUPS]
        received = pgettext("measure", "Tiếp nhận")
        headers = [_("Hạng"), _("Đơn vị"), received, *groups, _("Điểm tính được"), _("Trên tối đa")]
        rows = [
            [
                row["rank"],
                row["label"],
                row["received"],
                *(row["groups"][group.number] for group in decision766.GROUPS),
                row["points"],
                row["computable_points"],
            ]
            for row in decision766.ranking(filters, by)
        ]
        title = _("Xếp hạng theo Quyết định 766, %(period)s") % {"period": period}
        return Table(name, title, headers, rows)
    raise ValueError(name)


NOT_OFFICIAL = gettext_lazy(
    "Điểm tính lại từ hồ sơ của hệ thống này, không phải điểm chính thức công bố trên Cổng Dịch vụ công quốc gia."
)


def _note(row: dict) -> str:
    if row["computable"] == decision766.NO:
        return f"{_('Không tính được ở đây')}: {row['reason']}"
    return row["reason"]


def grouped(value: float, decimals: int = 0) -> str:
    """A number with thousands grouped as the person's language writes it (1.824.416,5 / 1,824,416.5); Django's
    Vietnamese formats do not group."""
    text = f"{value:,.{decimals}f}"
    if (get_language() or "vi").startswith("vi"):
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def percent(value: float) -> str:
    return f"{grouped(value * 100, 1)} %"


def value_text(row: dict) -> str:
    """An indicator's value in words: a share in per cent, 2.2 in working days."""
    if row["value"] is None:
        return "—"
    if row["code"] == "2.2":
        return f"{grouped(row['value'], 2)} {_('ngày')}"
    return percent(row["value"])


def as_csv(data: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(data.headers)
    writer.writerows(["" if value is None else value for value in row] for row in data.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(data: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = data.name[:31]
    sheet.append([data.title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(data.headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in data.rows:
        sheet.append(row)
    sheet.freeze_panes = "A3"
    for column, header in zip(sheet.columns, data.headers, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, len(str(header)) + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def panel_pdf(filters: selectors.Filters, scope: str) -> bytes:
    """The Decision 766 panel on one A4 page (landscape)."""
    from dossiers.slips.render import pdf_of_html

    panel = decision766.panel(filters)
    for group in panel["groups"]:
        for row in group["indicators"]:
            row["value_text"] = value_text(row)
            row["threshold_text"] = percent(row["threshold"]) if row["threshold"] else "—"
            for part in ("numerator", "denominator"):
                value = row[part]
                decimals = 2 if isinstance(value, float) else 0
                row[f"{part}_text"] = "—" if value is None else grouped(value, decimals)
    html = render_to_string(
        "stats/panel_pdf.html",
        {
            "panel": panel,
            "period": _period(filters),
            "scope": scope,
            "as_of": selectors.as_of(),
            "printed": timezone.localtime(),
            "not_official": NOT_OFFICIAL,
        },
    )
    return pdf_of_html(html)
