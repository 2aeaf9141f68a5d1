"""Search over stored history, explanations and `check` (issue #3)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_digest.jobs.search import search
from arxiv_digest.query import parse_query
from arxiv_digest.store import Store, default_db_path, open_store
from tests.conftest import DATA, CliResult

DEMO = Path(__file__).resolve().parent.parent / "src" / "arxiv_digest" / "demo"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A digest folder holding two real days: the bundled demo day and the reference's 2025-11-14."""
    from tests.reference_days import write_reference_day

    out = tmp_path_factory.mktemp("history")
    write_reference_day("2025-11-14", out, extra_config="")
    shutil.copy(DEMO / "2026-06-30.jsonl", out / "data" / "2026-06-30.jsonl")
    return out


@pytest.fixture
def store(history: Path) -> Iterator[Store]:
    s = open_store(default_db_path(history), history / "data")
    yield s
    s.close()


QUERIES = [
    'ti:"vision language model*"',
    "LLM ANDNOT ti:survey",
    "au:zhang AND cat:cs.CV",
    "bench*",
    "NOT LLM",
    "multi-modal",
    '"world model*"',
    "cat:cs.RO OR VLA",
    'abs:"reinforcement learning" ti:agent*',
    "co:ICLR",
    "(diffusion OR DDPM) ANDNOT cat:cs.CV",
    "r1 OR o1",
    "au:wang au:li",
    "has:code",
    "LLM has:code",
    "venue:CVPR OR venue:ICCV",
    'venue:"NeurIPS 2025"',
    "venue:workshop",
    "has:venue ANDNOT venue:workshop",
    "NOT has:code",
]


@pytest.mark.parametrize("query", QUERIES)
def test_indexed_search_equals_a_full_scan(store: Store, query: str) -> None:
    tree = parse_query(query)
    indexed = [r.paper.id for r in search(store, tree)]
    scanned = [r.paper.id for r in search(store, tree, use_index=False)]
    assert indexed == scanned


# The store is only read here (its search index is built once, by the first example).
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                "LLM",
                "agent*",
                "au:wang",
                "cat:cs.CL",
                "diffusion",
                '"language model*"',
                "NOT survey",
                "ti:bench*",
                "co:code",
                "vision-language",
                "has:code",
                "venue:workshop",
                "NOT has:venue",
            ]
        ),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([" AND ", " OR "]),
)
def test_indexed_search_equals_a_full_scan_for_generated_queries(
    store: Store, parts: list[str], joiner: str
) -> None:
    tree = parse_query(joiner.join(parts))
    assert [r.paper.id for r in search(store, tree)] == [
        r.paper.id for r in search(store, tree, use_index=False)
    ]


def test_results_are_newest_first_and_limited_by_dates(store: Store) -> None:
    import datetime as dt

    everything = search(store, parse_query("LLM"))
    days = [r.paper.announced for r in everything]
    assert days == sorted(days, reverse=True)
    assert {d.isoformat() for d in days} == {"2026-06-30", "2025-11-14"}
    only_old = search(store, parse_query("LLM"), date_to=dt.date(2025, 12, 31))
    assert only_old and all(r.paper.announced.isoformat() == "2025-11-14" for r in only_old)
    assert len(search(store, parse_query("LLM"), limit=3)) == 3


def test_cli_search_text_json_and_exit_codes(history: Path, cli: Callable[..., CliResult]) -> None:
    text = cli("search", 'ti:"world model*"', "--out", history, "--limit", "3")
    assert text.exit_code == 0
    assert "https://arxiv.org/abs/" in text.out and "3 papers (limit reached)." in text.out

    as_json = cli("search", "ti:agent* ANDNOT survey", "--out", history, "--json", "--explain")
    assert as_json.exit_code == 0
    rows = json.loads(as_json.out)
    assert rows and {"id", "title", "announced", "categories"} <= set(rows[0])
    assert all("agent" in r["title"].lower() for r in rows)
    assert all(m["where"] == "title" for r in rows for m in r["matches"])

    none = cli("search", "ti:zzzyzzy", "--out", history)
    assert none.exit_code == 0 and "No stored paper matches" in none.out

    bad = cli("search", "(LLM OR", "--out", history)
    assert bad.exit_code == 2 and "expected" in bad.err and "^" in bad.err

    dates = cli("search", "LLM", "--out", history, "--from", "2026-01-01", "--json", "--limit", "500")
    assert all(r["announced"] >= "2026-01-01" for r in json.loads(dates.out))
    assert cli("search", "LLM", "--out", history, "--from", "yesterday").exit_code == 2


