"""Counter reception at the desk (issue 12, points 2–4): finding the procedure, the prefill from a CCCD, a complete
reception opening the receipt, a double submit receiving once, an incomplete one refused with the guidance slip, and
who may use any of it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.models import Dossier, ReceivedComponent
from dossiers.selectors.counter import applicant_prefill
from dossiers.tests.factories import (
    APPLICANT,
    UserFactory,
    file_online,
    procedure_version,
    receive_at_counter,
    tiny_pdf,
)
from procedures.models import Component

pytestmark = pytest.mark.django_db

FORM = reverse("desk-counter-form", kwargs={"code": "1.001193"})


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mandatory() -> Component:
    return Component.objects.get(version__procedure__code="1.001193", is_required=True)


def form_data(key="khoa-1", **changes) -> dict:
    component = mandatory()
    data = {
        "idempotency_key": key,
        "lam": "nhan",
        "applicant_id_number": "025190009999",
        "applicant_name": "Trần Văn Bình",
        "applicant_phone": "0987654321",
        "applicant_email": "",
        "applicant_address": "Khu 5, phường Việt Trì",
        "applicant_kind": "person",
        f"nhan-{component.pk}": "1",
        f"ban-{component.pk}": "original",
        f"so-{component.pk}": "1",
        "return_method": "counter",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_finding_the_procedure(world):
    client = client_for(world.reception)
    page = client.get(reverse("desk-counter"), {"q": "dang ky khai sinh"})
    assert page.status_code == 200 and FORM in page.content.decode()
    exact = client.get(reverse("desk-counter"), {"q": "1.001193"})
    assert exact.status_code == 302 and exact.url == FORM
    nothing = client.get(reverse("desk-counter"), {"q": "khong co thu tuc nay xyz"})
    assert "Không tìm thấy thủ tục nào" in nothing.content.decode()


def test_only_procedures_applied_are_offered_with_their_level_and_time(world):
    procedure_version(code="1.000894", name="Thủ tục đăng ký kết hôn", is_applied=False)
    client = client_for(world.reception)
    html = client.get(reverse("desk-counter"), {"q": "dang ky"}).content.decode()
    assert "1.001193" in html and "1.000894" not in html
    assert "Cấp xã" in html and "Thời hạn: 3 " in html
    assert client.get(reverse("desk-counter"), {"q": "1.000894"}).status_code == 200  # not straight to a form
    assert client.get(reverse("desk-counter-form", kwargs={"code": "1.000894"})).status_code == 302


def test_what_the_centre_receives_most_with_an_empty_box(world):
    client = client_for(world.reception)
    assert "Thủ tục trung tâm hay tiếp nhận" not in client.get(reverse("desk-counter")).content.decode()
    receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant=APPLICANT,
        reception_centre_id=world.centre.pk,
    )
    html = client.get(reverse("desk-counter")).content.decode()
    assert "Thủ tục trung tâm hay tiếp nhận" in html and f'href="{FORM}"' in html


def test_the_form_lists_the_components_and_a_fresh_key(world):
    client = client_for(world.reception)
    html = client.get(FORM).content.decode()
    component = mandatory()
    assert f'name="nhan-{component.pk}"' in html and "Tờ khai đăng ký khai sinh" in html and "bắt buộc" in html
    keys = [
        re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
        for page in (html, client.get(FORM).content.decode())
    ]
    assert len(keys[0]) >= 24 and keys[0] != keys[1]  # a key per form shown


def test_a_complete_reception_opens_the_receipt(world):
    response = client_for(world.reception).post(FORM, form_data())
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("desk-slip", kwargs={"id": dossier.pk, "form": "01"})
    assert (dossier.state, dossier.channel, dossier.applicant_name) == ("received", "direct", "Trần Văn Bình")
    assert list(dossier.paper_components.values_list("name", "copy_kind", "count")) == [
        ("Tờ khai đăng ký khai sinh", "original", 1)
    ]


def test_a_scan_at_the_counter_counts_as_received(world, private_dir):
    component = mandatory()
    data = form_data(**{f"nhan-{component.pk}": None}, **{f"tep-{component.pk}": tiny_pdf()})
    response = client_for(world.reception).post(FORM, data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.documents.get().component_id == component.pk and not dossier.paper_components.exists()


def test_a_double_submit_receives_once(world):
    client = client_for(world.reception)
    first = client.post(FORM, form_data(key="double"))
    second = client.post(FORM, form_data(key="double"))
    assert first.url == second.url and Dossier.objects.count() == 1
    follow = client.get(second.url)
    assert "bấm hai lần" in follow.content.decode()


def test_an_incomplete_dossier_is_not_received_and_gets_the_guidance(world):
    component = mandatory()
    response = client_for(world.reception).post(FORM, form_data(**{f"nhan-{component.pk}": None}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hồ sơ chưa được tiếp nhận" in html and "In phiếu hướng dẫn bổ sung" in html
    assert f"/can-bo/huong-dan/1.001193/?thieu={component.pk}" in html
    assert "Trần Văn Bình" in html  # what was typed is kept
    assert Dossier.objects.count() == 0 and ReceivedComponent.objects.count() == 0


def test_bad_input_is_said_on_its_field_and_nothing_is_lost(world):
    response = client_for(world.reception).post(FORM, form_data(applicant_phone="12"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#applicant_phone"' in html and "Khu 5, phường Việt Trì" in html
    assert Dossier.objects.count() == 0


def test_prefill_from_an_account_and_from_an_earlier_dossier(world):
    UserFactory(username="binh", full_name="Trần Văn Bình", id_number="025190007777", phone="0911111111")
    known = applicant_prefill(user=world.reception, id_number="0251 9000 7777")
    assert (known["name"], known["phone"], known["sources"]) == ("Trần Văn Bình", "0911111111", ["account"])
    file_online(world.citizen, world.centre, applicant={"address": "Số 9, khu 2"})
    earlier = applicant_prefill(user=world.reception, id_number=world.citizen.id_number)
    assert earlier["address"] == "Số 9, khu 2" and set(earlier["sources"]) == {"account", "dossier"}
    assert applicant_prefill(user=world.handler, id_number=world.citizen.id_number) is None
    assert applicant_prefill(user=world.reception, id_number="025190000000") is None
    # the JSON for the form's script, and the form itself without a script
    client = client_for(world.reception)
    answer = client.get(reverse("desk-counter-applicant"), {"cccd": "025190007777"}).json()
    assert answer == {"found": True, "id_number": "025190007777", "name": "Trần Văn Bình", "phone": "0911111111"} | {
        key: value for key, value in answer.items() if key in ("email", "address")
    }
    # the script POSTs the number (out of URLs and access logs)
    posted = client.post(reverse("desk-counter-applicant"), {"cccd": world.citizen.id_number}).json()
    assert posted["found"] and posted["address"] == "Số 9, khu 2" and "sources" not in posted
    assert client.post(reverse("desk-counter-applicant"), {"cccd": "025190000000"}).json() == {"found": False}
    html = client.post(
        FORM, {"lam": "tim", "applicant_id_number": "025190007777", "idempotency_key": "k"}
    ).content.decode()
    assert 'value="Trần Văn Bình"' in html and Dossier.objects.filter(applicant_id_number="025190007777").count() == 0


def test_only_reception_officers(world):
    for person in (world.handler, world.leader, world.citizen):
        client = client_for(person)
        assert client.get(reverse("desk-counter")).status_code == 403
        assert client.post(FORM, form_data()).status_code == 403
    handler = client_for(world.handler)
    assert handler.get(reverse("desk-counter-applicant"), {"cccd": APPLICANT["id_number"]}).status_code == 403
    assert handler.post(reverse("desk-counter-applicant"), {"cccd": APPLICANT["id_number"]}).status_code == 403
    anonymous = Client().get(FORM)
    assert anonymous.status_code == 302 and reverse("login") in anonymous.url
    assert Dossier.objects.count() == 0


def test_the_form_page_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    client = client_for(world.reception)
    client.get(FORM)
    with django_assert_max_num_queries(12):
        assert client.get(FORM).status_code == 200
