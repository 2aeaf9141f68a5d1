"""Issue #7 audited point by point (the gaps the audit found, each reproduced on real files, real SQLite and
the fake arXiv on 127.0.0.1):

- `search`, `explain` and `rank` take no lock: while a run writes the folder they read the database as
  last committed (one read transaction, read-only), never the run's half-written state, never writing,
  never waiting for the run (which once made them fail after 30 s with "database is locked");
- their probe of the lock never makes a run fail.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from arxiv_digest.output.lock import OutputLock, writer_pid
from arxiv_digest.store import open_store
from tests.conftest import CliResult, db_rows
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
DB = ".arxiv-digest/digest.db"


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit") / "digest"
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        fake.point(mp, delay="0.05")
        assert main(["-q", "init", str(out)]) == 0
        fake.announce(DAY, replaced_from="2025-10-15", replaced_count=20)
        assert main(["-q", "run", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
    return out


@pytest.fixture
def published(published_once: Path, tmp_path: Path) -> Path:
    out = tmp_path / "digest"
    shutil.copytree(published_once, out)
    return out


def database_bytes(digest: Path) -> dict[str, str]:
    """The database file and its write-ahead log (not the WAL index, which readers touch) -> SHA-256."""
    names = (DB, DB + "-wal")
    return {n: hashlib.sha256((digest / n).read_bytes()).hexdigest() for n in names if (digest / n).exists()}


@contextmanager
def run_mid_publication(digest: Path) -> Iterator[None]:
    """A run caught between its snapshot and its database commit, as `run_daily` is while it writes pages:
    the output lock held, a write transaction open that has dropped DAY (not committed), and DAY's
    snapshot on disk already rewritten with 10 of its papers. Rolled back and restored on leaving."""
    snapshot = digest / "data" / f"{DAY}.jsonl"
    original = snapshot.read_bytes()
    with OutputLock(digest), open_store(digest / DB, digest / "data") as store:
        store.conn.execute("BEGIN IMMEDIATE")
        try:
            store.drop_day(dt.date.fromisoformat(DAY))
            snapshot.write_bytes(b"".join(original.splitlines(keepends=True)[:10]))
            yield
        finally:
            store.conn.execute("ROLLBACK")
            snapshot.write_bytes(original)


def search_ids(cli: Cli, digest: Path, query: str = "model OR agent*") -> tuple[CliResult, list[str]]:
    result = cli("search", query, "--out", digest, "--json", "--limit", "1000")
    ids = [row["id"] for row in json.loads(result.out)] if result.exit_code == 0 else []
    return result, ids


def test_search_while_a_run_writes_reads_the_last_commit_without_writing_or_waiting(
    published: Path, cli: Cli
) -> None:
    _, before = search_ids(cli, published)
    assert len(before) > 10
    # the search index is dropped, so that a search would build it: under a run it must not
    with sqlite3.connect(published / DB) as conn:
        conn.execute("DELETE FROM search_state")
    rows, files = db_rows(published / DB), database_bytes(published)
    with run_mid_publication(published):
        began = time.monotonic()
        result, during = search_ids(cli, published)
        took = time.monotonic() - began
        assert database_bytes(published) == files  # nothing written: not the index, not a sync
    assert result.exit_code == 0, result.err
    assert during == before  # the committed day, whole: not the run's dropped day nor its 10-paper file
    assert took < 20  # it does not wait for SQLite's 30-second busy timeout (a bound, not a speed claim)
    assert f"a run (pid {os.getpid()}) is writing {published}" in result.err
    assert "as it was before that run" in result.err
    assert db_rows(published / DB) == rows
    with sqlite3.connect(published / DB) as conn:
        assert conn.execute("SELECT count(*) FROM search_state").fetchone()[0] == 0
    # once the run is over, search brings the database up to date and builds its index as before
    result, after = search_ids(cli, published)
    assert after == before and "is writing" not in result.err
    with sqlite3.connect(published / DB) as conn:
        assert conn.execute("SELECT count(*) FROM search_state").fetchone()[0] == 1


def test_explain_while_a_run_writes_reads_the_last_commit(published: Path, cli: Cli) -> None:
    line = (published / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    paper = json.loads(line)["id"]  # not among the 10 papers the run's half-written snapshot keeps
    with run_mid_publication(published):
        result = cli("explain", "--config", published / "config.yml", "--id", paper, "--out", published)
    assert result.exit_code == 0, result.err
    assert result.out.startswith(paper) and f"  {DAY}  " in result.out.splitlines()[0]
    assert "is writing" in result.err


def test_search_while_a_run_writes_a_database_it_is_creating_exits_1(tmp_path: Path, cli: Cli) -> None:
    digest = tmp_path / "digest"
    (digest / "data").mkdir(parents=True)
    (digest / "data" / f"{DAY}.jsonl").write_text("", encoding="utf-8")
    with OutputLock(digest):
        result = cli("search", "model", "--out", digest)
    assert result.exit_code == 1
    assert result.err == (
        f"error: a run (pid {os.getpid()}) is writing {digest} and {digest / DB} does not exist yet: "
        "run again when it is done\n"
    )
    assert not (digest / DB).exists()


def test_a_run_starting_during_a_readers_probe_takes_the_lock(published: Path) -> None:
    """A reader's probe holds the lock shared for an instant: a run starting then waits it out."""
    (published / ".arxiv-digest" / "lock").touch()
    fd = os.open(published / ".arxiv-digest" / "lock", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    release = threading.Timer(0.05, os.close, (fd,))
    release.start()
    try:
        with OutputLock(published):
            assert writer_pid(published) == str(os.getpid())
    finally:
        release.join()
    assert writer_pid(published) is None


def test_the_probe_creates_no_lock_file(tmp_path: Path) -> None:
    assert writer_pid(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------------
# the newer features attacked as a new user would


def test_python_m_arxiv_digest_exits_with_the_commands_code(tmp_path: Path) -> None:
    """`python -m arxiv_digest` once exited 0 whatever happened (main's code was dropped)."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "arxiv_digest", "week", "--config", tmp_path / "none.yml", "--out", tmp_path],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr


@pytest.mark.parametrize("label", ["２０２６-W27", "2026-W٢7"])
def test_a_week_in_other_digits_is_a_usage_error_not_a_second_page(
    label: str, published: Path, cli: Cli
) -> None:
    result = cli("week", "--config", published / "config.yml", "--out", published, "--week", label)
    assert result.exit_code == 2
    assert f"not an ISO week: {label!r}" in result.err
    assert not any(label in p.name for p in published.rglob("*"))


def test_a_csl_json_file_nested_thousands_deep_is_a_config_error_with_its_line() -> None:
    from arxiv_digest.errors import ConfigError
    from arxiv_digest.sources.csl_json import parse_csl_json

    text = '[{"id": "a", "title": "T"},\n' + "[" * 100_000 + "]" * 100_000 + "]"
    with pytest.raises(ConfigError) as raised:
        parse_csl_json(text, path="lib.json")
    assert "lib.json:2" in str(raised.value) and "nested too deeply" in str(raised.value)


def test_zotero_and_model_bodies_nested_thousands_deep_are_not_json() -> None:
    from arxiv_digest.summarize.client import _error_text

    body = b"[" * 100_000 + b"]" * 100_000
    assert _error_text(body).startswith("[[[")  # not a RecursionError
