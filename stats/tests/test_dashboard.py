"""The province dashboard beyond the summary (issue 13, points 2–5): the Decision 766 panel against the dossiers and
the catalogue counted here in Python, the rankings, every number's link to the very dossiers it counts, the
exports (CSV, XLSX read back with openpyxl, the one-page PDF) and who may open the page."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dossiers.models import Dossier
from dossiers.selectors.cohort import COUNTED
from dossiers.tests import conftest as dossier_fixtures
from dossiers.workflow import FINISHED_STATES, Action
from procedures.models import OnlineLevel, ProcedureVersion
from procedures.selectors import in_force_filter
from stats import decision766
from stats.models import Portfolio
from stats.services import stats_refresh
from stats.tests.test_api import DAY1, MARCH, TZ, get, receive, walk

pytestmark = pytest.mark.django_db
world = dossier_fixtures.world
private_dir = dossier_fixtures.private_dir


@pytest.fixture
def cohort(world):
    """March: at Việt Trì one decided (early), one paid online then decided, one in progress; at the other commune one
    stopped. April: nothing."""
    made = {
        "early": walk(world, receive(world, DAY1), [Action.TRANSFER, Action.ASSIGN, Action.DECIDE], DAY1),
        "open": walk(world, receive(world, DAY1), [Action.TRANSFER], DAY1),
        "other": walk(
            world, receive(world, DAY1, other=True), [Action.TRANSFER, Action.ASSIGN, Action.STOP], DAY1, other=True
        ),
    }
    paid = walk(
        world,
        receive(world, DAY1),
        [Action.TRANSFER, Action.ASSIGN, Action.REQUEST_PAYMENT, Action.CONFIRM_PAYMENT, Action.DECIDE],
        DAY1,
    )
    made["paid"] = paid
    stats_refresh()
    return made


def indicators(panel) -> dict:
    return {row["code"]: row for group in panel["groups"] for row in group["indicators"]}


def march_dossiers(unit=None):
    found = [d for d in Dossier.objects.all() if d.received_at and d.received_at.astimezone(TZ).month == 3]
    return [d for d in found if unit is None or d.processing_unit_id == unit]


def test_the_panel_is_computed_from_the_dossiers_and_the_catalogue(world, cohort):
    answer = get(world.province, "decision-766", **MARCH)
    assert answer.status_code == 200, answer.content
    panel = answer.json()["panel"]
    rows = indicators(panel)
    march = march_dossiers()
    assert [group["max_points"] for group in panel["groups"]] == [18, 20, 12, 10, 22, 18]
    assert sum(group["max_points"] for group in panel["groups"]) == 100
    # 2.1: finished early or on time, plus in progress and not overdue now, over everything received
    now = timezone.now()
    running_ok = [
        d for d in march if d.state not in FINISHED_STATES and not ((d.extended_due_at or d.due_at) or now) < now
    ]
    good = sum(d.timeliness in ("early", "on_time") for d in march) + len(running_ok)
    assert len(march) == 4
    assert (rows["2.1"]["numerator"], rows["2.1"]["denominator"]) == (good, 4)
    assert rows["2.1"]["points"] == round(20 * good / 4, 2)
    # 3.6: paid online over fee-bearing dossiers
    assert (rows["3.6"]["numerator"], rows["3.6"]["denominator"]) == (1, 1)
    assert rows["3.6"]["points"] == 6.0
    # 3.5b: procedures with an online payment over procedures with a fee-bearing dossier (the one procedure)
    assert (rows["3.5b"]["numerator"], rows["3.5b"]["denominator"]) == (1, 1)
    # 3.5a and 3.1: the catalogue in force today
    versions = ProcedureVersion.objects.filter(in_force_filter(timezone.localdate()), is_applied=True)
    every = {v.procedure_id for v in versions}
    online = {v.procedure_id for v in versions if v.online_level in (OnlineLevel.PARTIAL, OnlineLevel.FULL)}
    with_fee = {v.procedure_id for v in versions if v.fee_vnd}
    assert (rows["3.1"]["numerator"], rows["3.1"]["denominator"]) == (len(online), len(every))
    assert rows["3.1"]["points"] is None  # tracked: the 12 points' split is not published
    assert rows["3.5a"]["denominator"] == len(with_fee)
    procedure = cohort["paid"].procedure_id
    assert rows["3.5a"]["numerator"] == (1 if procedure in with_fee else 0)
    # 5.4 (partial): finished, not late, not rated "not satisfied", over finished
    finished = [d for d in march if d.state in FINISHED_STATES]
    well = [d for d in finished if d.timeliness != "late" and d.rating != "not_satisfied"]
    assert (rows["5.4"]["numerator"], rows["5.4"]["denominator"]) == (len(well), len(finished))
    assert rows["5.4"]["computable"] == "partial" and rows["5.4"]["reason"]
    # 4.1, 4.2: nothing digitised (received on paper, no result file)
    assert rows["4.1"]["numerator"] == rows["4.2"]["numerator"] == 0 and rows["4.1"]["denominator"] == 4
    # what cannot be computed here says why, and scores nothing
    for code in ("1.1", "1.2", "1.3", "1.4", "3.2", "3.3", "4.3", "4.4", "4.5a", "4.5b", "4.6", "5.2", "5.3"):
        assert rows[code]["computable"] == "no" and rows[code]["reason"] and rows[code]["points"] is None
        assert rows[code]["numerator"] is None and rows[code]["value"] is None
    scored = [row["points"] for row in rows.values() if row["points"] is not None]
    assert panel["points"] == round(sum(scored), 2)
    assert panel["computable_points"] == 58


def test_points_follow_the_threshold_or_the_rate():
    satisfaction = decision766.INDICATORS["5.4"]  # 6 points, threshold 90 %
    assert decision766.points_of(satisfaction, 0.9) == 6.0
    assert decision766.points_of(satisfaction, 1.0) == 6.0
    assert decision766.points_of(satisfaction, 0.45) == 3.0
    assert decision766.points_of(decision766.INDICATORS["2.1"], 0.5) == 10.0  # linear
    assert decision766.points_of(decision766.INDICATORS["2.1"], None) == 0.0  # no dossiers: no points
    assert decision766.points_of(decision766.INDICATORS["1.4"], 1.0) is None  # not computable here


def test_the_ranking_puts_each_commune_by_its_own_points(world, cohort):
    answer = get(world.province, "decision-766/ranking", by="commune", **MARCH)
    assert answer.status_code == 200, answer.content
    rows = answer.json()["rows"]
    assert [row["unit"] for row in rows] == sorted(
        [world.unit.pk, world.other_unit.pk], key=lambda pk: -next(r["points"] for r in rows if r["unit"] == pk)
    )
    assert [row["rank"] for row in rows] == [1, 2]
    mine = next(row for row in rows if row["unit"] == world.unit.pk)
    alone = get(world.province, "decision-766", unit=world.unit.key, **MARCH).json()["panel"]
    assert mine["points"] == alone["points"]
    assert mine["received"] == len(march_dossiers(world.unit.pk))
    assert mine["params"] == {"commune": world.unit.commune.code}
    assert get(world.province, "decision-766/ranking", by="department", **MARCH).json()["rows"] == []
    assert get(world.province, "decision-766/ranking", by="nowhere", **MARCH).status_code == 400


def test_a_leader_ranks_and_scores_only_their_unit(world, cohort):
    rows = get(world.leader, "decision-766/ranking", by="commune", **MARCH).json()["rows"]
    assert [row["unit"] for row in rows] == [world.unit.pk]
    panel = get(world.leader, "decision-766", **MARCH).json()["panel"]
    assert indicators(panel)["2.1"]["denominator"] == len(march_dossiers(world.unit.pk)) == 3
    assert get(world.handler, "decision-766", **MARCH).status_code == 403
    assert get(world.citizen, "decision-766/ranking", by="commune", **MARCH).status_code == 403


def listed(user, params) -> int:
    """How many dossiers the desk's list shows for ``params`` (the count in its caption)."""
    client = Client()
    client.force_login(user)
    page = client.get("/can-bo/hang-doi/tat-ca/", params)
    assert page.status_code == 200
    found = re.search(r'class="desk-behind">.*?<span class="muted">(\d+) hồ sơ</span>', page.content.decode(), re.S)
    assert found, page.content.decode()[:3000]
    return int(found.group(1))


