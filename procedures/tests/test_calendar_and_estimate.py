"""The calendar as configured in the database, and ``GET /api/procedures/{code}/appointment-estimate``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from procedures import calendar as calendar_module
from procedures.calendar import calendar_version_bump, working_calendar
from procedures.models import (
    CalendarException,
    CalendarExceptionKind,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    TimeUnit,
    VersionChange,
    WorkingSession,
)
from procedures.worktime import DEFAULT_SESSIONS, TIME_UNITS

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/api/procedures/{code}/appointment-estimate"


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test starts (and leaves) without a cached calendar: rolled-back rows send no signal."""
    calendar_version_bump()
    yield
    calendar_version_bump()


@pytest.fixture
def procedures_catalogue(db):
    """A handful of procedure versions in force since 1/7/2025, one per way of stating the processing time."""
    field = ProcedureField.objects.create(slug="ho-tich", name="Hộ tịch", name_folded="ho tich")

    def make(code, *, time_value=None, time_unit="", working_hours=None, effective_from=date(2025, 7, 1), **extra):
        procedure = Procedure.objects.create(code=code, source="illustrative")
        return ProcedureVersion.objects.create(
            procedure=procedure,
            effective_from=effective_from,
            name=f"Thủ tục thử {code}",
            name_folded=f"thu tuc thu {code}",
            field=field,
            level="commune",
            time_value=time_value,
            time_unit=time_unit,
            working_hours=working_hours,
            **extra,
        )

    return {
        "3d": make("T.3D", time_value=Decimal(3), time_unit=TimeUnit.WORKING_DAYS, working_hours=24),
        "half": make("T.HALF", time_value=Decimal("0.5"), time_unit=TimeUnit.WORKING_DAYS, working_hours=4),
        "4h": make("T.4H", time_value=Decimal(4), time_unit=TimeUnit.WORKING_HOURS, working_hours=4),
        "15days": make("T.15NGAY", time_value=Decimal(15), time_unit=TimeUnit.CALENDAR_DAYS),
        "1month": make("T.1THANG", time_value=Decimal(1), time_unit=TimeUnit.MONTHS),
        "hours-only": make("T.GIO", working_hours=8),
        "none": make("T.KHONG"),
        "bad": make("T.SAI", time_value=Decimal("1.5"), time_unit=TimeUnit.CALENDAR_DAYS),
        "future": make(
            "T.SAU", time_value=Decimal(3), time_unit=TimeUnit.WORKING_DAYS, effective_from=date(2026, 7, 1)
        ),
        "abolished": make(
            "T.BAIBO", time_value=Decimal(3), time_unit=TimeUnit.WORKING_DAYS, change=VersionChange.ABOLISHED
        ),
    }


def test_time_units_match_the_model():
    assert set(TimeUnit.values) == TIME_UNITS


# --- The calendar from the database -------------------------------------------------------------------------------


def test_default_sessions_come_from_the_migration():
    assert working_calendar().sessions == DEFAULT_SESSIONS


def test_calendar_is_cached_between_calls(django_assert_num_queries, monkeypatch):
    # the version stamp in a cache of this test's own: the shared Redis database is written by other test processes
    # (a stamp bumped or dropped there between the two calls would make this test fail for the wrong reason)
    from django.core.cache.backends.locmem import LocMemCache

    monkeypatch.setattr(calendar_module, "cache", LocMemCache("calendar-cached-test", {}))
    monkeypatch.setattr(calendar_module, "_memo", None)
    first = working_calendar()
    with django_assert_num_queries(0):
        assert working_calendar() is first


def test_admin_day_off_is_seen_after_commit(django_capture_on_commit_callbacks):
    monday = datetime(2026, 3, 2, 7, tzinfo=VN)
    assert working_calendar().add_working_hours(monday, 16) == datetime(2026, 3, 3, 17, tzinfo=VN)
    with django_capture_on_commit_callbacks(execute=True):
        CalendarException.objects.create(date=date(2026, 3, 3), kind=CalendarExceptionKind.DAY_OFF, note="Bão")
    assert working_calendar().extra_days_off == frozenset({date(2026, 3, 3)})
    assert working_calendar().add_working_hours(monday, 16) == datetime(2026, 3, 4, 17, tzinfo=VN)


def test_admin_working_saturday_then_its_deletion_are_seen(django_capture_on_commit_callbacks):
    saturday = date(2026, 3, 7)
    with django_capture_on_commit_callbacks(execute=True):
        exception = CalendarException.objects.create(date=saturday, kind=CalendarExceptionKind.WORKING_DAY)
    assert working_calendar().is_working_day(saturday) is True
    with django_capture_on_commit_callbacks(execute=True):
        exception.delete()
    assert working_calendar().is_working_day(saturday) is False


