"""Online-filing drafts (``dossiers.services.drafts``): resume, scope, uploads, the idempotent submit (also two at once
on PostgreSQL), and the sweep of old drafts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dossiers.models import Document, Dossier, FilingDraft, FilingDraftFile
from dossiers.selectors import draft_get, draft_open_for, drafts_of
from dossiers.services import drafts
from dossiers.tests.factories import tiny_pdf, tiny_png
from dossiers.tests.threads import run_in_threads
from portal.common.errors import DocumentsTooLarge, InvalidFile, InvalidInput, OutOfScope
from procedures.models import Component

pytestmark = pytest.mark.django_db
CODE = "1.001193"
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "025190001234", "phone": "0912345678"}


def component() -> Component:
    return Component.objects.get(version__procedure__code=CODE, is_required=True)


def ready_draft(world, owner=None) -> FilingDraft:
    owner = owner or world.citizen
    draft = drafts.draft_start(owner=owner, procedure_code=CODE)
    drafts.draft_update_step(
        draft_id=draft.pk, owner=owner, step="place", data={"reception_centre_id": world.centre.pk}
    )
    drafts.draft_update_step(draft_id=draft.pk, owner=owner, step="applicant", data=APPLICANT)
    drafts.draft_add_file(draft_id=draft.pk, owner=owner, component_id=component().pk, file=tiny_pdf("tờ khai.pdf"))
    drafts.draft_mark_documents(draft_id=draft.pk, owner=owner)
    return draft


def test_one_open_draft_per_person_and_procedure(world):
    first = drafts.draft_start(owner=world.citizen, procedure_code=CODE)
    assert drafts.draft_start(owner=world.citizen, procedure_code=CODE).pk == first.pk
    other = drafts.draft_start(owner=world.other_citizen, procedure_code=CODE)
    assert other.pk != first.pk and other.key != first.key
    assert list(drafts_of(world.citizen)) == [first]
    assert draft_open_for(user=world.citizen, procedure_code=CODE) == first
    restarted = drafts.draft_start(owner=world.citizen, procedure_code=CODE, restart=True)
    assert restarted.pk != first.pk and not FilingDraft.objects.filter(pk=first.pk).exists()


def test_a_draft_is_only_its_owners(world):
    draft = drafts.draft_start(owner=world.citizen, procedure_code=CODE)
    with pytest.raises(OutOfScope):
        draft_get(user=world.other_citizen, draft_id=draft.pk)
    with pytest.raises(OutOfScope):
        drafts.draft_update_step(draft_id=draft.pk, owner=world.other_citizen, step="applicant", data=APPLICANT)
    with pytest.raises(OutOfScope):
        drafts.draft_add_file(
            draft_id=draft.pk, owner=world.other_citizen, component_id=component().pk, file=tiny_pdf()
        )
    with pytest.raises(OutOfScope):
        drafts.draft_submit(draft_id=draft.pk, owner=world.other_citizen)
    assert list(drafts_of(world.other_citizen)) == []


def test_applicant_step_uses_the_filing_rules_and_normalises_to_nfc(world):
    draft = drafts.draft_start(owner=world.citizen, procedure_code=CODE)
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Hoa"  # NFD
    drafts.draft_update_step(
        draft_id=draft.pk,
        owner=world.citizen,
        step="applicant",
        data={**APPLICANT, "name": decomposed, "phone": "+84 912 345 678"},
    )
    draft.refresh_from_db()
    assert draft.data["applicant"]["name"] == "Nguyễn Thị Hoa"
    assert draft.data["applicant"]["phone"] == "0912345678"
    with pytest.raises(InvalidInput) as caught:
        drafts.draft_update_step(
            draft_id=draft.pk, owner=world.citizen, step="applicant", data={"name": "A", "id_number": "12"}
        )
    assert set(caught.value.extra["fields"]) == {"id_number", "phone"}


def test_upload_checks_the_content_and_the_dossier_total(world, settings, private_dir):
    draft = drafts.draft_start(owner=world.citizen, procedure_code=CODE)
    field = f"component-{component().pk}"
    with pytest.raises(InvalidFile) as caught:
        drafts.draft_add_file(
            draft_id=draft.pk,
            owner=world.citizen,
            component_id=component().pk,
            file=SimpleUploadedFile("ghi-chu.pdf", b"plain text, renamed"),
        )
    assert list(caught.value.extra["fields"]) == [field]
    settings.DOSSIER_DOCUMENTS_MAX_BYTES = 100
    with pytest.raises(DocumentsTooLarge):
        drafts.draft_add_file(draft_id=draft.pk, owner=world.citizen, component_id=component().pk, file=tiny_png())
    assert not FilingDraftFile.objects.exists()
    assert not list(private_dir.rglob("*.*"))


def test_submit_files_the_dossier_with_the_drafts_files_and_a_replay_returns_it(
    world, private_dir, django_capture_on_commit_callbacks
):
    draft = ready_draft(world)
    assert len(list((private_dir / "drafts").rglob("*.*"))) == 1
    with django_capture_on_commit_callbacks(execute=True):
        dossier = drafts.draft_submit(draft_id=draft.pk, owner=world.citizen)
    assert dossier.state == "filed" and dossier.filed_by == world.citizen
    document = Document.objects.get(dossier=dossier)
    assert document.original_name == "tờ khai.pdf" and document.component == component()
    assert not list((private_dir / "drafts").rglob("*.*"))  # moved: stored as the dossier's document
    draft.refresh_from_db()
    assert draft.dossier == dossier and draft.submitted_at is not None
    again = drafts.draft_submit(draft_id=draft.pk, owner=world.citizen)
    assert again.pk == dossier.pk and again.replayed
    assert Dossier.objects.count() == 1
    with pytest.raises(InvalidInput):
        drafts.draft_update_step(draft_id=draft.pk, owner=world.citizen, step="applicant", data=APPLICANT)
    assert list(drafts_of(world.citizen)) == []  # no longer open; a new filing starts a new draft
    assert drafts.draft_start(owner=world.citizen, procedure_code=CODE).pk != draft.pk


def test_a_failed_filing_files_nothing_and_keeps_the_draft(world, settings):
    draft = ready_draft(world)
    settings.DOCUMENT_MAX_BYTES = 10  # the stored file no longer passes the filing's checks
    with pytest.raises(InvalidInput):
        drafts.draft_submit(draft_id=draft.pk, owner=world.citizen)
    assert not Dossier.objects.exists()
    draft.refresh_from_db()
    assert draft.dossier is None and draft.submitted_at is None


def test_the_sweep_deletes_old_drafts_with_their_files(
    world, settings, private_dir, django_capture_on_commit_callbacks
):
    settings.DRAFT_MAX_AGE_DAYS = 30
    old = ready_draft(world)
    young = drafts.draft_start(owner=world.other_citizen, procedure_code=CODE)
    FilingDraft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=31))
    assert len(list((private_dir / "drafts").rglob("*.*"))) == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("drafts_sweep")
    assert list(FilingDraft.objects.values_list("pk", flat=True)) == [young.pk]
    assert not FilingDraftFile.objects.exists()
    assert not list((private_dir / "drafts").rglob("*.*"))
    assert drafts.drafts_sweep() == 0  # safe to run twice


def test_two_submits_at_once_file_one_dossier(transactional_world, private_dir):
    assert connection.vendor == "postgresql"  # row locks: the test runs on PostgreSQL, never SQLite in its place
    world = transactional_world
    draft = ready_draft(world)

    def submit(index, barrier):
        barrier.wait()
        return drafts.draft_submit(draft_id=draft.pk, owner=world.citizen).pk

    results = run_in_threads(2, submit)
    assert results[0] == results[1]
    assert Dossier.objects.count() == 1
    assert Document.objects.count() == 1
