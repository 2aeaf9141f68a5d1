"""Golden files for our own pages: the demo day rendered with the default config, byte for byte.

A change to the layout shows up here as a diff to review. To accept it, rerun with
``pytest tests/test_golden.py --update-golden`` and commit the new files; nothing updates them silently.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

GOLDEN = Path(__file__).resolve().parent / "golden"
ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "README.md",
    "hot_topic/MLLM.md",
    "hot_topic/3D_Generation.md",
    "category/cs.MA.md",
    "archive/README.md",
    "archive/2026-06-30/README.md",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from arxiv_digest.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["-q", "demo", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_its_golden_file(demo: Path, page: str, request: pytest.FixtureRequest) -> None:
    got = (demo / page).read_bytes()
    golden = GOLDEN / page
    if request.config.getoption("--update-golden"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(got)
        pytest.skip(f"updated {golden.relative_to(ROOT)}")
    assert golden.exists(), f"no golden file for {page}: run pytest {__file__} --update-golden and review it"
    assert got == golden.read_bytes(), f"{page} changed; review the diff, then rerun with --update-golden"


def test_the_demo_day_renders_the_same_bytes_twice(
    demo: Path, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    again = tmp_path / "again"
    shutil.copytree(demo / "data", again / "data")
    shutil.copy(demo / "config.yml", again / "config.yml")
    assert cli("rebuild", "--config", again / "config.yml", "--out", again).exit_code == 0
    for page in PAGES:
        assert (again / page).read_bytes() == (demo / page).read_bytes(), page
