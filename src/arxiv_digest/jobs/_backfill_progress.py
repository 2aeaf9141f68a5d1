"""A backfill's progress, so an interrupted one resumes: the set being harvested, its resumption token,
the pages saved, the days written (``OUT/.arxiv-digest/backfill.json``, written atomically after every
page), with the pages' papers beside it (``OUT/.arxiv-digest/backfill/``)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import StoreError, UsageError, cannot_read
from ..models import Paper
from ..output import layout
from ..output.files import atomic_write
from ..store import snapshot as snapshots
from ..wording import counted

_STATE_VERSION = 1


@dataclass
class State:
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
    def from_json(cls, content: bytes, source: str) -> State:
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


class Progress:
    """The progress file and the pages folder beside it."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / layout.BACKFILL_PROGRESS
        self.pages_dir = out_dir / layout.BACKFILL_PAGES

    def load(self) -> State | None:
        if not self.path.is_file():
            return None
        try:
            content = self.path.read_bytes()
        except OSError as e:
            raise StoreError(cannot_read(self.path, e)) from e
        return State.from_json(content, str(self.path))

    def save(self, state: State) -> None:
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


def start_or_resume(
    config: Config,
    progress: Progress,
    data_dir: Path,
    date_from: dt.date,
    date_to: dt.date,
    sets: list[str],
    restart: bool,
    status: Callable[[str], None],
) -> tuple[State, bool]:
    """The backfill's state: the unfinished one of the same arguments (resumed: True), or a new one. An
    unfinished backfill of other arguments is refused, unless ``restart`` discards it."""
    state = None if restart else progress.load()
    wanted = (date_from.isoformat(), date_to.isoformat(), tuple(sets), config.arxiv.oai_url)
    if state is not None and state.arguments() != wanted:
        raise UsageError(
            f"{progress.path} holds an unfinished backfill of {state.date_from}..{state.date_to} "
            f"(sets {' '.join(state.sets)}, {state.oai_url}); run that backfill again to finish it, "
            "or pass --restart to discard it"
        )
    if state is None:
        progress.discard()
        had = [d.isoformat() for d in snapshots.day_files(data_dir) if date_from <= d <= date_to]
        state = State(wanted[0], wanted[1], sets, config.arxiv.oai_url, had)
        progress.save(state)
        return state, False
    status(
        f"resuming the backfill of {state.date_from}..{state.date_to}: "
        + (
            "every set harvested, publishing"
            if state.harvested
            else f"set {state.sets[state.set_index]} "
            f"({state.set_index + 1} of {len(state.sets)}), {counted(state.pages, 'page')} saved"
        )
    )
    return state, True
