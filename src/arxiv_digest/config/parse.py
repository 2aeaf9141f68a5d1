"""config.yml -> a validated, frozen :class:`Config` (the rules are in docs/configuration.md).

The settings are read by their fields (``_schema.read_section``); what is written here is what ties keys
together: the categories' table, the topics (whose defaults come from the top level), and the order and
update marks that ``match: substring`` brings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, reason
from ..models import CategorySpec, MatchMode, Order, Topic
from ..taxonomy import load_taxonomy
from . import _fields as checks
from ._schema import Setting, key_table, keys_of, read_section, section
from ._yaml import Path_, _load_yaml, _Located
from .model import ArxivSettings, Config


def parse_config(
    text: str, *, file: str = "config.yml", base_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> Config:
    """Validate config text. ``file`` is only used in messages; ``base_dir`` resolves relative paths.

    Every mistake of the file is reported at once (one :class:`ConfigErrors`, or the single
    :class:`ConfigError`): each check records its error and the pass goes on with the next key. Only a
    value that could not be read at all (an unsafe YAML tag) stops it after the YAML, since what
    follows would be checked against a guess."""
    data, loc = _load_yaml(text, file)
    if loc.has_holes:
        loc.raise_errors()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        loc.report(loc.error((), "the top level must be a mapping with `category:` and `topic:`"))
        loc.raise_errors()
    raw_topics = data.get("topic")
    # Every topic *named* counts for `notify:`, so a topic with a mistake is not reported twice.
    names = [str(n) for n in raw_topics] if isinstance(raw_topics, dict) else []
    loc.env, loc.base_dir, loc.topic_names = os.environ if env is None else env, base_dir, names
    values, misspelt = read_section(keys_of(Config), data, (), loc)
    categories = () if "category" in misspelt else _categories(data.get("category"), loc)
    top = {k: values[k] for k in _INHERITED if k in values}
    topics = _topics(raw_topics, loc, top)
    loc.raise_errors()
    return Config(**(values | _inherited(top)), categories=categories, topics=topics)


def _categories(cats: Any, loc: _Located) -> tuple[CategorySpec, ...]:
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
        return ()
    if not isinstance(cats, dict) or not cats:
        loc.report(loc.error(path, "needs at least one arXiv category (code: display name)", hint=example))
        return ()
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
            slug = checks.safe_slug(code)
            if slug in seen_slugs:
                raise loc.error(path, f"listed twice (also as {seen_slugs[slug]!r})")
            seen_slugs[slug] = code
            # The display name is shown, never a file name (pages are named after the code's slug).
            categories.append(
                CategorySpec(code=code, display=str(display).strip() or taxonomy.name(code), slug=slug)
            )
    return tuple(categories)


#: What a topic takes from the top level unless it says otherwise.
_INHERITED = ("match", "order", "mark_updates", "include")
_DEFAULTS = Config((), ())  # every setting at the default its field gives


def _inherited(given: Mapping[str, Any]) -> dict[str, Any]:
    """The inherited settings: as given (the top level's, then a topic's over them), else the defaults.
    `match: substring` is the reference's compatibility mode: its rule, its page order, no update marks."""
    substring = given.get("match", _DEFAULTS.match) is MatchMode.SUBSTRING
    implied = {"order": Order.REFERENCE, "mark_updates": False} if substring else {}
    return {k: getattr(_DEFAULTS, k) for k in _INHERITED} | implied | dict(given)


#: A topic's keys. None has a default of its own: what a topic leaves out comes from the top level.
TOPIC_KEYS = key_table(
    keywords=Setting(checks.keyword_items),
    filters=Setting(checks.keyword_items),
    query=Setting(checks.optional(checks.topic_query)),
    categories=Setting(checks.topic_categories),
    authors=Setting(checks.topic_authors),
    match=Setting(checks.choice(MatchMode)),
    order=Setting(checks.choice(Order)),
    mark_updates=Setting(checks.boolean),
    include=Setting(checks.include),
)
#: What selects papers; `categories:` only narrows what these select.
_SELECTORS = ("keywords", "query", "authors")


