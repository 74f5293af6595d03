"""The whole staff flow through the desk's pages in a real browser (issue 12, point 8), each person in their own
browser context and logged in through the log-in page:

a clerk receives a walk-in dossier at the counter with the keyboard only and prints the receipt, then transfers it;
the leader assigns it; the handler requests a supplement; the clerk records the supplement brought to the counter;
the leader decides; the clerk returns the result. A clerk of another commune sees none of it. axe-core runs on the
desk pages at 360 and 1280 px (``check_page``); screenshots ``test-artifacts/pages/journey-*.png``.
"""

from __future__ import annotations

import pytest

from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from dossiers.workflow import State
from tests.browser.pages import check_page
from tests.browser.test_desk_counter import focused, receive_from_the_keyboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir
PASSWORD = "matkhau-an-toan-123"  # dossiers.tests.factories.UserFactory


def person(browser, live_server, user):
    """A browser context of its own for ``user``, logged in through the log-in page with the user name."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/")
    page.get_by_label("Số CCCD hoặc số điện thoại").fill(user.username)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
    assert page.url.endswith("/can-bo/"), page.url  # staff land on their desk
    return page


def act(page, dossier: Dossier, label: str, fields=None) -> None:
    """Open the dossier's page, open the action's form, fill it, confirm; the page says it is done."""
    page.goto(f"{page.url.split('/can-bo/')[0]}/can-bo/ho-so/{dossier.pk}/")
    page.locator("summary", has_text=label).click()
    form = page.locator("details[open] form")
    for name, value in (fields or {}).items():
        form.get_by_label(name).fill(value)
    with page.expect_navigation():
        form.get_by_role("button", name=f"Xác nhận: {label}").click()
    assert f"Đã thực hiện: {label}." in page.locator("main").inner_text(), page.locator("main").inner_text()


def state_of(dossier: Dossier) -> str:
    return Dossier.objects.get(pk=dossier.pk).state


def test_a_dossier_from_the_counter_to_the_return(browser, live_server, transactional_world, private_dir):
    world = transactional_world
    file_online(world.citizen, world.centre, applicant={"address": "Số 9, khu 2, phường Việt Trì"})
    clerk = person(browser, live_server, world.reception)

    # the counter, from the keyboard
    clerk.goto(f"{live_server.url}/can-bo/tiep-nhan/")
    receive_from_the_keyboard(clerk, cccd=world.citizen.id_number, tick=True)
    dossier = Dossier.objects.get(channel="direct")
    assert dossier.state == State.RECEIVED and clerk.url.endswith(f"/can-bo/ho-so/{dossier.pk}/phieu/01/")
    # "In phiếu" has the focus: Enter prints the slip in the frame
    clerk.evaluate(
        "() => { document.getElementById('slip-frame').contentWindow.print = () => { window.printed = true; }; }"
    )
    assert clerk.evaluate("window.printed === undefined")  # not printed before Enter
    assert focused(clerk) == "a:In phiếu"
    clerk.keyboard.press("Enter")
    assert clerk.evaluate("window.printed === true")
    check_page(clerk, "journey-receipt")

    # the clerk's queue lists it; the transfer
    clerk.goto(f"{live_server.url}/can-bo/hang-doi/chua-chuyen/")
    assert dossier.code in clerk.locator("table.desk-table").inner_text()
    act(clerk, dossier, "Chuyển đơn vị xử lý")
    assert state_of(dossier) == State.TRANSFERRED

    # the leader assigns it to the handler
    leader = person(browser, live_server, world.leader)
    leader.goto(f"{live_server.url}/can-bo/hang-doi/cho-phan-cong/")
    assert dossier.code in leader.locator("table.desk-table").inner_text()
    check_page(leader, "journey-leader-queue")
    leader.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/")
    leader.locator("summary", has_text="Phân công xử lý").click()
    leader.get_by_label("Cán bộ xử lý").select_option(str(world.handler.pk))
    with leader.expect_navigation():
        leader.get_by_role("button", name="Xác nhận: Phân công xử lý").click()
    assert state_of(dossier) == State.PROCESSING

    # the handler asks for a supplement
    handler = person(browser, live_server, world.handler)
    handler.goto(f"{live_server.url}/can-bo/hang-doi/cua-toi/")
    assert dossier.code in handler.locator("table.desk-table").inner_text()
    handler.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/")
    handler.locator("summary", has_text="Yêu cầu bổ sung hồ sơ").click()
    form = handler.locator("details[open] form")
    form.get_by_label("Giấy tờ khác (mỗi dòng một loại)").fill("Giấy chứng sinh")
    form.get_by_label("Lý do").fill("Thiếu giấy chứng sinh bản chính")
    check_page(handler, "journey-handler-dossier")
    with handler.expect_navigation():
        form.get_by_role("button", name="Xác nhận: Yêu cầu bổ sung hồ sơ").click()
    assert state_of(dossier) == State.SUPPLEMENT_REQUESTED

    # the citizen brings it to the counter; the clerk records it
    act(clerk, dossier, "Bổ sung hồ sơ", {"Ghi chú (không bắt buộc)": "Đã nhận giấy chứng sinh bản chính"})
    assert state_of(dossier) == State.PROCESSING
    clerk.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/")
    assert "ghi nhận hồ sơ bổ sung" in clerk.locator(".desk-timeline").inner_text()

    # the leader decides
    act(leader, dossier, "Ký duyệt kết quả", {"Văn bản kết quả (số, ký hiệu)": "Giấy khai sinh số 21/2026"})
    assert state_of(dossier) == State.RESULT_READY

    # the clerk returns the result from the queue of results ready
    clerk.goto(f"{live_server.url}/can-bo/hang-doi/cho-tra/")
    assert dossier.code in clerk.locator("table.desk-table").inner_text()
    act(clerk, dossier, "Trả kết quả")
    assert state_of(dossier) == State.RETURNED
    check_page(clerk, "journey-returned")

    # a clerk of another commune sees none of it
    stranger = person(browser, live_server, world.other_reception)
    for queue in ("chua-chuyen", "cho-tra", "tat-ca"):
        stranger.goto(f"{live_server.url}/can-bo/hang-doi/{queue}/?q={dossier.code}")
        assert stranger.locator("tr.desk-row").count() == 0
        assert "Không tìm thấy hồ sơ nào khớp." in stranger.locator("main").inner_text()
    response = stranger.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/")
    assert response.status == 404
    response = stranger.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/phieu/01/")
    assert response.status == 404
