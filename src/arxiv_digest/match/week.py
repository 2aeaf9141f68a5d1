"""A week's digest (issue #10): each topic's best papers of an ISO week, from what its days listed. No I/O:
the job hands in, for each day, what its pages listed and each listed paper's match score
(:class:`WeekDay`, small: a rebuild keeps one per day from its day pass, issue #15), a way to fetch the
few papers the page shows and, when the reader has a library, a score function.

Rules:
- a topic's papers of the week are those its day pages listed, each once (a paper listed on two days keeps
  its latest announcement);
- best first: by the score function when there is one (#9's model: papers in, one score each out), else
  by the number of the reader's topics plus the number of their keywords (terms) the paper matched; ties
  go to the newest (announcement day, then arXiv id);
- at most ``weekly.top`` papers a topic, and no paper twice on the page: topics take their papers in
  config order, each the best of those no earlier topic took;
- the counts are the days' own (what their READMEs show), summed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from ..config import Config
from ..models import DayCounts, Digest, Paper, WeekCounts, WeekDigest, WeekTopic, id_sort_key
from . import Matcher

#: Papers in, one score each out (higher is better), in the same order: how #9's ranking plugs in.
Scorer = Callable[[Sequence[Paper]], Sequence[float]]
#: An announcement: (arXiv id, its day).
Announcement = tuple[str, dt.date]
#: The papers of these announcements (each as its day's snapshot has it).
Fetch = Callable[[Collection[Announcement]], Mapping[Announcement, Paper]]


@dataclass(frozen=True, slots=True)
class WeekDay:
    """What a weekly page needs of one of its days: its counts, each topic's listed ids (config order)
    and the match score of every listed paper (:meth:`Matcher.score`, as that day's announcement has it)."""

    day: dt.date
    counts: DayCounts
    listed: Mapping[str, Sequence[str]]
    scores: Mapping[str, float]


def match_scores(matcher: Matcher) -> Scorer:
    """The fallback score: how many of the reader's topics, and of their keywords, a paper matched."""
    return lambda papers: [float(matcher.score(p)) for p in papers]


def week_day(digest: Digest, matcher: Matcher | None) -> WeekDay:
    """A day's :class:`WeekDay` from its digest (``matcher`` None: no match scores, a library ranks).
    The scores matching left in the digest are taken as they are; ``matcher`` scores the other papers
    (a digest put together from parts, such as a rebuild's of one changed topic)."""
    listed = {t.topic.name: tuple(p.id for p in t.papers) for t in digest.topics}
    papers = {p.id: p for t in digest.topics for p in t.papers}
    known = digest.scores
    scores = (
        {}
        if matcher is None
        else {i: float(known[i]) if i in known else float(matcher.score(p)) for i, p in papers.items()}
    )
    return WeekDay(digest.day, digest.day_counts, listed, scores)


def build_week(
    config: Config,
    week: str,
    digests: Sequence[Digest],
    matcher: Matcher,
    *,
    complete: bool,
    scorer: Scorer | None = None,
) -> WeekDigest:
    """The week's page from the digests of its stored days; ``scorer`` None ranks by :func:`match_scores`."""
    known = {(p.id, d.day): p for d in digests for t in d.topics for p in t.papers}
    days = [week_day(d, None if scorer is not None else matcher) for d in digests]
    return rank_week(config, week, days, lambda wanted: known, complete=complete, scorer=scorer)


def rank_week(
    config: Config,
    week: str,
    days: Sequence[WeekDay],
    fetch: Fetch,
    *,
    complete: bool,
    scorer: Scorer | None = None,
) -> WeekDigest:
    """The week's page from what its days listed; ``fetch`` is asked for the papers the page shows (and,
    with a ``scorer``, for every candidate); without one, the days' match scores rank."""
    ordered = sorted(days, key=lambda d: d.day)
    latest: dict[str, dt.date] = {}
    by_topic: dict[str, dict[str, dt.date]] = {t.name: {} for t in config.topics}
    scores: dict[str, float] = {}
    counts = [0, 0, 0]
    for d in ordered:
        c = d.counts
        counts = [counts[0] + c.new, counts[1] + c.cross, counts[2] + c.updated]
        for name, ids in d.listed.items():
            for arxiv_id in ids:
                by_topic[name][arxiv_id] = d.day  # a later day's announcement replaces an earlier
                latest[arxiv_id] = d.day
                if scorer is None:
                    scores[arxiv_id] = d.scores[arxiv_id]
    if scorer is not None:
        candidates = sorted(latest)
        found = fetch([(i, latest[i]) for i in candidates])
        papers = [found[(i, latest[i])] for i in candidates]
        scores = dict(zip(candidates, scorer(papers), strict=True))

    def rank(arxiv_id: str) -> tuple[float, dt.date, tuple[int, int, str]]:
        return (scores[arxiv_id], latest[arxiv_id], id_sort_key(arxiv_id))

    taken: set[str] = set()
    chosen: list[tuple[str, list[str], int]] = []
    for topic in config.topics:
        pool = sorted(by_topic[topic.name], key=rank, reverse=True)
        best = [i for i in pool if i not in taken][: config.weekly.top]
        taken.update(best)
        chosen.append((topic.name, best, len(pool)))
    shown = fetch({(i, by_topic[name][i]) for name, best, _ in chosen for i in best})
    topics = tuple(
        WeekTopic(topic, tuple(shown[(i, by_topic[name][i])] for i in best), listed)
        for topic, (name, best, listed) in zip(config.topics, chosen, strict=True)
    )
    return WeekDigest(
        week=week,
        days=tuple(d.day for d in ordered),
        complete=complete,
        topics=tuple(topics),
        counts=WeekCounts(*counts),
        ranked_by_library=scorer is not None,
    )
