"""Real announcement days from the shared history (``../shared/data/history``: 34k real papers, 2025-03 to
2025-10, one JSON record a line in our snapshot schema, every one ``new`` v1), for the papers-already-shown
and weekly tests: read once, by day; served by the fake arXiv or written as ``data/<day>.jsonl``."""

from __future__ import annotations

import collections
import gzip
import json
from functools import cache
from pathlib import Path

import pytest

HISTORY = Path("/work/shared/data/history/dw-2025-03-18_2025-10-31.jsonl.gz")
if not HISTORY.is_file():  # the shared data lives beside the repository
    HISTORY = Path(__file__).resolve().parents[2] / "shared" / "data" / "history" / HISTORY.name


@cache
def _days(first: str, last: str) -> dict[str, tuple[str, ...]]:
    if not HISTORY.is_file():
        pytest.skip(f"the shared history is not here: {HISTORY}")
    by_day: dict[str, list[str]] = collections.defaultdict(list)
    with gzip.open(HISTORY, "rt", encoding="utf-8") as f:
        for line in f:
            # `announced` is the record's last key but one: read the whole line only for the wanted days
            record = json.loads(line)
            if first <= record["announced"] <= last:
                by_day[record["announced"]].append(line)
    return {day: tuple(lines) for day, lines in sorted(by_day.items())}


def days(first: str, last: str, per_day: int | None = None) -> dict[str, list[dict[str, object]]]:
    """The real records of each stored day from ``first`` to ``last`` (the first ``per_day`` of each)."""
    return {day: [json.loads(line) for line in lines[:per_day]] for day, lines in _days(first, last).items()}


def write_days(out: Path, records: dict[str, list[dict[str, object]]]) -> None:
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for day, rows in records.items():
        text = "".join(json.dumps(dict(r, announced=day), ensure_ascii=False) + "\n" for r in rows)
        (data / f"{day}.jsonl").write_text(text, encoding="utf-8")


def as_feed_records(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """Snapshot records in the shape the fake arXiv serves (``tests/data/arxiv-days``: ``summary``)."""
    return [dict(r, summary=r["abstract"]) for r in records]
