"""Remote search over arXiv's export API (issue #4): the query translated to ``search_query``, candidates
judged by our own matcher, paging, storage, and the API's real formats (the captures).

The fake API searches real records more loosely than the word rule (a term is a substring of the field's
words, ``all:`` covers authors and comments too), as arXiv's own search does: it answers a superset, and
only the true matches may be printed and stored.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.errors import FetchError
from arxiv_digest.models import Submission
from arxiv_digest.query import parse_query
from arxiv_digest.sources import api
from arxiv_digest.store import remote as remote_store
from tests.conftest import DATA, CliResult
from tests.fakearxiv import FakeArxiv, Reply
from tests.fakearxiv.api import FakeApi, entries_from

Cli = Callable[..., CliResult]
CAPTURES = DATA / "captures" / "api"
JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
DATES = "submittedDate:[202606010000 TO 202606302359]"


# ---------------------------------------------------------------------------------------------------
# the translation: a tree -> search_query (a superset of what the tree means)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LLM", f"all:llm AND {DATES}"),
        ("ti:agent", f"ti:agent AND {DATES}"),
        ("abs:VLM co:ICLR", f"abs:vlm AND co:iclr AND {DATES}"),
        ('ti:"vision language model"', f'ti:"vision language model" AND {DATES}'),
        ('au:"Yann LeCun" OR au:lecun', f'(au:"yann lecun" OR au:lecun) AND {DATES}'),
        # A hyphen also means the closed form: both are asked for.
        ("multi-modal", f'(all:"multi modal" OR all:multimodal) AND {DATES}'),
        # A prefix keeps arXiv's wildcard; inside a phrase (where wildcards do not work) it loosens to words.
        ("ti:bench*", f"ti:bench* AND {DATES}"),
        ('"world model*"', f"(all:world AND all:model*) AND {DATES}"),
        # Categories are exact (through the taxonomy), so they can be negated with ANDNOT.
        ("diffusion ANDNOT cat:cs.CV", f"(all:diffusion AND {DATES}) ANDNOT cat:cs.CV"),
        (
            "LLM ANDNOT (cat:cs.AI OR cat:cs.CL)",
            f"(all:llm AND {DATES}) ANDNOT (cat:cs.AI OR cat:cs.CL)",
        ),
        ("cat:cs.RO OR VLA", f"(cat:cs.RO OR all:vla) AND {DATES}"),
        ("cat:hep-th", f"cat:hep-th AND {DATES}"),
        # NOT alone: against the dates.
        ("NOT cat:cs.CV", f"{DATES} ANDNOT cat:cs.CV"),
        # A negated word is not sent (arXiv stems; its NOT would drop papers our rule keeps).
        ('ti:"vision language model" ANDNOT survey', f'ti:"vision language model" AND {DATES}'),
        ("NOT LLM", DATES),
        ("a OR NOT b", DATES),
        # Nested groups keep their parentheses.
        (
            "(diffusion ANDNOT cat:cs.CV) OR ti:DDPM",
            f"((all:diffusion ANDNOT cat:cs.CV) OR ti:ddpm) AND {DATES}",
        ),
    ],
)
def test_translation(query: str, expected: str) -> None:
    assert api.translate(parse_query(query), *JUNE).search_query == expected


def test_an_archive_category_becomes_its_categories() -> None:
    sent = api.translate(parse_query("cat:cs"), *JUNE).search_query
    cats = re.findall(r"cat:(\S+?)[) ]", sent)
    assert "cs.CV" in cats and "cs.AI" in cats and all(c.startswith("cs.") for c in cats)
    assert len(cats) > 30
    prefixed = api.translate(parse_query("cat:cs.C*"), *JUNE).search_query
    assert set(re.findall(r"cat:(\S+?)[) ]", prefixed)) >= {"cs.CV", "cs.CL", "cs.CR", "cs.CY", "cs.CC"}


def test_what_is_not_sent_is_reported() -> None:
    translated = api.translate(parse_query("LLM ANDNOT survey ANDNOT cat:cs.CV"), *JUNE)
    assert translated.dropped == ("NOT survey",)
    assert translated.search_query == f"(all:llm AND {DATES}) ANDNOT cat:cs.CV"


def test_paging_parameters() -> None:
    assert api.query_params("all:x", 200, 100) == {
        "search_query": "all:x",
        "start": "200",
        "max_results": "100",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }


# ---------------------------------------------------------------------------------------------------
# the real API's answers (captures)


def test_a_captured_page_parses() -> None:
    page = api.parse_feed((CAPTURES / "q_testing_s0_m100.xml").read_bytes(), "u")
    assert page.total == 214881 and page.start == 0 and len(page.entries) == 100
    first = page.entries[0]
    assert first.id == "2202.12139" and first.version == 1
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.journal_ref is not None and first.journal_ref.startswith(
        "Artificial Intelligence in Software"
    )
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.submitted == dt.date(2022, 2, 24)
    names = {a for e in page.entries for a in e.authors}
    # The 2026 backend's double-encoded UTF-8, repaired.
    assert {"Aurora Ramírez", "José Raúl Romero", "Katharina Götz", "Oliver Weißl"} <= names
    assert not any("Ã" in n for n in names)


def test_an_error_feed_is_a_fetch_error_with_its_summary() -> None:
    with pytest.raises(FetchError) as caught:
        api.parse_feed(
            (CAPTURES / "id_abc_s0_m100.xml").read_bytes(), "http://x/api/query?id_list=abc", status=400
        )
    assert "incorrect id format for abc" in str(caught.value)
    assert "http://x/api/query?id_list=abc" in str(caught.value) and caught.value.status == 400


def test_an_empty_answer() -> None:
    page = api.parse_feed((CAPTURES / "id_0000.0000_s0_m100.xml").read_bytes(), "u")
    assert page.total == 0 and page.entries == ()


def test_versions_and_old_ids() -> None:
    versioned = api.parse_feed((CAPTURES / "id_2104.12255v1_s0_m100.xml").read_bytes(), "u").entries[0]
    assert versioned.id == "2104.12255" and versioned.version == 1
    old = api.parse_feed((CAPTURES / "id_astro-ph_0601001_s0_m100.xml").read_bytes(), "u").entries[0]
    assert old.id == "astro-ph/0601001"


@pytest.mark.parametrize(
    ("text", "repaired"),
    [("JosÃ© RaÃºl", "José Raúl"), ("José", "José"), ("plain", "plain"), ("Ωmega Ã", "Ωmega Ã")],
)
def test_mojibake_repair(text: str, repaired: str) -> None:
    assert api.repair_mojibake(text) == repaired


# ---------------------------------------------------------------------------------------------------
# the command, against the fake API


@pytest.fixture
def fake_api(arxiv_env: FakeArxiv) -> FakeApi:
    server = FakeApi(entries_from(["2026-06-30", "2025-10-15", "2025-06-06"]))
    arxiv_env.api_handler = server.handle
    return server


def remote(cli: Cli, digest: Path, query: str, *extra: str) -> CliResult:
    return cli(
        "search", query, "--remote", "--from", "2026-06-29", "--to", "2026-06-29", "--out", digest, *extra
    )


def is_llm_paper(title: str, abstract: str) -> bool:
    """The word rule for the keyword LLM, written out independently: a whole word llm, llms or llmes."""
    return re.search(r"(?<![^\W_])llm(?:e?s)?(?![^\W_])", f"{title} {abstract}".lower()) is not None


def test_remote_results_are_judged_by_our_matcher(
    fake_api: FakeApi, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    result = remote(cli, digest_dir, "LLM", "--json", "--limit", "1000")
    assert result.exit_code == 0, result.err
    rows = json.loads(result.out)
    sent = fake_api.queries[0]
    assert sent == "all:llm AND submittedDate:[202606290000 TO 202606292359]"
    candidates = fake_api.matching(sent)
    truly = {
        e.id
        for e in candidates
        if is_llm_paper(" ".join(str(e.record["title"]).split()), str(e.record["summary"]))
    }
    assert len(candidates) > len(truly) > 20  # the fake answered a superset ("MLLM", authors …)
    assert {r["id"] for r in rows} == truly
    assert all(
        r["source"] == "remote" and r["submitted"] == "2026-06-29" and r["announced"] is None for r in rows
    )
    # Stored: exactly the matches, in the month of their first submission.
    stored = remote_store.load_all(digest_dir / "data")
    assert {s.id for s in stored} == truly
    assert [p.name for p in (digest_dir / "data" / "remote").iterdir()] == ["2026-06.jsonl"]
    assert not list((digest_dir / "data").glob("*.jsonl"))  # not an announcement day


def test_paging_is_polite_and_stops_at_the_total(
    fake_api: FakeApi, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    result = remote(cli, digest_dir, "LLM")
    assert result.exit_code == 0, result.err
    total = len(fake_api.matching(fake_api.queries[0]))
    assert total > 100  # several pages
    requests = [r for r in arxiv_env.requests if r.path == "/api/query"]
    pages = -(-total // 100)
    assert [int(r.query["start"][0]) for r in requests] == [100 * i for i in range(pages)]
    assert all(r.query["max_results"] == ["100"] and r.query["sortBy"] == ["submittedDate"] for r in requests)
    assert all(b.at - a.at >= 0.05 * 0.9 for a, b in itertools.pairwise(requests))
    assert f"arXiv returned {total} candidates of {total} in {pages} requests" in result.err


def test_max_pages_bounds_the_requests_and_says_so(
    fake_api: FakeApi, arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path
) -> None:
    result = remote(cli, digest_dir, "LLM", "--max-pages", "1")
    assert result.exit_code == 0, result.err
    assert len([r for r in arxiv_env.requests if r.path == "/api/query"]) == 1
    assert "stopped at --max-pages 1: there are more" in result.err


def test_a_negated_word_is_judged_here(fake_api: FakeApi, cli: Cli, digest_dir: Path) -> None:
    result = remote(cli, digest_dir, "LLM ANDNOT benchmark*", "--json", "--limit", "1000")
    assert result.exit_code == 0, result.err
    assert "NOT benchmark*" not in fake_api.queries[0]
    rows = json.loads(result.out)
    assert rows and not any("benchmark" in (r["title"] + " " + r["abstract"]).lower() for r in rows)


def test_stored_remote_results_are_searched_locally(fake_api: FakeApi, cli: Cli, digest_dir: Path) -> None:
    assert remote(cli, digest_dir, 'ti:"language model*"').exit_code == 0
    stored = remote_store.load_all(digest_dir / "data")
    assert stored
    local = cli("search", "ti:language", "--out", digest_dir, "--json", "--limit", "1000")
    assert local.exit_code == 0, local.err
    rows = json.loads(local.out)
    assert {r["id"] for r in rows} == {s.id for s in stored if "language" in s.title.lower()}
    assert all(r["source"] == "remote" for r in rows)
    text = cli("search", "ti:language", "--out", digest_dir, "--limit", "1")
    assert "remote (submitted)" in text.out


def test_remote_search_text_output(fake_api: FakeApi, cli: Cli, digest_dir: Path) -> None:
    result = remote(cli, digest_dir, "LLM ANDNOT survey", "--limit", "2")
    assert result.exit_code == 0, result.err
    assert "judged here only, not sent to arXiv: NOT survey" in result.err
    assert result.out.count("remote (submitted)") == 2
    assert "2 papers (limit reached)." in result.out


def test_an_api_error_fails_with_its_message(arxiv_env: FakeArxiv, cli: Cli, digest_dir: Path) -> None:
    arxiv_env.queue(Reply(status=400, body=(CAPTURES / "id_abc_s0_m100.xml").read_bytes()))
    result = remote(cli, digest_dir, "LLM")
    assert result.exit_code == 1
    assert "incorrect id format for abc" in result.err and "/api/query?search_query=" in result.err
    assert not (digest_dir / "data" / "remote").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--remote",), "--remote needs --from and --to"),
        (("--remote", "--from", "2026-06-01"), "--remote needs --from and --to"),
        (("--remote", "--from", "2026-06-30", "--to", "2026-06-01"), "is after --to"),
    ],
)
def test_remote_usage_errors(args: tuple[str, ...], message: str, cli: Cli, digest_dir: Path) -> None:
    result = cli("search", "LLM", "--out", digest_dir, *args)
    assert result.exit_code == 2 and message in result.err


# ---------------------------------------------------------------------------------------------------
# storage


def _submission(arxiv_id: str, version: int, title: str = "T") -> Submission:
    return Submission(
        id=arxiv_id,
        version=version,
        title=title,
        authors=("A",),
        abstract="",
        categories=("cs.AI",),
        submitted=dt.date(2026, 6, 1),
        updated=dt.date(2026, 6, 1 + version),
    )


def test_a_paper_found_again_keeps_its_newest_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "remote").mkdir(parents=True)
    files = remote_store.merged(data, [_submission("2606.00001", 2, "new"), _submission("2606.00002", 1)])
    for rel, content in files.items():
        (data / rel).write_bytes(content)
    assert (
        remote_store.merged(data, [_submission("2606.00001", 1, "old")]) == {}
    )  # an older version: no change
    again = remote_store.merged(data, [_submission("2606.00001", 3, "newer")])
    (data / "remote" / "2026-06.jsonl").write_bytes(again["remote/2026-06.jsonl"])
    titles = {s.id: s.title for s in remote_store.load_all(data)}
    assert titles == {"2606.00001": "newer", "2606.00002": "T"}
