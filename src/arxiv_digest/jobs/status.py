"""Is a digest up to date? What ``arxiv-digest status`` reports (issue #5): the last published day and its
counts, the weekdays missing since, and the warnings worth a look.

Everything is read from what the output folder commits, never from the database (GitHub Actions rebuilds it
on every run, and a fresh clone has none): the days are ``data/<day>.jsonl``, the parse warnings of a day
``data/<day>.meta.json`` (written by ``run``, see :mod:`arxiv_digest.store.meta`), its deliveries
``delivery/<day>.json``, a publication that did not finish ``data/<day>.incomplete``
(:mod:`arxiv_digest.store.incomplete`: exit 1 until a run finishes the day). Nothing is written, and
no lock is taken: a monitor polling ``status`` must never make the daily run fail with "another run".

"Missing" counts the weekdays after the last published day up to today in US Eastern time, the calendar
arXiv announces on: its feed holds a day from midnight ET, Monday to Friday. A holiday with no announcement
counts as missing too, which is why staleness has a threshold (``max_missing``) rather than "any". A stored
day after today (``models.is_after_today``, the rule ``run`` refuses such a feed by) is no last day: it is
reported as a day in the future, and the folder as not OK (issue #7).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..match.digest import build_digest
from ..match.seen import Earlier, window_start
from ..models import DayCounts, arxiv_today, is_after_today
from ..notify import read_state, state_path
from ..notify.redact import Redactor
from ..output import layout
from ..store import incomplete as unfinished
from ..store import meta as day_meta
from ..store import snapshot as snapshots
from ..wording import counted
from ._comments import is_incomplete_warning
from ._seen import SnapshotIndex
from ._summaries import status_lines

#: More weekdays than this without a digest and the digest is stale (``status`` exits 1).
DEFAULT_MAX_MISSING = 3
#: How many missing days the text report names before "… and N more" (``--json`` lists them all).
SHOWN_MISSING = 5


@dataclass(frozen=True, slots=True)
class Status:
    out_dir: Path
    today: dt.date
    max_missing: int
    days_stored: int = 0
    last_day: dt.date | None = None
    papers: int = 0
    by_type: dict[str, int] | None = None  # announce type -> papers, for the last day
    listed: int | None = None  # None when no config says what is listed
    topics: dict[str, int] | None = None
    missing: tuple[dt.date, ...] = ()
    warnings: tuple[str, ...] = ()
    incomplete: tuple[dt.date, ...] = ()  # days a run began publishing and did not finish (issue #7)
    counts: DayCounts | None = None  # what the last day's pages list, by kind (with a config)
    future: tuple[dt.date, ...] = ()  # stored days after today: a wrong date, never "the last day"
    summaries: str | None = None  # the last day's summaries in one line (issue #11), when it had some

    @property
    def is_stale(self) -> bool:
        return self.last_day is None or len(self.missing) > self.max_missing

    @property
    def is_ok(self) -> bool:
        """Up to date, wholly published, and no day stored from the future: what exit 0 means."""
        return not self.is_stale and not self.incomplete and not self.future

    def to_json(self) -> dict[str, Any]:
        return {
            "out": str(self.out_dir),
            "today": self.today.isoformat(),
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "days_stored": self.days_stored,
            "papers": self.papers,
            "by_type": self.by_type or {},
            "listed": self.listed,
            "listed_by_kind": self.counts.by_kind() if self.counts else None,
            "topics": self.topics,
            "missing": [d.isoformat() for d in self.missing],
            "max_missing": self.max_missing,
            "stale": self.is_stale,
            "incomplete": [d.isoformat() for d in self.incomplete],
            "future": [d.isoformat() for d in self.future],
            "ok": self.is_ok,
            "warnings": list(self.warnings),
            "summaries": self.summaries,
        }


def today_in_arxiv_tz(now: dt.datetime | None = None) -> dt.date:
    """Today's date on arXiv's calendar (US Eastern)."""
    return arxiv_today(now)


def weekdays_after(last: dt.date, until: dt.date) -> list[dt.date]:
    """Monday-to-Friday dates ``d`` with ``last < d <= until``: the days arXiv could have announced."""
    out = []
    day = last
    while day < until:  # never steps past ``until``: no overflow at 9999-12-31
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            out.append(day)
    return out


def leftover_temp_files(out_dir: Path) -> list[Path]:
    """``.<name>.<pid>.tmp`` files a killed run left (the next run removes them); hidden folders such as
    ``.git`` and the state folder are not searched."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(out_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / f for f in sorted(files) if layout.is_temp_name(f))
    return found


