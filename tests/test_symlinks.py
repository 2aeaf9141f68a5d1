"""Symbolic links inside the output folder (issue #7): arxiv-digest never writes or deletes through one.

Each case builds a real digest, puts a real symbolic link where one of its files or folders was (the real
one moved elsewhere, so that the link leads to the same content), and runs a command that would write
there. The command must exit 1 naming the link, and neither the output folder nor the place the link
points to may change: the refusal comes before the first write. The output folder itself may be a link.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.errors import PublishError
from arxiv_digest.output.files import Staging
from tests.conftest import CliResult
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
OLDER_DAY = "2025-10-15"


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def state(root: Path) -> dict[str, str]:
    """Everything under ``root``, links not followed: path -> the file's SHA-256, "dir", or "-> target"."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "dir"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def link_away(digest: Path, relative: str, elsewhere: Path) -> Path:
    """Move ``digest/relative`` to ``elsewhere`` and leave a symbolic link to it in its place."""
    original = digest / relative
    target = elsewhere / relative.replace("/", "_")
    shutil.move(original, target)
    os.symlink(target, original)
    return original


def refused(result: CliResult, link: Path) -> bool:
    return result.exit_code == 1 and f"{link} is a symbolic link inside the output folder" in result.err


def test_a_linked_lock_file_is_refused_and_its_target_not_truncated(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("a file the lock link points to\n", encoding="utf-8")
    (digest_dir / ".arxiv-digest").mkdir()
    lock = digest_dir / ".arxiv-digest" / "lock"
    os.symlink(precious, lock)
    before = state(digest_dir)

    result = run(cli, digest_dir)

    assert refused(result, lock), result.err
    assert precious.read_text(encoding="utf-8") == "a file the lock link points to\n"
    assert state(digest_dir) == before  # not a page, not a snapshot, not a database
    assert arxiv_env.requests == []  # refused before fetching


def test_a_linked_topic_folder_gets_no_page_and_loses_no_file(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"  # a folder of the user's, with Markdown files a stale-page sweep would take
    notes.mkdir()
    (notes / "reading-list.md").write_text("# mine\n", encoding="utf-8")
    (notes / "LLM.md").write_text("# also mine\n", encoding="utf-8")
    os.symlink(notes, digest_dir / "hot_topic")
    before, notes_before = state(digest_dir), state(notes)

    result = run(cli, digest_dir)

    assert refused(result, digest_dir / "hot_topic"), result.err
    assert state(notes) == notes_before
    assert state(digest_dir) == before
    assert not (digest_dir / "data" / f"{DAY}.jsonl").exists()


@pytest.mark.parametrize(
    "relative",
    [
        "README.md",
        "hot_topic/LLM.md",
        "category",
        "archive",
        f"archive/{DAY}",
        f"archive/{DAY}/hot_topic",
        "site",
        "site/day",
        "data",
        f"data/{DAY}.jsonl",
        ".arxiv-digest",
        ".arxiv-digest/digest.db",
        "delivery",
    ],
)
def test_a_link_anywhere_in_the_output_is_refused_before_anything_is_written(
    relative: str, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    assert run(cli, digest_dir).exit_code == 0
    if relative == "delivery":  # written only with a notify: section; a real one, as it would be
        (digest_dir / "delivery").mkdir()
        (digest_dir / "delivery" / f"{DAY}.json").write_text("{}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = link_away(digest_dir, relative, elsewhere)
    arxiv_env.announce(OLDER_DAY)  # a day that would be written into data/, archive/, site/ and README.md
    before, elsewhere_before = state(digest_dir), state(elsewhere)

    result = run(cli, digest_dir)

    assert refused(result, link), result.err
    assert state(digest_dir) == before
    assert state(elsewhere) == elsewhere_before
    if relative == ".arxiv-digest":
        assert "pass --db" in result.err  # the way to keep the database elsewhere


def test_a_run_checks_only_what_it_writes_and_rebuild_still_checks_everything(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    """Issue #12: a daily run checks the paths it writes (its days' folders, the top pages, data/, the
    state), not every page of the history; a link in a day folder it does not write is left alone, and
    `rebuild`, which writes every day, refuses it."""
    assert run(cli, digest_dir).exit_code == 0
    old_pages = digest_dir / "archive" / "2020-01-02"  # a day this run neither reads nor writes
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.md").write_text("# mine\n", encoding="utf-8")
    os.symlink(elsewhere, old_pages)
    arxiv_env.announce(OLDER_DAY)

    result = run(cli, digest_dir)

    assert result.exit_code == 0, result.err
    assert os.readlink(old_pages) == str(elsewhere)
    assert state(elsewhere) == {"notes.md": hashlib.sha256(b"# mine\n").hexdigest()}
    again = cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert refused(again, old_pages), again.err


def test_rebuild_refuses_a_linked_day_before_rewriting_any_day(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    assert run(cli, digest_dir).exit_code == 0
    arxiv_env.announce(OLDER_DAY)
    assert run(cli, digest_dir).exit_code == 0
    config = digest_dir / "config.yml"  # without Benchmark, a rebuild would delete its pages everywhere
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("  Benchmark:\n    keywords:\n      - Bench*\n    filters:\n", ""), "utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = link_away(digest_dir, f"archive/{OLDER_DAY}", elsewhere)
    before, elsewhere_before = state(digest_dir), state(elsewhere)

    result = cli("rebuild", "--config", config, "--out", digest_dir, "--jobs", "2")

    assert refused(result, link), result.err
    assert state(digest_dir) == before
    assert state(elsewhere) == elsewhere_before
    assert (digest_dir / "hot_topic" / "Benchmark.md").is_file()  # the latest day was not rewritten either


@pytest.mark.parametrize("command", ["run", "rebuild"])
def test_a_database_path_inside_the_output_that_is_a_link_is_refused(
    command: str, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.db"
    elsewhere.write_bytes(b"")
    link = digest_dir / "my.db"
    os.symlink(elsewhere, link)
    (digest_dir / "data").mkdir()  # so that rebuild has somewhere to look
    before = state(digest_dir)

    result = cli(command, "--config", digest_dir / "config.yml", "--out", digest_dir, "--db", link)

    assert refused(result, link), result.err
    assert elsewhere.read_bytes() == b""
    assert state(digest_dir) == before


def test_search_refuses_a_linked_state_folder(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    assert run(cli, digest_dir).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = link_away(digest_dir, ".arxiv-digest", elsewhere)
    elsewhere_before = state(elsewhere)

    result = cli("search", "LLM", "--out", digest_dir)  # search writes its index into the database

    assert refused(result, link), result.err
    assert state(elsewhere) == elsewhere_before


def test_the_output_folder_itself_may_be_a_link(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    alias = tmp_path / "alias"
    os.symlink(digest_dir, alias)

    result = cli("run", "--config", digest_dir / "config.yml", "--out", alias)

    assert result.exit_code == 0, result.err
    assert (digest_dir / "hot_topic" / "LLM.md").is_file()
    assert (digest_dir / "data" / f"{DAY}.jsonl").is_file()
    assert os.readlink(alias) == str(digest_dir)  # the link is left as it was


def test_demo_refuses_a_link_before_writing_its_config(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.md").write_text("# mine\n", encoding="utf-8")
    os.symlink(notes, out / "category")

    result = cli("demo", "--out", out)

    assert refused(result, out / "category"), result.err
    assert sorted(p.name for p in out.iterdir()) == ["category"]  # no config.yml, no data/
    assert [p.name for p in notes.iterdir()] == ["mine.md"]


def test_staging_checks_every_path_before_its_first_write(tmp_path: Path) -> None:
    """The commit's own check, for writers that hold no lock scan (and against a link made since)."""
    root = tmp_path / "out"
    (root / "archive").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "old.md").write_text("old\n", encoding="utf-8")
    os.symlink(elsewhere, root / "archive" / DAY)
    staging = Staging(root)
    staging.add("README.md", b"# index\n")  # staged first, would be written first
    staging.add_tree(f"archive/{DAY}/", {"README.md": b"# day\n"}, owned=[""])

    with pytest.raises(PublishError, match=f"{root / 'archive' / DAY} is a symbolic link"):
        staging.commit(first=["README.md"])

    assert not (root / "README.md").exists()
    assert [p.name for p in elsewhere.iterdir()] == ["old.md"]


def test_staging_refuses_to_delete_a_linked_stale_page(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "hot_topic").mkdir(parents=True)
    elsewhere = tmp_path / "Old.md"
    elsewhere.write_text("not arxiv-digest's\n", encoding="utf-8")
    os.symlink(elsewhere, root / "hot_topic" / "Old.md")
    staging = Staging(root)
    staging.add_tree("hot_topic/", {"New.md": b"# new\n"}, owned=[""])

    with pytest.raises(PublishError, match=r"Old\.md is a symbolic link"):
        staging.commit()

    assert (root / "hot_topic" / "Old.md").is_symlink()
    assert not (root / "hot_topic" / "New.md").exists()
