"""config.yml -> a validated, frozen :class:`Config` (the rules are in docs/configuration.md)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigError
from ..models import AnnounceType
from ..taxonomy import load_taxonomy
from ._fields import (
    _REPO_RE,
    _TOP_KEYS,
    _TOPIC_KEYS,
    _arxiv_settings,
    _bool,
    _check_keys,
    _enum,
    _include,
    _keyword_items,
    _number,
    _topic_authors,
    _topic_categories,
    _topic_query,
    _url,
    check_slug_length,
    safe_slug,
)
from ._notify import notify_settings
from ._yaml import Path_, _load_yaml, _Located
from .model import (
    DEFAULT_INCLUDE,
    ArxivSettings,
    CategorySpec,
    Config,
    MatchMode,
    NotifySettings,
    Order,
    Topic,
)

T = TypeVar("T")


def parse_config(
    text: str, *, file: str = "config.yml", base_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> Config:
    """Validate config text. ``file`` is only used in messages; ``base_dir`` resolves relative paths.

    Every mistake of the file is reported at once (one :class:`ConfigErrors`, or the single
    :class:`ConfigError`): each check records its error and the pass goes on with the next key. Only a
    value that could not be read at all (an unsafe YAML tag) stops it after the YAML, since what
    follows would be checked against a guess."""
    env = os.environ if env is None else env
    data, loc = _load_yaml(text, file)
    if loc.has_holes:
        loc.raise_errors()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        loc.report(loc.error((), "the top level must be a mapping with `category:` and `topic:`"))
        loc.raise_errors()
    misspelt = _check_keys(data, _TOP_KEYS, (), loc)
    categories = [] if "category" in misspelt else _categories(data.get("category"), loc)
    defaults = _Defaults(
        match=_option(data, "match", MatchMode.WORD, loc, lambda v, p: _enum(v, MatchMode, p, loc)),
        order=_option(data, "order", None, loc, lambda v, p: _enum(v, Order, p, loc)),
        mark_updates=_option(data, "mark_updates", None, loc, lambda v, p: _bool(v, p, loc)),
        include=_option(data, "include", DEFAULT_INCLUDE, loc, lambda v, p: _include(v, p, loc)),
    )
    options = _options(data, loc, base_dir)
    raw_topics = data.get("topic")
    topics: list[Topic] = []
    if raw_topics is not None and not isinstance(raw_topics, dict):
        loc.report(loc.error(("topic",), "must be a mapping of topic names to keywords/filters"))
    elif raw_topics:
        slugs: dict[str, str] = {}
        for name, spec in raw_topics.items():
            topic = None
            with loc.collect():
                topic = _topic(name, spec, loc, defaults, slugs)
            if topic is not None:
                topics.append(topic)
    arxiv = ArxivSettings()
    with loc.collect():
        arxiv = _arxiv_settings(data.get("arxiv"), loc, env)
    notify = NotifySettings()
    with loc.collect():  # every topic *named* counts, so a topic with a mistake is not reported twice
        notify = notify_settings(data.get("notify"), loc, env, [str(n) for n in raw_topics or ()])
    loc.raise_errors()
    return Config(
        categories=tuple(categories),
        topics=tuple(topics),
        match=defaults.match,
        order=defaults.resolved_order(defaults.match, None),
        mark_updates=defaults.resolved_mark(defaults.match, None),
        include=defaults.include,
        arxiv=arxiv,
        notify=notify,
        **options,
    )


def _option(
    data: Mapping[str, Any], key: str, default: T, loc: _Located, check: Callable[[Any, Path_], T]
) -> T:
    """``data[key]`` checked, or ``default`` when it is absent or wrong (the error is recorded)."""
    if key in data:
        with loc.collect():
            return check(data[key], (key,))
    return default


def _categories(cats: Any, loc: _Located) -> list[CategorySpec]:
    path: Path_ = ("category",)
    example = "category:\n  cs.CL: Computation and Language"
    if isinstance(cats, list):
        loc.report(
            loc.error(
                path,
                "must be a mapping of arXiv codes to display names (code: display name), not a list",
                hint=example + "\n  cs.AI: Artificial Intelligence   (an empty name takes arXiv's own)",
            )
        )
        return []
    if not isinstance(cats, dict) or not cats:
        loc.report(loc.error(path, "needs at least one arXiv category (code: display name)", hint=example))
        return []
    taxonomy = load_taxonomy()
    categories: list[CategorySpec] = []
    seen_slugs: dict[str, str] = {}
    for code, display in cats.items():
        path = ("category", code)
        with loc.collect():
            if not taxonomy.is_known(code):
                suggestion = taxonomy.suggest(code)
                raise loc.error(
                    path,
                    f"unknown arXiv category {code!r}",
                    hint=f"did you mean {suggestion!r}?"
                    if suggestion
                    else "see https://arxiv.org/category_taxonomy",
                )
            if display is None:
                display = taxonomy.name(code)
            if not isinstance(display, str | int | float):
                raise loc.error(path, "the display name must be a string")
            slug = safe_slug(code)
            if slug in seen_slugs:
                raise loc.error(path, f"listed twice (also as {seen_slugs[slug]!r})")
            seen_slugs[slug] = code
            # The display name is shown, never a file name (pages are named after the code's slug).
            categories.append(
                CategorySpec(code=code, display=str(display).strip() or taxonomy.name(code), slug=slug)
            )
    return categories


def _options(data: Mapping[str, Any], loc: _Located, base_dir: Path | None) -> dict[str, Any]:
    """The global settings other than the topics' defaults, as keyword arguments of :class:`Config`."""
    out: dict[str, Any] = {
        "max_authors": _option(
            data, "max_authors", 6, loc, lambda v, p: _number(v, p, loc, kind=int, minimum=1)
        ),
        "max_page_bytes": _option(
            data, "max_page_bytes", 500_000, loc, lambda v, p: _number(v, p, loc, kind=int, minimum=10_000)
        ),
        # The static site and its feeds (issue #4).
        "site": _option(data, "site", True, loc, lambda v, p: _bool(v, p, loc)),
        "feed_days": _option(data, "feed_days", 7, loc, lambda v, p: _number(v, p, loc, kind=int, minimum=1)),
    }
    repo = data.get("repo")
    if repo is not None and (not isinstance(repo, str) or not _REPO_RE.match(repo)):
        loc.report(loc.error(("repo",), f"must be `owner/name` of a GitHub repository, not {repo!r}"))
    else:
        out["repo"] = repo
    title = data.get("title", "Daily arXiv Digest")
    if not isinstance(title, str) or not title.strip():
        loc.report(loc.error(("title",), "must be a non-empty string"))
    else:
        out["title"] = title.strip()
    if data.get("templates") is not None:
        with loc.collect():
            out["templates_dir"] = _templates_dir(data["templates"], loc, base_dir)
    if data.get("site_url") is not None:
        with loc.collect():
            out["site_url"] = _url(data["site_url"], ("site_url",), loc).rstrip("/") + "/"
    return out


