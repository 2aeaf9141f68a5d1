"""``data/for_you/<YYYY-MM-DD>.json``: a day's For-you picks as its pages published them (issue #9).

The For-you feed covers the last ``feed_days`` days, as every feed does, but ranking those days again on
every run cost 2.6x a run without a library (the bound is 1.5x). So each day's picks are kept here, written
atomically with the day's other outputs (``jobs/_publish.stage_day``), committed with ``data/``, and the
feed is built from these files: a fresh clone (GitHub Actions, no database, no model cache) publishes the
same feed as a warm run, and no day but the run's own is ranked for it.

A file holds the day, the library's size and the model's note (as the day's For-you page shows them), and
its picks, best first: each one's arXiv id, version, rank (1 = best), score and reasons (the terms that
carried the score, then ``like: <the nearest library paper's title>``, as ``rank --json`` prints them). A
day whose pages a later run stages again (the day before, for its link to the next day) takes its picks from
here rather than being ranked again with a newer model: its For-you page stays what it published (with
``rank.order: id``; ``relevance`` needs every score, so it is ranked). The papers themselves are the day's
snapshot's: :func:`loads` takes them and keeps the picks whose (id, version) the day still holds.
Deterministic (keys in a fixed order, no clock): re-running a day rewrites the same bytes, that is, nothing.
A day with no For-you part (no library, ``rank.top: 0``, ranking skipped) has no file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from ..errors import StoreError
from ..models import ForYou, Paper, Pick

_LIKE = "like: "


def dumps(for_you: ForYou) -> bytes:
    record = {
        "day": for_you.day.isoformat(),
        "library_size": for_you.library_size,
        "note": for_you.note,
        "picks": [
            {
                "id": pick.paper.id,
                "version": pick.paper.version,
                "rank": pick.rank,
                "score": float(pick.score),
                "reasons": pick.reasons,
            }
            for pick in for_you.picks
        ],
    }
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _pick(item: Any, papers: dict[tuple[str, int], Paper]) -> Pick | None:
    """One pick of the file (TypeError/KeyError/ValueError when malformed); None when the day no longer
    holds its paper (its snapshot was fetched again, with another version)."""
    reasons = item["reasons"]
    if not isinstance(reasons, list) or not reasons or not all(isinstance(r, str) for r in reasons):
        raise TypeError("'reasons' must be a non-empty list of strings")
    if not reasons[-1].startswith(_LIKE):
        raise ValueError(f"the last reason must begin {_LIKE!r}")
    rank, score = item["rank"], item["score"]
    if not isinstance(rank, int) or not isinstance(score, (int, float)):
        raise TypeError("'rank' must be an integer and 'score' a number")
    paper = papers.get((str(item["id"]), int(item["version"])))
    if paper is None:
        return None
    return Pick(paper, rank, float(score), tuple(reasons[:-1]), reasons[-1].removeprefix(_LIKE))


def loads(content: bytes, papers: Iterable[Paper], *, day: dt.date, source: str) -> ForYou:
    """The day's picks, on ``papers`` (the day's); StoreError naming ``source`` when it is not a picks file
    of ``day``."""
    by_key = {(p.id, p.version): p for p in papers}
    try:
        record = json.loads(content.decode("utf-8"))
        said = dt.date.fromisoformat(record["day"])
        items = record["picks"]
        if not isinstance(items, list):
            raise TypeError("'picks' must be a list")
        found = [_pick(item, by_key) for item in items]
        size, note = record.get("library_size", 0), record.get("note", "")
        if not isinstance(size, int) or not isinstance(note, str):
            raise TypeError("'library_size' must be an integer and 'note' a string")
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise StoreError(
            f"{source}: not a day's For-you picks file ({e}); restore it from git, or delete it "
            "(the next run or `rebuild` writes it again)"
        ) from e
    if said != day:
        raise StoreError(f"{source}: says day {said}, but the file is for {day}")
    picks = tuple(sorted((p for p in found if p is not None), key=lambda p: p.rank))
    return ForYou(day, picks, note=note, library_size=size)


def picked_ids(content: bytes, *, source: str) -> frozenset[str]:
    """The arXiv ids a picks file holds (for the papers-already-picked rule); StoreError naming ``source``
    when it is not a picks file."""
    try:
        items = json.loads(content.decode("utf-8"))["picks"]
        if not isinstance(items, list):
            raise TypeError("'picks' must be a list")
        return frozenset(str(item["id"]) for item in items)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise StoreError(f"{source}: not a day's For-you picks file ({e})") from e
