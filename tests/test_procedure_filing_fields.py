# ruff: noqa: F811
"""The procedure API gives a client everything filing needs: it reads the detail, then files online with the
component ids and a return method it read there (no 400 needed to learn them)."""

from __future__ import annotations

import json

import pytest

from dossiers.tests.conftest import private_dir, world  # noqa: F401 (fixtures)
from dossiers.tests.factories import APPLICANT, tiny_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_dir")]


def test_read_the_detail_then_file_with_its_ids(world, client):
    detail = client.get("/api/procedures/1.001193/")
    assert detail.status_code == 200
    body = detail.json()
    components = body["components"]
    assert components and all(
        {"id", "name", "copy_kind", "copy_kind_label", "copies", "is_required", "template_name", "template_url"}
        <= set(c)
        for c in components
    )
    assert all(c["template_url"] is None for c in components)  # the test data has no template file
    methods = [m["value"] for m in body["return_methods"]]
    assert methods[:2] == ["counter", "post"]
    required = [c for c in components if c["is_required"]]
    assert required

    client.force_login(world.citizen)
    form = {
        "procedure": body["code"],
        "applicant": json.dumps({**APPLICANT, "id_number": world.citizen.id_number}),
        "reception_centre": world.centre.agency_code,
        "return_method": methods[0],
        "documents": [tiny_pdf(f"thanh-phan-{c['id']}.pdf") for c in required],
        "components": [str(c["id"]) for c in required],
        "original_scans": ["true" for _ in required],
    }
    response = client.post("/api/dossiers/", form)
    assert response.status_code == 201, response.json()
    filed = response.json()
    assert sorted(d["component"] for d in filed["documents"]) == sorted(c["id"] for c in required)


def test_return_methods_follow_the_online_level(world, client):
    from procedures.models import ProcedureVersion

    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    version.online_level = "full"
    version.save(update_fields=["online_level"])
    labels = client.get("/api/procedures/1.001193/").json()["return_methods"]
    assert [m["value"] for m in labels] == ["counter", "post", "online"]
    assert labels[0]["label"] == "Nhận tại quầy"
    version.online_level = "partial"
    version.save(update_fields=["online_level"])
    assert [m["value"] for m in client.get("/api/procedures/1.001193/").json()["return_methods"]] == [
        "counter",
        "post",
    ]


def test_the_schema_documents_the_new_fields(client):
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "return_methods" in text and "template_url" in text
