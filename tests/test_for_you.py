"""The "For you" stage of a run (issue #9), end to end against the fake arXiv on 127.0.0.1: a library ranks
the real day 2026-06-30; for_you.md, the site's for-you.html, feeds/for-you.xml; the model cache; a run
without a library, a failed or impossible ranking, ``rank.top: 0`` and ``rank.order: relevance``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import html
import itertools
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from arxiv_digest.config import Config, MatchMode, RankOrder, RankSettings, load_config
from arxiv_digest.jobs import _for_you
from arxiv_digest.jobs._for_you import corpus_period
from arxiv_digest.jobs.daily import RunResult, run_daily
from arxiv_digest.models import Library
from arxiv_digest.sources.bibtex import parse_bibtex
from tests import gfm
from tests.conftest import tree_state
from tests.fakearxiv import FakeArxiv

DAY = "2026-06-30"
HISTORY = Path(__file__).resolve().parents[2] / "shared" / "data" / "history"
if not HISTORY.is_dir():  # a worktree in /work/wt/<name> sits one level deeper than /work/main
    HISTORY = Path(__file__).resolve().parents[3] / "shared" / "data" / "history"

LIBRARY_BIB = r"""
@string{cvpr = "Proceedings of CVPR"}
% exported by Better BibTeX
@article{kerbl2023,
  title = {{3D} {Gaussian} Splatting for Real-Time Radiance Field Rendering},
  abstract = {Radiance field methods have recently revolutionized novel-view synthesis of scenes captured
    with multiple photos or videos. We introduce 3D Gaussians that represent the scene and allow
    real-time rendering of novel views, with a fast differentiable rasterizer for splatting.},
  eprint = {2308.04079}, archivePrefix = {arXiv},
}
@misc{dynamic,
  title = {Dynamic {Gaussian} Splatting for Monocular Video Reconstruction},
  abstract = {We reconstruct dynamic scenes from a monocular video with deformable 3D Gaussians and
    render novel views in real time, with a motion field regularised over time.},
  url = {https://arxiv.org/abs/2310.08528},
}
@inproceedings{slam,
  title = {Gaussian Splatting {SLAM}},
  booktitle = cvpr,
  abstract = {A dense visual SLAM system that represents the map as 3D Gaussians, tracking the camera and
    mapping the scene from RGB-D frames, with photorealistic novel view rendering.},
}
@article{nerf,
  title = {{NeRF}: Representing Scenes as Neural Radiance Fields for View Synthesis},
  abstract = {We synthesize novel views of complex scenes by optimizing a continuous volumetric scene
    function, a neural radiance field, from a sparse set of input views, with volume rendering.},
}
@article{avatar,
  title = {Animatable {Gaussian} Avatars from Multi-View Video},
  abstract = {We build animatable human avatars from multi-view video with 3D Gaussians attached to a body
    model, rendered in real time under novel poses and views.},
}
"""


def library(bib: str = LIBRARY_BIB) -> Library:
    return Library(parse_bibtex(bib, path="library.bib").items)


def quiet(seconds: float) -> None:
    return None


def publish(digest: Path, bib: str | None, **rank: Any) -> RunResult:
    """A run with ``bib`` as the folder's library.bib (None: no `library:`), `rank:` as given."""
    path = digest / "config.yml"
    text = path.read_text(encoding="utf-8").split("\nlibrary:")[0]
    if bib is not None:
        (digest / "library.bib").write_text(bib, encoding="utf-8")
        text += "\nlibrary:\n  bibtex: [library.bib]\n"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    if rank:
        config = dataclasses.replace(config, rank=RankSettings(**rank))
    return run_daily(config, digest, sleep=quiet)


def published(digest: Path, *, for_you: bool = True) -> dict[str, str]:
    """What the runs wrote (the folder's state less the config and the library the tests write)."""
    ours = ("config.yml", "library.bib")
    return {
        k: v
        for k, v in tree_state(digest).items()
        if k not in ours and (for_you or ("for_you" not in k and "for-you" not in k))
    }


def picks_of(page: str) -> list[str]:
    return re.findall(r"`arXiv:([^`]+)`", page)


def test_a_library_ranks_the_day_on_every_output(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    result = publish(digest_dir, LIBRARY_BIB)
    assert result.digest is not None and result.digest.for_you is not None
    for_you = result.digest.for_you
    assert len(for_you.picks) == 20 and [p.rank for p in for_you.picks] == list(range(1, 21))
    assert for_you.note == ""  # five papers: the whole model, not similarity alone
    scores = [p.score for p in for_you.picks]
    assert scores == sorted(scores, reverse=True)
    # Markdown: the top page, the archived copy, the README's link, a reasons line per paper.
    page = (digest_dir / "for_you.md").read_text(encoding="utf-8")
    assert page == (digest_dir / "archive" / DAY / "for_you.md").read_text(encoding="utf-8")
    assert picks_of(page) == [p.paper.id for p in for_you.picks]
    assert page.count("💡 **") == 20
    readme = (digest_dir / "README.md").read_text(encoding="utf-8")
    assert readme.index("[For you](for_you.md)") < readme.index("## 🌟 Today's Highlights")
    assert "[For you](for_you.md)" in (digest_dir / "archive" / DAY / "README.md").read_text(encoding="utf-8")
    rendered = gfm.render(page)
    assert rendered.count("<details open>") == 20
    first = for_you.picks[0]
    assert f"like: <em>{html.escape(first.like, quote=False)}</em>" in rendered
    assert all(f"<code>{html.escape(t, quote=False)}</code>" in rendered for t in first.terms)
    # The library is about Gaussian splatting: so is what comes first.
    top = " ".join(f"{p.paper.title} {p.paper.abstract}" for p in for_you.picks[:5]).lower()
    assert top.count("gaussian") >= 5
    # The site: on top and in the day's folder, linked from the index and the day page; the feed.
    site = digest_dir / "site"
    top_html = (site / "for-you.html").read_text(encoding="utf-8")
    day_html = (site / "day" / DAY / "for-you.html").read_text(encoding="utf-8")
    for text in (top_html, day_html):
        assert re.findall(r'data-rank="(\d+)"', text) == [str(n) for n in range(1, 21)]
        assert text.count('<p class="why">') == 20
    assert 'href="for-you.html"' in (site / "index.html").read_text(encoding="utf-8")
    assert f'href="{DAY}/for-you.html"' in (site / "day" / f"{DAY}.html").read_text(encoding="utf-8")
    feed = etree.fromstring((site / "feeds" / "for-you.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = [e.text for e in feed.findall("a:entry/a:id", ns)]
    assert ids == [p.paper.abs_url for p in for_you.picks]
    assert feed.findall("a:entry/a:summary", ns)[0].text.startswith(f"Why: {first.reason}\n\n")


def test_a_rerun_loads_the_model_and_changes_nothing(
    arxiv_env: FakeArxiv, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(digest_dir, LIBRARY_BIB)
    cached = sorted((digest_dir / ".arxiv-digest" / "rank").glob("*.npz"))
    assert len(cached) == 1
    state, mtime = tree_state(digest_dir), cached[0].stat().st_mtime_ns

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached model should have been used")

    fit_corpus = _for_you.fit_corpus
    monkeypatch.setattr(_for_you, "fit_corpus", no_fit)
    result = publish(digest_dir, LIBRARY_BIB)
    assert result.written == 0 and tree_state(digest_dir) == state
    assert cached[0].stat().st_mtime_ns == mtime
    # Another library is another model, on the same corpus; the old model file goes.
    monkeypatch.setattr(_for_you, "fit_corpus", fit_corpus)  # (undo() would also unset arxiv_env's URLs)
    publish(digest_dir, LIBRARY_BIB.replace("Avatars", "Avatars and Faces"))
    again = sorted((digest_dir / ".arxiv-digest" / "rank").glob("*.npz"))
    assert len(again) == 1 and again != cached


def test_without_a_library_or_with_top_0_nothing_changes(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    result = publish(digest_dir, None)
    assert result.digest is not None and result.digest.for_you is None
    plain = published(digest_dir)
    assert not any("for_you" in rel or "for-you" in rel for rel in plain)
    assert not (digest_dir / ".arxiv-digest" / "rank").exists()
    # With a library, then ranking turned off: the For-you pages go, the rest is as without a library.
    publish(digest_dir, LIBRARY_BIB)
    assert (digest_dir / "for_you.md").is_file()
    publish(digest_dir, LIBRARY_BIB, top=0)
    assert not (digest_dir / "for_you.md").exists() and not (digest_dir / "site" / "for-you.html").exists()
    assert published(digest_dir) == plain


def test_a_failed_ranking_skips_for_you_with_a_warning(
    arxiv_env: FakeArxiv, digest_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    publish(digest_dir, None)
    plain = published(digest_dir)

    def broken(*args: object, **kwargs: object) -> None:
        raise MemoryError("out of memory")

    monkeypatch.setattr(_for_you, "fit_model", broken)
    with caplog.at_level(logging.WARNING, logger="arxiv_digest"):
        result = publish(digest_dir, LIBRARY_BIB)
    assert result.digest is not None and result.digest.for_you is None
    assert published(digest_dir) == plain
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["For you: skipped, ranking failed: MemoryError: out of memory"]


def test_a_paper_already_in_the_library_or_disliked_is_never_a_pick(
    arxiv_env: FakeArxiv, digest_dir: Path
) -> None:
    first = publish(digest_dir, LIBRARY_BIB).digest
    assert first is not None and first.for_you is not None
    before = [p.paper.id for p in first.for_you.picks]
    saved, rejected = before[0], before[1]
    # The reader saves today's best pick (BibTeX with its eprint) and dislikes the second (an arXiv id).
    bib = LIBRARY_BIB + (
        f"@article{{saved, title = {{Saved today}}, abstract = {{{first.for_you.picks[0].paper.abstract}}},"
        f" eprint = {{{saved}}}, archivePrefix = {{arXiv}}}}\n"
    )
    (digest_dir / "library.bib").write_text(bib, encoding="utf-8")
    path = digest_dir / "config.yml"
    text = path.read_text(encoding="utf-8").split("\nlibrary:")[0]
    config_tail = f"\nlibrary:\n  bibtex: [library.bib]\n  dislike: [{rejected}]\n"
    path.write_text(text + config_tail, encoding="utf-8")
    result = run_daily(load_config(path), digest_dir, sleep=quiet)
    assert result.digest is not None and result.digest.for_you is not None
    for_you = result.digest.for_you
    after = [p.paper.id for p in for_you.picks]
    assert saved not in after and rejected not in after
    assert len(after) == 20 and [p.rank for p in for_you.picks] == list(range(1, 21))
    assert saved in for_you.scores  # still scored: `order: relevance` places it on the topic pages
    page = (digest_dir / "for_you.md").read_text(encoding="utf-8")
    assert picks_of(page) == after
    assert saved in {p.id for t in result.digest.topics for p in t.papers} | {
        i.paper.id for c in result.digest.categories for i in c.listings
    }


def test_a_small_library_ranks_by_similarity_and_says_so(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    one = "\n".join(LIBRARY_BIB.split("@misc")[0].splitlines())  # the @string and the first entry
    result = publish(digest_dir, one, top=5)
    assert result.digest is not None and result.digest.for_you is not None
    assert result.digest.for_you.note.startswith("similarity only: the library has 1 paper")
    page = (digest_dir / "for_you.md").read_text(encoding="utf-8")
    assert "ℹ️ similarity only: the library has 1 paper" in page and len(picks_of(page)) == 5
    assert "similarity only" in (digest_dir / "site" / "for-you.html").read_text(encoding="utf-8")


HOSTILE = r"""
@article{evil,
  title = {<script>alert(1)</script> *x* [click](javascript:alert(2)) | a ]]> <img src=x onerror=alert(3)>},
  abstract = {Gaussian splatting for real-time radiance field rendering of novel views with 3D Gaussians.},
}
"""


def test_hostile_library_titles_are_escaped_everywhere(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    publish(digest_dir, HOSTILE, top=3)
    rendered = gfm.render((digest_dir / "for_you.md").read_text(encoding="utf-8"))
    for bad in ("<script", "<img src=x", 'href="javascript'):
        assert bad not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *x* [click](javascript:alert(2))" in rendered
    for page in (digest_dir / "site" / "for-you.html", digest_dir / "site" / "day" / DAY / "for-you.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    feed = etree.fromstring((digest_dir / "site" / "feeds" / "for-you.xml").read_bytes())
    summary = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary")
    assert summary is not None and "like: <script>alert(1)</script>" in (summary.text or "")


def test_hostile_library_titles_in_a_browser(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    publish(digest_dir, HOSTILE, top=3)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto((digest_dir / "site" / "for-you.html").as_uri())
            assert page.locator("li.pick").count() == 3
            why = page.locator("p.why cite").first.inner_text()
            assert why.startswith("<script>alert(1)</script> *x*")
            assert dialogs == []
        finally:
            browser.close()


def test_relevance_orders_pages_by_the_score(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    result = publish(digest_dir, LIBRARY_BIB, order=RankOrder.RELEVANCE)
    digest = result.digest
    assert digest is not None and digest.for_you is not None
    scores = digest.for_you.scores
    for t in digest.topics:
        assert t.topic.match is MatchMode.WORD
        got = [scores[p.id] for p in t.papers]
        assert got == sorted(got, reverse=True), t.topic.name
    for c in digest.categories:
        got = [scores[item.paper.id] for item in c.listings]
        assert got == sorted(got, reverse=True), c.spec.code
    page = (digest_dir / "category" / "cs.CV.md").read_text(encoding="utf-8")
    best_cv = next(p for p in digest.for_you.picks if p.paper.primary_category == "cs.CV")
    assert picks_of(page)[0] == best_cv.paper.id


def test_relevance_leaves_the_reference_pages_alone(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    config_path = digest_dir / "config.yml"
    config_path.write_text("match: substring\n" + config_path.read_text(encoding="utf-8"), encoding="utf-8")
    publish(digest_dir, None)
    plain = published(digest_dir, for_you=False)
    publish(digest_dir, LIBRARY_BIB, order=RankOrder.RELEVANCE)
    pages = {k: v for k, v in published(digest_dir).items() if k.startswith(("hot_topic/", "category/"))}
    assert pages == {k: v for k, v in plain.items() if k.startswith(("hot_topic/", "category/"))}


def test_corpus_periods_move_slowly() -> None:
    start = dt.date(2025, 1, 1)
    days = [start + dt.timedelta(days=n) for n in range(200)]
    # Early on the history grows fast, so periods are short; with 40 days stored, a period lasts until
    # the number of days grew by 10 % (4 more days), and never more than 30 days.
    assert corpus_period(days[:1]) == start
    assert corpus_period(days[:2]) == start + dt.timedelta(days=1)
    assert corpus_period(list(reversed(days[:40]))) == corpus_period(days[:40])  # any order
    boundaries = sorted({corpus_period(days[:n]) for n in range(40, 201)}, key=str)
    gaps = [(b - a).days for a, b in itertools.pairwise(boundaries)]  # type: ignore[operator]
    assert min(gaps) >= 4 and max(gaps) <= 30 and len(boundaries) < 40
    assert gaps == sorted(gaps)  # the larger the history, the longer a period
    weekly = [start + dt.timedelta(days=7 * n) for n in range(100)]  # sparse days: 30 days bound a period
    sparse = sorted({corpus_period(weekly[:n]) for n in range(50, 101)}, key=str)
    assert all((b - a).days <= 35 for a, b in itertools.pairwise(sparse))  # type: ignore[operator]
    assert corpus_period([]) is None


def test_too_small_a_history_skips_for_you(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from arxiv_digest.match.digest import build_digest
    from arxiv_digest.models import Paper
    from arxiv_digest.store import snapshot

    records = [json.loads(line) for line in _history_lines(3)]
    papers = [Paper.from_record(r) for r in records]
    config = load_config_text(tmp_path, "category:\n  cs.CV: CV\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / f"{papers[0].announced}.jsonl").write_bytes(snapshot.dumps(papers))
    ranker = _for_you.Ranker(config, tmp_path, library())
    with caplog.at_level(logging.WARNING, logger="arxiv_digest"):
        digest = ranker.attach(build_digest(config, papers[0].announced, papers))
    assert digest.for_you is None
    assert [r.getMessage() for r in caplog.records] == [
        "For you: skipped, the history holds 3 stored papers (ranking needs 4 or more)"
    ]


def load_config_text(folder: Path, text: str) -> Config:
    path = folder / "config.yml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def _history_lines(limit: int | None = None, days: int | None = None) -> list[str]:
    found = sorted(HISTORY.glob("*.jsonl.gz"))
    if not found:
        pytest.skip(f"{HISTORY} is not there (the real history: ../shared/data/history)")
    source = found[0]
    out: list[str] = []
    seen: set[str] = set()
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if days is not None and record["announced"] not in seen and len(seen) == days:
                break
            seen.add(record["announced"])
            out.append(line.rstrip("\n"))
            if limit is not None and len(out) == limit:
                break
    return out


@pytest.mark.skipif(not HISTORY.is_dir(), reason="../shared/data/history is not there")
def test_on_real_history_the_library_s_topic_comes_first(arxiv_env: FakeArxiv, digest_dir: Path) -> None:
    """Fifteen days of the real history in data/ (about 2,500 papers), then the real day 2026-06-30."""
    by_day: dict[str, list[str]] = {}
    for line in _history_lines(days=15):
        by_day.setdefault(json.loads(line)["announced"], []).append(line)
    (digest_dir / "data").mkdir(exist_ok=True)
    for day, lines in by_day.items():
        (digest_dir / "data" / f"{day}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = publish(digest_dir, LIBRARY_BIB)
    assert result.days == 16
    digest = result.digest
    assert digest is not None and digest.for_you is not None
    # The day's papers with "Gaussian splatting" in their title: the library's topic.
    wanted = {p.id for p in _for_you.candidates(digest) if "gaussian splatting" in p.title.lower()}
    assert len(wanted) >= 3
    picked = {p.paper.id for p in digest.for_you.picks}
    listed = len(_for_you.candidates(digest))
    # A random 20 of the day's ~500 would hold about one of them; the ranking holds most.
    assert len(wanted & picked) >= 0.6 * min(len(wanted), 20) > 10 * len(wanted) * 20 / listed


def test_a_rebuild_publishes_what_the_runs_published(
    arxiv_env: FakeArxiv, digest_dir: Path, cli: Any
) -> None:
    publish(digest_dir, LIBRARY_BIB)
    state = published(digest_dir)
    assert "for_you.md" in state and "site/feeds/for-you.xml" in state
    (digest_dir / ".arxiv-digest" / "digest.db").unlink()  # rebuilt from data/, the model from its cache
    result = cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert result.exit_code == 0, result.err
    assert published(digest_dir) == state


def test_the_rank_command(arxiv_env: FakeArxiv, digest_dir: Path, cli: Any) -> None:
    result = publish(digest_dir, LIBRARY_BIB)
    assert result.digest is not None and result.digest.for_you is not None
    best = result.digest.for_you.picks[0]
    args = ("rank", "--config", digest_dir / "config.yml", "--out", digest_dir)
    text = cli(*args, "--limit", "3")
    assert text.exit_code == 0, text.err
    assert text.out.startswith(f"{DAY}: 3 of ")
    assert (
        f"   1. {best.paper.id}  {best.score:+.3f}  {best.paper.title}\n        {best.reason}\n" in text.out
    )
    as_json = cli(*args, "--day", DAY, "--json")
    rows = json.loads(as_json.out)
    assert len(rows) == result.papers  # every stored paper of the day
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0]["id"] == best.paper.id and rows[0]["announced"] == DAY
    assert rows[0]["reasons"] == [*best.terms, f"like: {best.like}"]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    explained = cli(*args, "--explain", best.paper.id)
    assert explained.exit_code == 0, explained.err
    assert f"score {best.score:.3f}" in explained.out and "like (0." in explained.out
    assert cli(*args, "--explain", "2606.99999").exit_code == 2
    # search --rank: the same score orders the matches.
    found = cli("search", "abs:gaussian", "--out", digest_dir, "--rank", "--json", "--limit", "5")
    assert found.exit_code == 0, found.err
    ids = [r["id"] for r in json.loads(found.out)]
    assert ids[0] == best.paper.id and len(ids) == 5
    plain = cli("search", "abs:gaussian", "--out", digest_dir, "--json", "--limit", "5")
    assert [r["id"] for r in json.loads(plain.out)] != ids  # newest first is another order


def test_rank_tells_what_the_library_left_out_and_a_small_library_s_mode(
    arxiv_env: FakeArxiv, digest_dir: Path, cli: Any
) -> None:
    one = "\n".join(LIBRARY_BIB.split("@misc")[0].splitlines())  # the @string and the first entry
    publish(digest_dir, one + "\n@book{empty, year = {2020}}\n", top=5)
    line = len(one.splitlines()) + 1  # where the entry with nothing to rank by starts
    args = ("rank", "--config", digest_dir / "config.yml", "--out", digest_dir)
    as_json = cli(*args, "--json")
    assert as_json.exit_code == 0, as_json.err
    best = json.loads(as_json.out)[0]["id"]  # stdout holds the JSON alone
    for result in (as_json, cli(*args, "--limit", "2"), cli(*args, "--explain", best)):
        assert result.exit_code == 0, result.err
        assert f"library.bib:{line}: entry 'empty' has no title, abstract or arXiv id; skipped" in result.err
        assert "ranking by similarity only: the library has 1 paper" in result.err


def test_rank_without_a_library_is_a_usage_error(arxiv_env: FakeArxiv, digest_dir: Path, cli: Any) -> None:
    publish(digest_dir, None)
    result = cli("rank", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert result.exit_code == 2 and "no library to rank by" in result.err


def test_for_you_s_papers_are_summarised_first_and_shown_on_its_pages(
    arxiv_env: FakeArxiv, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `summaries: {papers: 3}`, the three summaries go to For you's three best papers (issue #11's
    `ranked=`), and the For-you pages show them above the abstracts as the topic pages do."""
    from tests.fakes.chat import FakeChat
    from tests.test_summaries_daily import KEY, MD_SUMMARY, SITE_SUMMARY, VARIABLE, section

    monkeypatch.setenv(VARIABLE, KEY)
    with FakeChat(key=KEY) as chat:
        config = digest_dir / "config.yml"
        config.write_text(config.read_text(encoding="utf-8") + section(chat.url, papers=3), encoding="utf-8")
        result = publish(digest_dir, LIBRARY_BIB)
    assert result.digest is not None and result.digest.for_you is not None
    best = [(p.paper.id, p.paper.version) for p in result.digest.for_you.picks[:3]]
    assert sorted(result.digest.summaries) == sorted(best)
    page = (digest_dir / "for_you.md").read_text(encoding="utf-8")
    entries = page.split("\n- **[")[1:]
    assert [bool(MD_SUMMARY.search(e)) for e in entries] == [True] * 3 + [False] * (len(entries) - 3)
    site = (digest_dir / "site" / "for-you.html").read_text(encoding="utf-8")
    assert len(SITE_SUMMARY.findall(site)) == 3
