import logging

import pytest

from portal.common.logging import RedactPersonalData, redact


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("citizen 001203004567 filed", "001203004567"),
        ("phone 0912345678 called", "0912345678"),
        ("phone +84912345678 called", "+84912345678"),
        ("phone 0912 345 678 called", "0912 345 678"),
        ("tax code 0101234567-001", "0101234567-001"),
    ],
)
def test_personal_numbers_are_masked(text, leak):
    cleaned = redact(text)
    assert leak not in cleaned
    assert "[đã ẩn]" in cleaned


def test_codes_that_are_not_personal_stay():
    text = "dossier 000.00.53.H48-220921-0099 procedure 1.001193 at 2026-11-24 07:00"
    assert redact(text) == text


def test_filter_rewrites_records_with_arguments():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "lookup id=%s phone=%s", ("001203004567", "0987654321"), None
    )
    assert RedactPersonalData().filter(record)
    assert "001203004567" not in record.getMessage()
    assert "0987654321" not in record.getMessage()
