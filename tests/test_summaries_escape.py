"""A machine-written summary is untrusted text (issue #11), escaped for each format it lands in: for any
summary built from the fragments that break naive renderers, each output has exactly the structure it has
for a harmless summary (every element, attribute and line is ours), and the summary reads back as itself.
Markdown through cmark-gfm (GitHub's renderer), the site's HTML, the Atom feed, both parts of the e-mail,
Slack, Discord and the JSON webhook. The Chromium view of a real run is in test_summaries_browser.py."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from arxiv_digest.config import parse_config
from arxiv_digest.models import AnnounceType, Digest, Paper, TopicDigest
from arxiv_digest.render.chat import discord_escape, discord_payload, json_payload, slack_payload
from arxiv_digest.render.email import EmailRenderer
from arxiv_digest.render.feeds import build_feed
from arxiv_digest.render.markdown import MarkdownRenderer
from arxiv_digest.render.selection import select
from arxiv_digest.render.site import SiteRenderer
from arxiv_digest.render.site_context import PaperInfo
from tests import gfm
from tests.test_escape import HOSTILE, hostile_authors, hostile_text, html_events

CONFIG_YAML = "category:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n"
CONFIG = parse_config(CONFIG_YAML, env={})
COMPAT = parse_config(
    "match: substring\ncategory:\n  cs.CV: Computer Vision\ntopic:\n  MLLM:\n    keywords: [MLLM]\n", env={}
)
DAY = dt.date(2026, 6, 30)
ATOM = "{http://www.w3.org/2005/Atom}"
MARKDOWN = MarkdownRenderer(CONFIG)
SITE = SiteRenderer(CONFIG)
EMAIL = EmailRenderer(None, CONFIG.max_authors)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def cleaned(text: str) -> str:
    """As the summariser keeps an answer: one printable line (``prompt.clean_summary``)."""
    return " ".join(CONTROLS.sub(" ", NOT_XML.sub("", text)).split())


#: Summaries as the summariser keeps them: hostile fragments, on one printable line, never empty.
summaries = (
    st.one_of(hostile_text, st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=6).map(" ".join))
    .map(cleaned)
    .filter(bool)
)


def paper(authors: list[str] | None = None) -> Paper:
    return Paper(
        id="2606.00002", version=2, title="A model for MLLM", authors=tuple(authors or ["A. Author"]),
        abstract="We study MLLM.", categories=("cs.CV",), announce_type=AnnounceType.NEW, announced=DAY,
    )  # fmt: skip


def harmless(text: str) -> str:
    return re.sub(r"\S", "x", text)


def digest(p: Paper, summary: str) -> Digest:
    return Digest(
        day=DAY,
        topics=(TopicDigest(CONFIG.topics[0], (p,)),),
        categories=(),
        total=1,
        summaries={(p.id, p.version): summary},
    )


def text_after(events: list[tuple[str, ...]], i: int, end: tuple[str, ...]) -> str:
    """The text from event ``i`` (excluded) to the next ``end``."""
    j = events.index(end, i + 1)
    return "".join(e[1] for e in events[i + 1 : j] if e[0] == "data")


def structure(events: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [e for e in events if e[0] != "data"]


# ---------------------------------------------------------------------------------------------------


@FAST
@given(summary=summaries, authors=hostile_authors)
def test_markdown_shows_the_summary_as_text_in_its_labelled_quote(summary: str, authors: list[str]) -> None:
    p = paper(authors)
    entry = MARKDOWN.entry(p, mark_updates=False, open_=True, summary=summary)
    plain = MARKDOWN.entry(p, mark_updates=False, open_=True, summary=harmless(summary))
    assert entry.count("\n") == plain.count("\n") == 6
    events = html_events(gfm.render(entry))
    assert structure(events) == structure(html_events(gfm.render(plain))), entry
    label = events.index(("data", "Summary"))
    shown = text_after(events, label + 1, ("end", "blockquote"))
    assert shown.strip() == "(machine-written): " + summary, entry


def test_markdown_in_the_reference_mode_shows_no_summary() -> None:
    renderer = MarkdownRenderer(COMPAT)
    p = paper()
    with_summary = renderer.entry(p, mark_updates=False, open_=True, compat=True, summary="Anything.")
    assert with_summary == renderer.entry(p, mark_updates=False, open_=True, compat=True)


@pytest.mark.parametrize(
    ("arguments", "body", "shown"),
    [
        (", summary=None", " ({{ summary | html_text }})", "- A model for MLLM (&lt;b>bold&lt;/b> R&D)\n"),
        ("", "", "- A model for MLLM\n"),  # written before summaries: it is not given one
    ],
)
def test_a_persons_entry_template_gets_the_summary_if_it_takes_one(
    tmp_path: Path, arguments: str, body: str, shown: str
) -> None:
    """A person's own `_entry.md.j2` is given the summary, escaped by its filter (no tag survives); one
    written before summaries (no `summary` argument) still renders, and shows none."""
    folder = tmp_path / "markdown"
    folder.mkdir()
    (folder / "_entry.md.j2").write_text(
        "{% macro entry(paper, max_authors, mark_updates, open=True, cross_from=None, compat=False"
        f"{arguments}) -%}}\n- {{{{ paper.title }}}}{body}\n{{% endmacro %}}\n",
        encoding="utf-8",
    )
    config = parse_config(f"templates: {tmp_path}\n" + CONFIG_YAML, env={})
    entry = MarkdownRenderer(config).entry(paper(), mark_updates=False, open_=True, summary="<b>bold</b> R&D")
    assert entry == shown


@FAST
@given(summary=summaries)
def test_the_site_shows_the_summary_as_text_above_the_abstract(summary: str) -> None:
    p = paper()
    info = PaperInfo("new", "new", ("MLLM",), None, summary)
    html = str(SITE.paper(p, info))
    events = html_events(html)
    plain = html_events(str(SITE.paper(p, replace(info, summary=harmless(summary)))))
    assert structure(events) == structure(plain)
    label = events.index(("start", "span", "class=machine"))
    assert text_after(events, label + 2, ("end", "p")).strip() == summary
    assert label < events.index(("start", "p", "class=abstract"))


@FAST
@given(summary=summaries)
def test_the_feed_puts_the_summary_before_the_abstract_as_text(summary: str) -> None:
    p = paper()
    xml = build_feed(
        CONFIG, slug="all", title="t", papers=[p], updated=DAY, page="index.html",
        summaries={(p.id, p.version): summary},
    )  # fmt: skip
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    element = root.find(f"{ATOM}entry/{ATOM}summary")
    assert element is not None and element.get("type") == "text" and len(element) == 0
    assert element.text == f"🤖 Summary (machine-written): {summary}\n\nAbstract: We study MLLM."


@FAST
@given(summary=summaries)
def test_the_email_shows_the_summary_as_text_in_both_parts(summary: str) -> None:
    p = paper()
    selection = select(digest(p, summary), None, title="T", repo=None, max_authors=6)
    html = EMAIL.html(selection)
    plain_html = EMAIL.html(select(digest(p, harmless(summary)), None, title="T", repo=None, max_authors=6))
    events = html_events(html)
    assert structure(events) == structure(html_events(plain_html))
    label = events.index(("data", "🤖 Summary (machine-written):"))
    assert text_after(events, label + 1, ("end", "div")).strip() == summary
    text = EMAIL.text(selection)
    assert " ".join(text.split()).count(f"🤖 Summary (machine-written): {summary}") == 1


@FAST
@given(summary=summaries)
def test_chat_messages_show_the_summary_escaped(summary: str) -> None:
    p = paper()
    selection = select(digest(p, summary), None, title="T", repo=None, max_authors=6)
    slack = "\n".join(b["text"]["text"] for b in slack_payload(selection)["blocks"] if "text" in b)
    line = slack.splitlines()[-1]
    assert line.startswith("      _🤖 Summary (machine-written):_ ")
    assert "<" not in line and ">" not in line  # Slack reads links and mentions from these alone
    discord = discord_payload(selection)["embeds"][0]["description"]
    assert discord.splitlines()[-1].startswith("*🤖 Summary (machine-written):* ")
    assert discord_escape(summary)[:40] in discord or len(summary) > 300
    assert "@everyone" not in discord and "@here" not in discord.replace("@\u200bhere", "")
    record = json_payload(selection)["topics"][0]["papers"][0]
    assert record["summary"] == summary and record["summary_machine_written"] is True


def test_without_summaries_the_payloads_are_as_before() -> None:
    p = paper()
    plain = Digest(day=DAY, topics=(TopicDigest(CONFIG.topics[0], (p,)),), categories=(), total=1)
    record = json_payload(select(plain, None, title="T", repo=None, max_authors=6))["topics"][0]["papers"][0]
    assert "summary" not in record
