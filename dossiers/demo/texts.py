"""Names, numbers and sentences of the demo's people and dossiers (fictitious, realistic in form).

CCCD numbers have the official structure (birth-province code, century and sex digit, year of birth, six digits);
phones are Vietnamese mobile numbers. No value contains a tab, newline or backslash (the bulk writer relies on it).
"""

from __future__ import annotations

import random

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đinh", "Hà", "Phùng", "Đặng", "Ngô", "Lò"]
MIDDLE_F = ["Thị", "Thị Thu", "Thị Hồng", "Thị Minh", "Ngọc", "Thị Thanh"]
MIDDLE_M = ["Văn", "Đức", "Quang", "Minh", "Công", "Xuân", "Hữu"]
GIVEN_F = ["Hoa", "Lan", "Hương", "Mai", "Thảo", "Linh", "Trang", "Hạnh", "Yến", "Nhung", "Phương", "Huyền"]
GIVEN_M = ["Hùng", "Dũng", "Tuấn", "Long", "Sơn", "Hải", "Nam", "Thắng", "Cường", "Kiên", "Tùng", "Phong"]
HMONG = (["Giàng", "Sùng", "Vàng", "Lầu", "Thào", "Mùa"], ["A", "Thị"], ["Páo", "Sình", "Dợ", "Chứ", "Mỷ", "Tủa"])
ORGANISATIONS = [
    "Công ty TNHH Xây dựng Sông Lô",
    "Công ty Luật TNHH Hùng Vương",
    "Văn phòng công chứng Việt Trì",
    "Công ty Cổ phần Vận tải Tam Đảo",
    "Hợp tác xã Nông nghiệp Mường Động",
    "Công ty TNHH Tư vấn Thiết kế Đất Tổ",
]
BIRTH_PROVINCE = {"phu_tho": "025", "vinh_phuc": "026", "hoa_binh": "017"}
MOBILE_PREFIXES = ["091", "094", "098", "097", "096", "086", "035", "038", "083", "088", "070", "077"]

SUPPLEMENT_REASONS = [
    "Bản sao giấy tờ chưa được chứng thực",
    "Tờ khai chưa ghi đủ thông tin, thiếu chữ ký",
    "Thiếu giấy tờ chứng minh nơi cư trú",
]
REFUSE_REASONS = [
    "Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan; đã hướng dẫn nộp tại cơ quan có thẩm quyền",
    "Thành phần hồ sơ không đúng theo quy định; đã hướng dẫn bằng văn bản",
]
STOP_REASON = "Quá thời hạn bổ sung mà người nộp không bổ sung hồ sơ"
#: Why processing stops, by the state it stops in (``STOP_REASON`` otherwise).
STOP_REASONS = {
    "payment_requested": "Quá thời hạn mà người nộp không thực hiện nghĩa vụ tài chính",
    "processing": "Hồ sơ thuộc trường hợp phải dừng giải quyết theo quy định",
}
#: The reason given for an action the demo has no sentence of its own for.
GENERIC_REASON = "Theo quy định của thủ tục"
DENY_REASON = "Không đủ điều kiện theo quy định"
WITHDRAW_REASONS = ["Không còn nhu cầu giải quyết", "Nộp nhầm thủ tục, sẽ nộp lại hồ sơ khác"]
EXTEND_REASON = "Cần xác minh thêm thông tin với cơ quan liên quan"
RATING_WEIGHTS = {
    "early": [("very_satisfied", 65), ("satisfied", 32), ("not_satisfied", 3)],
    "on_time": [("very_satisfied", 45), ("satisfied", 48), ("not_satisfied", 7)],
    "late": [("very_satisfied", 10), ("satisfied", 50), ("not_satisfied", 40)],
}
RATING_COMMENTS = ["", "", "Cán bộ hướng dẫn tận tình", "Nhanh, đúng hẹn", "Cần rút ngắn thời gian chờ"]


def id_number(rng: random.Random, former_province: str, *, female: bool) -> str:
    """A 12-digit CCCD: birth-province code, century and sex digit, year of birth, six digits."""
    year = rng.randint(1950, 2006)
    century_sex = (0 if year < 2000 else 2) + (1 if female else 0)
    return f"{BIRTH_PROVINCE.get(former_province, '025')}{century_sex}{year % 100:02d}{rng.randint(0, 999_999):06d}"


def phone_number(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9_999_999):07d}"


def person_name(rng: random.Random, *, female: bool, hmong: bool = False) -> str:
    if hmong:
        family, middle, given = HMONG
        return f"{rng.choice(family)} {'Thị' if female else 'A'} {rng.choice(given)}"
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN_F if female else GIVEN_M)}"
