"""The catalogue in force on a day, held per process, searched in Python: a query that is not in the response cache
costs no SQL.

Why: the catalogue is 2,217 short names that change only with an import, and every new query a citizen types cost,
in SQL, two statements that each read every name (the grouped facet counts and the ranked page: a sequential scan
with a ``LIKE`` per word is ~1.3 ms of PostgreSQL, and the trigram index is no faster on words as common as "dang",
"cap", "ky") plus planning and the ORM: ~13 ms a request in all, against ~1 ms for the bare endpoint. Here one query
loads the versions in force with their procedure, field and processing unit; a search then matches the words on a
vocabulary of the folded names (~700 distinct words: each query word is looked up in the words that contain it, a
bit set of versions per word), ranks the matches with the same conditions as the SQL (:func:`procedures.search
.ranker`), counts the facets with the code the SQL path uses (``selectors._facet_counts``), and returns the shared
version objects of the page: ~0.2 ms.

What it gives is what the SQL gives (``procedures/tests/api/test_search_index.py`` compares the two):

* the match is the SQL's: every word of the query in the folded text — ``name_folded``, or, for a row the importer
  left unfolded, the same ``unaccent`` fold of the name the SQL computes (read with the row);
* the order is the SQL's ``search_rank, -search_score, length(name), name, id``: the place of each version in
  ``ORDER BY name, id`` is read from PostgreSQL with the row, and the rows come in ``ORDER BY procedure.code`` (the
  order without a query), so the database's collation decides, as it does in SQL;
* a query whose words match nothing is not answered here: the typo-tolerant pass (trigram similarity) stays in
  SQL (``procedures.selectors.catalogue_search``).

Held by ``procedures.selectors.search_indexes`` (a :class:`portal.common.refcache.ReferenceCache`: PostgreSQL only,
dropped when a write to the versions, procedures, fields or processing units is seen, at most a second later; off
when ``REFERENCE_CACHE`` is false, as in the test suite except where the index itself is tested). The objects are
shared by every request of the process: read-only — but for two memos, of query words (here) and of each version's
result line per language (``procedures.api.serializers.ProcedureListItemSerializer``). Once built, the index and
everything the process holds are frozen out of the garbage collector's full passes (``gc.freeze``, see
:class:`CatalogueIndex`).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from procedures import search
from procedures.models import ProcedureVersion

#: Sort keys as one number: rank, then length of the name, then place of the name (fewer than a million versions).
_PLACES = 1_000_000
_RANKED = _PLACES * 1_000_000  # names are at most 1,000 characters (ProcedureVersion.name)

#: Query words remembered per index with the versions they match (the long tail repeats words, not queries).
WORD_MEMO_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Entry:
    """A version in force, with what the search needs of it."""

    version: ProcedureVersion
    padded: str  # " " + the folded name the SQL matches against (see the module docstring) + " "
    code_upper: str  # for codes: PostgreSQL's istartswith / iexact compare UPPER() of both sides
    order: int  # the SQL's last sort keys, length(name) then the place in ORDER BY name, id, as one number
    facet_key: tuple  # (field slug, field name, level, online level, fee bucket): a row of the grouped facet query


def fee_bucket(fee_vnd: int | None) -> str:
    """``selectors._fee_bucket`` in Python: 0 is free, more is paid, unknown is neither."""
    if fee_vnd is None:
        return ""
    return "free" if fee_vnd == 0 else "paid"


def _positions(bits: int) -> list[int]:
    """The indexes of the set bits, lowest first."""
    reversed_bits = bin(bits)[:1:-1]
    positions, index = [], reversed_bits.find("1")
    while index != -1:
        positions.append(index)
        index = reversed_bits.find("1", index + 1)
    return positions


class CatalogueIndex:
    """The versions in force on one day (from ``selectors``' loader), ready to be searched; immutable but for the
    memo of query words."""

    def __init__(self, versions: Iterable[ProcedureVersion]):
        """``versions``: in ``procedure.code`` order, each with ``search_text`` and ``name_order`` annotated."""
        self.entries: list[Entry] = [
            Entry(
                version=version,
                padded=f" {version.search_text} ",
                code_upper=version.procedure.code.upper(),
                order=len(version.name) * _PLACES + version.name_order,
                facet_key=(
                    version.field.slug,
                    version.field.name,
                    version.level,
                    version.online_level,
                    fee_bucket(version.fee_vnd),
                ),
            )
            for version in versions
        ]
        postings: dict[str, int] = {}
        for position, entry in enumerate(self.entries):
            for token in set(entry.padded.split()):
                postings[token] = postings.get(token, 0) | (1 << position)
        self.vocabulary = list(postings.items())
        self.word_memo: dict[str, int] = {}
        for entry in self.entries:
            # the result line of a version, per language, kept by the API's serializer (ProcedureListItemSerializer)
            entry.version.list_item_memo = {}
        # Long-lived from here: frozen out of the collector's full passes, with the rest of what the process holds
        # (the application: ~115,000 objects; this index: ~24,000). Unfrozen, a full pass walks them all: in the
        # benchmark's long tail (the response cache's pages churn) a worker made 10 such passes of 41-64 ms a run,
        # each holding up the requests queued behind it; frozen, ~100 passes of 1-3 ms. Collected first, so that no
        # garbage is frozen. A replaced index is still freed (by reference counting: it holds no cycles).
        gc.collect()
        gc.freeze()

    def __len__(self) -> int:
        return len(self.entries)

    def word_bits(self, word: str) -> int:
        """The versions whose folded text contains ``word`` (``LIKE '%word%'``), as a bit set. A word has no space,
        so it is in a text exactly when it is in one of the text's words."""
        bits = self.word_memo.get(word)
        if bits is None:
            bits = 0
            for token, versions in self.vocabulary:
                if word in token:
                    bits |= versions
            if len(self.word_memo) >= WORD_MEMO_SIZE:
                self.word_memo = {}
            self.word_memo[word] = bits
        return bits

    def matches(self, terms: search.SearchTerms | None) -> list[Entry]:
        """What ``search.search_match`` keeps, in ``procedure.code`` order."""
        if terms is None:
            return self.entries
        if terms.is_code:
            code = terms.code.upper()
            return [entry for entry in self.entries if entry.code_upper.startswith(code)]
        bits = -1
        for word in terms.words:
            bits &= self.word_bits(word)
            if not bits:
                return []
        return [self.entries[position] for position in _positions(bits)]


def ranked(entries: list[Entry], terms: search.SearchTerms | None) -> list[Entry]:
    """``entries`` (in code order) in the order of ``search.search_order`` (by code without a query)."""
    if terms is None:
        return entries
    if terms.is_code:
        code = terms.code.upper()
        # search_rank: every code match is Rank.CODE; the score is 1.0 for the code itself, 0.5 for a longer one
        return sorted(entries, key=lambda entry: (entry.code_upper != code) * _RANKED + entry.order)
    rank = search.ranker(terms)
    return sorted(entries, key=lambda entry: rank(entry.padded) * _RANKED + entry.order)


def filtered(entries: list[Entry], tests: list[Callable[[ProcedureVersion], bool]]) -> list[Entry]:
    if not tests:
        return entries
    return [entry for entry in entries if all(test(entry.version) for test in tests)]


def facet_rows(entries: list[Entry]) -> list[tuple]:
    """The rows of the grouped facet query: ``(field slug, field name, level, online level, fee bucket, count)``."""
    return [(*key, n) for key, n in Counter(entry.facet_key for entry in entries).items()]
