"""Issue #7, queries: nesting past the limit is a syntax error with a caret (never a RecursionError), every
walker of a tree stays far from Python's recursion limit at the limit, `cat:` names a real category in
`search` as in `check`, and `explain` says what a topic lacked."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.errors import QuerySyntaxError
from arxiv_digest.match import Matcher, TopicRule
from arxiv_digest.match.fts import fts_expression
from arxiv_digest.match.missing import holds, missing
from arxiv_digest.models import AnnounceType, Paper
from arxiv_digest.query import parse_query
from arxiv_digest.query.ast import Node, Not, Term, terms
from arxiv_digest.query.parse import MAX_DEPTH
from arxiv_digest.sources.api import translate
from arxiv_digest.store.snapshot import loads
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
DEMO_DAY = "2026-06-30"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled real day, published offline by `arxiv-digest demo`."""
    from arxiv_digest.cli import main

    out = tmp_path_factory.mktemp("demo") / "digest"
    assert main(["-q", "demo", "--out", str(out)]) == 0
    return out


def demo_papers(demo: Path) -> list[Paper]:
    path = demo / "data" / f"{DEMO_DAY}.jsonl"
    return loads(path.read_bytes(), source=str(path))


def parens(n: int) -> str:
    return "(" * n + "LLM" + ")" * n


def nots(n: int) -> str:
    return "NOT " * n + "LLM"


def deepest_tree(n: int) -> str:
    """Three tree levels per parenthesis (an OR, an AND, the NOT of an ANDNOT): the deepest tree n allows."""
    return "model OR language ANDNOT (" * n + "survey" + ")" * n


def alternating(n: int) -> str:
    """AND and OR alternating, no NOT: what the FTS and API translations keep in full."""
    return "model AND (language OR " * n + "agent" + ")" * n


QUERIES = {"parentheses": parens, "NOTs": nots, "OR-AND-ANDNOT": deepest_tree, "AND-OR": alternating}


def deepest_allowed(shape: str) -> int:
    """The largest n for which the shape's query parses."""
    n = MAX_DEPTH
    while True:
        try:
            parse_query(QUERIES[shape](n))
            return n
        except QuerySyntaxError:
            n -= 1


@pytest.mark.parametrize("shape", list(QUERIES))
def test_the_limit_counts_the_trees_levels_as_well_as_parentheses(shape: str) -> None:
    n = deepest_allowed(shape)
    expected = {"parentheses": MAX_DEPTH, "NOTs": MAX_DEPTH, "OR-AND-ANDNOT": 21, "AND-OR": 32}
    assert n == expected[shape]
    tree = parse_query(QUERIES[shape](n))
    assert parse_query(str(tree)) == tree  # its printed form, parenthesised throughout, parses back


@pytest.mark.parametrize("shape", list(QUERIES))
@pytest.mark.parametrize("depth", ["one too many", 330, 10_000])
def test_a_query_nested_past_the_limit_is_a_syntax_error_with_a_caret(
    shape: str, depth: int | str, cli: Cli, demo: Path, tmp_path: Path
) -> None:
    query = QUERIES[shape](deepest_allowed(shape) + 1 if depth == "one too many" else int(depth))
    result = cli("search", query, "--out", demo)
    assert result.exit_code == 2, result.err
    assert (
        f"query nested too deeply (more than {MAX_DEPTH} levels of parentheses, NOT, AND and OR)"
        in result.err
    )
    assert result.err.rstrip("\n").endswith("^") and f"\n  {query}\n" in result.err
    assert "Recursion" not in result.err and "internal error" not in result.err
    config = tmp_path / "config.yml"
    config.write_text(f"category: {{cs.CL: x}}\ntopic:\n  T:\n    query: '{query}'\n", encoding="utf-8")
    checked = cli("check", "--config", config)
    assert checked.exit_code == 2
    assert f"{config}:4: topic.T.query: invalid query: query nested too deeply" in checked.err


def test_the_caret_is_under_the_first_level_too_deep() -> None:
    query = "(" * 70 + "LLM" + ")" * 70
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert info.value.position == MAX_DEPTH  # the 65th parenthesis
    query = "x AND (y OR " * 40 + "z" + ")" * 40  # two levels of the tree per parenthesis
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert info.value.position == len("x AND (y OR ") * 32  # the 65th operator: the 33rd AND
    assert query[info.value.position :].startswith("x AND (y OR ")


