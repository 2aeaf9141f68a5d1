"""SIGKILL at any moment (issue #5): `arxiv-digest run` is killed in a subprocess, then checked.

After every kill, each file under --out is wholly old (as before the run) or wholly new (as after a clean
run), never torn; temporary files may be left, but only under the name the `init` .gitignore excludes
(`.*.tmp`); a kill among the writes leaves `data/<day>.incomplete`, so `status` reports the day as not
wholly published (issue #7); the database passes `PRAGMA integrity_check` and holds the old day set or
the new one (one transaction per day, WAL). Then the next run completes, and the folder and the database
equal an uninterrupted run's.

Kill points: delays from outside, half spread evenly over a clean run (most land before the writes:
importing, fetching, parsing and rendering take most of a run) and half over the publication window a
clean run traced (about 60 ms); and, to hit the publication deterministically, kills *inside* the run at
chosen stages: before the k-th `os.replace` (the k-th file's temporary copy is on disk, the files before
it are new, the ones after old) and just before the database commit. The stage kills and the trace come
from a wrapper around the entry point in the test, not from a hook in the package.

The folder starts with one day published (2025-10-15) so that "old" content exists; half the delay kills
start without the database, as on GitHub Actions, where it is rebuilt on every run.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from tests.conftest import db_rows
from tests.fakearxiv import FakeArxiv

pytestmark = pytest.mark.slow

STATE = ".arxiv-digest"
DB = f"{STATE}/digest.db"
#: Present from before a run's first write until every file is written and the database committed.
MARKER = "data/2026-06-30.incomplete"
DELAY_KILLS = 10
ROOT = Path(__file__).resolve().parent.parent

# The entry point, optionally made to kill itself at a stage of the publication (CRASH_TEST_KILL_AT):
# "replace:<k>" just before the k-th os.replace (k = 0 is the snapshot), "commit" just before the
# database commit that follows the pages (the publication's; a sync before it commits too). SIGKILL from
# inside is the same signal as from outside, at an exact moment. With CRASH_TEST_TRACE=<file> it records
# when the publication began and when the database committed (time.monotonic() is one clock for every
# process on Linux).
ENTRY = """
import os, signal, time
stage = os.environ.get("CRASH_TEST_KILL_AT", "")
trace = os.environ.get("CRASH_TEST_TRACE")
def die():
    os.kill(os.getpid(), signal.SIGKILL)
if trace or stage == "commit":
    from arxiv_digest.store import _sqlite
    real_replace, real_commit, marks = os.replace, _sqlite.commit, {}
    def replace(src, dst, **kw):
        marks.setdefault("first_replace", time.monotonic())
        if "committed" not in marks:
            marks["before_commit"] = marks.get("before_commit", 0) + 1
        return real_replace(src, dst, **kw)
    def commit(conn):
        if "first_replace" in marks and not trace:
            die()
        real_commit(conn)
        if "first_replace" in marks:
            marks.setdefault("committed", time.monotonic())
    os.replace, _sqlite.commit = replace, commit
    if trace:
        import atexit, json
        atexit.register(lambda: open(trace, "w").write(json.dumps(marks)))
elif stage.startswith("replace:"):
    target, calls, real_replace = int(stage[8:]), [0], os.replace
    def replace(src, dst, **kw):
        if calls[0] == target:
            die()
        calls[0] += 1
        return real_replace(src, dst, **kw)
    os.replace = replace
from arxiv_digest.cli import main
raise SystemExit(main())
"""


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the state folder (lock, database), with its bytes."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(f"{STATE}/"):
            out[rel] = path.read_bytes()
    return out


def is_old_copy(rel: str) -> bool:
    """A replaced file's old bytes (``.<name>.old.<pid>.tmp``, a hard link), kept until the writes end."""
    return is_temporary(rel) and ".old." in rel.rsplit("/", 1)[-1]


def is_temporary(rel: str) -> bool:
    """A temporary file of an interrupted write: ignored by the .gitignore `init` writes."""
    gitignore = (ROOT / "src" / "arxiv_digest" / "scaffold" / "gitignore").read_text(encoding="utf-8")
    assert ".*.tmp" in gitignore.splitlines()
    return fnmatch.fnmatch(rel.rsplit("/", 1)[-1], ".*.tmp")


