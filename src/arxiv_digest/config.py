"""config.yml -> a validated, frozen :class:`Config`. Every error names the file, the line and the key.

The reference's ``config.yml`` loads unchanged: ``category:`` maps codes to display names, ``topic:`` maps
names to ``keywords:`` (a string, or a list of strings meaning AND) and ``filters:`` (empty, or the same
shapes). Everything else is optional and documented in ``docs/configuration.md``.

YAML is read with PyYAML's *safe* loader, so a ``!!python/...`` tag is a configuration error, never code.
Unknown keys are errors too: a typo must not silently turn a feature off.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from .errors import ConfigError
from .match.ast import Node
from .match.query import parse_query
from .models import AnnounceType
from .taxonomy import load_taxonomy

DEFAULT_RSS_URL = "https://rss.arxiv.org/rss/"
DEFAULT_API_URL = "https://export.arxiv.org/api/query"
DEFAULT_OAI_URL = "https://oaipmh.arxiv.org/oai"
#: arXiv's API terms of use: "no more than one request every three seconds".
DEFAULT_DELAY_SECONDS = 3.0

ENV_OVERRIDES = {
    "rss_url": "ARXIV_DIGEST_RSS_URL",
    "api_url": "ARXIV_DIGEST_API_URL",
    "oai_url": "ARXIV_DIGEST_OAI_URL",
    "delay_seconds": "ARXIV_DIGEST_DELAY_SECONDS",
}

DEFAULT_INCLUDE = frozenset({AnnounceType.NEW, AnnounceType.CROSS, AnnounceType.REPLACE})


E = TypeVar("E", bound=StrEnum)


class MatchMode(StrEnum):
    WORD = "word"
    SUBSTRING = "substring"


class Order(StrEnum):
    NEWEST = "newest"  # arXiv id, newest first (the seed's order)
    REFERENCE = "reference"  # the reference's late-2025 order: category list, then id, both descending


@dataclass(frozen=True, slots=True)
class ArxivSettings:
    rss_url: str = DEFAULT_RSS_URL
    api_url: str = DEFAULT_API_URL
    oai_url: str = DEFAULT_OAI_URL
    delay_seconds: float = DEFAULT_DELAY_SECONDS
    timeout_seconds: float = 60.0
    max_retries: int = 4
    max_retry_after_seconds: float = 600.0
    max_body_bytes: int = 50 * 1024 * 1024
    contact: str | None = None


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    display: str
    slug: str


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    keywords: tuple[tuple[str, ...], ...]  # each item an AND group; a plain keyword is a 1-tuple
    filters: tuple[tuple[str, ...], ...]
    match: MatchMode
    order: Order
    mark_updates: bool
    include: frozenset[AnnounceType]
    line: int | None = None
    query: str | None = None
    query_tree: Node | None = None
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    categories: tuple[CategorySpec, ...]
    topics: tuple[Topic, ...]
    match: MatchMode = MatchMode.WORD
    order: Order = Order.NEWEST
    mark_updates: bool = True
    max_authors: int = 6
    repo: str | None = None
    include: frozenset[AnnounceType] = DEFAULT_INCLUDE
    title: str = "Daily arXiv Digest"
    templates_dir: Path | None = None
    max_page_bytes: int = 500_000
    arxiv: ArxivSettings = field(default_factory=ArxivSettings)
    path: Path | None = None

    @property
    def category_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)

    def category(self, code: str) -> CategorySpec:
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)


# ---------------------------------------------------------------------------------------------------
# YAML with positions


Path_ = tuple[str | int, ...]


class _Located:
    """The parsed YAML plus, for every key path, the line it was written on and its raw scalar text."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.raw: dict[Path_, str] = {}

    def line(self, path: Path_) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(self, path: Path_, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(
            message, path=self.file, line=self.line(path), key=_key_text(path) or None, hint=hint
        )


def _key_text(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _load_yaml(text: str, file: str) -> tuple[Any, _Located]:
    loc = _Located(file)
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None, loc
            value = _construct(loader, root, (), loc)
        finally:
            loader.dispose()
    except ConfigError:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        problem = e.problem or "invalid YAML"
        if "python/" in str(e):
            problem = "unsafe YAML tag (only plain YAML is accepted)"
        raise ConfigError(
            f"{problem}",
            path=file,
            line=line,
            hint="config.yml is plain YAML: mappings, lists, strings and numbers",
        ) from e
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", path=file) from e
    return value, loc


_PLAIN_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)
_PLAIN_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


def _construct(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, loc: _Located) -> Any:
    loc.lines.setdefault(path, node.start_mark.line + 1)
    # Lists and mappings are built here, not by PyYAML, so their tags must be checked here: otherwise
    # `- !!python/object/apply:os.system [cmd]` would pass as the keyword "cmd" (never run, but accepted).
    plain = _PLAIN_SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else _PLAIN_COLLECTION_TAGS
    if node.tag not in plain:
        raise ConfigError(
            f"unsafe YAML tag {node.tag!r} (only plain YAML is accepted)",
            path=loc.file,
            line=node.start_mark.line + 1,
            key=_key_text(path) or None,
            hint="config.yml is plain YAML: mappings, lists, strings and numbers",
        )
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float):
                raise loc.error(path, f"a key must be a plain string, not {type(key).__name__}")
            key = str(key)
            if key in out:
                raise ConfigError(
                    f"duplicate key {key!r}",
                    path=loc.file,
                    line=key_node.start_mark.line + 1,
                    key=_key_text((*path, key)),
                )
            loc.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, (*path, key), loc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*path, i), loc) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    loc.raw[path] = node.value
    return loader.construct_object(node, deep=True)


