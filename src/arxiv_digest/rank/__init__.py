"""Ranking a day's papers for one reader (issue #9): their library -> a model -> scores and reasons.

::

    corpus = fit_corpus(history)                      # the stored history; reader-independent
    model = fit_model(corpus, library, dislikes=())   # one reader
    for ranked in model.rank(candidates): ...         # best first, each with .score and .reason

A fitted model is saved and loaded with :func:`save_model` / :func:`load_model`, keyed by
:func:`model_key` (the library, the dislikes and the recent history), so it is refitted only when one
of them changes. The library is read by the job (``jobs/_library.py``, from ``sources/``) and
arrives here as :class:`~arxiv_digest.models.LibraryItem` values. docs/ranking.md describes the method
and its measured quality.
"""

from __future__ import annotations

from arxiv_digest.models import LibraryItem
from arxiv_digest.rank.cache import load_model, model_key, save_model
from arxiv_digest.rank.features import Corpus, Settings, fit_corpus
from arxiv_digest.rank.model import Ranked, RankModel, fit_model

__all__ = [
    "Corpus",
    "LibraryItem",
    "RankModel",
    "Ranked",
    "Settings",
    "fit_corpus",
    "fit_model",
    "load_model",
    "model_key",
    "save_model",
]
