"""The database mirrors data/*.jsonl: `sync` imports what changed, drops what is gone, and re-reads only the
files whose size or modification time moved since it last looked (not its inode or ctime: a folder restored
from a cache keeps its days); the days table keeps each day's counts."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest

from arxiv_digest.cli.history import REMOTE_MAX_PAGES
from arxiv_digest.facts import RULES_VERSION
from arxiv_digest.jobs.remote import DEFAULT_MAX_PAGES
from arxiv_digest.jobs.search import search
from arxiv_digest.models import Facts, Paper
from arxiv_digest.query import parse_query
from arxiv_digest.store import Store, open_store, read_store, snapshot
from tests.sitebuild import DEMO

DAYS = (dt.date(2026, 6, 29), dt.date(2026, 6, 30))


def _data(root: Path) -> Path:
    papers = snapshot.loads(DEMO.read_bytes(), source="demo")[:40]
    data = root / "data"
    data.mkdir()
    for day in DAYS:
        day_papers = [dataclasses.replace(p, announced=day) for p in papers]
        (data / f"{day}.jsonl").write_bytes(snapshot.dumps(day_papers))
    return data


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = Path.read_bytes

    def counting(self: Path) -> bytes:
        seen.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return seen


def test_sync_reads_only_the_files_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    open_store(db, data).close()
    reads = _reads(monkeypatch)
    with open_store(db, data) as store:  # nothing changed: no file read, nothing imported
        assert reads == []
        assert [d.day for d in store.days()] == list(DAYS)
    first = data / f"{DAYS[0]}.jsonl"
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 1_000_000))  # touched
    with open_store(db, data) as store:
        assert reads == [first.name]  # read and hashed again: same bytes, so not imported
        report = store.sync(data)
        assert report.imported == () and reads == [first.name]  # and recorded: not read a third time


def test_sync_imports_an_edited_day_and_drops_a_deleted_one(tmp_path: Path) -> None:
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    open_store(db, data).close()
    edited = data / f"{DAYS[1]}.jsonl"
    lines = edited.read_text(encoding="utf-8").splitlines()
    victim = snapshot.loads(edited.read_bytes(), source="x")[0]
    lines[0] = lines[0].replace(victim.title.replace('"', '\\"'), "A corrected title")
    edited.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (data / f"{DAYS[0]}.jsonl").unlink()
    with open_store(db, data) as store:
        assert [d.day for d in store.days()] == [DAYS[1]]
        titles = {p.id: p.title for p in store.papers_for_day(DAYS[1])}
        assert titles[victim.id] == "A corrected title"


def _announce_counts(db: Path) -> dict[dt.date, dict[str, int]]:
    """Counted the slow way, from every announcement: what the days table must agree with."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT day, announce_type, count(*) FROM announcements GROUP BY 1, 2")
        out: dict[dt.date, dict[str, int]] = {}
        for day, kind, n in rows:
            out.setdefault(dt.date.fromisoformat(day), {})[kind] = n
        return out


def test_the_days_counts_follow_every_write_and_replacement(tmp_path: Path) -> None:
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    everything = snapshot.loads(DEMO.read_bytes(), source="demo")
    kinds = sorted({p.announce_type for p in everything}, key=lambda k: k.value)
    assert len(kinds) > 1  # the demo day mixes new papers and cross-lists
    papers = [
        dataclasses.replace(p, announced=DAYS[0]) for k in kinds for p in everything if p.announce_type is k
    ][::7]
    (data / f"{DAYS[0]}.jsonl").write_bytes(snapshot.dumps(papers))
    with open_store(db, data) as store:
        assert {d.day: d.counts for d in store.days()} == _announce_counts(db)
        assert len(store.days()[0].counts) > 1
        # The day replaced by fewer papers, of one kind: its counts are the new ones, the other day's kept.
        fewer = [p for p in papers if p.announce_type.value == "new"][:7]
        with store.transaction():
            store.replace_day(DAYS[0], fewer, "sha-of-a-smaller-day")
        summaries = {d.day: (d.paper_count, d.counts) for d in store.days()}
        assert summaries[DAYS[0]] == (7, {"new": 7})
        assert {d.day: d.counts for d in store.days()} == _announce_counts(db)
        with store.transaction():
            store.drop_day(DAYS[1])
        assert [d.day for d in store.days()] == [DAYS[0]]
    # A sync re-imports the snapshot (its hash is not the stored one): the counts are the file's again.
    with open_store(db, data) as store:
        assert {d.day: d.counts for d in store.days()} == _announce_counts(db)
        assert sum(store.days()[0].counts.values()) == len(papers) == store.days()[0].paper_count


