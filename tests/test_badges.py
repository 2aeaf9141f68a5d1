"""Paper facts shown as badges on every output (issue #10): Markdown (through GitHub's renderer), the site's
paper elements (template and compiled twin alike), Atom feeds, e-mail and chat; hostile venues and URLs
stay text; only http(s) becomes a link; ``match: substring`` pages show none."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from arxiv_digest.config import parse_config
from arxiv_digest.match.digest import build_digest
from arxiv_digest.models import AnnounceType, CodeLink, Facts, LinkKind, Paper, Track, Venue
from arxiv_digest.render.badges import badges, markdown_destination, safe_url
from arxiv_digest.render.chat import discord_payload, json_payload, slack_payload
from arxiv_digest.render.email import EmailRenderer
from arxiv_digest.render.feeds import VENUE_SCHEME, build_feed
from arxiv_digest.render.markdown import MarkdownRenderer
from arxiv_digest.render.selection import select
from arxiv_digest.render.site import SiteRenderer
from arxiv_digest.render.site_context import PaperInfo
from tests import gfm, sitebuild

DAY = dt.date(2026, 6, 30)
CONFIG = "category:\n  cs.CL: CL\ntopic:\n  LLM:\n    keywords: [LLM]\n"
ATOM = "{http://www.w3.org/2005/Atom}"


def paper(facts: Facts | None, *, pid: str = "2606.00001", title: str = "A paper on LLM agents") -> Paper:
    return Paper(
        id=pid,
        version=1,
        title=title,
        authors=("Ada Lovelace",),
        abstract="We study LLM agents.",
        categories=("cs.CL", "cs.AI"),
        announce_type=AnnounceType.NEW,
        announced=DAY,
        facts=facts,
    )


CVPR = Facts((CodeLink("https://github.com/org/repo", LinkKind.GITHUB),), Venue("CVPR", 2026))
WORKSHOP = Facts((), Venue("ICCV", 2025, Track.WORKSHOP))
HOSTILE_URL = 'https://evil.example/a_(b)*c*`d`<e>"f"&amp;g\\h]'
HOSTILE_VENUE = "</details><script>alert(1)</script> *NeurIPS* `x` [l](javascript:alert(1)) & <b>"
HOSTILE = Facts((CodeLink(HOSTILE_URL, LinkKind.PROJECT),), Venue(HOSTILE_VENUE, 2026, Track.WORKSHOP))


def entry(p: Paper, *, compat: bool = False) -> str:
    renderer = MarkdownRenderer(parse_config(CONFIG, env={}))
    return renderer.entry(p, mark_updates=True, open_=True, compat=compat)


# -- what a badge says ----------------------------------------------------------------------------------
def test_a_paper_has_a_code_badge_and_a_venue_badge_and_a_workshop_is_marked() -> None:
    assert [(b.kind, b.text, b.url) for b in badges(paper(CVPR))] == [
        ("code", "💻 code", "https://github.com/org/repo"),
        ("venue", "🏛️ CVPR 2026", None),
    ]
    (workshop,) = badges(paper(WORKSHOP))
    assert (workshop.text, workshop.workshop) == ("🛠️ ICCV 2025 Workshop", True)
    assert badges(paper(None)) == [] and badges(paper(Facts())) == []


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<script>", "ftp://x.org/a", "https://", "https://a b.org",
     "https://x.org/\x00", "//x.org/a", "vbscript:x"],
)  # fmt: skip
def test_only_an_http_url_becomes_a_link(url: str) -> None:
    assert safe_url(url) is None
    p = paper(Facts((CodeLink(url, LinkKind.GITHUB),), Venue("CVPR", 2026)))
    assert [b.kind for b in badges(p)] == ["venue"]  # the link is dropped, never shown as a link
    assert "💻" not in entry(p)


# -- Markdown -------------------------------------------------------------------------------------------
def test_markdown_badges_follow_the_categories_linked_as_the_issue_shows() -> None:
    line = entry(paper(CVPR)).splitlines()[0]
    assert line.endswith("`cs.CL` `cs.AI`  [`💻 code`](https://github.com/org/repo)  `🏛️ CVPR 2026`  ")
    rendered = gfm.render(entry(paper(CVPR)))
    assert '<a href="https://github.com/org/repo"><code>💻 code</code></a>' in rendered
    assert "<code>🏛️ CVPR 2026</code>" in rendered
    assert "<code>🛠️ ICCV 2025 Workshop</code>" in gfm.render(entry(paper(WORKSHOP)))


def test_the_compatibility_layout_shows_no_badge() -> None:
    assert entry(paper(CVPR), compat=True) == entry(paper(None), compat=True)
    assert "💻" not in entry(paper(CVPR), compat=True)


def test_a_hostile_venue_and_url_stay_one_code_span_and_one_link_through_cmark() -> None:
    rendered = gfm.render(entry(paper(HOSTILE)))
    links = re.findall(r'<a href="([^"]*)"', rendered)
    assert links == [
        "https://arxiv.org/abs/2606.00001",
        html.escape(markdown_destination_decoded(), quote=True),
    ]
    assert (
        "<script>" not in rendered
        and "<b>" not in rendered
        and "javascript:" not in rendered.split("<code>")[0]
    )
    codes = [html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", rendered)]
    assert f"🛠️ {HOSTILE_VENUE} 2026 Workshop" in codes


def markdown_destination_decoded() -> str:
    """What cmark makes of our destination: the same URL, percent-encoded where it had to be."""
    return markdown_destination(HOSTILE_URL).replace("]", "%5D")


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(_text, _text)
def test_any_venue_and_url_path_render_as_themselves_and_nothing_more(name: str, path: str) -> None:
    url = "https://example.org/" + path
    p = paper(Facts((CodeLink(url, LinkKind.PROJECT),), Venue(name.strip() or "X", 2026)))
    rendered = gfm.render(entry(p))
    expected_links = ["https://arxiv.org/abs/2606.00001"] + (["x"] if safe_url(url) else [])
    assert len(re.findall(r"<a href=", rendered)) == len(expected_links)
    assert "<script" not in rendered.replace("&lt;script", "")
    codes = [html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", rendered, re.DOTALL)]
    label = re.sub(r"[\x00-\x1f\x7f-\x9f]", "", Venue(name.strip() or "X", 2026).label)
    assert any(" ".join(c.split()) == " ".join(f"🏛️ {label}".split()) for c in codes), (codes, label)


# -- the site -------------------------------------------------------------------------------------------
SITE = SiteRenderer(parse_config(CONFIG, env={}))


def test_site_elements_carry_the_facts_the_filters_read_and_escape_them() -> None:
    info = PaperInfo("new", "New", ("LLM",), None)
    tree = etree.fromstring(str(SITE.paper(paper(HOSTILE), info)), etree.HTMLParser())
    article = tree.find(".//article")
    assert article is not None
    assert article.get("data-venue") == HOSTILE_VENUE and article.get("data-workshop") is not None
    assert article.get("data-code") is not None
    (link,) = article.findall(".//a[@class='badge code']")
    assert link.get("href") == HOSTILE_URL and link.text == "💻 code"
    (venue,) = article.findall(".//span[@class='badge venue workshop']")
    assert venue.text == f"🛠️ {HOSTILE_VENUE} 2026 Workshop"
    assert tree.find(".//script") is None and tree.find(".//b") is None


# -- feeds ----------------------------------------------------------------------------------------------
def test_a_feed_entry_carries_the_code_link_and_the_venue_as_a_category() -> None:
    config = parse_config(CONFIG, env={})
    papers = [paper(HOSTILE), paper(CVPR, pid="2606.00002"), paper(None, pid="2606.00003")]
    feed = etree.fromstring(build_feed(config, slug="LLM", title="T", papers=papers, updated=DAY, page="x"))
    entries = {e.findtext(f"{ATOM}id"): e for e in feed.iter(f"{ATOM}entry")}
    hostile = entries["https://arxiv.org/abs/2606.00001"]
    (code,) = [link for link in hostile.iter(f"{ATOM}link") if link.get("type") == "text/html" and
               link.get("rel") == "related"]  # fmt: skip
    assert code.get("href") == HOSTILE_URL and code.get("title") == "💻 code"
    (venue,) = [c for c in hostile.iter(f"{ATOM}category") if c.get("scheme") == VENUE_SCHEME]
    assert venue.get("term") == f"{HOSTILE_VENUE} 2026 Workshop"
    assert venue.get("label") == f"🛠️ {HOSTILE_VENUE} 2026 Workshop"
    plain = entries["https://arxiv.org/abs/2606.00003"]
    assert [c.get("scheme") for c in plain.iter(f"{ATOM}category")] == ["http://arxiv.org/schemas/atom"] * 2


# -- e-mail and chat ------------------------------------------------------------------------------------
def _selection(papers: list[Paper]) -> object:
    config = parse_config(CONFIG, env={})
    return select(build_digest(config, DAY, papers), None, title="T", repo=None, max_authors=6)


def test_the_email_shows_the_badges_in_both_parts_escaped() -> None:
    chosen = _selection([paper(HOSTILE), paper(CVPR, pid="2606.00002")])
    mail = EmailRenderer(None, 6)
    text = mail.text(chosen)  # type: ignore[arg-type]
    assert "| new | 💻 code: https://github.com/org/repo | 🏛️ CVPR 2026\n" in text  # the line ends there
    assert f"| 🛠️ {HOSTILE_VENUE} 2026 Workshop" in text
    body = mail.html(chosen)  # type: ignore[arg-type]
    tree = etree.fromstring(body, etree.HTMLParser())
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert HOSTILE_URL in hrefs and "https://github.com/org/repo" in hrefs
    assert tree.find(".//script") is None and tree.find(".//b") is None
    assert f"🛠️ {HOSTILE_VENUE} 2026 Workshop" in "".join(tree.itertext())


def test_chat_messages_show_the_badges_escaped_and_json_carries_the_facts() -> None:
    chosen = _selection([paper(HOSTILE), paper(CVPR, pid="2606.00002")])
    slack = json.dumps(slack_payload(chosen), ensure_ascii=False)  # type: ignore[arg-type]
    assert "<https://github.com/org/repo|💻 code>" in slack and "🏛️ CVPR 2026" in slack
    assert "<script>" not in slack and "&lt;script&gt;" in slack
    assert '<https://evil.example/a_(b)*c*`d`%3Ce%3E\\"f\\"&amp;g\\\\h]|💻 code>' in slack
    discord = json.dumps(discord_payload(chosen), ensure_ascii=False)  # type: ignore[arg-type]
    assert "[💻 code](<https://github.com/org/repo>)" in discord and "🏛️ CVPR 2026" in discord
    assert "\\\\<script\\\\>" in discord  # Discord's markup characters escaped
    data = json_payload(chosen)  # type: ignore[arg-type]
    records = {p["id"]: p for t in data["topics"] for p in t["papers"]}
    assert records["2606.00002"]["facts"] == CVPR.to_record()


# -- the pages of a real day ------------------------------------------------------------------------------
def test_a_real_days_entries_show_badges_where_their_papers_state_code_or_a_venue() -> None:
    from arxiv_digest.store import snapshot

    papers = snapshot.loads(sitebuild.DEMO.read_bytes(), source="demo")
    with_code = [p for p in papers if p.facts and p.facts.code]
    with_venue = [p for p in papers if p.facts and p.facts.venue]
    assert len(with_code) > 20 and len(with_venue) > 20
    for p in with_code[:20] + with_venue[:20]:
        line = entry(p).splitlines()[0]
        assert ("[`💻 code`](" in line) == bool(p.facts and p.facts.code), p.id
        venue = [b.text for b in badges(p) if b.kind == "venue"]
        stated = p.facts.venue if p.facts else None
        icon = "🛠️" if stated and stated.workshop else "🏛️"
        assert venue == ([f"{icon} {stated.label}"] if stated else [])
        assert all(f"`{v}`" in line for v in venue), (p.id, line)
