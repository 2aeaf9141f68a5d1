"""config.yml -> a validated, frozen :class:`Config` (the rules are in docs/configuration.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from ..errors import ConfigError
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
    safe_slug,
)
from ._notify import notify_settings
from ._yaml import Path_, _load_yaml
from .model import DEFAULT_INCLUDE, ArxivSettings, CategorySpec, Config, MatchMode, Order, Topic


def parse_config(
    text: str, *, file: str = "config.yml", base_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> Config:
    """Validate config text. ``file`` is only used in messages; ``base_dir`` resolves relative paths."""
    env = os.environ if env is None else env
    data, loc = _load_yaml(text, file)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise loc.error((), "the top level must be a mapping with `category:` and `topic:`")
    _check_keys(data, _TOP_KEYS, (), loc)
    taxonomy = load_taxonomy()

    # categories ------------------------------------------------------------------------------------
    cats = data.get("category")
    if not isinstance(cats, dict) or not cats:
        raise loc.error(
            ("category",), "needs at least one arXiv category, e.g. `cs.CL: Computation and Language`"
        )
    categories: list[CategorySpec] = []
    seen_slugs: dict[str, str] = {}
    for code, display in cats.items():
        path: Path_ = ("category", code)
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
        categories.append(
            CategorySpec(code=code, display=str(display).strip() or taxonomy.name(code), slug=slug)
        )

    # global options --------------------------------------------------------------------------------
    match = _enum(data["match"], MatchMode, ("match",), loc) if "match" in data else MatchMode.WORD
    explicit_order = _enum(data["order"], Order, ("order",), loc) if "order" in data else None
    explicit_mark = _bool(data["mark_updates"], ("mark_updates",), loc) if "mark_updates" in data else None
    include = _include(data["include"], ("include",), loc) if "include" in data else DEFAULT_INCLUDE
    max_authors = (
        _number(data["max_authors"], ("max_authors",), loc, kind=int, minimum=1)
        if "max_authors" in data
        else 6
    )
    max_page_bytes = (
        _number(data["max_page_bytes"], ("max_page_bytes",), loc, kind=int, minimum=10_000)
        if "max_page_bytes" in data
        else 500_000
    )
    repo = data.get("repo")
    if repo is not None and (not isinstance(repo, str) or not _REPO_RE.match(repo)):
        raise loc.error(("repo",), f"must be `owner/name` of a GitHub repository, not {repo!r}")
    title = data.get("title", "Daily arXiv Digest")
    if not isinstance(title, str) or not title.strip():
        raise loc.error(("title",), "must be a non-empty string")
    templates_dir = None
    if data.get("templates") is not None:
        if not isinstance(data["templates"], str):
            raise loc.error(("templates",), "must be a folder path")
        templates_dir = Path(data["templates"])
        if not templates_dir.is_absolute() and base_dir is not None:
            templates_dir = base_dir / templates_dir
        if not templates_dir.is_dir():
            raise loc.error(("templates",), f"folder {str(templates_dir)!r} does not exist")
    arxiv = _arxiv_settings(data.get("arxiv"), loc, env)
    # The static site and its feeds (issue #4).
    site = _bool(data["site"], ("site",), loc) if "site" in data else True
    feed_days = (
        _number(data["feed_days"], ("feed_days",), loc, kind=int, minimum=1) if "feed_days" in data else 7
    )
    site_url = None
    if data.get("site_url") is not None:
        site_url = _url(data["site_url"], ("site_url",), loc).rstrip("/") + "/"

    def resolved_order(topic_match: MatchMode, topic_order: Order | None) -> Order:
        # `match: substring` is the reference's compatibility mode: its rule *and* its page order.
        if topic_order is not None:
            return topic_order
        if explicit_order is not None:
            return explicit_order
        return Order.REFERENCE if topic_match is MatchMode.SUBSTRING else Order.NEWEST

    def resolved_mark(topic_match: MatchMode, topic_mark: bool | None) -> bool:
        if topic_mark is not None:
            return topic_mark
        if explicit_mark is not None:
            return explicit_mark
        return topic_match is not MatchMode.SUBSTRING

    # topics ----------------------------------------------------------------------------------------
    raw_topics = data.get("topic")
    if raw_topics is None:
        raw_topics = {}
    if not isinstance(raw_topics, dict):
        raise loc.error(("topic",), "must be a mapping of topic names to keywords/filters")
    topics: list[Topic] = []
    topic_slugs: dict[str, str] = {}
    for name, spec in raw_topics.items():
        path = ("topic", name)
        if not name.strip():
            raise loc.error(path, "a topic needs a name")
        slug = safe_slug(name)
        if not slug:
            raise loc.error(path, f"topic name {name!r} has no letter or digit to name its page after")
        if slug.lower() in topic_slugs:
            raise loc.error(
                path,
                f"topic {name!r} would share its page {slug}.md with "
                f"{topic_slugs[slug.lower()]!r}; rename one",
            )
        topic_slugs[slug.lower()] = name
        if not isinstance(spec, dict):
            raise loc.error(
                path,
                "must be a mapping with `keywords:` (and optionally `filters:`)",
                hint=f"{name}:\n    keywords:\n      - some keyword",
            )
        _check_keys(spec, _TOPIC_KEYS, path, loc)
        has_other = any(spec.get(k) for k in ("query", "authors"))
        keywords = _keyword_items(spec.get("keywords"), (*path, "keywords"), loc, required=not has_other)
        query_text, query_tree = _topic_query(spec.get("query"), (*path, "query"), loc)
        topic_categories = _topic_categories(spec.get("categories"), (*path, "categories"), loc)
        authors = _topic_authors(spec.get("authors"), (*path, "authors"), loc)
        filters = _keyword_items(spec.get("filters"), (*path, "filters"), loc, required=False)
        topic_match = _enum(spec["match"], MatchMode, (*path, "match"), loc) if "match" in spec else match
        topic_order = _enum(spec["order"], Order, (*path, "order"), loc) if "order" in spec else None
        topic_mark = (
            _bool(spec["mark_updates"], (*path, "mark_updates"), loc) if "mark_updates" in spec else None
        )
        topic_include = _include(spec["include"], (*path, "include"), loc) if "include" in spec else include
        topics.append(
            Topic(
                name=name,
                slug=slug,
                keywords=keywords,
                filters=filters,
                match=topic_match,
                order=resolved_order(topic_match, topic_order),
                mark_updates=resolved_mark(topic_match, topic_mark),
                include=topic_include,
                line=loc.line(path),
                query=query_text,
                query_tree=query_tree,
                categories=topic_categories,
                authors=authors,
            )
        )

    return Config(
        categories=tuple(categories),
        topics=tuple(topics),
        match=match,
        order=resolved_order(match, None),
        mark_updates=resolved_mark(match, None),
        max_authors=max_authors,
        repo=repo,
        include=include,
        title=title.strip(),
        templates_dir=templates_dir,
        max_page_bytes=max_page_bytes,
        arxiv=arxiv,
        site=site,
        feed_days=feed_days,
        site_url=site_url,
        notify=notify_settings(data.get("notify"), loc, env, [t.name for t in topics]),
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
