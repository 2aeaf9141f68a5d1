"""Backfill: past announcement days from arXiv's OAI-PMH interface, kept and published like daily runs.

For each OAI set of the tracked categories, ``ListRecords`` pages through ``from``..``until`` (the
resumption token sent alone); every record becomes a Paper filed under its datestamp, the night arXiv
last changed it (for a new paper, the night it was announced). Papers cross-listed to several tracked
categories arrive once per set and are kept once. Then each day gets ``data/<day>.jsonl`` (written
atomically, fsync'd), and the pages are published by :func:`arxiv_digest.jobs.rebuild.rebuild`: every day's
archive pages with their day links, the root pages (the latest day), ``archive/README.md``, the database
and anything else a day publishes, exactly as a rebuild makes them (so a rebuild afterwards changes
nothing).

What OAI cannot tell, and the rules used instead (docs/backfill.md):

- the announce type: inferred by :func:`arxiv_digest.sources.oai.announce_type`;
- the version: v1, or v2 ("at least two") for a record with an ``updated`` date;
- the day a paper was first announced, once it has changed since: a datestamp moves with every change,
  so a revised paper appears on the day of its latest change only;
- weekends: arXiv announces Sunday to Thursday evenings (US Eastern), which are Monday to Friday in UTC,
  the OAI datestamp's calendar; a datestamp on a Saturday or Sunday is a correction, not an announcement,
  and is skipped.

A day that already has a snapshot (the daily feed's, which knows the announce types) is kept unless
``force``. Progress (the set, its current resumption token, the pages saved, the days written) is kept in
``OUT/.arxiv-digest/backfill.json``, written atomically after every page, with the pages' papers beside
it in ``OUT/.arxiv-digest/backfill/``; a rerun with the same arguments continues from there, and a
finished run removes both.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..config import Config
from ..errors import EndlessListError, OaiError, UsageError
from ..models import Paper
from ..output import layout
from ..output.files import atomic_write, make_folder
from ..output.lock import OutputLock
from ..sources import oai
from ..sources.http import PoliteClient
from ..store import snapshot as snapshots
from ..taxonomy import load_taxonomy
from ._backfill_progress import Progress, State, start_or_resume
from ._rebuild import rebuild

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PageProgress:
    """Reported after every page: where the harvest is, for a progress bar."""

    set_spec: str
    set_number: int  # 1-based
    set_count: int
    pages: int  # pages of this set fetched by this run
    records: int  # records of this set fetched by this run
    complete_list_size: int | None  # the set's size in the range, when arXiv says
    done: bool  # the set is finished


@dataclass(frozen=True, slots=True)
class BackfillResult:
    date_from: dt.date
    date_to: dt.date
    days_written: tuple[dt.date, ...]
    days_kept: tuple[dt.date, ...]  # already had a snapshot; kept (no --force)
    papers: int  # distinct papers harvested in the range
    weekend_papers: int  # dated on a Saturday or Sunday: skipped
    requests: int  # made by this run
    resumed: bool
    files_written: int = 0
    files_deleted: int = 0
    latest: dt.date | None = None


def backfill(
    config: Config,
    out_dir: Path,
    date_from: dt.date,
    date_to: dt.date,
    *,
    force: bool = False,
    restart: bool = False,
    db_path: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
    on_page: Callable[[PageProgress], None] | None = None,
    on_status: Callable[[str], None] | None = None,
) -> BackfillResult:
    """Harvest ``date_from``..``date_to`` (announcement days, inclusive) and publish every day found."""
    if date_from > date_to:
        raise UsageError(f"--from {date_from} is after --to {date_to}")
    sets = list(oai.set_specs(list(config.category_codes)))
    make_folder(out_dir)
    data_dir = out_dir / layout.DATA
    status = on_status or (lambda message: None)
    with OutputLock(out_dir):
        progress = Progress(out_dir)
        state, resumed = start_or_resume(
            config, progress, data_dir, date_from, date_to, sets, restart, status
        )
        requests = 0
        if not state.harvested:
            with PoliteClient(config.arxiv, transport=transport, sleep=sleep or time.sleep) as client:
                try:
                    _harvest(client, config, state, progress, date_from, date_to, on_page)
                finally:
                    requests = client.requests_made
        by_day, weekend = _days(progress.load_pages(state.pages))
        had_snapshot = {dt.date.fromisoformat(d) for d in state.existing}
        kept = tuple(sorted(d for d in by_day if d in had_snapshot and not force))
        todo = sorted(d for d in by_day if d not in kept)
        written = _write_snapshots(data_dir, by_day, todo, state, progress)
    deleted, latest = 0, None
    if todo:
        # The pages, the database and whatever else a day publishes (site, feeds) come from the same code
        # as `rebuild`, so a rebuild afterwards changes nothing. It takes the lock itself; a run that
        # slips in between publishes its own day, which the rebuild then includes.
        status("publishing: rebuilding the pages from the snapshots")
        rebuilt = rebuild(config, out_dir, db_path)
        written, deleted, latest = written + rebuilt.written, rebuilt.deleted, rebuilt.day
    with OutputLock(out_dir):
        progress.discard()
    return BackfillResult(
        date_from=date_from,
        date_to=date_to,
        days_written=tuple(todo),
        days_kept=kept,
        papers=sum(len(p) for p in by_day.values()),
        weekend_papers=weekend,
        requests=requests,
        resumed=resumed,
        files_written=written,
        files_deleted=deleted,
        latest=latest,
    )


def _harvest(
    client: PoliteClient,
    config: Config,
    state: State,
    progress: Progress,
    date_from: dt.date,
    date_to: dt.date,
    on_page: Callable[[PageProgress], None] | None,
) -> None:
    taxonomy = load_taxonomy()
    tracked = config.category_codes

    def is_tracked(category: str) -> bool:
        return any(taxonomy.covers(code, category) for code in tracked)

    url = config.arxiv.oai_url
    while state.set_index < len(state.sets):
        set_, number = state.sets[state.set_index], state.set_index + 1
        token = state.token
        saved_token = token is not None
        pages = records = 0
        guard = oai.ListGuard(set_, pages=state.set_pages, resumed_from=token)
        while True:
            params = oai.resume_params(token) if token else oai.first_params(set_, date_from, date_to)
            try:
                page = oai.fetch_page(client, url, params)
                guard.check(page)
            except OaiError as e:
                if e.code == "badResumptionToken" and saved_token:
                    # Tokens expire; the pages saved so far stay (papers are deduplicated later).
                    log.warning(
                        "the saved resumption token for %s has expired; harvesting the set again", set_
                    )
                    token, saved_token = None, False
                    guard = oai.ListGuard(set_)
                    continue
                raise
            except EndlessListError:
                # Its tokens cannot be trusted, so a rerun must not resume from one: the set starts over
                # and the pages it saved are dropped (issue #7).
                state.token, state.set_pages, state.pages = None, 0, state.set_first_page
                progress.save(state)
                raise
            saved_token = False
            papers = [
                oai.to_paper(r, is_tracked) for r in page.records if date_from <= r.datestamp <= date_to
            ]
            if papers:
                state.pages += 1
                progress.save_page(state.pages, papers)
            pages += 1
            records += len(page.records)
            token = page.token
            state.token, state.set_pages = token, guard.pages
            if token is None:
                state.set_index, state.set_pages, state.set_first_page = state.set_index + 1, 0, state.pages
            progress.save(state)
            if on_page is not None:
                on_page(
                    PageProgress(
                        set_spec=set_,
                        set_number=number,
                        set_count=len(state.sets),
                        pages=pages,
                        records=records,
                        complete_list_size=page.complete_list_size,
                        done=token is None,
                    )
                )
            if token is None:
                break
    state.harvested = True
    progress.save(state)


def _days(pages: list[list[Paper]]) -> tuple[dict[dt.date, list[Paper]], int]:
    """The harvested papers by day, each paper once (at its latest datestamp; a later page wins a tie),
    and how many were dated on a weekend (skipped)."""
    latest: dict[str, Paper] = {}
    for page in pages:
        for paper in page:
            kept = latest.get(paper.id)
            if kept is None or paper.announced >= kept.announced:
                latest[paper.id] = paper
    by_day: dict[dt.date, list[Paper]] = {}
    weekend = 0
    for paper in latest.values():
        if paper.announced.weekday() >= 5:
            weekend += 1
            continue
        by_day.setdefault(paper.announced, []).append(paper)
    return dict(sorted(by_day.items())), weekend


def _write_snapshots(
    data_dir: Path,
    by_day: dict[dt.date, list[Paper]],
    todo: list[dt.date],
    state: State,
    progress: Progress,
) -> int:
    """Write ``data/<day>.jsonl`` for the days in ``todo`` (each atomically, fsync'd); files written."""
    written = 0
    for day in todo:
        if atomic_write(data_dir / layout.snapshot_name(day), snapshots.dumps(by_day[day]), durable=True):
            written += 1
        state.days_done.append(day.isoformat())
    progress.save(state)
    return written
