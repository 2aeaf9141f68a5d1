"""The ``rank`` and ``search --rank`` use cases (issue #9): the stored papers of some days ranked by the
reader's model (the one the daily run uses and caches: jobs/_for_you.py), and a paper's score explained.
Read-only on the history; the model's cache may be written (it is a cache)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..config import Config
from ..errors import RuntimeFailure, UsageError
from ..models import Library, Paper, Pick, parse_arxiv_id
from ..output import layout
from ..rank import Explanation, RankModel
from ..store import Store, default_db_path, read_store
from ._for_you import Ranker, configured_library

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RankedDay:
    day: dt.date
    picks: tuple[Pick, ...]  # best first; rank 1 = best of the day
    papers: int  # stored papers of the day (more than the picks with a limit)


def _with_model(
    config: Config,
    out_dir: Path,
    db_path: Path | None,
    library: Library | None,
    work: Callable[[Store, RankModel], T],
) -> T:
    def run(store: Store) -> T:
        lib = library if library is not None else configured_library(config, out_dir, store)
        if lib is None:
            raise UsageError(
                'no library to rank by: add a `library:` section to the config (README, "For you")'
            )
        model = Ranker(config, out_dir, lib).model()
        if model is None:  # the warning said why
            raise RuntimeFailure("nothing was ranked: no model could be had (the warning above says why)")
        if model.note:  # a small library ranks by similarity alone: say so, as the For-you page does
            log.warning("ranking by %s", model.note)
        return work(store, model)

    return read_store(db_path or default_db_path(out_dir), out_dir / layout.DATA, run)


def rank_days(
    config: Config,
    out_dir: Path,
    db_path: Path | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int | None = None,
    library: Library | None = None,
) -> list[RankedDay]:
    """Every stored paper of each stored day between the dates (default: the latest day), ranked within
    its day, the best ``limit`` of each."""

    def work(store: Store, model: RankModel) -> list[RankedDay]:
        days = [d.day for d in store.days()]
        if date_from is None and date_to is None:
            chosen = days[-1:]
        else:
            chosen = [
                d for d in days if (date_from is None or d >= date_from) and (date_to is None or d <= date_to)
            ]
        out = []
        for day in chosen:
            papers = _latest_versions(store.papers_for_day(day))
            ranked = model.rank(papers, limit=limit)
            by_id = {p.id: p for p in papers}
            picks = tuple(
                Pick(by_id[r.paper_id], n, r.score, r.terms, r.like) for n, r in enumerate(ranked, 1)
            )
            out.append(RankedDay(day, picks, len(papers)))
        return out

    return _with_model(config, out_dir, db_path, library, work)


def explain_paper(
    config: Config,
    out_dir: Path,
    paper_id: str,
    db_path: Path | None = None,
    *,
    library: Library | None = None,
) -> tuple[Paper, Explanation]:
    """Why the stored paper ``paper_id`` (as last announced) gets its score."""
    try:
        arxiv_id = parse_arxiv_id(paper_id)[0]
    except ValueError as e:
        raise UsageError(f"--explain: {paper_id!r} is not an arXiv id ({e})") from None

    def work(store: Store, model: RankModel) -> tuple[Paper, Explanation]:
        paper = store.latest_announcement(arxiv_id)
        if paper is None:
            raise UsageError(f"--explain: {arxiv_id} is not a stored paper of this digest")
        return paper, model.explain(paper)

    return _with_model(config, out_dir, db_path, library, work)


def rank_papers(
    config: Config,
    out_dir: Path,
    papers: Sequence[Paper],
    db_path: Path | None = None,
    *,
    library: Library | None = None,
) -> list[Paper]:
    """``papers`` (search results) best first by the reader's score; ties keep their order."""

    def work(store: Store, model: RankModel) -> list[Paper]:
        scores = model.scores(list(papers))
        order = sorted(range(len(papers)), key=lambda i: -scores[i])
        return [papers[i] for i in order]

    return _with_model(config, out_dir, db_path, library, work)


def _latest_versions(papers: Sequence[Paper]) -> list[Paper]:
    """One entry per paper (a day may list a paper as new and as a cross-list of another feed)."""
    seen: dict[str, Paper] = {}
    for p in papers:
        seen.setdefault(p.id, p)
    return list(seen.values())
