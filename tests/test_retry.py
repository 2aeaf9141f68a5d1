"""The one retry rule (retry.py) on its own, then as delivery uses it: waits of a fake clock, Retry-After
in both of its forms, the cap on both waits, the stops that come at once."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from pathlib import Path

import httpx
import pytest

from arxiv_digest.config import parse_config
from arxiv_digest.errors import AttemptFailed, FetchError, GaveUp, SendFailed
from arxiv_digest.jobs._delivery import deliver as deliver_digest
from arxiv_digest.match.digest import build_digest
from arxiv_digest.net.retry import RetryPolicy, retry, retry_after_seconds
from arxiv_digest.notify.deliver import MAX_WAIT_SECONDS, Status, read_state, state_path

POLICY = RetryPolicy(attempts=5, first_wait_seconds=2.0, max_wait_seconds=10.0, max_wait_name="cap=10")


class Script:
    """A call that fails as scripted, then answers "done"; records each try."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "done"


def run(script: Script, policy: RetryPolicy = POLICY) -> list[float]:
    sleeps: list[float] = []
    assert retry(script, policy, what="thing", sleep=sleeps.append) == "done"
    return sleeps


def test_the_backoff_doubles_up_to_the_cap() -> None:
    assert run(Script(*[AttemptFailed("HTTP 503")] * 4)) == [2.0, 4.0, 8.0, 10.0]


def test_a_first_wait_past_the_cap_is_kept_not_cut() -> None:
    policy = RetryPolicy(attempts=3, first_wait_seconds=20.0, max_wait_seconds=10.0, max_wait_name="c")
    assert run(Script(AttemptFailed("x"), AttemptFailed("x")), policy) == [20.0, 20.0]


def test_retry_after_wins_when_longer_and_the_backoff_when_shorter() -> None:
    script = Script(
        AttemptFailed("HTTP 429", retry_after_seconds=7.0), AttemptFailed("HTTP 429", retry_after_seconds=1.0)
    )
    assert run(script) == [7.0, 4.0]


def test_a_retry_after_past_the_cap_stops_at_once_naming_the_cap() -> None:
    script = Script(AttemptFailed("HTTP 503", status=503, retry_after_seconds=11.0))
    sleeps: list[float] = []
    with pytest.raises(GaveUp) as info:
        retry(script, POLICY, what="thing", sleep=sleeps.append)
    assert sleeps == [] and script.calls == 1
    assert str(info.value) == (
        "the server asked us to wait 11 s (Retry-After), longer than cap=10; try again later"
    )
    assert info.value.retry_after_seconds == 11.0 and info.value.last.status == 503
    assert info.value.attempts == 1


def test_tries_spent_give_up_with_the_last_reason() -> None:
    script = Script(*[AttemptFailed(f"failure {i}") for i in range(9)])
    sleeps: list[float] = []
    with pytest.raises(GaveUp) as info:
        retry(script, POLICY, what="thing", sleep=sleeps.append)
    assert str(info.value) == "gave up after 5 attempts; last error: failure 4"
    assert script.calls == 5 and len(sleeps) == 4 and info.value.attempts == 5
    assert info.value.retry_after_seconds is None


def test_a_failure_that_cannot_mend_stops_at_once_with_its_reason() -> None:
    script = Script(SendFailed("the password is not set", retryable=False))
    with pytest.raises(GaveUp) as info:
        retry(script, POLICY, what="thing", sleep=lambda s: None)
    assert str(info.value) == "the password is not set" and script.calls == 1


def test_any_other_error_passes_through_untried() -> None:
    script = Script(FetchError("http://x/", "not found", status=404))
    with pytest.raises(FetchError):
        retry(script, POLICY, what="thing", sleep=lambda s: None)
    assert script.calls == 1


def test_each_wait_is_logged_with_what_and_why(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="arxiv_digest.net.retry"):
        run(Script(AttemptFailed("HTTP 502")))
    assert caplog.messages == ["thing: HTTP 502; trying again in 2.0 s (attempt 2 of 5)"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 7 ", 7.0), (None, None), ("", None), ("²", None), ("-5", None), ("soon", None)],
)
def test_retry_after_in_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=1000.0) == seconds


def test_retry_after_as_an_http_date_counts_from_now() -> None:
    now = 1_750_000_000.0
    assert retry_after_seconds(email.utils.formatdate(now + 90, usegmt=True), now) == 90.0
    assert retry_after_seconds(email.utils.formatdate(now - 90, usegmt=True), now) == 0.0


# -- delivery: the same rule, its own cap ----------------------------------------------------------------
CONFIG = """\
category:
  cs.CL: Computation and Language
topic:
  LLM:
    keywords: [LLM]
notify:
  send_empty: true
  retry_backoff_seconds: 2
  webhooks:
    - {url: "https://hooks.example.test/T/B/secret", format: json}
"""


def deliver(tmp_path: Path, *answers: httpx.Response) -> tuple[list[float], dict[str, object], int]:
    config = parse_config(CONFIG, env={})
    day = dt.date(2026, 6, 30)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers[min(len(sent), len(answers)) - 1]

    sleeps: list[float] = []
    report = deliver_digest(
        config,
        tmp_path,
        build_digest(config, day, []),
        sleep=sleeps.append,
        env={},
        transport=httpx.MockTransport(handler),
    )
    (outcome,) = report.outcomes
    record = read_state(state_path(tmp_path, day))["webhook 1 (json)"]
    assert record["attempts"] == outcome.attempts == len(sent)
    return sleeps, record, len(sent)


def test_delivery_honours_a_retry_after_within_its_cap(tmp_path: Path) -> None:
    sleeps, record, tries = deliver(
        tmp_path, httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)
    )
    assert sleeps == [7.0] and tries == 2 and record["status"] == Status.SENT.value


def test_delivery_fails_at_once_on_a_retry_after_past_its_cap(tmp_path: Path) -> None:
    """It used to wait the 60 s and try again; a server that asks for longer is answered by the next run."""
    sleeps, record, tries = deliver(tmp_path, httpx.Response(429, headers={"Retry-After": "3600"}))
    assert sleeps == [] and tries == 1 and record["status"] == Status.FAILED.value
    assert record["last_error"] == (
        "HTTP 429; the server asked us to wait 3600 s (Retry-After), longer than the "
        f"{MAX_WAIT_SECONDS:.0f} s a delivery waits at most; try again later"
    )


def test_delivery_backoff_doubles_and_keeps_the_last_reason(tmp_path: Path) -> None:
    sleeps, record, tries = deliver(tmp_path, httpx.Response(503, text="busy"))
    assert sleeps == [2.0, 4.0] and tries == 3
    assert record["last_error"] == "HTTP 503: busy"
