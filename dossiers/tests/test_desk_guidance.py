"""The guidance slip (issue 12, point 3): what an incomplete dossier still needs, printed for the applicant at the
counter — reception officers only, the missing components marked, nothing written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.models import Dossier
from procedures.models import Component, ProcedureVersion

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(code="1.001193", **query) -> str:
    from django.utils.http import urlencode

    return f"{reverse('desk-guidance', kwargs={'code': code})}?{urlencode(query, doseq=True)}"


def test_the_slip_marks_the_missing_components(world):
    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    form = Component.objects.get(version=version, is_required=True)
    Component.objects.create(version=version, order=2, name="Giấy ủy quyền", is_required=False)
    response = client_for(world.reception).get(url(thieu=[form.pk, 999999], ten="Trần Văn Bình"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "PHIẾU HƯỚNG DẪN HOÀN THIỆN HỒ SƠ" in html
    assert "Trần Văn Bình" in html and world.centre.name.upper() in html
    assert html.count("Còn thiếu") == 1 and "Tờ khai đăng ký khai sinh" in html
    assert "Giấy ủy quyền" in html and "(nếu có)" in html  # the optional one, listed and not marked
    assert "3 Ngày làm việc" in html or "3 ngày làm việc" in html
    assert "Mẫu số" not in html  # not one of the numbered forms
    assert Dossier.objects.count() == 0


def test_reception_officers_only(world):
    assert client_for(world.handler).get(url()).status_code == 403
    assert client_for(world.citizen).get(url()).status_code == 403
    anonymous = Client().get(url())
    assert anonymous.status_code == 302 and reverse("login") in anonymous.url


def test_an_unknown_procedure_is_a_404(world):
    assert client_for(world.reception).get(url(code="9.999999")).status_code == 404


def test_each_blank_form_is_linked_and_the_slip_prints_from_the_screen(world):
    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    form = Component.objects.get(version=version, is_required=True)
    form.template, form.template_name = "templates/to-khai-khai-sinh.docx", "Tờ khai đăng ký khai sinh (mẫu)"
    form.save(update_fields=["template", "template_name"])
    html = client_for(world.reception).get(url(thieu=[form.pk])).content.decode()
    link = f"http://testserver{reverse('procedure-template', kwargs={'code': '1.001193', 'component_id': form.pk})}"
    assert html.count(f'href="{link}"') == 2  # in what to bring, and in the procedure's list (the address in full)
    assert "Tờ khai đăng ký khai sinh (mẫu)" in html
    assert '<button type="button" data-print>In phiếu</button>' in html  # hidden on paper by the stylesheet
    assert 'src="/static/js/print.js"' in html and "onclick" not in html  # its script is a file (the slip's policy)
    assert "Bản chính" in html  # original or copy, for each component


def test_an_officer_of_several_centres_chooses_the_centre(world):
    from portal.accounts.models import Membership, StaffRole

    Membership.objects.create(user=world.reception, role=StaffRole.RECEPTION, centre=world.other_centre)
    client = client_for(world.reception)
    first, other = sorted([world.centre, world.other_centre], key=lambda centre: centre.pk)
    assert other.name.upper() in client.get(url(trung_tam=other.pk)).content.decode()
    assert first.name.upper() in client.get(url()).content.decode()  # none chosen: the first
    # a centre that is not theirs is not printed on their slip
    stranger = client_for(world.other_reception).get(url(trung_tam=world.centre.pk)).content.decode()
    assert world.other_centre.name.upper() in stranger and world.centre.name.upper() not in stranger


def test_the_slip_reads_a_bounded_number_of_rows(world, django_assert_max_num_queries):
    client = client_for(world.reception)
    with django_assert_max_num_queries(8):
        assert client.get(url(thieu=["abc", "", "12345678901234567890"])).status_code == 200
