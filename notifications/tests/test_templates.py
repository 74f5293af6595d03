"""The texts of the notices: every kind renders on each of its channels in Vietnamese and English with the sample
facts of its kind (moments as local times, ``H:i d/m/Y`` in Asia/Ho_Chi_Minh); the admin's edited template is used
instead of the built-in text, a broken one falls back to it; ``templates_ensure`` fills gaps and keeps edits."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.template import TemplateSyntaxError
from django.utils.dateparse import parse_datetime

from notifications.models import Channel, Kind, MessageTemplate
from notifications.selectors import templates_of
from notifications.services import templates_ensure
from notifications.templates import (
    DEFAULTS,
    MOMENT_KEYS,
    SMS_DEFAULTS,
    check_syntax,
    default_text,
    render,
    sample_context,
)

pytestmark = pytest.mark.django_db

CODE = sample_context(Kind.RECEIVED)["code"]
REFERENCE = sample_context(Kind.FILED)["reference"]
LANGUAGES = ("vi", "en")


def channels_of(kind: str) -> list[str]:
    return [Channel.EMAIL, Channel.INAPP] + ([Channel.SMS] if kind in SMS_DEFAULTS else [])


CASES = [(kind, channel, language) for kind in DEFAULTS for channel in channels_of(kind) for language in LANGUAGES]

#: What the e-mail and in-app text of each kind must say, from its sample context (moments in local time).
FACTS: dict[str, list[str]] = {
    Kind.FILED: [REFERENCE, "Trung tâm phục vụ hành chính công phường Việt Trì"],
    Kind.RECEIVED: [CODE, "17:00 07/12/2026"],
    Kind.REFUSED: [REFERENCE, "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị.", "0210 3846 123"],
    Kind.SUPPLEMENT_REQUESTED: [
        CODE,
        "- Bản sao Giấy chứng nhận kết hôn\n- Giấy chứng sinh (bản chính)\n",
        "Nguyễn Thị Lan",
    ],
    Kind.SUPPLEMENT_REMINDER: [CODE, "27/11/2026", "- Giấy chứng sinh (bản chính)\n"],
    Kind.PAYMENT_REQUESTED: [CODE, "1.500.000", "Lệ phí cấp giấy chứng nhận."],
    Kind.RESULT_READY: [CODE, "07:00 07/12/2026", "số 1 Trần Phú"],
    Kind.RETURNED: [CODE, "#danh-gia"],
    Kind.STOPPED: [CODE, "Người nộp đề nghị dừng giải quyết."],
    Kind.EXTENDED: [CODE, "17:00 14/12/2026", "Cần xác minh thêm tại địa phương."],
    Kind.WITHDRAWAL_CONFIRMED: [REFERENCE],
    Kind.DUE_SOON: [CODE, "17:00 07/12/2026", "Trần Văn Minh", "/api/dossiers/99/"],
    Kind.OVERDUE: [CODE, "17:00 07/12/2026", "Trần Văn Minh", "/api/dossiers/99/"],
    Kind.ESCALATION: [CODE, "17:00 07/12/2026", " 2 ", "/api/dossiers/99/"],
    Kind.NOT_TRANSFERRED: [CODE, "15:20 03/12/2026", "11:30 04/12/2026", "UBND phường Việt Trì"],
    Kind.DIGEST_UNIT: ["04/12/2026", "000.00.53.H48-261120-0012", "17:00 01/12/2026", "UBND phường Việt Trì"],
    Kind.DIGEST_PROVINCE: [
        "04/12/2026",
        "42",
        "- Phường Việt Trì: 7\n",
        "- Sở Tư pháp: 3\n",
        "000.00.53.H48-261020-0003",
        "17:00 02/11/2026",
        "23",
    ],
}
#: What each SMS must say (short: the details are on the lookup page).
SMS_FACTS: dict[str, list[str]] = {
    Kind.FILED: [REFERENCE, "/tra-cuu/?code="],
    Kind.RECEIVED: [CODE, "17:00 07/12/2026"],
    Kind.REFUSED: [REFERENCE, "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị."],
    Kind.SUPPLEMENT_REQUESTED: [CODE, "/tra-cuu/?code="],
    Kind.SUPPLEMENT_REMINDER: [CODE, "/tra-cuu/?code="],
    Kind.PAYMENT_REQUESTED: [CODE, "1.500.000"],
    Kind.RESULT_READY: [CODE, "07/12/2026", "số 1 Trần Phú"],
    Kind.RETURNED: [CODE, "#danh-gia"],
    Kind.STOPPED: [CODE, "Người nộp đề nghị dừng giải quyết."],
    Kind.EXTENDED: [CODE, "17:00 14/12/2026"],
    Kind.WITHDRAWAL_CONFIRMED: [REFERENCE],
}
#: Characters of the English texts that are not ASCII, besides the sample data: typography and the province's name.
ENGLISH_EXTRAS = "—–…"


def strings_of(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_of(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_of(item)]
    return [value] if isinstance(value, str) else []


def in_utc(value, key=None):
    """The same context with every moment written in UTC: what a row's context may hold."""
    if isinstance(value, dict):
        return {k: in_utc(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [in_utc(v) for v in value]
    if key in MOMENT_KEYS and isinstance(value, str):
        return parse_datetime(value).astimezone(UTC).isoformat()
    return value


@pytest.fixture
def no_edits():
    """No template rows: the built-in texts."""
    MessageTemplate.objects.all().delete()


@pytest.mark.parametrize(("kind", "channel", "language"), CASES)
def test_every_kind_renders_on_each_channel_in_each_language(no_edits, kind, channel, language):
    context = sample_context(kind)
    subject, body = render(kind, channel, language, context)

    for text in (subject, body):
        for leftover in ("{{", "}}", "{%", "%}", "{#"):
            assert leftover not in text, (leftover, text)
    if channel == Channel.SMS:
        assert subject == ""
        facts = SMS_FACTS[kind]
    else:
        assert subject and "\n" not in subject and len(subject) <= 300
        facts = FACTS[kind]
    for fact in facts:
        assert fact in f"{subject}\n{body}\n", (fact, subject, body)

    if language == "en":  # translated, every word: only the sample data is left in Vietnamese
        rest = f"{subject}\n{body}"
        for value in sorted(strings_of(context), key=len, reverse=True):
            rest = rest.replace(value, "")
        rest = rest.replace("Phú Thọ", "")
        assert all(ord(char) < 128 or char in ENGLISH_EXTRAS for char in rest), rest
        assert (subject, body) != render(kind, channel, "vi", context)


@pytest.mark.parametrize("kind", [kind for kind in DEFAULTS if set(sample_context(kind)) & MOMENT_KEYS])
def test_moments_are_shown_in_local_time_whatever_zone_they_were_written_in(no_edits, kind):
    for channel in channels_of(kind):
        for language in LANGUAGES:
            local = render(kind, channel, language, sample_context(kind))
            assert render(kind, channel, language, in_utc(sample_context(kind))) == local


def test_a_moment_after_midnight_in_hanoi_is_on_the_next_day(no_edits):
    context = {**sample_context(Kind.RECEIVED), "due": "2026-12-07T18:30:00+00:00"}
    _subject, body = render(Kind.RECEIVED, Channel.EMAIL, "vi", context)
    assert "Thời gian hẹn trả kết quả: 01:30 08/12/2026." in body
    sms = render(Kind.RECEIVED, Channel.SMS, "en", context)[1]
    assert "result due 01:30 08/12/2026." in sms


def test_the_english_texts_read_as_english(no_edits):
    subject, body = render(Kind.RECEIVED, Channel.EMAIL, "en", sample_context(Kind.RECEIVED))
    assert subject == f"Dossier {CODE} has been received"
    assert body.splitlines() == [
        f"Dossier {CODE} (Đăng ký khai sinh) has been received by Trung tâm phục vụ hành chính công phường Việt Trì.",
        "The result is due at 17:00 07/12/2026.",
        "The receipt and appointment slip is attached to this e-mail.",
        f"Track your dossier: https://dichvucong.phutho.gov.vn/tra-cuu/?code={CODE}",
    ]
    # without a receipt the sentence about it goes, and nothing is left of its tag
    _subject, body = render(Kind.RECEIVED, Channel.INAPP, "en", {**sample_context(Kind.RECEIVED), "receipt": False})
    assert "attached" not in body and len(body.splitlines()) == 3


# --- The admin's edits ------------------------------------------------------------------------------------


def edit(kind, channel, language, *, subject, body) -> MessageTemplate:
    row, _created = MessageTemplate.objects.update_or_create(
        kind=kind, channel=channel, language=language, defaults={"subject": subject, "body": body, "edited": True}
    )
    return row


def test_a_row_nobody_edited_never_replaces_the_built_in_text():
    """Rows written by ``templates_ensure`` only show the built-in text in the admin: rendering reads the live
    translation, so a release's corrected text applies without touching the database."""
    MessageTemplate.objects.update_or_create(
        kind=Kind.RECEIVED, channel=Channel.EMAIL, language="en", defaults={"subject": "Stale {{ code }}", "body": "x"}
    )
    context = sample_context(Kind.RECEIVED)
    assert render(Kind.RECEIVED, Channel.EMAIL, "en", context)[0] == f"Dossier {CODE} has been received"
    templates = templates_of([(Kind.RECEIVED, Channel.EMAIL, "en")])
    assert render(Kind.RECEIVED, Channel.EMAIL, "en", context, templates=templates)[0].startswith("Dossier")


def test_an_edited_template_is_used_instead_of_the_built_in_text():
    edit(
        Kind.RECEIVED,
        Channel.EMAIL,
        "vi",
        subject="Đã tiếp nhận: {{ code }}",
        body='Mẫu của tỉnh — {{ code }}, hẹn {{ due|date:"H:i d/m/Y" }}{% if receipt %} (kèm giấy hẹn){% endif %}',
    )
    context = in_utc(sample_context(Kind.RECEIVED))
    expected = (f"Đã tiếp nhận: {CODE}", f"Mẫu của tỉnh — {CODE}, hẹn 17:00 07/12/2026 (kèm giấy hẹn)")
    assert render(Kind.RECEIVED, Channel.EMAIL, "vi", context) == expected
    # the page of a list reads the edits beforehand: the same text
    keys = [(Kind.RECEIVED, Channel.EMAIL, "vi"), (Kind.RECEIVED, Channel.EMAIL, "en")]
    assert render(Kind.RECEIVED, Channel.EMAIL, "vi", context, templates=templates_of(keys)) == expected
    # another language or channel keeps its own text
    assert render(Kind.RECEIVED, Channel.EMAIL, "en", context)[0] == f"Dossier {CODE} has been received"
    assert render(Kind.RECEIVED, Channel.INAPP, "vi", context)[0] == f"Hồ sơ {CODE} đã được tiếp nhận"


def compiles(source: str) -> bool:
    try:
        check_syntax(source)
    except TemplateSyntaxError:
        return False
    return True


@pytest.mark.parametrize(
    ("subject", "body", "fails_on"),
    [
        ("Hồ sơ {{ code }}", "{% if receipt %}không đóng thẻ", "compile"),
        ("Hồ sơ {{ }}", "Nội dung {{ code }}", "compile"),
        ("Hồ sơ {{ code }}", "{% khong_co_the_nay %}", "compile"),
        ("Hồ sơ {{ code|khong_co_bo_loc }}", "Nội dung", "compile"),
        # these compile, and fail only when rendered with the facts
        ("Hồ sơ {{ code }}", '{% include "khong-co.html" %}', "render"),
        ("{% for x in receipt %}{{ x }}{% endfor %}", "Nội dung", "render"),
    ],
)
def test_a_broken_edited_template_falls_back_to_the_built_in_text(no_edits, subject, body, fails_on, caplog):
    context = sample_context(Kind.RECEIVED)
    built_in = render(Kind.RECEIVED, Channel.EMAIL, "en", context)
    edit(Kind.RECEIVED, Channel.EMAIL, "en", subject=subject, body=body)
    assert render(Kind.RECEIVED, Channel.EMAIL, "en", context) == built_in
    templates = templates_of([(Kind.RECEIVED, Channel.EMAIL, "en")])
    assert render(Kind.RECEIVED, Channel.EMAIL, "en", context, templates=templates) == built_in
    assert (compiles(subject) and compiles(body)) == (fails_on == "render")
    assert "message template received/email/en does not render" in caplog.text


def test_templates_ensure_creates_the_missing_rows_and_never_overwrites_an_edit():
    MessageTemplate.objects.all().delete()
    expected = sum(len(channels_of(kind)) for kind in DEFAULTS) * len(LANGUAGES)
    assert templates_ensure() == expected == 90
    assert MessageTemplate.objects.count() == expected
    english = MessageTemplate.objects.get(kind=Kind.RECEIVED, channel=Channel.EMAIL, language="en")
    assert (english.subject, english.body) == default_text(Kind.RECEIVED, Channel.EMAIL, "en")
    assert english.subject == "Dossier {{ code }} has been received"
    sms = MessageTemplate.objects.get(kind=Kind.RECEIVED, channel=Channel.SMS, language="vi")
    assert sms.subject == "" and sms.body.startswith("DVC Phú Thọ: hồ sơ {{ code }}")
    assert not MessageTemplate.objects.filter(kind=Kind.OVERDUE, channel=Channel.SMS).exists()

    edited = edit(Kind.FILED, Channel.EMAIL, "vi", subject="Sửa {{ reference }}", body="Nội dung đã sửa")
    MessageTemplate.objects.filter(kind=Kind.RECEIVED).delete()
    assert templates_ensure() == len(channels_of(Kind.RECEIVED)) * len(LANGUAGES)
    assert templates_ensure() == 0
    edited.refresh_from_db()
    assert (edited.subject, edited.body) == ("Sửa {{ reference }}", "Nội dung đã sửa")
    assert MessageTemplate.objects.count() == expected
    # a row nobody edited follows the release's text (e.g. written before its translation existed)
    MessageTemplate.objects.filter(kind=Kind.RECEIVED, channel=Channel.EMAIL, language="en").update(
        subject="Hồ sơ {{ code }} đã được tiếp nhận"
    )
    assert templates_ensure() == 1
    english = MessageTemplate.objects.get(kind=Kind.RECEIVED, channel=Channel.EMAIL, language="en")
    assert english.subject == "Dossier {{ code }} has been received"
    edited.refresh_from_db()
    assert edited.subject == "Sửa {{ reference }}"

    MessageTemplate.objects.filter(language="en").delete()
    assert templates_ensure(languages=["en"]) == expected // 2
    assert MessageTemplate.objects.count() == expected
