"""Histories for ``bench_scale.py`` (issue #12): a digest folder's ``data/<day>.jsonl`` from real papers.

The source is the real history in ``../shared/data/history/`` (33,954 papers over 158 days, in our
snapshot schema; see its README). A history of N papers is made of *copies* of it, each moved in time by
a whole number of weeks (so every Monday stays a Monday, and the source's few weekend days stay weekend
days), the newest copy ending the week before the benchmark's day (2026-06-30, ``tests/bigday.py``):

- copy 0 is the real history, shifted by 34 weeks (2025-03-18..10-31 becomes 2025-11-11..2026-06-26);
- copy k starts ``SPACING_WEEKS`` weeks before copy k-1. The copies overlap (each spans 33 weeks), so a
  day holds the papers of one or two copies, about 360 on average: 1.2M papers fill about 3,400 days, the
  density of the issue's 122k-paper, 343-day history;
- the oldest copy is cut to whole days, newest first, once the history holds N papers (and so is copy 0
  for N below the source's size).

Titles, authors, abstracts, categories and comments stay as arXiv wrote them (no synthetic repetition).
Only ``announced`` and ``id`` change: an id takes the year and month its own month moves to
(``2503.11731`` in a copy moved back a year is ``2403.11731``), and on a clash with an id already given the
next free number; ids stay unique and in arXiv's form. Copies before 2015 keep five-digit numbers,
where arXiv then used four: our id rule accepts both.

Snapshots are written as ``arxiv-digest`` writes them (one JSON object a line, keys in the schema's order,
``ensure_ascii=False``, newest id first, a final newline), so a run or a rebuild has nothing to rewrite.
Built folders are cached under ``benchmarks/.work/`` (gitignored), keyed on the size, the source's
SHA-256 and ``BUILDER_VERSION``; a folder is complete once its ``history.json`` exists.

Used alone it builds and prints sizes: ``python benchmarks/scale_data.py --papers 1200000``.
This module reads and writes files only; it imports nothing from ``arxiv_digest`` (see bench_scale.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_NAME = "dw-2025-03-18_2025-10-31.jsonl.gz"
#: Where the real history is, relative to the repository (a checkout beside ``shared/``); a worktree one
#: level deeper finds it too (see :func:`default_source`).
SOURCE_RELATIVE = Path("..") / "shared" / "data" / "history" / SOURCE_NAME
#: The benchmark's day (the 2,000-paper day of tests/bigday.py); every history ends before it.
RUN_DAY = dt.date(2026, 6, 30)
#: Weeks between the starts of two consecutive copies (see the module docstring for the density).
SPACING_WEEKS = 19
#: Bump when the output changes, so that cached folders are rebuilt.
BUILDER_VERSION = 1
WORK = ROOT / "benchmarks" / ".work"

Record = dict[str, object]


@dataclass(frozen=True, slots=True)
class History:
    """A built history folder: ``root/data/<day>.jsonl``."""

    root: Path
    papers: int
    days: int
    first: str
    last: str
    copies: int
    data_bytes: int
    build_seconds: float

    @property
    def data(self) -> Path:
        return self.root / "data"

    def describe(self) -> str:
        copies = f"{self.copies} cop{'y' if self.copies == 1 else 'ies'} of the real history"
        return (
            f"{self.papers:,} papers over {self.days:,} days ({self.first}..{self.last}, {copies}), "
            f"data/ {self.data_bytes / 1e6:,.0f} MB"
        )


def default_source() -> Path:
    """``../shared/data/history/<file>`` from the repository, or from the folder above it (a worktree in
    ``/work/wt/<name>`` sits one level deeper than ``/work/main``)."""
    for base in (ROOT, ROOT.parent):
        candidate = (base / SOURCE_RELATIVE).resolve()
        if candidate.is_file():
            return candidate
    return (ROOT / SOURCE_RELATIVE).resolve()


def load_source(source: Path) -> dict[dt.date, list[Record]]:
    """The real history by announcement day, in file order."""
    if not source.is_file():
        sys.exit(
            f"{source}: the real history is not there; pass --source with the path of {SOURCE_NAME} "
            "(see ../shared/data/README.md)"
        )
    days: dict[dt.date, list[Record]] = defaultdict(list)
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            try:
                record = json.loads(line)
                days[dt.date.fromisoformat(record["announced"])].append(record)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                sys.exit(f"{source}:{number}: not a snapshot record ({e}); is it the right file?")
    return dict(sorted(days.items()))


def copy_shifts(source_days: list[dt.date], count: int) -> list[int]:
    """The shift in days of copies 0..count-1: copy 0 ends in the week before RUN_DAY."""
    first_weeks = (RUN_DAY - max(source_days)).days // 7
    if (RUN_DAY - max(source_days)).days % 7 == 0:
        first_weeks -= 1  # it would land on RUN_DAY itself
    return [7 * (first_weeks - k * SPACING_WEEKS) for k in range(count)]


def shifted_id(arxiv_id: str, shift_days: int, taken: set[str]) -> str:
    """``arxiv_id`` moved by ``shift_days`` (its year and month), unique among ``taken`` (added to it)."""
    yymm, number = arxiv_id.split(".")
    month = dt.date(2000 + int(yymm[:2]), int(yymm[2:]), 15) + dt.timedelta(days=shift_days)
    width = len(number)
    sequence = int(number)
    while True:
        candidate = f"{month:%y%m}.{sequence:0{width}d}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        sequence = (sequence + 1) % 10**width


def _id_key(arxiv_id: str) -> tuple[int, int]:
    yymm, number = arxiv_id.split(".")
    return int(yymm), int(number)


def plan(source: dict[dt.date, list[Record]], papers: int) -> Iterator[tuple[int, dt.date]]:
    """(shift in days, source day) for every day taken, copy by copy, newest day first, until ``papers``
    are taken (whole days: a little more)."""
    per_copy = sum(len(r) for r in source.values())
    shifts = copy_shifts(list(source), -(-papers // per_copy))
    taken = 0
    for shift in shifts:
        for day in sorted(source, reverse=True):
            if taken >= papers:
                return
            taken += len(source[day])
            yield shift, day


def build(source_path: Path, papers: int | None, work: Path = WORK) -> History:
    """The history of ``papers`` papers (None: the real history, once), built once under ``work`` and
    found there afterwards."""
    digest = hashlib.sha256(source_path.read_bytes()).hexdigest()[:12] if source_path.is_file() else "none"
    root = work / f"history-{papers or 'real'}-{digest}-v{BUILDER_VERSION}"
    stamp = root / "history.json"
    if stamp.is_file():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        return History(root=root, **info)
    started = time.perf_counter()
    source = load_source(source_path)
    papers = papers or sum(len(r) for r in source.values())
    # Grouped by the day each copy's day lands on (two copies can share one), written one day at a time.
    landing: dict[dt.date, list[tuple[int, dt.date]]] = defaultdict(list)
    for shift, day in plan(source, papers):
        landing[day + dt.timedelta(days=shift)].append((shift, day))
    if root.exists():  # an interrupted build
        shutil.rmtree(root)
    scratch = root.with_name(root.name + ".partial")
    if scratch.exists():
        shutil.rmtree(scratch)
    (scratch / "data").mkdir(parents=True)
    ids: set[str] = set()
    size = count = 0
    for new_day, parts in sorted(landing.items()):
        records = [
            {**r, "id": shifted_id(str(r["id"]), shift, ids), "announced": new_day.isoformat()}
            for shift, day in parts
            for r in source[day]
        ]
        records.sort(key=lambda r: _id_key(str(r["id"])), reverse=True)
        content = ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode("utf-8")
        (scratch / "data" / f"{new_day.isoformat()}.jsonl").write_bytes(content)
        size += len(content)
        count += len(records)
    copies = {shift for parts in landing.values() for shift, _ in parts}
    days = sorted(landing)
    info = {
        "papers": count,
        "days": len(days),
        "first": days[0].isoformat(),
        "last": days[-1].isoformat(),
        "copies": len(copies),
        "data_bytes": size,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    (scratch / "history.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    scratch.rename(root)
    return History(root=root, **info)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--papers", type=int, help="papers in the history (default: the real one)")
    parser.add_argument("--source", type=Path, default=None, help=f"the real history ({SOURCE_NAME})")
    parser.add_argument("--work", type=Path, default=WORK, help="cache folder (default benchmarks/.work)")
    args = parser.parse_args(argv)
    history = build(args.source or default_source(), args.papers, args.work)
    print(f"{history.root}: {history.describe()}; built in {history.build_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