@pytest.mark.parametrize("shape", list(QUERIES))
def test_a_query_at_the_limit_searches_checks_and_explains(
    shape: str, cli: Cli, demo: Path, tmp_path: Path
) -> None:
    query = QUERIES[shape](deepest_allowed(shape))
    result = cli("search", query, "--out", demo, "--json", "--explain", "--limit", "1000")
    assert result.exit_code == 0, result.err
    rows = json.loads(result.out)
    matcher = Matcher([TopicRule("q", parse_query(query))])
    scanned = {p.id for p in demo_papers(demo) if matcher.match(p)}
    assert rows and {r["id"] for r in rows} == scanned  # the index narrowed nothing away
    config = tmp_path / "config.yml"
    config.write_text(
        f"category: {{cs.CL: x}}\ntopic:\n  T:\n    query: '{query}'\n    filters: [survey]\n"
        "    categories: [cs.AI]\n",
        encoding="utf-8",
    )
    assert cli("check", "--config", config).exit_code == 0
    explained = cli("explain", "--config", config, "--id", rows[0]["id"], "--out", demo)
    assert explained.exit_code == 0, explained.err


def frames_needed(fn: Callable[[], object]) -> int:
    """The fewest stack frames, beyond the caller's, with which ``fn`` runs without a RecursionError."""
    base = 0
    frame = sys._getframe()
    while frame is not None:
        base += 1
        frame = frame.f_back  # type: ignore[assignment]
    low, high = 1, 5000
    limit = sys.getrecursionlimit()
    while low < high:
        mid = (low + high) // 2
        try:
            sys.setrecursionlimit(base + mid)  # refused when below the depth Python counts already
            fn()
            high = mid
        except RecursionError:
            low = mid + 1
        finally:
            sys.setrecursionlimit(limit)
    return low


PAPER = Paper(
    id="2606.00001",
    version=1,
    title="A language model for agents",
    authors=("A. Author",),
    abstract="We study a model of language, not a survey.",
    categories=("cs.CL",),
    announce_type=AnnounceType.NEW,
    announced=dt.date(2026, 6, 30),
)


def walkers(tree: Node, query: str) -> dict[str, Callable[[], object]]:
    """Everything that walks a query tree, each on the tree (or its query) at the nesting limit."""
    hits = {t for t in terms(tree) if t.text in ("model", "language")}
    topic = Matcher([TopicRule("t", tree)])
    return {
        "parse": lambda: parse_query(query),
        "print": lambda: str(tree),
        "print and parse back": lambda: parse_query(str(tree)) == tree,
        "terms": lambda: terms(tree),
        "hash": lambda: hash(parse_query(query)),
        "compile a matcher": lambda: Matcher([TopicRule("t", tree)]),
        "match": lambda: topic.match(PAPER),
        "explain": lambda: topic.explain(PAPER),
        "FTS expression": lambda: fts_expression(tree),
        "API translation": lambda: translate(tree, dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        "what a topic lacked": lambda: missing(Not(tree), hits) if holds(tree, hits) else missing(tree, hits),
    }


@pytest.mark.parametrize("shape", list(QUERIES))
def test_every_walker_of_a_tree_at_the_limit_needs_under_half_the_recursion_limit(shape: str) -> None:
    query = QUERIES[shape](deepest_allowed(shape))
    tree = parse_query(query)
    needed = {name: frames_needed(fn) for name, fn in walkers(tree, query).items()}
    assert max(needed.values()) < 500, needed  # Python's default limit is 1000
    print(f"\n{shape} at the limit: frames needed {needed}")


# ---------------------------------------------------------------------------------------------------
# cat: in search, as in check


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("cat:cs.XX", 1, "unknown arXiv category 'cs.XX' (did you mean 'cs.SY'?)"),
        ("LLM AND cat:cs.cv OR cat:cs.XY", 22, "unknown arXiv category 'cs.XY' (did you mean 'cs.SY'?)"),
        ("cat:cs.CV ANDNOT cat:zz*", 18, "no arXiv category starts with 'zz'"),
        ("cat:hep-thx", 1, "unknown arXiv category 'hep-thx' (did you mean 'hep-th'?)"),
    ],
)
def test_search_refuses_an_unknown_category(
    query: str, column: int, message: str, cli: Cli, demo: Path
) -> None:
    result = cli("search", query, "--out", demo)
    assert result.exit_code == 2, result.err
    assert f"invalid query: {message} at column {column}" in result.err
    assert result.err.rstrip("\n").endswith(f"  {query}\n  {' ' * (column - 1)}^")


@pytest.mark.parametrize("query", ["cat:cs.CV", "cat:CS.cv", "cat:cs.C*", "cat:cs", "cat:math* OR cat:cs.RO"])
def test_search_takes_every_spelling_of_a_known_category(query: str, cli: Cli, demo: Path) -> None:
    result = cli("search", query, "--out", demo, "--json", "--limit", "1")
    assert result.exit_code == 0, result.err


