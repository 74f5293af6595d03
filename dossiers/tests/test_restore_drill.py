"""The restore drill (README, "Backups"): data built through the real services — dossiers in many states with their
documents, a counter reception, the notifications they sent, their audit trails, downloads — is backed up with
``manage.py backup``, restored with ``manage.py restore_backup --create`` into a fresh database on the local
PostgreSQL and a fresh private directory, checked with ``manage.py check_integrity``, compared with the source, and
serves a public lookup. Each command runs as an operator would run it: a process of its own, configured by its
environment."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from conftest import ROOT, postgres_url_of_tests
from dossiers.models import Document, DocumentDownload, Dossier
from dossiers.services import document_download
from dossiers.tests.factories import file_online, receive_at_counter
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from notifications.models import Notification, Status

pytestmark = [pytest.mark.postgres]


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def environment(database_url: str, **variables: str) -> dict[str, str]:
    """The environment of a command run against ``database_url`` (and, given, its private storage)."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "PRIVATE_", "PYTEST_"))}
    return {**kept, "DJANGO_ENV": "test", "DATABASE_URL": database_url, "REFERENCE_CACHE": "0", **variables}


def local_storage(path: Path) -> dict[str, str]:
    return {"PRIVATE_STORAGE_BACKEND": "django.core.files.storage.FileSystemStorage", "PRIVATE_MEDIA_ROOT": str(path)}


class FreshDatabase:
    """The name of a database that does not exist yet on the tests' PostgreSQL, dropped at the end."""

    def __init__(self):
        self.name = f"{connection.settings_dict['NAME'][:30]}_restore_{uuid.uuid4().hex[:8]}"
        self.url = postgres_url_of_tests().rsplit("/", 1)[0] + "/" + self.name

    def query(self, sql: str, params=()) -> list[tuple]:
        raw = connection.get_new_connection({**connection.get_connection_params(), "dbname": self.name})
        try:
            cursor = raw.cursor()
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            raw.close()

    def drop(self) -> None:
        raw = connection.get_new_connection({**connection.get_connection_params(), "dbname": "postgres"})
        raw.autocommit = True
        try:
            raw.cursor().execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            raw.close()


