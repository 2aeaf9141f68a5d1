"""``data/summaries/``: every summary ever paid for, and the tokens spent on each day. Committed with
the snapshots, so a rerun, a rebuild or a fresh clone costs zero tokens.

``<YYYY-MM>.jsonl`` holds the summaries of the papers whose arXiv id is of that month (``2606.30639`` is
in ``2026-06.jsonl``), one a line: a paper is always in the same file whichever day (new, cross-list,
replacement) it is seen again, and finding it reads one file. A summary is kept per id, version and
language; it records the model and the prompt version that wrote it (a summary of an older prompt
version is replaced when the paper is summarised again). Lines are sorted by id, version and language,
keys in a fixed order, UTF-8: the same summaries give the same bytes.

``tokens.json`` maps an announcement day to the tokens its runs spent, so ``max_tokens_per_day`` holds
across reruns of the day. A rerun that spends nothing rewrites nothing.

A file that cannot be read (a merge conflict left in it, a hand edit) is never rewritten, since that would
lose what a person must repair: its month's new summaries are kept for this run only, and an unreadable
``tokens.json`` stops all summarising (the day's spending cannot be known). Both are reported.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PublishError, cannot_read
from ..models import MAX_VERSION, Paper, id_sort_key
from ..output.files import atomic_write

SUMMARIES_DIR = "summaries"
TOKENS_FILE = "tokens.json"


@dataclass(frozen=True, slots=True)
class CachedSummary:
    """One paid-for summary. ``text`` is cleaned plain text, unescaped; ``tokens`` what it cost."""

    id: str
    version: int
    language: str  # ISO 639-1 code
    prompt: int  # PROMPT_VERSION that wrote it
    model: str
    tokens: int
    text: str

    def to_record(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "language": self.language,
            "prompt": self.prompt,
            "model": self.model,
            "tokens": self.tokens,
            "summary": self.text,
        }

    @classmethod
    def from_record(cls, record: object) -> CachedSummary:
        """Raises ValueError naming what is wrong."""
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        arxiv_id, version = _typed(record, "id", str), _typed(record, "version", int)
        language, prompt = _typed(record, "language", str), _typed(record, "prompt", int)
        model, tokens, text = (
            _typed(record, "model", str),
            _typed(record, "tokens", int),
            _typed(record, "summary", str),
        )
        if not 1 <= version <= MAX_VERSION or tokens < 0:
            raise ValueError("version or tokens out of range")
        try:
            id_sort_key(arxiv_id)
        except (ValueError, IndexError) as e:
            raise ValueError(f"id {arxiv_id!r} is not an arXiv identifier") from e
        return cls(arxiv_id, version, language, prompt, model, tokens, text)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.id, self.version, self.language)


def _typed(record: Mapping[str, Any], key: str, kind: type) -> Any:
    value = record.get(key)
    if type(value) is not kind:
        raise ValueError(f"{key!r} must be a {'string' if kind is str else 'integer'}")
    return value


def month_file(arxiv_id: str) -> str:
    """``2026-06.jsonl`` for ``2606.30639`` (and ``1999-01.jsonl`` for ``hep-th/9901001``)."""
    yyyymm = id_sort_key(arxiv_id)[0]
    return f"{yyyymm // 100:04d}-{yyyymm % 100:02d}.jsonl"


def dumps(summaries: Iterable[CachedSummary]) -> bytes:
    ordered = sorted(summaries, key=lambda s: (id_sort_key(s.id), s.version, s.language))
    return "".join(json.dumps(s.to_record(), ensure_ascii=False) + "\n" for s in ordered).encode("utf-8")


def loads(content: bytes, *, source: str) -> list[CachedSummary]:
    """One month's file; ValueError naming ``source`` and the line."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{source}: not UTF-8 ({e})") from e
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(CachedSummary.from_record(json.loads(line)))
        except ValueError as e:  # json.JSONDecodeError is one
            raise ValueError(f"{source}:{number}: not a summary record ({e})") from e
    return out


