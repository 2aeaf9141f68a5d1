"""A day's papers -> a :class:`~arxiv_digest.models.Digest` (the values live in models): which papers are
listed, on which category page, in which topics, in what order. No I/O; every output format renders one.

Rules (issue #2):
- listed: the announce types in ``include`` (default new, cross-lists and replacements);
- a paper sits on its primary category's page when that category is tracked, else on the first tracked
  category it is cross-listed to, marked as a cross-list. The reference dropped every paper with any
  category outside its set; we drop none;
- order: arXiv id, newest first; or, for ``order: reference``, the reference's own order (category list,
  then id, both descending, which is what its ``sorted(..., reverse=True)`` produced).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from ..config import Config
from ..models import (
    CategoryDigest,
    DayCounts,
    Digest,
    Listing,
    Order,
    Paper,
    TopicDigest,
    kind_label,
    sort_papers,
)
from ..taxonomy import load_taxonomy
from . import Matcher
from .seen import Earlier, split_seen
from .topics import topic_matcher


def home_category(paper: Paper, tracked: Sequence[str]) -> tuple[str, bool] | None:
    """The tracked category whose page lists the paper, and whether it is there as a cross-list."""
    return _home(paper.categories, tuple(tracked))


@lru_cache(maxsize=8192)
def _home(categories: tuple[str, ...], tracked: tuple[str, ...]) -> tuple[str, bool] | None:
    taxonomy = load_taxonomy()
    for code in tracked:
        if taxonomy.covers(code, categories[0]):
            return code, False
    for category in categories[1:]:
        for code in tracked:
            if taxonomy.covers(code, category):
                return code, True
    return None


def listings(config: Config, papers: Iterable[Paper]) -> Iterator[tuple[str, Listing]]:
    """Each listed paper, with the tracked category whose page lists it. The one rule of what a day lists:
    :func:`build_digest` builds the pages from it and :func:`count_day` counts it."""
    tracked = config.category_codes
    for paper in papers:
        if paper.announce_type not in config.include:
            continue
        home = home_category(paper, tracked)
        if home is None:  # e.g. a category removed from config.yml since the day was stored
            continue
        code, crossed = home
        yield code, Listing(paper, paper.primary_category if crossed else None)


def count_day(config: Config, day: dt.date, papers: Iterable[Paper]) -> DayCounts:
    """What :func:`build_digest` would list for the day, counted without matching or sorting (the archive
    counts every stored day on every run)."""
    return DayCounts.of(
        day, Counter(kind_label(item.paper.announce_type) for _, item in listings(config, papers))
    )


def build_digest(
    config: Config,
    day: dt.date,
    papers: Sequence[Paper],
    matcher: Matcher | None = None,
    earlier: Earlier | None = None,
) -> Digest:
    """The day's pages. ``earlier``: what the store holds of the day's ids on earlier days, for the
    papers-already-shown rules (``seen``); without it every matched paper is listed."""
    tracked = config.category_codes
    homes: dict[str, list[Listing]] = {code: [] for code in tracked}
    for code, item in listings(config, papers):
        homes[code].append(item)
    # A paper the topics may take: any with a tracked category, whether or not the category pages list it.
    relevant = [paper for paper in papers if home_category(paper, tracked) is not None]
    categories = []
    for spec in config.categories:
        ordered = sort_papers([item.paper for item in homes[spec.code]], config.order)
        by_id = {item.paper.id: item for item in homes[spec.code]}
        categories.append(CategoryDigest(spec, tuple(by_id[p.id] for p in ordered)))

    matcher = matcher or topic_matcher(config)
    selected: dict[str, list[Paper]] = {t.name: [] for t in config.topics}
    topics_by_name = {t.name: t for t in config.topics}
    scores: dict[str, int] = {}
    for paper in relevant:
        names, score = matcher.match_scored(paper)
        if names:
            scores[paper.id] = score
        for name in names:
            if paper.announce_type in topics_by_name[name].include:
                selected[name].append(paper)
    seen: dict[str, list[Paper]] = {t.name: [] for t in config.topics}
    if earlier is not None:
        selected, seen = split_seen(
            config, day, selected, earlier, matcher, lambda p: home_category(p, tracked) is not None
        )
    topics = tuple(
        TopicDigest(
            t, tuple(sort_papers(selected[t.name], t.order)), tuple(sort_papers(seen[t.name], Order.NEWEST))
        )
        for t in config.topics
    )
    total = sum(len(c.listings) for c in categories)
    return Digest(day=day, topics=topics, categories=tuple(categories), total=total, scores=scores)
