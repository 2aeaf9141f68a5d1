"""Escaping checked with GitHub's own renderer (issue #7): cmark-gfm with every GFM extension (table,
autolink, strikethrough, tagfilter, tasklist) and unsafe rendering, then the HTML read back as a browser
would (and, for the attack that started it, run in Chromium).

markdown-it-py (tests/test_escape.py) is plain CommonMark; GitHub's autolink extension is not: it takes
everything up to a space or ``<`` into a URL, backslashes included, so a backslash escape right after a
URL is lost. These tests show that no escape of ours can be undone that way, in every context a page
has: titles (link text), author lines (emphasis), abstracts (inside ``<details>``), code spans, table
cells and link labels. GitHub may turn a URL in an author line into a link, as it does for any text;
such a link must point where its text says (http, https, ftp, mailto, xmpp, or a relative link).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from arxiv_digest.models import Digest, Paper, TopicDigest
from arxiv_digest.render import escape
from arxiv_digest.render.markdown import MarkdownRenderer, author_line
from arxiv_digest.render.tex_text import tex_to_text
from arxiv_digest.text import normalize_whitespace
from tests import gfm
from tests.test_escape import (
    _CHARS,
    COMPAT_CONFIG,
    COMPAT_RENDERER,
    CONFIG,
    DAY,
    FAST,
    HOSTILE,
    OUR_TAGS,
    RENDERER,
    html_events,
    markup,
    paper,
    shown_abstract,
    without_tex_emphasis,
)
from tests.test_escape import _one_line as one_line

#: The author of issue #7: with `\\<` after the URL, GitHub rendered a live <img> whose onerror ran.
ATTACK = "Eve https://x.example<img src=x onerror=alert(1)>"
ATTACKS = [
    ATTACK,
    "https://x.example<a href=javascript:alert(1)>click</a>",
    "www.x.example<img src=https://tracker.example/p.gif>",
    "https://x.example*<svg onload=alert(1)>*",
    "https://x.example_ <script>alert(1)</script>",
    "https://x.example~~<iframe src=javascript:alert(1)>~~",
    "https://x.example[x](javascript:alert(1))",
    "https://x.example\\<img src=x onerror=alert(1)>",
    "https://x.example&lt;img src=x onerror=alert(1)>",
    "x@y.example<img src=x onerror=alert(1)>",
]
# What GFM's autolink extension reacts to, mixed into the hostile fragments of tests/test_escape.py.
URLISH = ["https://x.example", "http://", "www.x.example", "www.", "x@y.example", "ftp://a.b", "mailto:",
          ".", "?", ",", ":", ";", "'", ")", "&lt", "&#42"]  # fmt: skip
gfm_text = st.lists(st.sampled_from(HOSTILE + URLISH) | st.text(_CHARS, max_size=4), max_size=12).map("".join)
gfm_abstract = gfm_text.filter(lambda s: s == "" or bool(s.strip(" \t\r\n\u2028\u2029")))
gfm_authors = st.lists(gfm_text.map(normalize_whitespace).filter(bool), min_size=1, max_size=8)
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "details": {"open"}}
#: Where a link may point: arXiv (ours), or what GitHub made of a URL or address in the text. A link
#: without a scheme is relative (the badge's empty one; GitHub's autolink makes `mailto:x@a.b@c` one
#: to "a.b@c"): it stays on GitHub.
HREFS = ("href=http://", "href=https://", "href=ftp://", "href=mailto:", "href=xmpp:")
#: A URL's scheme, as browsers read it (WHATWG URL): without one, a link is relative.
SCHEME = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.\-]*:")


def live_markup(html: str, *, allowed: set[str]) -> list[tuple[str, ...]]:
    """Everything in rendered HTML that could act: an element outside ``allowed``, any attribute but a
    link's href, an image's src and alt and <details open> (so no event handler, no style), a link
    with a scheme but http(s), ftp, mailto or xmpp (no javascript: or data: URL), an image from
    elsewhere than our badge, a comment, declaration or processing instruction."""
    found = []
    for e in html_events(html):
        if e[0] in {"comment", "decl", "pi"}:
            found.append(e)
        if e[0] != "start":
            continue
        names = {a.partition("=")[0] for a in e[2:]}
        if (
            e[1] not in allowed
            or not names <= ATTRIBUTES.get(e[1], set())
            or (e[1] == "a" and not all(a.startswith(HREFS) or not SCHEME.match(a[5:]) for a in e[2:]))
            or (
                e[1] == "img"
                and not all(a.startswith(("src=https://img.shields.io/", "alt=")) for a in e[2:])
            )
        ):
            found.append(e)
    return found


PAGE_TAGS = OUR_TAGS | {"p", "h1", "h2", "hr", "img"}


def topic_page(papers: list[Paper], *, compat: bool) -> str:
    config = COMPAT_CONFIG if compat else CONFIG
    digest = Digest(day=DAY, topics=(TopicDigest(config.topics[0], tuple(papers)),), categories=(), total=0)
    pages = MarkdownRenderer(config).day_pages(digest, days=[DAY], archived=False)
    return pages["hot_topic/MLLM.md"].decode("utf-8")


def test_the_old_backslash_escape_was_live_on_github() -> None:
    """The check below can fail: what we wrote before issue #7 renders a live <img> with cmark-gfm."""
    html = gfm.render("- x  \n  _Eve https://x.example\\<img src=x onerror=alert(1)>_\n")
    assert ("start", "img", "src=x", "onerror=alert(1)") in live_markup(html, allowed=PAGE_TAGS)