def test_search_rebuilds_a_missing_database_from_the_snapshots(
    history: Path, tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(history / "data", copy / "data")
    assert not default_db_path(copy).exists()
    result = cli("search", "LLM", "--out", copy, "--json", "--limit", "5")
    assert result.exit_code == 0 and len(json.loads(result.out)) == 5
    empty = cli("search", "LLM", "--out", tmp_path / "nothing")
    assert empty.exit_code == 2 and "no stored papers" in empty.err


def test_explain_names_topics_and_words(history: Path, cli: Callable[..., CliResult]) -> None:
    config = DATA.parent.parent / "src" / "arxiv_digest" / "scaffold" / "config.yml"
    result = cli("explain", "--config", config, "--id", "arXiv:2606.30639v1", "--out", history)
    assert result.exit_code == 0, result.err
    assert "✓ LLM:" in result.out and "LLM matched in title: 'llm'" in result.out
    assert "✗ Diffusion:" in result.out
    missing = cli("explain", "--config", config, "--id", "2101.00001", "--out", history)
    assert missing.exit_code == 2 and "not in the stored history" in missing.err


def test_check_prints_each_topic_as_a_query_and_refuses_bad_ones(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    good = tmp_path / "good.yml"
    good.write_text(
        "category: {cs.CL: CL}\ntopic:\n  T:\n    keywords: [[LLM, Reasoning], o1]\n"
        "    filters: [survey]\n  People:\n    authors: [Yann LeCun]\n",
        encoding="utf-8",
    )
    result = cli("check", "--config", good)
    assert result.exit_code == 0
    assert "T (word): ((LLM AND Reasoning) OR o1) AND NOT survey" in result.out
    assert 'People (word): au:"Yann LeCun"' in result.out
    bad = tmp_path / "bad.yml"
    bad.write_text("category: {cs.CL: CL}\ntopic:\n  T:\n    query: 'ti:(x'\n", encoding="utf-8")
    result = cli("check", "--config", bad)
    assert result.exit_code == 2
    assert f"{bad}:4: topic.T.query" in result.err and "^" in result.err


def test_a_topic_page_says_what_its_query_authors_and_categories_select(
    history: Path, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    shutil.copytree(history / "data", tmp_path / "data")  # the shared history stays as it is
    history = tmp_path
    config = history / "config.yml"
    config.write_text(
        "category: {cs.CL: CL, cs.AI: AI}\ntopic:\n  Agents:\n    query: 'ti:agent* ANDNOT survey'\n"
        "    categories: [cs.AI]\n  People:\n    authors: [Yann LeCun, Fei-Fei Li]\n"
        "  LLM:\n    keywords: [LLM]\n",
        encoding="utf-8",
    )
    assert cli("rebuild", "--config", config, "--out", history).exit_code == 0
    agents = (history / "hot_topic" / "Agents.md").read_text(encoding="utf-8")
    described = "**Keywords**: `None`  \n**Query**: `ti:agent* ANDNOT survey`  \n**Categories**: `cs.AI`  \n"
    assert described in agents
    people = (history / "hot_topic" / "People.md").read_text(encoding="utf-8")
    assert "**Keywords**: `None`  \n**Authors**: `Yann LeCun` `Fei-Fei Li`  \n**Filter**: `None`" in people
    plain = (history / "hot_topic" / "LLM.md").read_text(encoding="utf-8")
    assert "**Keywords**: `LLM`  \n**Filter**: `None`\n" in plain  # the reference's two lines, unchanged


def _styled(word: str) -> str:
    return click.style(word, bold=True, fg="yellow")


def test_search_highlights_each_word_where_it_matched(history: Path) -> None:
    from click.testing import CliRunner

    from arxiv_digest.cli import cli as arxiv_cli

    def lines(query: str) -> dict[str, list[str]]:
        result = CliRunner().invoke(arxiv_cli, ["search", query, "--out", str(history)], color=True)
        assert result.exit_code == 0, result.output
        blocks = [b.splitlines() for b in result.output.split("\n\n") if b.strip()]
        return {click.unstyle(b[0]).split()[0]: b for b in blocks if "arxiv.org/abs/" in b[-1]}

    found = lines('abs:"world model"')["2606.30639"]  # "Self-Evolving World Models …", and in the abstract
    title, abstract = found[1], found[3]
    assert _styled("World") not in title  # the query asked for the abstract only
    assert _styled("World") in abstract and _styled("models") in abstract and abstract.endswith("…")
    authors = lines("au:zhang ti:world")["2606.30639"][2]  # Xuan Zhang, Wenxuan Zhang, …
    assert _styled("Zhang") in authors and _styled("Xuan") not in authors
    assert click.unstyle(authors).startswith("  Xuan Zhang, Wenxuan Zhang")


def test_an_author_who_matched_is_shown_even_past_the_sixth() -> None:
    from arxiv_digest.cli._found import author_line

    authors = ("A One", "B Two", "C Three", "D Four", "E Five", "F Six", "G Seven", "H Zhang", "I Nine")
    line = click.unstyle(author_line(authors, {"zhang"}))
    assert line == "A One, B Two, C Three, D Four, E Five, F Six, …, H Zhang, et al."
    plain = click.unstyle(author_line(authors[:7], set()))
    assert plain == "A One, B Two, C Three, D Four, E Five, F Six, et al."
