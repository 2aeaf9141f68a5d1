"""What a daily run reads of the history (issue #12): the days it needs, and every day's counts.

A run publishes one day, yet its pages and checks read other days: the neighbours whose day links change,
the latest day (its top pages), the feeds' last ``feed_days`` days, the last ten days (the plausibility
check), the days a failed run left unfinished. :func:`needed_days` names them, and the run brings only
those into the database (``Store.sync_days``), so a fresh clone (GitHub Actions, no database) imports a
few days, not years. The archive pages list every day's counts: :func:`archive_counts` takes them from
``data/counts.json`` (``store.counts``), counting again from its snapshot any day the file does not vouch
for, one snapshot at a time. The same code serves a warm database and a fresh clone, so both publish the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from ..config import Config
from ..errors import StoreError, cannot_read
from ..match.digest import count_day
from ..models import DayCounts, Digest, Paper
from ..output import layout
from ..store import counts as ledger
from ..store import snapshot as snapshots

#: The plausibility check's window: the stored days before the one fetched (``check_plausible``).
RECENT_DAYS = 10


def history_days(data_dir: Path, day: dt.date | None = None) -> list[dt.date]:
    """The days with a snapshot (and ``day``, about to get one), oldest first."""
    days = set(snapshots.day_names(data_dir))
    if day is not None:
        days.add(day)
    return sorted(days)


def needed_days(
    config: Config, days: Sequence[dt.date], day: dt.date, unfinished: Iterable[dt.date] = ()
) -> set[dt.date]:
    """The days of ``days`` (oldest first, ``day`` among them) whose papers a run of ``day`` reads into the
    database. "For you" (issue #9) adds none: its model reads the snapshots of its corpus's window itself
    (jobs/_for_you.py), so a fresh clone imports these days whether a library is configured or not."""
    needed = built_days(config, days, day, unfinished)
    needed.update(days[-(RECENT_DAYS + 1) :])  # the last ten stored days besides ``day``
    return needed & set(days)


def built_days(
    config: Config, days: Sequence[dt.date], day: dt.date, unfinished: Iterable[dt.date] = ()
) -> set[dt.date]:
    """The days among :func:`needed_days` whose digests a run of ``day`` builds (its pages, its neighbours',
    the unfinished days', the feeds'); the plausibility check's days are read for their counts only."""
    i = days.index(day)
    built = {day, days[-1], *days[max(0, i - 1) : i + 2], *unfinished}
    built.update(days[-config.feed_days :] if config.feed_days > 0 else ())
    return built & set(days)


def day_folders(days: Iterable[dt.date]) -> list[str]:
    """The paths of these days' pages in the output folder (Markdown archive, site), for the link check."""
    out: list[str] = []
    for day in sorted(days):
        out += [f"archive/{day}", f"site/day/{day}.html", f"site/day/{day}"]
    return out


def listing_rule(config: Config) -> str:
    """What a day's counts depend on in config.yml: the announce types listed and the categories, in their
    order (a paper sits under the first tracked category that covers it)."""
    return json.dumps(
        {"include": sorted(t.value for t in config.include), "categories": list(config.category_codes)},
        separators=(",", ":"),
    )


def archive_counts(
    config: Config,
    data_dir: Path,
    days: Sequence[dt.date],
    known: Mapping[dt.date, Digest],
    sizes: Mapping[dt.date, int],
) -> tuple[list[DayCounts], bytes]:
    """Every day's counts for the archive pages, and the new ``data/counts.json``: from the digests
    already built (``known``), else from the file's entry while the snapshot keeps its size, else counted
    from the snapshot (the rule of its own pages, no matching). ``sizes``: snapshots not yet on disk."""
    rule = listing_rule(config)
    entries = ledger.read(data_dir, rule)
    out: list[DayCounts] = []
    kept: list[ledger.CountEntry] = []
    folder = os.path.join(data_dir, "")  # paths as strings: thousands of days, no Path object each
    for day in days:
        path = folder + layout.snapshot_name(day)
        size = sizes[day] if day in sizes else _size(path)
        entry = entries.get(day)
        if day in known:
            counted = known[day].day_counts
        elif entry is not None and entry.size == size:
            out.append(DayCounts(day, entry.new, entry.cross, entry.updated))
            kept.append(entry)  # what the file says, as it says it
            continue
        else:
            counted = count_day(config, day, _papers(Path(path), day))
        out.append(counted)
        kept.append(ledger.CountEntry(day, size, counted.new, counted.cross, counted.updated))
    return out, ledger.dumps(rule, kept)


def counts_file(config: Config, done: Collection[tuple[DayCounts, int]]) -> bytes:
    """``data/counts.json`` from counts made with their snapshot's size (a rebuild has them all)."""
    entries = [ledger.CountEntry(c.day, size, c.new, c.cross, c.updated) for c, size in done]
    return ledger.dumps(listing_rule(config), entries)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError as e:
        raise StoreError(cannot_read(path, e)) from e


def _papers(path: Path, day: dt.date) -> list[Paper]:
    try:
        content = path.read_bytes()
    except OSError as e:
        raise StoreError(cannot_read(path, e)) from e
    return snapshots.loads(content, source=str(path), day=day)
