"""The match cache (issue #15): a :class:`CachedMatcher` answers every paper as a fresh :class:`Matcher`
of the same rules does, whatever its cache was made with (the same rules, other rules, other texts), and
tokenises only what it does not know; its entries are never used for another text or by other code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from arxiv_digest.config import load_config, topic_tree
from arxiv_digest.jobs import _match_cache
from arxiv_digest.match import cache as match_cache
from arxiv_digest.match.cache import CachedMatcher, content_key
from arxiv_digest.match.engine import Matcher, TopicRule
from arxiv_digest.models import Paper
from arxiv_digest.query.parse import parse_query
from arxiv_digest.store import snapshot

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "src" / "arxiv_digest" / "demo" / "2026-06-30.jsonl"
SCAFFOLD = ROOT / "src" / "arxiv_digest" / "scaffold" / "config.yml"


def _papers() -> list[Paper]:
    return snapshot.loads(DEMO.read_bytes(), source=str(DEMO))


def _rules(extra: dict[str, str] | None = None, drop: str | None = None) -> list[TopicRule]:
    config = load_config(SCAFFOLD)
    rules = [TopicRule(t.name, topic_tree(t)) for t in config.topics if t.name != drop]
    return rules + [TopicRule(name, parse_query(q)) for name, q in (extra or {}).items()]


def _learned(rules: list[TopicRule], papers: list[Paper]) -> tuple[list[str], dict[bytes, tuple[int, ...]]]:
    m = CachedMatcher(rules, {}, [])
    for p in papers:
        m.match_scored(p)
    return m.vocabulary, m.take()


def _same(rules: list[TopicRule], matcher: CachedMatcher, papers: list[Paper]) -> None:
    plain = Matcher(rules)
    for p in papers:
        assert matcher.match_scored(p) == plain.match_scored(p), p.id


def test_answers_as_a_matcher_whatever_the_cache_was_made_with() -> None:
    papers = _papers()
    old = _rules()
    vocabulary, entries = _learned(old, papers)
    assert len(entries) == len({content_key(p) for p in papers})
    for new in (
        old,  # the same rules
        _rules({"Leaderboards": "leaderboard* OR ranking"}),  # a topic more: its terms looked for again
        _rules(drop="Benchmark"),  # a topic fewer
        _rules({"Authors": 'au:"Liu" OR ti:survey'}),  # terms no word of a title can rule out
        _rules({"Code": "has:code AND agent*"}),  # a fact term: always tested
    ):
        _same(new, CachedMatcher(new, entries, vocabulary), papers)


def test_a_new_term_is_looked_for_only_where_its_word_is(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    papers = _papers()
    vocabulary, entries = _learned(_rules(), papers)
    new = _rules({"Z": "zyzzyva"})
    matcher = CachedMatcher(new, entries, vocabulary)
    calls: list[str] = []
    real = Matcher._hits

    def spy(self: Matcher, paper: Paper, record: object = None) -> set[int]:
        calls.append(paper.id)
        return real(self, paper, record)  # type: ignore[arg-type]

    monkeypatch.setattr(Matcher, "_hits", spy)
    _same(new, matcher, [p for p in papers if p.title.isascii() and p.abstract.isascii()])
    # Only the plain matcher `_same` compares with tokenised the papers: the cached one, none.
    assert len(calls) == len([p for p in papers if p.title.isascii() and p.abstract.isascii()])


def test_a_changed_text_is_matched_again_never_taken_from_the_cache() -> None:
    papers = _papers()
    rules = _rules()
    vocabulary, entries = _learned(rules, papers)
    lying = {key: () for key in entries}  # entries that say no paper hit anything
    changed = [dataclasses.replace(p, abstract=p.abstract + " Benchmark leaderboard.") for p in papers]
    _same(rules, CachedMatcher(rules, lying, vocabulary), changed)


def test_a_non_ascii_text_is_tokenised_for_a_new_term() -> None:
    paper = dataclasses.replace(_papers()[0], title="A ｚｙｚｚｙｖａ in full width")  # NFKC: zyzzyva
    vocabulary, entries = _learned(_rules(), [paper])
    new = _rules({"Z": "zyzzyva"})
    assert CachedMatcher(new, entries, vocabulary).match(paper) == Matcher(new).match(paper)
    assert "Z" in Matcher(new).match(paper)


def test_the_cache_file_of_other_code_or_a_damaged_one_is_not_used(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path
    (out / ".arxiv-digest").mkdir()
    vocabulary, entries = _learned(_rules(), _papers())
    import datetime as dt

    known = _match_cache.Known(vocabulary, {dt.date(2026, 6, 30): ("sha", entries)})
    _match_cache.save(out, known)
    again = _match_cache.load(out)
    assert again.vocabulary == vocabulary and again.entries() == entries
    monkeypatch.setattr(_match_cache, "code_key", lambda: "other code")
    assert _match_cache.load(out) == _match_cache.Known()
    monkeypatch.undo()
    path = out / _match_cache.CACHE
    path.write_bytes(path.read_bytes().replace(b'"vocabulary":[', b'"vocabulary":[1,', 1)[:-3])
    assert _match_cache.load(out) == _match_cache.Known()


def test_merged_keeps_a_day_not_matched_again_only_with_the_same_vocabulary_and_snapshot() -> None:
    import datetime as dt

    a, b = dt.date(2026, 1, 5), dt.date(2026, 1, 6)
    old = _match_cache.Known(["t1"], {a: ("sha-a", {b"k": (0,)}), b: ("sha-b", {b"j": ()})})
    same = _match_cache.merged(old, ["t1"], {a: "sha-a", b: "sha-b2"}, {})
    assert same.days == {a: ("sha-a", {b"k": (0,)})}  # b's snapshot changed: its entries are gone
    other = _match_cache.merged(old, ["t1", "t2"], {a: "sha-a", b: "sha-b"}, {b: {b"j": (1,)}})
    assert other.days == {b: ("sha-b", {b"j": (1,)})}  # another vocabulary: only what was matched again


def test_needles_only_for_title_and_abstract_words() -> None:
    needles = match_cache._needles(Matcher(_rules({"x": "leaderboard* OR ti:ranking"})[-1:]))
    assert needles is not None and {"leaderboard", "ranking"} <= set(needles)
    assert match_cache._needles(Matcher(_rules({"x": 'au:"Liu"'})[-1:])) is None