def integrity(db: Path) -> tuple[str, str]:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0], conn.execute(
            "PRAGMA journal_mode"
        ).fetchone()[0]


@dataclass
class Scenario:
    fake: FakeArxiv
    start: Path  # one day published
    old: dict[str, bytes]
    new: dict[str, bytes]
    old_rows: list[tuple[object, ...]]
    new_rows: list[tuple[object, ...]]
    clean_seconds: float
    publication: tuple[float, float]  # seconds after the start: the first file replaced, the commit
    replaces: int  # os.replace calls in a clean run: the files it writes
    env: dict[str, str] = field(default_factory=dict)


def command(out: Path) -> list[str]:
    return [sys.executable, "-c", ENTRY, "-q", "run", "--config", str(out / "config.yml"), "--out", str(out)]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    base = tmp_path_factory.mktemp("crash")
    start = base / "start"
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        fake.point(mp, delay="0.05")
        mp.delenv("CRASH_TEST_KILL_AT", raising=False)
        fake.announce("2025-10-15")
        assert main(["-q", "init", str(start)]) == 0
        assert main(["-q", "run", "--config", str(start / "config.yml"), "--out", str(start)]) == 0
        fake.announce("2026-06-30", replaced_from="2025-10-15", replaced_count=20)

        clean = base / "clean"
        shutil.copytree(start, clean)
        trace = base / "trace.json"
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", ENTRY, "run", "--config", str(clean / "config.yml"), "--out", str(clean)],
            env={**os.environ, "CRASH_TEST_TRACE": str(trace)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        clean_seconds = time.monotonic() - began
        assert done.returncode == 0, done.stderr
        marks = json.loads(trace.read_text())
        publication = (marks["first_replace"] - began, marks["committed"] - began)
        # The files of the day's publication, one os.replace each, before its database commit (a closed
        # week's pages, issue #10, are written after it, as a publication of their own).
        replaces = int(marks["before_commit"])
        assert replaces > 20
        yield Scenario(
            fake=fake,
            start=start,
            old=files(start),
            new=files(clean),
            old_rows=db_rows(start / DB),
            new_rows=db_rows(clean / DB),
            clean_seconds=clean_seconds,
            publication=publication,
            replaces=replaces,
            env=dict(os.environ),
        )


@dataclass
class Outcome:
    point: str
    killed: bool
    new_files: int  # files already in their new state when the process died
    temporaries: int  # copies of new content not yet renamed into place
    database: str  # "absent", "empty", "old" or "new"

    @property
    def phase(self) -> str:
        if not self.killed:
            return "finished before the kill"
        if self.database == "new":
            return "after the database commit"
        if self.new_files == 0 and self.temporaries == 0:
            return "before the first write"
        return "during the publication"


def check_after_kill(s: Scenario, out: Path, point: str, *, had_db: bool, killed: bool) -> Outcome:
    now = files(out)
    temporaries = [rel for rel in now if is_temporary(rel) and not is_old_copy(rel)]
    for rel in now:
        if is_old_copy(rel):  # the run keeps what it replaces, to give it back should a write fail
            folder, name = rel.rsplit("/", 1) if "/" in rel else ("", rel)
            original = f"{folder}/{name[1:].rsplit('.old.', 1)[0]}".lstrip("/")
            assert now[rel] == s.old.get(original), f"{point}: {rel} is not the old {original}"
    for rel in set(now) | set(s.old) | set(s.new):
        if rel in temporaries or is_old_copy(rel) or rel == MARKER:
            continue
        content = now.get(rel)
        assert content in (s.old.get(rel), s.new.get(rel)), f"{point}: {rel} is torn (neither old nor new)"
    db = out / DB
    if db.exists():
        assert integrity(db) == ("ok", "wal"), point
        rows = db_rows(db)
        states = {"empty": [], "old": s.old_rows, "new": s.new_rows}
        database = next((name for name, want in states.items() if rows == want), "partial")
        assert database in (("old", "new") if had_db else ("empty", "old", "new")), (
            f"{point}: the database holds a partial day"
        )
    else:
        assert not had_db, f"{point}: the database vanished"
        database = "absent"
    new_files = sum(1 for rel, c in now.items() if c == s.new.get(rel) and c != s.old.get(rel))
    if (new_files or temporaries) and database != "new":  # killed among the writes: `status` must see
        # the day as incomplete (after the commit the marker may be gone: the day is then whole)
        assert MARKER in now, f"{point}: a half-published day without its {MARKER}"
    return Outcome(point, killed, new_files, len(temporaries), database)


def complete_and_compare(s: Scenario, out: Path, point: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["-q", "run", "--config", str(out / "config.yml"), "--out", str(out)])
    assert code == 0, f"{point}: the next run failed: {err.getvalue()}"
    now = files(out)
    differ = sorted(rel for rel in set(now) | set(s.new) if now.get(rel) != s.new.get(rel))
    assert not differ, f"{point}: the next run did not converge to a clean run's pages: {differ}"
    assert db_rows(out / DB) == s.new_rows, point
    assert integrity(out / DB) == ("ok", "wal"), point


def kill_after(s: Scenario, out: Path, delay: float) -> bool:
    proc = subprocess.Popen(command(out), env=s.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60) == -signal.SIGKILL


def kill_at(s: Scenario, out: Path, stage: str) -> bool:
    done = subprocess.run(
        command(out), env={**s.env, "CRASH_TEST_KILL_AT": stage}, capture_output=True, timeout=60
    )
    return done.returncode == -signal.SIGKILL


def test_sigkill_at_any_moment_leaves_whole_files_and_the_next_run_converges(
    scenario: Scenario, tmp_path: Path
) -> None:
    s = scenario
    n = s.replaces
    stages = [f"replace:{k}" for k in sorted({0, 1, n // 2, n - 1})] + ["commit"]
    # Half the delays spread over a whole clean run (alternately without the database, which a run then
    # rebuilds first), half over its publication window, from the first file replaced to the commit.
    first, committed = s.publication
    half = DELAY_KILLS // 2
    over_run = [(i * s.clean_seconds / (half - 1), i % 2 == 0) for i in range(half)]
    over_publication = [(first + i * (committed - first) / (half - 1), True) for i in range(half)]
    points: list[tuple[str, float | str, bool]] = [
        (f"after {delay:.3f} s{'' if with_db else ' (no database)'}", delay, with_db)
        for delay, with_db in over_run + over_publication
    ] + [(f"at {stage}", stage, True) for stage in stages]
    outcomes = []
    for number, (point, when, with_db) in enumerate(points):
        out = tmp_path / f"p{number}"
        shutil.copytree(s.start, out)
        if not with_db:
            shutil.rmtree(out / STATE)
        killed = kill_at(s, out, when) if isinstance(when, str) else kill_after(s, out, when)
        outcomes.append(check_after_kill(s, out, point, had_db=with_db, killed=killed))
        complete_and_compare(s, out, point)
        shutil.rmtree(out)

    staged = outcomes[DELAY_KILLS:]
    assert all(o.killed for o in staged), [o.point for o in staged if not o.killed]
    # The stage kills did land mid-publication: k files new, the k-th one's temporary copy on disk; or
    # every file new and the database still old.
    for o, stage in zip(staged, stages, strict=True):
        if stage.startswith("replace:"):
            k = int(stage[8:])
            assert (o.new_files, o.temporaries, o.database) == (k, 1, "old"), o
        else:
            assert (o.new_files, o.temporaries, o.database) == (n, 0, "old"), o
    phases = Counter(o.phase for o in outcomes)
    assert phases["before the first write"] >= 2 and phases["during the publication"] >= len(stages)
    print(
        f"\nSIGKILL: {len(outcomes)} points: {half} delays spread over a {s.clean_seconds:.2f} s clean run, "
        f"{half} over its publication ({first:.2f}-{committed:.2f} s), and {len(stages)} stages of the "
        f"publication of {n} files ({', '.join(stages)}); "
        + ", ".join(f"{count} {phase}" for phase, count in sorted(phases.items()))
        + "; every file whole, the database intact, the next run equal to an uninterrupted one"
    )
