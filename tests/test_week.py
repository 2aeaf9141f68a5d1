"""`arxiv-digest week` (issue #10) on three weeks of the real history (2025-06-02 to 2025-06-20): each
topic's best papers of the week, each paper once, the week's counts, `weekly.top`, an open week written
as "the week so far" and never sent, a closed week sent once, and a rerun that changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import html as lxml_html

from arxiv_digest.config import load_config, parse_config
from arxiv_digest.errors import ConfigError
from arxiv_digest.jobs.rebuild import rebuild
from arxiv_digest.jobs.week import run_week
from arxiv_digest.match.topics import topic_matcher
from arxiv_digest.models import Paper, id_sort_key
from arxiv_digest.store import snapshot
from tests import gfm, history_days
from tests.conftest import CliResult, tree_state
from tests.receivers import TOPICS, HookReceiver, SmtpReceiver, add_config, topic_ids

Cli = Callable[..., CliResult]
WEEK, DAYS_OF_WEEK = "2025-W24", ("2025-06-09", "2025-06-10", "2025-06-11", "2025-06-12", "2025-06-13")
AFTER = dt.date(2025, 6, 23)  # the Monday after the last stored week
HOSTILE_ID = "2506.99990"
_ENTRY = re.compile(r"^- \*\*\[.*?`arXiv:(?P<id>[^`]+)`", re.MULTILINE)
_COUNTS = re.compile(r"(\d+) papers? \((\d+) new, (\d+) cross-lists?, (\d+) updated\)")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("week") / "digest"
    out.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml", out)
    records = history_days.days("2025-06-02", "2025-06-20", 120)
    hostile = dict(records["2025-06-11"][0])  # markup in a title a topic lists (LLM), in every format
    hostile.update(
        id=HOSTILE_ID,
        title="<script>window.__pwned=1</script> LLM <img src=x onerror=alert(1)> *agents* ]]>",
        # many of the reader's keywords: a score that puts it first on the page
        abstract="An LLM, a large language model like GPT, a VLM and MLLM (vision language model) with "
        "reasoning, slow thinking, test-time-scaling and TTC, for embodied VLA agents, with diffusion, "
        "DDPM, NeRF, 3D reconstruction and video generation, on a new benchmark.",
        categories=["cs.CL"],
    )
    records["2025-06-11"].append(hostile)
    history_days.write_days(out, records)
    rebuild(load_config(out / "config.yml"), out, jobs=1, today=AFTER)
    return out


def sections(page: str) -> dict[str, list[str]]:
    """Topic -> the ids its section of a week's page lists, in order."""
    out = {}
    for part in page.split("\n## ")[1:]:
        name, _, body = part.partition("\n")
        out[name.strip()] = [m.group("id") for m in _ENTRY.finditer(body)]
    return out


def week_page(out: Path, week: str = WEEK) -> str:
    return (out / "weekly" / f"{week}.md").read_text(encoding="utf-8")


def test_each_topic_lists_its_best_papers_of_the_week_once(history: Path) -> None:
    page = sections(week_page(history))
    assert list(page) == list(TOPICS)
    listed = {t: [i for d in DAYS_OF_WEEK for i in topic_ids(history, d)[t]] for t in TOPICS}
    shown = [i for ids in page.values() for i in ids]
    assert len(shown) == len(set(shown))  # no paper twice on the page
    taken: set[str] = set()
    config = load_config(history / "config.yml")
    matcher = topic_matcher(config)
    papers = {
        p.id: (day, p)
        for day in DAYS_OF_WEEK
        for p in snapshot.loads((history / "data" / f"{day}.jsonl").read_bytes(), source=day)
    }

    def score(paper: Paper) -> tuple[int, str, tuple[int, int, str]]:
        topics, hits = matcher.explain(paper)
        return len(topics) + len({h.term for h in hits}), papers[paper.id][0], id_sort_key(paper.id)

    for topic in TOPICS:  # in config order, each the best of what no earlier topic took
        pool = sorted({*listed[topic]} - taken, key=lambda i: score(papers[i][1]), reverse=True)
        assert page[topic] == pool[:10], topic
        taken.update(page[topic])
    assert sum(map(len, page.values())) > 40


