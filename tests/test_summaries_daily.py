"""Summaries in the daily job (issue #11), end to end: `arxiv-digest run` against the fake arXiv and the
fake chat-completions API, both on 127.0.0.1. The summaries show above the abstracts; a rerun, a rebuild
and a fresh clone cost zero tokens; every failure leaves the day's pages (less the summary lines), topics
and exit code exactly as they are with summaries off, and `status` says what failed and what remains;
the key is in no file and no output."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv
from tests.fakes.chat import FakeChat, Reply, rate_limited, server_error

Cli = Callable[..., CliResult]

DAY = "2026-06-30"
KEY = "sk-proj-l11WireKey0123456789abcdefXYZ"
VARIABLE = "TEST_SUMMARIES_KEY"
PAPERS = 5
#: What the summaries add to a Markdown entry, and to a site entry (and nothing else).
MD_SUMMARY = re.compile(r"  <blockquote>🤖 <b>Summary</b> \(machine-written\): [^\n]*</blockquote>\n")
SITE_SUMMARY = re.compile(r'<p class="summary"><span class="machine">[^\n]*</p>\n')


def section(url: str, *, papers: int = PAPERS, budget: int = 60_000, key: str | None = None) -> str:
    return (
        "\nsummaries:\n"
        f"  endpoint: {url}\n"
        "  model: gpt-4o-mini\n"
        f'  key: "{key or "${" + VARIABLE + "}"}"\n'
        "  language: English\n"
        f"  papers: {papers}\n"
        f"  max_tokens_per_day: {budget}\n"
    )


def with_summaries(digest: Path, url: str, **options: object) -> None:
    config = digest / "config.yml"
    config.write_text(config.read_text(encoding="utf-8") + section(url, **options), encoding="utf-8")  # type: ignore[arg-type]


def run(cli: Cli, digest: Path, *extra: str) -> CliResult:
    return cli("-v", "run", "--config", digest / "config.yml", "--out", digest, *extra)


def status(cli: Cli, digest: Path) -> CliResult:
    return cli("status", "--config", digest / "config.yml", "--out", digest)


def markdown_pages(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*.md"))
        if not p.relative_to(root).as_posix().startswith("data/")
    }


def published(root: Path) -> set[str]:
    """The files a day publishes, the summaries' own files apart."""
    return {
        rel
        for rel in tree_state(root)
        if not rel.startswith("data/summaries/") and not rel.endswith(".meta.json")
    }


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChat]:
    monkeypatch.setenv(VARIABLE, KEY)
    with FakeChat(key=KEY) as fake:
        yield fake


@pytest.fixture
def baseline(arxiv_env: FakeArxiv, cli: Cli, tmp_path: Path) -> Path:
    """The same day published with summaries off."""
    out = tmp_path / "off"
    assert cli("init", out).exit_code == 0
    result = run(cli, out)
    assert result.exit_code == 0, result.err
    return out


def summarised_ids(root: Path) -> list[str]:
    """The arXiv ids whose topic-page entry shows a summary, in the order the topics list them."""
    found: list[str] = []
    for text in markdown_pages(root).values():
        for m in re.finditer(r"`arXiv:([^`]+)`[^\n]*\n  _[^\n]*_\n  <blockquote>🤖", text):
            if m.group(1) not in found:
                found.append(m.group(1))
    return found


# ---------------------------------------------------------------------------------------------------


