"""The national portal's run-together table strings, parsed: real examples from ``details/`` (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from procedures.importing.runtogether import (
    FeeKind,
    amount_vnd,
    parse_channels,
    parse_components,
    parse_legal_basis,
    parse_result,
    parse_time,
    time_from_prose,
)

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"

# (code, cach_thuc_thuc_hien after the header, channels, time value, time unit, working hours, fee kind, VND)
CHANNEL_CASES = [
    (
        "brief example",
        "Trực tuyến5 Ngày làm việcKhông có thông tin",
        {"online"},
        "5",
        "working_days",
        40,
        FeeKind.NOT_STATED,
        None,
    ),
    (
        "1.001193 birth registration: bare number, free",
        "Trực tuyến1Miễn phíDịch vụ bưu chính1Miễn phíTrực tiếp1Miễn phí",
        {"online", "post", "direct"},
        "1",
        "working_days",
        8,
        FeeKind.FREE,
        0,
    ),
    (
        "1.011325 fee with a parenthesised schedule",
        "Trực tuyến5 Ngày làm việc2,000,000 Việt Nam Đồng(Phí kiểm tra và cấp giấy chứng nhận đơn hàng nhập khẩu "
        "thuốc (trừ các đơn hàng làm mẫu): 2.000.000 đồng/01 đơn hàng)Dịch vụ bưu chính5 Ngày làm việc2,000,000 Việt "
        "Nam Đồng",
        {"online", "post"},
        "5",
        "working_days",
        40,
        FeeKind.AMOUNT,
        2_000_000,
    ),
    (
        "6.003636 calendar days",
        "Trực tiếp15 NgàyMiễn phíTrực tuyến15 NgàyMiễn phíDịch vụ bưu chính15 NgàyMiễn phí",
        {"direct", "online", "post"},
        "15",
        "days",
        None,
        FeeKind.FREE,
        0,
    ),
    (
        "3.000141 hours are working hours",
        "Trực tuyến8 GiờMiễn phí",
        {"online"},
        "8",
        "working_hours",
        8,
        FeeKind.FREE,
        0,
    ),
    (
        "1.004002 fee in VNĐ",
        "Trực tuyến2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy chứng nhận)Trực tiếp2 Ngày làm việc70,000 VNĐ",
        {"online", "direct"},
        "2",
        "working_days",
        16,
        FeeKind.AMOUNT,
        70_000,
    ),
    (
        "1.007857 time and fee run together, a bare time taking the unit of another channel",
        "Trực tuyến220 VNĐ(lệ phí hải quan 20.000 đồng/ tờ khai hải quan.)Trực tiếp2 GiờMiễn phí",
        {"online", "direct"},
        "2",
        "working_hours",
        2,
        FeeKind.FREE,
        0,
    ),
    (
        "2.002009 '1100 VNĐ' is 1 day and 100,000 đồng (the note says so)",
        "Trực tuyến1100 VNĐ(Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần (Thông tư số "
        "47/2019/TT-BTC))Trực tiếp1100 VNĐ(Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần)",
        {"online", "direct"},
        "1",
        "working_days",
        8,
        FeeKind.AMOUNT,
        100_000,
    ),
    (
        "1.003851 time only in the description",
        "Trực tuyếnKhông có thông tinMiễn phí15 ngày làm việc kể từ ngày nhận được hồ sơ đầy đủ Trực tiếpKhông có "
        "thông tinMiễn phí15 ngày làm việc kể từ ngày nhận được hồ sơ đầy đủ",
        {"online", "direct"},
        "15",
        "working_days",
        120,
        FeeKind.FREE,
        0,
    ),
    (
        "1.000757 the direct row is the reference (online is free)",
        "Trực tuyến7 Ngày làm việcMiễn phí(Chưa quy định.)- Thông qua Cổng dịch vụ công quốc gia.Trực tiếp7 Ngày làm "
        "việc70,000 Việt Nam Đồng(- Cấp lại thẻ căn cước)",
        {"online", "direct"},
        "7",
        "working_days",
        56,
        FeeKind.AMOUNT,
        70_000,
    ),
    (
        "1.003358 a fee in USD keeps no VND amount",
        "Trực tuyến5 Ngày làm việc145 USD(Thẻ tạm trú có thời hạn không quá 02 năm: 145 USD/thẻ.)Trực tuyến: nộp hồ "
        "sơ trực tuyến qua Cổng dịch vụ công quốc gia.",
        {"online"},
        "5",
        "working_days",
        40,
        FeeKind.FOREIGN,
        None,
    ),
    (
        "1.010737 'Miễn phí' whose note lists the schedule: the first amount",
        "Trực tiếp3 Ngày làm việcMiễn phí(- Dưới 5 tấn: 50.000 đồng/lần; - Từ 5 tấn trở lên: 100.000 đồng/lần)",
        {"direct"},
        "3",
        "working_days",
        24,
        FeeKind.SCHEDULE,
        50_000,
    ),
    (
        "1.009824 prose in the time cell: no time",
        "Trực tiếpHệ thống giải quyết thủ tục hành chính ngành Thuế thực hiện phản hồi tự động thông qua phương thức "
        "điện tử.Không có thông tinTại Trung tâm phục vụ hành chính công cấp tỉnh, xã",
        {"direct"},
        None,
        "",
        None,
        FeeKind.NOT_STATED,
        None,
    ),
    (
        "5.003801 'Không quy định … phí' in the description is explicitly free",
        "Trực tiếpKhông có thông tinKhông có thông tinKhông quy định về thời hạn giải quyết, phí, lệ phí",
        {"direct"},
        None,
        "",
        None,
        FeeKind.FREE,
        0,
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "channels", "value", "unit", "hours", "fee_kind", "fee_vnd"),
    CHANNEL_CASES,
    ids=[case[0] for case in CHANNEL_CASES],
)
def test_channels_time_and_fee(case, text, channels, value, unit, hours, fee_kind, fee_vnd):
    info = parse_channels(HEADER + text)
    assert info.channels == channels
    if value is None:
        assert info.duration is None
    else:
        assert info.duration is not None
        assert info.duration.value == Decimal(value)
        assert info.duration.unit == unit
        assert info.duration.working_hours == hours
    assert info.fee.kind == fee_kind
    assert info.fee.vnd == fee_vnd


def test_a_channel_word_inside_a_description_is_not_a_row():
    info = parse_channels(HEADER + "Trực tuyến3 Ngày làm việcMiễn phí+ Trực tuyến: nộp hồ sơ qua Cổng dịch vụ công")
    assert [row.channel for row in info.rows] == ["online"]


def test_the_note_says_what_other_channels_charge():
    info = parse_channels(
        HEADER + "Trực tuyến7 Ngày làm việcMiễn phíTrực tiếp7 Ngày làm việc70,000 Việt Nam Đồng(/thẻ)"
    )
    assert info.fee.vnd == 70_000
    assert info.fee_note == "70.000 đồng/thẻ — Trực tuyến: miễn phí"


def test_an_empty_string_has_no_channel():
    info = parse_channels("")
    assert info.rows == [] and info.duration is None and info.fee.kind == FeeKind.NOT_STATED


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("5 Ngày làm việc", "5", "working_days"),
        ("04 giờ làm việc", "4", "working_hours"),
        ("30 ngày", "30", "days"),
        ("1 Tháng", "1", "months"),
        ("0,5 Ngày làm việc", "0.5", "working_days"),
        ("3", "3", "working_days"),
    ],
)
def test_time_cells(text, value, unit):
    duration = parse_time(text)
    assert (duration.value, duration.unit) == (Decimal(value), unit)


@pytest.mark.parametrize("text", ["", "Không có thông tin", "Không quy định", "0 Ngày"])
def test_no_time(text):
    assert parse_time(text) is None


def test_time_stated_in_prose():
    assert time_from_prose("Trong thời hạn 05 (năm) ngày làm việc kể từ ngày nhận đủ hồ sơ").working_hours == 40
    assert time_from_prose("theo Thông tư 12/2025/TT-BXD ngày 30/6/2025") is None


@pytest.mark.parametrize(
    ("digits", "vnd"), [("2,000,000", 2_000_000), ("70,000", 70_000), ("20", 20_000), ("1500", 1500)]
)
def test_amounts_below_a_thousand_are_thousands_of_dong(digits, vnd):
    assert amount_vnd(digits) == vnd


BIRTH_COMPONENTS = (
    "* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về "
    "việc trẻ bị bỏ rơi do cơ quan có thẩm quyền lập.1 bản chính- Văn bản ủy quyền (được chứng thực) theo quy định "
    "của pháp luật.1 bản chínhTrường hợp người yêu cầu đã nộp bản điện tử Giấy chứng sinh thì không phải nộp bản "
    "giấy.0 bản chính- Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng.1 bản "
    "chính* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Hộ chiếu/Thẻ căn cước công dân.1 bản chính"
)


def test_components_of_birth_registration():
    components = parse_components(BIRTH_COMPONENTS)
    assert [item.name for item in components] == [
        "Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi do cơ quan có thẩm quyền lập",
        "Văn bản ủy quyền (được chứng thực) theo quy định của pháp luật",
        "Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng",
        "Hộ chiếu/Thẻ căn cước công dân",
    ]
    assert [item.is_required for item in components] == [False, True, True, True]
    assert {item.copy_kind for item in components} == {"original"}


@pytest.mark.parametrize(
    ("text", "name", "template", "kind", "copies"),
    [
        (
            "Giấy đề nghị đăng ký hoạt động theo mẫu thống nhấtMẫu TP-LS-02-sđ.docx1 bản chính",
            "Giấy đề nghị đăng ký hoạt động theo mẫu thống nhất",
            "Mẫu TP-LS-02-sđ.docx",
            "original",
            1,
        ),
        (
            "Đơn đề nghị cấp giấy phép chặt hạ cây xanh theo Mẫu số 01 của Nghị định số 258/2025/NĐ-CPMẫu số "
            "01.docx1 bản chính",
            "Đơn đề nghị cấp giấy phép chặt hạ cây xanh theo Mẫu số 01 của Nghị định số 258/2025/NĐ-CP",
            "Mẫu số 01.docx",
            "original",
            1,
        ),
        ("Giấy tờ chứng minh về trụ sở.0 bản chính,1 bản sao", "Giấy tờ chứng minh về trụ sở", "", "copy", 1),
        ("Bảng kê phương tiện1 bản chính,1 bản sao", "Bảng kê phương tiện", "", "either", 1),
        # 1.003593: the count is glued to a date — "…ngày 31/12/20251 bản chính" is one original, not 20,251.
        (
            "Mẫu số 02 ban hành kèm theo Thông tư 81/2025/TT-BNNMT ngày 31/12/20251 bản chính",
            "Mẫu số 02 ban hành kèm theo Thông tư 81/2025/TT-BNNMT ngày 31/12/2025",
            "",
            "original",
            1,
        ),
    ],
)
def test_component_rows(text, name, template, kind, copies):
    (component,) = parse_components("--Tên giấy tờMẫu đơn, tờ khaiSố lượng" + text)
    assert (component.name, component.template_name, component.copy_kind, component.copies) == (
        name,
        template,
        kind,
        copies,
    )


def test_legal_basis_numbers_glued_to_titles():
    text = (
        "Tên văn bản pháp lýMã văn bảnThông tư Hướng dẫn về phí và lệ phí thuộc thẩm quyền quyết định của Hội đồng "
        "nhân dân tỉnh85/2019/TT-BTCNghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ quy định chi tiết Luật "
        "Hộ tịch123/2015/NĐ-CPLuật Công chứng năm 202446/2024/QH15Nghị định số 40/2026/NĐ-CP ngày 25/01/202640/2026/"
        "NĐ-CPQUY ĐỊNH VỀ PHÂN ĐỊNH THẨM QUYỀN145/2025/NĐ-CPThông tư về lệ phí106/2021/TT-BTCHướng dẫn Luật hộ tịch"
        "04/2020/TT-BTP"
    )
    documents = parse_legal_basis(text)
    assert [document.number for document in documents] == [
        "85/2019/TT-BTC",
        "123/2015/NĐ-CP",
        "46/2024/QH15",
        "40/2026/NĐ-CP",
        "145/2025/NĐ-CP",
        "106/2021/TT-BTC",
        "04/2020/TT-BTP",
    ]
    assert documents[0].title.startswith("Thông tư Hướng dẫn về phí")
    assert documents[2].title == "Luật Công chứng năm 2024"
    assert documents[4].title == "QUY ĐỊNH VỀ PHÂN ĐỊNH THẨM QUYỀN"
    assert documents[6].title == "Hướng dẫn Luật hộ tịch"


def test_results():
    assert parse_result("Giấy khai sinhMã: KQ.G15.000031Từ khóaKhông có thông tinMô tảKhông có thông tin") == (
        "Giấy khai sinh"
    )
    assert (
        parse_result("Văn bản thông báo lý do từ chốiMã: KQ.G12.001161Văn bản ghi nhận đăng kýMã: KQ.G12.000778Từ khóa")
        == "Văn bản thông báo lý do từ chối; Văn bản ghi nhận đăng ký"
    )
