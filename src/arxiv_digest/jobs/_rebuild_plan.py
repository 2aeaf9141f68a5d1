"""What a rebuild renders (issue #15): each day whole, its changed topics' pages alone, or nothing, from
the last rebuild's manifest (``_manifest``); and the next manifest from what the jobs did.

A day is skipped when its inputs are the manifest's (its key), its pages are there as recorded and the
database holds its snapshot; only its changed topics' pages are rendered when that holds and only some
topics' settings changed. Everything is rendered (a full rebuild) without a manifest, with ``--full``, when
the package, a library it renders with, a setting other than the topics or a template changed, when the
topics were added, removed, renamed or reordered (every day's README lists them), when the last rebuild did
not finish, and with a reader's library or summaries (their inputs are not recorded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..output import layout
from ..store import incomplete
from ._manifest import DayRecord, Manifest, Stat, day_key, global_key, identity, topic_key, unchanged
from ._rebuild_jobs import DayDone, DayJob
from ._seen import SnapshotIndex

WHOLE = "whole"
SKIP = "skip"
#: A day's plan: WHOLE, SKIP, or the names of the topics whose pages alone are rendered.
Mode = str | tuple[str, ...]


@dataclass(slots=True)
class Plan:
    global_: str
    topics: list[tuple[str, str]]
    modes: dict[dt.date, Mode]
    old: Manifest | None  # None: a full rebuild
    reason: str  # why it is full, or "incremental"
    shas: dict[dt.date, str] = field(default_factory=dict)  # of the snapshots, known before the jobs

    @property
    def changed_topics(self) -> bool:
        return any(isinstance(m, tuple) for m in self.modes.values())

    def renders(self, day: dt.date) -> bool:
        return self.modes[day] != SKIP


def recordable(config: Config) -> bool:
    """Whether a manifest can describe this config's pages (a library's ranking and the summaries read
    inputs it does not record)."""
    ranking = config.library is not None and config.rank.top > 0
    return not ranking and config.summaries is None


def _full(config: Config, files: Mapping[dt.date, Path], reason: str, old: Manifest | None) -> Plan:
    exact = config.templates_dir is not None
    topics = [(t.name, topic_key(t, exact=exact)) for t in config.topics]
    return Plan(global_key(config), topics, dict.fromkeys(files, WHOLE), None, reason)


def plan(
    config: Config,
    out_dir: Path,
    files: Mapping[dt.date, Path],
    stored: Mapping[dt.date, str | None],
    index: SnapshotIndex,
    old: Manifest | None,
    *,
    full: bool,
) -> Plan:
    """What to render for each day of ``files``; ``stored``: the database's snapshot hashes."""
    data = out_dir / layout.DATA
    if full:
        return _full(config, files, "a full rebuild (asked for, or a new database)", old)
    if not recordable(config):
        return _full(config, files, "a library or summaries are configured", old)
    if old is None:
        return _full(config, files, "no manifest of a finished rebuild", old)
    result = _full(config, files, "incremental", old)
    if old.global_ != result.global_:
        result.reason = "the package, a template or a setting other than the topics changed"
        return result
    if [n for n, _ in old.topics] != [n for n, _ in result.topics]:
        result.reason = "topics were added, removed, renamed or reordered"
        return result
    changed = tuple(n for (n, k), (_, k2) in zip(old.topics, result.topics, strict=True) if k != k2)
    if changed and (config.templates_dir is not None or _ambiguous(config, changed)):
        result.reason = "a topic changed and its pages cannot be told apart from the others'"
        return result
    result.old = old
    result.shas = snapshot_shas(files, old)
    keys = day_keys(result.global_, files, result.shas, index)
    marked = set(incomplete.marked_days(data))
    for day in files:
        rec = old.days.get(day)
        if (
            rec is None
            or rec.key != keys[day]
            or stored.get(day) != rec.sha
            or day in marked
            or not unchanged(out_dir, rec.files)
        ):
            continue  # WHOLE
        result.modes[day] = changed if changed else SKIP
    return result


def _ambiguous(config: Config, changed: Sequence[str]) -> bool:
    """A changed topic's slug that another page's name could extend (``A`` and ``A-2``, its part 2)."""
    slugs = [t.slug for t in config.topics]
    for t in config.topics:
        if t.name in changed:
            part = re.compile(rf"{re.escape(t.slug)}-\d+")
            if any(part.fullmatch(s) for s in slugs):
                return True
    return False