def test_a_run_with_summaries_shows_them_and_changes_nothing_else(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path, baseline: Path
) -> None:
    with_summaries(digest_dir, chat.url)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert len(chat.requests) == PAPERS
    # Each request is logged with the usage its response reported.
    logged = re.findall(r"(\d+) prompt \+ (\d+) completion = (\d+) tokens", result.err)
    assert len(logged) == PAPERS
    assert sum(int(total) for _, _, total in logged) == chat.usage_totals()["total_tokens"]

    # The first PAPERS distinct papers of the topics, in config order, have their summary.
    ids = summarised_ids(digest_dir)
    assert len(ids) == PAPERS
    first_topic = (digest_dir / "hot_topic" / "LLM.md").read_text(encoding="utf-8")
    assert "  <blockquote>🤖 <b>Summary</b> (machine-written): This paper presents" in first_topic
    cached = (digest_dir / "data" / "summaries" / "2026-06.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["id"] for line in cached) == sorted(ids)

    # The pages less their summary lines are the pages of the day without summaries, byte for byte, and
    # the day publishes the same files.
    ours, theirs = markdown_pages(digest_dir), markdown_pages(baseline)
    assert set(ours) == set(theirs)
    for rel, text in ours.items():
        assert MD_SUMMARY.sub("", text) == theirs[rel], rel
    assert published(digest_dir) == published(baseline)
    topic_html = (digest_dir / "site" / "topic" / "LLM.html").read_text(encoding="utf-8")
    assert '<p class="summary">' in topic_html
    assert SITE_SUMMARY.sub("", topic_html) == (baseline / "site" / "topic" / "LLM.html").read_text("utf-8")
    assert "🤖 Summary (machine-written): This paper presents" in (
        digest_dir / "site" / "feeds" / "all.xml"
    ).read_text(encoding="utf-8")

    meta = json.loads((digest_dir / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))
    assert meta["summaries"]["shown"] == meta["summaries"]["chosen"] == PAPERS
    assert meta["summaries"]["tokens_today"] == chat.usage_totals()["total_tokens"]
    shown = status(cli, digest_dir)
    assert f"summaries: {PAPERS} of {PAPERS} shown (0 failed, 0 remaining)" in shown.out


def test_a_rerun_and_a_rebuild_cost_zero_tokens_and_change_nothing(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path
) -> None:
    with_summaries(digest_dir, chat.url)
    assert run(cli, digest_dir).exit_code == 0
    before = tree_state(digest_dir)
    sent = len(chat.requests)
    again = run(cli, digest_dir)
    assert again.exit_code == 0, again.err
    assert len(chat.requests) == sent
    assert tree_state(digest_dir) == before
    rebuilt = cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir)
    assert rebuilt.exit_code == 0, rebuilt.err
    assert len(chat.requests) == sent
    assert tree_state(digest_dir) == before


def test_a_fresh_clone_shows_the_committed_summaries_without_a_request(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path, tmp_path: Path
) -> None:
    with_summaries(digest_dir, chat.url)
    assert run(cli, digest_dir).exit_code == 0
    before = tree_state(digest_dir)
    sent = len(chat.requests)
    clone = tmp_path / "clone"
    shutil.copytree(digest_dir, clone, ignore=shutil.ignore_patterns(".arxiv-digest"))  # what git holds
    shutil.rmtree(clone / "site")
    for page in ("README.md", "hot_topic", "category", "archive"):
        target = clone / page
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    rebuilt = cli("rebuild", "--config", clone / "config.yml", "--out", clone)
    assert rebuilt.exit_code == 0, rebuilt.err
    assert tree_state(clone) == before
    again = run(cli, clone)  # the day once more, on the clone's new database
    assert again.exit_code == 0, again.err
    assert len(chat.requests) == sent
    assert tree_state(clone) == before


HOSTILE = (
    "This paper <script>window.pwned = 1</script> shows that the method <img src=x onerror=alert(1)> "
    "works, and it finds [a link](javascript:alert(1)) and `code` with *stars* for the task @everyone "
    "</details> # not a heading <!-- and the end."
)


