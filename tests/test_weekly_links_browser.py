"""A reader reaches the weekly pages from the site (issue #10), in a real browser (Debian's Chromium through
Playwright, as test_site_browser.py drives it): from the index, the latest closed week's link and "every
week"; from the archive, each week's row; served over HTTP and opened from the disk alike, with no console
error and no failed request."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_digest.cli.site import make_server
from tests import sitebuild
from tests.test_site_browser import CHROMIUM, FLAGS, Site, sync_api


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    # 2026-06-25, 26 (W26), 29 and 30 (W27): W26 is closed by a later stored day
    out = tmp_path_factory.mktemp("weekly-browser") / "digest"
    sitebuild.build(out, earlier_days=3, per_day=30)
    server = make_server(out / "site", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=FLAGS, headless=True
        )
        try:
            yield Site(out, f"http://127.0.0.1:{server.server_address[1]}/", context)
        finally:
            context.close()
            server.shutdown()
            server.server_close()
            shutil.rmtree(profile, ignore_errors=True)


def _heading(page: sync_api.Page) -> str:
    return page.locator("main h1").inner_text()


@pytest.mark.parametrize("served", [True, False], ids=["http", "file"])
def test_the_index_links_the_latest_week_and_the_archive_every_week(site: Site, served: bool) -> None:
    base = site.base if served else site.root.as_uri() + "/"
    site.problems.clear()
    site.requests.clear()
    page = site.open(base + "index.html")
    link = page.locator("p.week a", has_text="Week 2026-W26")
    assert link.count() == 1
    link.click()
    page.wait_for_load_state("load")
    assert page.url == base + "weekly/2026-W26.html"
    assert _heading(page).startswith("Week 2026-W26")
    assert page.locator("[data-arxiv-id]").count() > 0  # the week's papers are there
    page.go_back()
    page.locator("p.week a", has_text="every week").click()
    page.wait_for_load_state("load")
    assert page.url == base + "archive.html#weeks"
    assert page.locator("#weeks").inner_text() == "Weeks"
    rows = page.locator("table.weeks tbody tr")
    assert rows.count() == 1 and rows.first.locator("td").first.inner_text() == "2026-W26"
    rows.first.locator("a").click()
    page.wait_for_load_state("load")
    assert page.url == base + "weekly/2026-W26.html"
    page.close()
    assert site.problems == []
    if served:
        assert all(r.startswith(site.base) for r in site.requests)  # nothing asked of another host


def test_the_week_linked_is_the_one_whose_page_exists(site: Site) -> None:
    weeks = sorted(p.stem for p in (site.root / "weekly").glob("*.html"))
    assert "2026-W26" in weeks  # W27 may exist (closed by the calendar): linked once a later day is stored
    page = site.open("archive.html")
    hrefs = page.locator("table.weeks a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all((site.root / Path(h)).is_file() for h in hrefs)
    page.close()
