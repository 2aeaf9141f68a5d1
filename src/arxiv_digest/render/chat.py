"""The day's chat messages: Slack (Block Kit), Discord (content and embeds) and plain JSON payloads, built
from a channel's :class:`~.selection.Selection`; ``notify/webhooks.py`` POSTs them as they are.

Titles are TeX made readable (:func:`.tex_text.tex_to_text`, as in the e-mail): ``$\\alpha$-decay`` reads
"α-decay", never raw TeX. Each format then escapes arXiv's text once, for itself:

- Slack ``mrkdwn``: ``&``, ``<`` and ``>`` become entities (Slack's documented rule), so ``<!channel>``
  or a forged ``<https://…|link>`` in a title is shown, never acted on;
- Discord markdown: a backslash before every character that markdown, links or mentions would read, a
  zero-width space inside ``@everyone``/``@here``, and ``allowed_mentions: {parse: []}`` so no message can
  ping anyone whatever it holds;
- JSON: nothing (it is data; the receiver escapes for where it puts it). Each paper keeps its record as
  stored (``title`` as arXiv wrote it) and adds ``title_text``, the title as readable text.

Slack and Discord cap a message's size. A big day lists what fits, taking one paper of each topic in
turn (config order) so no topic crowds out the others, then says per topic how many more there are,
linking the topic's page when ``repo:`` is configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config import WebhookFormat
from ..models import Paper, TopicDigest
from ..wording import counted, plural, shorten
from .badges import badges
from .markdown import author_line
from .selection import Selection, kind_tag
from .tex_text import tex_to_text

# Slack (docs.slack.dev, Block Kit reference): at most 50 blocks; a section's text at most 3,000
# characters; a header's plain text at most 150. Slack also refuses ("msg_blocks_too_long") block
# messages far below 50 full sections, near 13,000 characters in all (slackapi/bolt-js#2509), so the
# whole message keeps under a budget of our own.
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_HEADER_CHARS = 150
SLACK_MESSAGE_CHARS = 12_000
# Discord (discord.com/developers/docs, Execute Webhook and Embed Limits): content at most 2,000
# characters, at most 10 embeds, an embed title 256 and description 4,096, and 6,000 characters across
# all embeds of a message.
DISCORD_CONTENT_CHARS = 2000
DISCORD_MAX_EMBEDS = 10
DISCORD_TITLE_CHARS = 256
DISCORD_DESCRIPTION_CHARS = 4096
DISCORD_EMBEDS_CHARS = 6000
#: How much of a title a chat line shows, and how many authors.
CHAT_TITLE_CHARS = 200
#: How much of a machine-written summary (issue #11) a chat line shows.
CHAT_SUMMARY_CHARS = 300
#: What stands before it: the mark, and a fixed start of its line.
SUMMARY_LABEL = "🤖 Summary (machine-written):"
CHAT_AUTHORS = 3


def measure(text: str) -> int:
    """Length as Slack and Discord count it (UTF-16 code units: an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


# -- escaping ---------------------------------------------------------------------------------------------
def slack_escape(text: str) -> str:
    """Text for Slack ``mrkdwn`` (and the ``|label`` of a link): the three characters Slack reads."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_DISCORD_SPECIAL = re.compile(r"([\\*_~`|<>\[\]()#@])")
_DISCORD_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def discord_escape(text: str) -> str:
    """Text for Discord markdown: shown as written, never formatted, linked or pinging."""
    text = _DISCORD_MENTION.sub("@\u200b\\1", " ".join(text.split()))
    text = _DISCORD_SPECIAL.sub(r"\\\1", text)
    return "\\" + text if text[:1] in ("-", "+") else text  # not a list item when it starts a line


def _chat_url(url: str) -> str:
    """An http(s) URL (from :func:`badges`) with the characters that end a chat link percent-encoded."""
    return url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


def _badges(paper: Paper, link: Callable[[str, str], str], escape: Callable[[str], str]) -> str:
    """The paper's code and venue badges (issue #10), each after " · ", escaped for the chat."""
    return "".join(
        f" · {link(_chat_url(b.url), escape(b.text)) if b.url else escape(b.text)}" for b in badges(paper)
    )


# -- what fits --------------------------------------------------------------------------------------------
def _authors(paper: Paper) -> str:
    return author_line(paper.authors, CHAT_AUTHORS)


@dataclass(frozen=True, slots=True)
class _Cut:
    """How many of a topic's papers a message lists."""

    topic: TopicDigest
    listed: int

    @property
    def missing(self) -> int:
        return len(self.topic.papers) - self.listed


def _allocate(limits: Sequence[int], fits: Callable[[Sequence[int]], bool]) -> list[int]:
    """How many papers of each topic a message lists: one more of each topic in turn, in config order,
    while the message still fits, so that one big topic cannot crowd out the others."""
    counts = [0] * len(limits)
    open_ = [i for i, limit in enumerate(limits) if limit]
    while open_:
        still = []
        for i in open_:
            counts[i] += 1
            if fits(counts):
                if counts[i] < limits[i]:
                    still.append(i)
            else:
                counts[i] -= 1  # this topic is full; the others may still take more
        open_ = still
    return counts


def _notes(
    selection: Selection,
    cuts: Sequence[_Cut],
    budget: int,
    link: Callable[[str, str], str],
    escape: Callable[[str], str],
) -> str:
    """What the message left out: a line per cut topic, linking its page when ``repo:`` is set, or a
    single line for all of them when those lines would pass ``budget``."""
    cut = [c for c in cuts if c.missing]
    if not cut:
        return ""
    lines = []
    for c in cut:
        name = escape(shorten(c.topic.topic.name, 80))
        url = selection.topic_url(c.topic)
        lines.append(
            f"{name}: {c.missing} more {plural('paper', c.missing)}, {link(url, 'see the full list')}"
            if url
            else f"{name}: {c.missing} more {plural('paper', c.missing)} in the digest"
        )
    text = "\n".join(lines)
    if measure(text) <= budget:
        return text
    missing = sum(c.missing for c in cut)
    more = f"{missing} more {plural('paper', missing)} in the digest"
    if selection.day_url:
        return f"{more}: {link(selection.day_url, 'the full digest')}"
    return more


# -- Slack ------------------------------------------------------------------------------------------------
def _slack_line(paper: Paper, summary: str | None = None) -> str:
    title = slack_escape(shorten(tex_to_text(paper.title), CHAT_TITLE_CHARS))
    line = (
        f"• *<{paper.abs_url}|{title}>*\n"
        f"      `arXiv:{paper.id}` · {slack_escape(' '.join(paper.categories))} · {kind_tag(paper)}"
        f"{_badges(paper, _slack_link, slack_escape)} · _{slack_escape(_authors(paper))}_"
    )
    if summary:
        line += f"\n      _{SUMMARY_LABEL}_ {slack_escape(shorten(summary, CHAT_SUMMARY_CHARS))}"
    return line


def _slack_link(url: str, label: str) -> str:
    return f"<{url}|{label}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _slack_blocks(selection: Selection, lines: Sequence[Sequence[str]], counts: Sequence[int]) -> list[Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": shorten(selection.subject, SLACK_HEADER_CHARS)},
        }
    ]
    cuts = []
    for topic, topic_lines, n in zip(selection.shown, lines, counts, strict=True):
        cuts.append(_Cut(topic, n))
        if not n:
            continue
        url = selection.topic_url(topic)
        current = f"*{slack_escape(topic.topic.name)}* · {counted(len(topic.papers), 'paper')}" + (
            f" · <{url}|page>" if url else ""
        )
        for line in topic_lines[:n]:
            if measure(current) + 1 + measure(line) <= SLACK_SECTION_CHARS:
                current = f"{current}\n{line}"
            else:  # the section is full: the paper opens the next one
                blocks.append(_section(current))
                current = line
        blocks.append(_section(current))
    notes = _notes(selection, cuts, SLACK_SECTION_CHARS, _slack_link, slack_escape)
    if notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notes}]})
    return blocks


