"""Every way a summary can fail, against the fake API: each leaves the paper without a summary (its abstract
alone), is reported with its reason, is not cached, and is tried again by the next run; nothing raises.
Failures of the endpoint rather than the paper stop the day's requests. The key never leaves the
Authorization header: not in a reason, a log line, the report or a file."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
from pathlib import Path

import pytest

from arxiv_digest.summarize import Outcome
from tests.fakes.chat import ANSWERS, FakeChat, Reply, rate_limited, server_error
from tests.test_summarize_run import KEY, PAPERS, VARIABLE, records, settings_for, summarise

TARGET = PAPERS[1]  # the paper each fault is scripted for (by its title; requests run concurrently)
NOT_JSON = b'{"id": "chatcmpl-x", "object": "chat.completion", "choi'
NO_CHOICES = json.dumps({"id": "chatcmpl-x", "object": "chat.completion", "choices": []}).encode()
TOO_LONG = Reply(
    400,
    error={
        "message": "This model's maximum context length is 128000 tokens. However, your messages resulted "
        "in 130000 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    },
)

#: fault id -> (the replies to the target's tries, the words its reason must hold)
FAULTS: dict[str, tuple[list[Reply], str]] = {
    "timeout": ([Reply(delay_seconds=1.5)] * 2, "gave up after 2 attempts; last error: "),
    "500": ([server_error(500)] * 2, "HTTP 500: The server had an error while processing your request."),
    "503": ([server_error(503)] * 2, "HTTP 503: The engine is currently overloaded"),
    "not JSON": ([Reply(body=NOT_JSON)] * 2, "the answer is not JSON"),
    "no choices": ([Reply(body=NO_CHOICES)], "malformed answer: no choices[0] in the answer"),
    "empty": ([Reply(content="")], "empty answer"),
    "null content": ([Reply(null_content=True)], "empty answer"),
    "only invisible": ([Reply(content="\u200b\u202e \n")], "empty answer"),
    "refusal field": (
        [Reply(null_content=True, refusal="I'm sorry, I can't help with that request.")],
        "refused: \"I'm sorry, I can't help with that request.\"",
    ),
    "refusal text": ([Reply(content="I'm sorry, but I cannot summarise this paper.")], "refused: "),
    "content filter": (
        [Reply(content="", finish_reason="content_filter")],
        "refused: the endpoint's content",
    ),
    "cut off": ([Reply(content="It does X and", finish_reason="length")], "cut off at summaries.max_output"),
    "tool call": ([Reply(content=None, finish_reason="tool_calls")], "malformed answer: a tool_calls"),
    "wrong language": (
        [Reply(content=ANSWERS["Chinese"].format(title="X"))],
        "wrong language: written in Chinese, not English",
    ),
    "400": ([TOO_LONG], "HTTP 400: This model's maximum context length is 128000 tokens."),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failure_leaves_the_abstract_alone_and_the_next_run_tries_again(fault: str, tmp_path: Path) -> None:
    replies, words = FAULTS[fault]
    with FakeChat(key=KEY) as fake:
        fake.script(TARGET.title, *replies)
        settings = settings_for(fake, papers=4, timeout_seconds=1)
        report = summarise(settings, tmp_path)
        assert [p.outcome for p in report.papers] == [
            Outcome.SUMMARISED,
            Outcome.FAILED,
            Outcome.SUMMARISED,
            Outcome.SUMMARISED,
        ]
        failed = report.failed[0]
        assert failed.id == TARGET.id and words in failed.reason
        assert report.text_of(TARGET.id, TARGET.version) is None
        assert TARGET.id not in {r["id"] for r in records(tmp_path)}
        assert any(TARGET.id in line and words in line for line in report.lines())
        assert len(fake.requests) == 3 + len(replies)  # the retries are bounded
        again = summarise(settings, tmp_path)
    assert [p.outcome for p in again.papers] == [
        Outcome.CACHED,
        Outcome.SUMMARISED,
        Outcome.CACHED,
        Outcome.CACHED,
    ]


@pytest.mark.parametrize(
    ("first", "waited"),
    [
        (rate_limited("2"), [2.0]),
        (rate_limited(None, ms="1500"), [1.5]),  # OpenAI's retry-after-ms
        (rate_limited(None), [1.0]),  # no Retry-After: our backoff
        (server_error(502), [1.0]),
        (Reply(body=NOT_JSON), [1.0]),
    ],
)
def test_a_try_that_may_mend_is_retried_within_the_run(
    first: Reply, waited: list[float], tmp_path: Path
) -> None:
    sleeps: list[float] = []
    with FakeChat(key=KEY) as fake:
        fake.queue(first)
        report = summarise(settings_for(fake, papers=1), tmp_path, sleeps=sleeps)
    assert [p.outcome for p in report.papers] == [Outcome.SUMMARISED]
    assert sleeps == waited
    assert report.requests == 2


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("wrong key", "the endpoint refused the requests (HTTP 401: Incorrect API key provided: <key>"),
        ("unknown model", "check summaries.endpoint (the API's base URL, such as …/v1) and summaries.model"),
        ("429 after the retries", "the endpoint is still rate-limiting us after 2 tries (HTTP 429"),
        (
            "Retry-After past the cap",
            "asked us to wait 3600 s (Retry-After), longer than summaries.max_retry",
        ),
        ("connection refused", "cannot connect to summaries.endpoint"),
    ],
)
def test_a_failure_of_the_endpoint_stops_the_days_requests(case: str, words: str, tmp_path: Path) -> None:
    with FakeChat(
        key=KEY if case != "wrong key" else "sk-the-right-one-0000000000", models={"gpt-4o-mini"}
    ) as fake:
        settings = settings_for(fake, papers=5, concurrency=1)
        if case == "unknown model":
            settings = dataclasses.replace(settings, model="gpt-9")
        if case == "429 after the retries":
            fake.queue(rate_limited("1"), rate_limited("1"))
        if case == "Retry-After past the cap":
            fake.queue(rate_limited("3600"))
        if case == "connection refused":
            settings = dataclasses.replace(settings, endpoint=closed_port_url())
        report = summarise(settings, tmp_path)
        sent = len(fake.requests)
    assert [p.outcome for p in report.papers] == [Outcome.FAILED] + [Outcome.NOT_TRIED] * 4
    assert words in report.problems[0]
    assert all(p.reason == report.problems[0] for p in report.not_tried)
    assert sent <= 2  # one paper's tries, then nothing
    assert not (tmp_path / "summaries" / "2026-06.jsonl").exists()


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({}, f"the environment variable {VARIABLE} (summaries.key) is not set or empty"),
        ({VARIABLE: ""}, "is not set or empty"),
        ({VARIABLE: "sk-two words"}, "holds characters no API key has"),
    ],
)
def test_without_a_usable_key_nothing_is_sent(environ: dict[str, str], words: str, tmp_path: Path) -> None:
    with FakeChat(key=KEY) as fake:
        report = summarise(settings_for(fake, papers=3), tmp_path, environ=environ)
        assert fake.requests == []
    assert [p.outcome for p in report.papers] == [Outcome.NOT_TRIED] * 3
    assert words in report.problems[0]
    assert report.tokens_used == 0


def test_a_key_pasted_with_its_line_break_is_used_without_it(tmp_path: Path) -> None:
    with FakeChat(key=KEY) as fake:
        report = summarise(settings_for(fake, papers=1), tmp_path, environ={VARIABLE: KEY + "\n"})
        assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert len(report.summarised) == 1


def test_the_run_ends_by_its_time_and_the_rest_wait_for_the_next_run(tmp_path: Path) -> None:
    ticks = iter(range(0, 10_000, 100))  # each look at the clock is 100 s later
    with FakeChat(key=KEY) as fake:
        settings = settings_for(fake, papers=6, concurrency=1, max_run_seconds=350)
        report = summarise(settings, tmp_path, clock=lambda: float(next(ticks)))
    outcomes = [p.outcome for p in report.papers]
    assert outcomes == [Outcome.SUMMARISED] * 3 + [Outcome.NOT_TRIED] * 3
    assert "out of time (summaries.max_run_seconds=350)" in report.problems[0]


def test_a_hostile_answer_is_kept_as_one_line_of_plain_text(tmp_path: Path) -> None:
    hostile = "It does \x1b[2J<img src=x onerror=alert(1)>\u202e X.\r\nIt finds **Y**\x07."
    with FakeChat(key=KEY) as fake:
        fake.queue(Reply(content=hostile))
        report = summarise(settings_for(fake, papers=1), tmp_path)
    (summary,) = report.summaries
    assert summary.text == "It does [2J<img src=x onerror=alert(1)> X. It finds Y."  # escaped by renderers
    assert records(tmp_path)[0]["summary"] == summary.text


def test_an_unreadable_cache_file_is_never_rewritten_and_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    conflict = b'<<<<<<< HEAD\n{"id": "2606.30639"}\n=======\n>>>>>>> theirs\n'
    (folder / "2026-06.jsonl").write_bytes(conflict)
    with FakeChat(key=KEY) as fake:
        report = summarise(settings_for(fake, papers=2), tmp_path)
    assert len(report.summarised) == 2  # shown this run
    assert (folder / "2026-06.jsonl").read_bytes() == conflict
    assert any(
        "2026-06.jsonl:1: not a summary record" in p and "not saved until it is repaired" in p
        for p in report.problems
    )


def test_an_unreadable_ledger_spends_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    (folder / "tokens.json").write_text('{"2026-06-30": "lots"}')
    with FakeChat(key=KEY) as fake:
        report = summarise(settings_for(fake, papers=2), tmp_path)
        assert fake.requests == []
    assert [p.outcome for p in report.papers] == [Outcome.NOT_TRIED] * 2
    assert "tokens.json: not an object of day: tokens" in report.problems[0]
    assert "nothing is spent" in report.problems[0]


def test_the_key_is_sent_only_in_the_authorization_header_and_never_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx's and httpcore's own debug lines too
    secret_part = KEY[8:-4]
    reports = []
    with FakeChat(key=KEY) as fake:
        fake.script(PAPERS[0].title, server_error(500), Reply(body=NOT_JSON))
        # An endpoint (or a proxy in front of it) that echoes the Authorization header into its answer:
        fake.script(PAPERS[1].title, Reply(content=f"This paper shows that the key is {KEY} in the header."))
        reports.append(summarise(settings_for(fake, papers=3, concurrency=1), tmp_path / "a"))
        sent = list(fake.requests)
    for masked in (False, True):
        with FakeChat(key="sk-the-right-one-0000000000") as wrong:
            wrong.echo_key_whole = not masked
            reports.append(summarise(settings_for(wrong, papers=2), tmp_path / f"b{masked}"))
            sent += wrong.requests
    for request in sent:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert secret_part not in request.raw.decode()
        assert all(secret_part not in v for k, v in request.headers.items() if k != "authorization")
    shown = [caplog.text]
    for report in reports:
        shown += [repr(report), json.dumps(report.to_record()), *report.lines()]
    shown += [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()]
    assert reports[1].problems and reports[2].problems  # the 401s were reported…
    for text in shown:
        assert secret_part not in text  # …without the key, whole or masked
    assert reports[0].text_of(PAPERS[1].id, PAPERS[1].version) == (
        "This paper shows that the key is <key> in the header."
    )
