"""Measuring for ``bench_scale.py``: a command as a child process (wall, CPU, peak RSS), digest folders
cloned for each repetition, and the table of ratios against targets.

Wall and CPU time and peak RSS come from ``os.wait4`` in a small launcher process (see LAUNCHER): the
command's own and its waited-for children's (``rebuild``'s worker processes included) user + system time,
and the largest resident set of any one of them. They are the command's alone: the fake arXiv answers
from a thread of this process.

Cloning. A repetition must start from the same folder, and a run changes it (a new day, new pages, the
database). Copying 1.2M papers' pages for every repetition would take minutes, so a clone hard-links every
file (``cp -al``) and copies the database for real: ``arxiv-digest`` writes files by replacing them
(``os.replace``), never in place, so the master stays as it was; :func:`check_untouched` proves it after
each repetition (no file still shared with the master may be newer than the repetition's start).
A hard link changes a file's ctime, which the database's record of snapshot files includes, so a warm
clone is first opened once by a command that syncs it (``explain``, untimed): the state a daily run meets
on a machine where yesterday's run left the database.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

STATE_DIR = ".arxiv-digest"  # what a fresh clone lacks (the scaffold's .gitignore)


class BenchError(Exception):
    """A command failed, or the benchmark's own set-up went wrong."""


@dataclass(frozen=True, slots=True)
class Sample:
    wall_seconds: float
    cpu_seconds: float  # user + system, the child and its children
    rss_bytes: int | None  # peak resident set of the largest process (None: measured in this process)


@dataclass
class Results:
    """Samples by measurement key, and how long each part of the benchmark took."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    parts: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, sample: Sample) -> Sample:
        self.samples.setdefault(key, []).append(sample)
        return sample


#: Runs in a small Python process between this one and the command: it forks and execs the command, waits
#: for it with ``os.wait4``, and writes [status, wall, user, system, maxrss] to the file it is given. Why
#: not wait4 here: Linux starts a child's peak RSS at the RSS of the process it was forked from (``exec``
#: keeps the larger of the two), so a command forked from this process, which holds a feed, papers and
#: lxml, would report at least this process's size. Forked from the launcher, it starts from ~10 MB.
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as f:
    json.dump([os.waitstatus_to_exitcode(status), wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss], f)
"""


def run_child(
    argv: Sequence[str],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    ok: tuple[int, ...] = (0,),
) -> Sample:
    """Run ``argv`` to its end, its output to ``log``; a status outside ``ok`` raises with the log's end."""
    log.parent.mkdir(parents=True, exist_ok=True)
    report = log.with_suffix(".rusage.json")
    report.unlink(missing_ok=True)
    with log.open("wb") as out:
        launcher = [sys.executable, "-S", "-c", LAUNCHER, str(report), *map(str, argv)]
        subprocess.run(launcher, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, check=True)
    status, wall, user, system, maxrss_kib = json.loads(report.read_text(encoding="utf-8"))
    if status not in ok:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BenchError(f"exit {status}: {' '.join(map(str, argv))[:300]}\n{tail}")
    return Sample(wall, user + system, maxrss_kib * 1024)  # Linux counts ru_maxrss in KiB


def run_here(work: Callable[[], object]) -> Sample:
    """``work`` in this process: wall and CPU (``time.process_time``) time."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Sample(time.perf_counter() - wall, time.process_time() - cpu, None)


# -- folders ----------------------------------------------------------------------------------------------


def clone(master: Path, target: Path, *, database: bool) -> None:
    """``target``: every file of ``master`` hard-linked, and a real copy of its database when
    ``database`` (else none: a fresh clone of the digest repository)."""
    remove(target)
    target.mkdir(parents=True)
    entries = [str(p) for p in sorted(master.iterdir()) if p.name != STATE_DIR]
    if entries:
        subprocess.run(["cp", "-al", *entries, str(target)], check=True)
    if database and (master / STATE_DIR).is_dir():
        shutil.copytree(master / STATE_DIR, target / STATE_DIR)


def check_untouched(target: Path, since_ns: int) -> None:
    """No file still hard-linked to the master was written in place after ``since_ns``."""
    for folder, _, files in os.walk(target):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            if st.st_nlink > 1 and st.st_mtime_ns >= since_ns:
                raise BenchError(
                    f"{folder}/{name} was modified in place: the clone's master changed with it, so the "
                    "cached folders under benchmarks/.work/ are no longer what they were; delete them"
                )


def remove(path: Path) -> None:
    if path.exists():
        subprocess.run(["rm", "-rf", "--", str(path)], check=True)


def folder_bytes(path: Path) -> tuple[int, int]:
    """(files, bytes) under ``path``."""
    count = size = 0
    for folder, _, files in os.walk(path):
        for name in files:
            count += 1
            size += os.lstat(os.path.join(folder, name)).st_size
    return count, size


# -- report -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: ``ours`` against ``baseline`` (sample keys), on one metric."""

    label: str
    ours: str
    baseline: str | None
    metric: str  # "wall", "cpu" or "rss"
    at_most: float | None = None  # target: ratio of best times (wall, cpu) or bytes (rss)


def _values(samples: list[Sample], metric: str) -> list[float]:
    if metric == "wall":
        return [s.wall_seconds for s in samples]
    if metric == "cpu":
        return [s.cpu_seconds for s in samples]
    return [float(s.rss_bytes) for s in samples if s.rss_bytes is not None]


def _cell(values: list[float], metric: str) -> str:
    if not values:
        return "—"
    if metric == "rss":  # the worst repetition, against a limit
        return f"{max(values) / 2**20:,.0f} MB ({statistics.median(values) / 2**20:,.0f})"
    best, median = min(values), statistics.median(values)
    if best < 1:
        return f"{best * 1000:,.0f} ms ({median * 1000:,.0f})"
    return f"{best:,.2f} s ({median:,.2f})"


def table(results: Results, rows: Sequence[Row]) -> list[str]:
    """The table, Markdown: best (median) of each side, the ratio of best (of medians), target, result."""
    head = ("measurement", "ours", "baseline", "ratio", "target", "result")
    lines = []
    for row in rows:
        ours = _values(results.samples.get(row.ours, []), row.metric)
        base = _values(results.samples.get(row.baseline, []), row.metric) if row.baseline else []
        if not ours:
            continue
        ratio, verdict, target = "—", "(info)", "—"
        if base and row.metric != "rss" and min(base) > 0:
            best = min(ours) / min(base)
            ratio = f"{best:.2f}× ({statistics.median(ours) / statistics.median(base):.2f})"
            if row.at_most is not None:
                target, verdict = f"≤ {row.at_most:g}×", "pass" if best <= row.at_most else "FAIL"
        elif row.metric == "rss" and row.at_most is not None:
            target = f"< {row.at_most / 2**20:,.0f} MB"
            verdict = "pass" if max(ours) < row.at_most else "FAIL"
        cells = (row.label, _cell(ours, row.metric), _cell(base, row.metric), ratio, target, verdict)
        lines.append(cells)
    widths = [max(len(c[i]) for c in [head, *lines]) for i in range(len(head))]
    fmt = "| " + " | ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths)) + " |"
    out = [fmt.format(*head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return out + [fmt.format(*c) for c in lines]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        memory = 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.platform()}; {platform.python_implementation()} {platform.python_version()}; "
        f"{os.cpu_count()} CPUs ({cpu}); {memory / 2**30:.0f} GiB RAM; load average {load}"
    )
