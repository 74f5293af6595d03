"""The texts of the notices: built-in defaults (Vietnamese, translated through gettext), the admin's edits
(:class:`~notifications.models.MessageTemplate`), sample contexts for the admin's preview, and rendering.

Texts are Django templates rendered without HTML escaping (e-mail and SMS are plain text; pages escape what they
show). Moments travel in the context as ISO strings and are rendered as local times: ``{{ due|date:"H:i d/m/Y" }}``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.models import Channel, Kind
from notifications.selectors import templates_of

logger = logging.getLogger(__name__)

#: (subject, body) of each kind for e-mail and in-app; the SMS text is the body of ``SMS_DEFAULTS``.
DEFAULTS: dict[str, tuple[str, str]] = {
    Kind.FILED: (
        gettext_noop("Hồ sơ {{ reference }} đã được gửi, chờ tiếp nhận"),
        gettext_noop(
            "Cổng dịch vụ công tỉnh Phú Thọ đã nhận hồ sơ {{ reference }} ({{ procedure }}) nộp trực tuyến. "
            "{{ centre }} sẽ kiểm tra và tiếp nhận hồ sơ; bạn sẽ nhận được mã hồ sơ và ngày hẹn trả kết quả.\n"
            "Tra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.RECEIVED: (
        gettext_noop("Hồ sơ {{ code }} đã được tiếp nhận"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) đã được {{ centre }} tiếp nhận.\n"
            'Thời gian hẹn trả kết quả: {{ due|date:"H:i d/m/Y" }}.\n'
            "{% if receipt %}Giấy tiếp nhận hồ sơ và hẹn trả kết quả được gửi kèm thư này.\n{% endif %}"
            "Tra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.REFUSED: (
        gettext_noop("Hồ sơ {{ reference }} không được tiếp nhận"),
        gettext_noop(
            "Hồ sơ {{ reference }} ({{ procedure }}) không được tiếp nhận.\nLý do: {{ reason }}\n"
            "Liên hệ: {{ centre }}{% if centre_phone %}, điện thoại {{ centre_phone }}{% endif %}."
        ),
    ),
    Kind.SUPPLEMENT_REQUESTED: (
        gettext_noop("Hồ sơ {{ code }}: yêu cầu bổ sung giấy tờ"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) cần bổ sung:\n{% for item in components %}- {{ item }}\n{% endfor %}"
            "Lý do: {{ reason }}\n"
            "Cán bộ liên hệ: {{ official }}, {{ official_unit }}"
            "{% if official_phone %}, điện thoại {{ official_phone }}{% endif %}.\n"
            "Thời gian giải quyết tạm dừng cho đến khi bạn bổ sung đủ giấy tờ. Tra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.SUPPLEMENT_REMINDER: (
        gettext_noop("Nhắc lại: hồ sơ {{ code }} đang chờ bổ sung giấy tờ"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) vẫn đang chờ bạn bổ sung (yêu cầu ngày "
            '{{ requested|date:"d/m/Y" }}):\n{% for item in components %}- {{ item }}\n{% endfor %}'
            "Cán bộ liên hệ: {{ official }}, {{ official_unit }}"
            "{% if official_phone %}, điện thoại {{ official_phone }}{% endif %}.\nTra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.PAYMENT_REQUESTED: (
        gettext_noop("Hồ sơ {{ code }}: đề nghị nộp phí, lệ phí"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}): đề nghị nộp phí, lệ phí {{ amount }} đồng."
            "{% if note %}\nGhi chú: {{ note }}{% endif %}\nTra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.RESULT_READY: (
        gettext_noop("Hồ sơ {{ code }} đã có kết quả"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) đã có kết quả.\n"
            'Nhận kết quả tại: {{ return_place }}, từ {{ collect_from|date:"H:i d/m/Y" }}, '
            "trong giờ làm việc (sáng 7:00–11:30, chiều 13:30–17:00, các ngày làm việc).\n"
            "Mang theo giấy tiếp nhận hồ sơ và giấy tờ tùy thân. Tra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.RETURNED: (
        gettext_noop("Hồ sơ {{ code }} đã trả kết quả"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) đã được trả kết quả. Mời bạn đánh giá mức độ hài lòng: {{ rate_url }}"
        ),
    ),
    Kind.STOPPED: (
        gettext_noop("Hồ sơ {{ code }}: dừng xử lý"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) đã dừng xử lý.\nLý do: {{ reason }}\nTra cứu: {{ lookup_url }}"
        ),
    ),
    Kind.EXTENDED: (
        gettext_noop("Hồ sơ {{ code }}: thư xin lỗi và hẹn lại ngày trả kết quả"),
        gettext_noop(
            "Chúng tôi xin lỗi vì hồ sơ {{ code }} ({{ procedure }}) chưa giải quyết xong đúng hẹn.\n"
            "Lý do: {{ reason }}\n"
            'Ngày hẹn trả kết quả mới: {{ new_due|date:"H:i d/m/Y" }}.\nTra cứu: {{ lookup_url }}'
        ),
    ),
    Kind.WITHDRAWAL_CONFIRMED: (
        gettext_noop("Hồ sơ {{ reference }}: đã rút hồ sơ"),
        gettext_noop("Yêu cầu rút hồ sơ {{ reference }} ({{ procedure }}) của bạn đã được xác nhận."),
    ),
    Kind.DUE_SOON: (
        gettext_noop("Sắp đến hạn: hồ sơ {{ code }}"),
        gettext_noop(
            'Hồ sơ {{ code }} ({{ procedure }}) của {{ unit }} đến hạn trả kết quả lúc {{ due|date:"H:i d/m/Y" }}.'
            "{% if handler %} Cán bộ xử lý: {{ handler }}.{% endif %}\n{{ desk_url }}"
        ),
    ),
    Kind.OVERDUE: (
        gettext_noop("Quá hạn: hồ sơ {{ code }}"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) của {{ unit }} đã quá hạn trả kết quả "
            '(hạn {{ due|date:"H:i d/m/Y" }}).'
            "{% if handler %} Cán bộ xử lý: {{ handler }}.{% endif %} Hãy giải quyết ngay hoặc gửi thư xin lỗi "
            "và hẹn lại (mẫu 04).\n{{ desk_url }}"
        ),
    ),
    Kind.ESCALATION: (
        gettext_noop("Quá hạn {{ days }} ngày làm việc: hồ sơ {{ code }}"),
        gettext_noop(
            "Hồ sơ {{ code }} ({{ procedure }}) của {{ unit }} vẫn quá hạn sau {{ days }} ngày làm việc "
            '(hạn {{ due|date:"H:i d/m/Y" }}).{% if handler %} Cán bộ xử lý: {{ handler }}.{% endif %}\n{{ desk_url }}'
        ),
    ),
    Kind.NOT_TRANSFERRED: (
        gettext_noop("Chưa chuyển xử lý: hồ sơ {{ code }}"),
        gettext_noop(
            'Hồ sơ {{ code }} ({{ procedure }}) tiếp nhận lúc {{ received|date:"H:i d/m/Y" }} tại {{ centre }} '
            'chưa được chuyển đến {{ unit }} (phải chuyển trước {{ allowance|date:"H:i d/m/Y" }}).\n{{ desk_url }}'
        ),
    ),
    Kind.DIGEST_UNIT: (
        gettext_noop("{{ unit }}: {{ overdue_count }} hồ sơ quá hạn, {{ due_today_count }} đến hạn hôm nay"),
        gettext_noop(
            'Bản tin ngày {{ day|date:"d/m/Y" }} — {{ unit }}\n'
            "Quá hạn: {{ overdue_count }} hồ sơ. Đến hạn hôm nay: {{ due_today_count }} hồ sơ.\n"
            '{% for item in items %}- {{ item.code }} ({{ item.procedure }}), hạn {{ item.due|date:"H:i d/m/Y" }}'
            "{% if item.handler %}, {{ item.handler }}{% endif %}\n{% endfor %}"
            "{% if more %}… và {{ more }} hồ sơ khác.\n{% endif %}{{ desk_url }}"
        ),
    ),
    Kind.DIGEST_PROVINCE: (
        gettext_noop('Toàn tỉnh ngày {{ day|date:"d/m/Y" }}: {{ overdue_total }} hồ sơ quá hạn'),
        gettext_noop(
            'Bản tin ngày {{ day|date:"d/m/Y" }} — toàn tỉnh: {{ overdue_total }} hồ sơ quá hạn.\n'
            "Theo xã, phường:\n{% for row in by_commune %}- {{ row.name }}: {{ row.count }}\n"
            "{% empty %}- không có\n{% endfor %}"
            "Theo sở, ngành:\n{% for row in by_department %}- {{ row.name }}: {{ row.count }}\n"
            "{% empty %}- không có\n{% endfor %}"
            "Mười hồ sơ quá hạn lâu nhất:\n{% for item in worst %}- {{ item.code }} ({{ item.procedure }}), "
            '{{ item.unit }}, hạn {{ item.due|date:"H:i d/m/Y" }}, quá {{ item.days }} ngày làm việc\n'
            "{% empty %}- không có\n{% endfor %}"
        ),
    ),
}

#: SMS texts: short (one or two Unicode messages), the details left to the lookup page.
SMS_DEFAULTS: dict[str, str] = {
    Kind.FILED: gettext_noop("DVC Phú Thọ: đã nhận hồ sơ {{ reference }}, chờ tiếp nhận. Tra cứu: {{ lookup_url }}"),
    Kind.RECEIVED: gettext_noop(
        'DVC Phú Thọ: hồ sơ {{ code }} đã được tiếp nhận, hẹn trả {{ due|date:"H:i d/m/Y" }}. Tra cứu: {{ lookup_url }}'
    ),
    Kind.REFUSED: gettext_noop("DVC Phú Thọ: hồ sơ {{ reference }} không được tiếp nhận. Lý do: {{ reason }}"),
    Kind.SUPPLEMENT_REQUESTED: gettext_noop(
        "DVC Phú Thọ: hồ sơ {{ code }} cần bổ sung giấy tờ. Chi tiết: {{ lookup_url }}"
    ),
    Kind.SUPPLEMENT_REMINDER: gettext_noop(
        "DVC Phú Thọ: hồ sơ {{ code }} vẫn chờ bạn bổ sung giấy tờ. Chi tiết: {{ lookup_url }}"
    ),
    Kind.PAYMENT_REQUESTED: gettext_noop("DVC Phú Thọ: hồ sơ {{ code }} đề nghị nộp phí, lệ phí {{ amount }} đồng."),
    Kind.RESULT_READY: gettext_noop(
        'DVC Phú Thọ: hồ sơ {{ code }} đã có kết quả. Nhận tại {{ return_place }} từ {{ collect_from|date:"d/m/Y" }}.'
    ),
    Kind.RETURNED: gettext_noop("DVC Phú Thọ: hồ sơ {{ code }} đã trả kết quả. Đánh giá: {{ rate_url }}"),
    Kind.STOPPED: gettext_noop("DVC Phú Thọ: hồ sơ {{ code }} đã dừng xử lý. Lý do: {{ reason }}"),
    Kind.EXTENDED: gettext_noop(
        'DVC Phú Thọ xin lỗi: hồ sơ {{ code }} hẹn lại ngày trả kết quả {{ new_due|date:"H:i d/m/Y" }}.'
    ),
    Kind.WITHDRAWAL_CONFIRMED: gettext_noop("DVC Phú Thọ: đã xác nhận rút hồ sơ {{ reference }}."),
}

#: The context keys whose values are moments (ISO strings in the row), rendered as local datetimes.
MOMENT_KEYS = frozenset({"due", "new_due", "received", "allowance", "collect_from", "requested", "day"})

_SAMPLE_COMMON = {
    "code": "000.00.53.H48-261204-0099",
    "reference": "TN-ABCD234567",
    "procedure": "Đăng ký khai sinh",
    "centre": "Trung tâm phục vụ hành chính công phường Việt Trì",
    "centre_phone": "0210 3846 123",
    "unit": "UBND phường Việt Trì",
    "lookup_url": "https://dichvucong.phutho.gov.vn/tra-cuu/?code=000.00.53.H48-261204-0099",
    "desk_url": "https://dichvucong.phutho.gov.vn/api/dossiers/99/",
    "due": "2026-12-07T17:00:00+07:00",
}
#: What the admin's preview renders each kind with (the variables a real notice of that kind carries).
SAMPLE_CONTEXT: dict[str, dict] = {
    Kind.FILED: {},
    Kind.RECEIVED: {"receipt": True},
    Kind.REFUSED: {"reason": "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị."},
    Kind.SUPPLEMENT_REQUESTED: {
        "components": ["Bản sao Giấy chứng nhận kết hôn", "Giấy chứng sinh (bản chính)"],
        "reason": "Thiếu giấy chứng sinh.",
        "official": "Nguyễn Thị Lan",
        "official_unit": "UBND phường Việt Trì",
        "official_phone": "0210 3846 123",
    },
    Kind.SUPPLEMENT_REMINDER: {
        "components": ["Giấy chứng sinh (bản chính)"],
        "requested": "2026-11-27T09:00:00+07:00",
        "official": "Nguyễn Thị Lan",
        "official_unit": "UBND phường Việt Trì",
        "official_phone": "0210 3846 123",
    },
    Kind.PAYMENT_REQUESTED: {"amount": "1.500.000", "note": "Lệ phí cấp giấy chứng nhận."},
    Kind.RESULT_READY: {
        "return_place": "Trung tâm phục vụ hành chính công phường Việt Trì, số 1 Trần Phú",
        "collect_from": "2026-12-07T07:00:00+07:00",
    },
    Kind.RETURNED: {"rate_url": "https://dichvucong.phutho.gov.vn/tra-cuu/?code=000.00.53.H48-261204-0099#danh-gia"},
    Kind.STOPPED: {"reason": "Người nộp đề nghị dừng giải quyết."},
    Kind.EXTENDED: {"reason": "Cần xác minh thêm tại địa phương.", "new_due": "2026-12-14T17:00:00+07:00"},
    Kind.WITHDRAWAL_CONFIRMED: {},
    Kind.DUE_SOON: {"handler": "Trần Văn Minh"},
    Kind.OVERDUE: {"handler": "Trần Văn Minh"},
    Kind.ESCALATION: {"handler": "Trần Văn Minh", "days": 2},
    Kind.NOT_TRANSFERRED: {"received": "2026-12-03T15:20:00+07:00", "allowance": "2026-12-04T11:30:00+07:00"},
    Kind.DIGEST_UNIT: {
        "day": "2026-12-04T07:30:00+07:00",
        "overdue_count": 3,
        "due_today_count": 1,
        "items": [
            {"code": "000.00.53.H48-261120-0012", "procedure": "Đăng ký khai sinh", "due": "2026-12-01T17:00:00+07:00"},
        ],
        "more": 3,
    },
    Kind.DIGEST_PROVINCE: {
        "day": "2026-12-04T07:30:00+07:00",
        "overdue_total": 42,
        "by_commune": [{"name": "Phường Việt Trì", "count": 7}],
        "by_department": [{"name": "Sở Tư pháp", "count": 3}],
        "worst": [
            {
                "code": "000.00.53.H48-261020-0003",
                "procedure": "Đăng ký khai sinh",
                "unit": "UBND phường Việt Trì",
                "due": "2026-11-02T17:00:00+07:00",
                "days": 23,
            }
        ],
    },
}


def sample_context(kind: str) -> dict:
    return {**_SAMPLE_COMMON, **SAMPLE_CONTEXT.get(kind, {})}


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine(autoescape=False)


@lru_cache(maxsize=512)
def _compiled(source: str):
    return _engine().from_string(source)


def check_syntax(source: str) -> None:
    """Raise ``TemplateSyntaxError`` when ``source`` is not a valid template (the admin's form calls it)."""
    _engine().from_string(source)


def default_text(kind: str, channel: str, language: str) -> tuple[str, str]:
    """The built-in (subject, body) of a kind on a channel, in ``language``."""
    with translation.override(language):
        if channel == Channel.SMS:
            return "", _(SMS_DEFAULTS.get(kind) or DEFAULTS[kind][0])
        subject, body = DEFAULTS[kind]
        return _(subject), _(body)


def _moments(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _moments(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_moments(v) for v in value]
    if key in MOMENT_KEYS and isinstance(value, str):
        moment = parse_datetime(value)
        return timezone.localtime(moment) if isinstance(moment, datetime) and timezone.is_aware(moment) else value
    return value


def render_texts(subject: str, body: str, context: dict, *, language: str) -> tuple[str, str]:
    """Render a (subject, body) pair with ``context``; the subject on one line."""
    values = Context(_moments(context))
    with translation.override(language), timezone.override(timezone.get_default_timezone()):
        rendered_subject = _compiled(subject).render(values) if subject else ""
        rendered_body = _compiled(body).render(values)
    return " ".join(rendered_subject.split())[:300], rendered_body.strip()


def render(kind: str, channel: str, language: str, context: dict, *, templates=None) -> tuple[str, str]:
    """The (subject, body) of a notice: the admin's template when there is one, else the built-in text.
    ``templates``: the admin's texts read beforehand (:func:`templates_of`), instead of a query."""
    if templates is None:
        templates = templates_of([(kind, channel, language)])
    subject, body = templates.get((kind, channel, language)) or default_text(kind, channel, language)
    try:
        return render_texts(subject, body, context, language=language)
    except Exception as exc:  # an edited template that does not compile or render: the built-in text, never nothing
        logger.warning(
            "message template %s/%s/%s does not render (%s): the built-in text is used",
            kind,
            channel,
            language,
            type(exc).__name__,
        )
        subject, body = default_text(kind, channel, language)
        return render_texts(subject, body, context, language=language)
