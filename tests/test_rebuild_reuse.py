"""What an incremental `rebuild` (issue #15) takes from the last one instead of making it again: each
paper's term hits (the match cache) and each unmoved paper's element on the site pages it renders again.
Every file is still a full rebuild's; the cache is not used for a changed text or by other code."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from arxiv_digest.jobs import _match_cache, _rebuild_jobs
from arxiv_digest.jobs._manifest import load
from arxiv_digest.match.engine import Matcher
from arxiv_digest.render.site import SiteRenderer
from tests.test_rebuild_manifest import BENCH, _edit_config, _rebuild, _same_as_full
from tests.test_rebuild_manifest import published as published  # the fixture


@pytest.fixture
def in_jobs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """What the day jobs call: ``paper``/``brief`` (ids whose site element is rendered), ``hits`` (papers
    tokenised by a matcher) and ``jobs`` (days)."""
    calls: dict[str, list[str]] = {"paper": [], "brief": [], "hits": [], "jobs": []}
    inside = [False]

    def spied(name: str, real):  # type: ignore[no-untyped-def]
        def spy(self, paper, *args, **kwargs):  # type: ignore[no-untyped-def]
            if inside[0]:
                calls[name].append(paper.id)
            return real(self, paper, *args, **kwargs)

        return spy

    monkeypatch.setattr(SiteRenderer, "paper", spied("paper", SiteRenderer.paper))
    monkeypatch.setattr(SiteRenderer, "brief", spied("brief", SiteRenderer.brief))
    monkeypatch.setattr(Matcher, "_hits", spied("hits", Matcher._hits))
    real_day = _rebuild_jobs.rebuild_day

    def day(job: _rebuild_jobs.DayJob) -> _rebuild_jobs.DayDone:
        inside[0] = True
        try:
            calls["jobs"].append(job.day.isoformat())
            return real_day(job)
        finally:
            inside[0] = False

    monkeypatch.setattr(_rebuild_jobs, "rebuild_day", day)
    return calls


def _listed(out: Path, topic: str) -> dict[str, set[str]]:
    manifest = load(out)
    assert manifest is not None
    return {d.isoformat(): set(r.members[topic][0]) for d, r in manifest.days.items()}


def test_only_the_moved_papers_elements_are_rendered_again(
    published: Path, tmp_path: Path, in_jobs: dict[str, list[str]]
) -> None:
    before = _listed(published, "Benchmark")
    _edit_config(published, BENCH, BENCH + "      - Agent*\n      - Model*\n")
    _rebuild(published)
    after = _listed(published, "Benchmark")
    moved = set().union(*(before[d] ^ after[d] for d in before))
    assert moved and len(in_jobs["jobs"]) == 8
    assert set(in_jobs["paper"]) <= moved and set(in_jobs["brief"]) <= moved
    _same_as_full(published, tmp_path)


def test_a_new_keyword_is_looked_for_only_in_papers_that_hold_its_word(
    published: Path, tmp_path: Path, in_jobs: dict[str, list[str]]
) -> None:
    assert (published / _match_cache.CACHE).is_file()
    known = _match_cache.load(published)
    assert len(known.days) == 8 and len(known.entries()) > 100
    papers = sum(
        len(p.read_text(encoding="utf-8").splitlines()) for p in (published / "data").glob("*.jsonl")
    )
    _edit_config(published, BENCH, BENCH + "      - Zyzzyva\n")  # in no paper
    _rebuild(published)
    assert len(in_jobs["jobs"]) == 8
    assert len(in_jobs["hits"]) * 10 < papers  # papers in plain ASCII are not tokenised
    assert "Term(text='Zyzzyva'" in " ".join(_match_cache.load(published).vocabulary)
    _same_as_full(published, tmp_path)


def test_a_changed_paper_is_matched_again(published: Path, tmp_path: Path) -> None:
    """A snapshot's paper that now holds a keyword: its old entry (no hit) is another text's."""
    snapshot = sorted((published / "data").glob("*.jsonl"))[3]
    lines = snapshot.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    target = next(r for r in records if "bench" not in (r["title"] + r["abstract"]).lower())
    target["abstract"] += " We release a benchmark."
    snapshot.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    _rebuild(published)
    manifest = load(published)
    assert manifest is not None
    assert (
        target["id"]
        in manifest.days[next(d for d in manifest.days if d.isoformat() == snapshot.stem)].members[
            "Benchmark"
        ][0]
    )
    _same_as_full(published, tmp_path)


def test_the_cache_of_other_code_is_not_used(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries that say no paper hit any term, made by "other code": a rebuild does not believe them."""
    path = published / _match_cache.CACHE
    raw = orjson.loads(path.read_bytes())
    raw["code"] = "other code"
    for day in raw["days"].values():  # [sha, the content keys in hex, each one's hits]
        day[2] = [[] for _ in day[2]]
    path.write_bytes(orjson.dumps(raw))
    _edit_config(published, BENCH, BENCH + "      - Agent*\n")
    _rebuild(published)
    _same_as_full(published, tmp_path)
    assert orjson.loads(path.read_bytes())["code"] == _match_cache.code_key()  # written anew


def _hits_all(raw: dict, size: int) -> None:  # type: ignore[type-arg]
    for day in raw["days"].values():
        day[2] = [[size] for _ in day[2]]  # an index past the vocabulary


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw.update(days={d: [s, k[:-2], h] for d, (s, k, h) in raw["days"].items()}),
        lambda raw: _hits_all(raw, len(raw["vocabulary"])),
        lambda raw: raw.update(days={d: [s, k, "not a list"] for d, (s, k, h) in raw["days"].items()}),
        lambda raw: raw.update(version=_match_cache.VERSION - 1),
    ],
    ids=["keys-cut-short", "index-out-of-range", "hits-not-lists", "older-layout"],
)
def test_a_damaged_cache_is_not_used(published: Path, tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    path = published / _match_cache.CACHE
    raw = orjson.loads(path.read_bytes())
    damage(raw)
    path.write_bytes(orjson.dumps(raw))
    assert _match_cache.load(published).days == {}
    _edit_config(published, BENCH, BENCH + "      - Agent*\n")
    _rebuild(published)
    _same_as_full(published, tmp_path)
    assert len(_match_cache.load(published).days) == 8  # written anew