def test_a_restored_cache_with_new_inodes_and_ctimes_reads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workflow cache restores the database; the files are copies (new inode, new ctime) with the same
    size and modification time: the record still holds, so no snapshot is read again."""
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    open_store(db, data).close()
    for path in sorted(data.iterdir()):
        st = path.stat()
        copy = path.with_name(path.name + ".copy")
        copy.write_bytes(path.read_bytes())
        path.unlink()
        copy.rename(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert path.stat().st_ino != st.st_ino or path.stat().st_ctime_ns != st.st_ctime_ns
    reads = _reads(monkeypatch)
    with open_store(db, data) as store:
        assert reads == [] and [d.day for d in store.days()] == list(DAYS)


def test_sync_days_imports_only_the_days_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    reads = _reads(monkeypatch)
    with Store.open(db) as store:
        report = store.sync_days(data, [DAYS[1]])
        assert report.imported == (DAYS[1],) and reads == [f"{DAYS[1]}.jsonl"]
        assert [d.day for d in store.days()] == [DAYS[1]]
        assert store.sync(data).imported == (DAYS[0],)  # a full sync imports the rest
        assert [d.day for d in store.days()] == list(DAYS)


def test_a_day_written_after_the_index_is_built_is_indexed_with_it(tmp_path: Path) -> None:
    """Issue #12: the run tops the index up for the day it stores, so the next search indexes nothing."""
    data = _data(tmp_path)
    db = tmp_path / "digest.db"
    with open_store(db, data) as store:
        assert store.ensure_search_index() == 80  # the first search builds it
        tables = {name for (name,) in store.conn.execute("SELECT name FROM sqlite_master")}
        assert "search_index_content" not in tables  # contentless: the texts are not stored twice
        new_day = dt.date(2026, 7, 1)
        papers = snapshot.loads((data / f"{DAYS[0]}.jsonl").read_bytes(), source="x")[:6]
        renamed = [dataclasses.replace(p, announced=new_day, title=f"Zyxwvut {p.title}") for p in papers]
        with store.transaction():
            store.replace_day(new_day, renamed, "sha")
        assert store.ensure_search_index() == 0  # nothing left to index
        found = search(store, parse_query("zyxwvut"))
        assert sorted(r.paper.id for r in found) == sorted(p.id for p in papers)
        assert {r.paper.announced for r in found} == {new_day}
        with store.transaction():  # replaced: the old rows leave the index, the new ones enter it
            store.replace_day(new_day, renamed[:2], "sha2")
        assert len(search(store, parse_query("zyxwvut"))) == 2
        assert search(store, parse_query("zyxwvut")) == search(store, parse_query("zyxwvut"), use_index=False)
        with store.transaction():  # dropped: its rows leave the index (FTS5 agrees with itself after it)
            store.drop_day(new_day)
        store.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
        assert search(store, parse_query("zyxwvut")) == []


def test_days_written_into_a_built_index_keep_it_exact_through_its_merges(tmp_path: Path) -> None:
    """Issue #15: a day's rows enter the index in rowid order as one segment, with FTS5's automatic merging
    off ('automerge' 0, set in the index's config by the first top-up); 20 days written, some rewritten and
    one dropped, pass 16 segments on a level (FTS5's 'crisismerge'), and the index still proposes exactly
    what a scan of every row finds."""
    data = _data(tmp_path)
    with open_store(tmp_path / "digest.db", data) as store:
        store.ensure_search_index()
        papers = snapshot.loads(DEMO.read_bytes(), source="demo")[:12]
        days = [dt.date(2026, 7, 1) + dt.timedelta(days=i) for i in range(20)]
        for i, day in enumerate(days):
            # each paper's words change with the day, so a day rewritten with stale words would show
            day_papers = [
                dataclasses.replace(p, announced=day, title=f"{p.title} Qw{i}x") for p in papers[: 6 + i % 7]
            ]
            with store.transaction():
                store.replace_day(day, day_papers, f"sha{i}")
        with store.transaction():  # rewritten (fewer papers, other words) and dropped
            store.replace_day(days[3], [dataclasses.replace(papers[0], announced=days[3])], "again")
            store.drop_day(days[5])
        config = dict(store.conn.execute("SELECT k, v FROM search_index_config"))
        assert config.get("automerge") == 0
        store.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
        for query in ("qw3x", "qw5x", "qw12x", "learning", "qw1x OR qw19x", "learning ANDNOT qw7x"):
            indexed = search(store, parse_query(query))
            assert indexed == search(store, parse_query(query), use_index=False), query
        assert search(store, parse_query("qw3x")) == [] and search(store, parse_query("qw5x")) == []
        assert len(search(store, parse_query("qw12x"))) == 6 + 12 % 7


def _index_words(store: Store) -> list[tuple[object, ...]]:
    """Every word the search index holds and where (FTS5's own vocabulary of the contentless table)."""
    store.conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.words USING fts5vocab(main, search_index, instance)"
    )
    return sorted(store.conn.execute("SELECT term, doc, col, offset FROM temp.words"))


