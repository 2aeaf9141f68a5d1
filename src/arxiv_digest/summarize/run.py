"""One day's summaries: choose the papers, take what the cache has, ask the model for the rest within the
budget, the concurrency and the time allowed, keep what is good, and report every paper's outcome.

:func:`summarise_day` never raises for anything the world does (no key, a refused key, timeouts, 429s,
5xx, nonsense, refusals, the wrong language, a spent budget, an unreadable cache file): each is an outcome
in the :class:`SummaryReport`, and the paper keeps its abstract alone until a later run succeeds. It
cannot drop or filter a paper: it only returns summaries, and the pages list what they listed before.

Order and bounds. Requests are started in the order the papers were chosen, at most ``concurrency`` at
a time, each first reserving its most possible cost from the budget (``budget.py``): when a request does
not fit, the requests in flight are waited for (their actual cost is usually lower than reserved), and
if it still does not fit, it and every paper after it are over budget, so a lower-ranked paper never has
a summary that a higher-ranked one lacks for want of tokens. A request is tried at most
``1 + max_retries`` times (by the one retry rule, ``retry.py``); a failure that concerns the endpoint
rather than the paper (the key refused, the model or URL unknown, a connection refused, 429s past the
retries or a Retry-After past ``max_retry_after_seconds``) stops the day's requests, and the papers not
yet sent are "not tried". Everything ends by ``max_run_seconds``.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..errors import AttemptFailed, DeadlineExceeded, GaveUp, UsageError
from ..languages import Language, find_language
from ..models import Paper
from ..net.retry import RetryPolicy, retry
from .budget import TokenBudget
from .cache import TOKENS_FILE, CachedSummary, SummaryCache
from .choose import top_papers
from .client import Answer, ChatClient
from .judge import judge
from .prompt import PROMPT_VERSION, Message, build_messages, estimate_request_tokens
from .report import Outcome, PaperOutcome, SummaryReport
from .settings import SummarySettings

#: Statuses that say the endpoint, not the paper, is wrong: no other paper would fare better today.
STOP_STATUSES = frozenset({401, 403, 404})


def read_key(settings: SummarySettings, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(the API key, None), or (None, why there is none). No key is needed when ``key_env`` is None."""
    if settings.key_env is None:
        return None, None
    value = environ.get(settings.key_env, "").strip()  # a secret pasted with its line break is common
    if not value:
        return None, (
            f"the environment variable {settings.key_env} (summaries.key) is not set or empty: no "
            "summaries until it holds the API key (on GitHub, a repository secret mapped in the workflow)"
        )
    if not all(33 <= ord(ch) < 127 for ch in value):
        return None, (
            f"the environment variable {settings.key_env} (summaries.key) holds characters no API key "
            "has (spaces, line breaks or non-ASCII): set it to the key alone"
        )
    return value, None


@dataclass(frozen=True, slots=True)
class _Stop:
    """A paper's request ended before it was sent again: ``outcome`` is NOT_TRIED or OVER_BUDGET."""

    outcome: Outcome
    reason: str


def _maybe_billed(failure: AttemptFailed) -> bool:
    """Could the server have done (and billed) the work of a failed try? Yes for a timeout or a cut
    answer after the request was sent; no for an error status or a connection never made."""
    if failure.status is not None:
        return failure.status == 200
    cause = failure.__cause__
    return isinstance(failure, DeadlineExceeded) or not isinstance(
        cause, httpx.ConnectError | httpx.ConnectTimeout
    )


def _stops_the_day(error: GaveUp) -> str | None:
    """Why no other paper should be tried today after this failure, or None."""
    last = error.last
    if last.status in STOP_STATUSES:
        hint = (
            "check the key in the variable summaries.key names"
            if last.status != 404
            else "check summaries.endpoint (the API's base URL, such as …/v1) and summaries.model"
        )
        return f"the endpoint refused the requests ({last.reason}); {hint}"
    if error.retry_after_seconds is not None:
        return f"the endpoint is rate-limiting us: {error}"
    if last.status == 429:
        return f"the endpoint is still rate-limiting us after {error.attempts} tries ({last.reason})"
    if isinstance(last.__cause__, httpx.ConnectError | httpx.ConnectTimeout):
        return f"cannot connect to summaries.endpoint ({last.reason}); is the server running?"
    return None