def test_every_number_of_the_summary_links_to_the_dossiers_it_counts(world, cohort):
    totals = get(world.province, "summary", **MARCH).json()["totals"]
    period = {"from": MARCH["from"], "to": MARCH["to"]}
    for measure in [*COUNTED, "overdue_now"]:
        if measure in totals:
            assert listed(world.province, {"measure": measure, **period}) == totals[measure], measure
    # a breakdown row's numbers, with the row's own filter
    for row in get(world.province, "breakdown", by="commune", **MARCH).json()["rows"]:
        for measure in ("received", "finished", "in_progress", "late", "early"):
            assert listed(world.province, {"measure": measure, **period, **row["params"]}) == row[measure]
    # the leader's list is their scope's, like their dashboard
    leader_totals = get(world.leader, "summary", **MARCH).json()["totals"]
    assert listed(world.leader, {"measure": "received", **period}) == leader_totals["received"] == 3


def test_a_malformed_filter_on_the_list_is_told_and_ignored(world, cohort):
    client = Client()
    client.force_login(world.province)
    page = client.get("/can-bo/hang-doi/tat-ca/", {"measure": "received", "from": "2026-13-01", "to": "x"})
    assert page.status_code == 200
    assert "Bộ lọc số liệu không hợp lệ" in page.content.decode()
    page = client.get("/can-bo/hang-doi/tat-ca/", {"measure": "nothing", "from": "2026-03-01", "to": "2026-03-31"})
    assert "Bộ lọc số liệu không hợp lệ" in page.content.decode()


