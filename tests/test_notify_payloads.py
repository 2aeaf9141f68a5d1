"""The chat payloads on their own: escaping properties (hypothesis) and size limits on shapes the real days
do not reach (many topics, long names, huge titles, emoji that count twice), plus the HTTP failure text
that must never carry the webhook's URL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_digest.config import NotifySettings, WebhookSettings, parse_config
from arxiv_digest.errors import SendFailed
from arxiv_digest.match.digest import build_digest
from arxiv_digest.models import Paper
from arxiv_digest.notify.redact import Redactor
from arxiv_digest.notify.webhooks import make_client, post
from arxiv_digest.render.chat import (
    DISCORD_CONTENT_CHARS,
    DISCORD_DESCRIPTION_CHARS,
    DISCORD_EMBEDS_CHARS,
    DISCORD_MAX_EMBEDS,
    SLACK_MAX_BLOCKS,
    SLACK_MESSAGE_CHARS,
    SLACK_SECTION_CHARS,
    discord_escape,
    discord_payload,
    json_payload,
    measure,
    slack_escape,
    slack_payload,
    slack_texts,
)
from arxiv_digest.render.selection import select
from tests.fakearxiv import feeds

DAY = dt.date(2026, 6, 30)


# -- escaping ---------------------------------------------------------------------------------------------
@given(st.text())
def test_slack_escaping_leaves_no_markup_and_loses_nothing(text: str) -> None:
    escaped = slack_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", escaped)  # every & starts one of the three
    restored = escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert restored == " ".join(text.split())


_SPECIAL = set("\\*_~`|<>[]()#@")


@given(st.text(alphabet=st.sampled_from(list("ab @*_~`|<>[]()#\\-+:everyonhr\n")), max_size=60) | st.text())
def test_discord_escaping_leaves_every_special_character_literal(text: str) -> None:
    escaped = discord_escape(text)
    # Read it as Discord does: a backslash makes the next character literal.
    literal, i = [], 0
    while i < len(escaped):
        if escaped[i] == "\\" and i + 1 < len(escaped):
            literal.append(escaped[i + 1])
            i += 2
            continue
        assert escaped[i] not in _SPECIAL, (text, escaped, i)
        literal.append(escaped[i])
        i += 1
    assert "".join(literal).replace("\u200b", "") == " ".join(text.split()).replace("\u200b", "")
    assert not re.search(r"@(everyone|here)", escaped, re.IGNORECASE)


# -- TeX in titles reads as text in every chat format ------------------------------------------------------
TEX_TITLE = "$\\alpha$-Decay of \\emph{Sparse} Models in $O(\\sqrt{n})$"
TEX_READ = "α-Decay of Sparse Models in O(√n)"


def tex_selection() -> Any:
    (paper,) = papers(1, lambda i: TEX_TITLE)
    return selection(["Decay"], [paper], None)


def test_slack_shows_a_tex_title_as_readable_text() -> None:
    texts = slack_texts(slack_payload(tex_selection())["blocks"])
    line = next(t for t in texts if "arxiv.org/abs/" in t)
    assert f"|{TEX_READ}>*" in line, line
    assert "$" not in line and "\\" not in line


def test_discord_shows_a_tex_title_as_readable_text() -> None:
    (embed,) = discord_payload(tex_selection())["embeds"]
    assert embed["description"].startswith(f"[{discord_escape(TEX_READ)}](https://arxiv.org/abs/")
    assert "$" not in embed["description"] and "alpha" not in embed["description"]


def test_json_keeps_the_title_as_stored_and_adds_it_as_text() -> None:
    (topic,) = json_payload(tex_selection())["topics"]
    (paper,) = topic["papers"]
    assert paper["title"] == TEX_TITLE  # the record, as arXiv wrote it
    assert paper["title_text"] == TEX_READ


# -- size limits on extreme shapes ------------------------------------------------------------------------
def papers(count: int, title: Callable[[int], str]) -> list[Paper]:
    records = feeds.load_records("2026-06-30")
    out = []
    for i in range(count):
        r = records[i % len(records)]
        out.append(
            Paper.from_record(
                {
                    "id": f"2606.{10000 + i:05d}",
                    "title": title(i),
                    "authors": r["authors"],
                    "abstract": r["summary"],
                    "categories": ["cs.CL", "cs.AI"],
                    "announce_type": "new" if i % 3 else "replace",
                    "announced": DAY.isoformat(),
                    "version": 1 if i % 3 else 2,
                }
            )
        )
    return out


def selection(topic_names: list[str], paper_list: list[Paper], repo: str | None) -> Any:
    topics = "".join(f"  {name!r}:\n    keywords: [paper]\n" for name in topic_names)
    config = parse_config(f"category:\n  cs.CL: CL\ntopic:\n{topics}", env={})
    digest = build_digest(config, DAY, paper_list)
    return select(digest, None, title="T", repo=repo, max_authors=6)


SHAPES = {
    "30 topics, long names": (
        # as long as a page name may be (issue #7: a longer one is a config error)
        [f"Topic {i} " + "with a very long name indeed " * 7 for i in range(30)],
        lambda i: f"Paper {i} about words",
    ),
    "huge titles with emoji": (
        ["A", "B", "C"],
        lambda i: "paper 🧪🔬 " * 120 + f"<{i}> & *{i}*",
    ),
    "one topic, 3000 papers": (["Only"], lambda i: f"A paper number {i}"),
}


@pytest.mark.parametrize("repo", ["you/my-digest", None])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_slack_and_discord_stay_within_limits_on_any_shape(shape: str, repo: str | None) -> None:
    names, title = SHAPES[shape]
    chosen = selection(names, papers(3000 if "3000" in shape else 200, title), repo)

    slack = slack_payload(chosen)
    texts = slack_texts(slack["blocks"])
    assert len(slack["blocks"]) <= SLACK_MAX_BLOCKS
    assert all(measure(t) <= SLACK_SECTION_CHARS for t in texts)
    assert sum(measure(t) for t in texts) <= SLACK_MESSAGE_CHARS
    assert "more papers in the digest" in texts[-1] or "see the full list" in texts[-1]
    assert any("https://arxiv.org/abs/" in t for t in texts)  # it lists something

    discord = discord_payload(chosen)
    embeds = discord["embeds"]
    assert 1 <= len(embeds) <= DISCORD_MAX_EMBEDS
    assert measure(discord["content"]) <= DISCORD_CONTENT_CHARS
    assert all(measure(e["description"]) <= DISCORD_DESCRIPTION_CHARS for e in embeds)
    assert sum(measure(e["title"]) + measure(e["description"]) for e in embeds) <= DISCORD_EMBEDS_CHARS
    assert "more papers" in discord["content"]


# -- failures never show the URL, once redacted as deliver does ---------------------------------------
SECRET = "https://hooks.example.org/services/T1/B2/TOPSECRET?token=ALSOSECRET"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(500, text=f"error at {SECRET} and /services/T1/B2/TOPSECRET"),
        httpx.Response(403, text="invalid_token"),
        httpx.ConnectError(f"cannot connect to {SECRET}"),
        httpx.ReadTimeout("timed out"),
    ],
)
def test_a_failure_names_the_problem_but_not_the_url(answer: httpx.Response | Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    with make_client(5, httpx.MockTransport(handler)) as client, pytest.raises(SendFailed) as e:
        post(client, SECRET, {"text": "x"})
    # The reason is shown and stored only as deliver passes it on: through the redactor (redact.py).
    redactor = Redactor.for_delivery(NotifySettings(webhooks=(WebhookSettings(SECRET),)), {})
    said = redactor.message(e.value.reason)
    assert "SECRET" not in said
    assert said
    if isinstance(answer, httpx.Response):
        assert said.startswith(f"HTTP {answer.status_code}")


def test_retry_after_is_passed_on() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(429, headers={"Retry-After": "7"}))
    with make_client(5, transport) as client, pytest.raises(SendFailed) as e:
        post(client, "https://example.org/hook", {})
    assert e.value.retry_after_seconds == 7.0
