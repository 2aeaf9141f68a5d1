"""The "For you" model (issue #9) on real records: determinism, small libraries, dislikes, reasons, cache."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from arxiv_digest.errors import ConfigError
from arxiv_digest.models import Paper
from arxiv_digest.rank import (
    LibraryItem,
    fit_corpus,
    fit_model,
    load_model,
    model_key,
    save_model,
)
from arxiv_digest.rank.reasons import FUNCTION_WORDS
from arxiv_digest.sources.bibtex import read_bibtex
from arxiv_digest.text import clean_abstract, clean_title

DATA = Path(__file__).parent / "data" / "rank" / "papers.jsonl"


def _papers() -> list[Paper]:
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record["title"], record["abstract"] = clean_title(record["title"]), clean_abstract(record["abstract"])
        out.append(Paper.from_record(record))
    return out


PAPERS = _papers()
HISTORY, DAY = PAPERS[:240], PAPERS[240:]


def item(paper: Paper) -> LibraryItem:
    return LibraryItem(paper.title, paper.abstract, added=paper.announced)


def words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return set(re.findall(r"\w\w+", folded))


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return fit_corpus(HISTORY)


def _library(topic: str) -> list[LibraryItem]:
    """History papers whose title names ``topic``: a real reader's narrow library."""
    found = [item(p) for p in HISTORY if topic in p.title.lower()]
    assert len(found) >= 4, topic
    return found


def test_same_inputs_give_the_same_order_and_scores(corpus) -> None:  # type: ignore[no-untyped-def]
    library = _library("video")
    first = fit_model(corpus, library).rank(DAY)
    again = fit_model(fit_corpus(list(reversed(HISTORY))), library).rank(DAY)
    assert [r.paper_id for r in first] == [r.paper_id for r in again]
    assert [r.score for r in first] == [r.score for r in again]
    assert [r.reason for r in first] == [r.reason for r in again]


def test_the_library_topic_comes_first(corpus) -> None:  # type: ignore[no-untyped-def]
    ranked = fit_model(corpus, _library("video")).rank(DAY)
    top = [p for p in DAY if p.id in {r.paper_id for r in ranked[:5]}]
    assert sum("video" in (p.title + p.abstract).lower() for p in top) >= 4
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


@pytest.mark.parametrize("size", [1, 3])
def test_a_small_library_ranks_by_similarity_and_says_so(corpus, size: int) -> None:  # type: ignore[no-untyped-def]
    # The reader saved one of today's papers (and, for size 3, two history papers): it ranks first.
    saved = DAY[17]
    library = [item(saved), *(item(p) for p in HISTORY[: size - 1])]
    model = fit_model(corpus, library)
    assert model.coef is None  # no classifier
    assert model.note.startswith(f"similarity only: the library has {size} paper")
    ranked = model.rank(DAY)
    assert len(ranked) == len(DAY)
    assert ranked[0].paper_id == saved.id
    assert ranked[0].like == saved.title


def test_a_larger_library_uses_the_classifier(corpus) -> None:  # type: ignore[no-untyped-def]
    model = fit_model(corpus, _library("video"))
    assert model.coef is not None and model.note == ""


def test_a_dislike_pushes_its_neighbours_down(corpus) -> None:  # type: ignore[no-untyped-def]
    library = _library("video")
    before = fit_model(corpus, library).rank(DAY)
    disliked = next(p for p in DAY if p.id == before[0].paper_id)
    after = fit_model(corpus, library, dislikes=[item(disliked)]).rank(DAY)
    place = {r.paper_id: n for n, r in enumerate(after)}
    assert place[disliked.id] > 10
    assert after[place[disliked.id]].score < before[0].score