def snapshot_shas(files: Mapping[dt.date, Path], old: Manifest) -> dict[dt.date, str]:
    """Each snapshot's SHA-256: the manifest's, for a file it recorded that is still the same file."""
    out = {}
    for day, path in files.items():
        rec = old.days.get(day)
        if rec is not None and identity(path) == rec.snapshot:
            out[day] = rec.sha
        else:
            try:
                out[day] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                out[day] = ""  # the day's job reports it
    return out


def day_keys(
    global_: str, files: Mapping[dt.date, Path], shas: Mapping[dt.date, str], index: SnapshotIndex
) -> dict[dt.date, str]:
    """Each day's inputs: its snapshot, its rules' window, its neighbours, the day list its README shows
    (how many, the newest seven), whether it is the latest."""
    days = sorted(files)
    recent = days[::-1][:7]
    out = {}
    for i, day in enumerate(days):
        neighbours = (days[i - 1] if i > 0 else None, days[i + 1] if i + 1 < len(days) else None)
        window = [shas.get(d, "") for d in index.window(day)]
        out[day] = day_key(global_, shas[day], window, neighbours, len(days), recent, day == days[-1])
    return out


def topic_files(files: Mapping[str, Stat], day: dt.date, slugs: Sequence[str], latest: bool) -> list[str]:
    """The recorded files of a day that are pages of the topics ``slugs`` (Markdown parts included)."""
    md = [layout.archive_folder(day) + f"{layout.TOPICS}/"] + ([f"{layout.TOPICS}/"] if latest else [])
    html = [layout.in_site(f"day/{day.isoformat()}/topic/")] + ([layout.in_site("topic/")] if latest else [])
    names = [re.compile(rf"{re.escape(s)}(-\d+)?\.md") for s in slugs]
    out = []
    for rel in files:
        folder, _, name = rel.rpartition("/")
        markdown = f"{folder}/" in md and any(n.fullmatch(name) for n in names)
        if markdown or (f"{folder}/" in html and any(name == f"{s}.html" for s in slugs)):
            out.append(rel)
    return out


def job_extras(config: Config, plan: Plan, day: dt.date, latest: bool) -> dict[str, object]:
    """What a day's job needs besides the day: for a topics-only day, the recorded listings and files."""
    mode = plan.modes[day]
    if not isinstance(mode, tuple) or plan.old is None:
        return {}
    rec = plan.old.days[day]
    slugs = [t.slug for t in config.topics if t.name in mode]
    recorded = tuple(topic_files(rec.files, day, slugs, latest))
    published = tuple(
        sorted(r for r in rec.files if r.startswith(layout.in_site("day/")) and r.endswith(".html"))
    )
    return {"only": mode, "members": rec.members, "recorded": recorded, "published": published}


def record(
    plan: Plan,
    files: Mapping[dt.date, Path],
    index: SnapshotIndex,
    done: Mapping[dt.date, DayDone],
    jobs: Mapping[dt.date, DayJob],
    weeks: dict[str, dict[str, Stat]],
) -> Manifest:
    """The manifest of this rebuild: every day as now published."""
    shas = {**plan.shas, **{d: r.sha for d, r in done.items()}}
    keys = day_keys(plan.global_, files, shas, index)
    out = Manifest(plan.global_, plan.topics, weeks=weeks)
    for day, path in files.items():
        stat = identity(path) or (0, 0, 0)
        if day not in done:
            assert plan.old is not None
            rec = plan.old.days[day]
            rec.key, rec.snapshot = keys[day], stat
            out.days[day] = rec
            continue
        d = done[day]
        kept: dict[str, Stat] = {}
        if d.partial and plan.old is not None:
            gone = set(jobs[day].recorded)
            kept = {k: v for k, v in plan.old.days[day].files.items() if k not in gone}
        c = d.counts
        out.days[day] = DayRecord(
            keys[day],
            d.sha,
            stat,
            (c.new, c.cross, c.updated),
            d.size,
            d.papers,
            d.listed,
            d.members,
            d.scores,
            {**kept, **d.files},
        )
    return out
