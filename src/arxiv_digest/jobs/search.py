"""Search over the stored history: the FTS5 index proposes, the exact matcher decides.

Results therefore mean exactly what the query says (the word rule, fields, NOT), and equal what a full
scan of the same days would return; the index only saves reading every paper. One result per paper (its
latest matching announcement), newest first.

Papers kept by remote searches (``data/remote/``, :mod:`arxiv_digest.store.remote`) are judged too, by the
same matcher, dated by their first submission; a paper the announcement history holds is judged there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ..match.engine import Hit, Matcher, TopicRule
from ..match.fts import fts_expression
from ..models import Paper, Submission, id_sort_key
from ..query.ast import Node
from ..store import Store

__all__ = ["SearchResult", "search"]


@dataclass(frozen=True, slots=True)
class SearchResult:
    paper: Paper
    hits: tuple[Hit, ...] = ()
    submission: Submission | None = None  # set when the paper comes from a remote search (data/remote/)


def search(
    store: Store,
    tree: Node,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int | None = None,
    explain: bool = False,
    use_index: bool = True,
    submissions: Sequence[Submission] = (),
) -> list[SearchResult]:
    """Papers announced (or, for ``submissions`` kept by remote searches, first submitted) between the
    dates (inclusive) that the query selects, newest first."""
    fts = None
    if use_index and store.search_index_ready():  # (not while a run writes the database: every row is read)
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
    remote: dict[str, Submission] = {}
    for s in submissions:
        if (date_from and s.submitted < date_from) or (date_to and s.submitted > date_to) or s.id in best:
            continue
        if matcher.match(s.as_paper()) and store.latest_announcement(s.id) is None:
            remote[s.id] = s
    found: list[tuple[Paper, Submission | None]] = [(p, None) for p in best.values()]
    found += [(s.as_paper(), s) for s in remote.values()]
    found.sort(key=lambda ps: (ps[0].announced, id_sort_key(ps[0].id)), reverse=True)
    if limit is not None:
        found = found[:limit]
    if not explain:
        return [SearchResult(p, submission=s) for p, s in found]
    return [SearchResult(p, tuple(matcher.explain(p)[1]), s) for p, s in found]