@pytest.fixture
def fresh_database():
    database = FreshDatabase()
    yield database
    database.drop()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_restore_check_and_serve_a_lookup(transactional_world, private_dir, tmp_path, settings, fresh_database):
    world = transactional_world
    settings.SMS_BACKEND = "notifications.channels.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    dossiers = [walk(world, file_online(world.citizen, world.centre), PATHS[state]) for state in State]
    dossiers.append(
        receive_at_counter(
            actor=world.reception,
            procedure_code="1.001193",
            applicant={"name": "Trần Văn Nam", "id_number": "025079006237", "phone": "0983210402"},
            reception_centre_id=world.centre.pk,
        )
    )
    document_download(document_id=dossiers[1].documents.first().pk, actor=world.reception)
    assert Notification.objects.filter(status=Status.SENT, channel="sms").exists()
    assert Notification.objects.filter(status=Status.SENT, channel="email").exists()
    assert DocumentDownload.objects.count() == 1
    source = {
        "dossiers": Dossier.objects.count(),
        "codes": sorted(Dossier.objects.exclude(code=None).values_list("code", flat=True)),
        "documents": sorted(Document.objects.values_list("file", "sha256")),
        "notifications": sorted(Notification.objects.values_list("dedupe_key", "status")),
    }
    assert len(source["codes"]) >= 9 and len(source["documents"]) == len(dossiers) - 1  # the counter one: on paper

    # the backup: the database in one snapshot, every object, a manifest
    backup = tmp_path / "backup"
    made = manage("backup", str(backup), env=environment(postgres_url_of_tests(), **local_storage(private_dir)))
    assert made.returncode == 0, made.stderr[-3000:]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert {p.name: p.stat().st_mode & 0o777 for p in [backup, *backup.iterdir()]} == {
        "backup": 0o700,
        "database.dump": 0o600,
        "objects.tar": 0o600,
        "manifest.json": 0o600,
    }
    assert sorted(manifest) == ["created_at", "database", "finished_at", "format", "objects"]
    assert manifest["database"]["tables"]["public.dossiers_dossier"] == source["dossiers"]
    assert manifest["database"]["size_bytes"] > 0 and manifest["database"]["dump_sha256"] == sha256_of(
        backup / "database.dump"
    )
    assert manifest["objects"]["count"] == len(source["documents"])
    assert {name: f["sha256"] for name, f in manifest["objects"]["files"].items()} == dict(source["documents"])

    # the restore: into a database that does not exist yet and an empty directory
    restored_dir = tmp_path / "restored-private"
    restored_env = environment(fresh_database.url, **local_storage(restored_dir))
    restored = manage("restore_backup", str(backup), "--create", env=restored_env)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert f"{len(source['documents'])} objects written" in restored.stdout

    # the integrity checks, on the restored data, with the dossiers the clients were told of and the sinks
    told = tmp_path / "created.txt"
    told.write_text("\n".join([str(d.pk) for d in dossiers] + source["codes"]) + "\n")
    checks = manage(
        "check_integrity",
        "--json",
        "--documents",
        f"--created={told}",
        f"--sms-sink={tmp_path / 'sms.jsonl'}",
        f"--mail-dir={tmp_path / 'mail'}",
        env=restored_env,
    )
    report = json.loads(checks.stdout)
    assert checks.returncode == 0, json.dumps(report, indent=1)
    assert [c["name"] for c in report["checks"]] == ["created", "codes", "outbox", "audit", "documents"]
    by_name = {c["name"]: c for c in report["checks"]}
    assert by_name["documents"]["checked"] == len(source["documents"])
    assert by_name["outbox"]["notes"]["sms_received"] >= 1 and by_name["outbox"]["notes"]["email_received"] >= 1

    # the same data as the source
    assert fresh_database.query("SELECT count(*) FROM dossiers_dossier") == [(source["dossiers"],)]
    assert [
        c for (c,) in fresh_database.query("SELECT code FROM dossiers_dossier WHERE code IS NOT NULL ORDER BY code")
    ] == (source["codes"])
    assert sorted(fresh_database.query("SELECT file, sha256 FROM dossiers_document")) == source["documents"]
    assert (
        sorted(fresh_database.query("SELECT dedupe_key, status FROM notifications_notification"))
        == (source["notifications"])
    )
    assert {name: sha256_of(restored_dir / name) for name, _sha in source["documents"]} == dict(source["documents"])

    # a public lookup served by the restored database through the portal's own request handling
    received = dossiers[1]
    lookup = (
        "import django, json; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='127.0.0.1'); "
        f"a = c.post('/api/lookup/', {{'code': '{received.code}', 'id_number': '{received.applicant_id_number}'}}, "
        "content_type='application/json'); "
        f"b = c.post('/api/lookup/', {{'code': '{received.code}', 'id_number': '001099000000'}}, "
        "content_type='application/json'); "
        "print(json.dumps([a.status_code, a.json(), b.status_code]))"
    )
    served = subprocess.run(
        [sys.executable, "-c", lookup],
        cwd=ROOT,
        env={**restored_env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 0, served.stderr[-3000:]
    status, answer, wrong = json.loads(served.stdout.strip().splitlines()[-1])
    assert (status, wrong) == (200, 404)
    assert answer["code"] == received.code and answer["status"]["state"] == "received", answer
    assert answer["status"]["national_code"] == 2
    assert received.applicant_id_number not in json.dumps(answer)  # masked, as on the live portal

    # a restore goes only into a fresh, empty database: the same one again is refused, and nothing is touched
    again = manage("restore_backup", str(backup), env=restored_env)
    assert again.returncode == 1 and "fresh, empty database" in again.stderr
    assert fresh_database.query("SELECT count(*) FROM dossiers_dossier") == [(source["dossiers"],)]


def test_a_backup_that_was_changed_is_refused_before_anything_is_written(tmp_path, fresh_database):
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "database.dump").write_bytes(b"PGDMP not really")
    (backup / "manifest.json").write_text(
        json.dumps({"format": 1, "database": {"dump": "database.dump", "dump_sha256": "0" * 64, "size_bytes": 1}})
    )
    refused = manage("restore_backup", str(backup), "--create", env=environment(fresh_database.url))
    assert refused.returncode == 1 and "SHA-256 differs from the manifest" in refused.stderr
    with pytest.raises(Exception, match="does not exist"):  # the database was never created
        fresh_database.query("SELECT 1")