def _templates_dir(value: Any, loc: _Located, base_dir: Path | None) -> Path:
    if not isinstance(value, str):
        raise loc.error(("templates",), "must be a folder path")
    templates_dir = Path(value)
    if not templates_dir.is_absolute() and base_dir is not None:
        templates_dir = base_dir / templates_dir
    if not templates_dir.is_dir():
        raise loc.error(("templates",), f"folder {str(templates_dir)!r} does not exist")
    return templates_dir


@dataclass(frozen=True, slots=True)
class _Defaults:
    """What a topic takes from the top level unless it says otherwise."""

    match: MatchMode
    order: Order | None  # None: not set at the top level
    mark_updates: bool | None
    include: frozenset[AnnounceType]

    def resolved_order(self, topic_match: MatchMode, topic_order: Order | None) -> Order:
        # `match: substring` is the reference's compatibility mode: its rule *and* its page order.
        if topic_order is not None:
            return topic_order
        if self.order is not None:
            return self.order
        return Order.REFERENCE if topic_match is MatchMode.SUBSTRING else Order.NEWEST

    def resolved_mark(self, topic_match: MatchMode, topic_mark: bool | None) -> bool:
        if topic_mark is not None:
            return topic_mark
        if self.mark_updates is not None:
            return self.mark_updates
        return topic_match is not MatchMode.SUBSTRING


#: What selects papers; `categories:` only narrows what these select.
_SELECTORS = ("keywords", "query", "authors")


