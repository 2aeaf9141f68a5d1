"""Settings described once. Each field of a settings dataclass carries a :class:`Setting` in its metadata:
the check its value must pass, the YAML key when it differs from the attribute, an environment variable
that overrides it. A section's allowed keys, its required keys and its defaults (the dataclass's own) are
derived from those fields by :func:`keys_of`, and read by :func:`read_section`; no key list is written by
hand. ``tests/test_config_doc.py`` checks docs/configuration.md's tables against the same fields.

Adding a key is one field (with its ``setting(...)``) on its dataclass, plus its line in the docs table.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from functools import cache
from typing import Any, TypeVar, dataclass_transform

from ._yaml import Path_, _Located

#: A check takes the value as YAML read it, its key path and the file being read, and returns the typed
#: value or raises a ConfigError naming the file, the line and the key (or records several: ``report``).
Check = Callable[[Any, Path_, _Located], Any]

_META = "arxiv_digest.setting"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Setting:
    """How one key of config.yml is read. ``check=None``: a known key that the caller reads itself,
    because its value depends on other keys (``topic:`` needs the top level's defaults)."""

    check: Check | None
    key: str | None = None  # the YAML key, when it is not the attribute's name (`from:` is `sender`)
    env: str | None = None  # an environment variable that wins over the file
    env_check: Callable[[str, str], Any] | None = None  # reads that variable's text (value, name)
    read_absent: bool = False  # an absent key is checked as if written empty (a section: its defaults)
    required: bool | None = None  # None: required when the field has no default
    hint: str | None = None  # shown with "needs `key:`" when a required key is missing
    shown: str | None = None  # the default as docs/configuration.md writes it, when not the field's


def setting(
    check: Check | None,
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    repr: bool = True,
    **options: Any,
) -> Any:
    """A field of a :func:`settings` class that is a key of config.yml: ``setting(integer(1), default=6)``."""
    metadata = {_META: Setting(check, **options)}
    return field(default=default, default_factory=default_factory, repr=repr, metadata=metadata)


@dataclass_transform(frozen_default=True, field_specifiers=(field, setting))
def settings(cls: type[T]) -> type[T]:
    """A section of config.yml: a frozen dataclass whose :func:`setting` fields are its keys."""
    return dataclass(frozen=True, slots=True)(cls)


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a section: the attribute it sets, how it is read, and whether the file must have it."""

    attribute: str
    setting: Setting
    required: bool


@cache
def keys_of(cls: type) -> Mapping[str, Key]:
    """The YAML keys of a settings dataclass, in the order of its fields: those with a ``setting()``."""
    out: dict[str, Key] = {}
    for f in dataclasses.fields(cls):
        if (s := f.metadata.get(_META)) is not None:  # else not read from the file (Config.path)
            has_default = f.default is not MISSING or f.default_factory is not MISSING
            out[s.key or f.name] = Key(f.name, s, not has_default if s.required is None else s.required)
    return out


def key_table(**settings: Setting) -> Mapping[str, Key]:
    """A section's keys written as a table, for a section that is no dataclass of its own (a topic)."""
    return {name: Key(name, s, bool(s.required)) for name, s in settings.items()}


def read_section(
    keys: Mapping[str, Key], value: Mapping[str, Any], path: Path_, loc: _Located
) -> tuple[dict[str, Any], set[str]]:
    """``{attribute: checked value}`` for the keys of a mapping, each checked on its own so that every
    mistake is recorded, and the keys a misspelt one was taken for ("did you mean"). An absent key is
    left out (the dataclass's default applies) or, if required, reported, unless a misspelt key was
    taken for it; an environment variable set for a key wins over the file."""
    misspelt = check_keys(value, keys, path, loc)
    out: dict[str, Any] = {}
    for name, key in keys.items():
        s = key.setting
        if s.check is None:
            continue
        with loc.collect():
            if name in value or s.read_absent:
                out[key.attribute] = s.check(value.get(name), (*path, name), loc)
            elif key.required and name not in misspelt:
                loc.report(loc.error(path, f"needs `{name}:`", hint=s.hint))
            if s.env and s.env_check and loc.env.get(s.env):
                out[key.attribute] = s.env_check(loc.env[s.env], s.env)
    return out, misspelt


def section(
    cls: type,
    *,
    hint: str | None = None,
    finish: Callable[[dict[str, Any], Path_, _Located], None] | None = None,
) -> Check:
    """The check of a nested section: a mapping read by ``cls``'s fields, then ``finish`` (the rules that
    tie keys together), then built. Its mistakes are raised together, so its parent goes on without it."""

    def check(value: Any, path: Path_, loc: _Located) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise loc.error(path, f"must be a mapping ({', '.join(keys_of(cls))})", hint=hint)
        with loc.part():
            values, _ = read_section(keys_of(cls), value, path, loc)
            if finish is not None:
                with loc.collect():
                    finish(values, path, loc)
        return cls(**values)

    return check


#: Keys people write where a secret would be: the secret comes from the environment, never the file.
_SECRET_KEYS = {"password", "pass", "smtp_password", "token", "secret"}
_SECRET_HINT = (
    "secrets stay out of config.yml: the SMTP password comes only from the environment variable "
    "ARXIV_DIGEST_SMTP_PASSWORD (a GitHub Actions secret in the workflow); remove this key"
)


def check_keys(value: Mapping[str, Any], allowed: Mapping[str, Any], path: Path_, loc: _Located) -> set[str]:
    """Report each unknown key (at its own line); the known keys are still checked after this. Returns
    the known keys suggested for a misspelt one: their absence is then no second error."""
    suggested: set[str] = set()
    for key in value:
        if key in allowed:
            continue
        if str(key).lower() in _SECRET_KEYS:
            hint = _SECRET_HINT
        else:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(sorted(allowed))}"
            suggested.update(close)
        loc.report(loc.error((*path, key), "unknown key", hint=hint))
    return suggested
