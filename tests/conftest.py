"""Shared fixtures: the fake arXiv on 127.0.0.1, the CLI run in-process, output-folder fingerprints."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from tests.fakearxiv import FakeArxiv

DATA = Path(__file__).resolve().parent / "data"

#: The reference's config.yml, as it published it.
REFERENCE_CONFIG = (DATA / "reference" / "2025-11-14" / "config.yml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clients honour HTTPS_PROXY and the like, and every test talks to 127.0.0.1: a developer's proxy
    must not stand in between (the proxy tests set their own)."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxiv]:
    """A fake arXiv announcing the real day 2026-06-30, with 20 replacements from 2025-10-15."""
    with FakeArxiv() as fake:
        fake.announce("2026-06-30", replaced_from="2025-10-15", replaced_count=20)
        yield fake


@pytest.fixture
def arxiv_env(fake_arxiv: FakeArxiv, monkeypatch: pytest.MonkeyPatch) -> FakeArxiv:
    """Point arxiv-digest at the fake arXiv through the documented environment variables."""
    fake_arxiv.point(monkeypatch, delay="0.05")
    return fake_arxiv


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `arxiv-digest ARGS...` in-process through the real entry point (exit-code mapping included)."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def digest_dir(tmp_path: Path, cli: Callable[..., CliResult]) -> Path:
    """A digest folder made by `arxiv-digest init` (default config, six categories, eight topics)."""
    out = tmp_path / "digest"
    result = cli("init", out)
    assert result.exit_code == 0, result.err
    return out


def tree_state(root: Path) -> dict[str, str]:
    """Every file under ``root`` (the lock file and the database excepted) -> its SHA-256."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(".arxiv-digest/"):
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def db_rows(db: Path) -> list[tuple[object, ...]]:
    """The database's content, for "unchanged" assertions independent of SQLite's file layout."""
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        rows = list(conn.execute("SELECT day, snapshot_sha256, paper_count FROM days ORDER BY day"))
        rows += list(
            conn.execute("SELECT day, id, version, announce_type, title FROM announcements ORDER BY day, id")
        )
    return rows


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current output instead of comparing with it",
    )


#: The topics of the config `arxiv-digest init` writes, in its order.
INIT_TOPICS = (
    "LLM",
    "MLLM",
    "Test-Time-Scaling",
    "Embodied_AI",
    "Diffusion",
    "3D_Reconstruction",
    "3D_Generation",
    "Benchmark",
)
