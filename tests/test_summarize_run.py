"""One day's summaries against the fake chat-completions API on 127.0.0.1: the cache and the zero-token
rerun, the budget, the bounded concurrency, and the determinism of the cache file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.models import Paper
from arxiv_digest.summarize import (
    Outcome,
    SummaryReport,
    SummarySettings,
    build_messages,
    cached_summaries,
    estimate_request_tokens,
    find_language,
    summarise_day,
)
from arxiv_digest.summarize import run as run_module
from tests.fakes.chat import FakeChat, Reply
from tests.test_summarize_text import demo_papers

KEY = "sk-proj-h11TestKey0123456789abcdefXYZ"
VARIABLE = "TEST_SUMMARY_KEY"
DAY = dt.date(2026, 6, 30)
PAPERS = demo_papers()


@pytest.fixture
def fake() -> Iterator[FakeChat]:
    with FakeChat(key=KEY) as chat:
        yield chat


def settings_for(fake: FakeChat, **changes: Any) -> SummarySettings:
    base = SummarySettings(
        endpoint=fake.url,
        model="gpt-4o-mini",
        key_env=VARIABLE,
        papers=5,
        max_retries=1,
        max_retry_after_seconds=5,
    )
    return dataclasses.replace(base, **changes)


def summarise(
    settings: SummarySettings,
    data_dir: Path,
    papers: list[Paper] | None = None,
    *,
    day: dt.date = DAY,
    sleeps: list[float] | None = None,
    environ: dict[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SummaryReport:
    return summarise_day(
        PAPERS if papers is None else papers,
        settings,
        day=day,
        data_dir=data_dir,
        environ={VARIABLE: KEY} if environ is None else environ,
        sleep=(sleeps if sleeps is not None else []).append,
        clock=clock,
    )


def month_file(data_dir: Path) -> Path:
    return data_dir / "summaries" / "2026-06.jsonl"


def records(data_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in month_file(data_dir).read_text(encoding="utf-8").splitlines()]


def test_summaries_are_made_for_the_top_papers_and_kept(
    fake: FakeChat, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="arxiv_digest.summarize")
    report = summarise(settings_for(fake, language="German"), tmp_path)
    assert [p.outcome for p in report.papers] == [Outcome.SUMMARISED] * 5
    assert [p.id for p in report.papers] == [p.id for p in PAPERS[:5]]
    assert len(fake.requests) == report.requests == 5
    assert report.tokens_used == fake.usage_totals()["total_tokens"] == report.tokens_used_today
    assert sum(p.tokens for p in report.papers) == report.tokens_used
    first = report.text_of(PAPERS[0].id, PAPERS[0].version)
    assert first is not None and first.startswith("Die Arbeit stellt Self-Evolving World Models")
    assert report.text_of(PAPERS[6].id, PAPERS[6].version) is None  # not among the top 5
    stored = records(tmp_path)
    assert [r["id"] for r in stored] == sorted(p.id for p in PAPERS[:5])
    assert list(stored[0]) == ["id", "version", "language", "prompt", "model", "tokens", "summary"]
    assert {(r["language"], r["prompt"], r["model"]) for r in stored} == {("de", 1, "gpt-4o-mini")}
    ledger = json.loads((tmp_path / "summaries" / "tokens.json").read_text())
    assert ledger == {"2026-06-30": report.tokens_used}
    # Each request is logged with the usage its response reported.
    logged = [r.getMessage() for r in caplog.records if r.name == "arxiv_digest.summarize.client"]
    assert len(logged) == 5
    for outcome in report.papers:
        line = next(m for m in logged if m.startswith(f"summary of {outcome.versioned_id}: gpt-4o-mini"))
        assert line.endswith(f"= {outcome.tokens} tokens") and " prompt + " in line and " completion " in line


def test_a_rerun_a_rebuild_or_a_fresh_clone_costs_zero_tokens(fake: FakeChat, tmp_path: Path) -> None:
    settings = settings_for(fake)
    first = summarise(settings, tmp_path / "a")
    folder = tmp_path / "a" / "summaries"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    again = summarise(settings, tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "clone")  # what git clone gives: the committed files
    cloned = summarise(settings, tmp_path / "clone")
    for report in (again, cloned):
        assert [p.outcome for p in report.papers] == [Outcome.CACHED] * 5
        assert report.tokens_used == report.requests == 0
        assert report.summaries == first.summaries
        assert report.tokens_used_today == first.tokens_used
    assert len(fake.requests) == 5
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_a_rebuild_shows_what_is_cached_without_asking(fake: FakeChat, tmp_path: Path) -> None:
    summarise(settings_for(fake, papers=3), tmp_path)
    summarise(settings_for(fake, papers=1, model="another-model"), tmp_path, PAPERS[3:])
    shown = cached_summaries(PAPERS[:10], "en", tmp_path)
    assert sorted(shown) == sorted((p.id, p.version) for p in PAPERS[:4])
    assert shown[(PAPERS[0].id, 1)].startswith("This paper presents Self-Evolving World Models")
    assert cached_summaries(PAPERS[:10], "de", tmp_path) == {}
    assert cached_summaries(PAPERS[:10], "en", tmp_path / "nothing-here") == {}
    assert len(fake.requests) == 4


def test_the_default_budget_covers_a_typical_day(fake: FakeChat, tmp_path: Path) -> None:
    defaults = SummarySettings(endpoint=fake.url, model="gpt-4o-mini", key_env=VARIABLE)
    report = summarise(defaults, tmp_path)
    assert (defaults.papers, len(report.summarised)) == (30, 30)
    assert report.tokens_used < defaults.max_tokens_per_day / 2  # about 19,000: docs/design.md


def test_a_new_version_is_summarised_again_and_the_old_one_kept(fake: FakeChat, tmp_path: Path) -> None:
    settings = settings_for(fake, papers=2)
    summarise(settings, tmp_path)
    revised = [PAPERS[0].with_(version=2), PAPERS[1]]
    report = summarise(settings, tmp_path, revised)
    assert [p.outcome for p in report.papers] == [Outcome.SUMMARISED, Outcome.CACHED]
    assert len(fake.requests) == 3
    kept = {(r["id"], r["version"]) for r in records(tmp_path)}
    assert kept == {(PAPERS[0].id, 1), (PAPERS[0].id, 2), (PAPERS[1].id, 1)}


def test_a_change_of_language_or_prompt_is_a_miss_a_change_of_model_is_not(
    fake: FakeChat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(fake, papers=2)
    summarise(settings, tmp_path)
    other_model = summarise(dataclasses.replace(settings, model="gpt-4.1-mini"), tmp_path)
    assert [p.outcome for p in other_model.papers] == [Outcome.CACHED] * 2
    chinese = summarise(dataclasses.replace(settings, language="中文"), tmp_path)
    assert [p.outcome for p in chinese.papers] == [Outcome.SUMMARISED] * 2
    assert {r["language"] for r in records(tmp_path)} == {"en", "zh"}  # both kept: switching back is free
    monkeypatch.setattr(run_module, "PROMPT_VERSION", 2)
    new_prompt = summarise(settings, tmp_path)
    assert [p.outcome for p in new_prompt.papers] == [Outcome.SUMMARISED] * 2
    assert sorted((r["language"], r["prompt"]) for r in records(tmp_path)) == [
        ("en", 2),
        ("en", 2),
        ("zh", 1),
        ("zh", 1),
    ]
    assert len(fake.requests) == 6


def test_the_cache_file_is_the_same_bytes_whatever_the_order_and_concurrency(tmp_path: Path) -> None:
    with FakeChat(key=KEY) as fake:
        one = settings_for(fake, papers=12, concurrency=1)
        summarise(one, tmp_path / "a", PAPERS[:12])
        fake.queue(*[Reply(delay_seconds=0.05 * (i % 3)) for i in range(12)])  # answers out of order
        summarise(dataclasses.replace(one, concurrency=4), tmp_path / "b", PAPERS[:12][::-1])
    a, b = month_file(tmp_path / "a").read_bytes(), month_file(tmp_path / "b").read_bytes()
    assert a == b
    ids = [r["id"] for r in records(tmp_path / "a")]
    assert ids == sorted(ids) and len(ids) == 12
    assert a.endswith(b"\n") and b"\r" not in a
    assert not list((tmp_path / "a" / "summaries").glob(".*"))  # no temporary file left


def test_the_papers_go_to_the_month_of_their_id(fake: FakeChat, tmp_path: Path) -> None:
    old = PAPERS[0].with_(id="2512.01234")
    summarise(settings_for(fake, papers=2), tmp_path, [old, PAPERS[1]])
    assert sorted(p.name for p in (tmp_path / "summaries").iterdir()) == [
        "2025-12.jsonl",
        "2026-06.jsonl",
        "tokens.json",
    ]


def first_estimate(paper: Paper, settings: SummarySettings) -> int:
    messages = build_messages(paper.title, paper.abstract, find_language(settings.language))
    return estimate_request_tokens(messages, settings.max_output_tokens)


def test_the_budget_stops_summarising_and_never_fails(fake: FakeChat, tmp_path: Path) -> None:
    settings = settings_for(fake, papers=10, max_tokens_per_day=2500)
    report = summarise(settings, tmp_path)
    outcomes = [p.outcome for p in report.papers]
    summarised = outcomes.count(Outcome.SUMMARISED)
    assert 2 <= summarised < 10
    # The order is kept: no lower-ranked paper has a summary that a higher-ranked one lacks.
    assert outcomes == [Outcome.SUMMARISED] * summarised + [Outcome.OVER_BUDGET] * (10 - summarised)
    assert all("max_tokens_per_day" in p.reason for p in report.over_budget)
    assert fake.usage_totals()["total_tokens"] == report.tokens_used <= 2500
    assert len(fake.requests) == summarised  # nothing was sent that did not fit


def test_the_estimate_keeps_a_request_that_would_overshoot_from_being_sent(
    fake: FakeChat, tmp_path: Path
) -> None:
    settings = settings_for(fake, papers=1)
    needed = first_estimate(PAPERS[0], settings)
    short = summarise(dataclasses.replace(settings, max_tokens_per_day=needed - 1), tmp_path / "short")
    assert [p.outcome for p in short.papers] == [Outcome.OVER_BUDGET]
    assert fake.requests == [] and short.tokens_used == 0
    assert not (tmp_path / "short" / "summaries" / "tokens.json").exists()
    enough = summarise(dataclasses.replace(settings, max_tokens_per_day=needed), tmp_path / "enough")
    assert [p.outcome for p in enough.papers] == [Outcome.SUMMARISED]
    assert 0 < enough.tokens_used <= needed  # what the fake counts stays within the estimate


def test_the_budget_holds_across_the_runs_of_a_day_and_renews_the_next(
    fake: FakeChat, tmp_path: Path
) -> None:
    settings = settings_for(fake, papers=3, max_tokens_per_day=4000)
    first = summarise(settings, tmp_path)
    more = summarise(dataclasses.replace(settings, papers=12), tmp_path)
    assert first.tokens_used + more.tokens_used == more.tokens_used_today <= 4000
    assert more.over_budget and len(more.cached) == 3
    next_day = summarise(
        dataclasses.replace(settings, papers=12), tmp_path, PAPERS[20:], day=DAY + dt.timedelta(1)
    )
    assert next_day.summarised and next_day.tokens_used_today == next_day.tokens_used
    ledger = json.loads((tmp_path / "summaries" / "tokens.json").read_text())
    assert ledger == {"2026-06-30": more.tokens_used_today, "2026-07-01": next_day.tokens_used}
    assert fake.usage_totals()["total_tokens"] == sum(ledger.values())


def test_a_budget_of_zero_spends_nothing_and_shows_what_is_cached(fake: FakeChat, tmp_path: Path) -> None:
    summarise(settings_for(fake, papers=2), tmp_path)
    report = summarise(settings_for(fake, papers=4, max_tokens_per_day=0), tmp_path)
    assert [p.outcome for p in report.papers] == [Outcome.CACHED] * 2 + [Outcome.OVER_BUDGET] * 2
    assert len(report.summaries) == 2 and len(fake.requests) == 2


def test_an_answer_without_usage_counts_the_estimate(tmp_path: Path) -> None:
    with FakeChat(key=KEY, shape="ollama") as fake:
        fake.queue(Reply(usage=False))
        settings = settings_for(fake, papers=1)
        report = summarise(settings, tmp_path)
    assert [p.outcome for p in report.papers] == [Outcome.SUMMARISED]
    assert report.tokens_used == first_estimate(PAPERS[0], settings)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_requests_in_flight_are_bounded_by_concurrency(tmp_path: Path, concurrency: int) -> None:
    with FakeChat(key=KEY) as fake:
        fake.queue(*[Reply(delay_seconds=0.2) for _ in range(9)])
        report = summarise(settings_for(fake, papers=9, concurrency=concurrency), tmp_path)
    assert len(report.summarised) == 9
    assert fake.max_in_flight == concurrency


def test_a_local_server_without_a_key_gets_no_authorization_header(tmp_path: Path) -> None:
    with FakeChat(key=None, shape="ollama") as fake:
        settings = dataclasses.replace(settings_for(fake, papers=2), key_env=None, model="llama3.2")
        report = summarise(settings, tmp_path, environ={})
    assert len(report.summarised) == 2
    assert all("authorization" not in r.headers for r in fake.requests)
    assert {r.body["model"] for r in fake.requests} == {"llama3.2"}


def test_the_request_is_a_chat_completion_of_title_and_abstract(fake: FakeChat, tmp_path: Path) -> None:
    summarise(settings_for(fake, papers=1, max_output_tokens=150), tmp_path)
    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("arxiv-digest/")
    assert set(request.body) == {"model", "messages", "max_tokens", "stream"}
    assert request.body["max_tokens"] == 150 and request.body["stream"] is False
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    user = request.body["messages"][1]["content"]
    assert PAPERS[0].title in user and PAPERS[0].abstract[:200] in user
    assert PAPERS[0].authors[0] not in user  # title and abstract only