# ---------------------------------------------------------------------------------------------------
# validation

_TOP_KEYS = {
    "category",
    "topic",
    "match",
    "order",
    "mark_updates",
    "max_authors",
    "repo",
    "include",
    "title",
    "templates",
    "max_page_bytes",
    "arxiv",
}
_TOPIC_KEYS = {
    "keywords",
    "filters",
    "query",
    "categories",
    "authors",
    "match",
    "order",
    "mark_updates",
    "include",
}
_ARXIV_KEYS = {
    "rss_url",
    "api_url",
    "oai_url",
    "delay_seconds",
    "timeout_seconds",
    "max_retries",
    "max_retry_after_seconds",
    "max_body_bytes",
    "contact",
}
_REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


def _check_keys(value: Mapping[str, Any], allowed: set[str], path: Path_, loc: _Located) -> None:
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
            raise loc.error((*path, key), "unknown key", hint=hint)


def safe_slug(name: str) -> str:
    """A file stem for a topic or category name that cannot leave its folder (``../../x`` -> ``x``)."""
    slug = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._-")
    return slug


def _enum(value: Any, enum: type[E], path: Path_, loc: _Located) -> E:
    try:
        return enum(value)
    except ValueError:
        choices = " | ".join(e.value for e in enum)
        raise loc.error(path, f"must be one of {choices}, not {value!r}") from None


def _bool(value: Any, path: Path_, loc: _Located) -> bool:
    if not isinstance(value, bool):
        raise loc.error(path, f"must be true or false, not {value!r}")
    return value


def _include(value: Any, path: Path_, loc: _Located) -> frozenset[AnnounceType]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise loc.error(path, "must be a list of announce types (new, cross, replace, replace-cross)")
    out = set()
    for i, item in enumerate(value):
        out.add(_enum(item, AnnounceType, (*path, i), loc))
    return frozenset(out)


def _keyword_items(value: Any, path: Path_, loc: _Located, *, required: bool) -> tuple[tuple[str, ...], ...]:
    if value is None:
        if required:
            raise loc.error(path, "needs at least one keyword", hint="keywords:\n    - LLM")
        return ()
    if not isinstance(value, list):
        value = [value]
        single = True
    else:
        single = False
    items: list[tuple[str, ...]] = []
    for i, item in enumerate(value):
        item_path = path if single else (*path, i)
        if isinstance(item, list):
            if not item:
                raise loc.error(item_path, "an AND group needs at least one keyword")
            group = tuple(_keyword_text(sub, (*item_path, j), loc) for j, sub in enumerate(item))
            items.append(group)
        else:
            items.append((_keyword_text(item, item_path, loc),))
    if required and not items:
        raise loc.error(path, "needs at least one keyword")
    return tuple(items)


def _keyword_text(value: Any, path: Path_, loc: _Located) -> str:
    if isinstance(value, dict | list) or value is None:
        raise loc.error(path, "a keyword must be a word or phrase")
    # The raw scalar text: `yes` stays "yes", `1e5` stays "1e5" (YAML would turn them into bool/float).
    text = loc.raw.get(path, str(value)).strip()
    if not text:
        raise loc.error(path, "empty keyword")
    if not re.search(r"\w", text):
        raise loc.error(path, f"keyword {text!r} has no letter or digit, so it can never match a word")
    return text


