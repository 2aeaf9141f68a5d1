"""The one retry rule, for every caller that tries an exchange again: the arXiv client (a request, and a
body that does not parse) and delivery (each channel).

A call is tried up to ``attempts`` times. A try that fails in a way the next may not raises
:class:`~arxiv_digest.errors.AttemptFailed`; anything else it raises passes through untouched (a 404 is
not tried again). Before the next try we wait the larger of

- our backoff: ``first_wait_seconds``, doubled after each failure, never past ``max_wait_seconds`` (from
  3 s, a ``max_retries`` of 30 would otherwise reach 51 years), and
- the server's ``Retry-After`` (RFC 9110 §10.2.3: seconds, or an HTTP date), which is honoured up to
  ``max_wait_seconds``: a longer one ends the call at once, with a message naming the cap, rather than
  sleeping through the run (a year's is refused like an hour's).

Politeness is not backoff: arXiv's 3 s between requests is kept by the client before every request it
sends, retries and redirects included (``http.PoliteClient``), whatever this module waits first.

The sleep is injected, so tests run the schedule on a fake clock. This module imports nothing of the
stages (sources and notify both use it, and must not import each other).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..errors import AttemptFailed, GaveUp

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often to try and how long to wait. ``max_wait_name`` is how a message names the cap (a
    config key and its value, ``max_retry_after_seconds=600``), ``server`` who asked for a wait."""

    attempts: int  # in all, the first included; at least 1
    first_wait_seconds: float
    max_wait_seconds: float
    max_wait_name: str
    server: str = "the server"

    def backoff_seconds(self, failures: int) -> float:
        """Our wait after ``failures`` failed tries (1 for the first): doubling, up to the cap (but never
        below the first wait, when that is already past the cap)."""
        doubled = self.first_wait_seconds * 2.0 ** min(failures - 1, 64)  # 2**64: past any cap, no overflow
        return min(doubled, max(self.first_wait_seconds, self.max_wait_seconds))


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A ``Retry-After`` header as seconds from ``now`` (``time.time()``), or None when absent or not one
    of its two forms: digits, or an HTTP date (a date in the past is 0)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is True too, and float() refuses it
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def retry(
    call: Callable[[], T],
    policy: RetryPolicy,
    *,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``'s value, trying again on :class:`AttemptFailed` as the policy says; ``what`` (a URL, a
    channel's name) starts each warning logged before a wait.

    Raises :class:`GaveUp` when it stops: the tries are spent ("gave up after 5 attempts; last error:
    HTTP 503"), the server asked for a wait past the cap, or the failure was not retryable (its reason,
    as it is). Every other exception of ``call`` propagates unchanged."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except AttemptFailed as failure:
            wait = _wait_after(failure, attempt, policy)
            if attempt >= policy.attempts:
                n = policy.attempts
                raise GaveUp(
                    f"gave up after {n} attempt{'s' if n > 1 else ''}; last error: {failure.reason}",
                    last=failure,
                    attempts=attempt,
                ) from failure
            log.warning(
                "%s: %s; trying again in %.1f s (attempt %d of %d)",
                what,
                failure.reason,
                wait,
                attempt + 1,
                policy.attempts,
            )
            sleep(wait)
    raise AssertionError("unreachable: attempts must be at least 1")


def _wait_after(failure: AttemptFailed, attempt: int, policy: RetryPolicy) -> float:
    """The wait before the next try; raises GaveUp when there must be none."""
    if not failure.retryable:
        raise GaveUp(failure.reason, last=failure, attempts=attempt) from failure
    asked = failure.retry_after_seconds
    if asked is not None and asked > policy.max_wait_seconds:
        raise GaveUp(
            f"{policy.server} asked us to wait {asked:.0f} s (Retry-After), longer than "
            f"{policy.max_wait_name}; try again later",
            last=failure,
            attempts=attempt,
            retry_after_seconds=asked,
        ) from failure
    return max(asked or 0.0, policy.backoff_seconds(attempt))
