"""The "For you" stage of a run (issue #9): the reader's model, fitted or loaded from its cache, ranks a
day's listed papers; the day's :class:`~arxiv_digest.match.digest.Digest` gets its :class:`ForYou` and,
with ``rank.order: relevance``, its pages' papers in the reader's order.

What a model is fitted on, and when it is fitted again:

* the corpus (vocabulary, idf, background) is the most recent ``max_background`` papers of the history up
  to the day a *period* began, read straight from their snapshots (``data/<day>.jsonl``, newest day first
  until that many papers are read), never from the database. A period begins on the first stored day, and
  again on the first day the number of stored days has grown by 10 % since, or 30 days after it began
  (:func:`corpus_period`). The period follows from the snapshots' names alone, so the same history gives
  the same corpus wherever it is run: a fresh clone (GitHub Actions, no database) reads the window's
  snapshots, not the history, and ranks as a warm database does (issue #12);
* the corpus's key hashes the window's snapshots (:func:`period_key`), and the reader's model is keyed on
  it and every library and dislike entry (:func:`arxiv_digest.rank.reader_model_key`), so a changed
  library refits it, on the same corpus, and a normal day, within its period, fits nothing: the cached
  model is loaded and scores the day.

The model is cached in ``OUT/.arxiv-digest/rank/<key>.npz`` (rank/cache.py; a damaged or stale file is
a miss). Ranking is an extra: a history too small to learn from, or any failure while fitting, loading
or scoring, logs a warning and leaves the day without its For-you part; the run's pages are otherwise
what they would have been, and its exit code too.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ..config import Config, MatchMode, RankOrder
from ..errors import StoreError, cannot_read, reason
from ..match.seen import window_start
from ..models import Digest, ForYou, Library, Listing, Paper, Pick, TopicDigest
from ..output import layout
from ..output.layout import STATE_DIR
from ..rank import (
    RankModel,
    Settings,
    fit_corpus,
    fit_model,
    load_model,
    reader_model_key,
    save_model,
)
from ..rank.cache import load_rows, save_rows
from ..rank.features import FORMAT_VERSION, paper_text, remember, text_key
from ..sources.http import PoliteClient
from ..store import Store, picks
from ..store import snapshot as snapshots
from ._library import load_library

log = logging.getLogger(__name__)

#: A new corpus period begins when the number of stored days has grown by this factor since the last
#: one began ...
PERIOD_GROWTH = 1.10
#: ... or this many days after it began.
PERIOD_DAYS = 30
#: Below this many stored papers there is nothing to learn a vocabulary from (rank.fit_corpus's floor).
MIN_HISTORY = 4
#: The days of the history (up to the latest) whose papers' tf-idf rows are kept in
#: ``.arxiv-digest/rank/rows/<day>.npz``: a week's page, made on a later day, reuses them.
ROW_DAYS = 8


def cache_dir(out_dir: Path) -> Path:
    return out_dir / STATE_DIR / "rank"


def corpus_period(days: Sequence[dt.date]) -> dt.date | None:
    """The stored day (of ``days``, any order) on which the current corpus period began."""
    start: dt.date | None = None
    at_start = 0
    for n, day in enumerate(sorted(days), 1):
        if start is None or n >= PERIOD_GROWTH * at_start or (day - start).days >= PERIOD_DAYS:
            start, at_start = day, n
    return start


def period_key(shas: Sequence[tuple[dt.date, str]], settings: Settings) -> str:
    """The corpus's key: every day of the corpus's window and the hash of its snapshot."""
    h = hashlib.sha256(f"corpus window v{FORMAT_VERSION} {sorted(settings.as_dict().items())}".encode())
    for day, sha in sorted(shas):
        h.update(f"\x1e{day.isoformat()}\x1f{sha}".encode())
    return h.hexdigest()


def paper_lines(content: bytes) -> int:
    """How many papers a snapshot holds (one a line), without parsing it."""
    return sum(1 for line in content.splitlines() if line.strip())


def corpus_window(
    days: Sequence[dt.date], start: dt.date, read: Callable[[dt.date], bytes], wanted: int
) -> list[tuple[dt.date, bytes]]:
    """The snapshots of the days up to ``start``, newest first, until they hold ``wanted`` papers: the
    fewest days whose papers hold the most recent ``wanted`` ones (``wanted`` 0: every day)."""
    window: list[tuple[dt.date, bytes]] = []
    papers = 0
    for day in sorted((d for d in days if d <= start), reverse=True):
        content = read(day)
        window.append((day, content))
        papers += paper_lines(content)
        if wanted and papers >= wanted:
            break
    return window


def candidates(digest: Digest) -> list[Paper]:
    """The day's papers a reader could be shown: every listed one and every topic's, each once, by id."""
    seen: dict[str, Paper] = {}
    for c in digest.categories:
        for item in c.listings:
            seen.setdefault(item.paper.id, item.paper)
    for t in digest.topics:
        for p in t.papers:
            seen.setdefault(p.id, p)
    return [seen[k] for k in sorted(seen)]


class _Read:
    """A day's snapshot bytes: the run's own day as it is about to be written, else ``data/<day>.jsonl``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pending: dict[dt.date, bytes] = {}
        self.read: list[dt.date] = []  # the days read from data/, in the order read (tests count them)

    def days(self) -> list[dt.date]:
        return sorted(set(snapshots.day_files(self.data_dir)) | set(self.pending))

    def __call__(self, day: dt.date) -> bytes:
        if day in self.pending:
            return self.pending[day]
        path = self.data_dir / layout.snapshot_name(day)
        self.read.append(day)
        try:
            return path.read_bytes()
        except OSError as e:
            raise StoreError(cannot_read(path, e)) from e