def export(user, table, fmt, **params):
    client = Client()
    client.force_login(user)
    return client.get(f"/so-lieu/xuat/{table}.{fmt}", params)


def test_the_tables_export_as_csv_and_xlsx_with_vietnamese_headers(world, cohort):
    totals = get(world.province, "summary", **MARCH).json()["totals"]
    answer = export(world.province, "summary", "xlsx", **MARCH)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="so-lieu-summary-2026-03-01-2026-03-31.xlsx"' in answer["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet["A2"].value == "Chỉ tiêu" and sheet["B2"].value == "Giá trị"
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["Tiếp nhận"] == totals["received"] == 4
    assert values["Đang quá hạn"] == totals["overdue_now"]
    answer = export(world.province, "breakdown", "csv", by="commune", **MARCH)
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Xã, phường", "Tiếp nhận", "Nộp trực tuyến"]
    assert sum(int(row[1]) for row in table[1:]) == totals["received"]
    sheet = load_workbook(io.BytesIO(export(world.province, "decision-766", "xlsx", **MARCH).content)).active
    codes = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert {"2.1", "3.6", "5.4", "1.4"} <= set(codes)
    ranking = load_workbook(io.BytesIO(export(world.province, "ranking", "xlsx", by="commune", **MARCH).content)).active
    assert [row[0] for row in ranking.iter_rows(min_row=3, values_only=True)] == [1, 2]
    weekly = list(csv.reader(io.StringIO(export(world.province, "weekly", "csv", **MARCH).content.decode("utf-8-sig"))))
    assert sum(int(row[1]) for row in weekly[1:]) == 4
    assert export(world.province, "breakdown", "csv", by="nothing", **MARCH).status_code == 404
    assert export(world.province, "everything", "csv", **MARCH).status_code == 404
    assert export(world.handler, "summary", "csv", **MARCH).status_code == 403


def test_an_export_in_english_has_english_headers(world, cohort):
    client = Client()
    client.force_login(world.province)
    client.cookies["django_language"] = "en"
    answer = client.get("/so-lieu/xuat/summary.csv", MARCH)
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["Indicator", "Value"]
    assert rows[1][0] == "Received"


