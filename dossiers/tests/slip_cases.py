"""Dossiers at the step of each printed form (01–06), on frozen time, for the slip tests.

All filed by the ``world`` citizen with the factories' applicant "Nguyễn Thị Hoa" at Phường Việt Trì's centre on
Monday 30/11/2026. Procedure 1.001193 takes 3 working days = 24 working hours (sessions 07:00–11:30, 13:30–17:00):
received Mon 09:00 → Mon 2.5 + 3.5 = 6 h, Tue 8 h (14), Wed 8 h (22), Thu 07:00 + 2 h → due Thu 03/12/2026 09:00.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import time_machine

from dossiers import services
from dossiers.models import Dossier, ReceivedComponent
from dossiers.tests.factories import file_online

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


FILED = at(2026, 11, 30, 8, 0)
RECEIVED = at(2026, 11, 30, 9, 0)
PROCESSING = at(2026, 11, 30, 10, 0)
STEP = at(2026, 12, 1, 10, 30)
NEW_DUE = at(2026, 12, 10, 16, 0)

#: What the forms print (the Circular's way of writing a moment), counted by hand above.
APPOINTMENT = "09 giờ 00 phút, ngày 03 tháng 12 năm 2026"
RECEIVED_TEXT = "09 giờ 00 phút, ngày 30 tháng 11 năm 2026"
NEW_APPOINTMENT = "16 giờ 00 phút, ngày 10 tháng 12 năm 2026"
SUPPLEMENT_REASON = "Giấy chứng sinh bị mờ, không đọc được"
MISSING = ["Giấy chứng sinh (bản chính)", "Giấy đăng ký kết hôn của cha mẹ (bản sao có chứng thực)"]
REFUSE_REASON = "Hồ sơ không thuộc thẩm quyền giải quyết của phường Việt Trì"
EXTEND_REASON = "Cần xác minh thêm thông tin nơi sinh tại xã Thanh Sơn"
STOP_REASON = "Người nộp đề nghị dừng giải quyết để nộp lại hồ sơ khác"


def _at(moment, service, **kwargs):
    with time_machine.travel(moment, tick=False):
        return service(**kwargs)


def filed(world) -> Dossier:
    with time_machine.travel(FILED, tick=False):
        return file_online(world.citizen, world.centre)


def received(world) -> Dossier:
    dossier = _at(RECEIVED, services.dossier_receive, dossier_id=filed(world).pk, actor=world.reception)
    for name, kind, count in (("Tờ khai đăng ký khai sinh", "original", 1), ("Giấy chứng sinh", "copy", 2)):
        ReceivedComponent.objects.create(
            dossier=dossier, name=name, copy_kind=kind, count=count, received_by=world.reception, received_at=RECEIVED
        )
    return dossier


def processing(world) -> Dossier:
    dossier = received(world)
    dossier = _at(PROCESSING, services.dossier_transfer, dossier_id=dossier.pk, actor=world.reception)
    return _at(
        PROCESSING, services.dossier_assign, dossier_id=dossier.pk, actor=world.leader, handler_id=world.handler.pk
    )


def supplement_requested(world) -> Dossier:
    return _at(
        STEP,
        services.dossier_request_supplement,
        dossier_id=processing(world).pk,
        actor=world.handler,
        reason=SUPPLEMENT_REASON,
        missing_components=MISSING,
    )


def refused(world) -> Dossier:
    return _at(
        RECEIVED, services.dossier_refuse, dossier_id=filed(world).pk, actor=world.reception, reason=REFUSE_REASON
    )


def extended(world) -> Dossier:
    return _at(
        STEP,
        services.dossier_extend,
        dossier_id=processing(world).pk,
        actor=world.handler,
        reason=EXTEND_REASON,
        new_due_at=NEW_DUE,
    )


def stopped(world) -> Dossier:
    return _at(STEP, services.dossier_stop, dossier_id=processing(world).pk, actor=world.leader, reason=STOP_REASON)


@dataclass
class Case:
    form: str
    make: object  # world -> Dossier
    expected: list[str]  # besides the applicant's name, the code and the centre's name


CASES = [
    Case("01", received, [APPOINTMENT, RECEIVED_TEXT, "Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Bản sao"]),
    Case("02", supplement_requested, [APPOINTMENT, *MISSING, SUPPLEMENT_REASON]),
    Case("03", refused, [REFUSE_REASON]),
    Case("04", extended, [APPOINTMENT, NEW_APPOINTMENT, EXTEND_REASON]),
    Case("05", stopped, [APPOINTMENT, STOP_REASON]),
    Case(
        "06", processing, [APPOINTMENT, "Tiếp nhận", "Chuyển đơn vị xử lý", "Phân công xử lý", "Trước hạn", "Đúng hạn"]
    ),
]


def pdf_text(data: bytes) -> str:
    """The text of every page, NFC, whitespace collapsed (lines wrap anywhere in a PDF)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def first_page_image(data: bytes, dpi: int = 200):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()


def decode_qr(image) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image)]
