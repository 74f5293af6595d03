""" "Hồ sơ của tôi" (``/ho-so-cua-toi/…``) through Django's test client: the list and its filters (constant
queries), one dossier's page (timeline, slips, documents, notices), scope (another citizen, staff, anonymous), and the
three actions — supplement, withdraw, rate — with bad input, a wrong state, a stale page, a double submit and CSRF.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Document, Dossier
from dossiers.tests.factories import file_online, tiny_pdf
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import Action, State
from notifications.models import Channel, Kind, Notification, Status

STALE = "Hồ sơ vừa được cập nhật; vui lòng xem lại trước khi thao tác."
ALREADY = "Yêu cầu này đã được thực hiện; không có gì thay đổi thêm."


@pytest.fixture(autouse=True)
def _storage(private_dir):
    return private_dir


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dossier_in(world, state: State, *, citizen=None) -> Dossier:
    return walk(world, file_online(citizen or world.citizen, world.centre), PATHS[state])


def detail(dossier) -> str:
    return reverse("my-dossier", kwargs={"id": dossier.pk})


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- The list --------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(world):
    dossier = dossier_in(world, State.FILED)
    for url in (reverse("my-dossiers"), detail(dossier), reverse("my-dossier-withdraw", kwargs={"id": dossier.pk})):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_list_shows_only_the_persons_own_dossiers_newest_first(world):
    first = dossier_in(world, State.FILED)
    second = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    someone_elses = dossier_in(world, State.FILED, citizen=world.other_citizen)
    response = client_of(world.citizen).get(reverse("my-dossiers"))
    assert response.status_code == 200
    ids = [row["dossier"].pk for row in response.context["rows"]]
    assert ids == [second.pk, first.pk]
    assert someone_elses.pk not in ids
    html = response.content.decode()
    assert "<h1>Hồ sơ của tôi</h1>" in html
    assert first.reference in html  # before reception: the provisional reference
    assert second.code in html
    assert "Chờ bạn bổ sung" in html and "Cần bổ sung giấy tờ" in html
    assert "Đã nộp" in html


def test_staff_see_only_dossiers_they_filed_themselves_on_this_list(world):
    dossier_in(world, State.RECEIVED)
    response = client_of(world.reception).get(reverse("my-dossiers"))
    assert response.context["rows"] == []
    assert "Bạn chưa có hồ sơ nào." in response.content.decode()


def test_filters(world):
    filed = dossier_in(world, State.FILED)
    waiting = dossier_in(world, State.PAYMENT_REQUESTED)
    returned = dossier_in(world, State.RETURNED)
    client = client_of(world.citizen)

    def ids(group):
        return [row["dossier"].pk for row in client.get(reverse("my-dossiers"), {"nhom": group}).context["rows"]]

    assert ids("dang-xu-ly") == [filed.pk]
    assert ids("can-ban-lam") == [waiting.pk]
    assert ids("da-xong") == [returned.pk]
    assert len(ids("bogus")) == 3  # an unknown filter is no filter


def test_the_list_costs_the_same_number_of_queries_at_two_sizes(world):
    client = client_of(world.citizen)
    client.get(reverse("my-dossiers"))  # warm the session and the reference caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("my-dossiers")).status_code == 200
        return len(queries)

    dossier_in(world, State.FILED)
    dossier_in(world, State.PROCESSING)
    small = count()
    for state in (State.SUPPLEMENT_REQUESTED, State.RETURNED, State.REFUSED, State.RECEIVED):
        dossier_in(world, state)
    assert count() == small


def test_the_list_is_paginated(world, monkeypatch):
    monkeypatch.setattr("dossiers.views.mine.PER_PAGE", 2)
    for _ in range(3):
        dossier_in(world, State.FILED)
    client = client_of(world.citizen)
    first = client.get(reverse("my-dossiers"))
    assert len(first.context["rows"]) == 2 and 'rel="next"' in first.content.decode()
    second = client.get(reverse("my-dossiers"), {"trang": 2})
    assert len(second.context["rows"]) == 1


def test_the_list_in_english_after_the_switch(world):
    dossier_in(world, State.SUPPLEMENT_REQUESTED)
    client = client_of(world.citizen)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("my-dossiers")).content.decode()
    assert '<html lang="en"' in html
    assert "Hồ sơ của tôi" not in html and "Cần bổ sung giấy tờ" not in html


# --- One dossier -----------------------------------------------------------------------------------------------


def test_the_detail_tells_the_story_in_plain_words(world):
    dossier = dossier_in(world, State.PROCESSING)
    Notification.objects.create(
        kind=Kind.RECEIVED,
        channel=Channel.INAPP,
        status=Status.SENT,
        recipient=world.citizen,
        dossier=dossier,
        dedupe_key=f"test-{dossier.pk}",
        context={"code": dossier.code, "procedure": "Đăng ký khai sinh", "due_at": dossier.due_at.isoformat()},
    )
    response = client_of(world.citizen).get(detail(dossier))
    assert response.status_code == 200
    html = response.content.decode()
    assert dossier.code in html
    timeline = response.context["timeline"]
    assert [item["status"] for item in timeline].count("current") == 1
    words = [str(item["text"]) for item in timeline]
    assert words[:4] == [
        "Bạn đã nộp hồ sơ trực tuyến",
        "Hồ sơ được tiếp nhận",
        "Hồ sơ được chuyển đến cơ quan giải quyết",
        "Cán bộ bắt đầu xử lý hồ sơ",
    ]
    assert "receive" not in " ".join(words) and 'class="current"' in html
    # form 01 exists once received; form 02 does not (no supplement was requested)
    assert reverse("dossier-slip-pdf", kwargs={"id": dossier.pk, "form": "01"}) in html
    assert reverse("dossier-slip-pdf", kwargs={"id": dossier.pk, "form": "02"}) not in html
    document = dossier.documents.first()
    assert reverse("dossier-document-download", kwargs={"id": dossier.pk, "document_id": document.pk}) in html
    # the person's in-app notices about this dossier (the services' and the one above), nobody else's
    mine = Notification.objects.filter(recipient=world.citizen, dossier=dossier, channel=Channel.INAPP)
    assert len(response.context["notices"]) == mine.filter(status=Status.SENT).count() >= 1
    assert reverse("my-dossier-withdraw", kwargs={"id": dossier.pk}) in html
    assert reverse("my-dossier-rate", kwargs={"id": dossier.pk}) not in html


@pytest.mark.parametrize("who", ["other_citizen", "other_reception", "reception", "handler"])
def test_anyone_elses_dossier_is_a_404_page(world, who):
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    client = client_of(getattr(world, who))
    for name in ("my-dossier", "my-dossier-supplement", "my-dossier-withdraw", "my-dossier-rate"):
        response = client.get(reverse(name, kwargs={"id": dossier.pk}))
        assert response.status_code == 404
        assert '<html lang="vi"' in response.content.decode()
    assert client.get(reverse("my-dossier", kwargs={"id": 999_999})).status_code == 404


# --- Supplement ------------------------------------------------------------------------------------------------


def test_supplement_with_a_good_file(world):
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    client = client_of(world.citizen)
    url = reverse("my-dossier-supplement", kwargs={"id": dossier.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Giấy chứng sinh" in page.content.decode() and "Thiếu giấy chứng sinh" in page.content.decode()
    before = Document.objects.filter(dossier=dossier).count()
    response = client.post(
        url, {"version": dossier.version, "file-1": tiny_pdf("giay-chung-sinh.pdf"), "note": "Đã bổ sung"}, follow=True
    )
    assert response.redirect_chain[-1][0] == detail(dossier)
    assert "Đã gửi giấy tờ bổ sung. Hồ sơ được tiếp tục giải quyết." in texts(response)
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING
    assert Document.objects.filter(dossier=dossier).count() == before + 1
    assert Document.objects.filter(dossier=dossier, original_name="giay-chung-sinh.pdf").exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, 'Hãy chọn tệp cho "Giấy chứng sinh".'),
        (SimpleUploadedFile("gia.pdf", b"this is not a PDF at all", content_type="application/pdf"), "gia.pdf"),
    ],
)
def test_supplement_with_a_bad_or_missing_file_changes_nothing(world, upload, message):
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    before = Document.objects.filter(dossier=dossier).count()
    data = {"version": dossier.version}
    if upload is not None:
        data["file-1"] = upload
    response = client_of(world.citizen).post(reverse("my-dossier-supplement", kwargs={"id": dossier.pk}), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#file-1"' in html
    assert message in response.context["errors"]["file-1"]
    assert 'id="file-1-error"' in html
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    assert Document.objects.filter(dossier=dossier).count() == before


def test_supplement_in_the_wrong_state_does_nothing(world):
    dossier = dossier_in(world, State.PROCESSING)
    client = client_of(world.citizen)
    url = reverse("my-dossier-supplement", kwargs={"id": dossier.pk})
    assert client.get(url)["Location"] == detail(dossier)
    response = client.post(url, {"version": dossier.version, "file-1": tiny_pdf()}, follow=True)
    assert response.redirect_chain[-1][0] == detail(dossier)
    assert STALE in texts(response)
    assert Dossier.objects.get(pk=dossier.pk).version == dossier.version


def test_a_failed_supplement_action_leaves_no_document(world, monkeypatch):
    """Documents and the action are one transaction: if the action fails, the uploaded file is gone too."""
    from portal.common.errors import InvalidTransition

    def refuse(**kwargs):
        raise InvalidTransition("no")

    monkeypatch.setattr("dossiers.services.dossier_supplement", refuse)
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    before = Document.objects.filter(dossier=dossier).count()
    response = client_of(world.citizen).post(
        reverse("my-dossier-supplement", kwargs={"id": dossier.pk}), {"version": dossier.version, "file-1": tiny_pdf()}
    )
    assert response.status_code == 302
    assert Document.objects.filter(dossier=dossier).count() == before
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUPPLEMENT_REQUESTED


# --- Withdraw --------------------------------------------------------------------------------------------------


def test_withdraw_needs_a_reason(world):
    dossier = dossier_in(world, State.PROCESSING)
    client = client_of(world.citizen)
    url = reverse("my-dossier-withdraw", kwargs={"id": dossier.pk})
    assert "Xác nhận rút hồ sơ" in client.get(url).content.decode()
    response = client.post(url, {"version": dossier.version, "reason": "   "})
    assert response.status_code == 400
    assert 'href="#reason"' in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).state == State.PROCESSING

    response = client.post(url, {"version": dossier.version, "reason": "Không còn nhu cầu"}, follow=True)
    assert response.redirect_chain[-1][0] == detail(dossier)
    assert any("Đã gửi yêu cầu rút hồ sơ" in text for text in texts(response))
    assert Dossier.objects.get(pk=dossier.pk).state == State.WITHDRAWAL_REQUESTED


def test_a_double_submit_is_already_done_and_a_stale_page_is_refused(world):
    dossier = dossier_in(world, State.PROCESSING)
    client = client_of(world.citizen)
    url = reverse("my-dossier-withdraw", kwargs={"id": dossier.pk})
    data = {"version": dossier.version, "reason": "Không còn nhu cầu"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert ALREADY in texts(again)
    assert Dossier.objects.get(pk=dossier.pk).events.filter(action=Action.WITHDRAW).count() == 1

    other = dossier_in(world, State.PROCESSING)
    stale_version = other.version
    walk(world, other, [Action.REQUEST_PAYMENT])  # staff acted while the page was open
    response = client.post(
        reverse("my-dossier-withdraw", kwargs={"id": other.pk}),
        {"version": stale_version, "reason": "Không còn nhu cầu"},
        follow=True,
    )
    assert STALE in texts(response)
    assert Dossier.objects.get(pk=other.pk).state == State.PAYMENT_REQUESTED


def test_forms_need_the_csrf_token(world):
    dossier = dossier_in(world, State.PROCESSING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.citizen)
    response = client.post(
        reverse("my-dossier-withdraw", kwargs={"id": dossier.pk}), {"version": dossier.version, "reason": "x"}
    )
    assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).state == State.PROCESSING
    page = client.get(reverse("my-dossier-withdraw", kwargs={"id": dossier.pk})).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and 'name="version"' in page


# --- Rate ------------------------------------------------------------------------------------------------------


def test_rate_once(world):
    dossier = dossier_in(world, State.RETURNED)
    client = client_of(world.citizen)
    url = reverse("my-dossier-rate", kwargs={"id": dossier.pk})
    assert reverse("my-dossier-rate", kwargs={"id": dossier.pk}) in client.get(detail(dossier)).content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url, {"version": dossier.version}).status_code == 400  # no level chosen
    response = client.post(
        url, {"version": dossier.version, "rating": "very_satisfied", "comment": "Cán bộ nhiệt tình"}, follow=True
    )
    assert "Cảm ơn bạn đã đánh giá." in texts(response)
    dossier.refresh_from_db()
    assert dossier.rating == "very_satisfied" and dossier.rating_comment == "Cán bộ nhiệt tình"
    # a second rating from a fresh page: the service's 409, said plainly
    second = client.post(url, {"version": dossier.version, "rating": "not_satisfied"}, follow=True)
    assert "Hồ sơ đã được đánh giá." in texts(second)
    assert Dossier.objects.get(pk=dossier.pk).rating == "very_satisfied"


def test_rating_before_the_return_is_not_offered(world):
    dossier = dossier_in(world, State.PROCESSING)
    client = client_of(world.citizen)
    response = client.get(reverse("my-dossier-rate", kwargs={"id": dossier.pk}), follow=True)
    assert "Bạn có thể đánh giá sau khi nhận kết quả." in texts(response)
    response = client.post(
        reverse("my-dossier-rate", kwargs={"id": dossier.pk}),
        {"version": dossier.version, "rating": "satisfied"},
        follow=True,
    )
    assert Dossier.objects.get(pk=dossier.pk).rated_at is None
    assert texts(response)  # the service's refusal, as a message


# --- The public lookup page (no JavaScript) -----------------------------------------------------------------------


def test_the_lookup_page_links_its_errors_to_the_fields(world):
    response = Client().post(reverse("lookup"), {"code": "", "id_number": ""}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="lookup-summary"' in html and 'href="#code"' in html and 'href="#id_number"' in html
    assert "form-group-error" in html
    assert "Hãy nhập mã hồ sơ." in html


def test_the_lookup_page_answers_without_javascript(world):
    dossier = file_online(world.citizen, world.centre, applicant={"id_number": "025190001234", "phone": "0912345678"})
    walk(world, dossier, PATHS[State.RECEIVED])
    dossier.refresh_from_db()
    page = Client().get(reverse("lookup"), {"code": dossier.code})
    assert f'value="{dossier.code}"' in page.content.decode()
    response = Client().post(
        reverse("lookup"), {"code": dossier.code, "id_number": "025190001234"}, REMOTE_ADDR="10.9.8.6"
    )
    assert response.status_code == 200
    html = response.content.decode()
    result = html.split('id="lookup-result"', 1)[1]
    assert "*********234" in result and "025190001234" not in result
    assert 'id="lookup-summary"' in html and "Đã tiếp nhận" in html


def test_the_supplement_script_gets_the_address_as_json_and_the_message_waits(world):
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    client = client_of(world.citizen)
    response = client.post(
        reverse("my-dossier-supplement", kwargs={"id": dossier.pk}),
        {"version": dossier.version, "file-1": tiny_pdf()},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 200 and response.json() == {"redirect": detail(dossier)}
    page = client.get(detail(dossier))
    assert "Đã gửi giấy tờ bổ sung. Hồ sơ được tiếp tục giải quyết." in texts(page)