def test_check_refuses_an_unknown_category_in_a_query(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        "category: {cs.CL: x}\ntopic:\n  T:\n    query: 'LLM AND cat:cs.XX'\n", encoding="utf-8"
    )
    result = cli("check", "--config", config)
    assert result.exit_code == 2
    assert f"{config}:4: topic.T.query: invalid query: unknown arXiv category 'cs.XX'" in result.err


# ---------------------------------------------------------------------------------------------------
# explain: what a topic lacked

EXPLAIN_CONFIG = """\
category: {cs.CL: CL, cs.AI: AI}
topic:
  Reasoning:
    keywords: [[LLM, Reasoning], o1]
  NoSurveys:
    keywords: [LLM]
    filters: [survey, position paper]
  Robots:
    keywords: [LLM]
    categories: [cs.RO]
  Diffusion:
    keywords: [diffusion, DDPM, score matching, flow matching, denoising, rectified flow, consistency model]
"""


def explain_blocks(result: CliResult) -> dict[str, list[str]]:
    """The explain output's lines, per topic (the ✓/✗ line first)."""
    blocks: dict[str, list[str]] = {}
    name = ""
    for line in result.out.splitlines():
        if line[:2] in ("✓ ", "✗ "):
            name = line[2:].split(":", 1)[0]
            blocks[name] = [line]
        elif name:
            blocks[name].append(line.strip())
    return blocks


def test_explain_says_what_each_topic_lacked(cli: Cli, demo: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(EXPLAIN_CONFIG, encoding="utf-8")
    # 2606.30219 (cs.AI cs.CL cs.LG cs.SE): "EvalSafetyGap: A Hybrid Survey ... for LLM Evaluation-Safety
    # Failures": LLM in the title, "survey" too, no "reasoning", not in cs.RO.
    result = cli("explain", "--config", config, "--id", "2606.30219", "--out", demo)
    assert result.exit_code == 0, result.err
    blocks = explain_blocks(result)
    assert blocks["Reasoning"][0].startswith("✗") and blocks["Reasoning"][-1] == "needs: Reasoning"
    assert blocks["NoSurveys"][-1] == (
        "excluded by NOT (survey OR \"position paper\"): survey matched in title: 'survey'"
    )
    assert blocks["Robots"][-1] == "needs: cat:cs.RO (the paper is in cs.AI cs.CL cs.LG cs.SE)"
    assert blocks["Diffusion"][-1] == (
        'needs: one of (diffusion, DDPM, "score matching", "flow matching", denoising, … 2 more)'
    )


def test_explain_names_the_closest_and_group(cli: Cli, demo: Path, tmp_path: Path) -> None:
    papers = demo_papers(demo)
    # a paper with "LLM" and "agent" in its title but without "planning" in its abstract
    paper = next(
        p
        for p in papers
        if "llm" in p.title.lower() and "agent" in p.title.lower() and "planning" not in p.abstract.lower()
    )
    config = tmp_path / "config.yml"
    config.write_text(
        "category: {cs.CL: CL}\ntopic:\n  Planning:\n"
        "    keywords: [[diffusion, robot], [LLM, agent, planning], [world model, video, planning]]\n",
        encoding="utf-8",
    )
    result = cli("explain", "--config", config, "--id", paper.id, "--out", demo)
    assert result.exit_code == 0, result.err
    assert explain_blocks(result)["Planning"][-1] == "needs: planning"  # the group LLM and agent began


def test_a_topic_that_took_the_paper_lacks_nothing(cli: Cli, demo: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("category: {cs.AI: AI}\ntopic:\n  LLM:\n    keywords: [LLM]\n", encoding="utf-8")
    result = cli("explain", "--config", config, "--id", "2606.30219", "--out", demo)
    assert result.exit_code == 0
    block = explain_blocks(result)["LLM"]
    assert block[0].startswith("✓") and not any(line.startswith(("needs", "excluded")) for line in block)


def test_what_a_tree_lacked_follows_the_closest_alternative() -> None:
    a, b, c, d = (Term(x) for x in "abcd")
    tree = parse_query("(a AND b AND c) OR (a AND d) OR NOT x")
    lack = missing(tree, {a, Term("x")})
    assert lack.needs == (d,) and lack.excluded_by == ()  # one term short, not two
    assert missing(parse_query("a ANDNOT (b OR c)"), {a, c}).excluded_by == (parse_query("b OR c"),)
    assert missing(parse_query("a OR b"), set()).needs == (parse_query("a OR b"),)
    assert missing(parse_query("a AND b"), {a, b}).cost == 0
