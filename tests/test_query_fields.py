"""The query fields described once (query/fields.py, issue #8) and the two fields of paper facts (issue #10):
``has:code``, ``has:venue``, ``venue:CVPR``, ``venue:"NeurIPS 2025"``, ``venue:workshop``. Every walker
reads the one table: parser, matcher, search index, arXiv's API translation, explain, docs and help."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from arxiv_digest.errors import QuerySyntaxError
from arxiv_digest.match import Matcher, TopicRule
from arxiv_digest.match.fts import fts_expression
from arxiv_digest.models import Paper, Track
from arxiv_digest.output import layout
from arxiv_digest.query import parse_query
from arxiv_digest.query.ast import FIELDS
from arxiv_digest.query.fields import ALL, INDEX_COLUMNS, Kind
from arxiv_digest.sources.api import translate
from arxiv_digest.store import Store
from arxiv_digest.store import snapshot as snapshots
from tests.conftest import CliResult
from tests.sitebuild import DEMO

ROOT = Path(__file__).resolve().parent.parent
REAL: list[Paper] = snapshots.loads(DEMO.read_bytes(), source="demo")  # a real day, facts extracted on load


def selected(query: str, papers: list[Paper] = REAL) -> set[str]:
    matcher = Matcher([TopicRule("q", parse_query(query))])
    return {p.id for p in papers if matcher.match(p)}


# -- the table and its readers --------------------------------------------------------------------------
def test_the_parser_knows_exactly_the_described_fields() -> None:
    assert tuple(f.name for f in ALL) == FIELDS
    for f in ALL:
        value = f.values[0] if f.values else "x1"
        assert parse_query(f"{f.name}:{value}") == parse_query(str(parse_query(f"{f.name}:{value}")))


def test_the_search_index_has_a_column_for_each_field_that_names_one(tmp_path: Path) -> None:
    Store.open(tmp_path / "db.sqlite").close()
    with contextlib.closing(sqlite3.connect(tmp_path / "db.sqlite")) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(search_index)")]
    assert columns == [f.column for f in INDEX_COLUMNS]
    assert all(f.document is not None for f in INDEX_COLUMNS)


def test_the_docs_and_the_help_describe_every_field(cli: Callable[..., CliResult]) -> None:
    docs = (ROOT / "docs" / "query-language.md").read_text(encoding="utf-8")
    table = docs.split("## Fields", 1)[1].split("\n## ", 1)[0]
    for f in ALL:
        assert f"`{f.name}:`" in table, f"docs/query-language.md's table lacks {f.name}:"
    result = cli("search", "--help")
    for f in ALL:
        assert f"{f.name}:" in result.out, f"search --help does not name {f.name}:"


# -- has: and venue: on a real day ----------------------------------------------------------------------
def test_has_code_and_has_venue_select_the_papers_whose_facts_say_so() -> None:
    with_code = {p.id for p in REAL if p.facts and p.facts.code}
    with_venue = {p.id for p in REAL if p.facts and p.facts.venue}
    assert len(with_code) > 50 and len(with_venue) > 50  # a real day: about a quarter carry code links
    assert selected("has:code") == selected("has:CODE") == with_code
    assert selected("has:venue") == with_venue
    assert selected("NOT has:code") == {p.id for p in REAL} - with_code
    # A paper of the bundled day, read by hand: its comment links its GitHub repository and says ECCV 2026.
    assert "2606.30557" in selected('has:code venue:"ECCV 2026"')


def test_venue_matches_the_name_the_year_and_the_track() -> None:
    by_venue = {p.id: p.facts.venue for p in REAL if p.facts and p.facts.venue}
    names = {v.name for v in by_venue.values()}
    assert len(names) > 5
    for name in sorted(names):  # each venue's papers are found by its name
        assert {pid for pid, v in by_venue.items() if v.name == name} <= selected(f'venue:"{name}"'), name
    eccv_2026 = {pid for pid, v in by_venue.items() if v.name == "ECCV" and v.year == 2026}
    assert eccv_2026 and selected('venue:"ECCV 2026"') == eccv_2026 == selected('venue:"2026 eccv"')
    workshops = {pid for pid, v in by_venue.items() if v.track is Track.WORKSHOP}
    assert selected("venue:workshop") == workshops
    assert selected("venue:ECCV ANDNOT venue:workshop") == {
        pid for pid, v in by_venue.items() if v.name == "ECCV" and not v.workshop
    }
    assert selected("venue:NoSuchVenue") == set()


def test_a_paper_without_facts_has_neither() -> None:
    bare = REAL[0].with_(facts=None)
    assert selected("has:code OR has:venue OR venue:CVPR", [bare]) == set()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("has:cod", "has: takes code or venue, not 'cod'"),
        ("has:", "expected a word"),
        ("venue:", "expected a word"),
    ],
)
def test_a_field_refuses_what_can_match_nothing_with_a_caret(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert message in str(caught.value) and "^" in str(caught.value)


def test_explain_shows_the_link_and_the_venue_that_matched() -> None:
    paper = next(p for p in REAL if p.id == "2606.30557")
    assert paper.facts is not None and paper.facts.venue is not None
    matcher = Matcher([TopicRule("q", parse_query("has:code AND venue:ECCV"))])
    topics, hits = matcher.explain(paper)
    assert topics == ["q"]
    assert [(h.where, h.words) for h in hits] == [
        ("has", ", ".join([link.url for link in paper.facts.code] + [paper.facts.venue.label])),
        ("venue", paper.facts.venue.label),
    ]


def test_the_index_narrows_fact_fields_in_their_own_columns_and_arxiv_is_not_asked() -> None:
    tree = parse_query('agent has:code venue:"NeurIPS 2025"')
    assert (
        fts_expression(tree) == '({ti abs} : ("agent" *) AND hs : ("code") AND ve : ("neurips" AND "2025"))'
    )
    api = translate(tree, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert api.search_query == "all:agent AND submittedDate:[202601010000 TO 202601312359]"
    assert api.dropped == ("has:code", 'venue:"NeurIPS 2025"')
    assert [f.name for f in ALL if f.kind is Kind.FACT and f.api is None] == ["has", "venue"]


def test_search_finds_by_facts_and_its_json_carries_them(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    out = tmp_path / "digest"
    (out / "data").mkdir(parents=True)
    day = REAL[0].announced
    (out / "data" / layout.snapshot_name(day)).write_bytes(DEMO.read_bytes())
    result = cli("search", 'has:code venue:"ECCV 2026"', "--out", out, "--json", "--limit", "500")
    assert result.exit_code == 0, result.out
    rows = json.loads(result.out)
    expected = selected('has:code venue:"ECCV 2026"')
    assert {r["id"] for r in rows} == expected and expected
    assert all(r["facts"]["code"] and r["facts"]["venue"]["name"] == "ECCV" for r in rows)
    text = cli("search", "has:code", "--out", out, "--limit", "3", "--explain")
    assert text.exit_code == 0 and re.search(r"matched has:code in has: 'https://", text.out), text.out


# -- adding a field is one edit (issue #8) --------------------------------------------------------------
NEW_FIELD = """    Field("jr", "the journal reference", Kind.FACT,
          test=lambda v, p: v.lower() in (p.journal_ref or "").lower(),
          evidence=lambda p: p.journal_ref or ""),
