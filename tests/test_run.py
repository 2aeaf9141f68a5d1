"""The whole CLI path against the fake arXiv on 127.0.0.1: `arxiv-digest run` fetches one real day and
publishes it; re-runs, empty days, lost databases, config changes and a second day behave as documented."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click
import pytest

from arxiv_digest.cli import cli as arxiv_cli
from arxiv_digest.facts import extract
from tests.conftest import INIT_TOPICS, CliResult, db_rows, tree_state
from tests.fakearxiv import FakeArxiv, feeds

Cli = Callable[..., CliResult]

DAY = "2026-06-30"
CATEGORIES = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")
TOPICS = INIT_TOPICS
DAY_PAGES = frozenset(
    {f"hot_topic/{t}.md" for t in TOPICS} | {f"category/{c}.md" for c in CATEGORIES} | {"README.md"}
)
RECORD_KEYS = [
    "id",
    "version",
    "title",
    "authors",
    "abstract",
    "categories",
    "announce_type",
    "announced",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "facts",  # issue #10: computed once, at ingestion
]
_ENTRY = re.compile(r"^- \*\*\[.*`arXiv:(?P<id>[^`]+)`.*$", re.MULTILINE)


def run(cli: Cli, digest: Path, *extra: str | Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest, *extra)


def rebuild(cli: Cli, digest: Path, *extra: str | Path) -> CliResult:
    return cli("rebuild", "--config", digest / "config.yml", "--out", digest, *extra)


def entries(path: Path) -> dict[str, str]:
    """A page's entries: arXiv id -> the entry's first line (title, id, categories and marks)."""
    return {m.group("id"): m.group(0) for m in _ENTRY.finditer(path.read_text(encoding="utf-8"))}


def category_entries(root: Path) -> dict[str, dict[str, str]]:
    """Category code -> its entries, every part of a split page included."""
    out: dict[str, dict[str, str]] = {}
    for code in CATEGORIES:
        found: dict[str, str] = {}
        for page in [root / "category" / f"{code}.md", *sorted((root / "category").glob(f"{code}-*.md"))]:
            found.update(entries(page))
        out[code] = found
    return out


def edit_config(digest: Path, old: str, new: str) -> None:
    path = digest / "config.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------


def test_run_publishes_the_day(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert f"{DAY}: " in result.out

    # One request for all categories, at the documented URL; then (`arxiv: comments`, on by default) the
    # export API asked for the day's papers, 100 ids a request, each id once (issue #13). This fake API
    # answers from its captures, which hold none of them: every comment stays None.
    items = {i.id: i for i in arxiv_env.items(list(CATEGORIES))}
    assert [r.path for r in arxiv_env.feed_requests()] == ["/rss/" + "+".join(CATEGORIES)]
    assert arxiv_env.requests[0].path.startswith("/rss/")
    assert all(r.headers["user-agent"].startswith("arxiv-digest/") for r in arxiv_env.requests)
    asked = [r.query["id_list"][0].split(",") for r in arxiv_env.api_requests()]
    assert len(asked) == -(-len(items) // 100) and all(len(ids) <= 100 for ids in asked)
    assert sorted(i for ids in asked for i in ids) == sorted(items)

    # The day's snapshot: every announced paper, one clean record each.
    lines = (digest_dir / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(items) > 500
    assert {r["id"] for r in records} == set(items)
    for record in records:
        assert list(record) == RECORD_KEYS
        assert record["facts"] == extract(record["abstract"], None, record["journal_ref"]).to_record()
        item = items[record["id"]]
        assert re.fullmatch(r"\d{4}\.\d{4,5}", record["id"])  # no version in the id
        assert type(record["version"]) is int and record["version"] == item.version
        assert record["title"] == " ".join(item.title.split())
        assert record["authors"] == list(item.authors)
        assert record["abstract"] == " ".join(item.abstract.split())
        assert record["categories"] == list(item.categories)  # primary first
        assert record["categories"][0] == item.categories[0]
        assert record["announce_type"] == item.announce_type
        assert record["announced"] == DAY
        assert record["comment"] is None and record["journal_ref"] is None and record["doi"] is None
        assert record["license"] == item.license
    kinds = {r["announce_type"] for r in records}
    assert kinds == {"new", "cross", "replace", "replace-cross"}

    # The pages of the day, at the root and in the archive.
    for rel in DAY_PAGES:
        assert (digest_dir / rel).is_file(), rel
        assert (digest_dir / "archive" / DAY / rel).is_file(), rel
    assert {p.name for p in (digest_dir / "hot_topic").glob("*.md")} == {f"{t}.md" for t in TOPICS}
    assert {p.name for p in (digest_dir / "category").glob("*.md")} == {f"{c}.md" for c in CATEGORIES}
    readme = (digest_dir / "README.md").read_bytes()
    assert len(readme) < 256 * 1024
    assert f"arXiv announcement of {DAY}".encode() in readme
    for topic in TOPICS:
        assert f"hot_topic/{topic}.md".encode() in readme
    for rel in DAY_PAGES - {"README.md"}:
        assert (digest_dir / "archive" / DAY / rel).read_bytes() == (digest_dir / rel).read_bytes(), rel
    archive_day_readme = (digest_dir / "archive" / DAY / "README.md").read_text(encoding="utf-8")
    assert f"arXiv announcement of {DAY}" in archive_day_readme
    archive = (digest_dir / "archive" / "README.md").read_text(encoding="utf-8")
    assert f"[{DAY}]({DAY}/README.md)" in archive

    # Every listed paper on exactly one category page (replace-cross is not listed by default).
    listed = category_entries(digest_dir)
    on_pages = [pid for found in listed.values() for pid in found]
    assert len(on_pages) == len(set(on_pages))
    assert set(on_pages) == {r["id"] for r in records if r["announce_type"] != "replace-cross"}
    assert f"{len(on_pages)} listed" in result.out


def test_rerun_changes_nothing(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    assert run(cli, digest_dir).exit_code == 0
    first_api_requests = len(arxiv_env.api_requests())
    before = tree_state(digest_dir)
    stamps = {
        p: p.stat().st_mtime_ns
        for p in digest_dir.rglob("*")
        if p.is_file() and ".arxiv-digest" not in p.parts  # the lock and the database
    }
    rows = db_rows(digest_dir / ".arxiv-digest" / "digest.db")
    again = run(cli, digest_dir)
    assert again.exit_code == 0, again.err
    assert "0 files written, 0 removed" in again.out
    assert "nothing changed" in again.out
    assert tree_state(digest_dir) == before
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # not even a timestamp
    assert db_rows(digest_dir / ".arxiv-digest" / "digest.db") == rows
    # A feed each time; the papers' comments only the first time (the re-run reads them from data/).
    assert len(arxiv_env.feed_requests()) == 2
    assert len(arxiv_env.api_requests()) == first_api_requests > 0


def test_replacements_and_cross_lists_are_marked(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    # One real cross-list, its tracked categories written in the opposite order to config.yml's: it
    # belongs on the first tracked category *it* is cross-listed to (cs.RO), not config.yml's first.
    target = next(i for i in arxiv_env.items(list(CATEGORIES)) if i.announce_type == "cross")
    untracked = target.categories[0]
    assert untracked not in CATEGORIES

    def reorder(items: list[feeds.FeedItem]) -> list[feeds.FeedItem]:
        return [
            replace(i, categories=(untracked, "cs.RO", "cs.AI")) if i.id == target.id else i for i in items
        ]

    arxiv_env.item_transform = reorder
    assert run(cli, digest_dir).exit_code == 0
    items = {i.id: i for i in arxiv_env.items(list(CATEGORIES))}
    listed = category_entries(digest_dir)

    line = listed["cs.RO"][target.id]
    assert f"↪️ **Cross-list** from `{untracked}`" in line
    assert target.id not in listed["cs.AI"]

    crosses = [i for i in items.values() if i.announce_type == "cross"]
    assert len(crosses) >= 5
    for item in crosses:
        home = next(c for c in item.categories[1:] if c in CATEGORIES)
        assert f"↪️ **Cross-list** from `{item.categories[0]}`" in listed[home][item.id]
    for item in items.values():
        if item.announce_type == "new":
            line = listed[item.categories[0]][item.id]  # on its primary category's page
            assert "Cross-list" not in line and "Updated" not in line

    replaced = [i for i in items.values() if i.announce_type == "replace"]
    assert len(replaced) >= 10
    tagged = 0
    for topic in TOPICS:
        for pid, line in entries(digest_dir / "hot_topic" / f"{topic}.md").items():
            if items[pid].announce_type == "replace":
                assert "🔄 **Updated** (v2)" in line, line
                tagged += 1
            else:
                assert "🔄" not in line, line
    assert tagged > 0
    for item in replaced:
        assert "🔄 **Updated** (v2)" in listed[item.categories[0]][item.id]
    # replace-cross is not listed unless `include:` asks for it.
    skipped = [i.id for i in items.values() if i.announce_type == "replace-cross"]
    assert skipped
    assert not any(pid in found for pid in skipped for found in listed.values())


def test_a_paper_with_an_untracked_primary_is_on_its_first_tracked_cross_list(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    cross = [i for i in arxiv_env.items(list(CATEGORIES)) if i.categories[0] not in CATEGORIES]
    assert run(cli, digest_dir).exit_code == 0
    listed = category_entries(digest_dir)
    for item in cross:
        tracked = [c for c in item.categories[1:] if c in CATEGORIES]
        if item.announce_type == "replace-cross":
            continue
        assert item.id in listed[tracked[0]]
        assert all(item.id not in listed[other] for other in CATEGORIES if other != tracked[0])


def test_a_topic_that_matches_nothing_gets_a_page_saying_so(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    edit_config(digest_dir, "topic:\n", "topic:\n  Nonsense:\n    keywords:\n      - qzxwvjkq\n")
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    page = (digest_dir / "hot_topic" / "Nonsense.md").read_text(encoding="utf-8")
    assert f"_No paper in the {DAY} announcement matched this topic._" in page
    assert "Papers-0-" in page
    assert entries(digest_dir / "hot_topic" / "Nonsense.md") == {}
    assert "[Nonsense](hot_topic/Nonsense.md) · 0" in (digest_dir / "README.md").read_text(encoding="utf-8")
    assert (digest_dir / "archive" / DAY / "hot_topic" / "Nonsense.md").read_text(encoding="utf-8") == page
    assert entries(digest_dir / "hot_topic" / "LLM.md")  # the other topics still match


def test_an_empty_feed_writes_nothing(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    arxiv_env.announce_nothing("2026-07-04")
    before = tree_state(digest_dir)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "announced nothing" in result.out
    assert "2026-07-04" in result.out
    assert "Nothing was written" in result.out
    assert tree_state(digest_dir) == before
    assert not (digest_dir / "data").exists()
    assert not (digest_dir / "hot_topic").exists()
    assert not (digest_dir / ".arxiv-digest" / "digest.db").exists()


def test_an_empty_feed_after_a_published_day_changes_nothing(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    assert run(cli, digest_dir).exit_code == 0
    before = tree_state(digest_dir)
    rows = db_rows(digest_dir / ".arxiv-digest" / "digest.db")
    arxiv_env.announce_nothing("2026-07-04")
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "announced nothing" in result.out
    assert tree_state(digest_dir) == before
    assert db_rows(digest_dir / ".arxiv-digest" / "digest.db") == rows


def _delete_db(digest: Path) -> None:
    for path in (digest / ".arxiv-digest").glob("digest.db*"):
        path.unlink()
    assert not (digest / ".arxiv-digest" / "digest.db").exists()


def test_a_deleted_database_is_recreated_from_data(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    db = digest_dir / ".arxiv-digest" / "digest.db"
    assert run(cli, digest_dir).exit_code == 0
    first_api_requests = len(arxiv_env.api_requests())
    pages, rows = tree_state(digest_dir), db_rows(db)
    assert rows

    _delete_db(digest_dir)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert db_rows(db) == rows
    assert tree_state(digest_dir) == pages

    _delete_db(digest_dir)  # and without the network
    result = rebuild(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "Rebuilt 1 day." in result.out
    assert db_rows(db) == rows
    assert tree_state(digest_dir) == pages
    # Two feeds; the comments asked once: the second run found them in data/, the rebuild asks nothing.
    assert len(arxiv_env.feed_requests()) == 2
    assert len(arxiv_env.api_requests()) == first_api_requests > 0


def test_a_deleted_database_keeps_the_older_days(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    """The database is a cache of data/: after losing it, a new day still sees every earlier day."""
    arxiv_env.announce("2025-10-15")
    assert run(cli, digest_dir).exit_code == 0
    _delete_db(digest_dir)
    arxiv_env.announce(DAY)
    assert run(cli, digest_dir).exit_code == 0
    days = [row[0] for row in db_rows(digest_dir / ".arxiv-digest" / "digest.db") if len(row) == 3]
    assert days == ["2025-10-15", DAY]
    archive = (digest_dir / "archive" / "README.md").read_text(encoding="utf-8")
    assert "[2025-10-15](2025-10-15/README.md)" in archive and f"[{DAY}]({DAY}/README.md)" in archive


def test_rebuild_after_removing_a_topic_deletes_its_page(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    assert run(cli, digest_dir).exit_code == 0
    assert (digest_dir / "hot_topic" / "Benchmark.md").is_file()
    edit_config(digest_dir, "  Benchmark:\n    keywords:\n      - Bench*\n    filters:\n", "")
    result = rebuild(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert not (digest_dir / "hot_topic" / "Benchmark.md").exists()
    assert not (digest_dir / "archive" / DAY / "hot_topic" / "Benchmark.md").exists()
    assert "Benchmark" not in (digest_dir / "README.md").read_text(encoding="utf-8")
    assert {p.name for p in (digest_dir / "hot_topic").glob("*.md")} == {f"{t}.md" for t in TOPICS[:-1]}
    assert (digest_dir / "data" / f"{DAY}.jsonl").is_file()  # the history is kept
    assert len(arxiv_env.feed_requests()) == 1  # rebuild needs no network: the run's requests only
    assert arxiv_env.requests[-1].path == "/api/query"


def test_db_option_puts_the_database_elsewhere(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "state" / "other.db"
    result = run(cli, digest_dir, "--db", elsewhere)
    assert result.exit_code == 0, result.err
    assert not (digest_dir / ".arxiv-digest" / "digest.db").exists()
    rows = db_rows(elsewhere)
    assert rows[0][0] == DAY
    assert len(rows) == 1 + len(arxiv_env.items(list(CATEGORIES)))

    plain = tmp_path / "plain"  # the same day with the database in its default place
    assert cli("init", plain).exit_code == 0
    assert run(cli, plain).exit_code == 0
    assert tree_state(plain) == tree_state(digest_dir)

    again = rebuild(cli, digest_dir, "--db", elsewhere)
    assert again.exit_code == 0, again.err
    assert db_rows(elsewhere) == rows


@pytest.mark.parametrize(
    "order",
    [("2025-10-15", DAY), (DAY, "2025-10-15")],
    ids=["in-order", "older-day-late"],
)
def test_a_second_day_keeps_both_days(
    order: tuple[str, str], arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    for day in order:
        arxiv_env.announce(day)
        result = run(cli, digest_dir)
        assert result.exit_code == 0, result.err
    older, latest = "2025-10-15", DAY

    for day in (older, latest):
        for rel in DAY_PAGES:
            assert (digest_dir / "archive" / day / rel).is_file(), f"archive/{day}/{rel}"
        assert (digest_dir / "data" / f"{day}.jsonl").is_file()
    # The root shows the latest day, whatever order the days arrived in.
    for rel in DAY_PAGES - {"README.md"}:
        assert (digest_dir / rel).read_bytes() == (digest_dir / "archive" / latest / rel).read_bytes(), rel
    assert "· 2026-06-30" in (digest_dir / "hot_topic" / "LLM.md").read_text(encoding="utf-8")
    readme = (digest_dir / "README.md").read_text(encoding="utf-8")
    assert f"arXiv announcement of {latest}" in readme
    assert f"previous day ({older})" in readme
    archive = (digest_dir / "archive" / "README.md").read_text(encoding="utf-8")
    assert archive.index(f"[{latest}]") < archive.index(f"[{older}]")  # newest first
    # The days link to each other both ways.
    old_readme = (digest_dir / "archive" / older / "README.md").read_text(encoding="utf-8")
    assert f"[next day ({latest}) ➡️](../{latest}/README.md)" in old_readme
    new_readme = (digest_dir / "archive" / latest / "README.md").read_text(encoding="utf-8")
    assert f"[⬅️ previous day ({older})](../{older}/README.md)" in new_readme
    # What the runs published is what a rebuild from data/ publishes.
    state = tree_state(digest_dir)
    assert rebuild(cli, digest_dir).exit_code == 0
    assert tree_state(digest_dir) == state


# ---------------------------------------------------------------------------------------------------
# the other commands


@pytest.mark.parametrize("command", arxiv_cli.list_commands(click.Context(arxiv_cli)))
def test_every_command_help_has_an_example(command: str, cli: Cli) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.out
    assert "arxiv-digest " + command in result.out


def test_demo_works_offline(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("demo tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    out = tmp_path / "demo"
    result = cli("demo", "--out", out)
    assert result.exit_code == 0, result.err
    assert (out / "config.yml").is_file()
    assert (out / "data" / f"{DAY}.jsonl").is_file()
    for rel in DAY_PAGES:
        assert (out / rel).is_file(), rel
        assert (out / "archive" / DAY / rel).is_file(), rel
    assert f"arXiv announcement of {DAY}" in (out / "README.md").read_text(encoding="utf-8")
    assert entries(out / "hot_topic" / "LLM.md")
    again = cli("demo", "--out", out)
    assert again.exit_code == 0
    assert "nothing changed" in again.out


def test_init_refuses_to_overwrite_without_force(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    assert cli("init", target).exit_code == 0
    config = target / "config.yml"
    original = config.read_text(encoding="utf-8")
    mine = original.replace("  cs.RO: Robotics 🤖\n", "")
    assert mine != original
    config.write_text(mine, encoding="utf-8")

    kept = cli("init", target)
    assert kept.exit_code == 0, kept.err
    assert f"kept  {config}" in kept.out
    assert "--force" in kept.out
    assert config.read_text(encoding="utf-8") == mine

    forced = cli("init", target, "--force")
    assert forced.exit_code == 0, forced.err
    assert f"wrote {config}" in forced.out
    assert config.read_text(encoding="utf-8") == original
