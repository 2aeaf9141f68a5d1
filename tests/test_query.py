"""The query language (issue #3): grammar, precedence, fields, errors, and the property tests."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_digest.errors import QuerySyntaxError
from arxiv_digest.match import Matcher, TopicRule
from arxiv_digest.models import AnnounceType, Paper
from arxiv_digest.query import keywords_tree, parse_query
from arxiv_digest.query.ast import FIELDS, And, Node, Not, Or, Term
from arxiv_digest.query.fields import BY_NAME
from arxiv_digest.text import clean_abstract
from tests.conftest import DATA


def paper(
    title: str = "",
    abstract: str = "",
    *,
    authors: tuple[str, ...] = ("A. Person",),
    categories: tuple[str, ...] = ("cs.CL",),
    comment: str | None = None,
) -> Paper:
    return Paper(
        id="2601.00001",
        version=1,
        title=title,
        authors=authors,
        abstract=abstract,
        categories=categories,
        announce_type=AnnounceType.NEW,
        announced=dt.date(2026, 1, 5),
        comment=comment,
    )


def selects(query: str, p: Paper) -> bool:
    return bool(Matcher([TopicRule("q", parse_query(query))]).match(p))


# -- grammar -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("LLM", Term("LLM")),
        ("a b", And((Term("a"), Term("b")))),
        ("a AND b", And((Term("a"), Term("b")))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("NOT a b", And((Not(Term("a")), Term("b")))),
        ("a ANDNOT b", And((Term("a"), Not(Term("b"))))),
        ("(a OR b) AND c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("(a AND b) AND c", And((Term("a"), Term("b"), Term("c")))),
        ("a and b", And((Term("a"), Term("and"), Term("b")))),  # lower-case operators are words
        ('ti:"vision language model"', Term("vision language model", field="ti", quoted=True)),
        ("au:hinton OR cat:cs.C*", Or((Term("hinton", field="au"), Term("cs.C*", field="cat")))),
        ("NOT NOT x", Not(Not(Term("x")))),
    ],
)
def test_grammar_and_precedence(query: str, tree: Node) -> None:
    assert parse_query(query) == tree


@pytest.mark.parametrize(
    ("query", "column", "expected"),
    [
        ("(LLM OR reasoning AND (vision", 30, "expected ')'"),
        ("a OR", 5, "expected a word"),
        (")", 1, "expected a word"),
        ("a )", 3, "unexpected ')'"),
        ('"open phrase', 13, "to close the phrase"),
        ("ti:", 4, "after 'ti:'"),
        ("foo:bar", 1, "unknown field 'foo'"),
        ("", 1, "the query is empty"),
        ("a ()", 4, "inside the parentheses"),
        ("AND", 1, "expected a word"),
    ],
)
def test_syntax_errors_point_at_the_fault(query: str, column: int, expected: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    message = str(info.value)
    assert f"at column {column}" in message and expected in message
    lines = message.splitlines()
    assert lines[1] == f"  {query}"
    assert lines[2] == "  " + " " * (column - 1) + "^"


# -- fields ------------------------------------------------------------------------------------------


def test_fields_look_where_they_say() -> None:
    p = paper(
        "Vision-Language Models for robots",
        "We study agents and planning.",
        authors=("Geoffrey E. Hinton", "Yann LeCun"),
        categories=("cs.RO", "cs.CV"),
        comment="Accepted at ICLR 2026",
    )
    assert selects('ti:"vision language model"', p)
    assert not selects('abs:"vision language model"', p)
    assert selects("abs:agent*", p) and not selects("ti:agent*", p)
    assert selects('"vision language model" planning', p)  # all = title + abstract
    assert selects("au:hinton", p) and selects('au:"Yann LeCun"', p)
    assert not selects('au:"Hinton Yann"', p)  # one author's name, not across two authors
    assert selects('co:"ICLR 2026"', p) and not selects("co:NeurIPS", p)
    assert selects("cat:cs", p) and selects("cat:CS.ro", p) and selects("cat:cs.C*", p)
    assert not selects("cat:cs.CL", p) and not selects("cat:c", p)
    assert selects("cat:cs.CV", p)  # a cross-list counts like the primary


def test_comment_unknown_matches_nothing_and_not_inverts() -> None:
    p = paper("A title", "An abstract", comment=None)
    assert not selects("co:anything", p)
    assert selects("NOT co:anything", p)


def test_operators_on_a_paper() -> None:
    p = paper("LLM agents", "We survey reasoning in large language models.")
    assert selects("LLM AND reasoning", p)
    assert selects("LLM ANDNOT benchmark", p)
    assert not selects("LLM ANDNOT survey", p)
    assert selects("(diffusion OR reasoning) LLM", p)
    assert not selects("NOT LLM OR diffusion", p)


# -- properties --------------------------------------------------------------------------------------

# Letters, digits and the punctuation a word may carry (":" too: `1:2`, `x1:y` and `note:` are words).
_words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.*éß:+#'/&!",
    min_size=1,
    max_size=8,
).filter(lambda w: any(c.isalnum() for c in w) and not w.startswith("*"))
_FIELD_LIKE = re.compile(r"[A-Za-z]+:")


def _syntax_without_quotes(word: str) -> bool:
    """Would this word, bare and without a field, read as an operator or a `field:` prefix (or an unknown
    field)? Such a term can only come from a quoted phrase."""
    m = _FIELD_LIKE.match(word)
    return word in ("AND", "OR", "NOT", "ANDNOT") or (
        m is not None and (m.group()[:-1].lower() in FIELDS or m.end() < len(word))
    )


@st.composite
def terms(draw: st.DrawFn) -> Term:
    field = draw(st.sampled_from(FIELDS))  # every field the fields table describes (has:, venue: too)
    closed = BY_NAME[field].values
    if closed:  # a field with a closed set of values (has:code, has:venue) takes only those
        value = draw(st.sampled_from(closed))
        return Term(value.upper() if draw(st.booleans()) else value, field=field)
    if draw(st.booleans()):
        words = draw(st.lists(_words, min_size=1, max_size=3))
        return Term(" ".join(words), field=field, quoted=True)
    word = draw(_words)
    return Term(word, field=field, quoted=field == "all" and _syntax_without_quotes(word))


@pytest.mark.parametrize("query", ["1:2", "x1:y", "note:", "(x OR note:)", 'ti:"a:b c"', "ti:foo:bar"])
def test_words_with_a_colon_print_and_parse_back(query: str) -> None:
    tree = parse_query(query)
    assert parse_query(str(tree)) == tree


def _canonical(kind: type[And] | type[Or], items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else [item])
    return kind(tuple(flat))


trees = st.recursive(
    terms(),
    lambda children: st.one_of(
        children.map(Not),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: _canonical(And, xs)),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: _canonical(Or, xs)),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printing_then_parsing_gives_the_same_tree(tree: Node) -> None:
    assert parse_query(str(tree)) == tree


def _real_papers() -> list[Paper]:
    out, seen = [], set()
    for line in (DATA / "arxiv-days" / "2025-10-15.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["id"] in seen:
            continue
        seen.add(r["id"])
        out.append(
            Paper(
                id=r["id"],
                version=1,
                title=r["title"],
                authors=tuple(r["authors"]),
                abstract=clean_abstract(r["summary"]),
                categories=tuple(r["categories"]),
                announce_type=AnnounceType.NEW,
                announced=dt.date(2025, 10, 15),
                comment=r["comment"],
            )
        )
    return out


REAL = _real_papers()
_vocabulary = [
    "LLM",
    "Large Language Model",
    "reasoning",
    "VLM",
    "Vision-Language",
    "diffusion",
    "Bench*",
    "agent*",
    "RL",
    "o1",
    "r1",
    "multi-modal",
    "3D",
    "2D",
    "survey",
    "transformer",
    "GPT",
    "Test-Time",
    "segmentation",
    "robot",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_vocabulary), min_size=1, max_size=2), min_size=1, max_size=4),
    st.lists(st.lists(st.sampled_from(_vocabulary), min_size=1, max_size=2), max_size=2),
)
def test_a_keyword_list_and_its_query_select_the_same_papers(
    keywords: list[list[str]], filters: list[list[str]]
) -> None:
    kw = tuple(tuple(g) for g in keywords)
    fl = tuple(tuple(g) for g in filters)
    from_list = Matcher([TopicRule("t", keywords_tree(kw, fl))])
    from_query = Matcher([TopicRule("t", parse_query(str(keywords_tree(kw, fl))))])
    assert [p.id for p in REAL if from_list.match(p)] == [p.id for p in REAL if from_query.match(p)]


def test_real_records_pin_the_semantics() -> None:
    """On the real day 2025-10-15: the query language agrees with hand-checked facts about it."""
    by_id = {p.id: p for p in REAL}
    hits = {p.id for p in REAL if selects('ti:"vision language model*"', p)}
    assert hits, "the day has titles naming vision-language models"
    for pid in hits:
        assert "vision" in by_id[pid].title.lower() and "language" in by_id[pid].title.lower()
    # `cat:cs.CL` includes cross-lists: every selected paper lists cs.CL somewhere, and some not first.
    in_cl = [p for p in REAL if selects("cat:cs.CL", p)]
    assert all("cs.CL" in p.categories for p in in_cl)
    assert any(p.categories[0] != "cs.CL" for p in in_cl)
    assert len(in_cl) == sum(1 for p in REAL if "cs.CL" in p.categories)
    # ANDNOT removes exactly the papers the excluded term selects.
    llm = {p.id for p in REAL if selects("LLM", p)}
    llm_no_survey = {p.id for p in REAL if selects("LLM ANDNOT survey", p)}
    surveys = {p.id for p in REAL if selects("survey", p)}
    assert llm_no_survey == llm - surveys and llm - llm_no_survey


@pytest.mark.parametrize("cache_words", [3, 200_000])
def test_remembered_prefix_words_change_no_result(cache_words: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A matcher remembers which words start with its prefixes; a warm (or often cleared) memory must
    select exactly what a fresh matcher selects for each paper."""
    from arxiv_digest.match import engine

    monkeypatch.setattr(engine, "PREFIX_CACHE_WORDS", cache_words)
    queries = {
        "bench": "bench* OR agent*",
        "vis": '"vision lang*"',
        "mixed": "ti:transform* AND abs:learn*",
        "au": "au:zh*",
    }
    rules = [TopicRule(name, parse_query(q)) for name, q in queries.items()]
    warm = Matcher(rules)
    for paper in REAL:
        assert warm.match(paper) == Matcher(rules).match(paper), paper.id
    assert sum(bool(warm.match(p)) for p in REAL) > 20  # the prefixes do select papers
