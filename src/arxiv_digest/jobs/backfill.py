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
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..config import Config
from ..errors import EndlessListError, OaiError, StoreError, UsageError, cannot_read
from ..models import Paper
from ..output.files import STATE_DIR, atomic_write, make_folder
from ..output.lock import OutputLock
from ..sources import oai
from ..sources.http import PoliteClient
from ..store import snapshot as snapshots
from ..taxonomy import load_taxonomy
from ..wording import counted
from ._rebuild import rebuild

log = logging.getLogger(__name__)

STATE_FILE = "backfill.json"
PAGES_DIR = "backfill"
_STATE_VERSION = 1


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


@dataclass
class _State:
    """The progress file. ``token`` belongs to the set at ``set_index``; None means "start that set"."""

    date_from: str
    date_to: str
    sets: list[str]
    oai_url: str
    existing: list[str]  # days that had a snapshot when the backfill started
    set_index: int = 0
    token: str | None = None
    pages: int = 0  # page files saved in the pages folder
    set_pages: int = 0  # pages of the set at set_index fetched so far (for oai.ListGuard's cap)
    set_first_page: int = 0  # `pages` when that set began: a set that starts over drops its own
    harvested: bool = False
    days_done: list[str] = field(default_factory=list)

    def arguments(self) -> tuple[str, str, tuple[str, ...], str]:
        return self.date_from, self.date_to, tuple(self.sets), self.oai_url

    def to_json(self) -> bytes:
        record = {
            "version": _STATE_VERSION,
            "from": self.date_from,
            "to": self.date_to,
            "sets": self.sets,
            "oai_url": self.oai_url,
            "existing": self.existing,
            "set_index": self.set_index,
            "token": self.token,
            "pages": self.pages,
            "set_pages": self.set_pages,
            "set_first_page": self.set_first_page,
            "harvested": self.harvested,
            "days_done": self.days_done,
        }
        return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, content: bytes, source: str) -> _State:
        try:
            raw: dict[str, Any] = json.loads(content)
            if raw.get("version") != _STATE_VERSION:
                raise ValueError(f"unknown version {raw.get('version')!r}")
            return cls(
                date_from=str(raw["from"]),
                date_to=str(raw["to"]),
                sets=[str(s) for s in raw["sets"]],
                oai_url=str(raw["oai_url"]),
                existing=[str(d) for d in raw["existing"]],
                set_index=int(raw["set_index"]),
                token=None if raw["token"] is None else str(raw["token"]),
                pages=int(raw["pages"]),
                set_pages=int(raw.get("set_pages", 0)),
                set_first_page=int(raw.get("set_first_page", raw["pages"])),
                harvested=bool(raw["harvested"]),
                days_done=[str(d) for d in raw.get("days_done", [])],
            )
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(
                f"{source}: unreadable backfill progress ({e}); delete it (or pass --restart) "
                "to start the backfill again"
            ) from e


class _Progress:
    """The progress file and the pages folder beside it."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STATE_DIR / STATE_FILE
        self.pages_dir = out_dir / STATE_DIR / PAGES_DIR

    def load(self) -> _State | None:
        if not self.path.is_file():
            return None
        try:
            content = self.path.read_bytes()
        except OSError as e:
            raise StoreError(cannot_read(self.path, e)) from e
        return _State.from_json(content, str(self.path))

    def save(self, state: _State) -> None:
        atomic_write(self.path, state.to_json(), durable=True)

    def page_path(self, number: int) -> Path:
        return self.pages_dir / f"page-{number:05d}.jsonl"

    def save_page(self, number: int, papers: list[Paper]) -> None:
        atomic_write(self.page_path(number), snapshots.dumps(papers), durable=True)

    def load_pages(self, count: int) -> list[list[Paper]]:
        out = []
        for number in range(1, count + 1):
            path = self.page_path(number)
            try:
                content = path.read_bytes()
            except OSError as e:
                raise StoreError(
                    f"{path}: a page of the interrupted backfill is missing ({e}); "
                    "run the backfill again with --restart"
                ) from e
            out.append(snapshots.loads(content, source=str(path)))
        return out

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)  # the progress file first: without it the pages mean nothing
        shutil.rmtree(self.pages_dir, ignore_errors=True)


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
    data_dir = out_dir / "data"
    status = on_status or (lambda message: None)
    with OutputLock(out_dir):
        progress = _Progress(out_dir)
        state = None if restart else progress.load()
        wanted = (date_from.isoformat(), date_to.isoformat(), tuple(sets), config.arxiv.oai_url)
        if state is not None and state.arguments() != wanted:
            raise UsageError(
                f"{progress.path} holds an unfinished backfill of {state.date_from}..{state.date_to} "
                f"(sets {' '.join(state.sets)}, {state.oai_url}); run that backfill again to finish it, "
                "or pass --restart to discard it"
            )
        resumed = state is not None
        if state is None:
            progress.discard()
            had = [d.isoformat() for d in snapshots.day_files(data_dir) if date_from <= d <= date_to]
            state = _State(wanted[0], wanted[1], sets, config.arxiv.oai_url, had)
            progress.save(state)
        else:
            status(
                f"resuming the backfill of {state.date_from}..{state.date_to}: "
                + (
                    "every set harvested, publishing"
                    if state.harvested
                    else f"set {state.sets[state.set_index]} "
                    f"({state.set_index + 1} of {len(state.sets)}), {counted(state.pages, 'page')} saved"
                )
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
    state: _State,
    progress: _Progress,
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
    state: _State,
    progress: _Progress,
) -> int:
    """Write ``data/<day>.jsonl`` for the days in ``todo`` (each atomically, fsync'd); files written."""
    written = 0
    for day in todo:
        if atomic_write(data_dir / snapshots.snapshot_name(day), snapshots.dumps(by_day[day]), durable=True):
            written += 1
        state.days_done.append(day.isoformat())
    progress.save(state)
    return written
