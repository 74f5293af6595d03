"""Form 07: the tracking register (sổ theo dõi hồ sơ) of one reception centre for a range of days, as XLSX and CSV.

A row per dossier received at the centre on a day of the range (Asia/Ho_Chi_Minh days, both ends included), in
the order received. Applicants type their own names and addresses, so no cell is ever a formula: XLSX cells are
typed as text, and a CSV cell that a spreadsheet would run as one (``=``, ``+``, ``-``, ``@`` …) gets a leading
apostrophe.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import ServiceCentre
from dossiers.models import Dossier
from dossiers.slips.context import short_moment

MAX_DAYS = 366
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # XLSX column width (characters)


def columns() -> list[Column]:
    return [
        Column(_("STT"), 6),
        Column(_("Mã hồ sơ"), 26),
        Column(_("Tên thủ tục hành chính"), 40),
        Column(_("Số lượng hồ sơ (bộ)"), 10),
        Column(_("Tên cá nhân, tổ chức"), 26),
        Column(_("Địa chỉ"), 30),
        Column(_("Số điện thoại"), 14),
        Column(_("Cơ quan chủ trì giải quyết"), 30),
        Column(_("Nhận hồ sơ"), 17),
        Column(_("Hẹn trả kết quả"), 17),
        Column(_("Chuyển hồ sơ đến cơ quan giải quyết"), 17),
        Column(_("Có kết quả giải quyết"), 17),
        Column(_("Trả kết quả"), 17),
        Column(_("Trạng thái"), 22),
        Column(_("Tiến độ"), 12),
        Column(_("Ghi chú"), 30),
    ]


def day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start of ``date_from``, start of the day after ``date_to``) in the portal's time zone."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def register_dossiers(centre: ServiceCentre, date_from: date, date_to: date) -> QuerySet[Dossier]:
    start, end = day_bounds(date_from, date_to)
    return (
        Dossier.objects.filter(reception_centre=centre, received_at__gte=start, received_at__lt=end)
        .select_related("procedure_version", "processing_unit")
        .order_by("received_at", "code", "id")
    )


def _note(dossier: Dossier) -> str:
    notes = []
    if dossier.extended_due_at:
        notes.append(_("Hẹn lại (mẫu 04): %(when)s") % {"when": short_moment(dossier.extended_due_at)})
    if dossier.supplement_count:
        notes.append(_("Yêu cầu bổ sung %(count)d lần") % {"count": dossier.supplement_count})
    if dossier.closing_reason:
        notes.append(dossier.closing_reason)
    return "; ".join(notes)


def register_rows(centre: ServiceCentre, date_from: date, date_to: date) -> list[list]:
    """The register's rows; moments stay ``datetime`` (local, naive) for the spreadsheet to sort and format."""

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None

    rows = []
    for number, dossier in enumerate(register_dossiers(centre, date_from, date_to), start=1):
        applicant = dossier.applicant_name
        if dossier.organisation_name:
            applicant = f"{dossier.organisation_name} ({applicant})"
        rows.append(
            [
                number,
                dossier.public_code,
                dossier.procedure_version.name,
                1,
                applicant,
                dossier.applicant_address,
                dossier.applicant_phone,
                dossier.processing_unit.name,
                local(dossier.received_at),
                local(dossier.due_at),
                local(dossier.transferred_at),
                local(dossier.finished_at),
                local(dossier.returned_at),
                str(dossier.get_state_display()),
                str(dossier.get_timeliness_display()) if dossier.timeliness else "",
                _note(dossier),
            ]
        )
    return rows


def _text(value) -> str:
    """A cell as text, never a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%H:%M %d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    return _text(value)


def title_lines(centre: ServiceCentre, date_from: date, date_to: date) -> list[str]:
    period = _("Từ ngày %(start)s đến ngày %(end)s") % {
        "start": date_from.strftime("%d/%m/%Y"),
        "end": date_to.strftime("%d/%m/%Y"),
    }
    return [
        _("ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ"),
        centre.name,
        _("SỔ THEO DÕI HỒ SƠ") + " — " + _("Mẫu số 07"),
        period,
    ]


def register_csv(centre: ServiceCentre, date_from: date, date_to: date) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters; one header row, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.title for column in columns()])
    for row in register_rows(centre, date_from, date_to):
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def register_xlsx(centre: ServiceCentre, date_from: date, date_to: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Sổ theo dõi hồ sơ")[:31]
    cols = columns()
    last_letter = get_column_letter(len(cols))
    for index, line in enumerate(title_lines(centre, date_from, date_to), start=1):
        cell = sheet.cell(row=index, column=1, value=line)
        cell.data_type = "s"
        cell.font = Font(bold=index in (2, 3), size=12 if index == 3 else 11)
        cell.alignment = Alignment(horizontal="center")
        sheet.merge_cells(f"A{index}:{last_letter}{index}")
    header_row = len(title_lines(centre, date_from, date_to)) + 2
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, column in enumerate(cols, start=1):
        cell = sheet.cell(row=header_row, column=index, value=column.title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8E8E8")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for offset, row in enumerate(register_rows(centre, date_from, date_to), start=1):
        for index, value in enumerate(row, start=1):
            cell = sheet.cell(row=header_row + offset, column=index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store "=…" as a formula: always plain text
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(value, datetime):
                cell.number_format = "hh:mm dd/mm/yyyy"
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
