"""The per-process cache of reference rows: served without a query while the tables are unchanged, dropped as soon
as any write reaches them — ORM save, ``QuerySet.update()``, raw SQL, delete — and never a stand-in off PostgreSQL."""

import datetime

import pytest
from django.db import connection

from communes import selectors as communes_selectors
from communes.models import ServiceCentre
from dossiers.tests.factories import procedure_version
from procedures import selectors as procedures_selectors
from procedures.models import ProcedureVersion, VersionChange

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
DAY = datetime.date(2026, 11, 27)


@pytest.fixture
def cache_on(reference_cache_on):
    return reference_cache_on  # the fingerprint is read on every access


def centre():
    return ServiceCentre.objects.get(key="commune-07900")


def test_a_hit_costs_the_fingerprint_only_and_nothing_within_the_check_interval(
    communes_loaded, cache_on, django_assert_num_queries
):
    code = centre().agency_code
    with django_assert_num_queries(2):  # fingerprint, then the centre
        first = communes_selectors.centre_by_agency_code(code)
    with django_assert_num_queries(1):  # fingerprint: unchanged
        assert communes_selectors.centre_by_agency_code(code) is first
    cache_on.REFERENCE_CACHE_CHECK_SECONDS = 3600
    with django_assert_num_queries(0):
        assert communes_selectors.centre_by_agency_code(code) is first
    assert first.commune.name  # joined: reading it costs nothing more


@pytest.mark.parametrize("how", ["save", "update", "raw sql"])
def test_any_write_drops_what_was_kept(communes_loaded, cache_on, how):
    row = centre()
    old_code = row.agency_code
    assert communes_selectors.centre_by_agency_code(old_code).pk == row.pk
    new_code = "999.99.99.H25"
    if how == "save":
        row.agency_code = new_code
        row.save(update_fields=["agency_code"])
    elif how == "update":
        ServiceCentre.objects.filter(pk=row.pk).update(agency_code=new_code)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ServiceCentre._meta.db_table} SET agency_code = %s WHERE id = %s",  # noqa: S608
                [new_code, row.pk],
            )
    assert communes_selectors.centre_by_agency_code(old_code) is None
    assert communes_selectors.centre_by_agency_code(new_code).pk == row.pk


def test_a_delete_drops_what_was_kept(communes_loaded, cache_on):
    row = centre()
    assert communes_selectors.centre_by_id(row.pk) is not None
    ServiceCentre.objects.filter(pk=row.pk).delete()
    assert communes_selectors.centre_by_id(row.pk) is None


def test_a_missing_row_is_kept_as_missing_until_it_appears(communes_loaded, cache_on):
    assert communes_selectors.centre_by_agency_code("123.45.67.H25") is None
    row = centre()
    ServiceCentre.objects.filter(pk=row.pk).update(agency_code="123.45.67.H25")
    assert communes_selectors.centre_by_agency_code("123.45.67.H25").pk == row.pk


def test_the_version_for_filing_follows_the_catalogue(communes_loaded, cache_on):
    version = procedure_version()
    filing = procedures_selectors.version_for_filing(code="1.001193", on=DAY)
    assert filing.version.pk == version.pk and not filing.abolished
    assert [c.name for c in filing.version.components.all()] == ["Tờ khai đăng ký khai sinh"]
    # no longer applied in the province: seen at once
    ProcedureVersion.objects.filter(pk=version.pk).update(is_applied=False)
    assert procedures_selectors.version_for_filing(code="1.001193", on=DAY).version.is_applied is False
    # abolished from the first of December: still fileable before, not after
    ProcedureVersion.objects.create(
        procedure=version.procedure,
        effective_from=datetime.date(2026, 12, 1),
        change=VersionChange.ABOLISHED,
        name=version.name,
        name_folded=version.name_folded,
        field=version.field,
        level=version.level,
    )
    assert not procedures_selectors.version_for_filing(code="1.001193", on=DAY).abolished
    assert procedures_selectors.version_for_filing(code="1.001193", on=datetime.date(2026, 12, 2)).abolished


def test_off_postgresql_or_when_turned_off_every_read_goes_to_the_database(
    communes_loaded, settings, django_assert_num_queries
):
    communes_selectors.reference.clear()
    settings.REFERENCE_CACHE = False
    code = centre().agency_code
    for _ in range(2):
        with django_assert_num_queries(1):  # the centre itself, no fingerprint
            communes_selectors.centre_by_agency_code(code)


def test_a_full_cache_starts_again_instead_of_growing(communes_loaded, cache_on):
    from portal.common.refcache import ReferenceCache

    small = ReferenceCache("test-small", lambda: [ServiceCentre], max_entries=3)
    for number in range(7):
        assert small.get(("n", number), lambda number=number: number * 10) == number * 10
        assert len(small._entries) <= 3
    assert small.get(("n", 6), lambda: "not loaded again") == 60


def test_a_withdrawn_role_is_seen_at_the_next_check(communes_loaded, cache_on):
    from dossiers.selectors import access_for
    from dossiers.tests.factories import staff
    from portal.accounts.models import Membership, StaffRole, User

    officer = staff(StaffRole.RECEPTION, centre=centre())
    assert access_for(User.objects.get(pk=officer.pk)).reception_centres == {centre().pk}
    Membership.objects.filter(user=officer).update(is_active=False)
    assert access_for(User.objects.get(pk=officer.pk)).reception_centres == frozenset()


def test_every_table_a_cache_reads_is_counted_by_its_trigger():
    import portal.accounts.selectors  # noqa: F401  (each module makes its cache when imported)
    from portal.common.refcache import _CACHES
    from procedures.models import Procedure, ProcedureField

    tables = {model._meta.db_table for cache in _CACHES for model in cache._models()}
    tables |= {ProcedureVersion._meta.db_table, Procedure._meta.db_table, ProcedureField._meta.db_table}  # search
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name = 'portal_reference_written'"
        )
        counted = {table for (table,) in cursor.fetchall()}
    assert {"accounts_membership", "communes_servicecentre", "procedures_component"} <= tables
    assert tables <= counted, sorted(tables - counted)


def test_two_writes_in_one_transaction_are_both_seen(communes_loaded, cache_on):
    row = centre()
    ServiceCentre.objects.filter(pk=row.pk).update(agency_code="111.11.11.H25")
    assert communes_selectors.centre_by_agency_code("111.11.11.H25").pk == row.pk
    ServiceCentre.objects.filter(pk=row.pk).update(agency_code="222.22.22.H25")  # same transaction, same row
    assert communes_selectors.centre_by_agency_code("111.11.11.H25") is None
    assert communes_selectors.centre_by_agency_code("222.22.22.H25").pk == row.pk


def test_a_write_rolled_back_is_never_taken_for_a_later_one(communes_loaded, cache_on):
    from django.db import transaction

    row = centre()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        ServiceCentre.objects.filter(pk=row.pk).update(agency_code="333.33.33.H25")
        # read inside the transaction that wrote: kept under that transaction's stamp
        assert communes_selectors.centre_by_agency_code("333.33.33.H25").pk == row.pk
        raise Undo
    # a later write to the same table (another row) must not bring the rolled-back stamp back
    other = ServiceCentre.objects.exclude(pk=row.pk).order_by("pk").first()
    ServiceCentre.objects.filter(pk=other.pk).update(name=other.name)
    assert communes_selectors.centre_by_agency_code("333.33.33.H25") is None
    assert communes_selectors.centre_by_agency_code(row.agency_code).pk == row.pk