def test_session_edit_is_seen(django_capture_on_commit_callbacks):
    afternoon = WorkingSession.objects.get(start=time(13, 30))
    with django_capture_on_commit_callbacks(execute=True):
        afternoon.end = time(16, 30)
        afternoon.save()
    calendar = working_calendar()
    assert calendar.sessions == ((time(7, 0), time(11, 30)), (time(13, 30), time(16, 30)))
    assert calendar.add_working_hours(datetime(2026, 3, 2, 7, tzinfo=VN), 8) == datetime(2026, 3, 3, 7, 30, tzinfo=VN)


def test_edit_is_not_seen_before_commit(django_capture_on_commit_callbacks):
    before = working_calendar()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        CalendarException.objects.create(date=date(2026, 3, 3), kind=CalendarExceptionKind.DAY_OFF)
    assert len(callbacks) == 1
    assert working_calendar() is before  # another process must not rebuild from rows that may yet roll back
    callbacks[0]()
    assert working_calendar() is not before
    assert working_calendar().is_working_day(date(2026, 3, 3)) is False


def test_a_bump_elsewhere_makes_this_process_rebuild(django_assert_num_queries):
    """The stamp is shared through the cache: another process's bump is seen here, and only one rebuild follows."""
    first = working_calendar()
    calendar_module.cache.set(calendar_module.VERSION_KEY, "changed-by-another-process", timeout=None)
    with django_assert_num_queries(2):
        rebuilt = working_calendar()
    assert rebuilt is not first
    with django_assert_num_queries(0):
        assert working_calendar() is rebuilt