def slack_texts(blocks: Sequence[Any]) -> list[str]:
    """Every text of a message's blocks (what Slack's length limits apply to)."""
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out.extend(e["text"] for e in block.get("elements", ()))
    return out


def _slack_fits(blocks: Sequence[Any]) -> bool:
    sizes = [measure(t) for t in slack_texts(blocks)]
    return (
        len(blocks) <= SLACK_MAX_BLOCKS
        and all(size <= SLACK_SECTION_CHARS for size in sizes)
        and sum(sizes) <= SLACK_MESSAGE_CHARS
    )


def slack_payload(selection: Selection) -> dict[str, Any]:
    """A Block Kit message within Slack's limits: a header, each topic with the papers that fit, then a
    line per topic saying how many more there are (and where)."""
    text = slack_escape(selection.subject)
    if selection.is_empty:
        return {
            "text": text,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": selection.subject}},
                _section("No paper in today's announcement matched these topics."),
            ],
        }
    # No message can hold more lines than this, so none is built beyond it.
    most = SLACK_MESSAGE_CHARS // 60
    lines = [[_slack_line(p, selection.summary_of(p)) for p in t.papers[:most]] for t in selection.shown]
    counts = _allocate([len(x) for x in lines], lambda c: _slack_fits(_slack_blocks(selection, lines, c)))
    return {"text": text, "blocks": _slack_blocks(selection, lines, counts)}


