"""Issue #7, the store and the history: each attack reproduced on real SQLite files and real folders, with
the fake arXiv on 127.0.0.1.

- a command that only reads (`search`, `explain`) never deletes a stored day: not with `--db FILE` and no
  `OUT/data/` (which once emptied the database), not when `OUT/data/` lacks a day the database holds;
- a day already stored is not replaced by a fetch of it with fewer than half its papers, unless `--force`;
- a database with damaged pages (found on opening or on any later read) is moved aside and rebuilt from
  `data/`, and `run`, `search`, `explain` and `rebuild` carry on;
- `search` and `explain` in a folder that refuses writes answer from what they can read;
- `status` names the first missing days and counts the rest;
- a run failing among its pages leaves `status` saying INCOMPLETE (exit 1) until a run finishes the day.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from tests.conftest import CliResult, db_rows, tree_state
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
OTHER = "2025-10-15"
DB = ".arxiv-digest/digest.db"
CATEGORIES = "cs.AI+cs.CL+cs.CV+cs.LG+cs.MA+cs.RO"


def run(cli: Cli, digest: Path, *extra: str | Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest, *extra)


def search(cli: Cli, *args: str | Path) -> CliResult:
    return cli("search", "model OR agent*", "--json", "--limit", "1000", *args)


def explain(cli: Cli, digest: Path, paper: str, *args: str | Path) -> CliResult:
    return cli("explain", "--config", digest / "config.yml", "--id", paper, *args)


def every_file(root: Path) -> dict[str, str]:
    """Every file under ``root``, the state folder (database, lock) included, with its SHA-256."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def first_paper(digest: Path) -> dict[str, str]:
    line = (digest / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record: dict[str, str] = json.loads(line)
    return record


def papers_of(digest: Path, day: str) -> int:
    return len((digest / "data" / f"{day}.jsonl").read_text(encoding="utf-8").splitlines())


def publish(out: Path, days: list[tuple[str, int]]) -> None:
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        fake.point(mp, delay="0.05")
        assert main(["-q", "init", str(out)]) == 0
        for day, replaced in days:
            fake.announce(day, replaced_from=OTHER, replaced_count=replaced)
            assert main(["-q", "run", "--config", str(out / "config.yml"), "--out", str(out)]) == 0


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DAY published by `run` (the day the fake arXiv announces by default), once per module."""
    out = tmp_path_factory.mktemp("hardening") / "digest"
    publish(out, [(DAY, 20)])
    return out


@pytest.fixture(scope="module")
def other_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another digest folder, holding OTHER only."""
    out = tmp_path_factory.mktemp("hardening-other") / "digest"
    publish(out, [(OTHER, 0)])
    return out


@pytest.fixture
def published(published_once: Path, tmp_path: Path) -> Path:
    out = tmp_path / "digest"
    shutil.copytree(published_once, out)
    return out


# ---------------------------------------------------------------------------------------------------
# 1. a command that only reads never deletes


def test_search_and_explain_with_db_alone_read_it_as_it_is(
    published: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`search --db FILE` outside the digest folder: `--out` is `.`, which has no data/. It used to sync
    the database against that empty history and drop every day, then find nothing."""
    db = published / DB
    rows = db_rows(db)
    expected = json.loads(search(cli, "--out", published).out)
    assert len(expected) > 50
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = search(cli, "--db", db)
    assert result.exit_code == 0, result.err
    assert json.loads(result.out) == expected
    assert f"no snapshot in data: reading {db} as it is, without bringing it up to date" in result.err
    paper = first_paper(published)
    said = explain(cli, published, paper["id"], "--db", db)
    assert said.exit_code == 0, said.err
    assert paper["title"] in said.out
    assert db_rows(db) == rows  # every day still there
    assert list(elsewhere.iterdir()) == []  # and nothing made in the current folder


def test_a_data_folder_without_days_deletes_nothing(published: Path, cli: Cli, tmp_path: Path) -> None:
    """The same with an OUT/data/ that exists but holds no day (only what remote searches kept, say)."""
    db = published / DB
    rows = db_rows(db)
    out = tmp_path / "remote-only"
    (out / "data" / "remote").mkdir(parents=True)
    result = search(cli, "--db", db, "--out", out)
    assert result.exit_code == 0, result.err
    assert len(json.loads(result.out)) > 50
    assert db_rows(db) == rows


def test_a_day_the_data_folder_lacks_is_kept(published: Path, other_once: Path, cli: Cli) -> None:
    """`--db` of one digest with `--out` of another: the other's day is imported, none is dropped (only
    `run` and `rebuild`, which own the folder, make the database mirror data/ exactly)."""
    db = published / DB
    result = search(cli, "--db", db, "--out", other_once)
    assert result.exit_code == 0, result.err
    assert {r["announced"] for r in json.loads(result.out)} == {DAY, OTHER}
    assert f"1 stored day(s) have no snapshot in {other_once / 'data'} ({DAY}): kept" in result.err
    assert sorted(row[0] for row in db_rows(db) if len(row) == 3) == [OTHER, DAY]


# ---------------------------------------------------------------------------------------------------
# 2. a day already stored is not replaced by a much smaller one


def test_a_refetched_day_that_shrinks_is_refused_unless_forced(
    published: Path, arxiv_env: FakeArxiv, cli: Cli
) -> None:
    stored = papers_of(published, DAY)
    assert stored > 300
    before = tree_state(published), db_rows(published / DB)
    arxiv_env.item_transform = lambda items: items[:10]  # the same day again, 10 items, no parse warning

    refused = run(cli, published)
    assert refused.exit_code == 1
    assert (
        f"error: {DAY} is already stored with {stored} papers, but arXiv's feed {arxiv_env.rss_url}"
        f"{CATEGORIES} now lists only 10 for it (fewer than half): not replacing it, nothing was written. "
        "If the smaller day is right, run again with --force"
    ) in refused.err
    assert (tree_state(published), db_rows(published / DB)) == before

    forced = run(cli, published, "--force")
    assert forced.exit_code == 0, forced.err
    assert f"{DAY}: 10 papers announced" in forced.out
    assert f"{DAY}: replacing its {stored} stored papers by 10 (--force)" in forced.err
    assert papers_of(published, DAY) == 10


def test_the_threshold_is_half_the_stored_papers(published: Path, arxiv_env: FakeArxiv, cli: Cli) -> None:
    stored = papers_of(published, DAY)
    half = math.ceil(stored / 2)
    before = tree_state(published)
    arxiv_env.item_transform = lambda items: items[: half - 1]
    assert run(cli, published).exit_code == 1
    assert tree_state(published) == before
    arxiv_env.item_transform = lambda items: items[:half]  # half of them: a real, if odd, update
    result = run(cli, published)
    assert result.exit_code == 0, result.err
    assert papers_of(published, DAY) == half


# ---------------------------------------------------------------------------------------------------
# 3. damaged pages inside a valid SQLite file


def damage(db: Path, where: str, needle: str) -> None:
    """Overwrite real pages of the database file: the b-tree page header of the page holding ``needle``
    (a paper's title), or two whole pages in the middle of the file. The header of the file stays valid,
    so the database opens; the damage shows when a query reaches those pages."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    content = bytearray(db.read_bytes())
    if where == "page-of-a-row":
        at = content.find(needle.encode("utf-8"))
        assert at > page_size, "the title should be on a page of the announcements table"
        start, length = at // page_size * page_size, 16  # page type, freeblock, cell count, content start
    else:
        start, length = len(content) // 2 // page_size * page_size, 2 * page_size
    content[start : start + length] = b"\xa5" * length
    db.write_bytes(content)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] != "ok"
    except sqlite3.DatabaseError:
        pass  # so damaged that the check itself cannot read it
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("command", "where"),
    [
        *((c, w) for c in ("run", "search", "rebuild") for w in ("page-of-a-row", "middle-of-the-file")),
        # explain reads one row through the id index: damage in the middle of the file is out of its way
        # (it answers right, and leaves the file for the next command that reaches the damage).
        ("explain", "page-of-a-row"),
    ],
)
def test_a_damaged_database_is_moved_aside_and_rebuilt(
    published: Path, arxiv_env: FakeArxiv, cli: Cli, tmp_path: Path, command: str, where: str
) -> None:
    paper = first_paper(published)
    clean = tmp_path / "clean"
    shutil.copytree(published, clean)

    def do(digest: Path) -> CliResult:
        if command == "run":
            return run(cli, digest)
        if command == "search":
            return cli("search", paper["title"], "--json", "--out", digest)
        if command == "explain":
            return explain(cli, digest, paper["id"], "--out", digest)
        return cli("rebuild", "--config", digest / "config.yml", "--out", digest)

    expected = do(clean)
    assert expected.exit_code == 0, expected.err
    db = published / DB
    damage(db, where, paper["title"])

    result = do(published)
    assert result.exit_code == 0, result.err
    assert result.out == expected.out.replace(str(clean), str(published))
    aside = db.with_name("digest.db.corrupt")
    assert f"{db}: the database is damaged (" in result.err
    assert f"moved it to {aside}, rebuilding it from the snapshots" in result.err
    assert "internal error" not in result.err
    assert aside.is_file() and integrity(db) == "ok"
    assert db_rows(db) == db_rows(clean / DB)
    assert tree_state(published) == tree_state(clean)