def test_broken_session_configuration_falls_back_to_the_defaults(django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        WorkingSession.objects.create(start=time(11, 0), end=time(14, 0))  # overlaps both default sessions
    assert working_calendar().sessions == DEFAULT_SESSIONS
    assert "invalid" in caplog.text


def test_no_session_at_all_falls_back_to_the_defaults(django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        WorkingSession.objects.all().delete()
    assert working_calendar().sessions == DEFAULT_SESSIONS
    assert "no working session" in caplog.text


# --- The estimate endpoint --------------------------------------------------------------------------------------

pytestmark_urls = pytest.mark.urls("procedures.tests.urls_estimate")


@pytestmark_urls
@pytest.mark.parametrize(
    ("key", "received_at", "expected"),
    [
        pytest.param(
            "3d",
            "2026-03-02T07:00:00+07:00",
            {
                "procedure": "T.3D",
                "received_at": "2026-03-02T07:00:00+07:00",
                "working_hours": 24.0,
                "time_value": 3.0,
                "time_unit": "working_days",
                "due_at": "2026-03-04T17:00:00+07:00",
            },
            id="3-working-days-offset",
        ),
        pytest.param(
            "3d",
            "2026-03-02T07:00:00",
            {"received_at": "2026-03-02T07:00:00+07:00", "due_at": "2026-03-04T17:00:00+07:00"},
            id="naive-is-vietnam-time",
        ),
        pytest.param(
            "3d",
            "2026-03-02T00:00:00Z",
            {"received_at": "2026-03-02T07:00:00+07:00", "due_at": "2026-03-04T17:00:00+07:00"},
            id="utc-is-converted",
        ),
        pytest.param(
            "3d",
            "2026-02-13T15:00:00+07:00",
            {"due_at": "2026-02-25T15:00:00+07:00"},  # Fri 2 h, Tết, Mon 8 h, Tue 8 h, Wed 6 h
            id="across-tet",
        ),
        pytest.param(
            "half",
            "2026-03-02T11:00:00+07:00",
            {"working_hours": 4.0, "time_value": 0.5, "due_at": "2026-03-02T17:00:00+07:00"},  # 0.5 h + 3.5 h
            id="half-day-ends-at-1700",
        ),
        pytest.param(
            "4h",
            "2026-03-07T09:00:00+07:00",
            {"working_hours": 4.0, "time_unit": "working_hours", "due_at": "2026-03-09T11:00:00+07:00"},
            id="received-on-saturday",
        ),
        pytest.param(
            "15days",
            "2026-04-16T10:00:00+07:00",
            {"working_hours": None, "time_unit": "days", "due_at": "2026-05-04T17:00:00+07:00"},
            id="calendar-days-end-on-a-holiday",
        ),
        pytest.param(
            "1month",
            "2026-01-31T09:00:00+07:00",
            {"working_hours": None, "time_unit": "months", "due_at": "2026-03-02T17:00:00+07:00"},
            id="a-month-ends-on-saturday",
        ),
        pytest.param(
            "hours-only",
            "2026-03-02T10:00:00+07:00",
            {
                "working_hours": 8.0,
                "time_value": 8.0,
                "time_unit": "working_hours",
                "due_at": "2026-03-03T10:00:00+07:00",
            },
            id="only-working-hours-stored",
        ),
        pytest.param(
            "3d",
            "2026-03-02",
            {"received_at": "2026-03-02T00:00:00+07:00", "due_at": "2026-03-04T17:00:00+07:00"},
            id="a-date-alone-is-midnight",
        ),
    ],
)
def test_estimate(client, procedures_catalogue, key, received_at, expected):
    code = procedures_catalogue[key].procedure.code
    response = client.get(URL.format(code=code), {"received_at": received_at})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"procedure", "received_at", "working_hours", "time_value", "time_unit", "due_at"}
    assert body["procedure"] == code
    for name, value in expected.items():
        assert body[name] == value, name


@pytestmark_urls
def test_unencoded_plus_in_the_offset_is_understood(client, procedures_catalogue):
    # "+" in a raw query string decodes to a space; the offset must still be read as +07:00, not dropped.
    response = client.get(URL.format(code="T.3D") + "?received_at=2026-03-02T00:00:00+07:00")
    assert response.status_code == 200, response.content
    assert response.json()["received_at"] == "2026-03-02T00:00:00+07:00"
    response = client.get(URL.format(code="T.3D") + "?received_at=2026-03-02T10:00:00+00:00")
    assert response.json()["received_at"] == "2026-03-02T17:00:00+07:00"
    assert response.json()["due_at"] == "2026-03-05T17:00:00+07:00"


@pytestmark_urls
def test_received_at_defaults_to_now(client, procedures_catalogue, monkeypatch):
    # Monday 2/3/2026 08:00 in Vietnam; 4 working hours: 08:00–11:30 (3.5 h) then 13:30–14:00.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    response = client.get(URL.format(code="T.4H"))
    assert response.status_code == 200, response.content
    assert response.json()["received_at"] == "2026-03-02T08:00:00+07:00"
    assert response.json()["due_at"] == "2026-03-02T14:00:00+07:00"


@pytestmark_urls
def test_admin_exception_changes_the_estimate(client, procedures_catalogue, django_capture_on_commit_callbacks):
    url = URL.format(code="T.3D")
    assert client.get(url, {"received_at": "2026-03-02T07:00"}).json()["due_at"] == "2026-03-04T17:00:00+07:00"
    with django_capture_on_commit_callbacks(execute=True):
        CalendarException.objects.create(date=date(2026, 3, 3), kind=CalendarExceptionKind.DAY_OFF)
    assert client.get(url, {"received_at": "2026-03-02T07:00"}).json()["due_at"] == "2026-03-05T17:00:00+07:00"


@pytestmark_urls
@pytest.mark.parametrize(
    "received_at", ["hôm qua", "2026-13-01T07:00", "02/03/2026 07:00", "2026-03-02T25:00", "1900-01-01T07:00"]
)
def test_malformed_received_at_is_a_400_in_vietnamese(client, procedures_catalogue, received_at):
    response = client.get(URL.format(code="T.3D"), {"received_at": received_at})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "received_at"
    assert body["detail"].startswith("Thời điểm tiếp nhận (received_at)")


@pytestmark_urls
@pytest.mark.parametrize(
    ("code", "received_at"),
    [
        ("9.999999", "2026-03-02T07:00"),  # no such procedure
        ("T.SAU", "2026-03-02T07:00"),  # in force only from 1/7/2026
        ("T.BAIBO", "2026-03-02T07:00"),  # abolished
    ],
)
def test_unknown_procedure_is_a_404_json(client, procedures_catalogue, code, received_at):
    response = client.get(URL.format(code=code), {"received_at": received_at})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["detail"] == f"Không tìm thấy thủ tục có mã {code} có hiệu lực vào ngày 02/03/2026."


@pytestmark_urls
def test_version_in_force_on_the_reception_date_is_used(client, procedures_catalogue):
    response = client.get(URL.format(code="T.SAU"), {"received_at": "2026-07-01T07:00"})
    assert response.status_code == 200
    assert response.json()["due_at"] == "2026-07-03T17:00:00+07:00"  # Wed 1/7 – Fri 3/7/2026


@pytestmark_urls
@pytest.mark.parametrize(
    ("code", "error_code"), [("T.KHONG", "no_processing_time"), ("T.SAI", "invalid_processing_time")]
)
def test_procedure_without_a_usable_time_is_a_422(client, procedures_catalogue, code, error_code):
    response = client.get(URL.format(code=code), {"received_at": "2026-03-02T07:00"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == error_code
    assert "chưa thể tính ngày hẹn" in body["detail"]


@pytestmark_urls
def test_schema_documents_the_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="procedures.tests.urls_estimate").get_schema(request=None, public=True)
    operation = schema["paths"]["/api/procedures/{code}/appointment-estimate"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert parameters["received_at"]["in"] == "query"
    assert parameters["received_at"]["schema"]["format"] == "date-time"
    assert parameters["code"]["in"] == "path"
    # 401: wrong credentials are refused on every endpoint (portal.common.openapi documents it everywhere)
    assert set(operation["responses"]) == {"200", "400", "401", "404", "422"}