# -- Discord ----------------------------------------------------------------------------------------------
def _discord_line(paper: Paper, summary: str | None = None) -> str:
    title = discord_escape(shorten(tex_to_text(paper.title), CHAT_TITLE_CHARS))
    category = discord_escape(paper.primary_category)
    badge_text = _badges(paper, _discord_link, discord_escape)
    line = f"[{title}]({paper.abs_url}) · `{paper.id}` · {category} · {kind_tag(paper)}{badge_text}"
    if summary:
        line += f"\n*{SUMMARY_LABEL}* {discord_escape(shorten(summary, CHAT_SUMMARY_CHARS))}"
    return line


def _discord_link(url: str, label: str) -> str:
    return f"[{label}](<{url}>)"  # <…> keeps Discord from unfurling a preview of the page


def _discord_message(
    selection: Selection, lines: Sequence[Sequence[str]], counts: Sequence[int]
) -> dict[str, Any]:
    head = f"**{discord_escape(selection.subject)}**"
    embeds = []
    cuts = []
    for topic, topic_lines, n in zip(selection.shown, lines, counts, strict=True):
        cuts.append(_Cut(topic, n))
        if not n:
            continue
        embed: dict[str, Any] = {
            "title": f"{discord_escape(shorten(topic.topic.name, 100))} · "
            f"{counted(len(topic.papers), 'paper')}",
            "description": "\n".join(topic_lines[:n]),
            "color": 0xB31B1B,
        }
        url = selection.topic_url(topic)
        if url:
            embed["url"] = url
        embeds.append(embed)
    notes = _notes(selection, cuts, DISCORD_CONTENT_CHARS - measure(head) - 1, _discord_link, discord_escape)
    return {
        "content": f"{head}\n{notes}" if notes else head,
        "embeds": embeds,
        "allowed_mentions": {"parse": []},  # whatever the text holds, nobody is pinged
    }


def _discord_fits(message: Mapping[str, Any]) -> bool:
    embeds = message["embeds"]
    titles = [measure(e["title"]) for e in embeds]
    descriptions = [measure(e["description"]) for e in embeds]
    return (
        len(embeds) <= DISCORD_MAX_EMBEDS
        and measure(message["content"]) <= DISCORD_CONTENT_CHARS
        and all(size <= DISCORD_TITLE_CHARS for size in titles)
        and all(size <= DISCORD_DESCRIPTION_CHARS for size in descriptions)
        and sum(titles) + sum(descriptions) <= DISCORD_EMBEDS_CHARS
    )


def discord_payload(selection: Selection) -> dict[str, Any]:
    """Content and up to 10 embeds (one per topic) within Discord's limits; the content says what did not
    fit, with links to the topics' pages when ``repo:`` is configured."""
    if selection.is_empty:
        return {
            "content": f"**{discord_escape(selection.subject)}**\n"
            "No paper in today's announcement matched these topics.",
            "allowed_mentions": {"parse": []},
        }
    most = DISCORD_EMBEDS_CHARS // 40
    lines = [[_discord_line(p, selection.summary_of(p)) for p in t.papers[:most]] for t in selection.shown]
    counts = _allocate(
        [len(x) for x in lines], lambda c: _discord_fits(_discord_message(selection, lines, c))
    )
    return _discord_message(selection, lines, counts)


def _json_paper(selection: Selection, p: Paper) -> dict[str, Any]:
    record = {**p.to_record(), "title_text": tex_to_text(p.title), "url": p.abs_url, "tag": kind_tag(p)}
    summary = selection.summary_of(p)
    if summary:  # only then: with summaries off the payload is what it was
        record["summary"] = summary
        record["summary_machine_written"] = True
    return record


def json_payload(selection: Selection) -> dict[str, Any]:
    """The whole of the channel's digest as data: every topic it asked for, every paper, every field."""
    return {
        "day": selection.day.isoformat(),
        **({"week": selection.week} if selection.week else {}),
        "title": selection.title,
        "subject": selection.subject,
        "paper_count": selection.paper_count,
        "url": selection.day_url,
        "topics": [
            {
                "name": t.topic.name,
                "url": selection.topic_url(t),
                "papers": [_json_paper(selection, p) for p in t.papers],
            }
            for t in selection.topics
        ],
        **({"for_you": _for_you_json(selection)} if selection.for_you is not None else {}),
    }


def _for_you_json(selection: Selection) -> dict[str, Any]:
    """The For-you section (issue #9): its papers best first, each with its rank and reasons."""
    assert selection.for_you is not None
    return {
        "url": selection.topic_url(selection.for_you),
        "papers": [
            {**_json_paper(selection, p), "rank": n, "reasons": selection.picks[p.id].reasons}
            for n, p in enumerate(selection.for_you.papers, 1)
        ],
    }


PAYLOADS: Mapping[WebhookFormat, Callable[[Selection], dict[str, Any]]] = {
    WebhookFormat.SLACK: slack_payload,
    WebhookFormat.DISCORD: discord_payload,
    WebhookFormat.JSON: json_payload,
}
