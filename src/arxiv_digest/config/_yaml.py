"""YAML with positions: PyYAML's safe loader, keeping for every key path the line it was written on and
its raw scalar text, so every configuration error can name the file, the line and the key."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import ConfigError

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
