"""The nightly sweep deletes private files no document points to — only once they are older than the margin, never a
file a document row names — and says what it did."""

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from dossiers.files import documents_sweep
from dossiers.models import Document, Dossier
from dossiers.tests.factories import file_online

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def aged(path: Path, seconds: float) -> Path:
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def left_behind(private_dir: Path, name: str, *, age: float) -> Path:
    path = private_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 left behind")
    return aged(path, age)


def test_orphans_older_than_the_margin_go_and_everything_else_stays(world, private_dir):
    dossier = file_online(world.citizen, world.centre)
    (kept,) = [private_dir / name for name in Document.objects.values_list("file", flat=True)]
    aged(kept, 30 * DAY)  # old, but a document points to it
    beside = left_behind(private_dir, f"dossiers/{dossier.pk}/ab/ab12-component.pdf", age=2 * DAY)
    no_dossier = left_behind(private_dir, "dossiers/999999999/cd/cd34-component.pdf", age=3 * DAY)
    in_flight = left_behind(private_dir, f"dossiers/{dossier.pk}/ef/ef56-component.pdf", age=60)

    dry = documents_sweep(dry_run=True)
    assert (
        sorted(dry.orphans) == sorted(str(path.relative_to(private_dir)) for path in (beside, no_dossier))
        and dry.files == 4
        and dry.too_young == 1
    )
    assert beside.exists() and no_dossier.exists()

    report = documents_sweep()
    assert len(report.orphans) == 2
    assert not beside.exists() and not no_dossier.exists()
    assert kept.exists() and in_flight.exists()
    assert Dossier.objects.get(pk=dossier.pk).documents.count() == 1


def test_a_filing_rolled_back_by_its_caller_leaves_a_file_that_the_sweep_removes(world, private_dir):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        file_online(world.citizen, world.centre)
        raise Undo  # the filing's own block succeeded: its file stays on disk, its rows do not
    (orphan,) = [path for path in private_dir.rglob("*") if path.is_file()]
    assert not Document.objects.exists()
    assert documents_sweep().orphans == []  # younger than the margin: it could still be committing
    aged(orphan, 2 * DAY)
    assert documents_sweep().orphans == [str(orphan.relative_to(private_dir))]
    assert not orphan.exists()


def test_the_command_lists_then_deletes(world, private_dir):
    orphan = left_behind(private_dir, "dossiers/123456789/aa/aa-component.pdf", age=2 * DAY)
    out = StringIO()
    call_command("documents_sweep", "--dry-run", stdout=out)
    assert "would delete dossiers/123456789/aa/aa-component.pdf" in out.getvalue() and orphan.exists()
    out = StringIO()
    call_command("documents_sweep", stdout=out)
    assert "1 tệp / files, 1 tệp mồ côi / orphans đã xóa / deleted, 0 còn mới" in out.getvalue()
    assert not orphan.exists()
    with pytest.raises(CommandError):
        call_command("documents_sweep", "--older-than-hours", "0.1")


def test_the_sweep_is_scheduled_nightly_as_a_task(settings, private_dir):
    entry = settings.CELERY_BEAT_SCHEDULE["dossiers-nightly-documents-sweep"]
    assert entry["task"] == "dossiers.documents_sweep"
    from portal.celery import app

    app.loader.import_default_modules()  # what a worker does at start: every app's tasks module
    left_behind(private_dir, "dossiers/123456789/aa/aa-component.pdf", age=2 * DAY)
    assert app.tasks["dossiers.documents_sweep"].delay().get(timeout=10) == 1  # eager in tests


def test_draft_files_no_row_points_to_go_too_and_a_drafts_files_stay(world, private_dir):
    from django.utils import timezone

    from dossiers.models import FilingDraft, FilingDraftFile

    draft = FilingDraft.objects.create(owner=world.citizen, procedure_code="1.001193", data={})
    kept = left_behind(private_dir, f"drafts/{draft.pk}/ab/ab12-component.pdf", age=3 * DAY)
    FilingDraftFile.objects.create(
        draft=draft,
        file=str(kept.relative_to(private_dir)),
        original_name="a.pdf",
        size=10,
        content_type="application/pdf",
        sha256="0" * 64,
        uploaded_at=timezone.now(),
    )
    abandoned = left_behind(private_dir, "drafts/999999999/cd/cd34-component.pdf", age=3 * DAY)
    report = documents_sweep()
    assert report.orphans == [str(abandoned.relative_to(private_dir))]
    assert kept.exists() and not abandoned.exists()


def test_old_drafts_are_swept_nightly_as_a_task(settings, world):
    from datetime import timedelta

    from django.utils import timezone

    from dossiers.models import FilingDraft

    entry = settings.CELERY_BEAT_SCHEDULE["dossiers-nightly-drafts-sweep"]
    assert entry["task"] == "dossiers.drafts_sweep"
    old = FilingDraft.objects.create(owner=world.citizen, procedure_code="1.001193", data={})
    FilingDraft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    fresh = FilingDraft.objects.create(owner=world.other_citizen, procedure_code="1.001193", data={})
    from portal.celery import app

    app.loader.import_default_modules()
    assert app.tasks["dossiers.drafts_sweep"].delay().get(timeout=10) == 1
    assert list(FilingDraft.objects.values_list("pk", flat=True)) == [fresh.pk]
