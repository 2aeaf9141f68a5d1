"""The ``library:`` section (issue #9): the papers the reader likes, and those they do not, for ranking.

Any mix of sources: BibTeX and CSL JSON files (paths relative to config.yml; each must exist), arXiv ids
(with or without a version), a Zotero library through its web API, and ``dislike:`` ids. The files are
read by the job (``jobs/_library.py``), which names a broken entry's file and line; here only what the
file itself says is checked, each mistake at its own line and key.

YAML reads ``2401.01230`` as the number 2401.0123, so an id is taken from the scalar as written, never
from the number PyYAML made of it.

The Zotero key is a secret: it may only be a reference to an environment variable (``"${ZOTERO_API_KEY}"``),
never a literal key in a file that is committed, and no message, ``repr`` or log line repeats its value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..models import parse_arxiv_id
from ._fields import env_url, integer, items, optional, url
from ._notify import _is_loopback
from ._schema import section, setting, settings
from ._yaml import Path_, _Located

#: Zotero's web API (www.zotero.org/support/dev/web_api/v3/basics).
DEFAULT_ZOTERO_URL = "https://api.zotero.org"
ZOTERO_URL_ENV = "ARXIV_DIGEST_ZOTERO_URL"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Zotero's object keys: eight characters of its alphabet (digits and capitals, without 0, 1 and O).
_ZOTERO_KEY = re.compile(r"^[23456789ABCDEFGHIJKLMNPQRSTUVWXYZ]{8}$")
T = TypeVar("T")
_SECRET_HINT = (
    'write `key: "${ZOTERO_API_KEY}"` and set that variable (a GitHub Actions secret mapped in the '
    "workflow's `env:`; when running by hand, export it)"
)


def _distinct(
    value: Any, listed: list[Any], path: Path_, loc: _Located, read: Callable[[Any, Path_], T]
) -> tuple[T, ...]:
    """What ``read(item, where)`` makes of each of ``listed`` (the items of ``value``), each written once,
    in order; each bad item is reported at its own key, the others are kept."""
    out: list[T] = []
    for i, item in enumerate(listed):
        where = (*path, i) if isinstance(value, list) else path
        with loc.collect():
            found = read(item, where)
            if found not in out:
                out.append(found)
    return tuple(out)


def _files(value: Any, path: Path_, loc: _Located) -> tuple[Path, ...]:
    """Existing files; a relative path is relative to the config file's folder."""

    def file(item: Any, where: Path_) -> Path:
        if not isinstance(item, str) or not item.strip():
            raise loc.error(where, "must be a file path")
        found = Path(item)
        if not found.is_absolute() and loc.base_dir is not None:
            found = loc.base_dir / found
        if not found.is_file():
            raise loc.error(
                where,
                f"file {str(found)!r} does not exist",
                hint="paths are relative to the folder of config.yml",
            )
        return found

    return _distinct(value, items(value, path, loc, "file paths"), path, loc, file)


def _ids(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    """arXiv ids as written (``2401.01234``, ``2310.06825v2``, ``hep-th/9901001``), without version."""

    def arxiv_id(item: Any, where: Path_) -> str:
        text = loc.raw.get(where, str(item)) if not isinstance(item, dict | list) else ""
        try:
            return parse_arxiv_id(str(text))[0]
        except ValueError:
            raise loc.error(
                where, f"{text!r} is not an arXiv id", hint="e.g. 2401.01234 or 2310.06825v2"
            ) from None

    # One id may be written without a list, and YAML may have read it as a number (`dislike: 2402.00001`).
    listed = items([value] if isinstance(value, int | float) else value, path, loc, "arXiv ids")
    return _distinct(value, listed, path, loc, arxiv_id)


def _user(value: Any, path: Path_, loc: _Located) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    user: int = integer(1)(value, path, loc)
    return user


def _api_key(value: Any, path: Path_, loc: _Located) -> str:
    """The key's value, from the environment variable the file names (and from nowhere else)."""
    text = value.strip() if isinstance(value, str) else ""
    m = _VARIABLE.fullmatch(text)
    if m is None:
        raise loc.error(
            path,
            "the Zotero key must come from an environment variable, not be written in the file "
            "(the value is not shown)",
            hint=_SECRET_HINT,
        )
    name = m.group(1)
    if not loc.env.get(name):
        raise loc.error(path, f"environment variable {name} is not set (or is empty)", hint=_SECRET_HINT)
    return loc.env[name].strip()


def _collections(value: Any, path: Path_, loc: _Located) -> tuple[str, ...]:
    def key(item: Any, where: Path_) -> str:
        if not isinstance(item, str) or not _ZOTERO_KEY.match(item):
            raise loc.error(
                where,
                f"{item!r} is not a Zotero collection key (8 letters and digits, e.g. ABCD2345)",
                hint="open the collection at zotero.org: its key is the last part of the address",
            )
        return item

    return _distinct(value, items(value, path, loc, "Zotero collection keys"), path, loc, key)


def _zotero_rules(values: dict[str, Any], path: Path_, loc: _Located) -> None:
    """Remember which variable held the key, so messages can name it (never its value); and the key
    travels only over https (or to this machine, a test's fake)."""
    m = _VARIABLE.fullmatch(str(loc.raw.get((*path, "key"), "")).strip())
    values["key_variable"] = m.group(1) if m else None
    address = urlsplit(str(values.get("api_url", DEFAULT_ZOTERO_URL)))
    if values.get("key") and address.scheme != "https" and not _is_loopback(address.hostname or ""):
        raise loc.error(
            (*path, "api_url"),
            "must be an https URL: the API key must not travel in clear text "
            "(http is accepted only for a server on this machine)",
        )


@settings
class ZoteroSettings:
    user: int = setting(_user, hint="zotero: {user: 1234567} (your user ID: zotero.org/settings/keys)")
    key: str | None = setting(optional(_api_key), default=None, repr=False)  # a secret: never shown
    collections: tuple[str, ...] = setting(_collections, default=(), shown="the whole library")
    api_url: str = setting(url, default=DEFAULT_ZOTERO_URL, env=ZOTERO_URL_ENV, env_check=env_url)
    key_variable: str | None = None  # the environment variable the key came from (not a setting)


def _library_rules(values: dict[str, Any], path: Path_, loc: _Located) -> None:
    sources = ("bibtex", "csl_json", "arxiv", "zotero")
    written = any((*path, k) in loc.lines for k in sources)  # a source with a mistake is reported already
    if not any(values.get(k) for k in sources) and not (written and loc.errors):
        raise loc.error(
            path,
            "names no paper: give at least one of `bibtex:`, `csl_json:`, `arxiv:`, `zotero:`",
            hint="library:\n  bibtex: [library.bib]\n(or remove `library:` to turn ranking off)",
        )


@settings
class LibrarySettings:
    bibtex: tuple[Path, ...] = setting(_files, default=())
    csl_json: tuple[Path, ...] = setting(_files, default=())
    arxiv: tuple[str, ...] = setting(_ids, default=())
    zotero: ZoteroSettings | None = setting(
        optional(section(ZoteroSettings, finish=_zotero_rules)), default=None
    )
    dislike: tuple[str, ...] = setting(_ids, default=())


library_section = section(LibrarySettings, finish=_library_rules)
