"""Validators for configuration values: each takes the value, its key path and the positions, and
returns the typed value or raises a ConfigError naming the file, line and key."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from ..errors import ConfigError
from ..match.ast import Node
from ..match.query import parse_query
from ..models import AnnounceType
from ..taxonomy import load_taxonomy
from ._yaml import Path_, _key_text, _Located
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


def _check_keys(value: Mapping[str, Any], allowed: set[str], path: Path_, loc: _Located) -> None:
    unknown = [key for key in value if key not in allowed]
    if not unknown:
        return
    key = unknown[0]
    if str(key).lower() in _SECRET_KEYS:
        hint = (
            "secrets stay out of config.yml: the SMTP password comes only from the environment variable "
            "ARXIV_DIGEST_SMTP_PASSWORD (a GitHub Actions secret in the workflow); remove this key"
        )
    else:
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
    if len(unknown) > 1:
        hint += f" (also unknown here: {', '.join(repr(str(k)) for k in unknown[1:])})"
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
            kw[key] = _url(value[key], (*path, key), loc)
    for key, (kind, minimum) in _ARXIV_NUMBERS.items():
        if key in value:
            kw[key] = _number(value[key], (*path, key), loc, kind=kind, minimum=minimum)
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
