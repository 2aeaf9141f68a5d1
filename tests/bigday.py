"""A big announcement day: 2,000 papers in arXiv's RSS 2.0 format, built from the real records.

arXiv's daily feed for the reference's six categories (cs.AI, cs.CL, cs.CV, cs.LG, cs.MA, cs.RO) carries
about 2,000 items on a busy day; the real records in ``tests/data/arxiv-days/`` hold about 1,000 of them.
The day is built from those records (all three days, each id once) and, to reach the count, from copies
of them whose identifiers get a different sequence number (same year and month, still a valid id, unique),
titles, authors and abstracts left as arXiv wrote them. The originals are announced as ``new`` or
``cross``; copies alternate, by round, between replacements (version 2, ``replace``/``replace-cross``,
as a real day has hundreds of) and new submissions. Same arguments, same bytes: nothing here is random.

Shared by ``tests/test_sizes.py`` and ``benchmarks/bench_day.py`` (benchmarks import from tests, never the
other way round).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from tests.fakearxiv import feeds

#: The reference's config.yml (6 categories, 8 topics), as it published it.
REFERENCE_CONFIG_PATH = feeds.DATA / "reference" / "2025-11-14" / "config.yml"
#: Its categories, in order.
REFERENCE_CATEGORIES = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")
SOURCE_DAYS = ("2025-06-06", "2025-10-15", "2026-06-30")
BIG_DAY = dt.date(2026, 6, 30)
PAPER_COUNT = 2000
#: Added to the sequence number of each round of copies (a prime, so rounds spread over the range).
_SEQUENCE_STEP = 37_813

__all__ = [
    "BIG_DAY",
    "PAPER_COUNT",
    "REFERENCE_CATEGORIES",
    "REFERENCE_CONFIG_PATH",
    "big_day_feed",
    "big_day_items",
    "real_records",
]


def real_records(days: Sequence[str] = SOURCE_DAYS) -> list[dict[str, object]]:
    """The real records of ``days``, in file order, each arXiv id once (the first occurrence kept)."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for day in days:
        for record in feeds.load_records(day):
            if record["id"] not in seen:
                seen.add(str(record["id"]))
                out.append(record)
    return out


def _shifted_id(arxiv_id: str, round_: int, taken: set[str]) -> str:
    """``YYMM.NNNNN`` with another sequence number, not in ``taken``."""
    yymm, number = arxiv_id.split(".")
    width = max(len(number), 5)
    sequence = (int(number) + round_ * _SEQUENCE_STEP) % 10**width
    while True:
        candidate = f"{yymm}.{sequence:0{width}d}"
        if candidate not in taken:
            return candidate
        sequence = (sequence + 1) % 10**width


def big_day_items(
    count: int = PAPER_COUNT, categories: Sequence[str] = REFERENCE_CATEGORIES
) -> list[feeds.FeedItem]:
    """``count`` feed items for ``categories``: the real records first, then shifted copies of them."""
    originals = feeds.items_for(real_records(), categories)
    if not originals:
        raise ValueError(f"no real record is listed in any of {list(categories)}")
    wanted = set(categories)
    items = originals[:count]
    taken = {item.id for item in items}
    round_ = 0
    while len(items) < count:
        round_ += 1
        replacements = round_ % 2 == 1
        for item in originals:
            if len(items) == count:
                break
            new_id = _shifted_id(item.id, round_, taken)
            taken.add(new_id)
            in_set = item.categories[0] in wanted
            if replacements:
                kind, version = ("replace" if in_set else "replace-cross"), 2
            else:
                kind, version = ("new" if in_set else "cross"), 1
            items.append(dataclasses.replace(item, id=new_id, version=version, announce_type=kind))
    return items


def big_day_feed(
    count: int = PAPER_COUNT, categories: Sequence[str] = REFERENCE_CATEGORIES, day: dt.date = BIG_DAY
) -> bytes:
    """The RSS 2.0 document rss.arxiv.org would serve for ``categories`` on a ``count``-paper day."""
    return feeds.rss(day, list(categories), big_day_items(count, categories))


def publish_big_day(root: Path) -> tuple[Path, list[str]]:
    """`arxiv-digest run` once under ``root`` against a fake arXiv announcing the 2,000-paper day, with the
    reference's config. Returns the digest folder and the paths of the requests the fake saw."""
    import pytest

    from arxiv_digest.cli import main
    from tests.fakearxiv import FakeArxiv

    config = root / "config.yml"
    config.write_bytes(REFERENCE_CONFIG_PATH.read_bytes())
    out = root / "digest"
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        fake.feed_override = big_day_feed()
        fake.point(mp, delay="0.05")
        assert main(["--quiet", "run", "--config", str(config), "--out", str(out)]) == 0
        asked = [r.path for r in fake.requests]
    return out, asked