@pytest.mark.parametrize("compat", [False, True], ids=["default", "substring"])
@pytest.mark.parametrize("attack", ATTACKS)
def test_issue_7_attack_renders_as_text_on_github(attack: str, compat: bool) -> None:
    """The attack as author, title and abstract of a topic page, rendered the way GitHub renders it."""
    p = paper(f"T {attack}", [attack, "Mallory"], f"A {attack}")
    html = gfm.render(topic_page([p], compat=compat))
    assert live_markup(html, allowed=PAGE_TAGS) == [], html
    assert "onerror=alert(1)" not in html or "<img src=x" not in html
    # The author line still shows what the author field says, up to what GitHub turned into a link.
    author_em = re.search(r"<br />\s*<em>(.*?)</em>", html, re.DOTALL)
    assert author_em is not None, html
    assert "Mallory" in author_em.group(1)


def test_issue_7_attack_does_not_run_in_chromium() -> None:
    """In a real browser: the old escape's page raises the alert, ours does not (and shows the text)."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium): apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the [test] extra installs playwright")
    old = gfm.render("- x  \n  _Eve https://x.example\\<img src=x onerror=alert(1)>_\n")
    ours = gfm.render(topic_page([paper(ATTACK, [ATTACK], ATTACK)], compat=False))
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        try:
            fired: dict[str, list[str]] = {}
            for name, html in (("old", old), ("ours", ours)):
                page = browser.new_page()
                dialogs: list[str] = fired.setdefault(name, [])
                page.on("dialog", lambda d, dialogs=dialogs: (dialogs.append(d.message), d.dismiss()))
                # Block every request: the page under test may only run what it carries itself.
                page.route("**/*", lambda route: route.abort())
                page.set_content(f"<!DOCTYPE html><html><body>{html}</body></html>")
                page.wait_for_timeout(300)
                if name == "ours":
                    assert page.locator("img[onerror]").count() == 0
                    assert "onerror=alert(1)>" in page.inner_text("body")
                page.close()
        finally:
            browser.close()
    assert fired == {"old": ["1"], "ours": []}


def assert_gfm_entry_is_safe(entry: str, p: Paper, *, compat: bool) -> None:
    """One entry rendered by cmark-gfm: one link to arXiv in bold holding the title as text, then the
    codes, the authors in one emphasis, and the abstract alone in its <details>."""
    html = gfm.render(entry)
    events = html_events(html)
    problems = live_markup(html, allowed=OUR_TAGS | {"p"})
    if not compat:
        events = without_tex_emphasis(events)
    if compat:  # inert tags (no attribute, no HTML element) may stay in the abstract: not elements
        problems = [e for e in problems if not (e[0] == "start" and len(e) == 2 and e[1] not in PAGE_TAGS)]
        events = [e for e in events if e[0] == "data" or e[1] in OUR_TAGS | {"p"}]
    assert problems == [], (entry, html)
    ours = ("start", "a", f"href={p.abs_url}")
    # GitHub's own links from text, if any, sit in the author line: drop them (and their end tags).
    kept: list[tuple[str, ...]] = []
    autolinks = 0
    in_autolink = False
    for e in events:
        if e[:2] == ("start", "a") and e != ours:
            autolinks += 1
            in_autolink = True
        elif in_autolink and e == ("end", "a"):
            in_autolink = False
        else:
            kept.append(e)
    assert markup(kept) == [
        ("start", "ul"), ("start", "li"), ("start", "strong"), ours, ("end", "a"), ("end", "strong"),
        ("start", "code"), ("end", "code"), ("start", "code"), ("end", "code"), ("start", "code"),
        ("end", "code"), ("start", "br"), ("start", "em"), ("end", "em"), ("start", "details", "open=None"),
        ("start", "summary"), ("end", "summary"), ("end", "details"), ("end", "li"), ("end", "ul"),
    ], (entry, html)  # fmt: skip
    a_start, a_end = kept.index(ours), kept.index(("end", "a"))
    title = one_line(p.title) if compat else tex_to_text(p.title)
    assert "".join(e[1] for e in kept[a_start + 1 : a_end]) == title, (entry, html)
    em_start, em_end = kept.index(("start", "em")), kept.index(("end", "em"))
    if not autolinks:
        authors = "".join(e[1] for e in kept[em_start + 1 : em_end])
        assert authors == one_line(author_line(p.authors, CONFIG.max_authors)), (entry, html)
    if not compat:
        summary_end, details_end = kept.index(("end", "summary")), kept.index(("end", "details"))
        abstract = "".join(e[1] for e in kept[summary_end + 1 : details_end] if e[0] == "data")
        assert abstract.strip() == shown_abstract(p), (entry, html)


@FAST
@given(title=gfm_text, authors=gfm_authors, abstract=gfm_abstract)
def test_any_entry_is_safe_on_github(title: str, authors: list[str], abstract: str) -> None:
    p = paper(title, authors, abstract)
    assert_gfm_entry_is_safe(RENDERER.entry(p, mark_updates=False, open_=True), p, compat=False)


@FAST
@given(title=gfm_text, authors=gfm_authors, abstract=gfm_abstract)
def test_any_entry_in_compatibility_mode_is_safe_on_github(
    title: str, authors: list[str], abstract: str
) -> None:
    p = paper(title, authors, abstract)
    entry = COMPAT_RENDERER.entry(p, mark_updates=False, open_=True, compat=True)
    assert_gfm_entry_is_safe(entry, p, compat=True)


@pytest.mark.parametrize("fragment", HOSTILE + URLISH + ATTACKS)
def test_each_fragment_after_a_url_in_every_field_on_github(fragment: str) -> None:
    for prefix in ("https://x.example", "www.x.example", "x@y.example", ""):
        text = f"{prefix}{fragment}"
        p = paper(f"A {text} B", [f"C {text}", normalize_whitespace(text) or "X"], f"F {text} G")
        assert_gfm_entry_is_safe(RENDERER.entry(p, mark_updates=False, open_=True), p, compat=False)


def _inline_children(html: str) -> list[tuple[str, ...]]:
    events = html_events(html.strip())
    return [e for e in events if not (e[0] in ("start", "end") and e[1:2] == ("p",))]  # a text "p" stays


@FAST
@given(gfm_text)
def test_inline_text_in_a_paragraph_is_text_or_a_plain_autolink_on_github(text: str) -> None:
    html = gfm.render("a " + escape.inline(text) + " b\n")
    assert live_markup(html, allowed={"p", "a"}) == [], (text, html)
    events = _inline_children(html)
    if not any(e[:2] == ("start", "a") for e in events):
        assert [e[0] for e in events] == ["data"] * len(events), (text, html)
        assert "".join(e[1] for e in events) == "a " + one_line(text) + " b", (text, html)


@FAST
@given(gfm_text)
def test_inline_text_as_a_link_label_stays_one_link_on_github(text: str) -> None:
    """Link labels (index and archive pages) and titles: GitHub makes no link inside a link."""
    html = gfm.render("[" + escape.inline(text) + "](page.md)\n")
    events = _inline_children(html)
    assert events[0] == ("start", "a", "href=page.md") and events[-1] == ("end", "a"), (text, html)
    assert all(e[0] == "data" for e in events[1:-1]), (text, html)
    assert "".join(e[1] for e in events[1:-1]) == one_line(text), (text, html)


@FAST
@given(gfm_text.filter(bool))
@example("p")  # a text that is a tag's name: once taken for the paragraph's tag by the helper
def test_code_spans_hold_their_text_literally_on_github(text: str) -> None:
    html = gfm.render("a " + escape.code(text) + " b\n")
    events = _inline_children(html)
    assert [e[0] for e in events] == ["data", "start", "data", "end", "data"][: len(events)], (text, html)
    code = [e for e in events if e[:2] == ("start", "code")]
    assert len(code) == 1, (text, html)
    inside = events[events.index(code[0]) + 1]
    assert inside == ("data", one_line(text)), (text, html)


@FAST
@given(gfm_text.map(str.strip))
def test_table_cells_stay_one_cell_on_github(text: str) -> None:
    html = gfm.render(f"| a | b |\n| --- | --- |\n| {escape.table_cell(text)} | z |\n")
    assert live_markup(html, allowed={"table", "thead", "tbody", "tr", "th", "td", "a"}) == [], (text, html)
    events = html_events(html)
    cells = [i for i, e in enumerate(events) if e[:2] == ("start", "td")]
    assert len(cells) == 2, (text, html)
    first = events[cells[0] + 1 : events.index(("end", "td"))]
    if not any(e[:2] == ("start", "a") for e in first):
        assert "".join(e[1] for e in first if e[0] == "data").strip() == one_line(text).strip(), (text, html)


@FAST
@given(gfm_abstract, st.booleans())
def test_abstracts_stay_text_inside_details_on_github(text: str, compat: bool) -> None:
    html = gfm.render(
        "<details><summary>Abstract</summary>\n"
        + escape.html_text(text, keep_inert_tags=compat)
        + "\n</details>\n"
    )
    events = html_events(html)
    tags = [e for e in markup(events) if e[1] not in {"details", "summary"}]
    if compat:
        assert all(e[0] in {"start", "end"} and len(e) == 2 and e[1] not in PAGE_TAGS for e in tags), tags
    else:
        assert tags == [], (text, html)
        body = events[events.index(("end", "summary")) + 1 : events.index(("end", "details"))]
        assert "".join(e[1] for e in body).strip() == one_line(text).strip(), (text, html)
