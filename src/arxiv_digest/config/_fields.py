"""Validators for configuration values: each takes the value, its key path and the positions, and
returns the typed value or raises a ConfigError naming the file, line and key."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from ..errors import ConfigError, QuerySyntaxError
from ..match.ast import Node
from ..match.query import parse_query
from ..models import AnnounceType
from ..taxonomy import load_taxonomy
from ._yaml import Path_, _Located
from .model import ENV_OVERRIDES, ArxivSettings

E = TypeVar("E", bound=StrEnum)

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
    "notify",
    "site",
    "feed_days",
    "site_url",
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


#: Keys people write where a secret would be: the secret comes from the environment, never the file.
_SECRET_KEYS = {"password", "pass", "smtp_password", "token", "secret"}


def _check_keys(value: Mapping[str, Any], allowed: set[str], path: Path_, loc: _Located) -> set[str]:
    """Report each unknown key (at its own line); the known keys are still checked after this. Returns
    the known keys suggested for a misspelt one: their absence is then no second error."""
    suggested: set[str] = set()
    for key in value:
        if key in allowed:
            continue
        if str(key).lower() in _SECRET_KEYS:
            hint = (
                "secrets stay out of config.yml: the SMTP password comes only from the environment "
                "variable ARXIV_DIGEST_SMTP_PASSWORD (a GitHub Actions secret in the workflow); remove "
                "this key"
            )
        else:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
            suggested.update(close)
        loc.report(loc.error((*path, key), "unknown key", hint=hint))
    return suggested


def safe_slug(name: str) -> str:
    """A file stem for a topic or category name that cannot leave its folder (``../../x`` -> ``x``)."""
    slug = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._-")
    return slug


#: The longest file name most file systems take (ext4, XFS, Btrfs, APFS: 255 bytes; NTFS 255 UTF-16 units).
NAME_MAX_BYTES = 255
#: What a page's name adds to its slug: the part suffix of a split page (``-99999``), the longest extension
#: (``.html``) and the temporary name of an atomic write (``.<name>.<pid>.tmp``, a pid up to 7 digits).
_NAME_DECORATION_BYTES = len("-99999") + len(".html") + len("..4194304.tmp")
#: The longest slug (UTF-8 bytes) a topic's pages can be named after on every such file system.
MAX_SLUG_BYTES = NAME_MAX_BYTES - _NAME_DECORATION_BYTES


def check_slug_length(slug: str, what: str, path: Path_, loc: _Located) -> None:
    """A name whose files the file system would refuse is a config error now, not a failure mid-run."""
    size = len(slug.encode("utf-8"))
    if size > MAX_SLUG_BYTES:
        raise loc.error(
            path,
            f"{what} is too long to name a file after: its file name {slug[:40]}… takes {size} bytes, "
            f"and file systems allow {NAME_MAX_BYTES} (at most {MAX_SLUG_BYTES} for the name itself, "
            "leaving room for the page's part number and extension)",
            hint="use a shorter name",
        )


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
        with loc.collect():
            out.add(_enum(item, AnnounceType, (*path, i), loc))
    return frozenset(out)


def _keyword_items(value: Any, path: Path_, loc: _Located) -> tuple[tuple[str, ...], ...]:
    """A keyword list (``None`` for none); each bad item is reported, the others are kept."""
    if value is None:
        return ()
    single = not isinstance(value, list)
    items: list[tuple[str, ...]] = []
    for i, item in enumerate([value] if single else value):
        item_path = path if single else (*path, i)
        with loc.collect():
            if isinstance(item, list):
                if not item:
                    raise loc.error(item_path, "an AND group needs at least one keyword")
                group = []
                for j, sub in enumerate(item):
                    with loc.collect():
                        group.append(_keyword_text(sub, (*item_path, j), loc))
                items.append(tuple(group))
            else:
                items.append((_keyword_text(item, item_path, loc),))
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
    try:
        return value, parse_query(value, check_categories=True)
    except QuerySyntaxError as e:  # the file, line and key, then the query with a caret under the fault
        raise loc.error(path, str(QuerySyntaxError(e.query, e.position, e.expected))) from None


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
            loc.report(
                loc.error(
                    (*path, i),
                    f"unknown arXiv category {code!r}",
                    hint=f"did you mean {suggestion!r}?" if suggestion else None,
                )
            )
            continue
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
            loc.report(loc.error((*path, i), 'an author must be a name, e.g. "Geoffrey Hinton"'))
        elif '"' in name:
            loc.report(loc.error((*path, i), "an author name cannot contain a double quote"))
        else:
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


#: The numeric keys of `arxiv:`, with their type and smallest allowed value.
_ARXIV_NUMBERS: dict[str, tuple[type, float]] = {
    "delay_seconds": (float, 0),
    "timeout_seconds": (float, 1),
    "max_retries": (int, 0),
    "max_retry_after_seconds": (float, 0),
    "max_body_bytes": (int, 1024),
}


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
            with loc.collect():
                kw[key] = _url(value[key], (*path, key), loc)
    for key, (kind, minimum) in _ARXIV_NUMBERS.items():
        if key in value:
            with loc.collect():
                kw[key] = _number(value[key], (*path, key), loc, kind=kind, minimum=minimum)
    if "contact" in value:
        if not isinstance(value["contact"], str):
            loc.report(loc.error((*path, "contact"), "must be a URL or e-mail address"))
        else:
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