class SummaryCache:
    """The summaries of ``data_dir/summaries`` that a run needs, loaded by month, and the day ledger.
    Not thread-safe: the summariser's main thread alone reads and writes it."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / SUMMARIES_DIR
        self._months: dict[str, dict[tuple[str, int, str], CachedSummary]] = {}
        self._changed: set[str] = set()
        self._tokens: dict[str, int] | None = None
        self._tokens_changed = False
        #: file name -> why it could not be read (never rewritten)
        self.unreadable: dict[str, str] = {}

    # -- summaries --------------------------------------------------------------------------------
    def _month(self, name: str) -> dict[tuple[str, int, str], CachedSummary]:
        month = self._months.get(name)
        if month is None:
            month = {}
            path = self.folder / name
            try:
                month = {s.key: s for s in loads(path.read_bytes(), source=str(path))}
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as e:
                self.unreadable[name] = cannot_read(path, e) if isinstance(e, OSError) else str(e)
            self._months[name] = month
        return month

    def get(self, arxiv_id: str, version: int, language: str) -> CachedSummary | None:
        """The stored summary of that version of the paper in that language, if any."""
        return self._month(month_file(arxiv_id)).get((arxiv_id, version, language))

    def put(self, summary: CachedSummary) -> None:
        name = month_file(summary.id)
        month = self._month(name)
        if month.get(summary.key) != summary:
            month[summary.key] = summary
            self._changed.add(name)

    # -- the day ledger ---------------------------------------------------------------------------
    def _ledger(self) -> dict[str, int] | None:
        if self._tokens is None and TOKENS_FILE not in self.unreadable:
            path = self.folder / TOKENS_FILE
            try:
                loaded = json.loads(path.read_bytes())
                if not isinstance(loaded, dict) or not all(
                    type(v) is int and v >= 0 and isinstance(k, str) for k, v in loaded.items()
                ):
                    raise ValueError(f"{path}: not an object of day: tokens")
                self._tokens = loaded
            except FileNotFoundError:
                self._tokens = {}
            except (OSError, ValueError) as e:
                self.unreadable[TOKENS_FILE] = cannot_read(path, e) if isinstance(e, OSError) else str(e)
        return self._tokens

    def tokens_spent(self, day: dt.date) -> int | None:
        """Tokens spent on ``day`` by earlier runs; None when the ledger cannot be read."""
        ledger = self._ledger()
        return None if ledger is None else ledger.get(day.isoformat(), 0)

    def add_tokens(self, day: dt.date, tokens: int) -> None:
        ledger = self._ledger()
        if ledger is not None and tokens > 0:
            ledger[day.isoformat()] = ledger.get(day.isoformat(), 0) + tokens
            self._tokens_changed = True

    # -- writing ----------------------------------------------------------------------------------
    def save(self) -> tuple[list[Path], list[str]]:
        """Write every changed file atomically; returns (files written, problems). A file that could not
        be read is not written (its problem says so); nor is anything, if writing fails."""
        written: list[Path] = []
        problems: list[str] = []
        for name in sorted(self._changed):
            if name in self.unreadable:
                problems.append(
                    f"{self.unreadable[name]}; its new summaries are not saved until it is repaired"
                )
                continue
            path = self.folder / name
            try:
                if atomic_write(path, dumps(self._months[name].values())):
                    written.append(path)
            except PublishError as e:
                problems.append(f"{e}; those summaries will be paid for again")
        self._changed.clear()
        if self._tokens_changed and self._tokens is not None:
            path = self.folder / TOKENS_FILE
            content = (json.dumps(self._tokens, sort_keys=True, indent=1) + "\n").encode("utf-8")
            try:
                if atomic_write(path, content):
                    written.append(path)
            except PublishError as e:
                problems.append(str(e))
            self._tokens_changed = False
        return written, problems


def cached_summaries(papers: Iterable[Paper], language: str, data_dir: Path) -> dict[tuple[str, int], str]:
    """The stored summaries of ``papers`` in ``language`` (a code), by (id, version), whatever model or
    prompt version wrote them: what a rebuild shows, reading files only, never the API. An unreadable
    month file shows none of its summaries (``summarise_day`` reports it)."""
    cache = SummaryCache(data_dir)
    found = {}
    for paper in papers:
        hit = cache.get(paper.id, paper.version, language)
        if hit is not None:
            found[(paper.id, paper.version)] = hit.text
    return found
