"""Staging again the days a run's day changes (``jobs/daily.py``): the day before it (its "next day"
links), the days after a late day that read it as their history (papers already shown, issue #10), and
every day a failed run left unfinished."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config, RankOrder
from ..match import Matcher
from ..models import Digest
from ..output import layout
from ..output.files import Staging
from ..render.markdown import MarkdownRenderer
from ..render.site import SiteRenderer
from ..store import Store, incomplete
from ._publish import day_digest, kept_picks, stage_day

if TYPE_CHECKING:
    from ._for_you import Ranker


def restage(
    staging: Staging,
    renderer: MarkdownRenderer,
    config: Config,
    store: Store,
    matcher: Matcher,
    days: list[dt.date],
    others: list[dt.date],
    *,
    site: SiteRenderer | None,
    ranker: Ranker | None,
    known: dict[dt.date, Digest] | None = None,
    links_only: bool = False,
) -> None:
    """Stage again each of ``others``, days of the history, with its day links among ``days`` (only the
    pages holding such links: ``links_only``); the digests built go into ``known`` when one is given."""
    latest = max(days)
    # A day staged again keeps the For-you picks it published (data/for_you/), not ranked again; with
    # `order: relevance` its pages need every score, and a day without kept picks is ranked.
    reuse = ranker is not None and config.rank.order is RankOrder.ID
    for other in others:
        papers = store.papers_for_day(other)
        digest = day_digest(
            config, other, papers, matcher, None if reuse else ranker, staging.root, store=store
        )
        kept = kept_picks(staging, digest) if reuse else None
        if reuse:
            assert ranker is not None
            digest = replace(digest, for_you=kept) if kept is not None else ranker.attach(digest)
        if known is not None:
            known[other] = digest
        # Its day links alone only while its For-you part is the one it published: its kept picks (order:
        # id), or, without a library, none at all; a day ranked now, or no longer, is staged whole.
        same_for_you = kept is not None if ranker is not None else not _has_for_you(staging, other)
        quick = links_only and same_for_you  # (``order: relevance`` keeps none: ``kept`` is None)
        stage_day(staging, renderer, digest, days, latest=other == latest, site=site, links_only=quick)


def _has_for_you(staging: Staging, day: dt.date) -> bool:
    """Whether ``day`` was published with a For-you part (its kept picks, or its page)."""
    paths = (layout.for_you_picks(day), layout.archived_for_you_page(day))
    return any(p in staging.files or (staging.root / p).exists() for p in paths)


def restage_around(
    again: Callable[..., None],
    config: Config,
    out_dir: Path,
    days: list[dt.date],
    day: dt.date,
    known: dict[dt.date, Digest],
) -> list[dt.date]:
    """Stage again (``again``: :func:`restage` with the run's arguments) the days whose pages ``day``
    changes, and every day a failed run left unfinished (which are returned). The day before a new
    latest day changes in its day links alone: its listing reads only the days before it."""
    unfinished = [d for d in incomplete.marked_days(out_dir / layout.DATA) if d != day]
    around = neighbours(config, days, day)
    quick = [d for d in around if d < day and d not in unfinished] if day == max(days) else []
    again(quick, known=known, links_only=True)
    again([d for d in around if d not in quick], known=known)
    again([d for d in unfinished if d in days])  # a marked day with no snapshot has nothing to finish
    return unfinished


def neighbours(config: Config, days: list[dt.date], day: dt.date) -> list[dt.date]:
    """The days whose pages link to ``day``: the one before it and those :func:`following` builds again."""
    ordered = sorted(days)
    i = ordered.index(day)
    return ordered[max(0, i - 1) : i] + following(config, ordered, day)


def following(config: Config, days: list[dt.date], day: dt.date) -> list[dt.date]:
    """The days after ``day`` that a run of it builds again: the next one (its day links), and those within
    `seen_days`, which read it as their history (papers already shown, issue #10)."""
    ordered = sorted(days)
    i = ordered.index(day)
    return [d for d in ordered[i + 1 :] if (d - day).days <= config.seen_days] or ordered[i + 1 : i + 2]
