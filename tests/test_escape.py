"""Escaping arXiv text for Markdown (render/escape.py), checked the way a reader's renderer sees it.

Every rendered entry is parsed with markdown-it-py (CommonMark with raw HTML enabled, plus GFM tables and
strikethrough) and its HTML output re-read with the standard library's HTML parser, so "safe" means: one
link per entry, to arXiv, whose text is the title; the authors in one emphasis; the abstract as text inside
its own <details>; no element, attribute, comment or link that came from arXiv's text.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from arxiv_digest.config import parse_config
from arxiv_digest.models import AnnounceType, Digest, Paper, TopicDigest
from arxiv_digest.render import escape
from arxiv_digest.render.markdown import MarkdownRenderer, author_line
from arxiv_digest.render.tex_text import tex_to_text
from arxiv_digest.text import normalize_whitespace

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
DAY = dt.date(2025, 3, 31)
CONFIG = parse_config("category:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n", env={})
COMPAT_CONFIG = parse_config(
    "match: substring\ncategory:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n", env={}
)
RENDERER = MarkdownRenderer(CONFIG)
COMPAT_RENDERER = MarkdownRenderer(COMPAT_CONFIG)

HOSTILE = [
    "</details>",
    "<details>",
    "</summary>",
    "</li>",
    "</p>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">',
    "[x](javascript:alert(1))",
    "<http://evil.example>",
    "<x>",
    "</think>",
    "<think>",
    "**",
    "*",
    "_",
    "__",
    "~~",
    "`",
    "``",
    "\\",
    "\\`",
    "&amp;",
    "&lt;",
    "&#60;",
    "&#x3C;",
    "&copy",
    "&copy;",
    "&",
    "<!--",
    "-->",
    "<?php",
    "<![CDATA[",
    "</",
    "<",
    ">",
    "|",
    "[",
    "]",
    "(",
    ")",
    "!",
    "#",
    "-",
    "1.",
    "$\\ell_0$",
    '"',
    "'",
    "\n",
    "\r\n",
    "\r",
    "\u2028",
    "\t",
    " ",
    "  ",
    "x",
    "é",
]
# Any character but NUL, which CommonMark itself replaces by U+FFFD, and lone surrogates.
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
hostile_text = st.lists(st.sampled_from(HOSTILE) | st.text(_CHARS, max_size=4), max_size=12).map("".join)
# An abstract is "" (printed as "(no abstract)") or has something visible: ingestion collapses whitespace,
# so a whitespace-only abstract never reaches the renderer.
hostile_abstract = hostile_text.filter(lambda s: s == "" or bool(s.strip(" \t\r\n\u2028\u2029")))
# Author names arrive whitespace-normalised (text.clean_author) and non-empty.
hostile_authors = st.lists(hostile_text.map(normalize_whitespace).filter(bool), min_size=1, max_size=8)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\u2028\u2029]+", " ", text)


def paper(title: str, authors: list[str], abstract: str, arxiv_id: str = "2503.00001") -> Paper:
    return Paper(
        id=arxiv_id,
        version=2,
        title=title,
        authors=tuple(authors),
        abstract=abstract,
        categories=("cs.CV", "cs.CL"),
        announce_type=AnnounceType.REPLACE,
        announced=DAY,
    )


class _Events(HTMLParser):
    """Every start tag (with attributes), end tag, comment, declaration and text, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, *(f"{k}={v}" for k, v in attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data))

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", data))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl))

    def handle_pi(self, data: str) -> None:
        self.events.append(("pi", data))

    def unknown_decl(self, data: str) -> None:
        self.events.append(("decl", data))


def html_events(html: str) -> list[tuple[str, ...]]:
    parser = _Events()
    parser.feed(html)
    parser.close()
    return parser.events


