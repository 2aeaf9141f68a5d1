"""What a run with a cached model pays (issue #12): rows transformed once per run, the same bytes as
transforming them again; a loaded model imports no classifier; a cache file of an older layout is refitted,
never misread; a day's rows are kept for the week's page."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from arxiv_digest.config import load_config
from arxiv_digest.jobs import _for_you
from arxiv_digest.models import LibraryItem, Paper
from arxiv_digest.rank import features, fit_corpus, fit_model, load_model, save_model
from arxiv_digest.rank.cache import load_rows, save_rows
from arxiv_digest.rank.features import paper_text
from arxiv_digest.store import snapshot as snapshots
from tests.conftest import tree_state
from tests.fakearxiv import FakeArxiv

DATA = Path(__file__).parent / "data" / "rank" / "papers.jsonl"
PAPERS = [Paper.from_record(json.loads(line)) for line in DATA.read_text(encoding="utf-8").splitlines()]
HISTORY, DAY = PAPERS[:240], PAPERS[240:]
LIBRARY = [LibraryItem(p.title, p.abstract, added=p.announced) for p in HISTORY if "video" in p.title.lower()]


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return fit_corpus(HISTORY)


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and all(np.array_equal(x, y) for x, y in ((a.indptr, b.indptr), (a.indices, b.indices)))
        and a.data.tobytes() == b.data.tobytes()
    )


def test_a_row_seen_before_is_reused_with_the_same_bytes(corpus) -> None:  # type: ignore[no-untyped-def]
    texts = [paper_text(p.title, p.abstract) for p in DAY]
    vectorizer = features.new_vectorizer(corpus.settings)
    vectorizer.fit(texts)
    direct = sp.csr_matrix(vectorizer.transform(texts), dtype=np.float32)
    features.transform(vectorizer, texts[:20])  # the day
    week = [*texts[30:40], *texts[:20], texts[5], *texts[40:50]]  # the week: the day again, some new
    order = [*range(30, 40), *range(20), 5, *range(40, 50)]
    assert _same(features.transform(vectorizer, week), direct[order])
    assert _same(features.transform(vectorizer, texts), direct)
    assert features.transform(vectorizer, []).shape == (0, direct.shape[1])


def test_the_memo_keeps_at_most_its_bound(corpus, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(features, "MEMO_ROWS", 7)
    texts = [paper_text(p.title, p.abstract) for p in DAY[:30]]
    vectorizer = features.new_vectorizer(corpus.settings)
    vectorizer.fit(texts)
    direct = sp.csr_matrix(vectorizer.transform(texts), dtype=np.float32)
    for batch in (texts[:5], texts, texts[3:12], texts):  # a batch larger than the bound, and hits
        got = features.transform(vectorizer, batch)
        assert _same(got, sp.csr_matrix(vectorizer.transform(batch), dtype=np.float32))
        assert len(features._MEMO[vectorizer]) <= 7
    assert _same(features.transform(vectorizer, texts), direct)


def test_scores_do_not_depend_on_what_was_scored_before(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = fit_model(corpus, LIBRARY)
    save_model(model, tmp_path / "m.npz")
    warm = load_model(tmp_path / "m.npz", model.key)
    assert warm is not None
    warm.scored(DAY[:40], limit=5)  # the day, then the week holding it
    week = [*DAY[60:80], *DAY[:40]]
    cold = load_model(tmp_path / "m.npz", model.key)
    assert cold is not None
    assert warm.scores(week).tobytes() == cold.scores(week).tobytes() == model.scores(week).tobytes()
    assert warm.rank(week) == cold.rank(week) == model.rank(week)


def test_a_loaded_model_scores_without_importing_the_classifier(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = fit_model(corpus, LIBRARY)
    assert model.coef is not None
    save_model(model, tmp_path / "m.npz")
    code = (
        "import sys, json; from pathlib import Path; from arxiv_digest.models import Paper\n"
        "from arxiv_digest.rank import load_model\n"
        f"m = load_model(Path({str(tmp_path / 'm.npz')!r}), {model.key!r})\n"
        f"papers = [Paper.from_record(json.loads(l)) for l in Path({str(DATA)!r}).read_text().splitlines()]\n"
        "print(m.scores(papers[240:250]).tobytes().hex(), 'sklearn.svm' in sys.modules)\n"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    out = run.stdout.split()
    assert out == [model.scores(DAY[:10]).tobytes().hex(), "False"]


def _as_format_1(path: Path) -> None:
    """Rewrite a cache file as the first version wrote it: the vocabulary in the JSON document, compressed."""
    with np.load(path, allow_pickle=False) as saved:
        arrays = {name: saved[name] for name in saved.files}
    meta = json.loads(arrays.pop("meta").tobytes().decode())
    meta["format"] = meta.pop("model")
    meta["vocabulary"] = arrays.pop("vocabulary").tobytes().decode().split("\n")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    path.write_bytes(buffer.getvalue())


def test_a_cache_file_of_the_first_layout_is_not_read(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = fit_model(corpus, LIBRARY)
    path = tmp_path / "m.npz"
    save_model(model, path)
    assert load_model(path, model.key) is not None
    _as_format_1(path)
    assert load_model(path, model.key) is None  # a miss: the caller refits


def test_a_run_refits_a_model_cached_in_the_first_layout_and_publishes_the_same(
    arxiv_env: FakeArxiv, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_for_you import LIBRARY_BIB, publish

    publish(digest_dir, LIBRARY_BIB)
    (path,) = (digest_dir / ".arxiv-digest" / "rank").glob("*.npz")
    state = tree_state(digest_dir)
    _as_format_1(path)
    fits: list[object] = []
    fit = _for_you.fit_model
    monkeypatch.setattr(_for_you, "fit_model", lambda *a, **k: fits.append(a) or fit(*a, **k))
    result = publish(digest_dir, LIBRARY_BIB)
    assert len(fits) == 1 and result.written == 0 and tree_state(digest_dir) == state
    assert load_model(path, path.stem) is not None  # replaced by a file of the current layout
    publish(digest_dir, LIBRARY_BIB)
    assert len(fits) == 1  # and loaded from then on


def test_kept_rows_are_read_back_for_their_corpus_only(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    texts = [paper_text(p.title, p.abstract) for p in DAY[:12]]
    rows = features.transform(corpus.vectorizer, texts)
    keys = [features.text_key(t) for t in texts]
    path = tmp_path / "rows" / "2026-06-30.npz"
    save_rows(path, "corpus-a", keys, rows)
    kept = load_rows(path, "corpus-a")
    assert kept is not None and kept[0] == keys and _same(kept[1], rows)
    assert load_rows(path, "corpus-b") is None  # another corpus: another vocabulary
    path.write_bytes(path.read_bytes()[:200])
    assert load_rows(path, "corpus-a") is None  # damaged: a miss
    assert load_rows(tmp_path / "none.npz", "corpus-a") is None


def test_a_week_reuses_the_rows_its_days_kept_and_scores_the_same(
    arxiv_env: FakeArxiv, digest_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_for_you import DAY as RUN_DAY
    from tests.test_for_you import LIBRARY_BIB, library, publish

    rows = digest_dir / ".arxiv-digest" / "rank" / "rows"
    rows.mkdir(parents=True)
    (rows / "2026-06-01.npz").write_bytes(b"an old day")
    (rows / "notes.npz").write_bytes(b"not a day")
    result = publish(digest_dir, LIBRARY_BIB)
    assert sorted(p.name for p in rows.iterdir()) == [f"{RUN_DAY}.npz"]  # the older days go
    day = dt.date.fromisoformat(RUN_DAY)
    content = (digest_dir / "data" / f"{RUN_DAY}.jsonl").read_bytes()
    (model_file,) = (digest_dir / ".arxiv-digest" / "rank").glob("*.npz")
    assert result.digest is not None
    listed = {p.id for p in _for_you.candidates(result.digest)}  # the papers the run ranked
    papers = [p for p in snapshots.loads(content, source="day", day=day) if p.id in listed]
    assert len(papers) > 100
    fresh = load_model(model_file, model_file.stem)
    assert fresh is not None
    expected = [float(s) for s in fresh.scores(papers)]
    ranker = _for_you.Ranker(load_config(digest_dir / "config.yml"), digest_dir, library())
    model = ranker.model()
    assert model is not None
    transformed: list[str] = []
    real = type(model.vectorizer).transform
    monkeypatch.setattr(type(model.vectorizer), "transform", lambda v, t: transformed.extend(t) or real(v, t))
    assert ranker.scores(papers) == expected  # the same floats
    assert transformed == []  # none transformed again
    # Rows kept for another corpus are not used: the papers are transformed, with the same scores.
    other = _for_you.Ranker(load_config(digest_dir / "config.yml"), digest_dir, library())
    assert other.model() is not None
    other.corpus_key = "another corpus"
    assert other.scores(papers) == expected and len(transformed) == len(papers)
