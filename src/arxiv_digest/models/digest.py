"""A day's digest as values: which papers are listed, on which category page, in which topics, and the
day's counts by kind. Built by ``match/digest.py``; every output format renders one."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .for_you import ForYou
from .paper import AnnounceType, Paper, id_sort_key
from .topic import CategorySpec, Order, Topic


@dataclass(frozen=True, slots=True)
class Listing:
    """A paper as listed on a page; ``cross_from`` is its primary category when listed as a cross-list."""

    paper: Paper
    cross_from: str | None = None


@dataclass(frozen=True, slots=True)
class TopicDigest:
    topic: Topic
    papers: tuple[Paper, ...]
    seen: tuple[Paper, ...] = ()  # replacements of papers the topic listed before (``match/seen.py``)


@dataclass(frozen=True, slots=True)
class CategoryDigest:
    spec: CategorySpec
    listings: tuple[Listing, ...]
    counts: Counter[str] = field(default_factory=Counter, compare=False)  # by kind_label, filled below

    def __post_init__(self) -> None:
        if not self.counts and self.listings:
            self.counts.update(kind_label(item.paper.announce_type) for item in self.listings)


@dataclass(frozen=True, slots=True)
class DayCounts:
    """A day's listed papers by kind: the one count the README, its category table, the archive, the site,
    ``status`` and the run's summary print (issue #7). Listed means on a category page: an announce type
    in ``include``, and a tracked category to sit under. A paper stored but not listed (a replace-cross
    when ``include`` leaves it out, a category since removed from config.yml) is counted nowhere."""

    day: dt.date
    new: int = 0
    cross: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.new + self.cross + self.updated

    @classmethod
    def of(cls, day: dt.date, kinds: Counter[str]) -> DayCounts:
        """From counts by :func:`kind_label`."""
        return cls(day, kinds.get("new", 0), kinds.get("cross", 0), kinds.get("updated", 0))

    def by_kind(self) -> dict[str, int]:
        return {"new": self.new, "cross": self.cross, "updated": self.updated}


@dataclass(frozen=True, slots=True)
class Digest:
    day: dt.date
    topics: tuple[TopicDigest, ...]
    categories: tuple[CategoryDigest, ...]
    total: int  # papers listed on category pages
    # The day ranked for the reader (issue #9), attached by the job when a `library:` is configured.
    for_you: ForYou | None = field(default=None, compare=False)
    #: Machine-written summaries (issue #11) by (arXiv id, version): untrusted text, escaped by each
    #: renderer; empty when ``summaries:`` is off. Attached by the job, never by matching.
    summaries: Mapping[tuple[str, int], str] = field(default_factory=dict, compare=False)
    #: Each matched paper's match score (``Matcher.score``, by id), a by-product of matching: the weekly
    #: pages' order (issue #15). Empty for a digest not built by the whole config's matcher.
    scores: Mapping[str, int] = field(default_factory=dict, compare=False)

    def summary_of(self, paper: Paper) -> str | None:
        """The summary to show above the paper's abstract, if it has one."""
        return self.summaries.get((paper.id, paper.version)) if self.summaries else None

    @property
    def counts(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.categories:
            out.update(c.counts)
        return out

    @property
    def day_counts(self) -> DayCounts:
        return DayCounts.of(self.day, self.counts)

    def topics_by_count(self) -> list[TopicDigest]:
        return sorted(self.topics, key=lambda t: -len(t.papers))


def kind_label(kind: AnnounceType) -> str:
    """The reader's three kinds: new work, cross-lists, updated (replaced) papers."""
    if kind is AnnounceType.NEW:
        return "new"
    if kind is AnnounceType.CROSS:
        return "cross"
    return "updated"


def sort_papers(papers: Sequence[Paper], order: Order) -> list[Paper]:
    if order is Order.REFERENCE:
        return sorted(papers, key=lambda p: (p.categories, p.id), reverse=True)
    return sorted(papers, key=lambda p: id_sort_key(p.id), reverse=True)
