"""The site in a real browser (issue #4): Debian's Chromium driven by Playwright (``executable_path``, no
browser download), the site served from a thread on 127.0.0.1 and opened from the disk. Every page loads
without a console error or a failed request and asks nothing of another host; the search box and the
filters narrow the list; topic pages list the Markdown topic pages' papers; every local link resolves;
math renders; hostile text never runs; dark mode and a phone's width work."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from arxiv_digest.cli.site import make_server
from tests import sitebuild

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (/usr/bin/chromium): apt-get install -y chromium (.ci/run does)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the [test] extra installs playwright")

# The pages' Content-Security-Policy forbids eval, so these tests wait on selectors, never on JS strings.
# Without the background-networking flags Chromium tries to reach Google's hosts at every start.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOPICS = ("LLM", "MLLM", "Test-Time-Scaling", "Embodied_AI", "Diffusion", "3D_Reconstruction",
          "3D_Generation", "Benchmark")  # fmt: skip
VISIBLE = "[data-arxiv-id]:visible"


@dataclass
class Site:
    out: Path
    base: str  # http://127.0.0.1:PORT/
    context: sync_api.BrowserContext
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.out / "site"

    def open(self, rel: str) -> sync_api.Page:
        page = self.context.new_page()
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )
        page.on("request", lambda r: self.requests.append(r.url))
        page.goto(rel if ":" in rel else self.base + rel)
        page.wait_for_load_state("load")
        return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    out = tmp_path_factory.mktemp("browser") / "digest"
    sitebuild.build(out)
    server = make_server(out / "site", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1100, "height": 900},
        )
        try:
            yield Site(out, f"http://127.0.0.1:{server.server_address[1]}/", context)
        finally:
            context.close()
            server.shutdown()
            server.server_close()
            shutil.rmtree(profile, ignore_errors=True)


def pages_of(site: Site) -> list[str]:
    return sorted(p.relative_to(site.root).as_posix() for p in site.root.rglob("*.html"))


def test_every_page_loads_without_errors_and_asks_only_this_site(site: Site) -> None:
    pages = pages_of(site)
    assert len(pages) > 40
    site.problems.clear()
    site.requests.clear()
    for rel in pages:
        page = site.open(rel)
        page.wait_for_selector("html.js", state="attached")  # site.js ran
        page.close()
    assert site.problems == []
    foreign = [u for u in site.requests if urlsplit(u).hostname != "127.0.0.1" and not u.startswith("data:")]
    assert foreign == []


def test_every_local_link_resolves_to_a_file(site: Site) -> None:
    checked = 0
    for rel in pages_of(site):
        page = site.open(rel)
        urls = page.eval_on_selector_all(
            "[href], [src]", "els => els.map(e => e.href || e.src).filter(u => typeof u === 'string')"
        )
        page.close()
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme == "data" or parts.hostname != "127.0.0.1":
                assert parts.scheme in ("https", "data"), f"{rel}: {url}"
                continue
            target = site.root / unquote(parts.path).lstrip("/")
            assert target.is_file(), f"{rel} links to {url}, which is not a file"
            checked += 1
    assert checked > 500


def count(page: sync_api.Page) -> int:
    return page.locator(VISIBLE).count()


def test_the_search_box_narrows_the_list(site: Site) -> None:
    page = site.open("topic/LLM.html")
    before = count(page)
    assert before > 50
    page.keyboard.press("/")  # the shortcut focuses the search box
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("agent")
    narrowed = count(page)
    assert 0 < narrowed < before
    for text in page.locator(VISIBLE).all_inner_texts():
        assert "agent" in text.lower()
    assert page.locator("#shown").inner_text() == f"{narrowed} of {before} papers shown"
    assert "q=agent" in page.url  # the state survives a reload and can be shared
    page.keyboard.press("Escape")
    assert count(page) == before
    page.fill("#search", "zzzz-no-such-word")
    assert count(page) == 0
    page.close()


def test_the_index_search_reaches_abstracts_it_does_not_show(site: Site) -> None:
    page = site.open("index.html")
    before = count(page)
    # A phrase from the abstract of 2606.99901, which the index lists without its abstract.
    page.fill("#search", "improving")
    # Its title does not hold the word: it shows once the day's search data has loaded.
    sync_api.expect(page.locator('[data-arxiv-id="2606.99901"]').first).to_be_visible()
    assert 0 < count(page) < before
    page.close()


def test_the_topic_and_category_filters_narrow_the_list(site: Site) -> None:
    page = site.open("category/cs.CL.html")
    before = count(page)
    page.select_option("#topic-filter", "LLM")
    with_topic = page.eval_on_selector_all(VISIBLE, "els => els.map(e => e.dataset.topics)")
    assert 0 < len(with_topic) < before and all("LLM" in t.split() for t in with_topic)
    page.select_option("#topic-filter", "")
    page.select_option("#category-filter", "cs.AI")
    cats = page.eval_on_selector_all(
        VISIBLE, "els => els.map(e => Array.from(e.querySelectorAll('.cat'), c => c.textContent))"
    )
    assert 0 < len(cats) < before and all("cs.AI" in c for c in cats)
    page.close()
    index = site.open("index.html")
    index.select_option("#topic-filter", "MLLM")
    assert index.locator("section.topic-section:visible").count() == 1
    index.close()


def test_topic_pages_list_exactly_the_markdown_topic_pages_papers(site: Site) -> None:
    for topic in TOPICS:
        page = site.open(f"topic/{topic}.html")
        ids = page.eval_on_selector_all("[data-arxiv-id]", "els => els.map(e => e.dataset.arxivId)")
        page.close()
        assert ids == sitebuild.markdown_ids(site.out / "hot_topic", topic), topic


def test_math_renders_and_no_tex_is_shown_raw(site: Site) -> None:
    page = site.open("topic/LLM.html")
    paper = page.locator('[data-arxiv-id="2606.99901"]')
    maths = paper.locator("math")
    assert maths.count() == 4
    for i in range(maths.count()):
        box = maths.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
    text = page.locator("body").inner_text()
    assert "$\\" not in text and "\\(" not in text and "$$" not in text
    assert paper.locator(".abstract strong").inner_text() == "large language model"
    page.close()


def test_hostile_text_never_runs(site: Site) -> None:
    for rel in ("index.html", "topic/LLM.html", "category/cs.CL.html"):
        page = site.open(rel)
        assert page.evaluate("window.__pwned") is None
        title = page.locator('[data-arxiv-id="2606.99902"] .title').first.inner_text()
        assert "<script>window.__pwned = 1</script>" in title
        assert page.locator("img, svg, iframe").count() == 0
        page.close()


def test_hostile_facts_stay_text_and_their_link_stays_one_attribute(site: Site) -> None:
    """A venue and a code link built to break out (sitebuild.EXTRA) show as text on every page kind."""
    for rel in ("index.html", "topic/LLM.html", "category/cs.CL.html"):
        page = site.open(rel)
        paper = page.locator('[data-arxiv-id="2606.99902"]').first
        assert page.evaluate("window.__pwned") is None
        assert paper.locator(".badge.venue.workshop").inner_text() == (
            "🛠️ <img src=x onerror=alert(3)> & </span>` 2026 Workshop"
        )
        link = paper.locator("a.badge.code")
        assert link.get_attribute("href") == 'https://evil.example/"><script>window.__pwned=2</script>(x)'
        assert link.inner_text() == "💻 code"
        assert paper.get_attribute("data-venue") == "<img src=x onerror=alert(3)> & </span>`"
        assert page.locator("img, svg, iframe").count() == 0
        page.close()


def test_the_has_code_and_venue_filters_narrow_the_list(site: Site) -> None:
    page = site.open("topic/3D_Generation.html")
    before = count(page)
    page.check("#code-filter")
    with_code = page.eval_on_selector_all(
        VISIBLE, "els => els.map(e => e.querySelectorAll('a.badge.code').length)"
    )
    assert 0 < len(with_code) < before and all(n == 1 for n in with_code)
    assert page.locator("#shown").inner_text() == f"{len(with_code)} of {before} papers shown"
    assert "code=1" in page.url
    page.uncheck("#code-filter")
    assert count(page) == before
    options = page.eval_on_selector_all("#venue-filter option", "els => els.map(e => e.value)")
    assert options[:3] == ["", "any", "workshop"] and "v:ECCV" in options
    page.select_option("#venue-filter", "v:ECCV")
    venues = page.eval_on_selector_all(VISIBLE, "els => els.map(e => e.dataset.venue)")
    assert 0 < len(venues) < before and set(venues) == {"ECCV"}
    page.select_option("#venue-filter", "any")
    assert count(page) >= len(venues)
    page.check("#code-filter")  # both at once: papers with a venue and a code link
    both = count(page)
    kept = page.eval_on_selector_all(
        VISIBLE, "els => els.map(e => e.hasAttribute('data-venue') && e.hasAttribute('data-code'))"
    )
    assert 0 < both <= len(with_code) and all(kept)
    page.reload()  # the state is in the URL: it survives a reload
    page.wait_for_selector("html.js", state="attached")
    assert page.is_checked("#code-filter") and page.input_value("#venue-filter") == "any"
    assert count(page) == both
    page.close()
    llm = site.open("topic/LLM.html")
    llm.select_option("#venue-filter", "workshop")
    workshops = llm.eval_on_selector_all(VISIBLE, "els => els.map(e => e.hasAttribute('data-workshop'))")
    assert workshops and all(workshops)
    assert llm.locator('[data-arxiv-id="2606.99902"]').first.is_visible()
    llm.close()
    index = site.open("index.html")
    total = count(index)
    index.check("#code-filter")
    assert 0 < count(index) < total
    assert index.locator("section.topic-section:visible").count() >= 1
    index.close()


def test_opened_from_the_disk_it_works_the_same(site: Site) -> None:
    site.problems.clear()
    page = site.open((site.root / "index.html").as_uri())
    before = count(page)
    page.fill("#search", "benchmark")
    assert 0 < count(page) < before
    page.click("text=Archive")
    page.wait_for_load_state("load")
    assert page.url.endswith("/archive.html")
    page.close()
    assert site.problems == []


def test_dark_mode_and_a_phone_width(site: Site) -> None:
    page = site.open("topic/LLM.html")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light != dark
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.close()


def test_the_weekly_page_shows_each_topics_papers_of_the_markdown_week(site: Site) -> None:
    weeks = sorted(p.stem for p in (site.root / "weekly").glob("*.html"))
    assert weeks == ["2026-W26", "2026-W27"]  # the history's two weeks, both closed
    site.problems.clear()
    page = site.open("weekly/2026-W27.html")
    page.wait_for_selector("html.js", state="attached")
    markdown = (site.out / "weekly" / "2026-W27.md").read_text(encoding="utf-8")
    for topic in TOPICS:
        section = page.locator(f"#topic-{topic}")
        ids = section.locator("[data-arxiv-id]").evaluate_all("els => els.map(e => e.dataset.arxivId)")
        part = markdown.split(f"\n## {topic}\n", 1)[1].split("\n## ", 1)[0]
        assert ids == re.findall(r"`arXiv:([^`]+)`", part), topic
        assert section.locator(":scope > h2").inner_text() == topic
    page.click('nav.week-topics a[href="#topic-LLM"]')  # the topic index jumps to the section
    assert page.url.endswith("#topic-LLM")
    assert page.evaluate("window.__pwned") is None and page.locator("img, svg, iframe").count() == 0
    page.close()
    assert site.problems == []