def _topic_query(value: Any, path: Path_, loc: _Located) -> tuple[str | None, Node | None]:
    if value is None:
        return None, None
    if not isinstance(value, str) or not value.strip():
        raise loc.error(path, "must be a query string, e.g. 'ti:\"vision language model\" OR abs:VLM'")
    # A QuerySyntaxError (exit 2) names the file, line and key, and draws a caret under the fault.
    return value, parse_query(value, context=f"{loc.file}:{loc.line(path)}: {_key_text(path)}")


def _topic_categories(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise loc.error(path, "must be a list of arXiv categories")
    taxonomy = load_taxonomy()
    out = []
    for i, code in enumerate(value):
        if not isinstance(code, str) or not (taxonomy.is_known(code.rstrip("*")) or code.endswith("*")):
            suggestion = taxonomy.suggest(str(code))
            raise loc.error(
                (*path, i),
                f"unknown arXiv category {code!r}",
                hint=f"did you mean {suggestion!r}?" if suggestion else None,
            )
        out.append(code)
    return tuple(out)


def _topic_authors(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise loc.error(path, "must be a list of author names")
    out = []
    for i, name in enumerate(value):
        if not isinstance(name, str) or not re.search(r"[^\W_]", name):
            raise loc.error((*path, i), 'an author must be a name, e.g. "Geoffrey Hinton"')
        if '"' in name:
            raise loc.error((*path, i), "an author name cannot contain a double quote")
        out.append(" ".join(name.split()))
    return tuple(out)


def _number(value: Any, path: Path_, loc: _Located, *, kind: type, minimum: float) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (kind is int and not isinstance(value, int))
        or not math.isfinite(value)  # .nan would compare as "not below the minimum", .inf never ends
    ):
        raise loc.error(path, f"must be {'an integer' if kind is int else 'a number'}, not {value!r}")
    if value < minimum:
        raise loc.error(path, f"must be at least {minimum}, not {value!r}")
    return kind(value)


def _url(value: Any, path: Path_, loc: _Located) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value):
        raise loc.error(path, f"must be an http(s) URL, not {value!r}")
    return value


def _arxiv_settings(value: Any, loc: _Located, env: Mapping[str, str]) -> ArxivSettings:
    path: Path_ = ("arxiv",)
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise loc.error(path, "must be a mapping (rss_url, api_url, oai_url, delay_seconds ...)")
    _check_keys(value, _ARXIV_KEYS, path, loc)
    kw: dict[str, Any] = {}
    for key in ("rss_url", "api_url", "oai_url"):
        if key in value:
            kw[key] = _url(value[key], (*path, key), loc)
    if "delay_seconds" in value:
        kw["delay_seconds"] = _number(
            value["delay_seconds"], (*path, "delay_seconds"), loc, kind=float, minimum=0
        )
    if "timeout_seconds" in value:
        kw["timeout_seconds"] = _number(
            value["timeout_seconds"], (*path, "timeout_seconds"), loc, kind=float, minimum=1
        )
    if "max_retries" in value:
        kw["max_retries"] = _number(value["max_retries"], (*path, "max_retries"), loc, kind=int, minimum=0)
    if "max_retry_after_seconds" in value:
        kw["max_retry_after_seconds"] = _number(
            value["max_retry_after_seconds"], (*path, "max_retry_after_seconds"), loc, kind=float, minimum=0
        )
    if "max_body_bytes" in value:
        kw["max_body_bytes"] = _number(
            value["max_body_bytes"], (*path, "max_body_bytes"), loc, kind=int, minimum=1024
        )
    if "contact" in value:
        if not isinstance(value["contact"], str):
            raise loc.error((*path, "contact"), "must be a URL or e-mail address")
        kw["contact"] = value["contact"]
    # The environment wins over the file, so CI and tests can point the same config elsewhere.
    for key, var in ENV_OVERRIDES.items():
        if env.get(var):
            raw = env[var]
            if key == "delay_seconds":
                try:
                    kw[key] = float(raw)
                    if not math.isfinite(kw[key]) or kw[key] < 0:  # "nan" would skip every wait
                        raise ValueError
                except ValueError:
                    raise ConfigError(
                        f"must be a non-negative number of seconds, not {raw!r}",
                        path=f"environment variable {var}",
                    ) from None
            else:
                if not re.match(r"^https?://[^\s/]+", raw):
                    raise ConfigError(
                        f"must be an http(s) URL, not {raw!r}", path=f"environment variable {var}"
                    )
                kw[key] = raw
    return ArxivSettings(**kw)


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
    from dataclasses import replace

    return replace(config, path=path)