def test_the_weeks_counts_are_its_days_counts(history: Path) -> None:
    totals = [0, 0, 0, 0]
    for day in DAYS_OF_WEEK:
        readme = (history / "archive" / day / "README.md").read_text(encoding="utf-8")
        m = _COUNTS.search(readme)
        assert m is not None
        totals = [a + int(b) for a, b in zip(totals, m.groups(), strict=True)]
    m = _COUNTS.search(week_page(history))
    assert m is not None and [int(g) for g in m.groups()] == totals
    assert "**2025-06-09 to 2025-06-15**: 5 announcement days," in week_page(history)
    index = week_page(history).split("\n## ")[0]
    listed = {t: {i for d in DAYS_OF_WEEK for i in topic_ids(history, d)[t]} for t in TOPICS}
    for topic, ids in sections(week_page(history)).items():
        assert (
            f"· {len(ids)} of {len(listed[topic])}\n"
            in index.split(f"[{topic}](#", 1)[1].split("\n", 1)[0] + "\n"
        )


def test_the_week_renders_on_github_with_every_title_escaped(history: Path) -> None:
    html = gfm.render(week_page(history))
    assert html.count("<h2>") == len(TOPICS)
    assert HOSTILE_ID in html  # the hostile paper is on the page ...
    assert "<script" not in html and "<img" not in html and "<em>agents" not in html  # ... as text
    for topic in TOPICS:  # the index links to each section by the anchor GitHub gives its heading
        anchor = topic.lower()
        assert f'<a href="#{anchor}">{topic}</a>' in html
    site = (history / "site" / "weekly" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "<script>window" not in site and "<img src=x" not in site
    assert re.findall(r'data-arxiv-id="([^"]+)"', site) == [
        i for ids in sections(week_page(history)).values() for i in ids
    ]


def test_the_command_writes_the_latest_closed_week_by_default_and_reruns_change_nothing(
    history: Path, cli: Cli, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(history, copy)
    state = tree_state(copy)
    result = cli("week", "--config", copy / "config.yml", "--out", copy)
    assert result.exit_code == 0, result.err
    assert result.out.startswith("2025-W25: 4 announcement days, ")  # the clock is long past 2025-06-22
    assert "(nothing changed)" in result.out  # rebuild wrote it already, the same bytes
    assert tree_state(copy) == state
    result = cli("week", "--config", copy / "config.yml", "--out", copy, "--week", WEEK)
    assert result.exit_code == 0 and "(nothing changed)" in result.out
    assert tree_state(copy) == state


def test_weekly_top_bounds_each_topic(history: Path, cli: Cli, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(history, copy)
    add_config(copy, "weekly:\n  top: 3\n")
    result = cli("week", "--config", copy / "config.yml", "--out", copy, "--week", WEEK)
    assert result.exit_code == 0, result.err
    page = sections(week_page(copy))
    assert all(len(ids) <= 3 for ids in page.values()) and len(page["LLM"]) == 3
    assert page["LLM"] == sections(week_page(history))["LLM"][:3]  # the same best, fewer of them
    assert "Each topic's best 3 of the week" in week_page(copy)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--week", "2025-W99"), "year 2025 has no week 99"),
        (("--week", "June"), "not an ISO week"),
        (("--week", "2025-W30"), "no announcement day of 2025-W30 is stored"),
    ],
)
def test_a_bad_week_is_a_usage_error(history: Path, cli: Cli, args: tuple[str, ...], message: str) -> None:
    result = cli("week", "--config", history / "config.yml", "--out", history, *args)
    assert result.exit_code == 2 and message in result.err


def test_without_any_day_the_command_says_what_to_do(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml", out)
    result = cli("week", "--config", out / "config.yml", "--out", out)
    assert result.exit_code == 2 and "run `arxiv-digest run` first" in result.err
    (out / "data").mkdir()
    result = cli("week", "--config", out / "config.yml", "--out", out)
    assert result.exit_code == 2 and "no week has closed yet" in result.err


def test_an_open_week_is_the_week_so_far_and_a_closed_one_is_sent_once(history: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(history, copy)
    with HookReceiver() as hooks:
        add_config(
            copy,
            f'notify:\n  webhooks:\n    - {{url: "{hooks.url("/week")}", format: json, every: week}}\n'
            f'    - {{url: "{hooks.url("/day")}", format: json}}\n',
        )
        config = load_config(copy / "config.yml")
        # Wednesday 2025-06-18: the days of 2025-W25 so far are stored, no later one
        result = run_week(config, copy, week="2025-W25", today=dt.date(2025, 6, 18), sleep=lambda s: None)
        assert not result.complete and result.delivery is None and result.written == 2
        page = week_page(copy, "2025-W25")
        assert "**The week so far** (2025-06-16 to 2025-06-19)" in page
        assert "this page is written again when it closes" in page
        assert hooks.requests == [] and not (copy / "delivery" / "2025-W25.json").exists()
        # Monday: the week is closed; its page says so, and the weekly channel has it, once
        for attempt in range(2):
            result = run_week(config, copy, week="2025-W25", today=AFTER, sleep=lambda s: None)
            assert result.complete and result.delivery is not None
            assert result.written == (2 if attempt == 0 else 0)
        assert [o.status.value for o in result.delivery.outcomes] == ["already sent"]
        assert week_page(copy, "2025-W25") == week_page(history, "2025-W25")
        assert [h.path for h in hooks.requests] == ["/week"]
        body = json.loads(hooks.requests[0].body)
        assert body["week"] == "2025-W25" and body["paper_count"] == result.papers


def test_a_weekly_email_names_the_week_and_links_its_page(history: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(history, copy)
    with SmtpReceiver(tmp_path) as server:
        add_config(
            copy,
            "repo: me/digest\nnotify:\n  email:\n    host: 127.0.0.1\n"
            f"    port: {server.port}\n    security: none\n    from: digest@example.org\n"
            "    to: [me@example.org]\n    every: week\n",
        )
        config = load_config(copy / "config.yml")
        for _ in range(2):
            result = run_week(config, copy, week="2025-W25", today=AFTER, sleep=lambda s: None)
            assert result.delivery is not None and not result.delivery.failed
        assert len(server.messages) == 1  # once per week: the record is delivery/2025-W25.json
        message = server.messages[0].message
        assert message["Subject"].startswith("arXiv digest 2025-W25: ")
        assert message["Message-ID"].startswith("<arxiv-digest.2025-W25.")
        text = server.messages[0].part("plain")
        assert "https://github.com/me/digest/blob/main/weekly/2025-W25.md" in text
        record = json.loads((copy / "delivery" / "2025-W25.json").read_text())
        assert record["week"] == "2025-W25" and record["channels"]["email"]["status"] == "sent"
        assert record["channels"]["email"]["papers"] == result.papers


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("seen_days: -1\n", "seen_days: must be at least 0"),
        ("weekly:\n  top: 0\n", "weekly.top: must be at least 1"),
        ("weekly:\n  best: 3\n", "weekly.best: unknown key"),
        (
            "notify:\n  webhooks:\n    - {url: 'http://127.0.0.1:9/x', format: json, every: month}\n",
            "must be one of day | week, not 'month'",
        ),
    ],
)
def test_the_new_keys_are_checked(extra: str, message: str) -> None:
    text = (Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml").read_text(
        "utf-8"
    )
    with pytest.raises(ConfigError) as e:
        parse_config(text + "\n" + extra)
    assert message in str(e.value)


def test_the_new_keys_default_and_read() -> None:
    text = (Path(__file__).resolve().parent.parent / "src/arxiv_digest/scaffold/config.yml").read_text(
        "utf-8"
    )
    config = parse_config(text)
    assert config.seen_days == 30 and config.weekly.top == 10
    assert not any(t.include_given for t in config.topics)
    config = parse_config(text + "\nseen_days: 0\nweekly:\n  top: 4\ninclude: [new, replace]\n")
    assert config.seen_days == 0 and config.weekly.top == 4
    assert all(t.include_given for t in config.topics)


#: A machine-written summary (issue #11) that would be markup if it were not escaped.
HOSTILE_SUMMARY = "It <img src=x onerror=alert(1)> *claims* ]]> & [wins](javascript:alert(1))."


def test_the_week_shows_the_cached_summaries_marked_machine_written_and_escaped(
    history: Path, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "summaries"
    shutil.copytree(history, copy)
    monkeypatch.setenv("TEST_WEEK_SUMMARIES_KEY", "sk-test-never-called")
    add_config(
        copy,
        # Never called: the weekly pages read the cache only (127.0.0.1:9 would refuse).
        "summaries:\n  endpoint: http://127.0.0.1:9/v1\n  model: gpt-4o-mini\n"
        '  key: "${TEST_WEEK_SUMMARIES_KEY}"\n  language: English\n',
    )
    record = {"id": HOSTILE_ID, "version": 1, "language": "en", "prompt": 1, "model": "gpt-4o-mini",
              "tokens": 40, "summary": HOSTILE_SUMMARY}  # fmt: skip
    (copy / "data" / "summaries").mkdir()
    (copy / "data" / "summaries" / "2025-06.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with HookReceiver() as hooks:
        add_config(
            copy, f'notify:\n  webhooks:\n    - {{url: "{hooks.url("/week")}", format: json, every: week}}\n'
        )
        result = cli("week", "--config", copy / "config.yml", "--out", copy, "--week", WEEK)
        assert result.exit_code == 0, result.err
    # The weekly message carries it too, marked (the JSON webhook: as data, escaped by the consumer).
    body = json.loads(hooks.requests[0].body)
    summarised = [p for t in body["topics"] for p in t["papers"] if "summary" in p]
    assert [(p["id"], p["summary"], p["summary_machine_written"]) for p in summarised] == [
        (HOSTILE_ID, HOSTILE_SUMMARY, True)
    ]
    page = week_page(copy)
    assert HOSTILE_ID in sections(page)["LLM"]
    # Markdown, as GitHub renders it: one summary, above the paper's abstract, marked, as text.
    html = gfm.render(page)
    assert html.count("machine-written") == 1
    entry = html.split(HOSTILE_ID, 1)[1]
    summary_at, abstract_at = entry.index("<b>Summary</b> (machine-written): "), entry.index("Abstract")
    assert summary_at < abstract_at
    assert "<img" not in html and "<em>claims" not in html and 'href="javascript' not in html
    (quote,) = lxml_html.fromstring(html).iter("blockquote")
    assert [e.tag for e in quote.iterdescendants()] == ["b"]  # the marking is ours, the rest is text
    assert quote.text_content() == f"🤖 Summary (machine-written): {HOSTILE_SUMMARY}"
    # The site: the same summary, marked, escaped, in the paper's element only.
    site = (copy / "site" / "weekly" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert site.count('<p class="summary">') == 1
    element = site.split(f'data-arxiv-id="{HOSTILE_ID}"', 1)[1].split("</article>", 1)[0]
    assert (
        '<span class="machine">🤖 Summary (machine-written):</span> '
        "It &lt;img src=x onerror=alert(1)&gt; *claims* ]]&gt; &amp; [wins](javascript:alert(1)).</p>"
    ) in element
    assert "<img src=x" not in site
    # Without `summaries:` the same cache shows nothing: the pages are the history's.
    assert "machine-written" not in week_page(history)
