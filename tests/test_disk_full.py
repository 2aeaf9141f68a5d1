"""A full disk among the pages (issue #7): a clean error naming the file, nothing published half-way, and
`status` never reports the day as published until a run or a rebuild finishes it.

The output folder lives on a real tmpfs of a few megabytes (mounted by the test: root only, skipped
otherwise), so the kernel itself answers ENOSPC part-way through the pages: no patched `write`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv

Cli = Callable[..., CliResult]
DAY = "2026-06-30"


def _mount(point: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """A tmpfs of the given size; call again with a larger size to make room (a remount keeps the files)."""
    point = tmp_path / "disk"
    mounted = False

    def resize(size: str) -> Path:
        nonlocal mounted
        if not mounted:
            if not _mount(point, size):
                pytest.skip("needs root and a tmpfs mount to fill a real file system")
            mounted = True
        else:
            subprocess.run(["mount", "-o", f"remount,size={size}", str(point)], check=True)
        return point

    yield resize
    if mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _status(cli: Cli, out: Path) -> tuple[int, dict[str, object]]:
    result = cli("status", "--out", out, "--json", "--today", DAY)
    return result.exit_code, json.loads(result.out)


def test_demo_on_a_full_disk_is_incomplete_until_a_rebuild_finishes(
    cli: Cli, small_disk: Callable[[str], Path]
) -> None:
    out = small_disk("2m") / "digest"
    result = cli("demo", "--out", out)
    assert result.exit_code == 1
    assert "No space left on device" in result.err and str(out) in result.err
    assert "internal error" not in result.err
    # The snapshot is there, most pages are not: `status` must say so, not OK.
    assert (out / "data" / f"{DAY}.jsonl").is_file()
    code, status = _status(cli, out)
    assert code == 1
    assert status["incomplete"] == [DAY]
    assert any("rebuild began and did not finish" in w for w in status["warnings"])  # type: ignore[union-attr]

    small_disk("64m")
    assert cli("rebuild", "--config", out / "config.yml", "--out", out).exit_code == 0
    assert not (out / "data" / "rebuild.incomplete").exists()
    code, status = _status(cli, out)
    assert code == 0 and status["incomplete"] == []
    assert (out / "README.md").is_file() and (out / "site" / "index.html").is_file()


def test_run_on_a_full_disk_changes_nothing_published(
    arxiv_env: FakeArxiv, cli: Cli, tmp_path: Path, small_disk: Callable[[str], Path]
) -> None:
    disk = small_disk("64m")
    out = disk / "digest"
    assert cli("init", out).exit_code == 0
    arxiv_env.announce("2025-10-15")
    assert cli("run", "--config", out / "config.yml", "--out", out).exit_code == 0
    before = tree_state(out)
    used = shutil.disk_usage(disk).used

    # Room for the new day's snapshot and a few pages, not for all of them.
    small_disk(f"{(used + 1_500_000) // 1024}k")
    arxiv_env.announce(DAY, replaced_from="2025-10-15", replaced_count=20)
    result = cli("run", "--config", out / "config.yml", "--out", out)
    assert result.exit_code == 1
    assert "No space left on device" in result.err and "internal error" not in result.err
    after = tree_state(out)
    # Every page published before is as it was, and no new page is left half-published: what remains is
    # the fetched day's snapshot (nothing fetched is lost) and the marker that says it is unfinished.
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) <= {f"data/{DAY}.incomplete", f"data/{DAY}.jsonl"}
    code, status = _status(cli, out)
    assert code == 1 and DAY in status["incomplete"]  # type: ignore[operator]

    small_disk("64m")
    assert cli("run", "--config", out / "config.yml", "--out", out).exit_code == 0
    code, status = _status(cli, out)
    assert code == 0 and status["incomplete"] == [] and status["last_day"] == DAY
