"""The private storage on an S3-compatible service (django-storages' ``S3Storage``), against a real S3 server on
loopback: moto's server mode, started by the fixture below in this process (no MinIO binary can be had here).

The storage is built with the options the settings build (``portal.storage.s3_storage_options``) and put in
``STORAGES["private"]``; the portal resolves it when first used (``dossiers.models.private_storage``, a lazy object
reset when ``STORAGES`` changes), so every upload, the filing pages' drafts, the downloads and the desk preview go
to the bucket unchanged. Private by default: no object is readable by an anonymous request, no ACL grants anything to
everyone, and the portal never hands out a bucket address — files go out only through its scoped, audited views.

What moto enforces: an unsigned GET of an object is refused unless the object's ACL grants public read (checked here
with a public object as the control). It does not enforce the bucket's ACL on an anonymous listing (real S3 does),
so the bucket's grants are checked through the ACL itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta

import boto3
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from moto.server import ThreadedMotoServer

from conftest import postgres_url_of_tests
from dossiers import services
from dossiers.files import documents_sweep
from dossiers.models import Document, DocumentDownload, Dossier, FilingDraftFile, private_storage
from dossiers.selectors.integrity import check_documents
from dossiers.tests.factories import _tiny_pdf_bytes, filing_body, filing_form, tiny_pdf, tiny_png
from dossiers.tests.test_filing_pages import to_review, url
from dossiers.tests.test_restore_drill import FreshDatabase, environment, manage
from portal.storage import s3_storage_options

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

REGION = "us-east-1"
KEYS = {"access_key": "kiem-thu", "secret_key": "khoa-bi-mat-kiem-thu"}
EVERYONE = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server on 127.0.0.1, a free port, for the whole session."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: object

    def keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def anonymous_get(self, key: str) -> int:
        """An unsigned GET of the object's path-style address, as anyone on the network could send it."""
        try:
            with urllib.request.urlopen(f"{self.endpoint}/{self.name}/{key}", timeout=10) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as refused:
            return refused.code

    def public_grants(self, key: str | None = None) -> list[dict]:
        acl = (
            self.client.get_object_acl(Bucket=self.name, Key=key)
            if key
            else self.client.get_bucket_acl(Bucket=self.name)
        )
        return [grant for grant in acl["Grants"] if grant["Grantee"].get("URI") in EVERYONE]


