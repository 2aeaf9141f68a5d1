"""Hostile text from arXiv in the outputs that have no property test of their own (issue #5): the Atom
feeds (render/feeds.py) and the e-mail (notify/email.py). Markdown is covered by test_escape.py, the HTML
site by test_site.py, the Slack and Discord payloads by test_notify_payloads.py.

The property, for any title, author list and abstract built from the fragments that break naive renderers
(`</details>`, `<script>`, event handlers, `javascript:` links, Markdown syntax, entities, control
characters): the output has exactly the structure it has for harmless text of the same shape (every
element and attribute comes from us, each entry keeps its layout), and the text reads back as itself.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from lxml import etree

from arxiv_digest.config import parse_config
from arxiv_digest.models import AnnounceType, Digest, Paper, TopicDigest
from arxiv_digest.render.email import EmailRenderer
from arxiv_digest.render.feeds import build_feed
from arxiv_digest.render.selection import select
from arxiv_digest.render.tex_text import tex_to_text
from tests.test_escape import EMPHASIS, FAST, hostile_authors, hostile_text, html_events

CONFIG = parse_config("category:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n", env={})
TOPIC = CONFIG.topics[0]
DAY = dt.date(2026, 6, 30)
ATOM = "{http://www.w3.org/2005/Atom}"
# What XML 1.0 cannot carry (the feed drops it) and what a plain-text e-mail must not carry (terminal and
# bidirectional controls).
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
UNSAFE_PLAIN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def papers(title: str, authors: list[str], abstract: str) -> list[Paper]:
    """The hostile paper between two plain ones, so that a leak into a neighbour would show."""

    def one(number: int, t: str, a: tuple[str, ...], ab: str, kind: AnnounceType) -> Paper:
        return Paper(
            id=f"2606.0000{number}", version=2 if kind.is_replacement else 1, title=t, authors=a, abstract=ab,
            categories=("cs.CV", "cs.CL"), announce_type=kind, announced=DAY,
        )  # fmt: skip

    return [
        one(1, "Plain before", ("A. Author",), "Plain.", AnnounceType.NEW),
        one(2, title or "x", tuple(authors), abstract, AnnounceType.REPLACE),
        one(3, "Plain after", ("B. Author",), "Plain too.", AnnounceType.CROSS),
    ]


def harmless(text: str) -> str:
    """Text of the same shape: every character but whitespace made an `x`."""
    return re.sub(r"\S", "x", text)


# ---------------------------------------------------------------------------------------------------
# Atom


def feed_for(items: list[Paper]) -> bytes:
    return build_feed(CONFIG, slug=TOPIC.slug, title="Digest: MLLM", papers=items, updated=DAY, page="x.html")


def shape(element: etree._Element) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every element with its attributes (text left out), in document order."""
    return [(str(e.tag), tuple(sorted(e.attrib.items()))) for e in element.iter()]


@FAST
@given(title=hostile_text, authors=hostile_authors, abstract=hostile_text)
def test_any_text_stays_text_in_an_atom_feed(title: str, authors: list[str], abstract: str) -> None:
    items = papers(title, authors, abstract)
    root = etree.fromstring(feed_for(items))  # well-formed, whatever the text
    plain = etree.fromstring(
        feed_for(papers(harmless(title), [harmless(a) for a in authors], harmless(abstract)))
    )
    assert shape(root) == shape(plain)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    hostile = entries[1]
    assert hostile.findtext(f"{ATOM}id") == "https://arxiv.org/abs/2606.00002"
    title_element = hostile.find(f"{ATOM}title")
    assert title_element is not None and title_element.get("type") == "text"  # never read as HTML
    assert title_element.text == NOT_XML.sub("", title or "x") + " (updated, v2)"
    summary = hostile.find(f"{ATOM}summary")
    assert summary is not None and summary.get("type") == "text"
    assert (summary.text or "") == (NOT_XML.sub("", abstract or "(no abstract)"))
    names = [a.findtext(f"{ATOM}name") or "" for a in hostile.findall(f"{ATOM}author")]
    assert names == [NOT_XML.sub("", a) for a in authors]
    assert [e.findtext(f"{ATOM}title") for e in (entries[0], entries[2])] == ["Plain before", "Plain after"]


# ---------------------------------------------------------------------------------------------------
# e-mail

RENDERER = EmailRenderer(None, CONFIG.max_authors)


def email_parts(items: list[Paper]) -> tuple[str, str]:
    digest = Digest(day=DAY, topics=(TopicDigest(TOPIC, tuple(items)),), categories=(), total=len(items))
    selection = select(digest, None, title="Daily arXiv Digest", repo=None, max_authors=CONFIG.max_authors)
    return RENDERER.html(selection), RENDERER.text(selection)


def markup(html: str) -> list[tuple[str, ...]]:
    return [e for e in html_events(html) if e[0] != "data"]


@FAST
@given(title=hostile_text, authors=hostile_authors, abstract=hostile_text)
def test_any_text_stays_text_in_the_email(title: str, authors: list[str], abstract: str) -> None:
    html, text = email_parts(papers(title, authors, abstract))
    plain_html, _ = email_parts(papers(harmless(title), [harmless(a) for a in authors], harmless(abstract)))
    # The same elements and attributes, in the same order, as for harmless text: nothing came from arXiv.
    # TeX in the text may ask for emphasis (`\\emph{x}`): bare <em>, <strong>, <code>, which our
    # template never writes (its elements all carry a style).
    assert [e for e in markup(html) if e[1:] not in EMPHASIS] == markup(plain_html)
    # The title link of the hostile paper holds its title as text.
    events = html_events(html)
    link = (
        "start",
        "a",
        "href=https://arxiv.org/abs/2606.00002",
        "style=color:#0969da;text-decoration:none;",
    )
    start = events.index(link)
    end = events.index(("end", "a"), start)
    assert "".join(e[1] for e in events[start + 1 : end]) == tex_to_text(title or "x")
    # The plain-text part carries no control character that could rewrite a terminal or reorder a line.
    assert not UNSAFE_PLAIN.search(text.replace("\n", "").replace("\t", ""))
