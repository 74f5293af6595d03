"""The desk's dossier page (issue 12, point 5): its facts and time left, one button per allowed action from the
transition table for this person, each action through the page, stale pages and double clicks, the preview of a
document, the slip page, and who may see any of it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import DocumentDownload, Dossier
from dossiers.tests.factories import file_online, required_component_id, tiny_pdf, tiny_png
from dossiers.tests.states import PATHS, walk
from dossiers.views.desk.dossier import CITIZEN_ONLY, SLUGS, time_left
from dossiers.workflow import TRANSITIONS, Action, State, allowed_actions

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dossier_in(world, state: State) -> Dossier:
    return walk(world, file_online(world.citizen, world.centre), PATHS[state])


def page_url(dossier) -> str:
    return reverse("desk-dossier", kwargs={"id": dossier.pk})


def act_url(dossier, action: Action) -> str:
    return reverse("desk-dossier-action", kwargs={"id": dossier.pk, "action": action.value.replace("_", "-")})


def buttons(html: str) -> list[str]:
    return re.findall(r'<details class="desk-action[^"]*" id="thao-tac-([a-z-]+)"', html)


def expected(world, person, dossier) -> list[str]:
    from dossiers.selectors import access_for, roles_on
    from dossiers.workflow import Role

    roles = roles_on(access_for(person), dossier) - {Role.APPLICANT}
    return [
        action.value.replace("_", "-")
        for action in allowed_actions(dossier.state, roles)
        if action not in CITIZEN_ONLY and not (action == Action.EXTEND and dossier.extension_count)
    ]


@pytest.mark.parametrize("state", list(PATHS))
def test_one_button_per_allowed_action_for_each_person(world, state):
    dossier = dossier_in(world, state)
    for person in (world.reception, world.handler, world.leader, world.province):
        html = client_for(person).get(page_url(dossier)).content.decode()
        assert buttons(html) == expected(world, person, dossier), (state, person.username)
    # the table itself, spot-checked: nobody gets a citizen's action, the leader decides a processing dossier
    if state == State.PROCESSING:
        assert "decide" in buttons(client_for(world.leader).get(page_url(dossier)).content.decode())
        assert "decide" not in buttons(client_for(world.handler).get(page_url(dossier)).content.decode())
    if state == State.RETURNED:
        assert buttons(client_for(world.reception).get(page_url(dossier)).content.decode()) == []


def test_the_page_shows_the_facts_the_time_left_and_the_timeline(world):
    dossier = dossier_in(world, State.PROCESSING)
    html = client_for(world.handler).get(page_url(dossier)).content.decode()
    assert dossier.code in html and dossier.applicant_id_number in html
    assert "Còn " in html and "làm việc" in html
    assert "phân công cán bộ xử lý" in html and "Cán bộ xử lý: " in html  # the assignment, in words, with the name
    assert f"{world.leader.full_name}</strong> (lãnh đạo): phân công cán bộ xử lý" in html
    assert "Phiếu kiểm soát quá trình giải quyết (mẫu 06)" in html
    control = html.split("(mẫu 06)</h2>", 1)[1]
    assert f">{TRANSITIONS[Action.TRANSFER].label}</td>" in control and ">transfer<" not in control  # steps in words
    assert "thanh-phan-" in html and "Tải về" in html  # the filed document, its download and its preview
    assert reverse("desk-document", kwargs={"id": dossier.pk, "document_id": dossier.documents.first().pk}) in html
    assert reverse("desk-slip", kwargs={"id": dossier.pk, "form": "01"}) in html


def test_time_left_in_working_hours():
    calendar_now = timezone.make_aware(datetime.datetime(2026, 3, 11, 9, 0))  # Wednesday 09:00
    dossier = Dossier(state=State.PROCESSING, due_at=timezone.make_aware(datetime.datetime(2026, 3, 12, 9, 0)))
    assert time_left(dossier, calendar_now) == {"kind": "left", "text": "Còn 1 ngày làm việc", "tag": ""}
    late = Dossier(state=State.PROCESSING, due_at=timezone.make_aware(datetime.datetime(2026, 3, 10, 16, 0)))
    assert time_left(late, calendar_now)["text"] == "Quá hạn 3 giờ làm việc"  # 16–17 on Tuesday, 07–09 Wednesday
    paused = Dossier(state=State.SUPPLEMENT_REQUESTED, remaining_seconds=5 * 3600 + 30 * 60)
    assert time_left(paused, calendar_now)["text"] == "Tạm dừng tính thời gian; còn 5 giờ 30 phút làm việc khi dừng"
    assert time_left(Dossier(state=State.FILED), calendar_now)["kind"] == "none"


# --- Acting through the page -----------------------------------------------------------------------------------


def post(person, dossier, action: Action, data=None, **extra):
    return client_for(person).post(act_url(dossier, action), {"version": dossier.version, **(data or {})}, **extra)


def fresh(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def test_the_whole_chain_through_the_page(world, private_dir):
    dossier = dossier_in(world, State.FILED)
    response = post(world.reception, dossier, Action.RECEIVE)
    assert response.status_code == 302 and response.url == reverse("desk-slip", kwargs={"id": dossier.pk, "form": "01"})
    dossier = fresh(dossier)
    assert post(world.reception, dossier, Action.TRANSFER, {"note": "Chuyển"}).status_code == 302
    dossier = fresh(dossier)
    assert post(world.leader, dossier, Action.ASSIGN, {"handler": world.handler.pk}).status_code == 302
    dossier = fresh(dossier)
    assert (dossier.state, dossier.handler_id) == (State.PROCESSING, world.handler.pk)
    data = {"missing": ["Tờ khai đăng ký khai sinh"], "other": "Giấy chứng sinh\n", "reason": "Thiếu giấy tờ"}
    assert post(world.handler, dossier, Action.REQUEST_SUPPLEMENT, data).status_code == 302
    dossier = fresh(dossier)
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    assert dossier.pauses.get().missing_components == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    # the clerk records the supplement brought to the counter, with its scan
    response = post(world.reception, dossier, Action.SUPPLEMENT, {"note": "Đã nhận", "files": [tiny_pdf()]})
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert dossier.state == State.PROCESSING and dossier.documents.filter(uploaded_by=world.reception).count() == 1
    assert post(world.handler, dossier, Action.REQUEST_PAYMENT, {"amount_vnd": "50.000"}).status_code == 302
    dossier = fresh(dossier)
    assert (dossier.state, dossier.fee_vnd) == (State.PAYMENT_REQUESTED, 50_000)
    assert post(world.reception, dossier, Action.CONFIRM_PAYMENT, {"paid_online": "1"}).status_code == 302
    dossier = fresh(dossier)
    assert dossier.paid_online and dossier.state == State.PROCESSING
    new_date = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    assert post(world.handler, dossier, Action.EXTEND, {"reason": "Xác minh", "new_date": new_date}).status_code == 302
    dossier = fresh(dossier)
    assert dossier.extension_count == 1 and timezone.localtime(dossier.extended_due_at).date().isoformat() == new_date
    data = {"outcome": "approved", "result_document": "Giấy khai sinh số 12", "files": [tiny_pdf("ket-qua.pdf")]}
    assert post(world.leader, dossier, Action.DECIDE, data).status_code == 302
    dossier = fresh(dossier)
    assert dossier.state == State.RESULT_READY and dossier.documents.filter(kind="result").count() == 1
    assert post(world.reception, dossier, Action.RETURN).status_code == 302
    assert fresh(dossier).state == State.RETURNED


def test_reception_records_a_supplement_with_a_scan_per_missing_component(world, private_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = dossier_in(world, State.PROCESSING)
    data = {"missing": ["Tờ khai đăng ký khai sinh"], "other": "Giấy chứng sinh", "reason": "Thiếu giấy tờ"}
    assert post(world.handler, dossier, Action.REQUEST_SUPPLEMENT, data).status_code == 302
    dossier = fresh(dossier)
    html = client_for(world.reception).get(page_url(dossier)).content.decode()
    assert 'name="file-1"' in html and 'name="file-2"' in html  # one input per missing component
    before = dossier.documents.count()
    # a file that is not what it says: 400 on the open form, nothing recorded
    fake = SimpleUploadedFile("to-khai.pdf", b"not a pdf at all", content_type="application/pdf")
    response = post(world.reception, dossier, Action.SUPPLEMENT, {"file-1": fake})
    assert response.status_code == 400 and 'id="thao-tac-supplement" open' in response.content.decode()
    assert fresh(dossier).state == State.SUPPLEMENT_REQUESTED and dossier.documents.count() == before
    response = post(world.reception, dossier, Action.SUPPLEMENT, {"file-1": tiny_pdf("to-khai-moi.pdf")})
    assert response.status_code == 302
    dossier = fresh(dossier)
    added = dossier.documents.get(original_name="to-khai-moi.pdf")
    assert dossier.state == State.PROCESSING and added.component.name == "Tờ khai đăng ký khai sinh"
    assert added.uploaded_by == world.reception


@pytest.mark.parametrize(
    ("state", "action", "person", "data", "after"),
    [
        (State.FILED, Action.REFUSE, "reception", {"reason": "Không thuộc thẩm quyền"}, State.REFUSED),
        (State.PROCESSING, Action.STOP, "leader", {"reason": "Không bổ sung"}, State.STOPPED),
        (State.WITHDRAWAL_REQUESTED, Action.CONFIRM_WITHDRAWAL, "reception", {}, State.WITHDRAWN),
        (
            State.PROCESSING,
            Action.DECIDE,
            "leader",
            {"outcome": "denied", "reason": "Không đủ điều kiện"},
            State.RESULT_READY,
        ),
    ],
)
def test_closing_actions(world, state, action, person, data, after):
    dossier = dossier_in(world, state)
    assert post(getattr(world, person), dossier, action, data).status_code == 302
    assert fresh(dossier).state == after


def test_a_missing_reason_is_a_400_with_the_form_open(world):
    dossier = dossier_in(world, State.FILED)
    response = post(world.reception, dossier, Action.REFUSE, {"reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="thao-tac-refuse" open' in html and "error-summary" in html
    assert fresh(dossier).state == State.FILED
    # a denial needs its reason too
    processing = dossier_in(world, State.PROCESSING)
    assert post(world.leader, processing, Action.DECIDE, {"outcome": "denied"}).status_code == 400
    assert post(world.handler, processing, Action.REQUEST_SUPPLEMENT, {"reason": "Thiếu"}).status_code == 400


def test_a_stale_page_changes_nothing_and_says_so(world):
    dossier = dossier_in(world, State.RECEIVED)
    stale_version = dossier.version
    services.dossier_transfer(dossier_id=dossier.pk, actor=world.reception)  # a colleague, meanwhile
    dossier = fresh(dossier)
    leader = client_for(world.leader)
    services.dossier_assign(dossier_id=dossier.pk, actor=world.leader, handler_id=world.handler.pk)
    response = leader.post(act_url(dossier, Action.ASSIGN), {"version": dossier.version, "handler": world.handler.pk})
    assert response.status_code == 302
    page = leader.get(response.url).content.decode()
    assert "vừa được người khác cập nhật" in page or "Thao tác đã được thực hiện" in page
    # an older version than the dossier's, on an action still allowed: 409 from the service, nothing changed
    processing = fresh(dossier)
    response = client_for(world.handler).post(
        act_url(processing, Action.REQUEST_PAYMENT), {"version": stale_version, "amount_vnd": "1000"}, follow=True
    )
    assert "vừa được người khác cập nhật" in response.content.decode()
    assert fresh(dossier).state == State.PROCESSING


def test_a_double_click_is_told_it_is_done(world):
    dossier = dossier_in(world, State.RECEIVED)
    client = client_for(world.reception)
    data = {"version": dossier.version}
    client.post(act_url(dossier, Action.TRANSFER), data)
    second = client.post(act_url(dossier, Action.TRANSFER), data, follow=True)
    assert "Thao tác đã được thực hiện" in second.content.decode()
    assert fresh(dossier).events.filter(action="transfer").count() == 1


def test_an_action_the_person_may_not_take(world):
    dossier = dossier_in(world, State.PROCESSING)
    response = post(world.handler, dossier, Action.DECIDE, {"outcome": "approved", "result_document": "x"})
    assert response.status_code == 403 and "Bạn không thể thực hiện thao tác này" in response.content.decode()
    assert "decide" not in buttons(response.content.decode())  # the page, drawn again, offers what they may do
    assert fresh(dossier).state == State.PROCESSING
    assert client_for(world.leader).post(act_url(dossier, Action.RATE).replace("rate", "no-such")).status_code == 404
    assert set(SLUGS.values()).isdisjoint(CITIZEN_ONLY)


# --- Scope -------------------------------------------------------------------------------------------------------


def test_another_communes_staff_and_citizens_see_nothing(world, private_dir):
    dossier = dossier_in(world, State.PROCESSING)
    document = dossier.documents.first()
    preview = reverse("desk-document", kwargs={"id": dossier.pk, "document_id": document.pk})
    for person in (world.other_reception, world.other_handler, world.other_leader):
        client = client_for(person)
        assert client.get(page_url(dossier)).status_code == 404
        assert client.post(act_url(dossier, Action.DECIDE), {"version": dossier.version}).status_code == 404
        assert client.get(preview).status_code == 404
    assert client_for(world.citizen).get(page_url(dossier)).status_code == 403  # their own, but not at the desk
    assert DocumentDownload.objects.count() == 0


def test_the_preview_is_inline_recorded_and_runs_nothing(world, private_dir):
    dossier = walk(
        world,
        file_online(
            world.citizen,
            world.centre,
            documents=[{"file": tiny_png(), "component_id": required_component_id(), "is_original_scan": True}],
        ),
        [],
    )
    document = dossier.documents.get()
    response = client_for(world.reception).get(
        reverse("desk-document", kwargs={"id": dossier.pk, "document_id": document.pk})
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == "inline" and response["X-Content-Type-Options"] == "nosniff"
    assert (
        "default-src 'none'" in response["Content-Security-Policy"] and "sandbox" in response["Content-Security-Policy"]
    )
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    b"".join(response.streaming_content)
    assert DocumentDownload.objects.filter(document=document, user=world.reception).count() == 1
    # a PDF: the same policy without the sandbox (the browser's PDF viewer shows nothing in a sandboxed document)
    pdf = dossier_in(world, State.FILED).documents.first()
    response = client_for(world.reception).get(
        reverse("desk-document", kwargs={"id": pdf.dossier_id, "document_id": pdf.pk})
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy and "sandbox" not in policy
    assert response["Content-Disposition"] == "inline" and response["X-Frame-Options"] == "SAMEORIGIN"
    assert DocumentDownload.objects.filter(document=pdf, user=world.reception).count() == 1


def test_the_slip_page_frames_the_slip(world):
    dossier = dossier_in(world, State.RECEIVED)
    client = client_for(world.reception)
    url = reverse("desk-slip", kwargs={"id": dossier.pk, "form": "01"})
    html = client.get(url).content.decode()
    assert "In phiếu" in html and "Tiếp nhận hồ sơ mới" in html and f"{url}?khung=1" in html
    framed = client.get(f"{url}?khung=1")
    assert framed["X-Frame-Options"] == "SAMEORIGIN" and dossier.code in framed.content.decode()
    assert client.get(reverse("desk-slip", kwargs={"id": dossier.pk, "form": "03"})).status_code == 404


def test_the_page_runs_a_bounded_number_of_queries(world, private_dir, django_assert_max_num_queries):
    dossier = dossier_in(world, State.PROCESSING)
    client = client_for(world.leader)
    client.get(page_url(dossier))
    with django_assert_max_num_queries(16):
        assert client.get(page_url(dossier)).status_code == 200
    # more of everything (events, pauses, control-slip rows, documents by other people): no more queries
    walk(world, Dossier.objects.get(pk=dossier.pk), [Action.REQUEST_SUPPLEMENT, Action.SUPPLEMENT, Action.EXTEND])
    for number in range(3):
        services.document_upload(dossier_id=dossier.pk, actor=world.reception, file=tiny_pdf(f"them-{number}.pdf"))
    with django_assert_max_num_queries(16):
        assert client.get(page_url(dossier)).status_code == 200


def test_every_staff_action_has_a_label():
    for slug, action in SLUGS.items():
        assert TRANSITIONS[action].label, slug