@pytest.fixture
def bucket(s3_endpoint, settings) -> Bucket:
    """A bucket of its own, and ``STORAGES["private"]`` pointed at it with the settings' own S3 options."""
    name = f"ho-so-{uuid.uuid4().hex[:16]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=name)
    options = s3_storage_options(bucket_name=name, endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    return Bucket(s3_endpoint, name, client)


def assert_private(bucket: Bucket) -> list[str]:
    """Every object refused to an anonymous GET, no grant to everyone on it or on the bucket; returns the keys."""
    keys = bucket.keys()
    assert keys
    assert {key: bucket.anonymous_get(key) for key in keys} == dict.fromkeys(keys, 403)
    assert {key: bucket.public_grants(key) for key in keys} == {key: [] for key in keys}
    assert bucket.public_grants() == []
    return keys


def assert_no_bucket_address(bucket: Bucket, *answers) -> None:
    """No answer of the portal points into the bucket: neither its address nor a signed URL."""
    for answer in answers:
        text = b"".join(answer.streaming_content) if answer.streaming else answer.content
        head = " ".join(f"{k}: {v}" for k, v in answer.items())
        for needle in (bucket.endpoint, bucket.name, "X-Amz-", "AWSAccessKeyId", "Signature="):
            assert needle.encode() not in text and needle not in head, needle


def citizen_filing(world) -> tuple[Client, dict]:
    """The world's citizen logged in, and the body of an online filing of theirs at the world's centre."""
    citizen = Client()
    citizen.force_login(world.citizen)
    return citizen, filing_body(world)


def test_the_storage_is_resolved_when_used_not_at_import(bucket):
    from storages.backends.s3 import S3Storage

    field_storage = Document._meta.get_field("file").storage
    assert isinstance(field_storage, S3Storage) and field_storage.bucket_name == bucket.name
    assert private_storage().bucket_name == bucket.name
    assert (private_storage().default_acl, private_storage().file_overwrite) == ("private", False)


def test_filing_over_the_api_keeps_every_file_private_and_downloads_scoped_and_audited(world, bucket):
    citizen, body = citizen_filing(world)
    filed = citizen.post("/api/dossiers/", filing_form(body), HTTP_IDEMPOTENCY_KEY="s3-1")
    assert filed.status_code == 201, filed.content
    dossier = Dossier.objects.get(pk=filed.json()["id"])
    added = citizen.post(f"/api/dossiers/{dossier.pk}/documents/", {"file": tiny_png("cccd.png")})
    assert added.status_code == 201, added.content
    documents = list(dossier.documents.order_by("pk"))
    assert len(documents) == 2
    assert bucket.keys() == sorted(d.file.name for d in documents)
    for document in documents:
        stored = bucket.read(document.file.name)
        assert hashlib.sha256(stored).hexdigest() == document.sha256 and len(stored) == document.size

    services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)
    pdf, png = documents
    download = f"/api/dossiers/{dossier.pk}/documents/{pdf.pk}/download/"
    own = citizen.get(download)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content) == _tiny_pdf_bytes()
    assert own["Cache-Control"] == "private, no-store"
    for stranger in (world.other_citizen, world.other_reception):
        other = Client()
        other.force_login(stranger)
        refused = other.get(download)
        assert refused.status_code == 404 and refused.json() == {"code": "not_found", "detail": "Không tìm thấy."}
    desk = Client()
    desk.force_login(world.reception)
    preview = desk.get(f"/can-bo/ho-so/{dossier.pk}/tai-lieu/{png.pk}/")
    assert preview.status_code == 200 and preview["Content-Disposition"] == "inline"
    assert b"".join(preview.streaming_content) == bucket.read(png.file.name)
    other_desk = Client()
    other_desk.force_login(world.other_reception)
    assert other_desk.get(f"/can-bo/ho-so/{dossier.pk}/tai-lieu/{png.pk}/").status_code == 404
    # one record per download that happened, none for a refusal
    assert list(DocumentDownload.objects.order_by("pk").values_list("document_id", "user_id")) == [
        (pdf.pk, world.citizen.pk),
        (png.pk, world.reception.pk),
    ]

    # the receipt (form 01) is made from the rows when asked for: it reads nothing from the bucket and writes nothing
    slip = citizen.get(f"/api/dossiers/{dossier.pk}/slips/01.pdf")
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf" and slip.content.startswith(b"%PDF")
    dossier.refresh_from_db()
    assert dossier.code in citizen.get(f"/api/dossiers/{dossier.pk}/slips/01.html").content.decode()
    assert bucket.keys() == sorted(d.file.name for d in documents)

    detail = citizen.get(f"/api/dossiers/{dossier.pk}/")
    listing = citizen.get(f"/api/dossiers/{dossier.pk}/documents/")
    assert detail.status_code == listing.status_code == 200
    assert_no_bucket_address(bucket, filed, added, detail, listing, desk.get(f"/can-bo/ho-so/{dossier.pk}/"))
    assert_private(bucket)


def test_an_anonymous_read_of_a_public_object_would_succeed(bucket):
    """The control of the probe above: the server does serve an object whose ACL says public-read, so the 403s
    are the portal's private ACL at work, not a server that refuses everything."""
    bucket.client.put_object(Bucket=bucket.name, Key="cong-khai.txt", Body=b"x", ACL="public-read")
    assert bucket.anonymous_get("cong-khai.txt") == 200
    assert bucket.public_grants("cong-khai.txt")
    name = private_storage().save("dossiers/0/rieng.txt", ContentFile(b"y"))
    assert bucket.anonymous_get(name) == 403 and bucket.public_grants(name) == []


def test_the_filing_pages_keep_drafts_and_documents_in_the_bucket(world, bucket, django_capture_on_commit_callbacks):
    world.citizen.commune = world.centre.commune
    world.citizen.save()
    client = Client()
    client.force_login(world.citizen)
    draft = to_review(client, world)
    (draft_file,) = FilingDraftFile.objects.filter(draft=draft)
    assert bucket.keys() == [draft_file.file.name] and draft_file.file.name.startswith("drafts/")
    assert_private(bucket)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(url("filing-review"), {"draft": draft.pk})
    assert submitted.status_code == 302
    document = Document.objects.get(dossier__filed_by=world.citizen)
    # the draft's file became the dossier's document, and the draft's copy is gone from the bucket
    assert bucket.keys() == [document.file.name] and document.file.name.startswith(f"dossiers/{document.dossier_id}/")
    assert hashlib.sha256(bucket.read(document.file.name)).hexdigest() == document.sha256
    assert_private(bucket)