class _Batch:
    """The requests of one run: the client, the budget, the clock, and the reason the day stopped."""

    def __init__(
        self,
        client: ChatClient,
        settings: SummarySettings,
        language: Language,
        budget: TokenBudget,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.client, self.settings, self.language, self.budget = client, settings, language, budget
        self.sleep, self.clock = sleep, clock
        self.deadline = clock() + settings.max_run_seconds
        self._stop_reason: str | None = None
        #: index in the chosen list -> the paper's outcome and summary (filled by ``run``)
        self.results: dict[int, tuple[PaperOutcome, CachedSummary | None]] = {}
        self._lock = threading.Lock()
        self.policy = RetryPolicy(
            attempts=settings.max_retries + 1,
            first_wait_seconds=1.0,
            max_wait_seconds=settings.max_retry_after_seconds,
            max_wait_name=f"summaries.max_retry_after_seconds={settings.max_retry_after_seconds:g}",
            server="the summaries endpoint",
        )

    def stop(self, reason: str) -> None:
        with self._lock:
            self._stop_reason = self._stop_reason or reason

    @property
    def stop_reason(self) -> str | None:
        """Why the day's requests were stopped (the endpoint's fault), if they were."""
        with self._lock:
            return self._stop_reason

    def why_not(self) -> str | None:
        """Why no request may start now, or None."""
        stopped = self.stop_reason
        if stopped:
            return stopped
        if self.clock() >= self.deadline:
            return f"out of time (summaries.max_run_seconds={self.settings.max_run_seconds:g})"
        return None

    def summarise(
        self, paper: Paper, messages: tuple[Message, ...], estimate: int
    ) -> tuple[PaperOutcome, CachedSummary | None]:
        """One paper, its first try's ``estimate`` already reserved. Runs in a worker thread."""
        spent = 0
        tries = 0

        def attempt() -> Answer | _Stop:
            nonlocal spent, tries
            tries += 1
            if tries > 1:
                why = self.why_not()
                if why:
                    return _Stop(Outcome.NOT_TRIED, why)
                if not self.budget.reserve(estimate):
                    return _Stop(
                        Outcome.OVER_BUDGET, "the day's budget was spent before this paper's next try"
                    )
            try:
                answer = self.client.complete(messages, what=f"summary of {paper.versioned_id}")
            except AttemptFailed as failure:
                cost = estimate if _maybe_billed(failure) else 0
                self.budget.settle(estimate, cost)
                spent += cost
                raise
            cost = answer.usage.total_tokens if answer.usage else estimate
            self.budget.settle(estimate, cost)
            spent += cost
            return answer

        def outcome(kind: Outcome, reason: str = "") -> PaperOutcome:
            return PaperOutcome(paper.id, paper.version, kind, reason, spent)

        try:
            result = retry(attempt, self.policy, what=f"summary of {paper.versioned_id}", sleep=self.sleep)
        except GaveUp as e:
            stop = _stops_the_day(e)
            if stop:
                self.stop(stop)
            return outcome(Outcome.FAILED, str(e)), None
        if isinstance(result, _Stop):
            return outcome(result.outcome, result.reason), None
        text, reason = judge(result, self.language, self.settings)
        text = self.client.scrub(text) if text is not None else None
        if text is None:
            return outcome(Outcome.FAILED, reason), None
        tokens = result.usage.total_tokens if result.usage else estimate
        summary = CachedSummary(
            paper.id, paper.version, self.language.code, PROMPT_VERSION, self.settings.model, tokens, text
        )
        return outcome(Outcome.SUMMARISED), summary

    def _admit(self, estimate: int, in_flight: bool, collect: Callable[[], None]) -> _Stop | None:
        """Reserve ``estimate`` for the next request (None), waiting for requests in flight while it does
        not fit; or why it may not start (and neither may any after it)."""
        while True:
            why = self.why_not()
            if why:
                return _Stop(Outcome.NOT_TRIED, why)
            if self.budget.reserve(estimate):
                return None
            if not in_flight:
                return _Stop(Outcome.OVER_BUDGET, "the day's budget (summaries.max_tokens_per_day) is spent")
            collect()
            in_flight = self.budget.reserved > 0

    def run(self, todo: Iterable[tuple[int, Paper]]) -> None:
        """Every paper of ``todo`` (index in the chosen list, paper) to its outcome, in ``results``."""
        results = self.results
        pending: dict[Future[tuple[PaperOutcome, CachedSummary | None]], int] = {}

        def collect() -> None:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results[pending.pop(future)] = future.result()

        closed: _Stop | None = None
        with ThreadPoolExecutor(max_workers=self.settings.concurrency, thread_name_prefix="summary") as pool:
            for index, paper in todo:
                while len(pending) >= self.settings.concurrency:
                    collect()
                messages = build_messages(paper.title, paper.abstract, self.language)
                estimate = estimate_request_tokens(messages, self.settings.max_output_tokens)
                closed = closed or self._admit(estimate, bool(pending), collect)
                if closed is not None:
                    results[index] = (
                        PaperOutcome(paper.id, paper.version, closed.outcome, closed.reason),
                        None,
                    )
                    continue
                pending[pool.submit(self.summarise, paper, messages, estimate)] = index
            while pending:
                collect()


def _open_client(
    settings: SummarySettings,
    environ: Mapping[str, str],
    transport: httpx.BaseTransport | None,
    cache: SummaryCache,
    spent_before: int | None,
) -> tuple[ChatClient | None, str]:
    """A client to ask with, or (None, why no request may be sent today)."""
    if spent_before is None:
        return None, f"{cache.unreadable[TOKENS_FILE]}: the day's spending is unknown, so nothing is spent"
    key, why_not = read_key(settings, environ)
    if why_not:
        return None, why_not
    try:
        return ChatClient(settings, key, transport=transport), ""
    except UsageError as e:  # a proxy variable we cannot use (socks5://): the day goes on without
        return None, str(e)


def _ask(batch: _Batch, todo: list[tuple[int, Paper]], cache: SummaryCache, day: dt.date) -> list[str]:
    """Run the batch, then keep what it paid for (even if something unforeseen ended it); the problems."""
    problems: list[str] = []
    try:
        batch.run(todo)
    finally:
        for outcome, summary in batch.results.values():
            if summary is not None and outcome.outcome is Outcome.SUMMARISED:
                cache.put(summary)
        cache.add_tokens(day, batch.budget.spent)
        problems += cache.save()[1]
    stopped = batch.stop_reason  # the endpoint's fault: said even when every paper was in flight
    if stopped is None and any(o.outcome is Outcome.NOT_TRIED for o, _ in batch.results.values()):
        stopped = batch.why_not()  # out of time
    return [stopped, *problems] if stopped else problems


def summarise_day(
    candidates: Iterable[Paper],
    settings: SummarySettings,
    *,
    day: dt.date,
    data_dir: Path,
    environ: Mapping[str, str] = os.environ,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> SummaryReport:
    """Summaries of the top ``settings.papers`` of ``candidates`` (ordered: For you, then the topics in
    config order) for announcement ``day``: from ``data_dir/summaries`` where they are cached, from the
    endpoint within the budget otherwise. New summaries and the day's tokens are written there before it
    returns. ``settings`` must have passed ``settings_problems``; ``environ`` is where the key is read."""
    language = find_language(settings.language)
    chosen = top_papers(candidates, settings.papers)
    cache = SummaryCache(data_dir)
    results: dict[int, tuple[PaperOutcome, CachedSummary | None]] = {}
    todo: list[tuple[int, Paper]] = []
    for index, paper in enumerate(chosen):
        hit = cache.get(paper.id, paper.version, language.code)
        if hit is not None and hit.prompt == PROMPT_VERSION:
            results[index] = (PaperOutcome(paper.id, paper.version, Outcome.CACHED), hit)
        else:
            todo.append((index, paper))
    spent_before = cache.tokens_spent(day)
    problems: list[str] = []
    requests = used = 0
    if todo:
        client, why_not = _open_client(settings, environ, transport, cache, spent_before)
        if client is None:
            problems.append(why_not)
            for index, paper in todo:
                results[index] = (PaperOutcome(paper.id, paper.version, Outcome.NOT_TRIED, why_not), None)
        else:
            with client:
                budget = TokenBudget(settings.max_tokens_per_day, spent_before or 0)
                batch = _Batch(client, settings, language, budget, sleep=sleep, clock=clock)
                problems += _ask(batch, todo, cache, day)
            results.update(batch.results)
            requests, used = client.requests_made, budget.spent
    said = "\n".join(problems)  # each unreadable file once: the ledger's and save()'s words may hold it
    problems += [why for _, why in sorted(cache.unreadable.items()) if why not in said]
    ordered = [results[i] for i in range(len(chosen))]
    return SummaryReport(
        day=day,
        language=language.code,
        model=settings.model,
        papers=tuple(o for o, _ in ordered),
        summaries=tuple(s for _, s in ordered if s is not None),
        tokens_used=used,
        tokens_used_today=(spent_before or 0) + used,
        budget=settings.max_tokens_per_day,
        requests=requests,
        problems=tuple(dict.fromkeys(problems)),  # once each, in order
    )