def test_reasons_name_real_terms_and_a_real_library_title(corpus) -> None:  # type: ignore[no-untyped-def]
    library = _library("video")
    titles = {i.title for i in library}
    library_words = set().union(*(words(i.title + " " + i.abstract) for i in library))
    ranked = fit_model(corpus, library).rank(DAY)
    by_id = {p.id: p for p in DAY}
    for r in ranked[:10]:
        assert r.like in titles
        assert 1 <= len(r.terms) <= 5
        paper_words = words(by_id[r.paper_id].title + " " + by_id[r.paper_id].abstract)
        for term in r.terms:
            assert isinstance(term, str)
            assert set(term.split()) <= paper_words & library_words, (term, r.paper_id)
            # Read as phrases (rank/reasons.py): no function word at either end, at most four words.
            first, *_, last = term.split() if " " in term else (term, term)
            assert first not in FUNCTION_WORDS and last not in FUNCTION_WORDS, term
            assert len(term.split()) <= 4
        singular = [{w.removesuffix("s") for w in t.split()} for t in r.terms]
        assert not any(a <= b for i, a in enumerate(singular) for j, b in enumerate(singular) if i != j), (
            r.terms
        )
        assert r.reason == f"{', '.join(r.terms)}; like: {r.like}"
    # Fragments of the model's word pairs became the phrases the papers say.
    assert any(
        len(t.split()) > 2 for r in fit_model(corpus, _library("agent")).rank(DAY)[:10] for t in r.terms
    )


def test_save_and_load_give_identical_scores(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for library, dislikes in ((_library("video"), [item(DAY[0])]), ([item(DAY[3])], [])):
        model = fit_model(corpus, library, dislikes=dislikes)
        path = tmp_path / "rank" / f"{model.key}.npz"
        save_model(model, path)
        loaded = load_model(path, model.key)
        assert loaded is not None
        assert np.array_equal(loaded.scores(DAY), model.scores(DAY))
        assert loaded.rank(DAY) == model.rank(DAY)
        assert loaded.note == model.note


def test_the_key_follows_the_library_and_the_history(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    library = _library("video")
    model = fit_model(corpus, library)
    assert model_key(library, HISTORY) == model.key
    assert model_key(library[1:], HISTORY) != model.key
    assert model_key(library, HISTORY[:-1]) != model.key
    assert model_key(library, HISTORY, dislikes=[item(DAY[0])]) != model.key
    path = tmp_path / "model.npz"
    save_model(model, path)
    assert load_model(path, model_key(library[1:], HISTORY)) is None  # another key: refit
    path.write_bytes(path.read_bytes()[:100])
    assert load_model(path, model.key) is None  # a damaged file is a miss, not a failure
    assert load_model(tmp_path / "missing.npz", model.key) is None


def test_an_empty_library_is_refused(corpus) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="library is empty"):
        fit_model(corpus, [])


def test_bibtex_library_is_read_with_tex_cleaned() -> None:
    text = r"""
@article{one,
  author = {Andr{\'e} Someone},
  title = {{Caf{\'e} Scenes with $\alpha$-Blending: 50\% Faster}},
  abstract = {We {\"u}se \{braces\} and \& signs.},
  eprint = {2505.01234v2}, archivePrefix = {arXiv},
  timestamp = {2025-05-02T10:11:12Z},
}
@misc{two, title = "Plain", url = {https://arxiv.org/abs/2401.00001v1}}
@misc{empty, note = {no text}}
"""
    one, two = read_bibtex(text, path="lib.bib")
    assert one.title == "Café Scenes with $\\alpha$-Blending: 50% Faster"
    assert one.abstract == "We üse {braces} and & signs."
    assert (one.arxiv_id, str(one.added)) == ("2505.01234", "2025-05-02")
    assert (two.title, two.abstract, two.arxiv_id, two.added) == ("Plain", "", "2401.00001", None)


def test_a_broken_bibtex_entry_names_the_file_and_line() -> None:
    text = "@article{ok, title={Fine}}\n\n@article{bad, title={Unclosed\n}\n\n@article{next, title={X}}\n"
    with pytest.raises(ConfigError) as caught:
        read_bibtex(text, path="library.bib")
    assert str(caught.value).startswith("library.bib:3: this BibTeX entry does not parse")
