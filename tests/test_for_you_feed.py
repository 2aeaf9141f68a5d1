"""feeds/for-you.xml (issue #9) covers the last ``feed_days`` announcement days, as the topic feeds do: each
day's For-you list (the one its for_you.md page shows), newest day first, each best first, a paper once;
an entry's id is the paper's arXiv URL, so a feed reader keeps an entry across runs and never sees it twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from tests.conftest import CliResult
from tests.fakearxiv import FakeArxiv
from tests.test_for_you_fresh_clone import DAY, published

__all__ = ["published"]  # the fixture, used by name

Cli = Callable[..., CliResult]
ATOM = {"a": "http://www.w3.org/2005/Atom"}
FEED_DAYS = 7  # the default


def picks(folder: Path, day: dt.date) -> list[str]:
    page = (folder / "archive" / day.isoformat() / "for_you.md").read_text(encoding="utf-8")
    return [f"https://arxiv.org/abs/{i}" for i in re.findall(r"`arXiv:([^`]+)`", page)]


def entries(folder: Path) -> tuple[str, list[str], list[str]]:
    feed = etree.fromstring((folder / "site" / "feeds" / "for-you.xml").read_bytes())
    ids = [e.text for e in feed.findall("a:entry/a:id", ATOM)]
    whys = [e.text.split("\n\n", 1)[0] for e in feed.findall("a:entry/a:summary", ATOM)]
    return feed.findtext("a:id", namespaces=ATOM), ids, whys


def expected(folder: Path, days: list[dt.date]) -> list[str]:
    out: list[str] = []
    for day in sorted(days, reverse=True)[:FEED_DAYS]:
        out += [i for i in picks(folder, day) if i not in out]
    return out


def test_the_for_you_feed_holds_the_last_feed_days_lists(
    arxiv_env: FakeArxiv, cli: Cli, published: tuple[Path, list[dt.date]]
) -> None:
    folder, days = published
    feed_id, ids, whys = entries(folder)
    assert ids == expected(folder, days)
    per_day = len(picks(folder, days[-1]))
    assert per_day == 20 and len(ids) > 3 * per_day  # several days' lists, not the latest one alone
    assert len(ids) == len(set(ids)) and all(w.startswith("Why: ") for w in whys)
    older = set(ids) - set(expected(folder, days[-1:]))
    assert older <= {i for d in days[-FEED_DAYS:-1] for i in picks(folder, d)}

    # The next day: its list comes first, the oldest day's leaves, the entries of the days still covered
    # keep their ids (and the feed its own).
    result = cli("run", "--config", folder / "config.yml", "--out", folder)
    assert result.exit_code == 0, result.err
    new_id, new_ids, _ = entries(folder)
    assert new_id == feed_id
    assert new_ids == expected(folder, [*days, DAY])
    assert new_ids[: len(picks(folder, DAY))] == picks(folder, DAY)
    kept = [i for i in ids if i in new_ids]
    assert len(kept) > 2 * per_day