def test_a_hostile_answer_is_text_in_every_format(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path
) -> None:
    from tests import gfm

    chat.queue(*(Reply(content=HOSTILE) for _ in range(PAPERS)))
    with_summaries(digest_dir, chat.url)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    page = (digest_dir / "hot_topic" / "LLM.md").read_text(encoding="utf-8")
    html = gfm.render(page)
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", html, re.DOTALL)
    assert len(quotes) == page.count("<blockquote>") >= 1
    for quote in quotes:  # the label's <b> is the only element; the answer is text
        assert re.sub(r"<b>Summary</b>", "", quote).count("<") == 0, quote
        label = "🤖 <b>Summary</b> (machine-written): "
        assert quote.startswith(label + "This paper &lt;script>window.pwned = 1&lt;/script>"), quote
    assert html.count("<details") == page.count("<details") == html.count("</details>")
    site = (digest_dir / "site" / "topic" / "LLM.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in site and "<script>window" not in site
    feed = (digest_dir / "site" / "feeds" / "all.xml").read_text(encoding="utf-8")
    assert "&lt;script&gt;window.pwned" in feed


INVALID_KEY = Reply(
    status=401,
    error={
        "message": f"Incorrect API key provided: {KEY}",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    },
)
GERMAN = Reply(content="Die Arbeit zeigt, dass der Ansatz die verglichenen Verfahren übertrifft.")


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(server_error(500), id="5xx"),
        pytest.param(rate_limited("3600"), id="429-retry-after-too-long"),
        pytest.param(Reply(body=b"{not json"), id="malformed"),
        pytest.param(Reply(content=""), id="empty"),
        pytest.param(Reply(null_content=True, refusal="I can't help with that."), id="refusal"),
        pytest.param(GERMAN, id="wrong-language"),
        pytest.param(INVALID_KEY, id="401"),
    ],
)
def test_each_failure_leaves_the_abstracts_and_is_in_status(
    arxiv_env: FakeArxiv,
    chat: FakeChat,
    cli: Cli,
    digest_dir: Path,
    baseline: Path,
    reply: Reply,
) -> None:
    chat.queue(*[reply] * 20)
    with_summaries(digest_dir, chat.url)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert markdown_pages(digest_dir) == markdown_pages(baseline)
    assert published(digest_dir) == published(baseline)
    meta = json.loads((digest_dir / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))["summaries"]
    assert meta["shown"] == 0
    outcomes = [p["outcome"] for p in meta["papers"]]
    assert len(outcomes) == PAPERS and "failed" in outcomes and set(outcomes) <= {"failed", "not tried"}
    shown = status(cli, digest_dir)
    failed = outcomes.count("failed")
    assert f"summaries: 0 of {PAPERS} shown ({failed} failed, {PAPERS - failed} remaining)" in shown.out
    assert f"{failed} {'summary' if failed == 1 else 'summaries'} failed (first: " in shown.out
    assert KEY not in shown.out + result.out + result.err
    # The topics, their counts and the papers' line are those of the day without summaries.
    same = [line for line in shown.out.splitlines() if line.lstrip().startswith(("papers:", "topics:"))]
    assert same == [
        line
        for line in status(cli, baseline).out.splitlines()
        if line.lstrip().startswith(("papers:", "topics:"))
    ]
    # The next run, the endpoint mended, fills them in.
    chat.clear()
    mended = run(cli, digest_dir)
    assert mended.exit_code == 0, mended.err
    assert len(summarised_ids(digest_dir)) == PAPERS


def test_a_spent_budget_leaves_the_rest_for_the_next_run(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path
) -> None:
    with_summaries(digest_dir, chat.url, budget=1200)
    assert run(cli, digest_dir).exit_code == 0
    meta = json.loads((digest_dir / "data" / f"{DAY}.meta.json").read_text(encoding="utf-8"))["summaries"]
    assert 0 < meta["shown"] < PAPERS and meta["over_budget"] == PAPERS - meta["shown"]
    assert meta["tokens_today"] <= 1200
    assert len(summarised_ids(digest_dir)) == meta["shown"]
    shown = status(cli, digest_dir)
    assert f"{PAPERS - meta['shown']} remaining" in shown.out


def test_an_unreachable_endpoint_changes_nothing(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, baseline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VARIABLE, KEY)
    with FakeChat() as gone:
        url = gone.url  # closed once the block ends: the connection is refused
    with_summaries(digest_dir, url)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert markdown_pages(digest_dir) == markdown_pages(baseline)
    assert "summaries: 0 of 5 shown" in status(cli, digest_dir).out


