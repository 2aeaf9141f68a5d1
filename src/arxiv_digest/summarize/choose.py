"""Which papers of a day are summarised: the first ``n`` of an ordered list of candidates.

The job builds the list in the order a reader meets the papers: the "For you" ranking first, when the
digest has one, then each topic's papers in the order of config.yml. A paper listed twice (ranked and in
a topic, or in two topics) counts once, where it first appears. Pure: no I/O, the same list gives the same
papers.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Paper


def top_papers(candidates: Iterable[Paper], n: int) -> tuple[Paper, ...]:
    """The first ``n`` distinct papers (by arXiv id) of ``candidates``, in their order."""
    chosen: list[Paper] = []
    seen: set[str] = set()
    if n <= 0:
        return ()
    for paper in candidates:
        if paper.id not in seen:
            seen.add(paper.id)
            chosen.append(paper)
            if len(chosen) == n:
                break
    return tuple(chosen)
