"""Reads of the catalogue. Every non-trivial query of the ``procedures`` app lives here.

Past ~400 lines on purpose: the versions in force, the filing version, the search with its facets and the
statistics all build on one filter (``in_force_filter``) and one column list, and the catalogue's reads are easier
to keep consistent — and to find — in one place than split across modules that would import each other."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communes.models import ProcessingUnit
from portal.common.errors import NotFound
from portal.common.refcache import ReferenceCache, tables_fingerprint
from portal.common.text import fold, names_nothing, nfc
from procedures import search, search_index
from procedures.models import (
    Component,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    Source,
    VersionChange,
)


def in_force_filter(on: datetime.date) -> Q:
    """Versions in force on a date: started, not yet superseded, not an abolition."""
    return (
        Q(effective_from__lte=on)
        & (Q(effective_until__isnull=True) | Q(effective_until__gt=on))
        & ~Q(change=VersionChange.ABOLISHED)
    )


def versions_in_force(*, on: datetime.date | None = None) -> QuerySet[ProcedureVersion]:
    on = on or timezone.localdate()
    return ProcedureVersion.objects.filter(in_force_filter(on))


def procedure_version_in_force(*, code: str, on: datetime.date | None = None) -> ProcedureVersion:
    """The version of procedure ``code`` in force on ``on`` (today by default); 404 when there is none."""
    version = (
        versions_in_force(on=on)
        .select_related("procedure", "field", "processing_unit", "decision", "decision__decree")
        .filter(procedure__code=code.strip())
        .first()
    )
    if version is None:
        raise NotFound()
    return version


#: Versions as filing reads them (per process, dropped when the catalogue changes).
reference = ReferenceCache(
    "procedures", lambda: [ProcedureVersion, Procedure, ProcedureField, Component, ProcessingUnit]
)


@dataclass(frozen=True)
class FilingVersion:
    """What filing needs to know of a procedure on a day: the version in force (``None``: none), with its procedure,
    field, processing unit and components (in order) loaded, and whether an abolition is in force after it."""

    version: ProcedureVersion | None
    abolished: bool


def version_for_filing(*, code: str, on: datetime.date) -> FilingVersion:
    """The version to file under ``code`` on ``on``. Shared between requests: read-only."""
    code = code.strip()

    def load() -> FilingVersion:
        version = (
            versions_in_force(on=on)
            .select_related("procedure", "field", "processing_unit")
            .prefetch_related(Prefetch("components", queryset=Component.objects.order_by("order", "id")))
            .filter(procedure__code=code)
            .first()
        )
        # An abolition in force ends the procedure even when the version before it was not closed on that day
        # (versions added by hand are only chained by procedure_version_periods_sync).
        abolitions = ProcedureVersion.objects.filter(
            procedure__code=code, change=VersionChange.ABOLISHED, effective_from__lte=on
        )
        if version is not None:
            abolitions = abolitions.filter(effective_from__gt=version.effective_from)
        return FilingVersion(version=version, abolished=abolitions.exists())

    return reference.get(("filing", code, on), load)


def version_hold_for_filing(version_id: int) -> None:
    """Inside a filing's transaction: a key-share lock on the version the new dossier is bound to, held until commit.

    A catalogue import locks the versions it may change (FOR UPDATE) before it reads which of them dossiers use; with
    this lock it waits for a dossier being filed and then sees it, instead of rewriting its version in place.
    Filings do not wait for one another (key-share locks share). PostgreSQL only: Django checks foreign keys at
    commit, without such a lock; the embedded SQLite has one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(ProcedureVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE", [version_id])  # noqa: S608 (our table)


def version_by_id(version_id: int) -> ProcedureVersion | None:
    """A version (with its procedure and field), or ``None``. Shared: read-only."""
    return reference.get(
        ("version", int(version_id)),
        lambda: ProcedureVersion.objects.select_related("procedure", "field").filter(pk=version_id).first(),
    )


def procedure_by_id(procedure_id: int) -> Procedure | None:
    """A procedure, or ``None``. Shared: read-only."""
    return reference.get(("procedure", int(procedure_id)), lambda: Procedure.objects.filter(pk=procedure_id).first())


def field_by_slug(slug: str) -> ProcedureField | None:
    """A field (lĩnh vực) by its slug, or ``None``."""
    if names_nothing(slug):
        return None
    return ProcedureField.objects.filter(slug=slug).first()


def field_by_id(field_id: int) -> ProcedureField | None:
    """A field (lĩnh vực), or ``None``. Shared: read-only."""
    return reference.get(("field", int(field_id)), lambda: ProcedureField.objects.filter(pk=field_id).first())


# --- Catalogue search, facets, statistics, procedure page --------------------------------------------------
#
# Shapes for the public API (procedures/api) and the citizen pages. On PostgreSQL with the reference cache on (as in
# production), a search runs in process on the index of the catalogue in force (procedures/search_index.py) and costs
# no statement. Otherwise — SQLite, the test suite — it costs two: the grouped facet query (which also gives the
# total) and the result page with its foreign keys joined. A query whose words match nothing costs two more in both
# cases, the typo-tolerant pass (trigram similarity, PostgreSQL).

LIST_RELATED = ("procedure", "field", "processing_unit")
# What a line of the result list shows: the long texts (result, legal basis, fee note) stay in the database.
LIST_COLUMNS = (
    "procedure__code",
    "procedure__source",
    "name",
    "level",
    "field__slug",
    "field__name",
    "processing_unit__key",
    "processing_unit__name",
    "agency_name",
    "time_value",
    "time_unit",
    "working_hours",
    "fee_vnd",
    "channel_direct",
    "channel_online",
    "channel_post",
    "online_level",
    "is_applied",
    "effective_from",
)
FACETS = ("field", "level")
#: The citizen catalogue's filter panel also counts per online level and fee (free / paid); the same grouped query.
PANEL_FACETS = ("field", "level", "online_level", "fee")


def catalogue_filter_q(name: str, value) -> Q:
    """One catalogue filter as a condition on ``ProcedureVersion`` (values already validated by the FilterSet)."""
    if name == "level":
        return Q(level=value)
    if name == "field":
        return Q(field__slug=value)
    if name == "processing_unit":
        return Q(processing_unit__key=value)
    if name == "online_level":
        return Q(online_level=value)
    if name == "channel":
        return Q(**{f"channel_{value}": True})
    if name == "fee":
        return Q(fee_vnd=0) if value == "free" else Q(fee_vnd__gt=0)
    if name == "applied":
        return Q(is_applied=value)
    if name == "source":
        return Q(procedure__source=value)
    raise ValueError(f"unknown catalogue filter {name!r}")


def catalogue_filter_test(name: str, value) -> Callable[[ProcedureVersion], bool]:
    """:func:`catalogue_filter_q` as a test of a loaded version (its procedure, field and processing unit joined),
    for the in-process search index (``procedures.search_index``)."""
    if name == "level":
        return lambda version: version.level == value
    if name == "field":
        return lambda version: version.field.slug == value
    if name == "processing_unit":
        return lambda version: version.processing_unit is not None and version.processing_unit.key == value
    if name == "online_level":
        return lambda version: version.online_level == value
    if name == "channel":
        attribute = f"channel_{value}"
        return lambda version: getattr(version, attribute) is True
    if name == "fee":
        return lambda version: search_index.fee_bucket(version.fee_vnd) == value
    if name == "applied":
        return lambda version: version.is_applied == value
    if name == "source":
        return lambda version: version.procedure.source == value
    raise ValueError(f"unknown catalogue filter {name!r}")


def _catalogue_matches(
    *,
    terms: search.SearchTerms | None,
    filters: dict,
    on: datetime.date | None,
    similar_ids: list[int] | None = None,
    exclude: tuple[str, ...] = (),
) -> QuerySet[ProcedureVersion]:
    qs = versions_in_force(on=on)
    conditions = [catalogue_filter_q(name, value) for name, value in filters.items() if name not in exclude]
    if conditions:
        qs = qs.filter(*conditions)
    if terms is not None:
        qs = search.search_match(qs, terms, vendor=connection.vendor, similar_ids=similar_ids)
    return qs


def _similar_ids(terms: search.SearchTerms | None, fuzzy: bool) -> list[int] | None:
    if fuzzy and search.fuzzy_available(terms, vendor=connection.vendor):
        return search.similar_version_ids(terms)
    return None


def _search_results(
    terms: search.SearchTerms | None, filters: dict, on: datetime.date | None, similar_ids: list[int] | None
) -> tuple[QuerySet[ProcedureVersion], QuerySet[ProcedureVersion]]:
    """(matches in order — the versions table alone, rows to show — with their foreign keys, in the same order).

    The page is chosen on the versions table alone and only its rows are joined: ranking several hundred matches
    and then joining twenty is cheaper than joining them all before the sort.
    """
    matches = _catalogue_matches(terms=terms, filters=filters, on=on, similar_ids=similar_ids)
    rows = ProcedureVersion.objects.select_related(*LIST_RELATED).only(*LIST_COLUMNS)
    if terms is None:
        return matches.order_by("procedure__code"), rows.order_by("procedure__code")
    fuzzy = similar_ids is not None
    vendor = connection.vendor
    return (
        search.search_order(search.search_rank(matches, terms, vendor=vendor, fuzzy=fuzzy)),
        search.search_order(search.search_rank(rows, terms, vendor=vendor, fuzzy=fuzzy)),
    )


def _page(ordered: tuple[QuerySet, QuerySet], start: int, stop: int) -> list[ProcedureVersion]:
    matches, rows = ordered
    return list(rows.filter(pk__in=Subquery(matches.values("pk")[start:stop])))


def procedure_search(
    *,
    q: str | None = None,
    filters: dict | None = None,
    on: datetime.date | None = None,
    fuzzy: bool = False,
    start: int = 0,
    stop: int = 20,
) -> list[ProcedureVersion]:
    """Versions in force matching the query and the filters, best match first (by code without a query), rows
    ``start`` to ``stop`` — with their procedure, field and processing unit.

    ``fuzzy``: match by trigram similarity instead of by words (PostgreSQL; see ``procedures.search``).
    """
    terms = search.parse_query(q)
    return _page(_search_results(terms, filters or {}, on, _similar_ids(terms, fuzzy)), start, stop)


@dataclass(frozen=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class CatalogueFacets:
    total: int  # what procedure_search returns for the same query and filters
    field: list[FacetCount]
    level: list[FacetCount]
    online_level: list[FacetCount] = ()  # for the citizen pages' filter panel (the API shows field and level)
    fee: list[FacetCount] = ()


def catalogue_facets(
    *, q: str | None = None, filters: dict | None = None, on: datetime.date | None = None, fuzzy: bool = False
) -> CatalogueFacets:
    """Counts per field and per level for the current query, for the filter panel — in one grouped query.

    Each facet counts with every filter except its own (choosing "Hộ tịch" still shows how many procedures the
    other fields have); ``total`` applies them all.
    """
    terms = search.parse_query(q)
    return _facets(terms, filters or {}, on, _similar_ids(terms, fuzzy))


def _fee_bucket() -> Case:
    return Case(
        When(fee_vnd=0, then=Value("free")),
        When(fee_vnd__gt=0, then=Value("paid")),
        default=Value(""),
        output_field=CharField(),
    )


FEE_LABELS = {"free": gettext_lazy("Không mất phí"), "paid": gettext_lazy("Có phí, lệ phí")}


def _facets(
    terms: search.SearchTerms | None, filters: dict, on: datetime.date | None, similar_ids: list[int] | None
) -> CatalogueFacets:
    """One grouped query (field × level × online level × fee) counts every facet: each facet applies every chosen
    filter but its own, ``total`` applies them all."""
    qs = _catalogue_matches(terms=terms, filters=filters, on=on, similar_ids=similar_ids, exclude=PANEL_FACETS)
    rows = (
        qs.order_by()
        .annotate(fee_bucket=_fee_bucket())
        .values_list("field__slug", "field__name", "level", "online_level", "fee_bucket")
        .annotate(n=Count("id"))
    )
    return _facet_counts(rows, filters)


@lru_cache(maxsize=1024)
def _folded(name: str) -> str:
    """``fold`` of a field name, remembered: the facet panel sorts by it on every search."""
    return fold(name)


def _facet_counts(rows: Iterable[tuple], filters: dict) -> CatalogueFacets:
    """The facets from the rows of the grouped query — ``(field slug, field name, level, online level, fee bucket,
    count)``, every filter but the facets' own applied — from SQL or from the in-process index."""
    chosen = [(index, filters[name]) for index, name in enumerate(PANEL_FACETS) if filters.get(name) not in (None, "")]
    counts: list[dict] = [{} for _name in PANEL_FACETS]
    field_names: dict[str, str] = {}
    total = 0
    for slug, name, level, online_level, fee, n in rows:
        values = (slug, level, online_level, fee)  # in the order of PANEL_FACETS
        field_names[slug] = name
        missed = [index for index, value in chosen if values[index] != value]
        if not missed:  # every chosen filter holds: the row counts in every facet, and in the total
            total += n
            for facet, value in zip(counts, values, strict=True):
                facet[value] = facet.get(value, 0) + n
        elif len(missed) == 1:  # one filter fails: the row counts only in that filter's own facet
            facet, value = counts[missed[0]], values[missed[0]]
            facet[value] = facet.get(value, 0) + n
    counts_of = dict(zip(PANEL_FACETS, counts, strict=True))
    fields = sorted(counts_of["field"].items(), key=lambda item: (-item[1], _folded(field_names[item[0]])))

    def choices(facet: str, pairs) -> list[FacetCount]:
        return [
            FacetCount(value=value, label=str(label), count=counts_of[facet][value])
            for value, label in pairs
            if counts_of[facet].get(value)
        ]

    return CatalogueFacets(
        total=total,
        field=[FacetCount(value=slug, label=field_names[slug], count=n) for slug, n in fields],
        level=choices("level", Level.choices),
        online_level=choices("online_level", OnlineLevel.choices),
        fee=choices("fee", FEE_LABELS.items()),
    )


@dataclass(frozen=True)
class CatalogueSearch:
    facets: CatalogueFacets  # facets.total: how many results in all
    approximate: bool  # the words matched nothing; these are the names similar to the query (typos)
    ordered: tuple[QuerySet, QuerySet]  # see _search_results; read it through page()

    def page(self, start: int, stop: int) -> list[ProcedureVersion]:
        return _page(self.ordered, start, stop) if self.facets.total else []


class CatalogueResults(Sequence):
    """A search's results as a sequence for a paginator (the API's and the catalogue page's): the length is the
    total the facet query counted, a slice reads one page (one query)."""

    ordered = True

    def __init__(self, found: CatalogueSearch):
        self.found = found

    def __len__(self) -> int:
        return self.found.facets.total

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.found.page(index.start or 0, index.stop if index.stop is not None else len(self))
        return self.found.page(index, index + 1)[0]


def catalogue_search(
    *, q: str | None = None, filters: dict | None = None, on: datetime.date | None = None
) -> CatalogueSearch | IndexedSearch:
    """The search behind ``GET /api/procedures/``: facets and total first; only when the words of the query matched
    nothing, the typo-tolerant pass. The result page is read with ``.page(start, stop)``.

    Answered by the in-process index (:func:`search_index_for`, an :class:`IndexedSearch`) where there is one, with
    the same results; the typo-tolerant pass always runs in SQL."""
    filters = filters or {}
    terms = search.parse_query(q)
    index = search_index_for(on)
    if index is not None:
        found = _indexed_search(index, terms, filters)
        if found.facets.total or not search.fuzzy_available(terms, vendor=connection.vendor):
            return found
        facets = found.facets  # the words matched nothing: the typo-tolerant pass, in SQL
    else:
        facets = _facets(terms, filters, on, None)
    similar_ids = None
    if not facets.total:
        similar_ids = _similar_ids(terms, fuzzy=True)
        if similar_ids:
            facets = _facets(terms, filters, on, similar_ids)
    return CatalogueSearch(
        facets=facets,
        approximate=bool(similar_ids) and facets.total > 0,
        ordered=_search_results(terms, filters, on, similar_ids),
    )


#: The catalogue in force per day, searched in process (``procedures.search_index``): kept while the tables the results
#: show are unchanged (the same tables as the response cache's fingerprint, ``catalogue_version``).
search_indexes = ReferenceCache(
    "catalogue-search", lambda: [ProcedureVersion, Procedure, ProcedureField, ProcessingUnit], max_entries=4
)


def search_index_for(on: datetime.date | None = None) -> search_index.CatalogueIndex | None:
    """The in-process index of the versions in force on ``on`` (today by default); ``None`` where the reference
    cache is off (SQLite, ``REFERENCE_CACHE`` false): the search then runs in SQL."""
    if not search_indexes.enabled():
        return None
    on = on or timezone.localdate()
    return search_indexes.get(("index", on), lambda: search_index.CatalogueIndex(_search_index_rows(on)))


def _search_index_rows(on: datetime.date) -> list[ProcedureVersion]:
    """The versions in force with what a result line shows, the folded text the search matches and their place in
    ``ORDER BY name, id`` (the database's collation decides the order of names, here as in the search's SQL)."""
    return list(
        versions_in_force(on=on)
        .select_related(*LIST_RELATED)
        .only(*LIST_COLUMNS)
        .annotate(
            search_text=search.folded_text(connection.vendor),
            name_order=Window(RowNumber(), order_by=[F("name").asc(), F("pk").asc()]),
        )
        .order_by("procedure__code", "pk")
    )


class IndexedSearch:
    """A :class:`CatalogueSearch` answered by the in-process index: the same ``facets``, ``approximate`` (always
    false: the typo-tolerant pass runs in SQL) and ``page()``, which returns the index's shared versions."""

    approximate = False

    def __init__(self, facets: CatalogueFacets, entries: list, terms: search.SearchTerms | None):
        self.facets, self._entries, self._terms = facets, entries, terms
        self._ranked: list[ProcedureVersion] | None = None

    def page(self, start: int, stop: int) -> list[ProcedureVersion]:
        if self._ranked is None:
            self._ranked = [entry.version for entry in search_index.ranked(self._entries, self._terms)]
        return self._ranked[start:stop]


def _indexed_search(
    index: search_index.CatalogueIndex, terms: search.SearchTerms | None, filters: dict
) -> IndexedSearch:
    """The search of :func:`catalogue_search` on the index: the matches, the facets as the grouped query counts them
    (every filter but the facets' own applied), the results with every filter applied."""
    matches = index.matches(terms)
    tests = {name: catalogue_filter_test(name, value) for name, value in filters.items()}
    others = [test for name, test in tests.items() if name not in PANEL_FACETS]
    facets = _facet_counts(search_index.facet_rows(search_index.filtered(matches, others)), filters)
    return IndexedSearch(facets, search_index.filtered(matches, list(tests.values())), terms)


def procedure_detail(*, code: str, on: datetime.date | None = None) -> ProcedureVersion:
    """The procedure page: the version of ``code`` in force, with its components; 404 when there is none."""
    found = list(
        versions_in_force(on=on)
        .select_related(*LIST_RELATED, "decision", "decision__decree")
        .prefetch_related(Prefetch("components", queryset=Component.objects.order_by("order", "id")))
        .filter(procedure__code=nfc(code).replace(" ", ""))[:1]
    )
    if not found:
        raise NotFound(_("Không tìm thấy thủ tục có mã này trong danh mục đang có hiệu lực."))
    return found[0]


def procedure_abolished(*, code: str, on: datetime.date | None = None) -> ProcedureVersion | None:
    """The abolition of ``code`` in force on ``on`` (with its decision), when the procedure was abolished."""
    on = on or timezone.localdate()
    return (
        ProcedureVersion.objects.select_related("procedure", "decision")
        .filter(procedure__code=nfc(code).replace(" ", ""), change=VersionChange.ABOLISHED, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )


def closest_procedures(*, q: str | None, limit: int = 5, on: datetime.date | None = None) -> list[ProcedureVersion]:
    """Suggestions for a search that found nothing: what the query finds without filters, else (PostgreSQL) the
    names most word-similar to it, however little — at most ``limit`` versions in force."""
    found = catalogue_search(q=q)
    if found.facets.total:
        return found.page(0, limit)
    terms = search.parse_query(q)
    if not search.fuzzy_available(terms, vendor=connection.vendor):
        return []
    score = search.NameSQL("WORD_SIMILARITY(%s, {folded})", [terms.folded], output_field=FloatField())
    return list(
        versions_in_force(on=on)
        .select_related(*LIST_RELATED)
        .only(*LIST_COLUMNS)
        .annotate(similarity=score)
        .filter(similarity__gt=0.2)
        .order_by("-similarity", "name")[:limit]
    )


def procedure_fields(*, on: datetime.date | None = None) -> list[dict]:
    """Every field (lĩnh vực) with how many procedures in force it has, in total and per level."""
    counts: dict[int, dict[str, int]] = {}
    for row in versions_in_force(on=on).order_by().values("field_id", "level").annotate(n=Count("id")):
        counts.setdefault(row["field_id"], {})[row["level"]] = row["n"]
    result = []
    for field in ProcedureField.objects.order_by("name_folded", "name"):  # Vietnamese order: "Đất đai" under D
        per_level = counts.get(field.pk, {})
        result.append(
            {
                "slug": field.slug,
                "name": field.name,
                "count": sum(per_level.values()),
                "by_level": {value: per_level.get(value, 0) for value in Level.values},
            }
        )
    return result


def catalogue_stats(*, on: datetime.date | None = None) -> dict:
    """The catalogue in force, counted by level, field, announcing decision, source and applied (one query)."""
    on = on or timezone.localdate()
    rows = (
        versions_in_force(on=on)
        .order_by()
        .values(
            "level",
            "field__slug",
            "field__name",
            "decision__number",
            "decision__title",
            "decision__signed_on",
            "decision__effective_on",
            "procedure__source",
            "is_applied",
            "online_level",
        )
        .annotate(n=Count("id"))
    )
    total = 0
    by_level: dict[str, int] = {}
    by_field: dict[tuple, int] = {}
    by_decision: dict[tuple, int] = {}
    by_source: dict[str, int] = {}
    by_online: dict[str, int] = {}
    applied = {True: 0, False: 0}
    for row in rows:
        n = row["n"]
        total += n
        by_level[row["level"]] = by_level.get(row["level"], 0) + n
        key = (row["field__slug"], row["field__name"])
        by_field[key] = by_field.get(key, 0) + n
        key = (
            row["decision__number"],
            row["decision__title"],
            row["decision__signed_on"],
            row["decision__effective_on"],
        )
        by_decision[key] = by_decision.get(key, 0) + n
        by_source[row["procedure__source"]] = by_source.get(row["procedure__source"], 0) + n
        by_online[row["online_level"]] = by_online.get(row["online_level"], 0) + n
        applied[bool(row["is_applied"])] += n

    def choices(counts: dict[str, int], choice_class) -> list[dict]:
        return [
            {"value": value, "label": str(label), "count": counts[value]}
            for value, label in choice_class.choices
            if counts.get(value)
        ]

    return {
        "on": on,
        "total": total,
        "by_level": choices(by_level, Level),
        "by_field": [
            {"slug": slug, "name": name, "count": n}
            for (slug, name), n in sorted(by_field.items(), key=lambda item: (-item[1], fold(item[0][1])))
        ],
        "by_decision": [
            {"number": number, "title": title, "signed_on": signed_on, "effective_on": effective_on, "count": n}
            for (number, title, signed_on, effective_on), n in sorted(
                by_decision.items(), key=lambda item: (item[0][0] is None, item[0][0] or "")
            )
        ],
        "by_source": choices(by_source, Source),
        "by_online_level": choices(by_online, OnlineLevel),
        "applied": {"applied": applied[True], "not_applied": applied[False]},
    }


def catalogue_counts(*, on: datetime.date | None = None) -> dict[str, int]:
    """The catalogue's totals as the province publishes them: procedures, per level and applied (versions in
    force on ``on``, today by default), announcing decisions, decrees, and how many are illustrative."""
    from procedures.models import AnnouncingDecision, Decree, Procedure

    in_force = versions_in_force(on=on)
    return {
        "procedures": Procedure.objects.count(),
        "in_force": in_force.count(),
        "provincial": in_force.filter(level="provincial").count(),
        "commune": in_force.filter(level="commune").count(),
        "applied": in_force.filter(is_applied=True).count(),
        "decisions": AnnouncingDecision.objects.count(),
        "decrees": Decree.objects.count(),
        "illustrative": Procedure.objects.filter(source="illustrative").count(),
    }


def catalogue_version() -> str | None:
    """A fingerprint of what the search results show, which changes with any write to it; ``None`` off PostgreSQL.

    The stamps of the last writes to the versions, procedures, fields and processing units, set by the triggers of
    ``portal.ReferenceVersion``: an insert, update or delete through any path — ORM, ``bulk_create``, ``update()``,
    raw SQL — changes it, as soon as it is committed. A read of a few rows by primary key.
    """
    if connection.vendor != "postgresql":
        return None
    tables = [ProcedureVersion, Procedure, ProcedureField, ProcessingUnit]
    return tables_fingerprint([model._meta.db_table for model in tables])
