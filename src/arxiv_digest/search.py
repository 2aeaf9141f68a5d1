"""Search over the stored history: the FTS5 index proposes, the exact matcher decides.

Results therefore mean exactly what the query says (the word rule, fields, NOT), and equal what a full
scan of the same days would return; the index only saves reading every paper. One result per paper (its
latest matching announcement), newest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .match.ast import Node
from .match.engine import Hit, Matcher, TopicRule
from .match.fts import fts_expression
from .match.words import tokenize
from .models import Paper, id_sort_key
from .store import Store


@dataclass(frozen=True, slots=True)
class SearchResult:
    paper: Paper
    hits: tuple[Hit, ...] = ()


def index_words(text: str) -> str:
    """A field as the search index stores it: the word rule's words, separated by spaces."""
    return " ".join(tokenize(text))


def search(
    store: Store,
    tree: Node,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int | None = None,
    explain: bool = False,
    use_index: bool = True,
) -> list[SearchResult]:
    """Papers announced between the dates (inclusive) that the query selects, newest first."""
    fts = None
    if use_index:
        store.ensure_search_index(index_words)
        fts = fts_expression(tree)
    matcher = Matcher([TopicRule("query", tree)])
    best: dict[str, Paper] = {}
    current_day: dt.date | None = None
    for paper in store.candidates(fts, date_from, date_to):  # newest day first
        if paper.announced != current_day:
            if limit is not None and len(best) >= limit:
                break  # every later candidate is older than the `limit` papers already found
            current_day = paper.announced
        if paper.id not in best and matcher.match(paper):
            best[paper.id] = paper  # the first match seen is the paper's latest matching announcement
    ordered = sorted(best.values(), key=lambda p: (p.announced, id_sort_key(p.id)), reverse=True)
    if limit is not None:
        ordered = ordered[:limit]
    if not explain:
        return [SearchResult(p) for p in ordered]
    return [SearchResult(p, tuple(matcher.explain(p)[1])) for p in ordered]
