"""Catalogue search: fold the query at the edge, match it against the folded procedure name, rank the matches.

The query is NFC-normalised and folded with :func:`portal.common.text.fold` (lower case, no diacritics, đ → d), the
same function the importer uses to fill ``ProcedureVersion.name_folded``. So "dang ky khai sinh",
"ĐĂNG KÝ KHAI SINH", its NFD form and "đăng ký khai sinh" are one query.

What matches (:func:`search_match`):

* a query shaped like a national code (``1.001193``) matches that code, or codes starting with it;
* otherwise every word of the query must appear in the folded name;
* when that finds nothing — PostgreSQL only — a second pass (``fuzzy``) keeps the names the query is word-similar
  to (``pg_trgm``'s ``%>`` operator, default threshold 0.6): small typos still find the procedure. It runs on the
  GIN trigram index on ``name_folded`` (migration 0003).
* A row whose ``name_folded`` was left empty is still found on PostgreSQL, through ``unaccent(lower(name))``.

How matches are ordered (:func:`search_rank`, :func:`search_order`): by :class:`Rank`, then (fuzzy pass) by
similarity, then the shorter name, then the code.

On SQLite (the embedded default) there is no trigram matching: the folded ``contains`` match and the same ranks give
the same results as PostgreSQL for queries without typos.

The conditions are written as SQL fragments (:class:`NameSQL`) rather than composed ORM expressions: the list
endpoint is the hot path of the catalogue, and compiling a tree of ``Case``/``When``/``Concat`` nodes cost more
than running the query. The fragments receive the query only as bound parameters, never as SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Expression,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Length

from portal.common.text import fold, nfc

MAX_QUERY_LENGTH = 200

# National codes: "1.001193", "2.002154"; others may carry letters or more dotted parts ("1.001193.000.00.00.H48").
# A single dotted token with a digit in it.
_CODE = re.compile(r"(?=.*\d)[0-9a-z]+(?:\.[0-9a-z]+)+", re.IGNORECASE)
# Names in some sources start with "Thủ tục …": that lead-in is noise for ranking.
_LEAD_IN = "thu tuc "

# PostgreSQL: the folded name, or — for a row the importer left unfolded — fold() redone in SQL.
_TEXT_PG = "COALESCE(NULLIF({folded}, ''), BTRIM(REGEXP_REPLACE(LOWER(UNACCENT({name})), '[^0-9a-z.]+', ' ', 'g')))"


class NameSQL(Expression):
    """A SQL fragment over the version's ``name_folded`` and ``name`` columns, with bound parameters.

    ``{folded}`` and ``{name}`` in the template become the columns as the query names them — also inside a
    subquery, where the table is aliased — and the parameters are always bound, never formatted into the SQL.
    """

    def __init__(self, template: str, params=(), *, output_field):
        super().__init__(output_field=output_field)
        self.template, self.params = template, list(params)
        self.folded, self.name = F("name_folded"), F("name")

    @property
    def conditional(self) -> bool:
        return isinstance(self.output_field, BooleanField)

    def get_source_expressions(self):
        return [self.folded, self.name]

    def set_source_expressions(self, exprs):
        self.folded, self.name = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.is_summary = summarize
        clone.folded = self.folded.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        clone.name = self.name.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return clone

    def as_sql(self, compiler, connection):
        folded, _ = compiler.compile(self.folded)
        name, _ = compiler.compile(self.name)
        return self.template.format(folded=folded, name=name), self.params

    def __repr__(self):
        return f"NameSQL({self.template!r}, {self.params!r})"


class Rank(IntEnum):
    """Why a procedure matched; lower comes first."""

    CODE = 0  # the code is the query (or starts with it)
    EXACT = 1  # the whole name is the query ("Thủ tục" lead-in ignored)
    PREFIX = 2  # the name starts with the query phrase
    PHRASE = 3  # the query phrase stands in the name as whole words
    PHRASE_PREFIX = 4  # the phrase stands in the name, its last word only begun ("dang ky khai si")
    ALL_WORDS = 5  # every word of the query begins a word of the name, not as one phrase
    SIMILAR = 6  # anything else the match kept: a word inside another word, or only similar (typos)


@dataclass(frozen=True)
class SearchTerms:
    text: str  # NFC, single spaces
    folded: str  # fold(text)
    words: tuple[str, ...]
    is_code: bool

    @property
    def code(self) -> str:
        return self.text.replace(" ", "")


def parse_query(raw: str | None) -> SearchTerms | None:
    """The query as the search uses it; ``None`` when nothing searchable is left (empty, punctuation only)."""
    text = nfc(raw or "")
    folded = fold(text)
    if not folded:
        return None
    is_code = " " not in text and bool(_CODE.fullmatch(text))
    words = tuple(dict.fromkeys(w for w in folded.split(" ") if w.strip(".")))
    if not words and not is_code:
        return None
    return SearchTerms(text=text, folded=folded, words=words, is_code=is_code)


def fuzzy_available(terms: SearchTerms | None, *, vendor: str) -> bool:
    """Whether a query that matched nothing may be retried by similarity (PostgreSQL, a name query)."""
    return terms is not None and not terms.is_code and vendor == "postgresql"


def _text(vendor: str) -> str:
    return _TEXT_PG if vendor == "postgresql" else "{folded}"


def folded_text(vendor: str) -> NameSQL:
    """The folded text the match and the ranks read: ``name_folded`` — on PostgreSQL, for a row left unfolded, the
    fold of the name redone in SQL."""
    return NameSQL(_text(vendor), output_field=CharField())


def search_match(qs: QuerySet, terms: SearchTerms, *, vendor: str, similar_ids: list[int] | None = None) -> QuerySet:
    """Keep the versions the query matches.

    By default every word of the query is in the folded name (or the code starts with the query). The fuzzy pass
    (PostgreSQL) passes ``similar_ids``, from :func:`similar_version_ids`: the query is word-similar to the name.
    Trigram similarity costs some 15 µs a row where a ``LIKE`` costs well under one, so it is the second pass,
    for queries whose words matched nothing.

    Used for the result page as well as for the facet counts, so it adds no selected column.
    """
    if terms.is_code:
        return qs.filter(procedure__code__istartswith=terms.code)
    if similar_ids is not None:
        return qs.filter(pk__in=similar_ids)
    # Plain LIKE on the folded column (seq scan or trigram index, as the planner sees fit); the unfolded arm only
    # costs a comparison with '' on the other rows.
    words_sql = " AND ".join(["{folded} LIKE %s"] * len(terms.words))
    params = [f"%{word}%" for word in terms.words]
    if vendor == "postgresql":
        fallback = " AND ".join([f"{_TEXT_PG} LIKE %s"] * len(terms.words))
        sql = f"(({words_sql}) OR ({{folded}} = '' AND {fallback}))"
        params = params * 2
    else:
        sql = f"({words_sql})"
    return qs.filter(NameSQL(sql, params, output_field=BooleanField()))


def search_rank(qs: QuerySet, terms: SearchTerms, *, vendor: str, fuzzy: bool = False) -> QuerySet:
    """Annotate ``search_rank`` (a :class:`Rank`) and ``search_score`` on a queryset from :func:`search_match`."""
    if terms.is_code:
        return qs.annotate(
            search_rank=Value(int(Rank.CODE), output_field=IntegerField()),
            search_score=Case(
                When(procedure__code__iexact=terms.code, then=Value(1.0)),
                default=Value(0.5),
                output_field=FloatField(),
            ),
        )
    text = _text(vendor)
    phrase = terms.folded
    words_sql = " AND ".join([f"(' ' || {text}) LIKE %s"] * len(terms.words))
    sql = (
        f"CASE WHEN {text} = %s OR {text} = %s THEN {int(Rank.EXACT)} "
        f"WHEN {text} LIKE %s OR {text} LIKE %s THEN {int(Rank.PREFIX)} "
        f"WHEN (' ' || {text} || ' ') LIKE %s THEN {int(Rank.PHRASE)} "
        f"WHEN (' ' || {text}) LIKE %s THEN {int(Rank.PHRASE_PREFIX)} "
        f"WHEN {words_sql} THEN {int(Rank.ALL_WORDS)} "
        f"ELSE {int(Rank.SIMILAR)} END"
    )
    params = [
        phrase,
        _LEAD_IN + phrase,
        f"{phrase} %",
        f"{_LEAD_IN}{phrase} %",
        f"% {phrase} %",
        f"% {phrase}%",
        *(f"% {word}%" for word in terms.words),
    ]
    if fuzzy:
        score = NameSQL(f"WORD_SIMILARITY(%s, {text})", [phrase], output_field=FloatField())
    else:
        score = Value(0.0, output_field=FloatField())
    return qs.annotate(search_rank=NameSQL(sql, params, output_field=IntegerField()), search_score=score)


def ranker(terms: SearchTerms) -> Callable[[str], Rank]:
    """The rank :func:`search_rank` gives a name query, in Python, for the in-process index
    (``procedures.search_index``): a function of a version's folded text padded with a space on each side
    (``" " + text + " "``, where the text is ``name_folded``, or the SQL fold of the name when that is empty).

    The same conditions as the SQL's ``CASE``: folded text and query hold only ``[0-9a-z.]`` and single spaces, so the
    ``LIKE`` patterns there have no wildcard but their ``%``, and each is a comparison or an ``in`` on the padded text
    (the phrase and the words neither begin nor end with a space). Every rank above ``ALL_WORDS`` needs
    ``" " + phrase`` in the text: most names of a broad query are settled by that one test."""
    phrase = terms.folded
    exact = (f" {phrase} ", f" {_LEAD_IN}{phrase} ")  # text = phrase, text = 'thu tuc ' || phrase
    inside = f" {phrase} "  # ' ' || text || ' ' LIKE '% phrase %'; as a start: text LIKE 'phrase %'
    begun = f" {phrase}"  # ' ' || text LIKE '% phrase%'
    lead_in_start = f" {_LEAD_IN}{phrase} "  # text LIKE 'thu tuc phrase %'
    words = tuple(f" {word}" for word in terms.words)  # ' ' || text LIKE '% word%'

    def rank(padded: str) -> Rank:
        if begun in padded:
            if padded in exact:
                return Rank.EXACT
            if padded.startswith(inside) or padded.startswith(lead_in_start):
                return Rank.PREFIX
            if inside in padded:
                return Rank.PHRASE
            return Rank.PHRASE_PREFIX
        for word in words:
            if word not in padded:
                return Rank.SIMILAR
        return Rank.ALL_WORDS

    return rank


def search_order(qs: QuerySet) -> QuerySet:
    """Best first: rank, similarity (fuzzy pass), the shorter name, then name and id (a stable order)."""
    return qs.order_by("search_rank", "-search_score", Length("name"), "name", "pk")


def similar_version_ids(terms: SearchTerms, *, using: str = "default") -> list[int]:
    """Ids of the versions whose folded name the query is word-similar to (PostgreSQL; the fuzzy pass).

    Asked on its own, on the trigram index: pg_trgm's operators are costed like ``=``, so inside a bigger query
    the planner prefers scanning every row and computing ``word_similarity`` on each name (~30 ms on the whole
    catalogue) over the GIN index (~5 ms). Here sequential scans are discouraged for this one statement
    (``SET LOCAL`` inside a transaction: nothing leaks to the next request on the connection).
    """
    connection = connections[using]
    text = _TEXT_PG.format(folded='"name_folded"', name='"name"')
    sql = (
        'SELECT "id" FROM "procedures_procedureversion" '  # noqa: S608 (constant SQL, bound params)
        f'WHERE "name_folded" %%> %s OR ("name_folded" = \'\' AND {text} %%> %s)'
    )
    nested = connection.in_atomic_block
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(sql, [terms.folded, terms.folded])
        ids = [row[0] for row in cursor.fetchall()]
        if nested:  # inside a caller's transaction SET LOCAL would outlive this block
            cursor.execute("SET LOCAL enable_seqscan = on")
        return ids