def test_a_damaged_database_with_no_snapshot_to_rebuild_it_from_is_an_error(
    published: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`search --db FILE` alone: moving FILE aside would leave nothing to search. Said, and FILE kept."""
    db = published / DB
    damage(db, "page-of-a-row", first_paper(published)["title"])
    damaged = db.read_bytes()
    monkeypatch.chdir(tmp_path)
    result = search(cli, "--db", db)
    assert result.exit_code == 1
    assert (
        f"error: {db}: the database is damaged (database disk image is malformed), and data holds no "
        "snapshot to rebuild it from; restore the file from a backup, or pass --out"
    ) in result.err
    assert db.read_bytes() == damaged


# ---------------------------------------------------------------------------------------------------
# 4. a folder that refuses writes


@contextlib.contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` and everything in it refuse writes: chmod, or, as root (whom chmod does not stop),
    the immutable attribute (`chattr +i`, which stops root too); skipped when neither works here."""
    paths = [folder, *folder.rglob("*")]
    modes = {p: p.stat().st_mode for p in paths}
    as_root = os.geteuid() == 0
    if as_root:
        if shutil.which("chattr") is None:
            pytest.skip("running as root, where chmod does not restrict, and there is no `chattr` here")
        done = subprocess.run(["chattr", "-R", "+i", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            reason = done.stderr.strip()
            pytest.skip(f"running as root, where chmod does not restrict, and `chattr +i` failed: {reason}")
    else:
        for p in reversed(paths):
            p.chmod(p.stat().st_mode & ~0o222)
    try:
        probe = folder / "probe"
        with pytest.raises(OSError):
            probe.write_bytes(b"")
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-R", "-i", str(folder)], check=True)
        else:
            for p, mode in modes.items():
                p.chmod(mode)


@pytest.mark.parametrize("with_db", [True, False], ids=["with-database", "fresh-clone"])
def test_search_and_explain_in_a_read_only_folder(
    published: Path, cli: Cli, tmp_path: Path, with_db: bool
) -> None:
    paper = first_paper(published)
    expected = search(cli, "--out", published)
    expected_explain = explain(cli, published, paper["id"], "--out", published)
    if not with_db:
        shutil.rmtree(published / ".arxiv-digest")
    before = every_file(published)
    with unwritable(published):
        result = search(cli, "--out", published)
        said = explain(cli, published, paper["id"], "--out", published)
    assert result.exit_code == 0, result.err
    assert json.loads(result.out) == json.loads(expected.out)
    assert f"{published / DB}: cannot write the database or its folder (" in result.err
    assert "in memory instead" in result.err
    assert (said.exit_code, said.out) == (0, expected_explain.out)
    assert every_file(published) == before  # not a byte written, not a file made


def test_search_when_a_file_stands_where_the_database_folder_goes(published: Path, cli: Cli) -> None:
    """A way to refuse writes that holds for root too: `.arxiv-digest` is a file, so no database can be
    made there; search reads data/ in memory and says why."""
    paper = first_paper(published)
    expected = search(cli, "--out", published)
    shutil.rmtree(published / ".arxiv-digest")
    (published / ".arxiv-digest").write_text("not a folder\n", encoding="utf-8")
    before = every_file(published)
    result = search(cli, "--out", published)
    assert result.exit_code == 0, result.err
    assert json.loads(result.out) == json.loads(expected.out)
    state = published / ".arxiv-digest"
    assert f"{published / DB}: cannot write the database or its folder (cannot create {state}" in result.err
    assert f"reading {published / 'data'} in memory instead" in result.err
    assert explain(cli, published, paper["id"], "--out", published).exit_code == 0
    assert every_file(published) == before


# ---------------------------------------------------------------------------------------------------
# 5. status shortens a long list of missing days


def test_status_names_the_first_missing_days_and_counts_the_rest(published: Path, cli: Cli) -> None:
    full = json.loads(cli("status", "--out", published, "--today", "2027-06-30", "--json").out)
    missing = full["missing"]
    assert len(missing) == 261  # a year of weekdays: --json lists every one
    result = cli("status", "--out", published, "--today", "2027-06-30")
    assert result.exit_code == 1
    first = ", ".join(missing[:5])
    assert f"  missing:   {first} … and 256 more (today is 2027-06-30 in US Eastern time)" in result.out
    assert f"no digest for 261 weekdays since {DAY} ({first} … and 256 more)" in result.out
    assert max(len(line) for line in result.out.splitlines()) < 200
    assert missing[5] not in result.out


# ---------------------------------------------------------------------------------------------------
# 6. a run that fails among its pages


@pytest.mark.parametrize("finish", ["rerun", "run-of-another-day", "rebuild"])
def test_a_run_failing_among_its_pages_is_incomplete_until_a_run_finishes_it(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path, finish: str
) -> None:
    clean = tmp_path / "clean"
    shutil.copytree(digest_dir, clean)
    assert run(cli, clean).exit_code == 0
    # A directory where a page must go: the file system refuses to replace it by the page.
    blocker = digest_dir / "archive" / DAY / "README.md"
    blocker.mkdir(parents=True)

    failed = run(cli, digest_dir)
    assert failed.exit_code == 1
    assert f"cannot write {blocker}: Is a directory" in failed.err
    assert (digest_dir / "data" / f"{DAY}.jsonl").is_file()  # the snapshot went first: status was fooled
    marker = digest_dir / "data" / f"{DAY}.incomplete"
    assert marker.is_file()
    report = cli("status", "--out", digest_dir, "--today", DAY)
    assert report.exit_code == 1
    assert report.out.splitlines()[0] == f"{digest_dir}: INCOMPLETE"
    assert (
        f"{DAY}: not wholly published: a run failed or was killed while writing it "
        f"(data/{DAY}.incomplete is there); run `arxiv-digest run` again, or `arxiv-digest rebuild`"
    ) in report.out
    as_json = json.loads(cli("status", "--out", digest_dir, "--today", DAY, "--json").out)
    assert (as_json["incomplete"], as_json["ok"], as_json["stale"]) == ([DAY], False, False)

    blocker.rmdir()
    if finish == "rerun":
        done = run(cli, digest_dir)
    elif finish == "rebuild":
        done = cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir)
    else:  # the feed has moved on to another day (an older one arriving late): the unfinished day is
        arxiv_env.announce(OTHER)  # published along with it
        done = run(cli, digest_dir)
        arxiv_env.announce(OTHER)
        assert run(cli, clean).exit_code == 0
    assert done.exit_code == 0, done.err
    assert not marker.exists()
    report = cli("status", "--out", digest_dir, "--today", DAY)
    assert (report.exit_code, report.out.splitlines()[0]) == (0, f"{digest_dir}: OK")
    assert tree_state(digest_dir) == tree_state(clean)
    assert db_rows(digest_dir / DB) == db_rows(clean / DB)


def test_a_rerun_of_a_published_day_leaves_no_marker(published: Path, arxiv_env: FakeArxiv, cli: Cli) -> None:
    before = tree_state(published)
    result = run(cli, published)
    assert result.exit_code == 0, result.err
    assert "0 files written, 0 removed" in result.out
    assert tree_state(published) == before
    assert not list((published / "data").glob("*.incomplete"))
