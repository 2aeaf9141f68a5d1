"""A reader finds the weekly pages (issue #10): the latest pages (README.md, site/index.html) link the latest
week that has closed, and the archives (archive/README.md, site/archive.html) list every closed week with
its days and papers, from the run that closes the week on.

Real days of the shared history, published one after another by the daily run through the fake arXiv:
Thursday and Friday of 2025-W23, then Monday 2025-06-09 (closes W23), then Monday 2025-06-16 (closes W24).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import html as lxml_html

from arxiv_digest.cli import main
from arxiv_digest.config import load_config
from arxiv_digest.jobs.daily import run_daily
from arxiv_digest.jobs.rebuild import rebuild
from tests import gfm, history_days
from tests.conftest import tree_state
from tests.fakearxiv import FakeArxiv

DAYS = ("2025-06-05", "2025-06-06", "2025-06-09", "2025-06-10", "2025-06-16")
PER_DAY = 40
_COUNTS = re.compile(r"\*\*: (\d+) announcement days?, (\d+) papers? \(")


def _links(page: Path) -> list[str]:
    """The link targets of a Markdown page as GitHub renders it."""
    rendered = lxml_html.fromstring(gfm.render(page.read_text(encoding="utf-8")))
    return [str(a.get("href")) for a in rendered.iter("a")]


def _resolves(page: Path, href: str) -> bool:
    return (page.parent / unquote(href.split("#", 1)[0])).is_file()


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, dict[str, bytes]]]]:
    """The digest folder, and what each day's run left of the four pages that link weeks."""
    records = {d: r for d, r in history_days.days(DAYS[0], DAYS[-1], PER_DAY).items() if d in DAYS}
    out = tmp_path_factory.mktemp("weekly-links") / "digest"
    assert main(["--quiet", "init", str(out)]) == 0
    pages = ("README.md", "archive/README.md", "site/index.html", "site/archive.html")
    after: dict[str, dict[str, bytes]] = {}
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as env:
        fake.point(env, delay="0")
        for day in DAYS:
            fake.day = dt.date.fromisoformat(day)
            fake.records = history_days.as_feed_records(records[day])
            run_daily(load_config(out / "config.yml"), out, today=fake.day, sleep=lambda s: None)
            after[day] = {p: (out / p).read_bytes() for p in pages}
    yield out, after


def test_no_week_is_linked_before_one_closes(replay: tuple[Path, dict[str, dict[str, bytes]]]) -> None:
    _, after = replay
    for page, text in after["2025-06-06"].items():
        assert b"weekly/" not in text and b"#weeks" not in text, page


def test_the_run_that_closes_a_week_links_it_from_the_latest_pages(
    replay: tuple[Path, dict[str, dict[str, bytes]]],
) -> None:
    out, after = replay
    for day, week in (("2025-06-09", "2025-W23"), ("2025-06-10", "2025-W23"), ("2025-06-16", "2025-W24")):
        readme = after[day]["README.md"].decode("utf-8")
        rendered = lxml_html.fromstring(gfm.render(readme))
        weekly = [a for a in rendered.iter("a") if str(a.get("href")).startswith("weekly/")]
        assert [(a.get("href"), a.text_content()) for a in weekly] == [(f"weekly/{week}.md", f"Week {week}")]
        assert "archive/README.md#weeks" in [a.get("href") for a in rendered.iter("a")]
        index = lxml_html.fromstring(after[day]["site/index.html"])
        (link,) = index.cssselect("p.week a[href^='weekly/']")
        assert (link.get("href"), link.text_content()) == (f"weekly/{week}.html", f"Week {week}")
        assert index.cssselect("p.week a[href='archive.html#weeks']")
    # on the folder as the last run left it, every link of the four pages resolves to a file
    for page in (out / "README.md", out / "archive" / "README.md"):
        local = [h for h in _links(page) if h and not h.startswith(("http", "#"))]  # "": the badge
        assert local and all(_resolves(page, h) for h in local), page


def test_the_archives_list_every_closed_week_with_its_days_and_papers(
    replay: tuple[Path, dict[str, dict[str, bytes]]],
) -> None:
    out, _ = replay
    archive = out / "archive" / "README.md"
    rendered = lxml_html.fromstring(gfm.render(archive.read_text(encoding="utf-8")))
    (heading,) = [h for h in rendered.iter("h2") if h.text_content() == "Weeks"]
    assert "#weeks" in [a.get("href") for a in rendered.iter("a")]  # GitHub's anchor of that heading
    table = heading.getnext().getnext()
    rows = [[td.text_content() for td in tr.iter("td")] for tr in table.iter("tr")][1:]
    assert [r[:2] for r in rows] == [
        ["2025-W24", "2025-06-09 to 2025-06-15"],
        ["2025-W23", "2025-06-02 to 2025-06-08"],
    ]
    for week, _dates, days, papers in rows:  # the same counts as the week's own page
        page = (out / "weekly" / f"{week}.md").read_text(encoding="utf-8")
        m = _COUNTS.search(page)
        assert m is not None and (days, papers) == m.groups(), week
    site = lxml_html.fromstring((out / "site" / "archive.html").read_bytes())
    site_rows = [[td.text_content() for td in tr.iter("td")] for tr in site.cssselect("table.weeks tbody tr")]
    assert site_rows == rows
    hrefs = [a.get("href") for a in site.cssselect("table.weeks a")]
    assert hrefs == ["weekly/2025-W24.html", "weekly/2025-W23.html"]
    assert all((out / "site" / h).is_file() for h in hrefs)
    assert site.cssselect("#weeks") and site.cssselect("p.lede a[href='#weeks']")


def test_a_rebuild_links_the_same_weeks_and_a_rerun_changes_nothing(
    replay: tuple[Path, dict[str, dict[str, bytes]]],
) -> None:
    out, after = replay
    config = load_config(out / "config.yml")
    rebuild(config, out, jobs=1, today=dt.date.fromisoformat(DAYS[-1]))
    for page, text in after[DAYS[-1]].items():
        assert (out / page).read_bytes() == text, page
    before = tree_state(out)
    rebuild(config, out, jobs=1, today=dt.date.fromisoformat(DAYS[-1]))
    assert tree_state(out) == before
