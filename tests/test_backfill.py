"""Backfill over OAI-PMH (issue #4), against the fake arXiv's OAI-PMH interface built from real records.

The fake serves three weekdays of real papers (2026-06-29..07-01) in small pages, with cross-lists that
appear in several sets, revised papers, a deleted record, noRecordsMatch for an empty range and
badResumptionToken for an unknown token. Faults come from the same queue as the daily feed's tests.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.cli import main
from arxiv_digest.errors import OaiError
from arxiv_digest.models import AnnounceType
from arxiv_digest.sources import oai
from arxiv_digest.text import normalize_whitespace
from tests.conftest import CliResult, tree_state
from tests.fakearxiv import FakeArxiv, Recorded, Reply
from tests.fakearxiv.oai import FakeOai, OaiItem, error_body, items_on, record_element, scenario
from tests.fakearxiv.oai_tokens import BadTokens, Kind

Cli = Callable[..., CliResult]

DAYS = [dt.date(2026, 6, 29), dt.date(2026, 6, 30), dt.date(2026, 7, 1)]  # Monday to Wednesday
PAGE_SIZE = 40
DELAY_SECONDS = 0.05  # what the arxiv_env fixture configures
SETS = ["cs:cs:AI", "cs:cs:CL", "cs:cs:CV", "cs:cs:LG", "cs:cs:MA", "cs:cs:RO"]  # the default config's
ATTEMPTS = 5  # max_retries (4) + 1


def install(fake: FakeArxiv, items: list[OaiItem] | None = None, page_size: int = PAGE_SIZE) -> FakeOai:
    server = FakeOai(
        scenario(DAYS) if items is None else items, page_size=page_size, base_url=fake.url + "/oai"
    )
    fake.oai_handler = server.handle
    return server


@pytest.fixture
def fake_oai(arxiv_env: FakeArxiv) -> FakeOai:
    return install(arxiv_env)


def backfill(
    cli: Cli, digest: Path, *extra: str, start: str = "2026-06-29", end: str = "2026-07-01"
) -> CliResult:
    return cli(
        "backfill", "--config", digest / "config.yml", "--out", digest, "--from", start, "--to", end, *extra
    )


def oai_requests(fake: FakeArxiv) -> list[Recorded]:
    return [r for r in fake.requests if r.path == "/oai"]


def key(request: Recorded) -> tuple[str, str]:
    """What a request asked for: a set's first page, or the page behind a token."""
    q = request.query
    return ("token", q["resumptionToken"][0]) if "resumptionToken" in q else ("set", q["set"][0])


