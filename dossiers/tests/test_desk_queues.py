"""The desk's queues (issue 12, point 1) and bulk actions (point 6): who sees which dossier in which queue, the counts
equal the lists, the search (code, name with or without diacritics, CCCD, phone), one round trip with a bounded
number of queries whatever the number of dossiers, and bulk transfer / return / receipts with a result per dossier.
"""

from __future__ import annotations

import datetime
import unicodedata

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from dossiers.selectors.queues import ALL, QUEUES, queue_counts, queue_dossiers, search_condition
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import Action, State

pytestmark = pytest.mark.django_db


def dossier_in(world, state: State, **applicant) -> Dossier:
    return walk(world, file_online(world.citizen, world.centre, applicant=applicant), PATHS[state])


def counts_of(user) -> dict[str, int]:
    return {item.queue.slug: item.count for item in queue_counts(user)}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def spread(world):
    """One dossier in each state a queue is about, at the world's centre and unit."""
    made = {state: dossier_in(world, state) for state in (State.FILED, State.RECEIVED, State.TRANSFERRED)}
    made[State.PROCESSING] = dossier_in(world, State.PROCESSING)
    made[State.RESULT_READY] = dossier_in(world, State.RESULT_READY)
    made[State.WITHDRAWAL_REQUESTED] = dossier_in(world, State.WITHDRAWAL_REQUESTED)
    supplemented = walk(
        world, dossier_in(world, State.SUPPLEMENT_REQUESTED), [Action.SUPPLEMENT]
    )  # processing again, after the citizen's supplement
    paid = walk(world, dossier_in(world, State.PAYMENT_REQUESTED), [Action.CONFIRM_PAYMENT])
    return {**made, "supplemented": supplemented, "paid": paid}


def test_each_role_has_its_queues_with_counts(world, spread):
    reception = counts_of(world.reception)
    assert set(reception) == {"cho-tiep-nhan", "chua-chuyen", "sap-den-han", "qua-han", "cho-tra", "xin-rut"}
    assert reception["cho-tiep-nhan"] == 1 and reception["chua-chuyen"] == 1
    assert reception["cho-tra"] == 1 and reception["xin-rut"] == 1

    leader = counts_of(world.leader)
    assert set(leader) == {"cho-phan-cong", "sap-den-han", "qua-han", "da-bo-sung", "da-nop-phi", "xin-rut"}
    assert leader["cho-phan-cong"] == 1 and leader["xin-rut"] == 1
    assert leader["da-bo-sung"] == 1 and leader["da-nop-phi"] == 1

    handler = counts_of(world.handler)
    assert set(handler) == {"cua-toi", "sap-den-han", "qua-han", "da-bo-sung", "da-nop-phi"}
    # assigned to the handler and not finished: processing, supplemented, paid, withdrawal requested
    assert handler["cua-toi"] == 4

    assert counts_of(world.citizen) == {}
    assert set(counts_of(world.province)) == {"sap-den-han", "qua-han"}


def test_the_other_commune_sees_none_of_it(world, spread):
    for person in (world.other_reception, world.other_handler, world.other_leader):
        assert all(count == 0 for count in counts_of(person).values()), person
        assert not queue_dossiers(person, ALL).exists()
        for slug in QUEUES:
            assert not queue_dossiers(person, slug).exists()


def test_every_count_equals_its_list(world, spread):
    for person in (world.reception, world.handler, world.leader, world.province):
        for item in queue_counts(person):
            listed = list(queue_dossiers(person, item.queue.slug))
            assert len(listed) == item.count, (person.username, item.queue.slug)


def test_supplement_and_fee_queues_follow_the_newest_event(world, spread):
    supplemented, paid = spread["supplemented"], spread["paid"]
    assert list(queue_dossiers(world.leader, "da-bo-sung")) == [supplemented]
    assert list(queue_dossiers(world.leader, "da-nop-phi")) == [paid]
    # the supplemented dossier now gets a fee request, and it is paid: it moves to the fee queue
    walk(world, supplemented, [Action.REQUEST_PAYMENT, Action.CONFIRM_PAYMENT])
    assert set(queue_dossiers(world.leader, "da-nop-phi")) == {paid, supplemented}
    assert not queue_dossiers(world.leader, "da-bo-sung").exists()
    # decided: out of both
    walk(world, Dossier.objects.get(pk=paid.pk), [Action.DECIDE])
    assert list(queue_dossiers(world.leader, "da-nop-phi")) == [supplemented]