"""
USE_NEW_FIELD = """
import datetime as dt, json
from arxiv_digest.match import Matcher, TopicRule
from arxiv_digest.match.fts import fts_expression
from arxiv_digest.models import AnnounceType, Paper
from arxiv_digest.query import parse_query
from arxiv_digest.sources.api import translate

paper = Paper(id="2606.00001", version=1, title="A title", authors=("A. Author",), abstract="Words.",
              categories=("cs.CV",), announce_type=AnnounceType.NEW, announced=dt.date(2026, 6, 30),
              journal_ref="Nature 620 (2026)")
tree = parse_query("words AND jr:nature")
matcher = Matcher([TopicRule("q", tree)])
print(json.dumps({
    "printed": str(tree), "round_trip": parse_query(str(tree)) == tree,
    "matches": matcher.match(paper) == ["q"], "misses": matcher.match(paper.with_(journal_ref=None)),
    "evidence": [(h.where, h.words) for h in matcher.explain(paper)[1]],
    "fts": fts_expression(tree),
    "api_dropped": list(translate(tree, dt.date(2026, 6, 1), dt.date(2026, 6, 30)).dropped),
}))
"""


def test_a_new_field_is_one_entry_of_the_fields_table(tmp_path: Path) -> None:
    """The edit docs/design.md describes, made on a copy of the package: one entry appended to
    ``query/fields.py:ALL`` and nothing else. The parser, the printer, the matcher, ``explain``, the
    search index's translation (no column: no restriction), arXiv's (no API prefix: judged here) and
    ``search --help`` all take it."""
    copy = tmp_path / "src" / "arxiv_digest"
    shutil.copytree(ROOT / "src" / "arxiv_digest", copy, ignore=shutil.ignore_patterns("__pycache__"))
    fields = copy / "query" / "fields.py"
    source = fields.read_text(encoding="utf-8")
    end = ")  # fmt: skip\n\nBY_NAME"
    assert source.count(end) == 1
    fields.write_text(source.replace(end, NEW_FIELD + end), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy.parent)}

    def python(*args: str) -> str:
        run = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert json.loads(python("-c", USE_NEW_FIELD)) == {
        "printed": "words AND jr:nature",
        "round_trip": True,
        "matches": True,
        "misses": [],
        "evidence": [["abstract", "words"], ["jr", "Nature 620 (2026)"]],
        "fts": '{ti abs} : ("words" *)',
        "api_dropped": ["jr:nature"],
    }
    help_text = python("-m", "arxiv_digest", "search", "--help")
    assert "jr:" in help_text and "the journal reference" in help_text, help_text