def _topic_name(name: str, loc: _Located, slugs: dict[str, str]) -> str:
    """The topic's page name (its slug), checked: non-empty, unique, short enough for a file system."""
    path: Path_ = ("topic", name)
    if not name.strip():
        raise loc.error(path, "a topic needs a name")
    slug = safe_slug(name)
    if not slug:
        raise loc.error(path, f"topic name {name!r} has no letter or digit to name its page after")
    if slug.lower() in slugs:
        raise loc.error(
            path, f"topic {name!r} would share its page {slug}.md with {slugs[slug.lower()]!r}; rename one"
        )
    slugs[slug.lower()] = name
    check_slug_length(slug, "the topic name", path, loc)
    return slug


def _topic(name: str, spec: Any, loc: _Located, defaults: _Defaults, slugs: dict[str, str]) -> Topic | None:
    """One topic, or None when it has mistakes (each one recorded)."""
    path: Path_ = ("topic", name)
    errors_before = len(loc.errors)
    slug = None
    with loc.collect():
        slug = _topic_name(name, loc, slugs)
    if not isinstance(spec, dict):
        raise loc.error(
            path,
            "must be a mapping with `keywords:` (and optionally `filters:`)",
            hint=f"{name}:\n    keywords:\n      - some keyword",
        )
    misspelt = _check_keys(spec, _TOPIC_KEYS, path, loc)
    if misspelt.intersection(_SELECTORS):
        pass  # `keyword:` is reported with "did you mean 'keywords'?"; no second error for the same slip
    elif not any(spec.get(k) for k in _SELECTORS) and not any(k in spec for k in _SELECTORS):
        loc.report(
            loc.error(
                path,
                "a topic needs `keywords:`, `query:` or `authors:` to select papers"
                + (" (`categories:` only narrows what those select)" if "categories" in spec else ""),
                hint=f"{name}:\n    keywords: [some keyword]",
            )
        )
    elif "keywords" in spec and not spec["keywords"] and not any(spec.get(k) for k in _SELECTORS):
        loc.report(loc.error((*path, "keywords"), "needs at least one keyword", hint="keywords:\n    - LLM"))
    keywords = _keyword_items(spec.get("keywords"), (*path, "keywords"), loc)
    query_text, query_tree = None, None
    with loc.collect():
        query_text, query_tree = _topic_query(spec.get("query"), (*path, "query"), loc)
    topic_categories = _topic_categories(spec.get("categories"), (*path, "categories"), loc)
    authors = _topic_authors(spec.get("authors"), (*path, "authors"), loc)
    filters = _keyword_items(spec.get("filters"), (*path, "filters"), loc)
    topic_match = _option(
        spec, "match", defaults.match, loc, lambda v, _: _enum(v, MatchMode, (*path, "match"), loc)
    )
    topic_order = _option(spec, "order", None, loc, lambda v, _: _enum(v, Order, (*path, "order"), loc))
    topic_mark = _option(spec, "mark_updates", None, loc, lambda v, _: _bool(v, (*path, "mark_updates"), loc))
    topic_include = _option(
        spec, "include", defaults.include, loc, lambda v, _: _include(v, (*path, "include"), loc)
    )
    if len(loc.errors) > errors_before or slug is None:
        return None
    return Topic(
        name=name,
        slug=slug,
        keywords=keywords,
        filters=filters,
        match=topic_match,
        order=defaults.resolved_order(topic_match, topic_order),
        mark_updates=defaults.resolved_mark(topic_match, topic_mark),
        include=topic_include,
        line=loc.line(path),
        query=query_text,
        query_tree=query_tree,
        categories=topic_categories,
        authors=authors,
    )


def load_config(path: str | Path, *, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "file not found", path=str(p), hint="create one with `arxiv-digest init DIR`, or pass --config"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read: {e}", path=str(p)) from e
    config = parse_config(text, file=str(p), base_dir=p.parent, env=env)
    return _with_path(config, p)


def _with_path(config: Config, path: Path) -> Config:

    return replace(config, path=path)


def arxiv_settings_from_env(env: Mapping[str, str] | None = None) -> ArxivSettings:
    """The ``arxiv:`` settings without a config file: the defaults, with the environment overrides
    (``ARXIV_DIGEST_API_URL`` …) applied, for commands such as ``search --remote``."""
    _, loc = _load_yaml("", "<environment>")
    return _arxiv_settings(None, loc, os.environ if env is None else env)
