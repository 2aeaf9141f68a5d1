"""The query fields, each described once: what a field is called, what it looks at, and how every walker of
a query tree treats it (issue #8: adding a field is one edit here plus its store column).

The walkers read this table and nothing else about fields:

- the parser (:mod:`.parse`) and the printer (:mod:`.ast`): the names, and the values a field refuses;
- the matcher (:mod:`arxiv_digest.match.engine`): a ``text`` field's token stream (the word rule), a
  ``category`` field's codes, a ``fact`` field's :attr:`Field.test` on the paper's facts;
- the search index (:mod:`arxiv_digest.match.fts`, :mod:`arxiv_digest.store.search_index`): the FTS5
  column a field narrows and, for a field with a column of its own, the words that column holds;
- arXiv's search API (:mod:`arxiv_digest.sources.api`): the field's prefix there, or None when arXiv
  cannot be asked and the field is judged locally only;
- ``explain``: what a fact field shows as the words that matched;
- the docs: ``arxiv-digest search --help`` lists :data:`ALL` with their summaries, and a test checks that
  docs/query-language.md describes each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ..models import Paper
from .words import tokenize


class Kind(StrEnum):
    """How a field's terms are judged."""

    TEXT = "text"  # words and phrases by the word rule, in a token stream of the paper
    CATEGORY = "category"  # arXiv category codes, exactly or below (cs, cs.CV, cs.C*)
    FACT = "fact"  # a question about the paper's facts (issue #10), answered by Field.test


@dataclass(frozen=True, slots=True)
class Field:
    """One query field. ``column`` is the field's own column in the search index (its words made by
    ``document``); ``searches`` the column expression its terms narrow (default: ``column``)."""

    name: str
    summary: str
    kind: Kind
    stream: str | None = None  # TEXT: the matcher's token stream
    column: str | None = None
    searches: str | None = None
    api: str | None = None  # arXiv API's field prefix; None: judged only by our matcher
    values: tuple[str, ...] = ()  # the only values the field takes (lower case), when it is a closed set
    document: Callable[[Paper], str] | None = None  # the words its index column holds for a paper
    test: Callable[[str, Paper], bool] | None = None  # FACT: does the paper satisfy `name:value`?
    evidence: Callable[[Paper], str] | None = None  # FACT: what explain shows as the matching words

    @property
    def fts_target(self) -> str | None:
        return self.searches or self.column

    def problem(self, value: str) -> str | None:
        """Why ``name:value`` can match nothing, or None (a closed set's values only)."""
        if self.values and value.lower() not in self.values:
            return f"{self.name}: takes {' or '.join(self.values)}, not {value!r}"
        return None


def _words(text: str) -> str:
    return " ".join(tokenize(text))


# -- the facts (issue #10) ----------------------------------------------------------------------------
def _has(value: str, paper: Paper) -> bool:
    facts = paper.facts
    if facts is None:
        return False
    return facts.has_code if value.lower() == "code" else facts.venue is not None


def _has_document(paper: Paper) -> str:
    facts = paper.facts
    if facts is None:
        return ""
    return " ".join(w for w, yes in (("code", facts.has_code), ("venue", facts.venue is not None)) if yes)


def _venue_words(paper: Paper) -> list[str]:
    """The words ``venue:`` looks for: the label's (name, year, track) and the track's own name."""
    venue = paper.facts.venue if paper.facts is not None else None
    if venue is None:
        return []
    words = tokenize(venue.label)
    if venue.track.value != "main" and venue.track.value not in words:
        words.append(venue.track.value)
    return words


def _venue(value: str, paper: Paper) -> bool:
    """Every word of the value is a word of the venue: ``venue:CVPR``, ``venue:"NeurIPS 2025"``,
    ``venue:workshop`` (the track), ``venue:"ICCV workshop"``."""
    wanted = tokenize(value)
    have = set(_venue_words(paper))
    return bool(wanted) and all(w in have for w in wanted)


def _has_evidence(paper: Paper) -> str:
    facts = paper.facts
    if facts is None:
        return ""
    return ", ".join([link.url for link in facts.code] + ([facts.venue.label] if facts.venue else []))


def _venue_evidence(paper: Paper) -> str:
    venue = paper.facts.venue if paper.facts is not None else None
    return "" if venue is None else venue.label


#: Every field, in the order help and docs list them. ``all`` is what a term without a field means.
ALL: tuple[Field, ...] = (
    Field("all", "title and abstract (what a term without a field means)", Kind.TEXT, stream="all",
          searches="{ti abs}", api="all"),
    Field("ti", "the title", Kind.TEXT, stream="title", column="ti", api="ti",
          document=lambda p: _words(p.title)),
    Field("abs", "the abstract", Kind.TEXT, stream="abstract", column="abs", api="abs",
          document=lambda p: _words(p.abstract)),
    Field("au", "an author's name (each author on its own)", Kind.TEXT, stream="author", column="au",
          api="au", document=lambda p: " ; ".join(_words(a) for a in p.authors)),
    Field("co", "the comment (pages, figures, acceptance)", Kind.TEXT, stream="comment", column="co",
          api="co", document=lambda p: _words(p.comment or "")),
    Field("cat", "an arXiv category or archive: cs.CV, cs (every cs.*), cs.C*", Kind.CATEGORY, api="cat"),
    Field("has", "has:code (a link to code, data or a project page), has:venue (an acceptance)", Kind.FACT,
          column="hs", values=("code", "venue"), document=_has_document, test=_has, evidence=_has_evidence),
    Field("venue", 'the venue it is accepted at: venue:CVPR, venue:"NeurIPS 2025", venue:workshop',
          Kind.FACT, column="ve", document=lambda p: " ".join(_venue_words(p)), test=_venue,
          evidence=_venue_evidence),
)  # fmt: skip

BY_NAME: dict[str, Field] = {f.name: f for f in ALL}
#: The field names, as the parser reads them.
NAMES: tuple[str, ...] = tuple(BY_NAME)
#: The search index's own columns, in the order of its table (store/schema.py creates them).
INDEX_COLUMNS: tuple[Field, ...] = tuple(f for f in ALL if f.column is not None)


def field_of(name: str) -> Field:
    """The field called ``name`` (a KeyError for an unknown one: the parser lets none through)."""
    return BY_NAME[name]