class Ranker:
    """One run's reader model, fitted or loaded once, then applied to each digest the run builds. Made, it
    reports what reading the library left out (every command that ranks: run, rebuild, rank, search)."""

    def __init__(self, config: Config, out_dir: Path, library: Library) -> None:
        for warning in library.warnings:
            log.warning("library: %s", warning)
        self.config = config
        self.out_dir = out_dir
        self.cache = cache_dir(out_dir)
        self.library = library
        self._picked: dict[dt.date, frozenset[str]] = {}  # the picks this process made, by day
        self._days: list[dt.date] | None = None  # the history's days, once the model is had
        # What the reader already has (saved or rejected): never a pick (``for_you``).
        self.owned = frozenset(i.arxiv_id for i in (*library.items, *library.dislikes) if i.arxiv_id)
        self.settings = Settings()
        self.snapshots = _Read(out_dir / layout.DATA)
        self._model: RankModel | None = None
        self._failed = False
        self.fitted = False  # the run fitted a model (else it loaded one, or has none)
        self.corpus_key = ""  # the corpus's key, once the model is had
        self.latest: dt.date | None = None  # the latest day of the history the model was had with
        self._recalled: set[dt.date] = set()  # the days whose kept rows were read

    def add_day(self, day: dt.date, content: bytes) -> None:
        """The run's day, as its snapshot will be written (it is part of the history the model sees)."""
        assert self._model is None and not self._failed, "a day added after the model was had"
        self.snapshots.pending[day] = content

    def model(self) -> RankModel | None:
        """The reader's model (None, with a warning logged once, when there is none to be had)."""
        if self._model is None and not self._failed:
            try:
                self._model = self._load_or_fit()
            # Ranking is an extra (issue #9): whatever goes wrong in it must not cost the day its pages.
            except Exception as e:
                self._failed = True
                log.debug("ranking failed", exc_info=True)
                log.warning("For you: skipped, ranking failed: %s: %s", type(e).__name__, reason(e))
            else:
                if self._model is None:
                    self._failed = True
        return self._model

    def _load_or_fit(self) -> RankModel | None:
        if not self.library.items:
            log.warning("For you: skipped, the library has no paper to rank by")
            return None
        days = self.snapshots.days()
        start = corpus_period(days)
        wanted = self.settings.max_background
        window = corpus_window(days, start, self.snapshots, wanted) if start is not None else []
        stored = 0
        for _, content in window:  # counted until there are enough (one snapshot, most days)
            stored += paper_lines(content)
            if stored >= MIN_HISTORY:
                break
        if stored < MIN_HISTORY:
            log.warning(
                "For you: skipped, the history holds %d stored paper%s (ranking needs %d or more)",
                stored,
                "" if stored == 1 else "s",
                MIN_HISTORY,
            )
            return None
        key = period_key([(d, snapshots.sha256(content)) for d, content in window], self.settings)
        self.corpus_key, self.latest = key, max(days)
        items, dislikes = self.library.items, self.library.dislikes
        model_key = reader_model_key(key, items, dislikes=dislikes)
        path = self.cache / f"{model_key}.npz"
        model = load_model(path, model_key)
        if model is not None:
            return model
        history = [
            paper
            for day, content in window
            for paper in snapshots.loads(content, source=f"data/{layout.snapshot_name(day)}", day=day)
        ]
        corpus = fit_corpus(history, self.settings, key=key)
        model = fit_model(corpus, items, dislikes=dislikes)
        self.fitted = True
        save_model(model, path)
        for stale in self.cache.glob("*.npz"):  # one reader, one model: the others can only be stale
            if stale != path:
                stale.unlink(missing_ok=True)
        return model

    def for_you(self, digest: Digest) -> ForYou | None:
        model = self.model()
        if model is None:
            return None
        papers = candidates(digest)
        # A paper the reader already saved (or rejected), or one For you picked lately (now revised or
        # cross-listed again), is no news to them: never a pick, though it keeps its score (`order:
        # relevance` still places it on the topic pages).
        skip = self.owned | self.picked_before(digest.day)
        shown = sum(p.id in skip for p in papers)
        ranked, scores = model.scored(papers, limit=self.config.rank.top + shown)
        ranked = tuple(r for r in ranked if r.paper_id not in skip)[: self.config.rank.top]
        self._picked[digest.day] = frozenset(r.paper_id for r in ranked)
        self._keep_rows(model, digest.day, papers)
        by_id = {p.id: p for p in papers}
        picks = tuple(Pick(by_id[r.paper_id], n, r.score, r.terms, r.like) for n, r in enumerate(ranked, 1))
        return ForYou(
            digest.day,
            picks,
            {p.id: float(s) for p, s in zip(papers, scores, strict=True)},
            model.note,
            len(self.library.items),
        )

    def picked_before(self, day: dt.date) -> frozenset[str]:
        """The ids For you picked on the stored days before ``day`` that the papers-already-shown rules
        read (``seen_days`` back, and always the announcement day before): this process's picks of a day,
        else its published ``data/for_you/<day>.json``, as the topics read their earlier listings."""
        if self._days is None:  # once: no day is added once the model is had (``add_day``)
            self._days = self.snapshots.days()
        days = self._days
        i = bisect.bisect_left(days, day)
        start = window_start(self.config, day, days[i - 1] if i > 0 else None)
        out: set[str] = set()
        for earlier in days[bisect.bisect_left(days, start) : i]:
            found = self._picked.get(earlier)
            if found is None:
                path = self.out_dir / layout.for_you_picks(earlier)
                try:
                    found = picks.picked_ids(path.read_bytes(), source=str(path))
                except FileNotFoundError:  # a day without a For-you part
                    continue
                except (OSError, StoreError) as e:  # that day's own pages report it; this run goes on
                    log.warning("For you: %s: its picks are not known, so may be picked again", reason(e))
                    continue
            out.update(found)
        return frozenset(out)

    def scores(self, papers: Sequence[Paper]) -> list[float]:
        """The model's score of each of ``papers`` (a week's page: their days' kept rows are reused)."""
        model = self.model()
        assert model is not None, "scores asked of a ranker without a model"
        for day in sorted({p.announced for p in papers} - self._recalled):
            self._recalled.add(day)
            kept = load_rows(self.cache / "rows" / f"{day.isoformat()}.npz", self.corpus_key)
            if kept is not None:
                remember(model.vectorizer, *kept)
        return [float(s) for s in model.scores(papers)]

    def _keep_rows(self, model: RankModel, day: dt.date, papers: Sequence[Paper]) -> None:
        """Save the rows of ``day``'s papers for a later week's page; drop those of the days before the
        last :data:`ROW_DAYS`. A cache: a failure is no failure of the run."""
        if self.latest is None or (self.latest - day).days >= ROW_DAYS:
            return  # a rebuild's older days: no later run's week holds them
        folder = self.cache / "rows"
        try:
            keys = [text_key(paper_text(p.title, p.abstract)) for p in papers]
            save_rows(folder / f"{day.isoformat()}.npz", self.corpus_key, keys, model.vectors(papers))
            for path in folder.glob("*.npz"):
                if (self.latest - _day_of(path.stem)).days >= ROW_DAYS:
                    path.unlink(missing_ok=True)
        except (OSError, ValueError) as e:
            log.debug("For you: the day's rows are not kept: %s", e)

    def attach(self, digest: Digest) -> Digest:
        """``digest`` with its For-you part and, for ``rank.order: relevance``, its pages reordered."""
        for_you = self.for_you(digest)
        if for_you is None:
            return digest
        out = replace(digest, for_you=for_you)
        if self.config.rank.order is RankOrder.RELEVANCE:
            out = by_relevance(self.config, out, for_you.scores)
        return out