def test_the_panel_prints_on_one_page(world, cohort):
    from pypdf import PdfReader

    client = Client()
    client.force_login(world.province)
    answer = client.get("/so-lieu/chi-so-766.pdf", {"period": "year"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Quyết định 766" in text and "Không tính được" in text and "2.1" in text


def test_who_may_open_the_dashboard(world, cohort):
    anonymous = Client().get("/so-lieu/")
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]
    for person in (world.citizen, world.reception, world.handler):
        client = Client()
        client.force_login(person)
        assert client.get("/so-lieu/").status_code == 403
    client = Client()
    client.force_login(world.leader)
    page = client.get("/so-lieu/").content.decode()
    assert f'value="{world.unit.key}"' in page and f'value="{world.other_unit.key}"' not in page
    client.force_login(world.province)
    page = client.get("/so-lieu/").content.decode()
    assert f'value="{world.other_unit.key}"' in page and "Toàn tỉnh Phú Thọ" in page


def test_a_portfolio_opens_the_dashboard_on_its_fields(world, cohort):
    field = Dossier.objects.first().field
    portfolio = Portfolio.objects.create(user=world.province)
    portfolio.fields.add(field)
    client = Client()
    client.force_login(world.province)
    page = client.get("/so-lieu/").content.decode()
    assert "Phạm vi theo dõi của bạn" in page and field.name in page
    assert page.count('<option value="') - page.count('<option value="">') >= 1
    assert get(world.province, "summary", **MARCH).json()["totals"]["received"] == 4  # all dossiers are of it


def test_the_province_office_lands_on_the_dashboard(world):
    client = Client()
    world.province.set_password("Mật-khẩu-2026")
    world.province.save()
    answer = client.post("/tai-khoan/dang-nhap/", {"username": world.province.username, "password": "Mật-khẩu-2026"})
    assert answer.status_code == 302 and answer["Location"] == "/so-lieu/"


def test_the_schema_documents_the_panel(world):
    client = Client()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/stats/decision-766/" in schema and "/api/stats/decision-766/ranking/" in schema


def test_an_administrator_gives_a_leader_a_portfolio_in_the_admin(world, cohort):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root-admin", password="Mật-khẩu-2026")
    client = Client()
    client.force_login(admin)
    field = Dossier.objects.first().field
    answer = client.post(
        "/admin/stats/portfolio/add/", {"user": world.leader.pk, "fields": [field.pk], "units": [world.unit.pk]}
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    portfolio = Portfolio.objects.get(user=world.leader)
    assert list(portfolio.fields.all()) == [field] and list(portfolio.units.all()) == [world.unit]
    listing = client.get("/admin/stats/portfolio/").content.decode()
    assert field.name in listing
    assert get(world.leader, "summary", **MARCH).json()["totals"]["received"] == 3  # their unit, their field


def test_without_beat_a_reader_refreshes_stale_figures(world, cohort, settings):
    """The embedded default (``make run``: eager Celery, no beat) refreshes on read when the figures are older than
    the refresh interval; with beat (the default elsewhere) a read never writes."""
    from stats.models import Refresh

    today = {"period": "today"}
    receive(world, timezone.now())
    Refresh.objects.update(as_of=timezone.now() - datetime.timedelta(minutes=5))
    settings.STATS_REFRESH_ON_READ = False
    assert get(world.province, "summary", **today).json()["totals"]["received"] == 0
    settings.STATS_REFRESH_ON_READ = True
    settings.STATS_REFRESH_SECONDS = 30
    assert get(world.province, "summary", **today).json()["totals"]["received"] == 1
    receive(world, timezone.now())  # the mark is now fresh: not refreshed again within the interval
    assert get(world.province, "summary", **today).json()["totals"]["received"] == 1


def test_the_department_league_leaves_the_communes_out(world, cohort):
    from communes.models import ProcessingUnit

    department = ProcessingUnit.objects.filter(commune__isnull=True).first()
    rows = get(world.province, "breakdown", by="department", **MARCH).json()["rows"]
    assert rows == []  # every dossier of the cohort is a commune committee's
    communes = get(world.province, "breakdown", by="commune", **MARCH).json()["rows"]
    assert sum(row["received"] for row in communes) == 4
    assert department is None or department.pk not in {row["key"] for row in communes}


def test_the_online_shares_split_full_and_partial(world, cohort, private_dir):
    from dossiers.tests.factories import file_online
    from dossiers.tests.states import walk as walk_states

    online = walk_states(world, file_online(world.citizen, world.centre), [Action.RECEIVE])
    receive(world, timezone.now())
    stats_refresh()
    totals = get(world.province, "summary", period="today").json()["totals"]
    assert totals["received"] == 2 and totals["online"] == 1 and totals["online_share"] == 0.5
    full = online.procedure_version.online_level == OnlineLevel.FULL
    assert (totals["full_online_share"], totals["partial_online_share"]) == ((0.5, 0.0) if full else (0.0, 0.5))
    assert totals["online_full"] == (1 if full else 0)


def test_transitional_dossiers_are_shown_apart_or_left_out(world, cohort, tmp_path):
    from legacy.services import legacy_import
    from legacy.tests.test_import import opencps, unit, write_json

    received = DAY1.astimezone(TZ).strftime("%d/%m/%Y %H:%M:%S")  # in March, with the cohort
    legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-MARCH", unit("phu_tho"), receiveDate=received)])])
    stats_refresh()
    every = get(world.province, "summary", **MARCH).json()["totals"]
    only = get(world.province, "summary", transitional="only", **MARCH).json()["totals"]
    without = get(world.province, "summary", transitional="exclude", **MARCH).json()["totals"]
    assert (every["received"], only["received"], without["received"]) == (5, 1, 4)
    assert every["transitional"] == only["transitional"] == 1 and without["transitional"] == 0
    by_commune = get(world.province, "breakdown", by="commune", transitional="exclude", **MARCH).json()["rows"]
    assert sum(row["received"] for row in by_commune) == 4
    period = {"from": MARCH["from"], "to": MARCH["to"]}
    assert listed(world.province, {"measure": "received", "transitional": "only", **period}) == 1
    assert listed(world.province, {"measure": "transitional", **period}) == 1
    assert get(world.province, "summary", transitional="maybe", **MARCH).status_code == 400
