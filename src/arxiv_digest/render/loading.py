"""Where templates come from, and what a mistake in one of them says.

A person's ``templates:`` folder is searched before the packaged templates, one template at a time, and
nothing outside that folder can be reached from it: ``{% include "../../etc/passwd" %}``, an absolute name
and a link (in the folder) to a file outside it are all refused, at the include. Jinja's own file loader
already refuses ``..``, but follows links, and its refusal is a plain "not found" that the packaged
loader behind it then answers with a packaged template of the same name, or a bare TemplateNotFound.

A mistake in one of the person's templates (a syntax error, an unknown variable, an include that does
not resolve) is a :class:`ConfigError` naming the template's file and line, exit 2, not an internal
error: :class:`LocatedEnvironment` converts them wherever Jinja reports them (compiling, rendering, or
loading a template). A fault in a packaged template alone is a bug and stays as it is.
:func:`check_templates` compiles every template of the folder for ``check``, and for the renderers
before they render anything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import jinja2
from jinja2 import nodes

from ..errors import ConfigError, ConfigErrors, DigestError, reason

_HINT = "see docs/configuration.md, Templates"


class TemplateOutsideFolder(jinja2.TemplateError):
    """A template name or link that leads out of the templates folder. A TemplateError (not a "not
    found"), so the packaged loader behind the folder's does not answer in its place. ``path``: the link."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class FolderLoader(jinja2.BaseLoader):
    """Templates from ``folder``, which lies in ``root`` (the ``templates:`` folder); nothing is read from
    outside ``root``, whatever the name or a link in the folder says."""

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder = folder
        self.root = Path(os.path.realpath(root))

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = template.split("/")
        if template.startswith("/") or "\\" in template or ".." in pieces or ":" in pieces[0]:
            raise TemplateOutsideFolder(
                f"template {template!r} is outside the templates folder {str(self.root)!r}: a template "
                "includes templates by their name in that folder (no '..', no absolute path)"
            )
        path = self.folder.joinpath(*(p for p in pieces if p and p != "."))
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.root):
            raise TemplateOutsideFolder(
                f"{str(path)!r} links to {str(real)!r}, outside the templates folder {str(self.root)!r}",
                str(path),
            )
        if not real.is_file():
            raise jinja2.TemplateNotFound(template)
        try:
            contents = real.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read the template: {reason(e)}", path=str(path)) from e
        mtime = real.stat().st_mtime
        return contents, str(path), lambda: _mtime(real) == mtime


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _template_frames(tb: TracebackType | None, frame: FrameType | None) -> Iterator[tuple[str | None, int]]:
    """(file, template line) of each template frame: the traceback's innermost first, then the stack
    above it (the template whose include is being loaded), nearest first."""
    frames: list[tuple[FrameType, int]] = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    for f, lineno in reversed(frames):
        yield from _template_line(f, lineno)
    while frame is not None:
        yield from _template_line(frame, frame.f_lineno)
        frame = frame.f_back


def _template_line(frame: FrameType, lineno: int) -> Iterator[tuple[str | None, int]]:
    template = frame.f_globals.get("__jinja_template__")
    if isinstance(template, jinja2.Template):
        yield template.filename, template.get_corresponding_lineno(lineno)


def located_error(error: BaseException, user_root: Path | None) -> ConfigError | None:
    """The error as a ConfigError at the innermost line of the person's templates it passed through, or
    None when it passed through none of them (then it is ours)."""
    if user_root is None:
        return None
    root = os.path.realpath(user_root)

    def mine(filename: str | None) -> bool:
        return filename is not None and os.path.realpath(filename).startswith(root + os.sep)

    if isinstance(error, jinja2.TemplateSyntaxError) and mine(error.filename):
        return ConfigError(
            f"template syntax error: {error.message}", path=error.filename, line=error.lineno, hint=_HINT
        )
    where = next(
        ((f, line) for f, line in _template_frames(error.__traceback__, sys._getframe(1)) if mine(f)), None
    )
    if where is None:
        if isinstance(error, TemplateOutsideFolder):  # a link met outside any render: name the link
            return ConfigError(str(error), path=error.path, hint=_HINT)
        return None
    if isinstance(error, jinja2.TemplateNotFound):
        message = (
            f"template {error.name!r} not found, neither in the templates folder nor among the packaged "
            "templates"
        )
    elif isinstance(error, jinja2.TemplateError):
        message = str(error)
    else:
        message = f"{type(error).__name__}: {error}"
    return ConfigError(message, path=where[0], line=where[1], hint=_HINT)


