"""Each template compiled once a process (issue #15), not once per renderer: Jinja compiles a template into
Python for every environment that loads it, about 10 ms each, and a rebuild makes several environments of
one kind (the day pages', the weekly pages', the pages across days) in each of its processes.

:func:`compiled_cache` is a ``jinja2.BytecodeCache`` shared by every environment of the same kind and
options (what the compiled code depends on besides the source): kept in memory only, so nothing outlives
the process but what a worker forked from it inherits, and checked by Jinja against the source's hash on
every load (a template changed on the disk is compiled again). :func:`compile_all` fills it before a
rebuild forks its workers, so they compile nothing.
"""

from __future__ import annotations

from collections.abc import Hashable

import jinja2


class _InMemory(jinja2.BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_CACHES: dict[tuple[Hashable, ...], _InMemory] = {}


def compiled_cache(*options: Hashable) -> jinja2.BytecodeCache:
    """The cache of the environments made with these ``options`` (the kind of template and every setting
    that changes the code Jinja writes)."""
    return _CACHES.setdefault(options, _InMemory())


def compile_all(env: jinja2.Environment) -> None:
    """Compile every template ``env`` can list (into its cache, when it has one)."""
    try:
        names = env.list_templates()
    except TypeError:  # a loader that cannot list (a person's templates): each compiled when first used
        return
    for name in names:
        try:
            env.get_template(name)
        except jinja2.TemplateError:  # one for another environment (the weekly page's filter): left as is
            continue
