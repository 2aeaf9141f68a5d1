"""`site: false` after the site was on (issue #7): `run` and `rebuild` remove the files of `site/` that
arxiv-digest writes (the paths of its layout) and the folders that leaves empty, never a user's own file;
`site: true` again makes the whole site on the next `run`, as `rebuild` would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.output.layout import is_site_file
from tests import sitebuild
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]

#: Files a user may keep in site/ (a GitHub Pages domain, a page, an image, notes beside the pages).
USER_FILES = {
    "CNAME": b"digest.example.org\n",
    "about.html": b"<p>My own page</p>\n",
    "assets/logo.png": b"\x89PNG\r\n\x1a\n",
    "day/notes.txt": b"kept by hand\n",
}


def site_files(out: Path) -> dict[str, str]:
    return {k[len("site/") :]: v for k, v in tree_state(out).items() if k.startswith("site/")}


def set_site(out: Path, on: bool) -> None:
    config = out / "config.yml"
    text = config.read_text(encoding="utf-8").replace("\nsite: false\n", "\n").replace("\nsite: true\n", "\n")
    config.write_text(text + ("\nsite: true\n" if on else "\nsite: false\n"), encoding="utf-8")


def test_the_layout_names_every_file_the_site_has(tmp_path: Path) -> None:
    sitebuild.build(tmp_path)
    files = site_files(tmp_path)
    assert len(files) > 60 and all(is_site_file(rel) for rel in files)
    assert not any(is_site_file(rel) for rel in USER_FILES)


@pytest.mark.parametrize("with_user_files", [False, True], ids=["only-ours", "with-user-files"])
def test_rebuild_with_site_false_removes_the_site_it_wrote(tmp_path: Path, with_user_files: bool) -> None:
    sitebuild.build(tmp_path)
    for rel, content in USER_FILES.items() if with_user_files else ():
        (tmp_path / "site" / rel).write_bytes(content)
    others = {k: v for k, v in tree_state(tmp_path).items() if not k.startswith("site/")}
    set_site(tmp_path, False)
    config = load_config(tmp_path / "config.yml")
    result = rebuild(config, tmp_path, jobs=1)
    assert result.deleted >= 60
    if with_user_files:
        assert {rel: (tmp_path / "site" / rel).read_bytes() for rel in site_files(tmp_path)} == USER_FILES
        assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [
            "CNAME",
            "about.html",
            "assets",
            "day",
        ]
        assert [p.name for p in (tmp_path / "site" / "day").iterdir()] == ["notes.txt"]
    else:
        assert not (tmp_path / "site").exists()
    # The Markdown is as before, but for nothing: the site's removal touched only site/.
    after = {k: v for k, v in tree_state(tmp_path).items() if not k.startswith("site/")}
    assert after == {**others, "config.yml": after["config.yml"]}
    assert rebuild(config, tmp_path, jobs=1).deleted == 0  # re-running removes nothing more


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def test_run_removes_the_site_with_site_false_and_makes_it_whole_again_with_site_true(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    for day in ("2025-06-06", "2025-10-15"):
        arxiv_env.announce(day)
        assert run(cli, digest_dir).exit_code == 0
    (digest_dir / "site" / "CNAME").write_bytes(USER_FILES["CNAME"])
    set_site(digest_dir, False)
    arxiv_env.announce("2026-06-30", replaced_from="2025-10-15", replaced_count=20)
    assert run(cli, digest_dir).exit_code == 0
    assert site_files(digest_dir) == {"CNAME": tree_state(digest_dir)["site/CNAME"]}
    assert (digest_dir / "data" / "2026-06-30.jsonl").is_file()

    # On again: the next run writes the site of every stored day, not only its own.
    set_site(digest_dir, True)
    assert run(cli, digest_dir).exit_code == 0  # the same day again
    regenerated = site_files(digest_dir)
    for day in ("2025-06-06", "2025-10-15", "2026-06-30"):
        assert f"day/{day}.html" in regenerated and f"day/{day}/topic/LLM.html" in regenerated
    # ... the same site a rebuild makes from scratch.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for rel in ("config.yml", *(f"data/{d}.jsonl" for d in ("2025-06-06", "2025-10-15", "2026-06-30"))):
        (fresh / rel).parent.mkdir(parents=True, exist_ok=True)
        (fresh / rel).write_bytes((digest_dir / rel).read_bytes())
    rebuild(load_config(fresh / "config.yml"), fresh, jobs=1)
    assert regenerated == {**site_files(fresh), "CNAME": regenerated["CNAME"]}
