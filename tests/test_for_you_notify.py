"""The "For you" section of the messages (issue #9): first in the e-mail (a real SMTP server on 127.0.0.1)
and in Slack, Discord and JSON webhooks (a loopback receiver), with each paper's reasons; `topics:` may
name `for_you`; a hostile library title stays text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from arxiv_digest.config import load_config
from arxiv_digest.errors import ConfigError
from arxiv_digest.jobs.daily import run_daily
from tests.fakearxiv import FakeArxiv
from tests.receivers import HookReceiver, SmtpReceiver, add_config
from tests.test_for_you import HOSTILE, LIBRARY_BIB, quiet


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookReceiver]:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with HookReceiver() as r:
        yield r


def test_the_email_opens_with_for_you(arxiv_env: FakeArxiv, digest_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "tls"
    folder.mkdir()
    with SmtpReceiver(folder, tls=None) as server:
        add_config(
            digest_dir,
            "notify:\n  retry_backoff_seconds: 0\n  email:\n    host: 127.0.0.1\n"
            f"    port: {server.port}\n    security: none\n    from: d@example.org\n    to: me@example.org\n"
            "repo: me/digest\n",
        )
        (digest_dir / "library.bib").write_text(HOSTILE, encoding="utf-8")
        add_config(digest_dir, "library:\n  bibtex: [library.bib]\n")
        result = run_daily(load_config(digest_dir / "config.yml"), digest_dir, sleep=quiet)
        assert result.delivery is not None and not result.delivery.failed
        [mail] = server.messages
    assert result.digest is not None and result.digest.for_you is not None
    picks = result.digest.for_you.picks
    text, html = mail.part("plain"), mail.part("html")
    sections = re.findall(r"^== (.+) \(\d+\) ==$", text, re.MULTILINE)
    assert sections[0] == "For you" and len(sections) > 1
    start, end = text.index("== For you"), text.index(f"== {sections[1]} ")
    assert re.findall(r"arXiv:(\S+) \|", text[start:end]) == [p.paper.id for p in picks]
    assert text[start:end].count("  Why: ") == len(picks)
    assert "like: <script>alert(1)</script>" in text  # plain text: as written
    assert "https://github.com/me/digest/blob/main/archive/2026-06-30/for_you.md" in text
    assert "<script>" not in html and "like: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.index(">For you <") < html.index(f">{sections[1]} <")
    # The subject still counts the topics' papers, not the section.
    assert mail.message["Subject"].endswith(f"in {len(sections) - 1} topics")


def test_webhooks_carry_for_you_first_and_topics_can_name_it(
    arxiv_env: FakeArxiv, digest_dir: Path, receiver: HookReceiver
) -> None:
    add_config(
        digest_dir,
        "notify:\n  retry_backoff_seconds: 0\n  webhooks:\n"
        f'    - {{url: "{receiver.url("/slack")}", format: slack}}\n'
        f'    - {{url: "{receiver.url("/discord")}", format: discord, topics: [for_you]}}\n'
        f'    - {{url: "{receiver.url("/json")}", format: json}}\n'
        f'    - {{url: "{receiver.url("/mllm")}", format: json, topics: [MLLM]}}\n',
    )
    (digest_dir / "library.bib").write_text(LIBRARY_BIB, encoding="utf-8")
    add_config(digest_dir, "library:\n  bibtex: [library.bib]\n")
    result = run_daily(load_config(digest_dir / "config.yml"), digest_dir, sleep=quiet)
    assert result.digest is not None and result.digest.for_you is not None
    picks = result.digest.for_you.picks
    [slack] = receiver.to("/slack")
    sections = [b["text"]["text"] for b in slack.json["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*For you* · 20 papers")
    [discord] = receiver.to("/discord")
    assert [e["title"] for e in discord.json["embeds"]] == ["For you · 20 papers"]
    [everything] = receiver.to("/json")
    for_you = everything.json["for_you"]
    assert [p["id"] for p in for_you["papers"]] == [p.paper.id for p in picks]
    assert for_you["papers"][0]["rank"] == 1
    assert for_you["papers"][0]["reasons"] == [*picks[0].terms, f"like: {picks[0].like}"]
    [mllm] = receiver.to("/mllm")
    assert "for_you" not in mllm.json


def test_topics_may_name_for_you_but_nothing_else_unknown(digest_dir: Path) -> None:
    add_config(
        digest_dir,
        "notify:\n  webhooks:\n    - {url: 'https://example.org/h', format: json, topics: [for_you, LLM]}\n",
    )
    assert load_config(digest_dir / "config.yml").notify.webhooks[0].topics == ("for_you", "LLM")
    path = digest_dir / "config.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("for_you", "for_me"), encoding="utf-8")
    with pytest.raises(ConfigError, match="'for_me' is not a topic of this config"):
        load_config(path)
