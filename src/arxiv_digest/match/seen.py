"""Papers already shown (issue #10): which of a day's papers a topic listed before, and what it therefore
leaves out. No I/O: the job hands in what the store holds of the day's papers on earlier days.

The rules, for a topic in the ``word`` rule (``match: substring`` keeps the reference's pages exactly):

- a replacement of a paper the topic listed within ``seen_days`` days is not listed among its papers
  again; the page closes with one collapsed line for it ("updated, seen before"). ``seen_days: 0`` lists
  every replacement, and an ``include:`` written in the file wins: a reader who asked for replacements
  explicitly gets them;
- a paper the topic listed on the previous announcement day is never listed again as new (arXiv's feed
  repeats items after an outage), nor is the same version of a replacement.

"Listed" means what the topic selects from that day's papers by the day's own rule (matched, an announce
type the topic includes, a tracked category), judged without the seen rule itself: each day then depends
only on the snapshots and the config, so days stay independent and a rebuild's workers need no order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..config import Config, MatchMode, Topic
from ..models import Paper
from . import Matcher


@dataclass(frozen=True, slots=True)
class Earlier:
    """What the store holds, on earlier days, of the ids a day announces: each ``(day, paper)`` within
    :func:`window_start`, and the previous announcement day (None: the day is the first stored)."""

    announcements: tuple[tuple[dt.date, Paper], ...] = ()
    previous_day: dt.date | None = None


def window_start(config: Config, day: dt.date, previous_day: dt.date | None) -> dt.date:
    """The first day whose announcements the rules read for ``day``: ``seen_days`` back, or the previous
    announcement day when that is further (a long gap, or ``seen_days: 0``)."""
    start = day - dt.timedelta(days=config.seen_days)
    return min(start, previous_day) if previous_day is not None else start


def applies(topic: Topic) -> bool:
    return topic.match is not MatchMode.SUBSTRING


def _listed_before(
    config: Config,
    earlier: Earlier,
    matcher: Matcher,
    is_relevant: Callable[[Paper], bool],
) -> dict[str, dict[str, tuple[dt.date, Paper]]]:
    """Per topic name, each id it listed on an earlier day: its latest such day and paper."""
    topics = {t.name: t for t in config.topics if applies(t)}
    out: dict[str, dict[str, tuple[dt.date, Paper]]] = {name: {} for name in topics}
    for day, paper in sorted(earlier.announcements, key=lambda item: item[0]):
        if not is_relevant(paper):
            continue
        for name in matcher.match(paper):
            topic = topics.get(name)
            if topic is not None and paper.announce_type in topic.include:
                out[name][paper.id] = (day, paper)
    return out


def split_seen(
    config: Config,
    day: dt.date,
    selected: Mapping[str, Sequence[Paper]],
    earlier: Earlier,
    matcher: Matcher,
    is_relevant: Callable[[Paper], bool],
) -> tuple[dict[str, list[Paper]], dict[str, list[Paper]]]:
    """``selected`` (each topic's papers of the day) without what the rules leave out, and, per topic, the
    replacements shown as "seen before"."""
    before = _listed_before(config, earlier, matcher, is_relevant)
    kept: dict[str, list[Paper]] = {}
    seen: dict[str, list[Paper]] = {}
    for topic in config.topics:
        papers = selected[topic.name]
        if not applies(topic):
            kept[topic.name], seen[topic.name] = list(papers), []
            continue
        listed = before[topic.name]
        kept[topic.name], seen[topic.name] = [], []
        for paper in papers:
            verdict = _verdict(config, day, topic, paper, listed.get(paper.id), earlier.previous_day)
            if verdict == "list":
                kept[topic.name].append(paper)
            elif verdict == "seen":
                seen[topic.name].append(paper)
    return kept, seen


def _verdict(
    config: Config,
    day: dt.date,
    topic: Topic,
    paper: Paper,
    last: tuple[dt.date, Paper] | None,
    previous_day: dt.date | None,
) -> str:
    """``list``, ``seen`` (a collapsed line) or ``drop`` (a repeat of the day before)."""
    if last is None:
        return "list"
    last_day, last_paper = last
    repeated = last_day == previous_day
    if not paper.announce_type.is_replacement:
        return "drop" if repeated else "list"
    if repeated and last_paper.version == paper.version and last_paper.announce_type == paper.announce_type:
        return "drop"  # the same announcement again
    if topic.include_given or config.seen_days == 0:
        return "list"
    return "seen" if (day - last_day).days <= config.seen_days else "list"