def test_the_key_is_in_no_file_and_no_output(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path
) -> None:
    chat.echo_key_whole = True
    chat.queue(Reply(content=f"This paper shows that the key {KEY} is in the answer of the model."))
    with_summaries(digest_dir, chat.url)
    outputs = [
        run(cli, digest_dir),
        status(cli, digest_dir),
        cli("check", "--config", digest_dir / "config.yml"),
    ]
    for result in outputs:
        assert KEY not in result.out + result.err
    for path in digest_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert all(r.headers.get("authorization") == f"Bearer {KEY}" for r in chat.requests)


def test_a_missing_key_variable_is_a_config_error_naming_the_key(
    cli: Cli, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    with_summaries(digest_dir, "https://api.openai.com/v1")
    result = run(cli, digest_dir)
    assert result.exit_code == 2
    assert "summaries.key" in result.err and VARIABLE in result.err and "not set" in result.err


def test_a_key_written_into_the_file_is_refused_without_repeating_it(cli: Cli, digest_dir: Path) -> None:
    with_summaries(digest_dir, "https://api.openai.com/v1", key=KEY)
    result = cli("check", "--config", digest_dir / "config.yml")
    assert result.exit_code == 2
    assert "summaries.key" in result.err and KEY not in result.err + result.out


def test_an_unknown_language_is_refused_when_the_config_loads(
    cli: Cli, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VARIABLE, KEY)
    with_summaries(digest_dir, "https://api.openai.com/v1")
    config = digest_dir / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("English", "Klingon"), encoding="utf-8")
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert "summaries.language" in result.err and "Klingon" in result.err


def test_status_cuts_the_key_out_of_a_record_that_holds_it(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path
) -> None:
    """A meta.json edited by hand, or written by a server's words that slipped through, shows no key."""
    with_summaries(digest_dir, chat.url)
    assert run(cli, digest_dir).exit_code == 0
    path = digest_dir / "data" / f"{DAY}.meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["summaries"]["problems"] = [f"the endpoint said: Incorrect API key provided: {KEY}"]
    path.write_text(json.dumps(meta), encoding="utf-8")
    shown = status(cli, digest_dir)
    assert KEY not in shown.out + shown.err
    assert "Incorrect API key provided: <API key>" in shown.out


def test_even_a_bug_in_the_summaries_leaves_the_day_as_it_is(
    arxiv_env: FakeArxiv,
    chat: FakeChat,
    cli: Cli,
    digest_dir: Path,
    baseline: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from arxiv_digest.jobs import _summaries as stage

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"a bug that quotes the key {KEY}")

    monkeypatch.setattr(stage, "summarise_day", broken)
    with_summaries(digest_dir, chat.url)
    result = run(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert markdown_pages(digest_dir) == markdown_pages(baseline)
    assert published(digest_dir) == published(baseline)
    shown = status(cli, digest_dir)
    assert "summaries: unexpected error: RuntimeError: a bug that quotes the key <key>" in shown.out
    assert KEY not in shown.out + result.out + result.err


def test_turned_off_every_page_is_as_without_summaries_again(
    arxiv_env: FakeArxiv, chat: FakeChat, cli: Cli, digest_dir: Path, baseline: Path
) -> None:
    config = digest_dir / "config.yml"
    plain = config.read_text(encoding="utf-8")
    with_summaries(digest_dir, chat.url)
    assert run(cli, digest_dir).exit_code == 0
    assert summarised_ids(digest_dir)
    config.write_text(plain, encoding="utf-8")  # the section removed
    rebuilt = cli("rebuild", "--config", config, "--out", digest_dir)
    assert rebuilt.exit_code == 0, rebuilt.err
    assert markdown_pages(digest_dir) == markdown_pages(baseline)
    assert "summaries:" not in status(cli, digest_dir).out
    assert (digest_dir / "data" / "summaries" / "2026-06.jsonl").is_file()  # kept for a return