def test_no_object_is_ever_overwritten(world, bucket):
    """The same scan sent twice has the same name (its SHA-256): the second gets a name of its own."""
    citizen, body = citizen_filing(world)
    dossier_id = citizen.post("/api/dossiers/", filing_form(body)).json()["id"]
    again = citizen.post(f"/api/dossiers/{dossier_id}/documents/", {"file": tiny_pdf("lan-2.pdf")})
    assert again.status_code == 201
    first, second = Document.objects.filter(dossier_id=dossier_id).order_by("pk")
    assert first.sha256 == second.sha256 and first.file.name != second.file.name
    assert bucket.keys() == sorted([first.file.name, second.file.name])
    storage = private_storage()
    name = storage.save("dossiers/0/x.txt", ContentFile(b"mot"))
    other = storage.save("dossiers/0/x.txt", ContentFile(b"hai"))
    assert name != other and (bucket.read(name), bucket.read(other)) == (b"mot", b"hai")


def test_a_file_missing_from_the_bucket_is_a_404_and_the_checks_find_it(world, bucket):
    citizen, body = citizen_filing(world)
    dossier_id = citizen.post("/api/dossiers/", filing_form(body)).json()["id"]
    document = Document.objects.get(dossier_id=dossier_id)
    assert check_documents().ok
    # an orphan object (no row points to it): the nightly sweep sees it in the bucket, and never a document's file
    bucket.client.put_object(Bucket=bucket.name, Key=f"dossiers/{dossier_id}/ab/mo-coi.pdf", Body=b"%PDF-")
    report = documents_sweep(margin=timedelta(0), dry_run=True)
    assert report.files == 2 and report.orphans == [f"dossiers/{dossier_id}/ab/mo-coi.pdf"]
    assert documents_sweep(margin=timedelta(0)).orphans == report.orphans
    assert bucket.keys() == [document.file.name]
    bucket.client.put_object(Bucket=bucket.name, Key=document.file.name, Body=b"%PDF-1.4 khac")
    assert dict(check_documents().violations) == {"checksum_mismatch": 1}
    bucket.client.delete_object(Bucket=bucket.name, Key=document.file.name)
    assert dict(check_documents().violations) == {"missing_file": 1}
    gone = citizen.get(f"/api/dossiers/{dossier_id}/documents/{document.pk}/download/")
    assert gone.status_code == 404 and gone.json()["code"] == "file_missing"


def test_a_backup_of_the_bucket_restores_into_another_bucket(transactional_world, bucket, tmp_path):
    """``manage.py backup`` and ``restore_backup`` configured for S3 by their environment, as in production: every
    object of one bucket, verified, into a fresh database and another bucket, still private."""
    world = transactional_world
    citizen, body = citizen_filing(world)
    dossier_id = citizen.post("/api/dossiers/", filing_form(body)).json()["id"]
    citizen.post(f"/api/dossiers/{dossier_id}/documents/", {"file": tiny_png("cccd.png")})
    source = {key: bucket.read(key) for key in bucket.keys()}
    assert len(source) == 2

    def s3(name: str) -> dict[str, str]:
        return {
            "PRIVATE_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
            "AWS_STORAGE_BUCKET_NAME": name,
            "AWS_S3_ENDPOINT_URL": bucket.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": KEYS["access_key"],
            "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
        }

    made = manage("backup", str(tmp_path / "b"), env=environment(postgres_url_of_tests(), **s3(bucket.name)))
    assert made.returncode == 0, made.stderr[-3000:]
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["objects"]["backend"] == "storages.backends.s3.S3Storage"
    assert {k: f["sha256"] for k, f in manifest["objects"]["files"].items()} == {
        k: hashlib.sha256(v).hexdigest() for k, v in source.items()
    }

    other = Bucket(bucket.endpoint, f"{bucket.name}-khoi-phuc", bucket.client)
    bucket.client.create_bucket(Bucket=other.name)
    database = FreshDatabase()
    try:
        restored = manage(
            "restore_backup", str(tmp_path / "b"), "--create", env=environment(database.url, **s3(other.name))
        )
        assert restored.returncode == 0, restored.stderr[-3000:]
        assert {key: other.read(key) for key in other.keys()} == source
        assert_private(other)
        checked = manage("check_integrity", "--documents", env=environment(database.url, **s3(other.name)))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "OK   documents: 2 checked" in checked.stdout
    finally:
        database.drop()
    # the database lost, the bucket kept: the same objects are left as they are; another file under a name is refused
    for expected in ("0 objects written, 2 already there", "another file is already there"):
        database = FreshDatabase()
        try:
            again = manage(
                "restore_backup", str(tmp_path / "b"), "--create", env=environment(database.url, **s3(other.name))
            )
        finally:
            database.drop()
        assert expected in again.stdout + again.stderr, again.stderr[-3000:]
        bucket.client.put_object(Bucket=other.name, Key=other.keys()[0], Body=b"%PDF-1.4 khac")
    assert again.returncode == 1
