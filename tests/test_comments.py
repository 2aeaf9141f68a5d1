"""The daily run completes the feed's papers from arXiv's export API (issue #13): their comments and
journal references, which the feed lacks and the code and venue badges read. Against the fake arXiv on
127.0.0.1, its API answering ``id_list`` with the announced day's real records (``serve_comments``)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.facts import extract
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv, Reply, feeds

Cli = Callable[..., CliResult]
DAY = "2026-06-30"
#: Real papers of the day whose comment says where they were accepted.
CVPR_PAPER = "2606.29097"  # comment: "Accepted to CVPR 2026"
CVPR_PAPER_2 = "2606.28604"  # comment: "10 pages, 5 figures. Accepted by CVPR 2026"


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


def set_arxiv(digest: Path, *lines: str) -> None:
    """Add an ``arxiv:`` section (the scaffold's is commented out)."""
    path = digest / "config.yml"
    text = path.read_text(encoding="utf-8")
    assert "\narxiv:" not in text
    path.write_text(text + "arxiv:\n" + "".join(f"  {line}\n" for line in lines), encoding="utf-8")


def records(digest: Path) -> dict[str, dict[str, object]]:
    lines = (digest / "data" / f"{DAY}.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def comments_of_the_day() -> dict[str, str | None]:
    lines = (Path(__file__).parent / "data" / "arxiv-days" / f"{DAY}.jsonl").read_text("utf-8").splitlines()
    out: dict[str, str | None] = {}
    for r in map(json.loads, lines):
        out.setdefault(r["id"], r["comment"])  # the data repeats some records: the fake keeps the first
    return out


def pages(digest: Path) -> dict[str, str]:
    """The published tree but the day's meta.json (its warnings) and config.yml."""
    skip = {f"data/{DAY}.meta.json", "config.yml"}
    return {k: v for k, v in tree_state(digest).items() if k not in skip}


@pytest.fixture
def other_dir(tmp_path: Path, cli: Cli) -> Path:
    out = tmp_path / "other"
    assert cli("init", out).exit_code == 0
    return out


# -- the badges ----------------------------------------------------------------------------------------
def test_the_day_gets_its_comments_and_the_venue_badge(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    arxiv_env.serve_comments()
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    stored = records(digest_dir)
    known = comments_of_the_day()
    # Every paper of the day has the comment its real record has (replacements: that of their own day).
    new = {i: r for i, r in stored.items() if r["announce_type"] in ("new", "cross")}
    assert new and all(r["comment"] == known[i] for i, r in new.items())
    assert sum(r["comment"] is not None for r in stored.values()) > len(stored) / 2
    # The facts are those of the completed record, stored with it.
    for r in stored.values():
        assert r["facts"] == extract(r["abstract"], r["comment"], r["journal_ref"]).to_record()
    assert stored[CVPR_PAPER]["comment"] == "Accepted to CVPR 2026"
    assert stored[CVPR_PAPER]["facts"]["venue"]["name"] == "CVPR"
    cv = (digest_dir / "category" / "cs.CV.md").read_text(encoding="utf-8")
    entry = next(line for line in cv.splitlines() if f"`arXiv:{CVPR_PAPER}`" in line)
    assert "`🏛️ CVPR 2026`" in entry
    entry = next(line for line in cv.splitlines() if f"`arXiv:{CVPR_PAPER_2}`" in line)
    assert "`🏛️ CVPR 2026`" in entry


def test_without_comments_one_request_and_no_venue(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    arxiv_env.serve_comments()
    set_arxiv(digest_dir, "comments: false")
    assert run(cli, digest_dir).exit_code == 0
    assert len(arxiv_env.requests) == 1 and arxiv_env.requests[0].path.startswith("/rss/")
    assert all(r["comment"] is None for r in records(digest_dir).values())
    cv = (digest_dir / "category" / "cs.CV.md").read_text(encoding="utf-8")
    assert f"`arXiv:{CVPR_PAPER}`" in cv and "🏛️ CVPR" not in cv


# -- the requests --------------------------------------------------------------------------------------
def test_requests_are_batched_by_100_and_spaced_by_the_delay(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARXIV_DIGEST_DELAY_SECONDS", "0.2")
    fake_api = arxiv_env.serve_comments()
    assert run(cli, digest_dir).exit_code == 0
    papers = records(digest_dir)
    asked = fake_api.id_lists
    assert len(asked) == len(arxiv_env.api_requests()) == -(-len(papers) // 100) >= 5
    assert all(len(ids) <= 100 for ids in asked) and len(asked[0]) == 100
    assert sorted(itertools.chain(*asked)) == sorted(papers)  # each paper once
    assert all(r.headers["user-agent"].startswith("arxiv-digest/") for r in arxiv_env.api_requests())
    # Each request arrives at least the delay after the one before it ended, so after it arrived.
    gaps = [b.at - a.at for a, b in itertools.pairwise(arxiv_env.requests)]
    assert min(gaps) >= 0.2, gaps


def test_a_rerun_asks_the_api_nothing_and_changes_nothing(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    arxiv_env.serve_comments()
    assert run(cli, digest_dir).exit_code == 0
    asked = len(arxiv_env.api_requests())
    before = tree_state(digest_dir)
    again = run(cli, digest_dir)
    assert again.exit_code == 0, again.err
    assert "0 files written, 0 removed" in again.out
    assert tree_state(digest_dir) == before
    assert len(arxiv_env.api_requests()) == asked and len(arxiv_env.feed_requests()) == 2


def test_a_paper_revised_since_the_feed_keeps_no_comment(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    # The API gives the latest version; v2 of the CVPR paper is not what the feed announced (v1).
    arxiv_env.serve_comments(newer=(CVPR_PAPER,))
    assert run(cli, digest_dir).exit_code == 0
    stored = records(digest_dir)
    assert stored[CVPR_PAPER]["version"] == 1 and stored[CVPR_PAPER]["comment"] is None
    assert stored[CVPR_PAPER]["facts"].get("venue") is None
    assert stored[CVPR_PAPER_2]["comment"] == "10 pages, 5 figures. Accepted by CVPR 2026"


def test_the_journal_reference_comes_from_the_api_and_the_feeds_own_wins(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    # Real journal references, from the API capture q_testing_s0_m100.xml, on two of the day's papers.
    first, second = [r for r in arxiv_env.records if r["comment"] is None and "cs.CV" in r["categories"]][:2]
    ref = "Software Testing, Verification and Reliability, 35(2):e1914, 2025"
    first["journal_ref"] = ref
    second["journal_ref"] = "IEEE Transactions on Information Theory ( Volume: 65 , Issue: 4 , April 2019 )"
    arxiv_env.serve_comments()
    feed_ref = "Proc. 2023 IEEE International Conference on Software Testing, Verification and Validation"

    def with_feed_ref(items: list[feeds.FeedItem]) -> list[feeds.FeedItem]:  # arxiv:journal_reference
        return [dataclasses.replace(i, journal_ref=feed_ref) if i.id == second["id"] else i for i in items]

    arxiv_env.item_transform = with_feed_ref
    assert run(cli, digest_dir).exit_code == 0
    stored = records(digest_dir)
    assert stored[str(first["id"])]["journal_ref"] == ref
    assert stored[str(second["id"])]["journal_ref"] == feed_ref


# -- failures: the day is published as without the completion ------------------------------------------
FAILURES = {
    "500": (Reply(status=500),) * 5,  # the first try and max_retries=4 more
    "429 repeatedly": (Reply(status=429, headers={"Retry-After": "0"}),) * 5,
    "garbage": (Reply(body=b"<html><body>Service Unavailable</body></html>", content_type="text/html"),) * 2,
    "timeout": (Reply(delay_seconds=2.5),),  # timeout_seconds: 1, max_retries: 0
}


@pytest.mark.parametrize("fault", list(FAILURES))
def test_a_failing_api_publishes_the_day_as_without_it_with_a_warning(
    fault: str, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, other_dir: Path
) -> None:
    arxiv_env.serve_comments()
    settings = ("timeout_seconds: 1", "max_retries: 0") if fault == "timeout" else ()
    set_arxiv(other_dir, "comments: false", *settings)
    assert run(cli, other_dir).exit_code == 0
    if settings:
        set_arxiv(digest_dir, *settings)
    arxiv_env.queue(Reply(), *FAILURES[fault])  # the feed as it is, then the API failing
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert pages(digest_dir) == pages(other_dir)  # the same day, badges from the abstract
    assert all(r["comment"] is None for r in records(digest_dir).values())
    assert "comments and journal references incomplete" in result.out + result.err
    api_url = arxiv_env.url + "/api/query"
    meta = json.loads((digest_dir / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))
    (warning,) = meta["warnings"]
    assert warning.startswith("comments and journal references incomplete") and api_url in warning
    status = cli("status", "--out", digest_dir, "--today", DAY)
    assert status.exit_code == 0, status.out + status.err
    line = next(x for x in status.out.splitlines() if "comments and journal references" in x)
    assert api_url in line and "parse warning" not in status.out


def test_after_a_failure_the_next_run_asks_again_and_completes_the_day(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    arxiv_env.serve_comments()
    arxiv_env.queue(Reply(), *FAILURES["500"])
    assert run(cli, digest_dir).exit_code == 0
    assert records(digest_dir)[CVPR_PAPER]["comment"] is None
    assert len(arxiv_env.api_requests()) == 5  # one batch, its retries, then no more batches
    assert run(cli, digest_dir).exit_code == 0
    assert records(digest_dir)[CVPR_PAPER]["comment"] == "Accepted to CVPR 2026"
    assert not (digest_dir / "data" / f"{DAY}.meta.json").exists()  # the warning is gone with the fault
    assert "`🏛️ CVPR 2026`" in (digest_dir / "category" / "cs.CV.md").read_text(encoding="utf-8")


def test_a_failure_after_some_batches_keeps_what_they_gave(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    arxiv_env.serve_comments()
    arxiv_env.queue(Reply(), Reply(), *FAILURES["500"])  # the feed, the first batch, then failures
    assert run(cli, digest_dir).exit_code == 0
    fake_ids = set(arxiv_env.api_requests()[0].query["id_list"][0].split(","))
    stored = records(digest_dir)
    known = comments_of_the_day()
    completed = {i for i, r in stored.items() if r["comment"] is not None}
    assert completed and completed <= fake_ids
    assert {i for i in fake_ids if known.get(i)} == completed
    meta = json.loads((digest_dir / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))
    assert f"{len(stored) - 100} papers of {len(stored)}" in meta["warnings"][0]


def test_a_damaged_stored_snapshot_fails_the_run_before_any_request(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    arxiv_env.serve_comments()
    assert run(cli, digest_dir).exit_code == 0
    asked = len(arxiv_env.api_requests())
    snapshot = digest_dir / "data" / f"{DAY}.jsonl"
    good = snapshot.read_bytes()
    lines = good.count(b"\n")
    snapshot.write_bytes(good + b"{not json\n")
    before = tree_state(digest_dir)
    again = run(cli, digest_dir)
    assert again.exit_code == 1, again.err
    assert f"{snapshot}:{lines + 1}: bad paper record" in again.err
    assert "restore the file from git" in again.err
    assert "asking arXiv's API" not in again.err
    assert len(arxiv_env.api_requests()) == asked  # nothing asked for a run that cannot publish
    assert tree_state(digest_dir) == before  # nothing replaced
