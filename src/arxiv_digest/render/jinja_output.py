"""What an autoescaped ``{{ value }}`` costs (issue #15): the same bytes, without a Markup object each.

Jinja compiles ``{{ value }}`` in an autoescaped template to ``escape(value)``: MarkupSafe's ``escape``
is a Python function that builds a ``Markup`` (a Python ``__new__``), about 1 µs for an arXiv id, while
the C routine underneath it takes 0.05 µs. A site paper element has some twenty such values and a
rebuild renders tens of thousands of elements, so that was most of the site's time in Jinja. The value
is only ever joined into the page (Jinja's own ``concat``, a ``"".join``), so its type does not matter,
only its text: :func:`escape_output` gives the text ``escape`` would, as a plain string for a plain
string, a ``Markup`` as it is, anything else through ``escape`` itself.

:class:`OutputCodeGenerator` is Jinja's code generator with that one call changed, through the hook
Jinja's own ``NativeCodeGenerator`` overrides (``_output_child_pre``); were a later Jinja to drop the
hook, the override would go unused and templates would escape as Jinja does, the same bytes, slower.
Templates, a person's own included, are compiled as before otherwise: every layout stays in them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import jinja2
import markupsafe
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

#: MarkupSafe >= 3's C escaper under `escape` (str in, str out); with an older one, `escape` itself.
_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", None) or (lambda t: str(escape(t)))


def escape_output(value: Any) -> str:
    """The text ``markupsafe.escape(value)`` is, for a value Jinja writes into an autoescaped page."""
    kind = type(value)
    if kind is str:
        return _escape_text(value)
    if kind is Markup:
        return cast(Markup, value)  # escape() would copy it: `__html__` of a Markup is itself
    return str(escape(value))


class OutputCodeGenerator(CodeGenerator):
    """Jinja's code generator, writing ``environment.escape_output(…)`` where it writes ``escape(…)``."""

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile:
            self.write("(environment.escape_output if context.eval_ctx.autoescape else str)(")
        elif frame.eval_ctx.autoescape:
            self.write("environment.escape_output(")
        else:
            self.write("str(")
        if finalize.src is not None:
            self.write(finalize.src)


def use_fast_output(env: jinja2.Environment) -> None:
    """Compile ``env``'s templates with :class:`OutputCodeGenerator` (before any template is loaded)."""
    env.code_generator_class = OutputCodeGenerator
    env.escape_output = escape_output  # type: ignore[attr-defined]
