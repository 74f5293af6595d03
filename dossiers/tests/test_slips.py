"""Printed slips (forms 01–06) as PDF: the text read back with pypdf, the QR code decoded from a rendering.

Each PDF and a PNG of its first page are kept in ``test-artifacts/slips/`` for people to look at.
"""

from __future__ import annotations

import pytest

from dossiers.slips import SlipNotAvailable, available_forms, render_html, render_pdf
from dossiers.slips.context import dossier_for_slips, moment_text
from dossiers.tests import slip_cases
from dossiers.tests.factories import APPLICANT
from dossiers.tests.slip_cases import CASES, decode_qr, first_page_image, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def slips_dir(artifacts_dir):
    path = artifacts_dir / "slips"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://dichvucong.phutho.gov.vn"


def lookup(code: str) -> str:
    return f"https://dichvucong.phutho.gov.vn/tra-cuu/?code={code}"


@pytest.mark.parametrize("case", CASES, ids=[case.form for case in CASES])
def test_each_form_prints_the_applicant_code_appointment_and_its_own_fields(world, case, slips_dir):
    dossier = dossier_for_slips(case.make(world).pk)
    code = dossier.code or dossier.reference
    data = render_pdf(dossier, case.form)
    (slips_dir / f"mau-{case.form}.pdf").write_bytes(data)

    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert APPLICANT["name"] == "Nguyễn Thị Hoa" and "Nguyễn Thị Hoa" in text  # with its diacritics
    assert code in text
    assert world.centre.name in text  # "Trung tâm Phục vụ hành chính công phường Việt Trì"
    assert world.centre.name.upper() in text  # the header
    assert "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert f"Mẫu số {case.form}" in text
    for expected in case.expected:
        assert expected in text, expected


@pytest.mark.parametrize("case", CASES, ids=[case.form for case in CASES])
def test_the_qr_code_of_each_form_links_to_the_public_lookup_of_the_dossier(world, case, slips_dir):
    dossier = dossier_for_slips(case.make(world).pk)
    code = dossier.code or dossier.reference
    image = first_page_image(render_pdf(dossier, case.form), dpi=200)
    image.save(slips_dir / f"mau-{case.form}.png")
    assert decode_qr(image) == [lookup(code)]


def test_the_dossier_code_is_what_the_qr_code_carries(world):
    dossier = dossier_for_slips(slip_cases.received(world).pk)
    assert dossier.code == "079.00.00.H25-261130-0001"
    html = render_html(dossier, "01")
    assert lookup(dossier.code) in html and "data:image/svg+xml" in html


def test_the_appointment_is_written_as_the_circular_writes_it(world):
    dossier = slip_cases.received(world)
    assert moment_text(dossier.due_at) == "09 giờ 00 phút, ngày 03 tháng 12 năm 2026"


@pytest.mark.parametrize(
    ("make", "available"),
    [
        (slip_cases.filed, []),
        (slip_cases.refused, ["03"]),
        (slip_cases.received, ["01", "06"]),
        (slip_cases.supplement_requested, ["01", "02", "06"]),
        (slip_cases.extended, ["01", "04", "06"]),
        (slip_cases.stopped, ["01", "05", "06"]),
    ],
    ids=["filed", "refused", "received", "supplement", "extended", "stopped"],
)
def test_a_form_exists_once_its_step_has_happened_and_not_before(world, make, available):
    dossier = dossier_for_slips(make(world).pk)
    assert available_forms(dossier) == available
    for form in ["01", "02", "03", "04", "05", "06"]:
        if form in available:
            assert render_html(dossier, form)
        else:
            with pytest.raises(SlipNotAvailable):
                render_html(dossier, form)


def test_printing_again_later_prints_the_same_step(world):
    """A slip is the record of its step: form 01 keeps the appointment issued at reception."""
    dossier = slip_cases.extended(world)  # four steps later, with a new date (form 04)
    again = render_html(dossier_for_slips(dossier.pk), "01")
    assert slip_cases.APPOINTMENT in again and slip_cases.NEW_APPOINTMENT not in again
    assert "Phú Thọ, ngày 30 tháng 11 năm 2026" in again  # dated the day of reception


def test_text_is_escaped_in_the_html(world):
    dossier = dossier_for_slips(slip_cases.received(world).pk)
    dossier.applicant_name = "<script>alert(1)</script> Hoa"
    html = render_html(dossier, "01")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