def read_status(
    out_dir: Path,
    *,
    today: dt.date | None = None,
    config: Config | None = None,
    max_missing: int = DEFAULT_MAX_MISSING,
) -> Status:
    """What the output folder says about itself. Raises StoreError for an unreadable last snapshot."""
    today = today or today_in_arxiv_tz()
    data_dir = out_dir / layout.DATA
    files = snapshots.day_files(data_dir)
    marked, warnings = _unfinished(out_dir, files)
    future = tuple(day for day in files if is_after_today(day, today))
    first = [_future_warning(future, today)] if future else []  # the problem to fix before any other
    past = {day: path for day, path in files.items() if day not in future}
    if not past:
        first.append(f"no day published yet in {data_dir}; run `arxiv-digest run`")
        return Status(
            out_dir, today, max_missing, future=future, warnings=(*first, *warnings), incomplete=marked
        )

    last_day, path = next(reversed(past.items()))
    papers = snapshots.loads(path.read_bytes(), source=str(path), day=last_day)
    by_type = Counter(p.announce_type.value for p in papers)
    listed = topics = counts = None
    if config is not None:
        digest = build_digest(config, last_day, papers, earlier=_earlier(config, past, last_day))
        counts = digest.day_counts
        listed = counts.total
        topics = {t.topic.name: len(t.papers) for t in digest.topics}
    summaries, summary_warnings = _summary_lines(data_dir, last_day, config)
    missing = weekdays_after(last_day, today)
    warnings = [
        *_missing_warnings(last_day, missing, max_missing),
        *_parse_warnings(data_dir, last_day),
        *warnings,
        *summary_warnings,
        *_delivery_warnings(out_dir, last_day, config),
    ]
    return Status(
        out_dir,
        today,
        max_missing,
        days_stored=len(files),
        last_day=last_day,
        papers=len(papers),
        by_type={kind: by_type[kind] for kind in sorted(by_type)},
        listed=listed,
        topics=topics,
        missing=tuple(missing),
        warnings=(*first, *warnings),
        counts=counts,
        future=future,
        incomplete=marked,
        summaries=summaries,
    )


def _unfinished(out_dir: Path, files: dict[dt.date, Path]) -> tuple[tuple[dt.date, ...], list[str]]:
    """The days not wholly published (a failed or killed run, an unfinished rebuild), and the warnings of
    what a killed run left: the rebuild's first, then each day's, then its temporary files."""
    data_dir = out_dir / layout.DATA
    marked = tuple(unfinished.marked_days(data_dir))
    warnings = [
        f"{day}: not wholly published: a run failed or was killed while writing it "
        f"({unfinished.marker_path(data_dir, day).relative_to(out_dir).as_posix()} is there); "
        "run `arxiv-digest run` again, or `arxiv-digest rebuild`"
        for day in marked
    ]
    if unfinished.rebuild_unfinished(data_dir):  # a rebuild republishes every day: each one is in doubt
        marked = tuple(sorted({*marked, *files}))
        marker = unfinished.rebuild_marker_path(data_dir).relative_to(out_dir).as_posix()
        warnings.insert(
            0,
            f"a rebuild began and did not finish ({marker} is there): pages may be missing or stale; "
            "run `arxiv-digest rebuild`",
        )
    leftovers = leftover_temp_files(out_dir)
    if leftovers:
        shown = ", ".join(p.relative_to(out_dir).as_posix() for p in leftovers[:3])
        warnings.append(
            f"a run was killed while writing: {counted(len(leftovers), 'temporary file')} left ({shown}"
            f"{', …' if len(leftovers) > 3 else ''}); the next run removes them"
        )
    return marked, warnings


def _missing_warnings(last_day: dt.date, missing: Sequence[dt.date], max_missing: int) -> list[str]:
    if not missing:
        return []
    stale = len(missing) > max_missing
    return [
        f"no digest for {counted(len(missing), 'weekday')} since {last_day} ({shorten(missing)})"
        + (
            f": more than {max_missing}, so the daily run is probably failing; look at its log"
            if stale
            else ": a holiday, or today's run has not happened yet"
        )
    ]


def _summary_lines(data_dir: Path, last_day: dt.date, config: Config | None) -> tuple[str | None, list[str]]:
    """The last day's summaries in one line, and its failed and remaining ones as warnings (issue #11):
    warnings, never errors. Nothing once ``summaries:`` is removed (an old record says nothing then).
    The words go through the cut of the secrets this process knows, the summaries' key among them: a
    record edited by hand, or written by an older version, may hold it."""
    meta = day_meta.read(data_dir, last_day)
    if not meta or meta.summaries is None or (config is not None and config.summaries is None):
        return None, []
    line, warnings = status_lines(last_day.isoformat(), meta.summaries)
    redactor = _redactor(config)
    return line, [redactor.message(w) for w in warnings]


def _redactor(config: Config | None) -> Redactor:
    """The cut of every secret this process knows: the SMTP password and the summaries' key from the
    environment, the webhook URLs when a config is given."""
    key_env = config.summaries.key_env if config is not None and config.summaries is not None else None
    return Redactor.for_delivery(
        config.notify if config is not None else None, os.environ, api_key_env=key_env
    )


