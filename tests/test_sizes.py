"""A busy day (2,000 papers) stays readable on GitHub: page sizes, split pages, what the README holds.

GitHub stops rendering a Markdown file past 512 KB; the reference's README, which inlined every abstract,
passed that on 4 of its 5 published days. Here the day comes from the fake arXiv as a 2,000-item feed in
arXiv's format (``tests/bigday.py``) and goes through ``arxiv-digest run`` unchanged: fetch, parse, store,
match, render, write. No timing is asserted (that is ``benchmarks/bench_day.py``'s job).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from arxiv_digest.models import id_sort_key
from tests import bigday
from tests.fakearxiv.feeds import FeedItem

README_LIMIT_BYTES = 256_000  # half of GitHub's limit, so a README never comes near it
PAGE_LIMIT_BYTES = 512_000  # GitHub's rendering limit (512 KB; 524,288 if read as KiB, so this is stricter)
ROOTS = ("", f"archive/{bigday.BIG_DAY.isoformat()}/")  # the latest day, and its archived copy

# An entry's first line: "- **[title](https://arxiv.org/abs/<id>)**  `arXiv:<id>`  `cs.CV` …".
_ENTRY = re.compile(r"^- \*\*\[.*\]\(https://arxiv\.org/abs/([^)\s]+)\)\*\*  `arXiv:\1`", re.MULTILINE)
_PREVIOUS = re.compile(r"^⬅️ \[Previous page\]\(([^)]+)\) · page (\d+) of (\d+)$", re.MULTILINE)
_NEXT = re.compile(r"^➡️ \[Next page\]\(([^)]+)\) · page (\d+) of (\d+)$", re.MULTILINE)
_COUNT_BADGE = re.compile(r"badge/Papers-(\d+)-")


@dataclass(frozen=True)
class BigDay:
    out: Path
    items: tuple[FeedItem, ...]


@pytest.fixture(scope="module")
def big_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigDay]:
    """``arxiv-digest run`` once, against a fake arXiv announcing the 2,000-paper day."""
    out, asked = bigday.publish_big_day(tmp_path_factory.mktemp("bigday"))
    # The feed, then the comments of its papers, 100 ids a request (issue #13).
    batches = -(-len(bigday.big_day_items()) // 100)
    assert asked == ["/rss/" + "+".join(bigday.REFERENCE_CATEGORIES)] + ["/api/query"] * batches
    yield BigDay(out=out, items=tuple(bigday.big_day_items()))


def listed_ids(page: str) -> list[str]:
    return _ENTRY.findall(page)


def expected_category_ids(items: tuple[FeedItem, ...], code: str) -> set[str]:
    """Issue #2's rule, restated: a paper sits on its primary category's page when that is tracked, else on
    the first tracked category it is cross-listed to; new, cross and replace are listed by default."""
    tracked = bigday.REFERENCE_CATEGORIES
    out = set()
    for item in items:
        if item.announce_type not in ("new", "cross", "replace"):
            continue
        home = next((c for c in item.categories if c in tracked), None)
        if home == code:
            out.add(item.id)
    return out


def parts_of(folder: Path, slug: str) -> list[Path]:
    """The files of a list page: ``<slug>.md``, ``<slug>-2.md``, … as written to the folder."""
    pattern = re.compile(rf"^{re.escape(slug)}(?:-(\d+))?\.md$")
    found = [(int(m.group(1) or 1), p) for p in folder.iterdir() if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found)]


def follow_parts(folder: Path, slug: str) -> list[Path]:
    """Walk a page's parts from ``<slug>.md`` through its "Next page" links, checking every link both ways
    and every "page i of n", and that no part is left out of the chain."""
    chain = [folder / f"{slug}.md"]
    text = chain[0].read_text(encoding="utf-8")
    assert not _PREVIOUS.search(text), f"{chain[0].name}: the first part links to a previous one"
    while m := _NEXT.search(text):
        link, number, total = m.group(1), int(m.group(2)), int(m.group(3))
        assert number == len(chain), f"{chain[-1].name} says it is page {number}"
        nxt = folder / link
        assert nxt.is_file(), f"{chain[-1].name} links to {link}, which was not written"
        assert nxt not in chain, f"{chain[-1].name} links back to {link}"
        text = nxt.read_text(encoding="utf-8")
        back = _PREVIOUS.search(text)
        assert back, f"{link} has no link to the previous part"
        assert folder / back.group(1) == chain[-1], f"{link}'s previous link is {back.group(1)}"
        assert (int(back.group(2)), int(back.group(3))) == (number + 1, total)
        chain.append(nxt)
    if len(chain) > 1:
        assert not _NEXT.search(text)
        last = _PREVIOUS.search(text)
        assert last and int(last.group(2)) == int(last.group(3)) == len(chain), f"{chain[-1].name}"
    assert chain == parts_of(folder, slug), "a part that no other part links to"
    return chain


@pytest.mark.slow
@pytest.mark.parametrize("root", ROOTS)
def test_readme_is_small_links_the_category_pages_and_holds_no_abstract(big_day: BigDay, root: str) -> None:
    readme = big_day.out / root / "README.md"
    size = readme.stat().st_size
    assert size < README_LIMIT_BYTES, f"{root}README.md is {size:,} bytes"
    text = readme.read_text(encoding="utf-8")
    for code in bigday.REFERENCE_CATEGORIES:
        assert f"](category/{code}.md)" in text, f"{root}README.md does not link category/{code}.md"
        assert (big_day.out / root / "category" / f"{code}.md").is_file()
    assert "<details" not in text
    assert listed_ids(text) == []
    inlined = [item.id for item in big_day.items if " ".join(item.abstract.split())[:80] in text]
    assert inlined == [], f"{root}README.md inlines the abstracts of {inlined[:5]}"


@pytest.mark.slow
def test_every_page_is_under_githubs_rendering_limit(big_day: BigDay) -> None:
    pages = sorted(big_day.out.rglob("*.md"))
    assert len(pages) > 2 * (1 + 6 + 8), "expected README, category and topic pages, latest and archived"
    sizes = {p.relative_to(big_day.out).as_posix(): p.stat().st_size for p in pages}
    too_big = {name: size for name, size in sizes.items() if size >= PAGE_LIMIT_BYTES}
    assert too_big == {}, f"pages GitHub would not render: {too_big}"
    # The day is big enough that the limit bites: without the split these pages would pass it.
    assert sum(1 for name in sizes if re.search(r"-\d+\.md$", name)) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("root", ROOTS)
def test_category_parts_link_each_other_and_list_every_paper_once(big_day: BigDay, root: str) -> None:
    folder = big_day.out / root / "category"
    split = 0
    listed_total = 0
    for code in bigday.REFERENCE_CATEGORIES:
        chain = follow_parts(folder, code)
        split += len(chain) > 1
        ids: list[str] = []
        for part in chain:
            text = part.read_text(encoding="utf-8")
            part_ids = listed_ids(text)
            assert part_ids or len(chain) == 1, f"{part.name} lists no paper"
            ids += part_ids
            badge = _COUNT_BADGE.search(text)
            assert badge and int(badge.group(1)) == len(expected_category_ids(big_day.items, code))
        assert len(ids) == len(set(ids)), (
            f"{code}: listed twice: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
        assert set(ids) == expected_category_ids(big_day.items, code), f"{code}: papers missing or extra"
        assert ids == sorted(ids, key=id_sort_key, reverse=True), f"{code}: not newest first across parts"
        listed_total += len(ids)
    assert split >= 2, "no category page was split: the day is too small to test splitting"
    assert listed_total == sum(1 for i in big_day.items if i.announce_type in ("new", "cross", "replace"))


@pytest.mark.slow
@pytest.mark.parametrize("root", ROOTS)
def test_topic_parts_link_each_other_and_repeat_no_paper(big_day: BigDay, root: str) -> None:
    folder = big_day.out / root / "hot_topic"
    readme = (big_day.out / root / "README.md").read_text(encoding="utf-8")
    split = 0
    for m in re.finditer(r"\]\(hot_topic/([^)]+)\.md\) · (\d+)$", readme, re.MULTILINE):
        slug, count = m.group(1), int(m.group(2))
        chain = follow_parts(folder, slug)
        split += len(chain) > 1
        ids = [i for part in chain for i in listed_ids(part.read_text(encoding="utf-8"))]
        assert len(ids) == len(set(ids)) == count, f"{slug}: {len(ids)} entries, README says {count}"
    assert split >= 1
