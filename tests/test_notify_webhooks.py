"""Webhook delivery to a loopback HTTP receiver: the Slack, Discord and JSON payloads as they arrive
(content, escaping, size limits on an ordinary and on a 2,000-paper day), retries, failures that fail the
run after the pages are written, the rule that each channel gets a day once, and secrets kept out of
every message and file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.cli import main
from arxiv_digest.models import id_sort_key
from arxiv_digest.render.chat import (
    DISCORD_CONTENT_CHARS,
    DISCORD_DESCRIPTION_CHARS,
    DISCORD_EMBEDS_CHARS,
    DISCORD_MAX_EMBEDS,
    DISCORD_TITLE_CHARS,
    SLACK_HEADER_CHARS,
    SLACK_MAX_BLOCKS,
    SLACK_MESSAGE_CHARS,
    SLACK_SECTION_CHARS,
    measure,
    slack_texts,
)
from tests import bigday
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv
from tests.receivers import DAY, TOPICS, HookReceiver, add_config, delivery_state, free_port, topic_ids

Cli = Callable[..., CliResult]
#: What a Slack incoming-webhook URL looks like: its path is the secret.
SECRET_PATH = "/services/T0000/B0000/XyZsecretTOKEN123"
HOSTILE_TITLE = (
    "LLM <script>alert(1)</script> & *bold* _it_ ~s~ </details> <!channel> @everyone [x](https://e.vil)"
)
HOSTILE_ABSTRACT = "An abstract with <b>tags</b> & <!here> and @here and `code`."


def run(cli: Cli, digest: Path) -> CliResult:
    return cli("run", "--config", digest / "config.yml", "--out", digest)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookReceiver]:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with HookReceiver() as r:
        yield r


def hooks_config(receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch, *, extra: str = "") -> str:
    """Slack (URL from the environment, as a GitHub secret), Discord (topics: [MLLM]) and JSON."""
    monkeypatch.setenv("SLACK_WEBHOOK_URL", receiver.url(SECRET_PATH))
    return (
        "notify:\n"
        "  retry_backoff_seconds: 0\n"
        "  webhooks:\n"
        '    - {url: "${SLACK_WEBHOOK_URL}", format: slack}\n'
        f'    - {{url: "{receiver.url("/discord")}", format: discord, topics: [MLLM]}}\n'
        f'    - {{url: "{receiver.url("/json")}", format: json}}\n'
        f"{extra}"
    )


def hostile(arxiv: FakeArxiv) -> str:
    # The newest paper: first on its topic's page, so even a message that lists a few per topic has it.
    target = max(
        (i for i in arxiv.items(["cs.CL"]) if i.announce_type == "new"), key=lambda i: id_sort_key(i.id)
    )
    arxiv.rewrite_item(target.id, title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT)
    return target.id


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value (keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


# -- limits -----------------------------------------------------------------------------------------------
def assert_slack_within_limits(payload: dict[str, Any]) -> None:
    blocks = payload["blocks"]
    assert 1 < len(blocks) <= SLACK_MAX_BLOCKS
    assert blocks[0]["type"] == "header"
    assert measure(blocks[0]["text"]["text"]) <= SLACK_HEADER_CHARS
    texts = slack_texts(blocks)
    assert all(measure(t) <= SLACK_SECTION_CHARS for t in texts)
    assert sum(measure(t) for t in texts) <= SLACK_MESSAGE_CHARS
    assert measure(payload["text"]) <= 4000


def assert_discord_within_limits(payload: dict[str, Any]) -> None:
    assert measure(payload["content"]) <= DISCORD_CONTENT_CHARS
    embeds = payload["embeds"]
    assert 1 <= len(embeds) <= DISCORD_MAX_EMBEDS
    assert all(measure(e["title"]) <= DISCORD_TITLE_CHARS for e in embeds)
    assert all(measure(e["description"]) <= DISCORD_DESCRIPTION_CHARS for e in embeds)
    assert sum(measure(e["title"]) + measure(e["description"]) for e in embeds) <= DISCORD_EMBEDS_CHARS
    assert payload["allowed_mentions"] == {"parse": []}


_SLACK_TOPIC = re.compile(r"^\*(?P<name>[^*]+)\* · (?P<count>\d+) papers", re.MULTILINE)
_ABS = re.compile(r"https://arxiv\.org/abs/(\d{4}\.\d{4,5})")
_MORE = re.compile(r"^(?P<name>[^:\n]+): (?P<n>\d+) more papers?(?P<rest>.*)$", re.MULTILINE)


def slack_listing(payload: dict[str, Any]) -> dict[str, list[str]]:
    """Topic -> the ids the Slack message lists under it, in order."""
    out: dict[str, list[str]] = {}
    topic = None
    for block in payload["blocks"][1:]:
        if block["type"] != "section":
            continue
        for line in block["text"]["text"].split("\n"):
            m = _SLACK_TOPIC.match(line)
            if m:
                topic = m.group("name")
                out[topic] = []
            elif (ids := _ABS.findall(line)) and topic is not None:
                out[topic].extend(ids)
    return out


def assert_lists_what_fits(listing: dict[str, list[str]], notes: str, expected: dict[str, list[str]]) -> None:
    """Each topic's listed papers start its page's list; "N more papers" makes up the rest."""
    more = {m.group("name").replace("\\", ""): int(m.group("n")) for m in _MORE.finditer(notes)}
    assert more, "a day this big cannot fit: the message must say what it left out"
    for topic, ids in expected.items():
        if not ids:
            continue
        shown = listing.get(topic, [])
        assert shown == ids[: len(shown)], topic
        assert len(shown) + more.get(topic, 0) == len(ids), topic
    assert [t for t in listing if listing[t]] == [t for t in TOPICS if listing.get(t)]


# ---------------------------------------------------------------------------------------------------------
def test_slack_discord_and_json_receive_the_day(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(digest_dir, hooks_config(receiver, monkeypatch))
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    for channel in ("webhook 1 (slack)", "webhook 2 (discord)", "webhook 3 (json)"):
        assert f"delivered: {channel}" in result.out
    assert [r.path for r in receiver.requests] == [SECRET_PATH, "/discord", "/json"]
    for r in receiver.requests:
        assert r.headers["content-type"] == "application/json"
        assert r.headers["user-agent"].startswith("arxiv-digest/")

    listed = topic_ids(digest_dir)
    records = {
        r["id"]: r
        for r in map(json.loads, (digest_dir / "data" / f"{DAY}.jsonl").read_text("utf-8").splitlines())
    }
    papers = {pid for ids in listed.values() for pid in ids}
    subject = f"arXiv digest {DAY}: {len(papers)} papers in {sum(1 for t in TOPICS if listed[t])} topics"

    # json: the whole digest, every topic in config order, every paper with its fields.
    data = receiver.to("/json")[0].json
    assert data["day"] == DAY
    assert data["subject"] == subject
    assert data["paper_count"] == len(papers)
    assert [t["name"] for t in data["topics"]] == list(TOPICS)
    for topic in data["topics"]:
        assert [p["id"] for p in topic["papers"]] == listed[topic["name"]]
        for paper in topic["papers"]:
            record = records[paper["id"]]
            assert {k: paper[k] for k in record} == record
            assert paper["url"] == f"https://arxiv.org/abs/{paper['id']}"
            assert paper["tag"] in ("new", "cross-list") or paper["tag"].startswith("updated (v")

    # slack: within its limits; 500 papers do not fit, so it lists some of each topic and counts the rest.
    slack = receiver.to(SECRET_PATH)[0].json
    assert_slack_within_limits(slack)
    assert slack["blocks"][0]["text"]["text"] == subject
    notes = slack["blocks"][-1]["elements"][0]["text"]
    assert_lists_what_fits(slack_listing(slack), notes, listed)
    assert "more papers in the digest" in notes and "https://github.com" not in notes  # no repo: no link

    # discord: only MLLM (its topics), within its limits.
    discord = receiver.to("/discord")[0].json
    assert_discord_within_limits(discord)
    [embed] = discord["embeds"]
    assert embed["title"] == f"MLLM · {len(listed['MLLM'])} papers"
    shown = _ABS.findall(embed["description"])
    assert shown == listed["MLLM"][: len(shown)]
    mllm = set(listed["MLLM"])
    assert discord["content"].startswith(f"**arXiv digest {DAY}: {len(mllm)} papers in 1 topic**")

    state = delivery_state(digest_dir)
    assert sorted(state) == ["webhook 1 (slack)", "webhook 2 (discord)", "webhook 3 (json)"]
    assert all(r["status"] == "sent" and r["attempts"] == 1 for r in state.values())
    stored = (digest_dir / "delivery" / f"{DAY}.json").read_text("utf-8")
    assert "XyZsecretTOKEN123" not in stored and "127.0.0.1" not in stored
    assert "XyZsecretTOKEN123" not in result.out + result.err


def test_arxiv_text_is_escaped_once_for_slack_and_discord_and_kept_in_json(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = hostile(arxiv_env)
    add_config(digest_dir, hooks_config(receiver, monkeypatch).replace("topics: [MLLM]", "topics: [LLM]"))
    assert run(cli, digest_dir).exit_code == 0
    assert pid in topic_ids(digest_dir)["LLM"]

    slack = receiver.to(SECRET_PATH)[0].json
    [line] = [t for t in slack_texts(slack["blocks"]) if pid in t]
    # The title is read as TeX first, as in the e-mail: `~s~` (TeX's ties) reads " s ".
    assert (
        f"<https://arxiv.org/abs/{pid}|LLM &lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold* _it_ s "
        "&lt;/details&gt; &lt;!channel&gt; @everyone [x](https://e.vil)>" in line
    )
    for text in strings(slack):
        assert "<!channel>" not in text and "<script" not in text and "&amp;amp;" not in text
        assert "<https://e.vil" not in text

    discord = receiver.to("/discord")[0].json
    [description] = [e["description"] for e in discord["embeds"] if pid in e["description"]]
    assert (
        r"[LLM \<script\>alert\(1\)\</script\> & \*bold\* \_it\_ s \</details\> \<!channel\> "
        "\\@\u200beveryone \\[x\\]\\(https://e.vil\\)]"
        f"(https://arxiv.org/abs/{pid})" in description
    )
    for text in strings(discord):
        assert "@everyone" not in text and "@here" not in text
        assert "](https://e.vil)" not in text
    assert discord["allowed_mentions"] == {"parse": []}

    [paper] = [p for t in receiver.to("/json")[0].json["topics"] for p in t["papers"] if p["id"] == pid][:1]
    assert paper["title"] == HOSTILE_TITLE
    assert paper["abstract"] == HOSTILE_ABSTRACT


def test_with_repo_the_messages_link_the_archived_topic_pages(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(digest_dir, "repo: you/my-digest\n" + hooks_config(receiver, monkeypatch))
    assert run(cli, digest_dir).exit_code == 0
    base = f"https://github.com/you/my-digest/blob/main/archive/{DAY}/hot_topic"
    slack = receiver.to(SECRET_PATH)[0].json
    notes = slack["blocks"][-1]["elements"][0]["text"]
    linked = [m.group("name") for m in _MORE.finditer(notes)]
    assert len(linked) >= 5
    for m in _MORE.finditer(notes):
        assert m.group("rest") == f", <{base}/{m.group('name')}.md|see the full list>"
        assert (digest_dir / "archive" / DAY / "hot_topic" / f"{m.group('name')}.md").is_file()  # it exists
    discord = receiver.to("/discord")[0].json
    [embed] = discord["embeds"]
    assert embed["url"] == f"{base}/MLLM.md"
    missing = len(topic_ids(digest_dir)["MLLM"]) - len(_ABS.findall(embed["description"]))
    assert f"MLLM: {missing} more papers, [see the full list](<{base}/MLLM.md>)" in discord["content"]
    data = receiver.to("/json")[0].json
    assert data["url"] == f"https://github.com/you/my-digest/blob/main/archive/{DAY}/README.md"
    assert [t["url"] for t in data["topics"]] == [f"{base}/{t}.md" for t in TOPICS]


def test_with_site_url_the_messages_link_the_day_s_site_pages(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = "https://you.github.io/my-digest/"
    add_config(digest_dir, f"repo: you/my-digest\nsite_url: {site}\n" + hooks_config(receiver, monkeypatch))
    assert run(cli, digest_dir).exit_code == 0
    discord = receiver.to("/discord")[0].json
    [embed] = discord["embeds"]
    assert embed["url"] == f"{site}day/{DAY}/topic/MLLM.html"
    assert (digest_dir / "site" / "day" / DAY / "topic" / "MLLM.html").is_file()  # the page it links exists
    data = receiver.to("/json")[0].json
    assert data["url"] == f"{site}day/{DAY}.html" and (digest_dir / "site" / "day" / f"{DAY}.html").is_file()


# -- failures and the once-only rule ----------------------------------------------------------------------
def test_a_500_then_success_is_retried_within_the_run(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(digest_dir, hooks_config(receiver, monkeypatch))
    receiver.answer(500, 503)  # Slack's first two attempts
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert [r.path for r in receiver.requests] == [SECRET_PATH] * 3 + ["/discord", "/json"]
    assert receiver.requests[0].body == receiver.requests[2].body  # the same message each time
    record = delivery_state(digest_dir)["webhook 1 (slack)"]
    assert record["status"] == "sent" and record["attempts"] == 3
    assert record["last_error"] is None


def test_a_persistent_500_fails_the_run_after_the_pages_and_the_next_run_retries_only_it(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    receiver: HookReceiver,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    outputs = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    add_config(digest_dir, hooks_config(receiver, monkeypatch))
    receiver.answer(500, 500, 500)
    result = run(cli, digest_dir)
    assert result.exit_code == 1
    assert "error: delivery failed: webhook 1 (slack): HTTP 500" in result.err
    assert "XyZsecretTOKEN123" not in result.out + result.err and "127.0.0.1" not in result.err
    assert "delivered: webhook 3 (json)" in result.out  # the other channels went out
    assert outputs.read_text() == "published=true\n"  # so the workflow commits pages and record
    for rel in ("README.md", "hot_topic/MLLM.md", f"archive/{DAY}/README.md", f"data/{DAY}.jsonl"):
        assert (digest_dir / rel).is_file(), rel
    state = delivery_state(digest_dir)
    assert state["webhook 1 (slack)"]["status"] == "failed"
    assert state["webhook 1 (slack)"]["attempts"] == 3
    assert state["webhook 1 (slack)"]["last_error"].startswith("HTTP 500")
    assert state["webhook 2 (discord)"]["status"] == state["webhook 3 (json)"]["status"] == "sent"
    assert [r.path for r in receiver.requests] == [SECRET_PATH] * 3 + ["/discord", "/json"]

    again = run(cli, digest_dir)  # the same day, Slack healthy again
    assert again.exit_code == 0, again.err
    assert "delivered: webhook 1 (slack)" in again.out
    assert "already delivered: webhook 2 (discord)" in again.out
    assert "already delivered: webhook 3 (json)" in again.out
    assert [r.path for r in receiver.requests[5:]] == [SECRET_PATH]  # only the failed channel
    assert delivery_state(digest_dir)["webhook 1 (slack)"]["attempts"] == 4

    third = run(cli, digest_dir)
    assert third.exit_code == 0
    assert len(receiver.requests) == 6  # nothing is ever sent twice


def test_several_failed_channels_are_each_reported(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()
    add_config(
        digest_dir,
        "notify:\n"
        "  retry_backoff_seconds: 0\n"
        "  attempts: 2\n"
        "  webhooks:\n"
        f"    - {{url: 'http://127.0.0.1:{closed}/hook/secret', format: slack}}\n"
        f"    - {{url: '{receiver.url('/json')}', format: json}}\n"
        f"    - {{url: '{receiver.url('/discord')}', format: discord}}\n",
    )
    receiver.answer(404, 404)  # the json hook: gone
    result = run(cli, digest_dir)
    assert result.exit_code == 1
    lines = [line for line in result.err.splitlines() if "delivery failed" in line]
    assert lines[0].startswith("error: delivery failed: webhook 1 (slack): ConnectError: ")
    assert lines[1] == "delivery failed: webhook 2 (json): HTTP 404: server error"
    assert len(lines) == 2
    assert "/hook/secret" not in result.err and f":{closed}" not in result.err
    assert "delivered: webhook 3 (discord)" in result.out


def test_nothing_is_sent_when_no_topic_matched_unless_send_empty(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(
        digest_dir,
        "notify:\n"
        "  webhooks:\n"
        f"    - {{url: '{receiver.url('/none')}', format: json, topics: [Embodied_AI]}}\n",
    )
    config = digest_dir / "config.yml"
    text = config.read_text("utf-8")
    config.write_text(text.replace("      - Embodied\n", "      - Zyzzyva Quux\n"), "utf-8")
    config.write_text(
        config.read_text("utf-8").replace("      - VLA\n      - Vision-Language-Action\n", "      - Qwxz\n"),
        "utf-8",
    )
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert topic_ids(digest_dir)["Embodied_AI"] == []
    assert receiver.requests == []
    assert "not sent: webhook 1 (json): no paper in its topics today" in result.out
    assert not (digest_dir / "delivery").exists()

    config.write_text(config.read_text("utf-8") + "  send_empty: true\n", "utf-8")
    assert run(cli, digest_dir).exit_code == 0
    [hook] = receiver.requests
    assert hook.json["subject"] == f"arXiv digest {DAY}: 0 papers in 0 topics"
    assert hook.json["topics"] == [{"name": "Embodied_AI", "url": None, "papers": []}]


def test_an_empty_announcement_sends_nothing(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    arxiv_env.announce_nothing("2026-07-04")
    add_config(digest_dir, hooks_config(receiver, monkeypatch, extra="  send_empty: true\n"))
    outputs = digest_dir.parent / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert receiver.requests == []
    assert not (digest_dir / "delivery").exists()
    assert not outputs.exists()  # nothing published, nothing to commit


def test_an_unset_secret_is_a_config_error_before_anything_is_fetched(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, receiver: HookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_config(digest_dir, hooks_config(receiver, monkeypatch))
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    before = tree_state(digest_dir)
    result = run(cli, digest_dir)
    assert result.exit_code == 2
    assert "notify.webhooks[0].url: environment variable SLACK_WEBHOOK_URL is not set" in result.err
    assert "GitHub Actions secret" in result.err
    assert arxiv_env.requests == []
    assert tree_state(digest_dir) == before


# -- a 2,000-paper day ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BigDay:
    out: Path
    hooks: HookReceiver


@pytest.fixture(scope="module")
def big_day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BigDay]:
    root = tmp_path_factory.mktemp("bigday-notify")
    out = root / "digest"
    assert main(["--quiet", "init", str(out), "--repo", "you/my-digest"]) == 0
    with FakeArxiv() as fake, HookReceiver() as hooks, pytest.MonkeyPatch.context() as mp:
        fake.feed_override = bigday.big_day_feed()
        fake.point(mp, delay="0.05")
        mp.delenv("GITHUB_OUTPUT", raising=False)
        add_config(
            out,
            "notify:\n"
            "  webhooks:\n"
            f"    - {{url: '{hooks.url('/slack')}', format: slack}}\n"
            f"    - {{url: '{hooks.url('/discord')}', format: discord}}\n"
            f"    - {{url: '{hooks.url('/json')}', format: json}}\n",
        )
        assert main(["--quiet", "run", "--config", str(out / "config.yml"), "--out", str(out)]) == 0
        yield BigDay(out, hooks)


def test_a_big_day_stays_within_slack_and_discord_limits_and_links_the_rest(big_day: BigDay) -> None:
    day = bigday.BIG_DAY.isoformat()
    listed = topic_ids(big_day.out, day)
    assert sum(len(ids) for ids in listed.values()) > 1000
    base = f"https://github.com/you/my-digest/blob/main/archive/{day}/hot_topic"

    slack = big_day.hooks.to("/slack")[0].json
    assert_slack_within_limits(slack)
    notes = slack["blocks"][-1]["elements"][0]["text"]
    listing = slack_listing(slack)
    assert_lists_what_fits(listing, notes, listed)
    assert all(listing.get(t) for t in TOPICS if listed[t])  # every topic gets some room
    for m in _MORE.finditer(notes):
        assert m.group("rest") == f", <{base}/{m.group('name')}.md|see the full list>"

    discord = big_day.hooks.to("/discord")[0].json
    assert_discord_within_limits(discord)
    embeds = {e["title"].split(" · ")[0].replace("\\", ""): e for e in discord["embeds"]}
    assert list(embeds) == [t for t in TOPICS if listed[t]]
    assert_lists_what_fits(
        {t: _ABS.findall(e["description"]) for t, e in embeds.items()}, discord["content"], listed
    )
    for topic, embed in embeds.items():
        assert embed["url"] == f"{base}/{topic}.md"

    data = big_day.hooks.to("/json")[0].json  # the whole digest, however big
    assert {t["name"]: [p["id"] for p in t["papers"]] for t in data["topics"]} == listed
