"""YAML with positions: PyYAML's safe loader, keeping for every key path the line it was written on and
its raw scalar text, so every configuration error can name the file, the line and the key.

The loader is bounded before it builds anything: PyYAML's own constructor (and ours, which walks the nodes)
copies an alias's whole value at every use, so 374 bytes of nested aliases (the "billion laughs") would
take gigabytes, and a deep enough nesting would exhaust the stack. A first pass over PyYAML's event stream,
which holds nothing but counters, refuses both before any node is composed (``_prescan``).

Errors are collected, not raised one at a time (:meth:`_Located.report`), so one run reports every
mistake of a file; :meth:`_Located.raise_errors` raises them together at the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ConfigErrors

Path_ = tuple[str | int, ...]


class _Located:
    """The file being read: for every key path, the line it was written on and its raw scalar text, the
    errors found so far, and what the checks need besides the file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.raw: dict[Path_, str] = {}
        self.errors: list[ConfigError] = []
        #: Some value could not be read at all (an unsafe tag): later checks would only guess.
        self.has_holes = False
        # What checks need besides the file (parse_config sets them): the environment (`${NAME}` and the
        # overrides), the folder relative paths start from, the topics' names (`notify:` refers to them).
        self.env: Mapping[str, str] = {}
        self.base_dir: Path | None = None
        self.topic_names: Sequence[str] = ()

    def line(self, path: Path_) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def error(
        self, path: Path_, message: str, hint: str | None = None, *, line: int | None = None
    ) -> ConfigError:
        """An error at ``path`` (on its line, unless the YAML layer knows the line better)."""
        where = self.line(path) if line is None else line
        return ConfigError(message, path=self.file, line=where, key=_key_text(path) or None, hint=hint)

    def report(self, error: ConfigError) -> None:
        """Keep an error for the end of the pass (the file's other mistakes are still looked for)."""
        self.errors.extend(error.errors if isinstance(error, ConfigErrors) else (error,))

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Run a check; a ConfigError it raises is kept, and the pass goes on after the block."""
        try:
            yield
        except ConfigError as e:
            self.report(e)

    @contextmanager
    def part(self) -> Iterator[None]:
        """Check one part of the file (a section, a topic, a channel): every mistake in it is recorded as
        usual, and then raised together, so that what contains the part goes on without its value."""
        before = len(self.errors)
        yield
        if len(self.errors) > before:
            found = self.errors[before:]
            del self.errors[before:]
            raise found[0] if len(found) == 1 else ConfigErrors(found)

    def raise_errors(self) -> None:
        """Raise what the pass found: the one error as it is, several together."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:  # in the order of the file, as a person fixes them
            raise ConfigErrors(sorted(self.errors, key=lambda e: e.line or 0))