def _topics(raw: Any, loc: _Located, top: dict[str, Any]) -> tuple[Topic, ...]:
    if raw is not None and not isinstance(raw, dict):
        loc.report(loc.error(("topic",), "must be a mapping of topic names to keywords/filters"))
        return ()
    topics: list[Topic] = []
    slugs: dict[str, str] = {}
    for name, spec in (raw or {}).items():
        with loc.collect():
            with loc.part():  # a topic with a mistake is left out, once each mistake is recorded
                topic = _topic(name, spec, loc, top, slugs)
            topics.append(topic)
    return tuple(topics)


def _topic_name(name: str, loc: _Located, slugs: dict[str, str]) -> str:
    """The topic's page name (its slug), checked: non-empty, unique, short enough for a file system."""
    path: Path_ = ("topic", name)
    if not name.strip():
        raise loc.error(path, "a topic needs a name")
    slug = checks.safe_slug(name)
    if not slug:
        raise loc.error(path, f"topic name {name!r} has no letter or digit to name its page after")
    if slug.lower() in slugs:
        raise loc.error(
            path, f"topic {name!r} would share its page {slug}.md with {slugs[slug.lower()]!r}; rename one"
        )
    slugs[slug.lower()] = name
    checks.check_slug_length(slug, "the topic name", path, loc)
    return slug


def _topic(name: str, spec: Any, loc: _Located, top: dict[str, Any], slugs: dict[str, str]) -> Topic:
    """One topic; each of its mistakes is recorded (``_topics`` reads it as a part of the file)."""
    path: Path_ = ("topic", name)
    slug = ""
    with loc.collect():
        slug = _topic_name(name, loc, slugs)
    if not isinstance(spec, dict):
        raise loc.error(
            path,
            "must be a mapping with `keywords:` (and optionally `filters:`)",
            hint=f"{name}:\n    keywords:\n      - some keyword",
        )
    values, misspelt = read_section(TOPIC_KEYS, spec, path, loc)
    if misspelt.intersection(_SELECTORS):
        pass  # `keyword:` is reported with "did you mean 'keywords'?"; no second error for the same slip
    elif not any(k in spec for k in _SELECTORS):
        narrows = " (`categories:` only narrows what those select)" if "categories" in spec else ""
        loc.report(
            loc.error(
                path,
                f"a topic needs `keywords:`, `query:` or `authors:` to select papers{narrows}",
                hint=f"{name}:\n    keywords: [some keyword]",
            )
        )
    elif "keywords" in spec and not spec["keywords"] and not any(spec.get(k) for k in _SELECTORS):
        loc.report(loc.error((*path, "keywords"), "needs at least one keyword", hint="keywords:\n    - LLM"))
    query, query_tree = values.pop("query", None) or (None, None)
    include_given = "include" in values or "include" in top
    inherited = _inherited(top | {k: values.pop(k) for k in _INHERITED if k in values})
    return Topic(
        **({"keywords": (), "filters": ()} | values | inherited),
        name=name,
        slug=slug,
        line=loc.line(path),
        query=query,
        query_tree=query_tree,
        include_given=include_given,
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
        raise ConfigError(f"cannot read: {reason(e)}", path=str(p)) from e
    config = parse_config(text, file=str(p), base_dir=p.parent, env=env)
    return replace(config, path=p)


def arxiv_settings_from_env(env: Mapping[str, str] | None = None) -> ArxivSettings:
    """The ``arxiv:`` settings without a config file: the defaults, with the environment overrides
    (``ARXIV_DIGEST_API_URL`` …) applied, for commands such as ``search --remote``."""
    _, loc = _load_yaml("", "<environment>")
    loc.env = os.environ if env is None else env
    settings: ArxivSettings = section(ArxivSettings)(None, ("arxiv",), loc)
    return settings