def _day_of(name: str) -> dt.date:
    """The day a kept rows file is named for; a name that is no day counts as long past (it goes)."""
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return dt.date.min


def _ordered(papers: Sequence[Paper], scores: Mapping[str, float]) -> list[Paper]:
    # Best first; a tie keeps the page's own order (Python's sort is stable).
    return sorted(papers, key=lambda p: -scores.get(p.id, float("-inf")))


def by_relevance(config: Config, digest: Digest, scores: Mapping[str, float]) -> Digest:
    """The digest's topic and category pages by the reader's score; the reference-compatible pages
    (``match: substring``) keep the reference's order."""
    topics = tuple(
        t if t.topic.match is MatchMode.SUBSTRING else TopicDigest(t.topic, tuple(_ordered(t.papers, scores)))
        for t in digest.topics
    )
    categories = digest.categories
    if config.match is not MatchMode.SUBSTRING:
        categories = tuple(replace(c, listings=_by_paper(c.listings, scores)) for c in digest.categories)
    return replace(digest, topics=topics, categories=categories)


def _by_paper(listings: Sequence[Listing], scores: Mapping[str, float]) -> tuple[Listing, ...]:
    by_id = {item.paper.id: item for item in listings}
    return tuple(by_id[p.id] for p in _ordered([item.paper for item in listings], scores))


def configured_library(
    config: Config, out_dir: Path, store: Store, client: PoliteClient | None = None
) -> Library | None:
    """The reader's ``library:`` as read for this run (jobs/_library.py), None without one."""
    if config.library is None:
        return None
    return load_library(config, out_dir, history_lookup=store.latest_announcement, client=client)


def ranker_for(
    config: Config,
    out_dir: Path,
    store: Store,
    library: Library | None = None,
    *,
    client: PoliteClient | None = None,
) -> Ranker | None:
    """The run's ranker: None without a library, or with ``rank.top: 0`` (ranking off)."""
    if config.rank.top == 0:
        return None
    if library is None:
        library = configured_library(config, out_dir, store, client)
    if library is None:
        return None
    return Ranker(config, out_dir, library)
