"""Saving a fitted model and loading it back, keyed by what it was fitted on.

One ``.npz`` file: numpy arrays (idf, the library's and the dislikes' sparse rows, the classifier's
weights, the scales, the vocabulary as one UTF-8 text of a term a line) and one JSON document (the key,
the settings, the library's titles, the category log-odds), loaded with ``allow_pickle=False``, so a cache
file can hold data but never code. It is stored uncompressed: a normal day loads it, and inflating it
cost more than reading its 4-5 MB (:data:`CACHE_FORMAT`). It is written atomically; a file that is
missing, of another format (an older version's: it is refitted, then replaced), for another key or
unreadable is simply not a hit (:func:`load_model` returns None and the caller refits), since a cache must
never be the reason a run fails.

A day's rows (:func:`save_rows`) are kept the same way, keyed by the corpus they were transformed against,
so that the week's page, made days later, transforms none of them again.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from arxiv_digest.models import LibraryItem, Paper
from arxiv_digest.output.files import atomic_write
from arxiv_digest.rank.features import FORMAT_VERSION, Settings, background, history_key, new_vectorizer
from arxiv_digest.rank.model import RankModel, feature_names, known_feature_names, reader_key

#: The cache file's layout: 1 held the vocabulary in the JSON document, compressed; 2 holds it as one text
#: of a term a line (a term never holds a line break: it is words of ``\w`` joined by spaces), stored.
CACHE_FORMAT = 2


def model_key(
    library: Sequence[LibraryItem],
    history: Sequence[Paper],
    *,
    dislikes: Sequence[LibraryItem] = (),
    settings: Settings | None = None,
) -> str:
    """The key :func:`fit_model` gives the model of these inputs, computed without fitting anything."""
    settings = settings or Settings()
    return reader_key(history_key(background(history, settings), settings), library, dislikes)


def reader_model_key(
    corpus_key: str, library: Sequence[LibraryItem], *, dislikes: Sequence[LibraryItem] = ()
) -> str:
    """The key :func:`fit_model` gives the model of a corpus with ``corpus_key`` (:attr:`Corpus.key`)."""
    return reader_key(corpus_key, library, dislikes)


def save_model(model: RankModel, path: Path) -> None:
    """Write ``model`` to ``path`` (a ``.npz`` file) atomically."""
    terms = feature_names(model.vectorizer)
    if any("\n" in str(t) for t in terms):
        raise ValueError("a vocabulary term holds a line break")  # cannot happen with our token pattern
    meta = {
        "format": CACHE_FORMAT,
        "model": FORMAT_VERSION,
        "key": model.key,
        "settings": model.settings.as_dict(),
        "library_titles": list(model.library_titles),
        "category_logodds": model.category_logodds,
        "intercept": model.intercept,
        "note": model.note,
        "classifier": model.coef is not None,
    }
    arrays: dict[str, np.ndarray] = {
        "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
        "vocabulary": np.frombuffer("\n".join(map(str, terms)).encode(), dtype=np.uint8),
        "idf": np.asarray(model.vectorizer.idf_, dtype=np.float64),
        "coef": model.coef if model.coef is not None else np.zeros(0, dtype=np.float32),
        "scale": model.scale,
        **_sparse("library", model.library),
        **_sparse("dislikes", model.dislikes),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())


def load_model(path: Path, key: str) -> RankModel | None:
    """The model saved at ``path`` if it was fitted for ``key`` by this version, else None."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        meta = json.loads(arrays["meta"].tobytes().decode())
        if (
            meta.get("format") != CACHE_FORMAT
            or meta.get("model") != FORMAT_VERSION
            or meta.get("key") != key
        ):
            return None
        return _model(meta, arrays)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError):
        return None


def _model(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> RankModel:
    settings = Settings(**meta["settings"])
    vocabulary = arrays["vocabulary"].tobytes().decode().split("\n")
    vectorizer = new_vectorizer(settings, vocabulary)
    vectorizer.idf_ = arrays["idf"]
    known_feature_names(vectorizer, vocabulary)
    return RankModel(
        key=meta["key"],
        settings=settings,
        vectorizer=vectorizer,
        library=_csr(arrays, "library"),
        library_titles=tuple(meta["library_titles"]),
        dislikes=_csr(arrays, "dislikes"),
        coef=arrays["coef"] if meta["classifier"] else None,
        intercept=float(meta["intercept"]),
        category_logodds={str(k): float(v) for k, v in meta["category_logodds"].items()},
        scale=arrays["scale"],
        note=str(meta["note"]),
    )


def _sparse(name: str, matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{name}_data": matrix.data,
        f"{name}_indices": matrix.indices,
        f"{name}_indptr": matrix.indptr,
        f"{name}_shape": np.array(matrix.shape, dtype=np.int64),
    }


def _csr(arrays: dict[str, np.ndarray], name: str) -> sp.csr_matrix:
    shape = tuple(int(n) for n in arrays[f"{name}_shape"])
    return sp.csr_matrix(
        (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]), shape=shape
    )


#: The layout of a file of rows (:func:`save_rows`).
ROWS_FORMAT = 1


def save_rows(path: Path, corpus_key: str, keys: Sequence[bytes], rows: sp.csr_matrix) -> None:
    """Write tf-idf ``rows`` (one per 16-byte key, ``features.text_key``) of the corpus ``corpus_key``."""
    meta = {"format": ROWS_FORMAT, "model": FORMAT_VERSION, "corpus": corpus_key}
    buffer = io.BytesIO()
    arrays: dict[str, np.ndarray] = {
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        "keys": np.frombuffer(b"".join(keys), dtype=np.uint8),
        **_sparse("rows", rows),
    }
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())


def load_rows(path: Path, corpus_key: str) -> tuple[list[bytes], sp.csr_matrix] | None:
    """The keys and rows saved at ``path`` for ``corpus_key`` by this version, else None (a miss)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        meta = json.loads(arrays["meta"].tobytes().decode())
        if meta != {"format": ROWS_FORMAT, "model": FORMAT_VERSION, "corpus": corpus_key}:
            return None
        blob = arrays["keys"].tobytes()
        rows = _csr(arrays, "rows")
        if len(blob) != 16 * rows.shape[0]:
            return None
        return [blob[i : i + 16] for i in range(0, len(blob), 16)], rows
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError):
        return None