def _parse_warnings(data_dir: Path, last_day: dt.date) -> list[str]:
    """What the last day's fetch warned about, kept in data/<day>.meta.json: the feed's parse warnings,
    then a failed completion of its comments from arXiv's API (issue #13), which is no format change."""
    meta = day_meta.read(data_dir, last_day)
    if not meta or not meta.warnings:
        return []
    parse = [w for w in meta.warnings if not is_incomplete_warning(w)]
    completion = [f"{last_day}: {w}" for w in meta.warnings if is_incomplete_warning(w)]
    if not parse:
        return completion
    return [
        f"{last_day}: {counted(len(parse), 'parse warning')} when it was fetched; "
        f"did arXiv change its format? first: {parse[0]}",
        *(f"{last_day}: {w}" for w in parse[1:]),
        *completion,
    ]


def _delivery_warnings(out_dir: Path, last_day: dt.date, config: Config | None) -> list[str]:
    """The channels whose delivery of the last day failed. Channels are named, not URLs, and `run` stores
    errors with their secrets cut out; a record an older version wrote may still hold one, so what is
    printed goes through the same cut (:func:`_redactor`)."""
    redactor = _redactor(config)
    out = []
    for channel, record in sorted(read_state(state_path(out_dir, last_day)).items()):
        if record.get("status") == "failed":
            reason = redactor.message(str(record.get("last_error") or "no reason recorded"))
            out.append(f"{last_day}: delivery to {channel} failed ({reason}); run the day again to retry it")
    return out


def shorten(days: Sequence[dt.date], shown: int = SHOWN_MISSING) -> str:
    """The first ``shown`` days, then how many more: a digest stale for a year must not print 260 dates."""
    text = ", ".join(d.isoformat() for d in days[:shown])
    return text + (f" … and {len(days) - shown} more" if len(days) > shown else "")


def _future_warning(future: tuple[dt.date, ...], today: dt.date) -> str:
    shown = ", ".join(layout.in_data(layout.snapshot_name(d)) for d in future[:3])
    shown += ", …" if len(future) > 3 else ""
    it, its = ("it", "its") if len(future) == 1 else ("them", "their")
    return (
        f"{counted(len(future), 'day')} stored after today ({today}, US Eastern): {shown}. A feed with a "
        f"wrong date was published, and the latest day's pages are stuck on it: delete {it} and {its} "
        "pages (archive/<day>/, site/day/<day>.html, site/day/<day>/), then run `arxiv-digest rebuild`. "
        "If instead this machine's clock is wrong, correct it"
    )


def _papers_line(status: Status) -> str:
    """The last day's count as its README prints it (with a config), and what the feed announced."""
    kinds = ", ".join(f"{n} {kind}" for kind, n in (status.by_type or {}).items())
    announced = f"{status.papers} announced ({kinds})"
    if status.counts is None:
        return announced
    c = status.counts
    line = f"{c.total} ({c.new} new, {counted(c.cross, 'cross-list')}, {c.updated} updated)"
    return line if c.total == status.papers else f"{line}, of {announced}"


def render_text(status: Status) -> str:
    """The human-readable report ``status`` prints."""
    headline = (
        "INCOMPLETE"
        if status.incomplete
        else "OK"
        if status.is_ok
        else "STALE"
        if status.is_stale
        else "DAY IN THE FUTURE"
    )
    lines = [f"{status.out_dir}: {headline}"]
    if status.last_day is None:
        lines.append("  last day:  none")
    else:
        lines.append(
            f"  last day:  {status.last_day} ({status.last_day:%a}), "
            f"{counted(status.days_stored, 'day')} stored"
        )
        lines.append(f"  papers:    {_papers_line(status)}")
        if status.topics is not None:
            by_count = sorted(status.topics.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append("  topics:    " + (", ".join(f"{name} {n}" for name, n in by_count) or "none"))
        missing = shorten(status.missing) or "none"
        lines.append(f"  missing:   {missing} (today is {status.today} in US Eastern time)")
        if status.summaries is not None:
            lines.append(f"  summaries: {status.summaries}")
    if status.warnings:
        lines.append("  warnings:")
        lines.extend(f"    - {w}" for w in status.warnings)
    else:
        lines.append("  warnings:  none")
    return "\n".join(lines)


def _earlier(config: Config, files: dict[dt.date, Path], day: dt.date) -> Earlier | None:
    """What the snapshots hold of ``day``'s ids before it, for the papers-already-shown rules: the counts
    ``status`` prints are the ones the day's pages show. Only the files of the rules' window are read."""
    before = [d for d in files if d < day]
    start = window_start(config, day, max(before) if before else None)
    window = {d: path for d, path in files.items() if start <= d <= day}
    sources = SnapshotIndex(config, window).sources(day)
    return sources.load() if sources is not None else None
