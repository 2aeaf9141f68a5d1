"""`match: substring` reproduces the reference's two published days byte for byte (issue #2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.reference_days import DAYS, REFERENCE, reference_records, write_reference_day


@pytest.mark.parametrize("day", DAYS)
def test_substring_mode_reproduces_the_reference_topic_pages(
    day: str, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    config = write_reference_day(day, tmp_path)
    result = cli("rebuild", "--config", config, "--out", tmp_path)
    assert result.exit_code == 0, result.err
    expected = sorted(p.name for p in (REFERENCE / day / "hot_topic").glob("*.md"))
    assert sorted(p.name for p in (tmp_path / "hot_topic").glob("*.md")) == expected
    for name in expected:
        want = (REFERENCE / day / "hot_topic" / name).read_bytes()
        got = (tmp_path / "hot_topic" / name).read_bytes()
        assert got == want, f"{day}/hot_topic/{name} differs from what the reference published"


@pytest.mark.parametrize("day", DAYS)
def test_word_mode_on_the_same_papers_fixes_the_reference_false_hits(
    day: str, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    """The default rule, on the same papers: "Bench" no longer files benchmarks-in-passing, and every
    paper the word rule keeps for LLM really names an LLM as a word."""
    config = write_reference_day(day, tmp_path, extra_config="")
    assert cli("rebuild", "--config", config, "--out", tmp_path).exit_code == 0
    reference_bench = (REFERENCE / day / "hot_topic" / "Benchmark.md").read_text(encoding="utf-8")
    ours_bench = (tmp_path / "hot_topic" / "Benchmark.md").read_text(encoding="utf-8")
    assert ours_bench.count("`arXiv:") < reference_bench.count("`arXiv:") / 3
    papers = len(reference_records(day))
    assert papers > 400
