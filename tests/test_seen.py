"""Papers already shown (issue #10), across a replayed fortnight of real days: the fake arXiv serves the
shared history one day after another (``run_daily``, the job behind ``arxiv-digest run``), with
replacements (v2) of papers announced six days earlier and, one day, items of the day before repeated as
new (arXiv's feed after an outage). What each topic page lists is read back from the published pages, and
every count that names a topic's papers is held against it."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from arxiv_digest.config import load_config
from arxiv_digest.jobs.daily import run_daily
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.jobs.status import read_status
from tests import gfm, history_days
from tests.conftest import tree_state
from tests.fakearxiv import FakeArxiv
from tests.receivers import TOPICS, HookReceiver, add_config, topic_ids

DAYS = ("2025-06-05", "2025-06-06", "2025-06-09", "2025-06-10", "2025-06-11", "2025-06-12", "2025-06-16")
REPEAT_DAY, REPLACE_DAY, REPLACED_FROM = "2025-06-10", "2025-06-11", "2025-06-05"
PER_DAY = 150
LAST = dt.date.fromisoformat(DAYS[-1])
_SEEN = re.compile(r"^- updated, seen before: \[`arXiv:(?P<id>[^`]+)` v(?P<v>\d+)\]\(", re.MULTILINE)
_BADGE = re.compile(r"badge/Papers-(\d+)-")
TRACKED = ("cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO")  # the categories `init` writes
HOSTILE = " <img src=x onerror=alert(1)> *x*"


@dataclass
class Replay:
    out: Path
    replaced: list[str]  # ids re-announced as v2 on REPLACE_DAY
    repeated: list[str]  # ids of the day before served again as new on REPEAT_DAY
    hostile: str  # a replaced id whose v2 title carries markup
    hooks: HookReceiver
    weeks: dict[str, list[str]]  # the weekly pages there were after each day's run


def seen_ids(out: Path, day: str, topic: str) -> list[str]:
    text = (out / "archive" / day / "hot_topic" / f"{topic}.md").read_text(encoding="utf-8")
    return [m.group("id") for m in _SEEN.finditer(text)]


def topic_page(out: Path, day: str, topic: str) -> str:
    return (out / "archive" / day / "hot_topic" / f"{topic}.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    records = {d: r for d, r in history_days.days(DAYS[0], DAYS[-1], PER_DAY).items() if d in DAYS}
    assert tuple(records) == DAYS
    out = tmp_path_factory.mktemp("seen") / "digest"
    assert main(["--quiet", "init", str(out)]) == 0
    with FakeArxiv() as fake, HookReceiver() as hooks, pytest.MonkeyPatch.context() as env:
        fake.point(env, delay="0")
        add_config(
            out,
            f"""\
            notify:
              retry_backoff_seconds: 0
              webhooks:
                - {{url: "{hooks.url("/day")}", format: json}}
                - {{url: "{hooks.url("/week")}", format: json, every: week}}
            """,
        )
        replaced: list[str] = []
        repeated: list[str] = []
        hostile = ""
        weeks: dict[str, list[str]] = {}
        for day in DAYS:
            fake.day = dt.date.fromisoformat(day)
            fake.records = history_days.as_feed_records(records[day])
            fake.replaced_from, fake.replaced_count = [], 0
            if day == REPEAT_DAY:  # items of the day before again, as new: listed ones and others
                listed = {i for ids in topic_ids(out, "2025-06-09").values() for i in ids}
                served = [r for r in records["2025-06-09"] if r["categories"][0] in TRACKED]  # type: ignore[index]
                before = [r for r in served if r["id"] in listed][:6]
                before += [r for r in served if r["id"] not in listed][:2]
                repeated = [str(r["id"]) for r in before]
                fake.records += history_days.as_feed_records(before)
            if day == REPLACE_DAY:  # v2 of papers six days old: some a topic listed, some none did
                listed = {i for ids in topic_ids(out, REPLACED_FROM).values() for i in ids}
                tracked = [r for r in records[REPLACED_FROM] if r["categories"][0] in TRACKED]  # type: ignore[index]
                chosen = [r for r in tracked if r["id"] in listed][:25]
                chosen += [r for r in tracked if r["id"] not in listed][:5]
                hostile = str(chosen[0]["id"])
                chosen[0] = dict(chosen[0], title=str(chosen[0]["title"]) + HOSTILE)
                replaced = [str(r["id"]) for r in chosen]
                fake.replaced_from, fake.replaced_count = history_days.as_feed_records(chosen), len(chosen)
            config = load_config(out / "config.yml")
            result = run_daily(config, out, today=fake.day, sleep=lambda s: None)
            assert result.day == fake.day and result.delivery is not None
            assert not result.delivery.failed
            weeks[day] = sorted(p.name for p in (out / "weekly").glob("*.md"))
        yield Replay(out, replaced, repeated, hostile, hooks, weeks)


def entries(out: Path, day: str) -> dict[str, list[str]]:
    return topic_ids(out, day)


def test_a_replacement_of_a_paper_a_topic_listed_is_not_listed_again(replay: Replay) -> None:
    out = replay.out
    before, now = entries(out, REPLACED_FROM), entries(out, REPLACE_DAY)
    moved = 0
    for topic in TOPICS:
        seen = seen_ids(out, REPLACE_DAY, topic)
        for paper in replay.replaced:
            if paper in before[topic]:  # listed six days ago: now one collapsed line, not an entry
                assert paper not in now[topic], (topic, paper)
                assert paper in seen, (topic, paper)
                moved += 1
        # every collapsed line is a paper the topic listed within seen_days (30), as a replacement today
        assert set(seen) <= set(before[topic]) & set(replay.replaced), topic
    assert moved >= 25  # each of the 25 listed papers, under every topic that listed it


def test_a_paper_listed_the_day_before_is_not_listed_again_as_new(replay: Replay) -> None:
    out = replay.out
    yesterday, today = entries(out, "2025-06-09"), entries(out, REPEAT_DAY)
    dropped = 0
    for topic in TOPICS:
        for paper in replay.repeated:
            if paper in yesterday[topic]:
                assert paper not in today[topic], (topic, paper)
                dropped += 1
        assert seen_ids(out, REPEAT_DAY, topic) == []  # a repeat is dropped, not shown as "seen before"
    assert dropped >= 6
    # the category pages still list every paper of the day (they list what arXiv announced)
    category_text = "".join(
        p.read_text("utf-8") for p in (out / "archive" / REPEAT_DAY / "category").glob("*.md")
    )
    assert all(f"`arXiv:{paper}`" in category_text for paper in replay.repeated)


def test_every_count_agrees_with_what_the_topic_pages_list(replay: Replay) -> None:
    out = replay.out
    for day in DAYS:
        listed = entries(out, day)
        readme = (out / "archive" / day / "README.md").read_text(encoding="utf-8")
        for topic in TOPICS:
            page = topic_page(out, day, topic)
            assert _BADGE.search(page) and int(_BADGE.search(page).group(1)) == len(listed[topic])  # type: ignore[union-attr]
            assert f"[{topic}](hot_topic/{topic}.md) · {len(listed[topic])}\n" in readme
        # the site's topic page lists the same papers, and the day's JSON message the same again
        for topic in TOPICS:
            html = (out / "site" / "day" / day / "topic" / f"{topic}.html").read_text(encoding="utf-8")
            assert re.findall(r'data-arxiv-id="([^"]+)"', html) == listed[topic]
    # each topic's Atom feed holds the papers its pages listed over the last feed_days (7) days: all DAYS
    for topic in TOPICS:
        feed = (out / "site" / "feeds" / f"{topic}.xml").read_text(encoding="utf-8")
        in_feed = set(re.findall(r"<id>https://arxiv\.org/abs/([^<]+)</id>", feed))
        assert in_feed == {i for day in DAYS for i in entries(out, day)[topic]}, topic
    sent = {json.loads(h.body)["day"]: json.loads(h.body) for h in replay.hooks.to("/day")}
    assert set(sent) == set(DAYS)
    for day in DAYS:
        listed = entries(out, day)
        for t in sent[day]["topics"]:
            assert [p["id"] for p in t["papers"]] == listed[t["name"]], (day, t["name"])
    # status counts the latest day by the same rule (from the committed files alone)
    status = read_status(out, config=load_config(out / "config.yml"), today=dt.date(2025, 6, 16))
    assert status.topics == {topic: len(ids) for topic, ids in entries(out, DAYS[-1]).items()}
    # and so does status for the day of the replacements, read as if it were the last one
    for later in DAYS[DAYS.index(REPLACE_DAY) + 1 :]:
        (out / "data" / f"{later}.jsonl").rename(out / f"{later}.jsonl.aside")
    try:
        status = read_status(out, config=load_config(out / "config.yml"), today=dt.date(2025, 6, 11))
        assert status.topics == {topic: len(ids) for topic, ids in entries(out, REPLACE_DAY).items()}
    finally:
        for later in DAYS[DAYS.index(REPLACE_DAY) + 1 :]:
            (out / f"{later}.jsonl.aside").rename(out / "data" / f"{later}.jsonl")


def test_the_seen_lines_render_collapsed_on_github_and_escape_the_title(replay: Replay) -> None:
    topic = next(t for t in TOPICS if replay.hostile in seen_ids(replay.out, REPLACE_DAY, t))
    html = gfm.render(topic_page(replay.out, REPLACE_DAY, topic))
    block = html[html.rindex("<details>") :]
    assert re.match(r"<details><summary>🔁 \d+ updated papers? seen before</summary>\n<ul>\n<li>", block)
    items = re.findall(r"<li>(.*?)</li>", block)
    assert len(items) == len(seen_ids(replay.out, REPLACE_DAY, topic))
    line = next(i for i in items if replay.hostile in i)
    link = f'<a href="https://arxiv.org/abs/{replay.hostile}v2"><code>arXiv:{replay.hostile}</code> v2</a>'
    assert line.startswith(f"updated, seen before: {link} · ")
    assert "<img" not in block and "<em>" not in block  # the title's markup is text
    assert "&lt;img src=x onerror=alert(1)&gt; *x*" in line
    site = (replay.out / "site" / "day" / REPLACE_DAY / "topic" / f"{topic}.html").read_text("utf-8")
    assert '<details class="seen">' in site and "<img src=x" not in site
    assert (
        f'<a href="https://arxiv.org/abs/{replay.hostile}v2"><code>arXiv:{replay.hostile}</code> v2</a>'
        in site
    )


def test_a_rebuild_publishes_the_same_bytes_and_again_nothing(replay: Replay, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(replay.out, copy)
    state = _comparable(tree_state(copy))
    shutil.rmtree(copy / ".arxiv-digest")  # a fresh clone: the database is built from data/ (the snapshots)
    rebuild(load_config(copy / "config.yml"), copy, jobs=1, today=LAST)
    assert _comparable(tree_state(copy)) == state
    config = load_config(copy / "config.yml")
    # a rerun of the last day (the fake is gone: the same day from the snapshot) rewrites nothing
    assert rebuild(config, copy, jobs=1, today=LAST).written == 0


def _comparable(state: dict[str, str]) -> dict[str, str]:
    # A day's overview page says "Archive (N days)" with N as it was when the day was published (runs
    # do not rewrite older days' overviews; a rebuild does): not a matter of the rules tested here.
    return {k: v for k, v in state.items() if not re.fullmatch(r"site/day/[\d-]+\.html", k)}


def test_the_daily_run_writes_and_sends_each_week_once_it_closes(replay: Replay) -> None:
    # 2025-W23 closes with the run of Monday 2025-06-09, W24 with that of Monday 2025-06-16
    assert replay.weeks["2025-06-06"] == []
    assert replay.weeks["2025-06-09"] == replay.weeks["2025-06-12"] == ["2025-W23.md"]
    assert replay.weeks["2025-06-16"] == ["2025-W23.md", "2025-W24.md"]
    sent = [json.loads(h.body) for h in replay.hooks.to("/week")]
    assert [m["week"] for m in sent] == ["2025-W23", "2025-W24"]  # once each, on the run that closed it
    assert sent[1]["subject"].startswith("arXiv digest 2025-W24: ")
    page = (replay.out / "weekly" / "2025-W24.md").read_text(encoding="utf-8")
    for t in sent[1]["topics"]:  # the message lists what the week's page lists
        section = page.split(f"\n## {t['name']}\n", 1)[1].split("\n## ", 1)[0]
        assert [p["id"] for p in t["papers"]] == re.findall(r"`arXiv:([^`]+)`", section)
    state = json.loads((replay.out / "delivery" / "2025-W24.json").read_text(encoding="utf-8"))
    assert state["week"] == "2025-W24" and state["channels"]["webhook 2 (json)"]["status"] == "sent"
    assert "webhook 1 (json)" not in state["channels"]  # the daily channel is not sent weeks
    assert not (replay.out / "delivery" / "2025-W25.json").exists()


def _rebuilt(replay: Replay, tmp_path: Path, extra: str) -> Path:
    copy = tmp_path / "variant"
    shutil.copytree(replay.out, copy)
    add_config(copy, extra)
    rebuild(load_config(copy / "config.yml"), copy, jobs=1, today=LAST)
    return copy


def test_seen_days_zero_lists_every_replacement_again(replay: Replay, tmp_path: Path) -> None:
    copy = _rebuilt(replay, tmp_path, "seen_days: 0\n")
    before, now = entries(copy, REPLACED_FROM), entries(copy, REPLACE_DAY)
    for topic in TOPICS:
        assert seen_ids(copy, REPLACE_DAY, topic) == []
        assert {p for p in replay.replaced if p in before[topic]} <= set(now[topic])
    # the repeats of the day before are still not listed again as new
    yesterday, repeat_day = entries(copy, "2025-06-09"), entries(copy, REPEAT_DAY)
    for topic in TOPICS:
        assert not {p for p in replay.repeated if p in yesterday[topic]} & set(repeat_day[topic])


def test_seen_days_shorter_than_the_gap_lists_the_replacement(replay: Replay, tmp_path: Path) -> None:
    copy = _rebuilt(replay, tmp_path, "seen_days: 5\n")  # 2025-06-05 is six days before 2025-06-11
    before, now = entries(copy, REPLACED_FROM), entries(copy, REPLACE_DAY)
    for topic in TOPICS:
        assert seen_ids(copy, REPLACE_DAY, topic) == []
        assert {p for p in replay.replaced if p in before[topic]} <= set(now[topic])


def test_an_include_written_in_the_file_wins(replay: Replay, tmp_path: Path) -> None:
    copy = _rebuilt(replay, tmp_path, "include: [new, cross, replace, replace-cross]\n")
    before, now = entries(copy, REPLACED_FROM), entries(copy, REPLACE_DAY)
    for topic in TOPICS:
        assert seen_ids(copy, REPLACE_DAY, topic) == []
        assert {p for p in replay.replaced if p in before[topic]} <= set(now[topic])


def test_match_substring_keeps_the_references_behaviour(replay: Replay, tmp_path: Path) -> None:
    copy = _rebuilt(replay, tmp_path, "match: substring\n")
    for day in DAYS:
        for topic in TOPICS:
            assert "seen before" not in topic_page(copy, day, topic)
    before, now = entries(copy, REPLACED_FROM), entries(copy, REPLACE_DAY)
    yesterday, repeat_day = entries(copy, "2025-06-09"), entries(copy, REPEAT_DAY)
    for topic in TOPICS:  # replacements and repeats are listed as the reference listed them
        assert {p for p in replay.replaced if p in before[topic]} <= set(now[topic])
        assert {p for p in replay.repeated if p in yesterday[topic]} <= set(repeat_day[topic])
