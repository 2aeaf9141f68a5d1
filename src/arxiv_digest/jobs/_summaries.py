"""The summaries stage in the jobs (issue #11): which papers of a built digest are summarised, the call of
the summariser, and what its report leaves in ``data/<day>.meta.json`` and in ``status``.

Nothing here may change what a day publishes besides the summaries themselves: the digest's papers,
topics and order are never touched (a summary is attached beside them, ``Digest.summaries``), and any
failure, even one this code did not foresee, ends as a line of the report while the day goes on with
the abstracts alone. ``run`` asks the endpoint (:func:`summarise_digest`); every other page it renders
again (the neighbours, the feeds' days) and ``rebuild`` read the cache only (:func:`attach_cached`):
zero tokens, whatever the endpoint's state.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import Config
from ..languages import find_language
from ..models import Digest, Paper, WeekDigest
from ..summarize import Outcome, SummaryReport, cached_summaries, from_config, summarise_day
from ..summarize.client import redact
from ..wording import counted

log = logging.getLogger(__name__)


def candidates(digest: Digest, ranked: Sequence[Paper] = ()) -> Iterator[Paper]:
    """The day's papers in the order a reader meets them: ``ranked`` first, then each topic's papers in
    config order (``top_papers`` keeps a paper's first place only).

    The one place #9's "For you" ranking plugs in: the daily job passes its picks, best first, as
    ``ranked`` (without a library there are none, and the topics' order is the order)."""
    yield from ranked
    for topic in digest.topics:
        yield from topic.papers


def _language_code(config: Config) -> str | None:
    if config.summaries is None:
        return None
    return find_language(config.summaries.language).code


def attach_cached(config: Config, digest: Digest, data_dir: Path) -> Digest:
    """``digest`` with the cached summaries of its papers (reading ``data/summaries`` only, never the
    API); ``digest`` itself when summaries are off or none is cached."""
    code = _language_code(config)
    if code is None:
        return digest
    papers = {p.id: p for t in digest.topics for p in t.papers}
    papers.update((item.paper.id, item.paper) for c in digest.categories for item in c.listings)
    found = cached_summaries(papers.values(), code, data_dir)
    return replace(digest, summaries=found) if found else digest


def attach_cached_week(config: Config, week: WeekDigest, data_dir: Path) -> WeekDigest:
    """``week`` with the cached summaries of its papers (issue #11: shown on the weekly pages as on the
    day pages; the cache only, never the API); ``week`` itself when summaries are off or none is cached."""
    code = _language_code(config)
    if code is None:
        return week
    found = cached_summaries([p for t in week.topics for p in t.papers], code, data_dir)
    return replace(week, summaries=found) if found else week


def summarise_digest(
    config: Config,
    digest: Digest,
    data_dir: Path,
    *,
    ranked: Sequence[Paper] = (),
    environ: Mapping[str, str] = os.environ,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Digest, dict[str, Any] | None]:
    """Summarise the digest's top papers (new ones from the endpoint within the budget, the rest from the
    cache); returns the digest with every summary it can show and the record for the day's meta.json
    (None when summaries are off). Never raises: issue #11 requires that no failure of the summaries, of
    whatever kind, changes the day's pages, topics or exit code."""
    if config.summaries is None:
        return digest, None
    settings = from_config(config.summaries)
    try:
        chosen = candidates(digest, ranked)
        report = summarise_day(
            chosen, settings, day=digest.day, data_dir=data_dir, environ=environ, sleep=sleep
        )
    except Exception as e:  # the one boundary issue #11 asks for: summaries never fail a day
        secret = environ.get(settings.key_env, "") if settings.key_env else ""
        reason = redact(f"{type(e).__name__}: {e}", [secret.strip()])
        log.error("summaries: stopped by an unexpected error (%s); the abstracts stand alone", reason)
        record = {"model": settings.model, "problems": [f"unexpected error: {reason}"], "shown": 0}
        return attach_cached(config, digest, data_dir), record
    for line in report.lines():
        log.info("%s", line)
    shown = dict(attach_cached(config, digest, data_dir).summaries)
    shown.update(((s.id, s.version), s.text) for s in report.summaries)  # also those a broken file kept out
    return (replace(digest, summaries=shown) if shown else digest), meta_record(report)


def meta_record(report: SummaryReport) -> dict[str, Any]:
    """What ``data/<day>.meta.json`` keeps of a run's report: stable across a rerun that changes nothing
    (a summary paid for now and one found in the cache are both "summarised"; no tokens of one run)."""
    left = [p for p in report.papers if p.outcome not in (Outcome.SUMMARISED, Outcome.CACHED)]
    return {
        "model": report.model,
        "language": report.language,
        "chosen": len(report.papers),
        "shown": len(report.summarised) + len(report.cached),
        "failed": len(report.failed),
        "over_budget": len(report.over_budget),
        "not_tried": len(report.not_tried),
        "tokens_today": report.tokens_used_today,
        "budget": report.budget,
        "problems": list(report.problems),
        "papers": [{"id": p.versioned_id, "outcome": p.outcome.value, "reason": p.reason} for p in left],
    }


def status_lines(day: str, record: Mapping[str, Any]) -> tuple[str, list[str]]:
    """(the ``summaries:`` line of ``status``, its warnings) for a meta.json record."""

    def number(key: str) -> int:
        value = record.get(key, 0)
        return value if isinstance(value, int) else 0

    chosen, shown = number("chosen"), number("shown")
    waiting = number("over_budget") + number("not_tried")
    line = (
        f"{shown} of {chosen} shown ({number('failed')} failed, {waiting} remaining), "
        f"{number('tokens_today'):,} of {number('budget'):,} tokens today ({record.get('model', '?')})"
    )
    warnings = [f"{day}: summaries: {p}" for p in record.get("problems", []) if isinstance(p, str)]
    papers = [p for p in record.get("papers", []) if isinstance(p, dict)]
    failed = [p for p in papers if p.get("outcome") == Outcome.FAILED.value]
    if failed:
        first = failed[0]
        warnings.append(
            f"{day}: {counted(len(failed), 'summary')} failed (first: {first.get('id')}: "
            f"{first.get('reason')}); they are tried again on the next run, the abstracts stand alone"
        )
    if waiting:
        warnings.append(
            f"{day}: {counted(waiting, 'summary')} remaining (over budget or not tried); "
            "the next run tries them"
        )
    return line, warnings