def test_due_soon_and_overdue_on_the_working_calendar(world):
    now = timezone.now()
    soon, late, later, paused = (dossier_in(world, State.PROCESSING) for _ in range(4))
    Dossier.objects.filter(pk=soon.pk).update(due_at=now + datetime.timedelta(minutes=30))
    Dossier.objects.filter(pk=late.pk).update(due_at=now - datetime.timedelta(minutes=5))
    Dossier.objects.filter(pk=later.pk).update(due_at=now + datetime.timedelta(days=30))
    walk(world, paused, [Action.REQUEST_SUPPLEMENT])
    Dossier.objects.filter(pk=paused.pk).update(due_at=now - datetime.timedelta(days=3))  # its clock is stopped
    assert list(queue_dossiers(world.handler, "sap-den-han")) == [soon]
    assert list(queue_dossiers(world.handler, "qua-han")) == [late]
    # the apology letter's new date counts instead of the appointment
    Dossier.objects.filter(pk=late.pk).update(extended_due_at=now + datetime.timedelta(days=60))
    assert not queue_dossiers(world.handler, "qua-han").exists()
    assert list(queue_dossiers(world.province, "sap-den-han")) == [soon]


def test_lists_are_sorted_by_due_moment(world):
    now = timezone.now()
    first, second, third = (dossier_in(world, State.RECEIVED) for _ in range(3))
    for dossier, hours in ((first, 5), (second, 1), (third, 3)):
        Dossier.objects.filter(pk=dossier.pk).update(due_at=now + datetime.timedelta(hours=hours))
    assert list(queue_dossiers(world.reception, "chua-chuyen")) == [second, third, first]


@pytest.mark.parametrize(
    "query",
    ["tran van binh", "Trần Văn Bình", "TRAN VAN", unicodedata.normalize("NFD", "trần văn bình"), "van binh"],
)
def test_search_by_name_with_or_without_diacritics(world, query):
    wanted = dossier_in(world, State.RECEIVED, name="Trần Văn Bình")
    dossier_in(world, State.RECEIVED, name="Nguyễn Thị Hoa")
    assert list(queue_dossiers(world.reception, ALL, search=query)) == [wanted]


def test_search_by_code_cccd_and_phone(world):
    wanted = dossier_in(world, State.RECEIVED, id_number="025190009999", phone="0987654321")
    other = dossier_in(world, State.RECEIVED)
    assert other.applicant_id_number != wanted.applicant_id_number
    for query in (wanted.code, wanted.code.lower(), wanted.code[-11:], "025190009999", "0987 654 321", "+84987654321"):
        assert list(queue_dossiers(world.reception, ALL, search=query)) == [wanted], query
    assert search_condition("   ") is None


# --- The pages ------------------------------------------------------------------------------------------------