def test_a_day_indexed_from_the_papers_in_hand_holds_the_words_its_rows_give(tmp_path: Path) -> None:
    """Issue #15: a run's day enters the index from the papers it writes, not decoded again from its rows.
    The words must be those its rows give (a contentless index removes a row by giving them again), facts
    included: a paper without facts, or with facts of older rules, is indexed with the facts its row reads
    back with (made by the current rules)."""
    day = dt.date(2026, 7, 1)
    papers = [dataclasses.replace(p, announced=day) for p in snapshot.loads(DEMO.read_bytes(), source="x")]
    with_code = [p for p in papers if p.facts is not None and p.facts.has_code][:4]
    others = [p for p in papers if p not in with_code][:12]
    assert len(with_code) == 4
    stale = Facts(rules=RULES_VERSION + 1)  # says "no code", by rules that are not the current ones
    mixed = [
        *(dataclasses.replace(p, facts=None if i % 2 else stale) for i, p in enumerate(with_code)),
        *others,
    ]

    def from_rows(name: str, day_papers: list[Paper]) -> list[tuple[object, ...]]:
        with Store.open(tmp_path / name) as store:  # written first, then indexed from the rows
            with store.transaction():
                store.replace_day(day, day_papers, "sha")
            store.ensure_search_index()
            return _index_words(store)

    with Store.open(tmp_path / "topped-up.db") as store:
        store.ensure_search_index()  # built (empty): the day is indexed as it is written
        with store.transaction():
            store.replace_day(day, mixed, "sha")
        assert _index_words(store) == from_rows("built.db", mixed)
        assert any(term == "code" for term, *_ in _index_words(store))
        with store.transaction():  # rewritten: the old words leave, by the words its rows give
            store.replace_day(day, mixed[2:6], "sha2")
        store.conn.execute("INSERT INTO search_index (search_index) VALUES ('integrity-check')")
        assert _index_words(store) == from_rows("rebuilt.db", mixed[2:6])


def test_search_reads_the_newest_days_first_whatever_order_they_were_stored_in(tmp_path: Path) -> None:
    """Rowids follow days, so FTS5's own rowid order is newest first (no sort of every match): a day
    imported after a newer one still comes after it, and a date range is honoured at its edges."""
    db = tmp_path / "digest.db"
    papers = snapshot.loads(DEMO.read_bytes(), source="demo")[:30]
    days = [dt.date(2026, 6, 30), dt.date(2024, 1, 2), dt.date(2025, 3, 4), dt.date(2026, 6, 29)]
    with Store.open(db) as store:
        for day in days:  # out of order, as a backfill or a late day stores them
            with store.transaction():
                store.replace_day(day, [dataclasses.replace(p, announced=day) for p in papers], str(day))
        store.ensure_search_index()
        word = "learning"
        seen = [p.announced for p in store.candidates(word, None, None)]
        assert seen == sorted(seen, reverse=True) and set(seen) == set(days)
        everything = [p.announced for p in store.candidates(None, None, None)]
        assert everything == sorted(everything, reverse=True) and len(everything) == 4 * len(papers)
        ranged = {p.announced for p in store.candidates(word, dt.date(2025, 3, 4), dt.date(2026, 6, 29))}
        assert ranged == {dt.date(2025, 3, 4), dt.date(2026, 6, 29)}
        found = search(store, parse_query(word), limit=3)
        assert [r.paper.announced for r in found] == [days[0]] * 3


def test_the_command_line_default_for_remote_pages_is_the_library_default() -> None:
    assert REMOTE_MAX_PAGES == DEFAULT_MAX_PAGES


def test_a_stored_text_that_is_not_utf8_met_by_a_search_is_damage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the search index is built, a search reads the papers it proposes through it: a title whose
    page was overwritten (not UTF-8, which we never store) is damage there too, so the database is moved
    aside and rebuilt from data/ and the search answers, rather than failing on "the search index"."""
    data = _data(tmp_path)
    db = tmp_path / "digest.db"

    def titles(store: Store) -> list[str]:
        return [r.paper.title for r in search(store, parse_query("model OR agents"))]

    with open_store(db, data) as store:
        expected = titles(store)  # (and the index is built)
    assert len(expected) > 5
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        overwritten = "UPDATE announcements SET title = CAST(x'c328ff' AS TEXT) WHERE title = ?"
        conn.execute(overwritten, (expected[0],))
    assert read_store(db, data, titles) == expected
    assert "the database is damaged (a stored text is not UTF-8 in column 'title')" in caplog.text
    assert db.with_name("digest.db.corrupt").is_file()


def test_one_transaction_commits_whole_or_not_at_all(tmp_path: Path) -> None:
    """`store.transaction()`: a block inside another is part of it; an exception anywhere rolls back all."""
    papers = snapshot.loads(DEMO.read_bytes(), source="demo")[:5]
    db = tmp_path / "digest.db"

    def write(store: Store, *, fail: bool) -> None:
        with store.transaction():
            store.replace_day(DAYS[0], [dataclasses.replace(p, announced=DAYS[0]) for p in papers], "a")
            with store.transaction():
                store.replace_day(DAYS[1], [dataclasses.replace(p, announced=DAYS[1]) for p in papers], "b")
            if fail:
                raise KeyboardInterrupt  # not only errors: a ^C mid-run too

    with Store.open(db) as store:
        with pytest.raises(KeyboardInterrupt):
            write(store, fail=True)
        assert store.days() == []
        write(store, fail=False)
    with Store.open(db) as store:  # and committed: another connection sees it
        assert [(d.day, d.paper_count) for d in store.days()] == [(DAYS[0], 5), (DAYS[1], 5)]