def read_day(digest: Path, day: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (digest / "data" / f"{day}.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def clean_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What an uninterrupted backfill of the three days publishes in a fresh `init` folder."""
    out = tmp_path_factory.mktemp("clean") / "digest"
    with FakeArxiv() as fake, pytest.MonkeyPatch.context() as mp:
        install(fake)
        mp.setenv("ARXIV_DIGEST_OAI_URL", fake.url + "/oai")
        mp.setenv("ARXIV_DIGEST_DELAY_SECONDS", str(DELAY_SECONDS))
        assert main(["-q", "init", str(out)]) == 0
        args = ["-q", "backfill", "--config", str(out / "config.yml"), "--out", str(out)]
        assert main([*args, "--from", "2026-06-29", "--to", "2026-07-01"]) == 0
    return tree_state(out)


# ---------------------------------------------------------------------------------------------------
# a whole backfill


def test_backfill_files_each_record_under_its_datestamp(
    fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, clean_state: dict[str, str]
) -> None:
    result = backfill(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert sorted(p.name for p in (digest_dir / "data").glob("*.jsonl")) == [f"{d}.jsonl" for d in DAYS]
    assert tree_state(digest_dir) == clean_state
    assert "Backfilled 2026-06-29..2026-07-01: 3 days written" in result.out

    # Each day holds exactly the fake's records of that datestamp in the tracked categories, each once.
    tracked = {"cs.AI", "cs.CL", "cs.CV", "cs.LG", "cs.MA", "cs.RO"}
    for day in DAYS:
        expected = {i.id for i in items_on(fake_oai.items, day) if tracked & set(i.categories)}
        stored = [r["id"] for r in read_day(digest_dir, day.isoformat())]
        assert sorted(stored) == sorted(expected)
    everything = [r for d in DAYS for r in read_day(digest_dir, d.isoformat())]
    assert "2606.99999" not in {r["id"] for r in everything}  # the deleted record

    # The OAI record, read back: names without TeX, whitespace-normalised abstracts, the comment and the
    # licence the feed never has, the announce type inferred.
    by_id = {r["id"]: r for r in everything}
    source = {i.id: i for i in fake_oai.items if not i.deleted}
    for arxiv_id, record in by_id.items():
        item = source[arxiv_id]
        assert record["authors"] == item.record["authors"]
        assert record["abstract"] == normalize_whitespace(str(item.record["summary"]))
        assert record["categories"] == item.categories
        assert record["license"] == "http://creativecommons.org/licenses/by/4.0/"
        assert record["comment"] == (
            normalize_whitespace(str(item.record["comment"])) if item.record.get("comment") else None
        )
        primary_tracked = item.categories[0] in tracked
        if item.updated is None:
            assert record["announce_type"] == ("new" if primary_tracked else "cross")
            assert record["version"] == 1
        else:
            assert record["announce_type"] == ("replace" if primary_tracked else "replace-cross")
            assert record["version"] == 2
            assert record["journal_ref"] == item.journal_ref and record["doi"] == item.doi
    assert {r["announce_type"] for r in everything} == {"new", "cross", "replace", "replace-cross"}

    # The root pages show the latest day, the older ones are in the archive.
    readme = (digest_dir / "README.md").read_text("utf-8")
    assert "arXiv announcement of 2026-07-01" in readme
    assert "previous day (2026-06-30)" in readme
    assert (digest_dir / "archive" / "2026-06-29" / "README.md").is_file()
    assert not (digest_dir / ".arxiv-digest" / "backfill.json").exists()
    assert not (digest_dir / ".arxiv-digest" / "backfill").exists()

    # A rebuild afterwards changes nothing; so does running the same backfill again.
    state = tree_state(digest_dir)
    assert cli("rebuild", "--config", digest_dir / "config.yml", "--out", digest_dir).exit_code == 0
    assert tree_state(digest_dir) == state
    again = backfill(cli, digest_dir)
    assert again.exit_code == 0 and tree_state(digest_dir) == state
    assert "kept 3 days that already had a snapshot" in again.out


def test_requests_follow_the_protocol_page_by_page(
    fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    assert backfill(cli, digest_dir).exit_code == 0
    requests = oai_requests(arxiv_env)
    firsts = [r for r in requests if "resumptionToken" not in r.query]
    assert [r.query["set"] for r in firsts] == [[s] for s in SETS]
    for r in firsts:
        assert r.query == {
            "verb": ["ListRecords"],
            "metadataPrefix": ["arXiv"],
            "set": r.query["set"],
            "from": ["2026-06-29"],
            "until": ["2026-07-01"],
        }
    resumed = [r for r in requests if "resumptionToken" in r.query]
    assert resumed, "the fake's small pages must need resumption tokens"
    assert all(set(r.query) == {"verb", "resumptionToken"} for r in resumed)  # the token is sent alone
    assert all("&" in r.query["resumptionToken"][0] for r in resumed)  # arXiv-like tokens survived encoding
    assert len(set(map(key, requests))) == len(requests)  # no page fetched twice
    # Several pages for the big sets: cs.AI alone has more than three pages of 40.
    assert sum(1 for r in resumed if "set=cs:cs:AI" in r.query["resumptionToken"][0]) >= 3
    # One request per delay_seconds, at least.
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    assert min(gaps) >= DELAY_SECONDS * 0.9, gaps


def test_progress_is_plain_lines_off_a_terminal(fake_oai: FakeOai, cli: Cli, digest_dir: Path) -> None:
    result = backfill(cli, digest_dir)
    assert result.exit_code == 0
    lines = result.err.splitlines()
    assert "cs:cs:AI (1/6): page 1, 40 of " in lines[0]
    assert any(line.startswith("cs:cs:RO (6/6): page 1") and line.endswith("done") for line in lines)
    assert "\x1b[" not in result.err  # no terminal control codes in a log


def test_progress_bar_on_a_terminal(
    fake_oai: FakeOai, cli: Cli, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    result = backfill(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "cs:cs:AI (1/6)" in result.err
    assert "page 1, 40 of" not in result.err  # the bar, not the plain lines
    assert (digest_dir / "data" / "2026-07-01.jsonl").is_file()


# ---------------------------------------------------------------------------------------------------
# interruptions and resumption

INTERRUPTIONS = {
    "503-storm": Reply(status=503, headers={"Retry-After": "0"}),
    "connection-resets": Reply(reset=True),
}


@pytest.mark.parametrize("kind", list(INTERRUPTIONS))
def test_an_interrupted_backfill_resumes_from_the_saved_token(
    kind: str,
    fake_oai: FakeOai,
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    clean_state: dict[str, str],
) -> None:
    before = tree_state(digest_dir)
    # Two pages go through, then the third fails on every attempt.
    arxiv_env.queue(Reply(), Reply(), *[Reply(**vars(INTERRUPTIONS[kind])) for _ in range(ATTEMPTS)])
    failed = backfill(cli, digest_dir)
    assert failed.exit_code == 1
    assert arxiv_env.url + "/oai" in failed.err and "gave up after 5 attempts" in failed.err
    assert tree_state(digest_dir) == before  # nothing published
    progress = json.loads((digest_dir / ".arxiv-digest" / "backfill.json").read_text("utf-8"))
    first_run = oai_requests(arxiv_env)
    assert len(first_run) == 2 + ATTEMPTS
    assert key(first_run[2]) == ("token", progress["token"])  # the page that failed is the one saved
    assert progress["set_index"] == 0 and progress["pages"] == 2 and not progress["harvested"]

    resumed = backfill(cli, digest_dir)
    assert resumed.exit_code == 0, resumed.err
    assert (
        "resuming the backfill of 2026-06-29..2026-07-01: set cs:cs:AI (1 of 6), 2 pages saved" in resumed.err
    )
    second_run = oai_requests(arxiv_env)[len(first_run) :]
    assert key(second_run[0]) == key(first_run[2])  # it starts from the saved token
    fetched_before = {key(r) for r in first_run[:2]}
    assert not fetched_before & {key(r) for r in second_run}  # no page fetched twice but the failed one
    assert len({key(r) for r in second_run}) == len(second_run)
    assert tree_state(digest_dir) == clean_state  # the same as an uninterrupted backfill
    assert not (digest_dir / ".arxiv-digest" / "backfill.json").exists()


def test_an_expired_token_restarts_its_set(
    fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, clean_state: dict[str, str]
) -> None:
    arxiv_env.queue(
        Reply(), Reply(), *[Reply(status=503, headers={"Retry-After": "0"}) for _ in range(ATTEMPTS)]
    )
    assert backfill(cli, digest_dir).exit_code == 1
    fake_oai.tokens.clear()  # arXiv's tokens expire
    resumed = backfill(cli, digest_dir)
    assert resumed.exit_code == 0, resumed.err
    assert "resumption token for cs:cs:AI has expired" in resumed.err
    assert tree_state(digest_dir) == clean_state


def test_an_unfinished_backfill_of_other_dates_is_not_mixed_in(
    fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    arxiv_env.queue(Reply(), *[Reply(status=503, headers={"Retry-After": "0"}) for _ in range(ATTEMPTS)])
    assert backfill(cli, digest_dir).exit_code == 1
    other = backfill(cli, digest_dir, end="2026-06-30")
    assert other.exit_code == 2
    assert "backfill.json holds an unfinished backfill of 2026-06-29..2026-07-01" in other.err
    assert "--restart" in other.err
    restarted = backfill(cli, digest_dir, "--restart", end="2026-06-30")
    assert restarted.exit_code == 0, restarted.err
    assert sorted(p.name for p in (digest_dir / "data").glob("*.jsonl")) == [
        "2026-06-29.jsonl",
        "2026-06-30.jsonl",
    ]


# ---------------------------------------------------------------------------------------------------
# lists that never end (issue #7): a token sent again, a cycle, new tokens forever

#: kind -> the requests it takes to see the fault, all in the first set (pages of 10: cs.AI has plenty).
TOKEN_FAULTS = {"repeat": 2, "cycle": 3}


def install_bad_tokens(fake: FakeArxiv, kind: Kind) -> None:
    good = FakeOai(scenario(DAYS), page_size=10, base_url=fake.url + "/oai")
    fake.oai_handler = BadTokens(good, kind).handle


def progress_of(digest: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((digest / ".arxiv-digest" / "backfill.json").read_text("utf-8"))
    return loaded


def assert_the_set_starts_over(digest: Path) -> None:
    """What a token fault leaves: the first set to do again from its first page, none of its pages."""
    progress = progress_of(digest)
    assert (progress["set_index"], progress["token"], progress["pages"], progress["set_pages"]) == (
        0,
        None,
        0,
        0,
    )
    assert not progress["harvested"]


@pytest.mark.parametrize("kind", list(TOKEN_FAULTS))
def test_a_resumption_token_sent_again_fails_and_the_rerun_starts_the_set_over(
    kind: Kind, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path, clean_state: dict[str, str]
) -> None:
    before = tree_state(digest_dir)
    install_bad_tokens(arxiv_env, kind)
    began = time.monotonic()
    failed = backfill(cli, digest_dir)
    elapsed = time.monotonic() - began
    assert failed.exit_code == 1
    assert elapsed < 5, elapsed  # two or three requests 0.05 s apart, and the parsing
    first_run = oai_requests(arxiv_env)
    assert len(first_run) == TOKEN_FAULTS[kind]
    # "repeat" gets back the token it sent; "cycle" the one it sent first.
    sent_again = first_run[-1 if kind == "repeat" else 1].query["resumptionToken"][0]
    assert f"while fetching {arxiv_env.url}/oai?verb=ListRecords&resumptionToken=" in failed.err
    assert (
        f"arXiv sent the resumption token {sent_again!r} again (set cs:cs:AI, page {TOKEN_FAULTS[kind]})"
        in failed.err
    )
    assert "Traceback" not in failed.err and "internal error" not in failed.err
    assert tree_state(digest_dir) == before
    assert_the_set_starts_over(digest_dir)

    # The fault persists: the rerun starts the set over and fails the same way, no later.
    again = backfill(cli, digest_dir)
    assert again.exit_code == 1 and "again (set cs:cs:AI" in again.err
    second_run = oai_requests(arxiv_env)[len(first_run) :]
    assert key(second_run[0]) == ("set", "cs:cs:AI")
    assert len(second_run) == TOKEN_FAULTS[kind]
    assert_the_set_starts_over(digest_dir)

    # arXiv mends: the rerun publishes what an uninterrupted backfill does.
    install(arxiv_env)
    mended = backfill(cli, digest_dir)
    assert mended.exit_code == 0, mended.err
    third_run = oai_requests(arxiv_env)[len(first_run) + len(second_run) :]
    assert key(third_run[0]) == ("set", "cs:cs:AI")
    assert tree_state(digest_dir) == clean_state


def test_a_list_that_never_ends_stops_at_the_page_cap_counting_resumed_pages(
    arxiv_env: FakeArxiv,
    cli: Cli,
    digest_dir: Path,
    clean_state: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every page brings a new token, so only the cap ends it; the pages of an interrupted run count."""
    cap = 8
    monkeypatch.setattr(oai, "MAX_PAGES_PER_SET", cap)
    before = tree_state(digest_dir)
    install_bad_tokens(arxiv_env, "endless")
    # Three pages, then a 503 storm: the run stops with the set's third token saved, as any interruption.
    arxiv_env.queue(Reply(), Reply(), Reply(), *[Reply(status=503, headers={"Retry-After": "0"})] * ATTEMPTS)
    assert backfill(cli, digest_dir).exit_code == 1
    assert progress_of(digest_dir)["set_pages"] == 3
    interrupted = len(oai_requests(arxiv_env))

    began = time.monotonic()
    failed = backfill(cli, digest_dir)
    elapsed = time.monotonic() - began
    resumed = oai_requests(arxiv_env)[interrupted:]
    assert failed.exit_code == 1
    assert elapsed < 5, elapsed
    assert len(resumed) == cap - 3  # the cap counts the pages before the interruption
    tokens = [r.query["resumptionToken"][0] for r in oai_requests(arxiv_env) if "resumptionToken" in r.query]
    # Every token new, but the one the 503s refused, asked for again by the resumed run.
    assert len(set(tokens)) == len(tokens) - ATTEMPTS
    assert f"while fetching {arxiv_env.url}/oai?verb=ListRecords&resumptionToken=endless-" in failed.err
    assert f"the list of cs:cs:AI is still going after {cap} pages" in failed.err
    assert tree_state(digest_dir) == before
    assert_the_set_starts_over(digest_dir)

    install(arxiv_env)
    mended = backfill(cli, digest_dir)
    assert mended.exit_code == 0, mended.err
    assert tree_state(digest_dir) == clean_state


# ---------------------------------------------------------------------------------------------------
# OAI answers and errors


def test_no_records_match_is_an_empty_range_not_a_failure(
    fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    before = tree_state(digest_dir)
    result = backfill(cli, digest_dir, start="2026-06-20", end="2026-06-24")
    assert result.exit_code == 0, result.err
    assert "no records for these categories in 2026-06-20..2026-06-24: nothing was written" in result.out
    assert tree_state(digest_dir) == before
    assert len(oai_requests(arxiv_env)) == len(SETS)  # one noRecordsMatch per set


def test_a_day_with_no_record_in_some_sets_is_still_published(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    # Only a few papers, on one day: most sets answer noRecordsMatch.
    install(arxiv_env, scenario([DAYS[1]], limit=6, replaced_from=None))
    result = backfill(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert [p.name for p in (digest_dir / "data").glob("*.jsonl")] == ["2026-06-30.jsonl"]


@pytest.mark.parametrize("code", ["badArgument", "cannotDisseminateFormat", "badResumptionToken", "badVerb"])
def test_an_oai_error_fails_naming_the_url_and_the_code(
    code: str, fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    before = tree_state(digest_dir)
    arxiv_env.queue(Reply(), Reply(body=error_body(code, f"the fake says {code}")))
    result = backfill(cli, digest_dir)
    assert result.exit_code == 1
    assert arxiv_env.url + "/oai?verb=ListRecords&resumptionToken=" in result.err
    assert f"OAI-PMH error {code}: the fake says {code}" in result.err
    assert tree_state(digest_dir) == before
    assert len(oai_requests(arxiv_env)) == 2  # an OAI error is an answer: not retried


def test_weekend_datestamps_are_corrections_not_announcements(
    arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    friday, saturday, monday = dt.date(2026, 6, 26), dt.date(2026, 6, 27), dt.date(2026, 6, 29)
    install(arxiv_env, scenario([friday, saturday, monday], limit=30, replaced_from=None))
    result = backfill(cli, digest_dir, start="2026-06-26", end="2026-06-29")
    assert result.exit_code == 0, result.err
    assert sorted(p.name for p in (digest_dir / "data").glob("*.jsonl")) == [
        "2026-06-26.jsonl",
        "2026-06-29.jsonl",
    ]
    assert "papers dated on a weekend" in result.out


def test_a_day_from_the_daily_feed_is_kept_unless_forced(
    fake_oai: FakeOai, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    assert cli("run", "--config", digest_dir / "config.yml", "--out", digest_dir).exit_code == 0  # 2026-06-30
    from_feed = (digest_dir / "data" / "2026-06-30.jsonl").read_bytes()
    result = backfill(cli, digest_dir)
    assert result.exit_code == 0, result.err
    assert "2 days written (2026-06-29, 2026-07-01)" in result.out
    assert "kept 1 day that already had a snapshot" in result.out and "2026-06-30" in result.out
    assert (digest_dir / "data" / "2026-06-30.jsonl").read_bytes() == from_feed
    assert "arXiv announcement of 2026-07-01" in (digest_dir / "README.md").read_text("utf-8")
    forced = backfill(cli, digest_dir, "--force")
    assert forced.exit_code == 0, forced.err
    assert "3 days written" in forced.out
    assert (digest_dir / "data" / "2026-06-30.jsonl").read_bytes() != from_feed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-07-01", "--to", "2026-06-29"), "--from 2026-07-01 is after --to 2026-06-29"),
        (("--from", "2026-13-01", "--to", "2026-06-29"), "is not a date"),
        (("--from", "yesterday", "--to", "2026-06-29"), "is not a date"),
    ],
)
def test_bad_dates_are_usage_errors(args: tuple[str, ...], message: str, cli: Cli, digest_dir: Path) -> None:
    result = cli("backfill", "--config", digest_dir / "config.yml", "--out", digest_dir, *args)
    assert result.exit_code == 2
    assert message in result.err


def test_backfill_help_has_an_example(cli: Cli) -> None:
    result = cli("backfill", "--help")
    assert result.exit_code == 0
    assert "Example" in result.out and "arxiv-digest backfill --config" in result.out


# ---------------------------------------------------------------------------------------------------
# the parser and the rules, unit by unit


@pytest.mark.parametrize(
    ("code", "spec"),
    [
        ("cs.CV", "cs:cs:CV"),
        ("cs", "cs:cs"),
        ("astro-ph.GA", "physics:astro-ph:GA"),
        ("astro-ph", "physics:astro-ph"),
        ("hep-th", "physics:hep-th"),
        ("quant-ph", "physics:quant-ph"),
        ("physics.optics", "physics:physics:optics"),
        ("cond-mat.mtrl-sci", "physics:cond-mat:mtrl-sci"),
        ("nlin.AO", "physics:nlin:AO"),
        ("math.AG", "math:math:AG"),
        ("q-bio.NC", "q-bio:q-bio:NC"),
        ("stat.ML", "stat:stat:ML"),
        ("eess.SP", "eess:eess:SP"),
        ("econ.EM", "econ:econ:EM"),
    ],
)
def test_set_specs(code: str, spec: str) -> None:
    assert oai.set_spec(code) == spec


def test_cross_listed_categories_share_no_set_twice() -> None:
    assert oai.set_specs(["cs.CV", "cs.AI", "cs.CV"]) == ("cs:cs:CV", "cs:cs:AI")


def _page(items: list[OaiItem], token: str | None = None) -> bytes:
    from lxml import etree

    from tests.fakearxiv.oai import OAI_NS, _root

    root = _root()
    body = etree.SubElement(root, f"{{{OAI_NS}}}ListRecords")
    for item in items:
        body.append(record_element(item))
    el = etree.SubElement(body, f"{{{OAI_NS}}}resumptionToken", cursor="0", completeListSize="99")
    el.text = token
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_page_parses_into_records() -> None:
    items = scenario(DAYS, limit=5, replaced_count=2)
    page = oai.parse_page(_page(items, token="a=b&c=d"), "http://x/oai")
    assert page.token == "a=b&c=d" and page.cursor == 0 and page.complete_list_size == 99
    assert page.deleted == 1 and len(page.records) == len(items) - 1
    first = page.records[0]
    assert first.id == items[0].id and first.datestamp == items[0].datestamp
    assert first.created == items[0].created and first.updated is None
    assert first.sets == tuple(items[0].sets)
    assert list(first.authors) == items[0].record["authors"]
    assert oai.parse_page(_page(items[:1]), "http://x/oai").token is None  # an empty token: the last page


def test_author_parts_join_as_forenames_keyname_suffix() -> None:
    item = OaiItem(
        {
            "id": "2606.00001",
            "authors": ["Martin Luther King Jr.", "Ren\u00e9 Descartes"],
            "title": "T",
            "categories": ["cs.AI"],
            "summary": "A",
            "comment": None,
        },
        DAYS[0],
        DAYS[0],
    )
    record = oai.parse_page(_page([item]), "u").records[0]
    assert record.authors == ("Martin Luther King Jr.", "Ren\u00e9 Descartes")


def test_no_records_match_reads_as_an_empty_last_page() -> None:
    page = oai.parse_page(error_body("noRecordsMatch", "nothing"), "u")
    assert page.records == () and page.token is None


def test_other_oai_errors_raise_with_their_code() -> None:
    with pytest.raises(OaiError) as caught:
        oai.parse_page(error_body("badResumptionToken", "expired"), "http://x/oai?verb=ListRecords")
    assert caught.value.code == "badResumptionToken"
    assert "http://x/oai?verb=ListRecords" in str(caught.value) and "badResumptionToken: expired" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("created", "updated", "primary", "expected"),
    [
        ("2026-06-29", None, "cs.CV", AnnounceType.NEW),
        ("2026-06-23", None, "cs.CV", AnnounceType.NEW),  # a week on hold, still its first announcement
        ("2026-06-29", None, "math.OC", AnnounceType.CROSS),
        ("2026-05-01", None, "cs.CV", AnnounceType.REPLACE),  # old, unrevised: a metadata change
        ("2026-06-29", "2026-06-30", "cs.CV", AnnounceType.REPLACE),  # revised
        ("2025-01-01", "2026-06-29", "math.OC", AnnounceType.REPLACE_CROSS),
    ],
)
def test_announce_type_inference(
    created: str, updated: str | None, primary: str, expected: AnnounceType
) -> None:
    record = oai.OaiRecord(
        datestamp=dt.date(2026, 6, 30),
        sets=(),
        id="2606.00001",
        created=dt.date.fromisoformat(created),
        updated=dt.date.fromisoformat(updated) if updated else None,
        title="T",
        authors=("A",),
        categories=(primary, "cs.CV"),
        abstract="",
    )
    assert oai.announce_type(record, lambda c: c.startswith("cs.")) is expected