def test_the_desk_page_lists_the_queues_with_counts(world, spread):
    response = client_for(world.reception).get(reverse("desk"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nộp trực tuyến, chờ tiếp nhận" in html and "Có kết quả, chờ trả" in html
    assert "Chờ phân công" not in html  # a leader's queue


def test_a_queue_page_shows_its_rows(world, spread):
    response = client_for(world.reception).get(reverse("desk-queue", kwargs={"queue": "chua-chuyen"}))
    assert response.status_code == 200
    html = response.content.decode()
    received = spread[State.RECEIVED]
    assert received.code in html and reverse("desk-dossier", kwargs={"id": received.pk}) in html
    assert f'value="{received.pk}:{received.version}"' in html  # the bulk form carries the version shown
    assert spread[State.FILED].reference not in html


def test_search_from_the_desk_goes_to_all_dossiers(world, spread):
    client = client_for(world.reception)
    response = client.get(reverse("desk"), {"q": spread[State.RECEIVED].code})
    assert response.status_code == 302 and response.url.startswith(reverse("desk-queue", kwargs={"queue": ALL}))
    html = client.get(response.url).content.decode()
    assert spread[State.RECEIVED].code in html and html.count('class="desk-row') == 1


def test_a_queue_that_is_not_theirs_is_a_404(world, spread):
    client = client_for(world.reception)
    assert client.get(reverse("desk-queue", kwargs={"queue": "cho-phan-cong"})).status_code == 404
    assert client.get(reverse("desk-queue", kwargs={"queue": "no-such-queue"})).status_code == 404


def test_citizens_and_visitors_have_no_desk(world):
    assert client_for(world.citizen).get(reverse("desk")).status_code == 403
    response = Client().get(reverse("desk"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_a_queue_page_runs_the_same_queries_whatever_its_size(world, django_assert_max_num_queries):
    client = client_for(world.reception)
    url = reverse("desk-queue", kwargs={"queue": "chua-chuyen"})
    dossier_in(world, State.RECEIVED)
    client.get(url)  # warm the per-process caches (reference data, memberships)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(12):
        dossier_in(world, State.RECEIVED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="desk-row') == 13
    assert len(few.captured_queries) <= 10


# --- Bulk actions -----------------------------------------------------------------------------------------------


def test_bulk_transfer_succeeds_or_fails_per_dossier(world):
    first, second, stale = (dossier_in(world, State.RECEIVED) for _ in range(3))
    walk(world, Dossier.objects.get(pk=stale.pk), [Action.TRANSFER])  # someone else transferred it meanwhile
    foreign = walk(world, file_online(world.citizen, world.other_centre), [])
    values = [f"{d.pk}:{d.version}" for d in (first, second, stale, foreign)]
    client = client_for(world.reception)
    url = reverse("desk-queue-bulk", kwargs={"queue": "chua-chuyen"})
    response = client.post(url, {"thao_tac": "transfer", "ho_so": values})
    assert response.status_code == 302 and response.url == url  # the results are a page of their own
    html = client.get(url).content.decode()
    assert "Thành công: 2 hồ sơ. Không thực hiện được: 2 hồ sơ." in html
    assert "vừa được người khác cập nhật" in html and "Không tìm thấy" in html
    states = dict(Dossier.objects.filter(pk__in=[first.pk, second.pk, stale.pk]).values_list("pk", "state"))
    assert set(states.values()) == {State.TRANSFERRED}
    assert Dossier.objects.get(pk=foreign.pk).state == State.FILED


def test_bulk_return(world):
    ready = [dossier_in(world, State.RESULT_READY) for _ in range(2)]
    response = client_for(world.reception).post(
        reverse("desk-queue-bulk", kwargs={"queue": "cho-tra"}),
        {"thao_tac": "return", "ho_so": [f"{d.pk}:{d.version}" for d in ready]},
        follow=True,
    )
    assert "Thành công: 2 hồ sơ." in response.content.decode()
    assert set(Dossier.objects.filter(pk__in=[d.pk for d in ready]).values_list("state", flat=True)) == {State.RETURNED}


def test_bulk_action_not_offered_on_the_queue_is_refused(world):
    received = dossier_in(world, State.RECEIVED)
    client = client_for(world.reception)
    response = client.post(
        reverse("desk-queue-bulk", kwargs={"queue": "chua-chuyen"}),
        {"thao_tac": "return", "ho_so": [f"{received.pk}:{received.version}"]},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=received.pk).state == State.RECEIVED
    response = client.post(reverse("desk-queue-bulk", kwargs={"queue": "chua-chuyen"}), {"thao_tac": "transfer"})
    assert response.status_code == 302  # nothing ticked


def test_bulk_receipts_print_one_sheet_per_dossier(world):
    received = [dossier_in(world, State.RECEIVED) for _ in range(3)]
    filed = dossier_in(world, State.FILED)  # no receipt yet
    client = client_for(world.reception)
    response = client.post(
        reverse("desk-queue-bulk", kwargs={"queue": "chua-chuyen"}),
        {"thao_tac": "receipts", "ho_so": [f"{d.pk}:{d.version}" for d in [*received, filed]]},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("desk-receipts"))
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<div class="sheet">') == 3
    for dossier in received:
        assert dossier.code in html
    assert filed.reference in html.split('<div class="sheet">')[0]  # named as not printed, on screen only
    assert html.count("<html") == 1 and html.count("</body>") == 1


def test_receipts_printed_together_run_the_same_queries_however_many(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.reception)
    first = dossier_in(world, State.RECEIVED)
    client.get(reverse("desk-receipts"), {"ho_so": [first.pk]})  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("desk-receipts"), {"ho_so": [first.pk]}).status_code == 200
    more = [first, *(dossier_in(world, State.RECEIVED) for _ in range(4))]
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("desk-receipts"), {"ho_so": [d.pk for d in more]})
    assert page.content.decode().count('<div class="sheet">') == 5


def test_receipts_of_another_commune_are_not_printed(world):
    foreign = walk(world, file_online(world.citizen, world.other_centre), [])
    services.dossier_receive(dossier_id=foreign.pk, actor=world.other_reception)
    response = client_for(world.reception).get(reverse("desk-receipts"), {"ho_so": [foreign.pk]})
    assert response.status_code == 302  # nothing printable: back to the desk with a message


def test_the_deadline_queues_leave_out_dossiers_a_centre_only_returns(world):
    """A dossier received elsewhere and returned here: its clock is the receiving centre's and the unit's business
    (it shows here once its result is ready to return), not this centre's overdue queue."""
    now = timezone.now()
    elsewhere = walk(world, file_online(world.citizen, world.other_centre, return_centre_id=world.centre.pk), [])
    services.dossier_receive(dossier_id=elsewhere.pk, actor=world.other_reception)
    Dossier.objects.filter(pk=elsewhere.pk).update(due_at=now - datetime.timedelta(hours=2))
    assert not queue_dossiers(world.reception, "qua-han").exists()
    assert list(queue_dossiers(world.other_reception, "qua-han")) == [elsewhere]
    assert list(queue_dossiers(world.reception, ALL)) == [elsewhere]  # still found by a search