def markup(events: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The events that are not text (ignoring <p>, which only says whether the list is loose)."""
    return [e for e in events if e[0] != "data" and e[1:2] != ("p",)]


EMPHASIS = {("em",), ("strong",), ("code",)}


def without_tex_emphasis(events: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The events without the emphasis that TeX in the abstract asked for (`\\emph{x}`): bare <em>,
    <strong> or <code> tags after the <summary>, which only the TeX conversion writes there."""
    if ("end", "summary") not in events:
        return events
    first = events.index(("end", "summary"))
    return [e for i, e in enumerate(events) if i < first or e[0] == "data" or e[1:] not in EMPHASIS]


def shown_title(p: Paper, compat: bool) -> str:
    """The title a reader sees: as given in the compatibility mode, its TeX made readable otherwise."""
    return _one_line(p.title) if compat else tex_to_text(p.title)


def shown_abstract(p: Paper) -> str:
    """The abstract a reader sees in the default mode (TeX made readable; as written if that is empty)."""
    text = p.abstract or "(no abstract)"
    return (tex_to_text(text) or _one_line(text)).strip()


PLAIN_ENTRY = RENDERER.entry(paper("Title", ["Author"], "Abstract."), mark_updates=False, open_=True)
OUR_TAGS = {"ul", "li", "strong", "a", "code", "br", "em", "details", "summary"}


def assert_entry_is_safe(entry: str, p: Paper, *, compat: bool = False) -> None:
    """One parsed entry: the layout, the one link, the authors, the abstract in its details.

    ``compat``: the compatibility mode may keep inert tags (no attributes, not an HTML element) in the
    abstract; they are checked for exactly that and otherwise ignored.
    """
    # Line layout: the same five lines as a plain entry, each starting as the reference's did.
    lines = entry.split("\n")
    assert len(lines) == len(PLAIN_ENTRY.split("\n")) == 6 and lines[5] == "", entry
    assert lines[0].startswith("- **[") and lines[0].endswith("  "), entry
    assert lines[1].startswith("  _") and lines[1].endswith("_"), entry
    assert lines[2] == "  <details open><summary>Abstract</summary>", entry
    assert lines[3].startswith("  "), entry
    assert lines[4] == "  </details>", entry

    tokens = MD.parse(entry)
    assert [t.type for t in tokens] == [
        "bullet_list_open",
        "list_item_open",
        "paragraph_open",
        "inline",
        "paragraph_close",
        "html_block",
        "list_item_close",
        "bullet_list_close",
    ], entry
    children = tokens[3].children or []
    types = [c.type for c in children]
    assert "html_inline" not in types, entry
    # Exactly one link, to the paper, whose text is the title (one line, otherwise as given).
    assert types.count("link_open") == 1, entry
    start, end = types.index("link_open"), types.index("link_close")
    assert children[start].attrs == {"href": p.abs_url}, entry
    assert all(c.type == "text" for c in children[start + 1 : end]), (entry, types)
    assert "".join(c.content for c in children[start + 1 : end]) == shown_title(p, compat), entry
    # The title line holds the id and the categories as code, then a hard break; the authors follow in
    # one emphasis that closes the paragraph.
    assert types[end + 1 : end + 2] == ["strong_close"], entry
    codes = [c.content for c in children if c.type == "code_inline"]
    assert codes == [f"arXiv:{p.id}", *p.categories], entry
    br = types.index("hardbreak")
    assert types[br + 1] == "em_open" and types[-1] == "em_close", (entry, types)
    assert all(c.type == "text" for c in children[br + 2 : -1]), (entry, types)
    author_text = "".join(c.content for c in children[br + 2 : -1])
    assert author_text == _one_line(author_line(p.authors, CONFIG.max_authors)), entry

    # The browser's view: no element or attribute but ours, and the abstract as text in <details>.
    events = html_events(MD.render(entry))
    if not compat:
        events = without_tex_emphasis(events)
    if compat:
        kept = [e for e in markup(events) if e[1] not in OUR_TAGS]
        assert all(len(e) == 2 for e in kept), (entry, kept)
        assert not {e[1] for e in kept} & {"script", "img", "svg", "iframe", "style", "p", "div"}, kept
        events = [e for e in events if e[0] == "data" or e[1] in OUR_TAGS]
    assert markup(events) == [
        ("start", "ul"),
        ("start", "li"),
        ("start", "strong"),
        ("start", "a", f"href={p.abs_url}"),
        ("end", "a"),
        ("end", "strong"),
        ("start", "code"),
        ("end", "code"),
        ("start", "code"),
        ("end", "code"),
        ("start", "code"),
        ("end", "code"),
        ("start", "br"),
        ("start", "em"),
        ("end", "em"),
        ("start", "details", "open=None"),
        ("start", "summary"),
        ("end", "summary"),
        ("end", "details"),
        ("end", "li"),
        ("end", "ul"),
    ], entry
    if not compat:
        summary_end = events.index(("end", "summary"))
        details_end = events.index(("end", "details"))
        abstract = "".join(e[1] for e in events[summary_end + 1 : details_end])
        assert abstract.strip() == shown_abstract(p), entry


@FAST
@given(title=hostile_text, authors=hostile_authors, abstract=hostile_abstract)
def test_any_entry_parses_to_one_arxiv_link_titled_as_the_paper_and_a_closed_abstract(
    title: str, authors: list[str], abstract: str
) -> None:
    p = paper(title, authors, abstract)
    assert_entry_is_safe(RENDERER.entry(p, mark_updates=False, open_=True), p)


@FAST
@given(title=hostile_text, authors=hostile_authors, abstract=hostile_abstract)
def test_any_entry_in_compatibility_mode_is_as_safe(title: str, authors: list[str], abstract: str) -> None:
    """`match: substring` keeps inert tags such as </think> in the abstract; nothing else changes."""
    p = paper(title, authors, abstract)
    assert_entry_is_safe(
        COMPAT_RENDERER.entry(p, mark_updates=False, open_=True, compat=True), p, compat=True
    )


@pytest.mark.parametrize("fragment", HOSTILE)
def test_each_hostile_fragment_alone_in_every_field(fragment: str) -> None:
    p = paper(f"A {fragment} B", [f"C {fragment} D", "E"], f"F {fragment} G")
    assert_entry_is_safe(RENDERER.entry(p, mark_updates=False, open_=True), p)
    bare = paper(fragment, [normalize_whitespace(fragment) or "X"], fragment if fragment.strip() else "")
    assert_entry_is_safe(RENDERER.entry(bare, mark_updates=False, open_=True), bare)


def test_an_escaped_backtick_cannot_close_a_raw_one_in_the_author_line() -> None:
    """Regression: the author line left an unpaired backtick raw and escaped a later pair, but an escaped
    backtick still closes a code span opened before it, so "`, ``x``" became a code span and lost text."""
    p = paper("T", ["`", "``</details>``"], "A")
    entry = RENDERER.entry(p, mark_updates=False, open_=True)
    assert_entry_is_safe(entry, p)
    assert "<code>`" not in MD.render(entry)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(hostile_text, hostile_authors, hostile_abstract), min_size=1, max_size=5),
    st.booleans(),
)
def test_a_whole_topic_page_of_hostile_papers_keeps_one_link_and_one_details_per_entry(
    items: list[tuple[str, list[str], str]], compat: bool
) -> None:
    config = COMPAT_CONFIG if compat else CONFIG
    papers = [paper(t, a, ab, arxiv_id=f"2503.{10000 + i}") for i, (t, a, ab) in enumerate(items)]
    digest = Digest(day=DAY, topics=(TopicDigest(config.topics[0], tuple(papers)),), categories=(), total=0)
    page = MarkdownRenderer(config).day_pages(digest, days=[DAY], archived=False)["hot_topic/MLLM.md"]
    text = page.decode("utf-8")
    tokens = MD.parse(text)
    assert [t.type for t in tokens].count("list_item_open") == len(papers)
    assert [t.type for t in tokens if t.type == "html_block"] == ["html_block"] * len(papers)
    events = html_events(MD.render(text))
    links = [e for e in events if e[:2] == ("start", "a")]
    # The badge links to nothing (`()`), then one link per paper, in order.
    assert [e[2] for e in links if e[2] != "href="] == [f"href={p.abs_url}" for p in papers]
    assert [e for e in events if e[:2] == ("start", "details")] == [("start", "details", "open=None")] * len(
        papers
    )
    assert events.count(("end", "details")) == len(papers)
    for e in events:
        if e[0] == "start":
            assert e[1] not in {"script", "svg", "iframe", "style"}, e
            if e[1] == "img":  # the badge
                assert e[2].startswith("src=https://img.shields.io/badge/Papers-"), e
            assert not any(a.lower().startswith("on") for a in e[2:]), e
            assert not any("javascript:" in a.lower() for a in e[2:]), e
        assert e[0] not in {"comment", "decl", "pi"}, e


