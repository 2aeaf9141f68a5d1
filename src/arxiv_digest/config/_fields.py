"""The checks of configuration values (``_schema.Check``): each takes the value, its key path and the file
being read, and returns the typed value or raises a ConfigError naming the file, line and key. The generic
ones are factories (``integer(minimum=1)``, ``each(check, what)``); the others are the rules of one kind
of value."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ConfigError, QuerySyntaxError
from ..models import AnnounceType
from ..query.ast import Node
from ..query.parse import parse_query
from ..taxonomy import load_taxonomy
from ._schema import Check
from ._yaml import Path_, _Located

E = TypeVar("E", bound=StrEnum)
_URL = re.compile(r"^https?://[^\s/]+")
_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


def optional(check: Check) -> Check:
    """``key: ~`` (or ``key:`` with nothing after it) is the setting's default: none."""
    return lambda value, path, loc: None if value is None else check(value, path, loc)


def each(check: Check, what: str) -> Check:
    """A list whose items ``check`` reads, each on its own (``key: ~`` is an empty list)."""

    def check_list(value: Any, path: Path_, loc: _Located) -> tuple[Any, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise loc.error(path, f"must be a list of {what}")
        out = []
        for i, item in enumerate(value):
            with loc.collect():
                out.append(check(item, (*path, i), loc))
        return tuple(out)

    return check_list


def _number(value: Any, path: Path_, loc: _Located, kind: type, minimum: float, maximum: float | None) -> Any:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (kind is int and not isinstance(value, int))
        or not math.isfinite(value)  # .nan would compare as "not below the minimum", .inf never ends
    ):
        raise loc.error(path, f"must be {'an integer' if kind is int else 'a number'}, not {value!r}")
    if value < minimum:
        raise loc.error(path, f"must be at least {minimum}, not {value!r}")
    if maximum is not None and value > maximum:
        raise loc.error(path, f"must be at most {maximum}, not {value!r}")
    return kind(value)


def integer(minimum: int, maximum: int | None = None) -> Check:
    return lambda value, path, loc: _number(value, path, loc, int, minimum, maximum)


def number(minimum: float) -> Check:
    return lambda value, path, loc: _number(value, path, loc, float, minimum, None)


def boolean(value: Any, path: Path_, loc: _Located) -> bool:
    if not isinstance(value, bool):
        raise loc.error(path, f"must be true or false, not {value!r}")
    return value


def choice(enum: type[E]) -> Callable[[Any, Path_, _Located], E]:
    def check(value: Any, path: Path_, loc: _Located) -> E:
        try:
            return enum(value)
        except ValueError:
            choices = " | ".join(e.value for e in enum)
            raise loc.error(path, f"must be one of {choices}, not {value!r}") from None

    return check


def url(value: Any, path: Path_, loc: _Located) -> str:
    if not isinstance(value, str) or not _URL.match(value):
        raise loc.error(path, f"must be an http(s) URL, not {value!r}")
    return value


def site_url(value: Any, path: Path_, loc: _Located) -> str:
    return url(value, path, loc).rstrip("/") + "/"  # so that a page's address is the URL joined to it


def contact(value: Any, path: Path_, loc: _Located) -> str:
    if not isinstance(value, str):
        raise loc.error(path, "must be a URL or e-mail address")
    return value


def repo(value: Any, path: Path_, loc: _Located) -> str:
    if not isinstance(value, str) or not _REPO.match(value):
        raise loc.error(path, f"must be `owner/name` of a GitHub repository, not {value!r}")
    return value


def title(value: Any, path: Path_, loc: _Located) -> str:
    if not isinstance(value, str) or not value.strip():
        raise loc.error(path, "must be a non-empty string")
    return value.strip()


def folder(value: Any, path: Path_, loc: _Located) -> Path:
    """An existing folder; a relative path is relative to the config file's folder."""
    if not isinstance(value, str):
        raise loc.error(path, "must be a folder path")
    found = Path(value)
    if not found.is_absolute() and loc.base_dir is not None:
        found = loc.base_dir / found
    if not found.is_dir():
        raise loc.error(path, f"folder {str(found)!r} does not exist")
    return found


def env_url(raw: str, var: str) -> str:
    """An environment variable's URL (the environment wins over the file: CI and tests point elsewhere)."""
    if not _URL.match(raw):
        raise ConfigError(f"must be an http(s) URL, not {raw!r}", path=f"environment variable {var}")
    return raw


def env_seconds(raw: str, var: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:  # "nan" would skip every wait
        raise ConfigError(
            f"must be a non-negative number of seconds, not {raw!r}", path=f"environment variable {var}"
        )
    return seconds


def items(
    value: Any, path: Path_, loc: _Located, what: str, hint: str | None = None, *, needed: bool = False
) -> list[Any]:
    """A list, or one item written without one (``categories: cs.AI``); ``key: ~`` is none, unless
    ``needed`` (then at least one item)."""
    if value is None and not needed:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or (needed and not value):
        raise loc.error(path, f"must be a list of {what}", hint=hint)
    return value


def include(value: Any, path: Path_, loc: _Located) -> frozenset[AnnounceType]:
    what = "announce types (new, cross, replace, replace-cross)"
    out = set()
    announce_type = choice(AnnounceType)
    for i, item in enumerate(items(value, path, loc, what, needed=True)):
        with loc.collect():
            out.add(announce_type(item, (*path, i), loc))
    return frozenset(out)


def keyword_items(value: Any, path: Path_, loc: _Located) -> tuple[tuple[str, ...], ...]:
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


def topic_query(value: Any, path: Path_, loc: _Located) -> tuple[str, Node]:
    if not isinstance(value, str) or not value.strip():
        raise loc.error(path, "must be a query string, e.g. 'ti:\"vision language model\" OR abs:VLM'")
    try:
        return value, parse_query(value, check_categories=True)
    except QuerySyntaxError as e:  # the file, line and key, then the query with a caret under the fault
        raise loc.error(path, str(QuerySyntaxError(e.query, e.position, e.expected))) from None


def topic_categories(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    taxonomy = load_taxonomy()
    out = []
    for i, code in enumerate(items(value, path, loc, "arXiv categories")):
        if not isinstance(code, str) or not (taxonomy.is_known(code.rstrip("*")) or code.endswith("*")):
            suggestion = taxonomy.suggest(str(code))
            hint = f"did you mean {suggestion!r}?" if suggestion else None
            loc.report(loc.error((*path, i), f"unknown arXiv category {code!r}", hint=hint))
        else:
            out.append(code)
    return tuple(out)


def topic_authors(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    out = []
    for i, name in enumerate(items(value, path, loc, "author names")):
        if not isinstance(name, str) or not re.search(r"[^\W_]", name):
            loc.report(loc.error((*path, i), 'an author must be a name, e.g. "Geoffrey Hinton"'))
        elif '"' in name:
            loc.report(loc.error((*path, i), "an author name cannot contain a double quote"))
        else:
            out.append(" ".join(name.split()))
    return tuple(out)


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
