"""docs/configuration.md and the settings agree: each table lists exactly the keys its section reads, with
the default the fields give (and, for `arxiv:`, the environment variable that overrides each key). A key
added to a settings class fails here until its row is in the docs; a default changed in the code fails
here until the docs say it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from arxiv_digest.config import (
    TOPIC_KEYS,
    ArxivSettings,
    Config,
    EmailSettings,
    Key,
    LibrarySettings,
    NotifySettings,
    SummariesSettings,
    WebhookSettings,
    ZoteroSettings,
    keys_of,
)
from arxiv_digest.models import AnnounceType

DOC = Path(__file__).parent.parent / "docs" / "configuration.md"
SECTIONS = [
    ("## Top level", Config),
    ("## `arxiv:`", ArxivSettings),
    ("## `notify:`", NotifySettings),
    ("### `email:`", EmailSettings),
    ("### `webhooks:`", WebhookSettings),
    ("## `library:`", LibrarySettings),
    ("### `zotero:`", ZoteroSettings),
    ("## `summaries:`", SummariesSettings),
]


def table(heading: str) -> dict[str, list[str]]:
    """The first table under ``heading``: {key: the other cells of its row}."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip()[1:-1].split("|")]  # no cell of these has a "|"
            rows[cells[0].strip("`")] = cells[1:]
        elif rows:
            break  # the table ended
    assert rows, f"no table under {heading!r} in {DOC}"
    return rows


def shown(key: Key, cls: type) -> str:
    """The default as the docs write it."""
    if key.setting.shown is not None:
        return key.setting.shown
    if key.required:
        return "*(required)*"
    f = next(f for f in dataclasses.fields(cls) if f.name == key.attribute)
    default: Any = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
    if default is None:
        return "none"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float) and default.is_integer():
        default = int(default)
    if isinstance(default, frozenset):
        default = "[" + ", ".join(t.value for t in AnnounceType if t in default) + "]"
    if default == ():
        default = "[]"
    return f"`{default}`"


@pytest.mark.parametrize(("heading", "cls"), SECTIONS, ids=[h for h, _ in SECTIONS])
def test_each_table_lists_its_sections_keys_with_their_defaults(heading: str, cls: type) -> None:
    rows = table(heading)
    keys = keys_of(cls)
    assert sorted(rows) == sorted(keys), f"{DOC.name} {heading}: the table's keys differ from the code's"
    for name, key in keys.items():
        assert rows[name][0] == shown(key, cls), f"{heading} {name}: the docs' default is not the code's"


def test_the_arxiv_table_names_each_environment_override() -> None:
    rows = table("## `arxiv:`")
    for name, key in keys_of(ArxivSettings).items():
        assert rows[name][1] == (f"`{key.setting.env}`" if key.setting.env else ""), name


def test_the_topic_table_lists_a_topics_keys() -> None:
    assert sorted(table("## Topics")) == sorted(TOPIC_KEYS)