# ---------------------------------------------------------------------------------------------------
# plain text is left alone (that is what lets `match: substring` reproduce the reference byte for byte)

PLAIN = [
    "R&D",
    "x < 1",
    "$\\ell_0$",
    "O'Sullivan",
    "AT&T and P&G",
    "3 > 2 and 2 <= 3",
    "p<0.05",
    "snake_case and a_b",
    "C++ & C#",
    "100% (n = 5)",
    "Müller, Łukasz, 王小明",
    "a -> b",
    'He said "yes"',
    "DeepSeek-R1: 1.5B",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_comes_out_byte_identical(text: str) -> None:
    assert escape.inline(text) == text
    assert escape.inline(text, ends_paragraph=True) == text
    assert escape.html_text(text) == text
    assert escape.html_text(text, keep_inert_tags=True) == text
    p = paper(text, [text], text)
    # The compatibility mode prints it as given; so does the default mode unless it holds TeX.
    renderers = [(COMPAT_RENDERER, True)] + ([(RENDERER, False)] if tex_to_text(text) == text else [])
    for renderer, compat in renderers:
        entry = renderer.entry(p, mark_updates=False, open_=True, compat=compat)
        assert entry.split("\n")[0].startswith(f"- **[{text}](https://arxiv.org/abs/2503.00001)**")
        assert entry.split("\n")[1] == f"  _{text}_"
        assert entry.split("\n")[3] == f"  {text}"
        assert_entry_is_safe(entry, p, compat=compat)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("</details>", "&lt;/details>"),
        ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
        ("<think>x</think>", "&lt;think>x&lt;/think>"),
        ("<!-- c -->", "&lt;!-- c -->"),
        ("&copy 2020", "&amp;copy 2020"),
        ("&amp;", "&amp;amp;"),
        ("&#60;", "&amp;#60;"),
        ("a\nb\r\nc", "a b c"),
    ],
)
def test_html_text_escapes_what_a_browser_would_read(text: str, escaped: str) -> None:
    assert escape.html_text(text) == escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("</think>", "</think>"),
        ("<think>step</think>", "<think>step</think>"),
        ("<eos>", "<eos>"),
        ("</details>", "&lt;/details>"),
        ("</DETAILS>", "&lt;/DETAILS>"),
        ("<script>", "&lt;script>"),
        ("<b>", "&lt;b>"),
        ("</p>", "&lt;/p>"),
        ("<svg>", "&lt;svg>"),
        ("<think class=x>", "&lt;think class=x>"),
        ("<think onclick=alert(1)>", "&lt;think onclick=alert(1)>"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)>"),
        ("<!-- </think> -->", "&lt;!-- </think> -->"),
        ("<!DOCTYPE html>", "&lt;!DOCTYPE html>"),
        ("<?xml?>", "&lt;?xml?>"),
    ],
)
def test_html_text_keep_inert_tags_keeps_only_attribute_free_unknown_tags(text: str, escaped: str) -> None:
    assert escape.html_text(text, keep_inert_tags=True) == escaped


