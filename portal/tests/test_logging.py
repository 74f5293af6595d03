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


def _handled(logger_name: str, emit) -> str:
    """What a handler configured like ``LOGGING``'s console prints for the records ``emit`` logs."""
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactPersonalData())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


def test_a_logged_exception_is_masked_in_its_message_args_and_traceback():
    class LookupFailed(Exception):
        pass

    def emit(logger):
        try:
            id_number, phone = "001203004567", "0987654321"
            raise LookupFailed(f"no dossier for CCCD {id_number}", {"phone": phone, "id_number": id_number})
        except LookupFailed as exc:
            logger.exception("lookup of %s / %s failed: %r", id_number, phone, exc.args)

    output = _handled("portal.tests.logging.exception", emit)
    assert "Traceback (most recent call last)" in output and "LookupFailed" in output  # the traceback is there…
    assert "001203004567" not in output and "0987654321" not in output  # …without the numbers
    assert output.count("[đã ẩn]") >= 4


def test_a_logged_stack_is_masked():
    def emit(logger):
        logger.warning("called 0912345678", stack_info=True)  # the stack shows this line, number and all

    output = _handled("portal.tests.logging.stack", emit)
    assert "Stack (most recent call last)" in output
    assert "0912345678" not in output


def test_settings_attach_the_filter_to_every_handler(settings):
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact" in handler.get("filters", []), name


def test_celery_workers_keep_the_portal_logging():
    """Celery replaces the root logger's handlers unless ``setup_logging`` is answered: the portal answers it with
    ``settings.LOGGING``, whose handlers mask personal data."""
    from celery import signals

    from portal.celery import use_portal_logging

    assert any(receiver() is use_portal_logging for _key, receiver in signals.setup_logging.receivers)
    root = logging.getLogger()
    saved = root.handlers[:]
    try:
        use_portal_logging()
        assert root.handlers and all(
            any(isinstance(f, RedactPersonalData) for f in handler.filters) for handler in root.handlers
        )
    finally:
        root.handlers[:] = saved
