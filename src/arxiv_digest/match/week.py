"""A week's digest (issue #10): each topic's best papers of an ISO week, from the digests of its days. No
I/O: the job hands in the days' digests (the papers-already-shown rules applied, so the week lists what
the days listed) and, when the reader has a library, a score function.

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
from collections.abc import Callable, Sequence

from ..config import Config
from ..models import Digest, Paper, WeekCounts, WeekDigest, WeekTopic, id_sort_key
from . import Matcher

#: Papers in, one score each out (higher is better), in the same order: how #9's ranking plugs in.
Scorer = Callable[[Sequence[Paper]], Sequence[float]]


def match_scores(matcher: Matcher) -> Scorer:
    """The fallback score: how many of the reader's topics, and of their keywords, a paper matched."""

    def score(papers: Sequence[Paper]) -> list[float]:
        out = []
        for paper in papers:
            topics, hits = matcher.explain(paper)
            out.append(float(len(topics) + len({hit.term for hit in hits})))
        return out

    return score


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
    ordered = sorted(digests, key=lambda d: d.day)
    latest: dict[str, tuple[dt.date, Paper]] = {}
    by_topic: dict[str, dict[str, Paper]] = {t.name: {} for t in config.topics}
    counts = [0, 0, 0]
    for digest in ordered:
        c = digest.day_counts
        counts = [counts[0] + c.new, counts[1] + c.cross, counts[2] + c.updated]
        for t in digest.topics:
            for paper in t.papers:
                by_topic[t.topic.name][paper.id] = paper  # a later day's announcement replaces an earlier
                latest[paper.id] = (digest.day, paper)
    candidates = sorted({p.id: p for d, p in latest.values()}.values(), key=lambda p: p.id)
    scores = dict(zip((p.id for p in candidates), (scorer or match_scores(matcher))(candidates), strict=True))

    def rank(paper: Paper) -> tuple[float, dt.date, tuple[int, int, str]]:
        return (scores[paper.id], latest[paper.id][0], id_sort_key(paper.id))

    taken: set[str] = set()
    topics = []
    for topic in config.topics:
        pool = sorted(by_topic[topic.name].values(), key=rank, reverse=True)
        best = [p for p in pool if p.id not in taken][: config.weekly.top]
        taken.update(p.id for p in best)
        topics.append(WeekTopic(topic, tuple(best), len(pool)))
    return WeekDigest(
        week=week,
        days=tuple(d.day for d in ordered),
        complete=complete,
        topics=tuple(topics),
        counts=WeekCounts(*counts),
        ranked_by_library=scorer is not None,
    )
