"""The province's catalogue shipped in ``data/catalogue/``: the published figures, the well-known procedures, the
loader's idempotency and the generator's determinism."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from django.core.management import call_command

from procedures.catalogue_build import build, write_csv
from procedures.catalogue_build.rules import WELL_KNOWN
from procedures.importing.reader import read_file
from procedures.models import Component, Procedure, ProcedureVersion
from procedures.selectors import catalogue_counts
from procedures.services import catalogue_file, catalogue_import

PUBLISHED = {
    "procedures": 2217,
    "in_force": 2217,
    "provincial": 1812,
    "commune": 405,
    "applied": 1490,
    "decisions": 36,
    "decrees": 28,
}


@pytest.fixture
def loaded(communes_loaded, django_assert_max_num_queries):
    """The shipped file imported once — in bulk: a bounded number of queries for 2,217 procedures (SQLite splits
    bulk inserts into smaller batches)."""
    from django.db import connection

    with django_assert_max_num_queries(60 if connection.vendor == "postgresql" else 250):
        summary = catalogue_import(paths=[catalogue_file()])
    assert summary.written, summary.problems[:5]
    return summary


def test_the_file_reproduces_the_published_figures(loaded):
    """2,217 = 1,812 + 405; 36 decisions under 28 decrees; 1,490 applied; real and illustrative as documented."""
    assert loaded.counts["provincial"]["created"] == 1812
    assert loaded.counts["commune"]["created"] == 405
    counts = catalogue_counts()
    assert {name: counts[name] for name in PUBLISHED} == PUBLISHED

    by_level = Counter(ProcedureVersion.objects.values_list("level", "procedure__source"))
    print(f"\nreal vs illustrative per level: {dict(by_level)}")
    assert by_level == {
        ("provincial", "national-db"): 726,
        ("provincial", "illustrative"): 1086,
        ("commune", "national-db"): 222,
        ("commune", "illustrative"): 183,
    }
    illustrative = Procedure.objects.filter(source="illustrative")
    assert all(code.startswith("MH.") for code in illustrative.values_list("code", flat=True))
    assert not Procedure.objects.filter(source="national-db", code__startswith="MH.").exists()

    versions = ProcedureVersion.objects.all()
    assert not versions.filter(level="provincial", processing_unit__isnull=True).exists()
    assert not versions.filter(level="commune", processing_unit__isnull=False).exists()
    assert not versions.filter(decision__isnull=True).exists()
    assert not versions.filter(time_unit__in=["working_days", "working_hours"], working_hours__isnull=True).exists()
    pairs = versions.order_by().values_list("decision__number", "level").distinct()
    decision_levels = Counter(number for number, _level in pairs)
    assert set(decision_levels.values()) == {1}  # each decision announces procedures of one level


def test_well_known_commune_procedures_are_real_and_complete(loaded):
    for code in sorted(WELL_KNOWN):
        version = ProcedureVersion.objects.select_related("procedure").get(procedure__code=code)
        assert version.procedure.source == "national-db", code
        assert version.level == "commune" and version.processing_unit is None, code
        assert version.time_value is not None and version.working_hours is not None, code
        assert version.fee_vnd is not None, code
        assert version.components.count() >= 1, code
        assert version.decision is not None and version.decision.decree is not None, code
        assert version.is_applied, code

    birth = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert birth.name == "Thủ tục đăng ký khai sinh"
    assert (birth.field.name, birth.working_hours, birth.fee_vnd) == ("Hộ tịch", 8, 0)
    assert birth.result_document == "Giấy khai sinh"
    assert Component.objects.filter(version=birth, name__startswith="Giấy chứng sinh").exists()


def test_loading_twice(communes_loaded):
    out = io.StringIO()
    call_command("load_catalogue", "--no-progress", stdout=out)
    assert "2217" in out.getvalue()
    stamps = dict(ProcedureVersion.objects.values_list("id", "updated_at"))

    again = io.StringIO()
    call_command("load_catalogue", "--no-progress", stdout=again)
    assert "already loaded" in again.getvalue()

    forced = io.StringIO()
    call_command("load_catalogue", "--no-progress", "--force", stdout=forced)
    assert "provincial: created 0, updated 0, unchanged 1812, rejected 0" in forced.getvalue()
    assert "commune: created 0, updated 0, unchanged 405, rejected 0" in forced.getvalue()
    assert dict(ProcedureVersion.objects.values_list("id", "updated_at")) == stamps


def test_the_shipped_file_is_valid_own_format():
    read = read_file(catalogue_file())
    assert read.formats == {str(catalogue_file()): "own"}
    assert not read.problems
    assert not [problem for record in read.records for problem in record.problems]
    assert len(read.records) == 2217


def test_the_generator_rebuilds_the_shipped_file_byte_for_byte(tmp_path, tthc_data_dir):
    output = tmp_path / "catalogue.csv"
    write_csv(build(tthc_data_dir), output)
    assert output.read_bytes() == catalogue_file().read_bytes()
    with output.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert Counter(row["source"] for row in rows) == {"national-db": 948, "illustrative": 1269}


def test_the_build_command_reads_only_what_it_is_given(tmp_path):
    """No default source outside the repository: the national records are named with --data."""
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--data"):
        call_command("build_province_catalogue", "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="source data not found"):
        call_command("build_province_catalogue", "--data", str(tmp_path), "--output", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()