def _key_text(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


#: How many values all the aliases (``*name``) of a file may stand for together. A config that shares a
#: keyword list between topics needs a few hundred; the "billion laughs" needs 10^9.
MAX_ALIAS_VALUES = 10_000
#: How deeply lists and mappings may nest (a config needs 5: topic.X.keywords[0][1]).
MAX_YAML_DEPTH = 50
_HINT = "config.yml is plain YAML: mappings, lists, strings and numbers"


def _load_yaml(text: str, file: str) -> tuple[Any, _Located]:
    """Parse and build the document, recording YAML-level errors in the returned ``_Located`` (a syntax
    error, past which nothing can be read, is raised at once)."""
    loc = _Located(file)
    try:
        _prescan(text, file)
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                return None, loc
            value = _construct(loader, root, (), loc)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        raise _syntax_error(e, text, file) from e
    except yaml.YAMLError as e:
        raise ConfigError(f"invalid YAML: {e}", path=file) from e
    return value, loc


def _syntax_error(e: yaml.MarkedYAMLError, text: str, file: str) -> ConfigError:
    """Name the line where the problem starts. PyYAML gives two marks: the construct it was reading
    (``context_mark``: the quote, bracket or mapping that began it) and where it gave up
    (``problem_mark``). Giving up at the end of the file means something opened earlier was never
    closed, and the end of the file is no place to look for it; otherwise the problem line is the one."""
    problem, context = e.problem or "invalid YAML", e.context
    if "python/" in str(e):
        problem = "unsafe YAML tag (only plain YAML is accepted)"
    at_end = e.problem_mark is not None and not text[e.problem_mark.index :].strip()
    scanning = bool(context) and any(w in str(context) for w in ("scanning", "flow"))
    primary = e.context_mark if e.context_mark and (at_end or scanning) else e.problem_mark
    primary = primary or e.context_mark
    line = primary.line + 1 if primary else None
    message = problem
    if e.problem_mark is not None and e.problem_mark is not primary:
        where = "the end of the file" if at_end else f"line {e.problem_mark.line + 1}"
        message += f" ({where})"
    if context and e.context_mark is not None:
        message += f", {context}" + (
            " that starts here" if primary is e.context_mark else f" begun on line {e.context_mark.line + 1}"
        )
    hint = _HINT
    if at_end and e.context_mark is not None:
        hint = "a quote, bracket or brace opened on this line is never closed"
    return ConfigError(message, path=file, line=line, hint=hint)


def _prescan(text: str, file: str) -> None:
    """Refuse too deep a nesting and aliases that stand for too many values, from the event stream alone
    (no node is built): each anchor's size is counted once, and an alias adds its anchor's size."""
    sizes: dict[str, int] = {}
    open_: list[list[Any]] = []  # [anchor, values so far] of each list or mapping being read
    expanded = 0

    def error(event: yaml.Event, message: str, hint: str) -> ConfigError:
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        return ConfigError(message, path=file, line=line, hint=hint)

    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        size = 0
        if isinstance(event, yaml.CollectionStartEvent):
            if len(open_) >= MAX_YAML_DEPTH:
                raise error(event, f"lists and mappings nested more than {MAX_YAML_DEPTH} deep", _HINT)
            open_.append([event.anchor, 1])
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_.pop()
            if anchor is not None:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in open_):
                raise error(
                    event,
                    f"alias *{event.anchor} is inside the value it names (a loop)",
                    "an alias must refer to a value that is complete where the alias is used",
                )
            size = sizes.get(event.anchor or "", 0)  # an undefined alias: the composer names it
            expanded += size
            if expanded > MAX_ALIAS_VALUES:
                raise error(
                    event,
                    f"the aliases (*name) of this file stand for more than {MAX_ALIAS_VALUES:,} values",
                    "each alias is a copy of its anchor's whole value, so aliases of aliases multiply "
                    "(the 'billion laughs'); write the values out, or use fewer aliases",
                )
        if open_:
            open_[-1][1] += size


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
        _unsafe(node, path, loc)
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _key(loader, key_node, path, loc)
            if key is None:
                continue
            if key in out:
                loc.report(
                    loc.error((*path, key), f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
                )
                continue
            loc.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, (*path, key), loc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*path, i), loc) for i, item in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    loc.raw[path] = node.value
    return loader.construct_object(node, deep=True)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_NAME_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float"))


def _key(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, loc: _Located) -> str | None:
    """A mapping key as written. YAML 1.1 reads `yes`, `no`, `on`, `off`, `true` … as booleans and `~`,
    `null` as nothing: as a topic name that would silently become "True"; such a key must be quoted. A
    number keeps its own spelling (`1.10`, not "1.1")."""
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.ScalarNode):
        loc.report(loc.error(path, "a key must be a plain string, not a list or mapping", line=line))
        return None
    if node.tag not in _PLAIN_SCALAR_TAGS:
        _unsafe(node, path, loc)
        return None
    if node.tag in (_BOOL_TAG, _NULL_TAG):
        read = loader.construct_object(node, deep=True)
        what = f"the boolean {str(read).lower()}" if isinstance(read, bool) else "null (no value)"
        message = f"`{node.value or '(an empty key)'}` is read by YAML as {what}, not as a name"
        hint = f'quote it to use it as a name: "{node.value}":'
        loc.report(loc.error((*path, node.value), message, hint, line=line))
    elif node.tag not in _NAME_TAGS:  # a date or binary data
        message = f"`{node.value}` is read by YAML as a {node.tag.rsplit(':', 1)[-1]}, not as a name"
        loc.report(loc.error(path, message, f'quote it: "{node.value}":', line=line))
        return None
    return str(node.value)


def _unsafe(node: yaml.Node, path: Path_, loc: _Located) -> None:
    """A tag other than plain YAML's: recorded, and what follows is not checked against a guess."""
    loc.has_holes = True
    message = f"unsafe YAML tag {node.tag!r} (only plain YAML is accepted)"
    loc.report(loc.error(path, message, _HINT, line=node.start_mark.line + 1))
