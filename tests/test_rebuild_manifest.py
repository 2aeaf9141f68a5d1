"""An incremental `rebuild` (issue #15): after a change, only what changed is rendered, and every file is
the byte a full rebuild into an empty folder writes (a changed topic, a removed and an added one, a changed
layout setting and template, a changed snapshot, a page edited by hand); a failed rebuild leaves no
manifest, so the next one is full."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.errors import PublishError
from arxiv_digest.jobs import _rebuild_jobs
from arxiv_digest.jobs._manifest import MANIFEST, load
from arxiv_digest.jobs.rebuild import PARALLEL_MIN_DAYS, rebuild
from arxiv_digest.store import incomplete
from tests.conftest import db_rows, tree_state

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "src" / "arxiv_digest" / "demo" / "2026-06-30.jsonl"
SCAFFOLD = ROOT / "src" / "arxiv_digest" / "scaffold" / "config.yml"
TODAY = dt.date(2026, 3, 2)
BENCH = "      - Bench*\n"


def _history(out: Path, days: int) -> None:
    """``days`` weekdays, each a different slice of the demo day's papers (so topics differ by day)."""
    records = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines()]
    (out / "data").mkdir(parents=True)
    day = dt.date(2026, 1, 5)
    for k in range(days):
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        start = (k * 40) % (len(records) - 120)
        lines = []
        for i, r in enumerate(records[start : start + 120]):
            r = dict(r, announced=day.isoformat(), id=f"{day:%y%m}.{k * 200 + i:05d}")
            if i % 7 == 0:
                r["announce_type"], r["version"] = "replace", 2
            lines.append(json.dumps(r, ensure_ascii=False))
        (out / "data" / f"{day}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        day += dt.timedelta(days=1)
    shutil.copy(SCAFFOLD, out / "config.yml")


def _edit_config(out: Path, old: str, new: str) -> None:
    path = out / "config.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _full_copy(src: Path, dst: Path) -> None:
    """A full rebuild of ``src``'s snapshots and config into an empty folder."""
    dst.mkdir()
    shutil.copytree(src / "data", dst / "data", ignore=shutil.ignore_patterns("counts.json", "*.tmp"))
    shutil.copy(src / "config.yml", dst / "config.yml")
    if (src / "templates").is_dir():
        shutil.copytree(src / "templates", dst / "templates")
    rebuild(load_config(dst / "config.yml"), dst, jobs=1, today=TODAY, full=True)


def _same_as_full(out: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    shutil.rmtree(full, ignore_errors=True)
    _full_copy(out, full)
    assert tree_state(out) == tree_state(full)
    assert db_rows(out / ".arxiv-digest" / "digest.db") == db_rows(full / ".arxiv-digest" / "digest.db")


def _inodes(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_ino
        for p in out.rglob("*")
        if p.is_file() and ".arxiv-digest" not in p.parts
    }


@pytest.fixture
def published(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    _history(out, 8)
    rebuild(load_config(out / "config.yml"), out, jobs=1, today=TODAY)
    assert (out / MANIFEST).is_file()
    return out


def _rebuild(out: Path, *, jobs: int = 1) -> None:
    rebuild(load_config(out / "config.yml"), out, jobs=jobs, today=TODAY)


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> list[_rebuild_jobs.DayJob]:
    """The day jobs an in-process rebuild runs (``only``: the topics whose pages alone it renders)."""
    seen: list[_rebuild_jobs.DayJob] = []
    real = _rebuild_jobs.rebuild_day

    def spy(job: _rebuild_jobs.DayJob) -> _rebuild_jobs.DayDone:
        seen.append(job)
        return real(job)

    monkeypatch.setattr(_rebuild_jobs, "rebuild_day", spy)
    return seen


def test_nothing_changed_renders_no_day(published: Path, jobs: list[_rebuild_jobs.DayJob]) -> None:
    before = _inodes(published)
    _rebuild(published)
    assert jobs == []
    assert _inodes(published) == before  # no page replaced


def test_a_changed_topic_renders_its_pages_alone_and_matches_a_full_rebuild(
    published: Path, tmp_path: Path, jobs: list[_rebuild_jobs.DayJob]
) -> None:
    before = _inodes(published)
    _edit_config(published, BENCH, BENCH + "      - Zyzzyva\n")  # matches nothing: the lists stay
    _rebuild(published)
    assert len(jobs) == 8 and all(job.only == ("Benchmark",) for job in jobs)
    _same_as_full(published, tmp_path)
    after = _inodes(published)
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    # The Benchmark pages' query shows the new keyword; the README, the categories and the other topics
    # were not rendered again.
    assert any(rel.endswith("/topic/Benchmark.html") for rel in changed)
    assert not any("/category/" in rel or (rel.startswith("archive/") and "README" in rel) for rel in changed)
    assert not any(rel.endswith("/topic/LLM.html") for rel in changed)


def test_a_topic_whose_papers_change_matches_a_full_rebuild(published: Path, tmp_path: Path) -> None:
    _edit_config(published, BENCH, BENCH + "      - Agent*\n      - Model*\n")
    _rebuild(published)
    _same_as_full(published, tmp_path)
    # and back: the lists change again (each such day is published whole by its job)
    _edit_config(published, BENCH + "      - Agent*\n      - Model*\n", BENCH)
    _rebuild(published)
    _same_as_full(published, tmp_path)


def test_a_removed_topic_loses_its_pages(published: Path, tmp_path: Path) -> None:
    _edit_config(published, "  Benchmark:\n    keywords:\n" + BENCH + "    filters:\n", "")
    assert "Benchmark" not in (published / "config.yml").read_text(encoding="utf-8")
    _rebuild(published)
    assert not list(published.rglob("Benchmark*"))
    _same_as_full(published, tmp_path)


def test_an_added_topic_gets_its_pages(published: Path, tmp_path: Path) -> None:
    _edit_config(published, "  Benchmark:\n", "  Agents:\n    keywords:\n      - Agent*\n  Benchmark:\n")
    _rebuild(published)
    assert list(published.glob("archive/*/hot_topic/Agents.md"))
    _same_as_full(published, tmp_path)


def test_a_changed_layout_setting_renders_everything(published: Path, tmp_path: Path) -> None:
    with (published / "config.yml").open("a", encoding="utf-8") as f:
        f.write("max_authors: 2\ntitle: Another digest\n")
    _rebuild(published)
    _same_as_full(published, tmp_path)


def test_a_changed_template_renders_everything(published: Path, tmp_path: Path) -> None:
    folder = published / "templates" / "markdown"
    folder.mkdir(parents=True)
    packaged = ROOT / "src" / "arxiv_digest" / "render" / "templates" / "markdown" / "topic.md.j2"
    (folder / "topic.md.j2").write_text(packaged.read_text(encoding="utf-8") + "\nOur footer.\n", "utf-8")
    with (published / "config.yml").open("a", encoding="utf-8") as f:
        f.write("templates: templates\n")
    _rebuild(published)
    assert "Our footer." in next(published.glob("archive/*/hot_topic/LLM.md")).read_text(encoding="utf-8")
    _same_as_full(published, tmp_path)
    # and a change of the template file alone, the config unchanged
    (folder / "topic.md.j2").write_text(packaged.read_text(encoding="utf-8") + "\nOther footer.\n", "utf-8")
    _rebuild(published)
    assert "Other footer." in next(published.glob("archive/*/hot_topic/LLM.md")).read_text(encoding="utf-8")
    _same_as_full(published, tmp_path)


def test_a_changed_snapshot_and_a_topic_change_match_a_full_rebuild(
    published: Path, tmp_path: Path, jobs: list[_rebuild_jobs.DayJob]
) -> None:
    files = sorted((published / "data").glob("*.jsonl"))
    lines = files[3].read_text(encoding="utf-8").splitlines()
    files[3].write_text("\n".join(lines[5:]) + "\n", encoding="utf-8")  # five papers fewer
    _edit_config(published, BENCH, BENCH + "      - Zyzzyva\n")
    _rebuild(published)
    whole = {job.path.name for job in jobs if job.only is None}
    assert files[3].name in whole and files[0].name not in whole  # and the days whose window reads it
    _same_as_full(published, tmp_path)


def test_a_removed_day_and_a_page_edited_by_hand(published: Path, tmp_path: Path) -> None:
    sorted((published / "data").glob("*.jsonl"))[-1].unlink()  # the latest day: the neighbours change
    page = next(published.glob("archive/*/category/*.md"))
    page.write_text("edited by hand\n", encoding="utf-8")
    _rebuild(published)
    assert page.read_text(encoding="utf-8") != "edited by hand\n"
    full = tmp_path / "full"
    _full_copy(published, full)
    # The removed day's own pages stay where they were (as with a full rebuild in place); every page
    # the snapshots make is a full rebuild's.
    state, expected = tree_state(published), tree_state(full)
    assert {k: v for k, v in state.items() if k in expected} == expected


def test_a_failed_rebuild_leaves_no_manifest_and_the_next_is_full(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit_config(published, BENCH, BENCH + "      - Zyzzyva\n")

    def broken(*args: object) -> None:
        raise PublishError("disk full (the test's)")

    monkeypatch.setattr(_rebuild_jobs, "_stage_topics", broken)
    with pytest.raises(PublishError):
        _rebuild(published)
    assert not (published / MANIFEST).exists()
    assert incomplete.rebuild_unfinished(published / "data")
    monkeypatch.undo()
    _rebuild(published)
    assert load(published) is not None
    assert not incomplete.rebuild_unfinished(published / "data")
    _same_as_full(published, tmp_path)


def test_an_unreadable_manifest_means_a_full_rebuild(published: Path, tmp_path: Path) -> None:
    (published / MANIFEST).write_text("{not json", encoding="utf-8")
    _edit_config(published, BENCH, BENCH + "      - Zyzzyva\n")
    _rebuild(published)
    assert load(published) is not None
    _same_as_full(published, tmp_path)


def test_workers_render_a_changed_topic_as_one_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _history(out, PARALLEL_MIN_DAYS + 1)
    _rebuild(out, jobs=2)
    _edit_config(out, BENCH, BENCH + "      - Agent*\n")
    _rebuild(out, jobs=2)
    _same_as_full(out, tmp_path)


def test_a_topic_whose_papers_change_renders_the_readmes_and_the_site_not_the_category_pages(
    published: Path, tmp_path: Path, jobs: list[_rebuild_jobs.DayJob]
) -> None:
    before = _inodes(published)
    _edit_config(published, BENCH, BENCH + "      - Agent*\n      - Model*\n")  # more papers listed
    _rebuild(published)
    assert len(jobs) == 8 and all(job.only == ("Benchmark",) for job in jobs)
    _same_as_full(published, tmp_path)
    after = _inodes(published)
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert any(rel.startswith("archive/") and rel.endswith("/README.md") for rel in changed)
    assert any(rel.startswith("site/day/") and "/category/" in rel for rel in changed)  # topic badges
    # A category page and another topic's page in Markdown show no paper's topics: left as they were.
    assert not any(rel.endswith(".md") and "/category/" in rel for rel in changed)
    assert not any(rel.endswith("/hot_topic/LLM.md") for rel in changed)


def test_the_weekly_pages_read_no_day_again(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weekly pass takes each day's listings and scores from the day pass (or the manifest), never
    building a day's digest again; its pages are those of the daily path (`week_digest` from the store)."""
    from arxiv_digest.jobs import _week

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("a day's digest built again for the weekly pages")

    weekly = sorted(published.glob("weekly/*.md"))
    assert weekly
    monkeypatch.setattr(_week, "day_digest", refused)
    for page in weekly:
        page.unlink()  # no day changed: the weeks alone are rendered, from the manifest
    _rebuild(published)
    _same_as_full(published, tmp_path)  # and a full rebuild: from its day jobs
    full = tmp_path / "full"
    monkeypatch.undo()
    config = load_config(full / "config.yml")
    days = sorted(dt.date.fromisoformat(p.stem) for p in (full / "data").glob("*.jsonl"))
    from arxiv_digest.store import open_db

    with open_db(full / ".arxiv-digest" / "digest.db") as store:  # the daily run's way: from the store
        for page in weekly:
            week = _week.week_digest(config, store, page.stem, TODAY, days)
            assert _week.WeeklyRenderer(config).markdown_page(week) == page.read_bytes()


def test_the_match_score_is_what_explain_tells() -> None:
    from arxiv_digest.match.topics import topic_matcher
    from arxiv_digest.store import snapshot

    matcher = topic_matcher(load_config(SCAFFOLD))
    papers = snapshot.loads(DEMO.read_bytes(), source=str(DEMO))
    scored = 0
    for paper in papers:
        topics, hits = matcher.explain(paper)
        assert matcher.score(paper) == len(topics) + len({h.term for h in hits})
        scored += matcher.score(paper) > 0
    assert scored > 20


def test_rebuild_does_not_import_the_ranking_stage() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom arxiv_digest.cli._app import cli\ncli.get_command(None, 'rebuild')\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