@FAST
@given(hostile_text, st.booleans())
def test_html_text_reads_back_as_the_same_text_and_no_markup(text: str, keep_inert: bool) -> None:
    """What a browser (here: html.parser, which decodes references as browsers do) reads from the escaped
    text is the text itself; in the compatibility mode only attribute-free unknown tags are markup."""
    events = html_events("<div>" + escape.html_text(text, keep_inert_tags=keep_inert) + "</div>")
    tags = markup(events)[1:-1]
    if keep_inert:
        assert all(e[0] in {"start", "end"} and len(e) == 2 for e in tags), (text, tags)
        assert not {e[1] for e in tags} & {"details", "summary", "script", "div", "img", "p", "a"}, tags
    else:
        assert tags == [], (text, tags)
        assert "".join(e[1] for e in events if e[0] == "data") == _one_line(text)


@FAST
@given(hostile_text)
def test_inline_text_renders_as_itself_and_nothing_more(text: str) -> None:
    tokens = MD.parse("a " + escape.inline(text) + " b\n")
    children = next(t for t in tokens if t.type == "inline").children or []
    assert [c.type for c in children] == ["text"] * len(children), text
    assert "".join(c.content for c in children) == "a " + _one_line(text) + " b"


@FAST
@given(hostile_text.filter(bool))
def test_code_spans_hold_their_text_literally(text: str) -> None:
    tokens = MD.parse("a " + escape.code(text) + " b\n")
    children = next(t for t in tokens if t.type == "inline").children or []
    assert [c.type for c in children] == ["text", "code_inline", "text"], text
    assert children[1].content == _one_line(text)


@FAST
@given(hostile_text.map(str.strip))
def test_table_cells_stay_one_cell(text: str) -> None:
    tokens = MD.parse(f"| a | b |\n| --- | --- |\n| {escape.table_cell(text)} | z |\n")
    cells = [i for i, t in enumerate(tokens) if t.type == "td_open"]
    assert len(cells) == 2, text
    children = tokens[cells[0] + 1].children or []
    assert all(c.type == "text" for c in children), text
    assert "".join(c.content for c in children).strip() == _one_line(text).strip()