class LocatedEnvironment(jinja2.Environment):
    """An Environment whose errors in the person's templates are ConfigErrors naming file and line."""

    user_root: Path | None = None

    def handle_exception(self, source: str | None = None) -> Any:
        """Jinja calls this for every error while compiling or rendering a template."""
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, DigestError):
            located = located_error(error, self.user_root)
            if located is not None:
                raise located from error
        return super().handle_exception(source)

    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        try:
            return super().get_template(name, parent, globals)
        except TemplateOutsideFolder as e:  # a link met when loading, also outside any render
            # (A TemplateNotFound is left to Jinja: `{% include "x" ignore missing %}` relies on it.)
            located = located_error(e, self.user_root)
            if located is None:
                raise
            raise located from e


def folder_loaders(kind: str, user_dir: Path) -> list[jinja2.BaseLoader]:
    """The person's loaders for one kind of template: ``<templates>/<kind>/``, then ``<templates>/``."""
    return [FolderLoader(user_dir / kind, user_dir), FolderLoader(user_dir, user_dir)]


def check_templates(
    user_dir: Path, environments: Mapping[str, Sequence[jinja2.Environment]], *, every_kind: bool = True
) -> int:
    """Compile every template (``*.j2``) of the folder with the environments of its kind, and load every
    template it names in an include, import or extends; refuse links out of the folder. Raises every
    error found, together. A file outside the kinds' folders is searched by every kind and must compile
    for one; it is checked only with ``every_kind`` (a renderer checks its own). Returns how many
    templates were compiled."""
    errors: list[ConfigError] = []
    checked = 0
    root = Path(os.path.realpath(user_dir))
    for folder, dirs, files in os.walk(user_dir):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            rel = path.relative_to(user_dir)
            if not Path(os.path.realpath(path)).is_relative_to(root):
                errors.append(
                    ConfigError(
                        f"links to {os.path.realpath(path)!r}, outside the templates folder {str(root)!r}",
                        path=str(path),
                        hint="copy the template into the folder instead",
                    )
                )
                continue
            if not name.endswith(".j2"):
                continue
            kind = rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in environments else None
            if kind is None and not every_kind:
                continue
            envs = environments[kind] if kind else [e for es in environments.values() for e in es]
            checked += 1
            found = [_compile_errors(env, path, user_dir) for env in envs]
            if envs and all(found):
                errors.extend(found[0])
    unique = list({str(e): e for e in errors}.values())  # a template named by several is reported once
    if unique:
        raise unique[0] if len(unique) == 1 else ConfigErrors(unique)
    return checked


def _compile_errors(env: jinja2.Environment, path: Path, user_dir: Path) -> list[ConfigError]:
    """What is wrong with one template in one environment: its syntax, or a template it names."""
    try:
        source = path.read_text(encoding="utf-8")
        tree = env.parse(source, path.name, str(path))
        env.compile(tree, path.name, str(path))
    except (OSError, UnicodeDecodeError) as e:
        return [ConfigError(f"cannot read the template: {reason(e)}", path=str(path))]
    except ConfigError as e:
        return [e]
    except jinja2.TemplateSyntaxError as e:
        located = located_error(e, user_dir)
        return [located or ConfigError(str(e), path=str(path), line=e.lineno)]
    out = []
    for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
        assert isinstance(node, nodes.Include | nodes.Extends | nodes.Import | nodes.FromImport)
        value = node.template.value if isinstance(node.template, nodes.Const) else None
        names = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
        for name in names:
            try:
                env.get_template(name)
            except (ConfigError, jinja2.TemplateError) as e:
                if isinstance(e, jinja2.TemplateNotFound) and getattr(node, "ignore_missing", False):
                    continue
                if isinstance(e, ConfigError) and e.line is not None:
                    out.append(e)  # a mistake inside the template it names, at its own line
                    continue
                message = (
                    (e.detail if isinstance(e, ConfigError) else str(e))
                    if isinstance(e, ConfigError | TemplateOutsideFolder)
                    else f"template {name!r} not found, neither in the templates folder nor among the "
                    "packaged templates"
                )
                out.append(ConfigError(message, path=str(path), line=node.lineno, hint=_HINT))
    return out
