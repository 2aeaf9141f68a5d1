"""TeX in titles and abstracts -> readable Unicode text, for the Markdown pages and the e-mail (issue #7).

arXiv's text is TeX-flavoured (``\\emph{x}``, ``$\\tilde{O}(\\sqrt{kT})$``, ``73\\%``); the site shows it as
MathML and HTML (:mod:`.math`), the Markdown pages and the e-mail as text a reader can read:
``\\emph{x}`` is *x*, ``$\\tilde{O}(\\sqrt{kT})$`` is Õ(√(kT)), ``$x_i^2$`` is xᵢ², ``\\mathbb{R}`` is ℝ.
The result is :class:`Run` s (text with the emphasis it had), still *unescaped*: each renderer escapes
the text for its format, once, and writes the emphasis its own way (``<em>`` in HTML, nothing in plain
text).

pylatexenc supplies the symbols (its table of ~900 macros: ``\\alpha``, ``\\leq``, ``\\ldots``, …), its
argument specifications and its math alphabets (``\\mathbb``, ``\\mathcal``); its own converter is not
used for the structure because it recurses once per nested group (``RecursionError`` at ~490 levels), is
slow (0.7 s for 100 KB) and drops ``\\texttt``. Here a single left-to-right pass with an explicit stack
does it, in time linear in the text: groups nested deeper than :data:`MAX_DEPTH` are read as plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from .math_spans import math_spans
from .tex_commands import Run, show, text_of
from .tex_tables import (
    ACCENTS,
    ALPHABETS,
    CODE,
    DASH_TEXT,
    DASHES,
    DROPPED,
    EM,
    FRACTIONS,
    LAYOUT,
    SCRIPTS,
    SECOND_SHOWN,
    SPACES,
    STRONG,
    STYLE_COMMANDS,
    SWITCHES,
    UPRIGHT,
    argument_spec,
    collapse_spaces,
    needs_work,
    squeeze_spaces,
    symbols,
)

#: Groups nested deeper than this are read as plain text (their braces and commands dropped): real
#: abstracts nest a handful of levels, and each level costs a copy of its content.
MAX_DEPTH = 32
#: Run is defined with the commands that make runs, the emphasis names with the tables; both are ours.
__all__ = ["CODE", "EM", "MAX_DEPTH", "STRONG", "Run", "runs_to_html", "shorten_runs", "tex_runs",
           "tex_to_text"]  # fmt: skip

# A command word, a command symbol (or a lone `\\` at the end), a special character, plain text.
_TOKEN = re.compile(r"\\([A-Za-z]+)\*?|\\(.?)|([{}\[\]^_~])|([^\\{}\[\]^_~]+)", re.DOTALL)


@dataclass(slots=True)
class _Frame:
    """One open level: the root, a math segment, a ``{…}`` group, a command waiting for its arguments,
    or one argument. A command frame holds no text: each argument is a frame of its own whose runs the
    command receives in ``args`` (``optional`` for a ``[…]``) when it closes."""

    kind: str  # "root", "math", "group", "command", "arg"
    math: bool
    styles: frozenset[str] = frozenset()
    runs: list[Run] = field(default_factory=list)
    closer: str = ""  # "}" or "]" for a bracketed argument or group, "" for a one-token argument
    name: str = ""
    needed: int = 0
    braced_only: bool = True  # a text command: only `{…}` is its argument; math takes one token too
    takes_optional: bool = False
    args: list[list[Run]] = field(default_factory=list)
    optional: list[Run] | None = None
    flat: int = 0  # braces opened inside this frame past MAX_DEPTH, which are only counted


class _Converter:
    """One pass over the text. Frames are kept on a list, never on the call stack: depth costs nothing
    but the copy of a group's runs into the level below, and past MAX_DEPTH groups are not kept apart."""

    def __init__(self) -> None:
        self.stack = [_Frame("root", math=False)]
        self.symbols = symbols()
        self.drop_space_before_punctuation = False

    @property
    def top(self) -> _Frame:
        return self.stack[-1]

    # -- output ---------------------------------------------------------------------------------------
    def emit(self, text: str) -> None:
        """Text (one token of it when a command waits for an argument) into the innermost open level."""
        if not text:
            return
        if self.top.kind == "command":
            command = self.top
            self.stack.append(_Frame("arg", math=command.math, styles=command.styles))
        top = self.top
        if self.drop_space_before_punctuation:
            self.drop_space_before_punctuation = False
            if text[0] in ".,;:)" and top.runs:
                top.runs[-1] = Run(top.runs[-1].text.rstrip(), top.runs[-1].styles)
        top.runs.append(Run(text, top.styles))
        if top.kind == "arg" and not top.closer:
            self.close()

    def deliver(self, runs: list[Run]) -> None:
        top = self.top
        if top.kind == "command":
            self.stack.append(_Frame("arg", math=top.math, styles=top.styles, runs=runs))
            self.close()
            return
        top.runs.extend(runs)
        if top.kind == "arg" and not top.closer:
            self.close()

    # -- structure ------------------------------------------------------------------------------------
    def open_command(
        self, name: str, needed: int, *, braced_only: bool, takes_optional: bool = False
    ) -> None:
        if len(self.stack) >= MAX_DEPTH:
            return  # too deep to keep apart: the arguments are read as plain text
        top = self.top
        self.stack.append(_Frame("command", math=top.math, styles=top.styles, name=name, needed=needed,
                                 braced_only=braced_only, takes_optional=takes_optional))  # fmt: skip

    def open_argument(self, closer: str) -> None:
        command = self.top
        styles, math = command.styles, command.math
        if command.name in STYLE_COMMANDS and closer == "}":
            style = STYLE_COMMANDS[command.name]
            styles = styles | {style} if style else styles
            math = False
        self.stack.append(_Frame("arg", math=math, styles=styles, closer=closer))

    def close(self) -> None:
        """Close the innermost level. A command whose arguments are all there becomes text below it; one
        closed early (by a `}`, the end of its math or of the text) gets the arguments it has."""
        frame = self.stack.pop()
        if frame.kind in ("group", "math"):
            self.deliver(frame.runs)
        elif frame.kind == "command":
            self.finish(frame)
        else:
            command = self.top
            if frame.closer == "]":
                command.optional = frame.runs
                return
            command.args.append(frame.runs)
            if len(command.args) >= command.needed:
                self.stack.pop()
                self.finish(command)

    def finish(self, command: _Frame) -> None:
        args = command.args + [[] for _ in range(command.needed - len(command.args))]
        self.deliver(show(command.name, args, command.optional, command.styles))
        # "datasets \\cite{x}." reads "datasets.": the space before the citation goes too.
        self.drop_space_before_punctuation = command.name in DROPPED

    def close_group(self, closer: str) -> bool:
        """A ``}`` (or a ``]`` ending an optional argument): close what it closes; False if it closes
        nothing, so it is text (a `]`) or dropped (a `}`)."""
        top = self.top
        if top.flat:
            if closer == "}":
                top.flat -= 1
                return True
            return False
        for i in range(len(self.stack) - 1, 0, -1):
            frame = self.stack[i]
            if frame.kind in ("math", "root"):
                return False
            if frame.closer == closer and frame.kind in ("group", "arg"):
                while len(self.stack) > i:
                    self.close()
                return True
            if closer == "]" and frame.kind != "command":
                return False
        return False

    # -- the pass -------------------------------------------------------------------------------------
    def convert(self, text: str) -> list[Run]:
        pos = 0
        for span in math_spans(text):
            self.feed(text, pos, span.start)
            self.stack.append(_Frame("math", math=True, styles=self.top.styles))
            self.feed(text, span.inner_start, span.inner_end)
            while self.top.kind != "math":
                self.close()
            self.close()
            pos = span.end
        self.feed(text, pos, len(text))
        while len(self.stack) > 1:
            self.close()
        return self.stack[0].runs

    def feed(self, text: str, pos: int, end: int) -> None:
        while pos < end:
            m = _TOKEN.match(text, pos, end)
            assert m is not None  # the alternatives cover every character
            pos = m.end()
            word, symbol, special, plain = m.groups()
            top = self.top
            if top.kind == "command" and top.braced_only and special not in ("{", "["):
                if plain is not None and not plain.strip():
                    continue  # spaces between a command and its argument
                self.close()  # a text command without (all) its arguments
            if plain is not None:
                self.plain(plain)
            elif special is not None:
                self.special(special)
            elif symbol is not None:
                self.control_symbol(symbol)
            else:
                pos = self.control_word(word, text, pos, end)

    def plain(self, text: str) -> None:
        if self.top.kind == "command":  # a math command's one-token argument: the next character
            text = text.lstrip()
            if not text:
                return
            self.emit(text[0])
            text = text[1:]
        if self.top.math:
            text = text.replace("'", "′")
        elif "-" in text or "`" in text or "'" in text:
            text = DASHES.sub(lambda m: DASH_TEXT[m.group()], text)
        self.emit(text)

    def special(self, ch: str) -> None:
        top = self.top
        if ch == "{":
            if top.flat or len(self.stack) >= MAX_DEPTH:
                top.flat += 1
            elif top.kind == "command":
                self.open_argument("}")
            else:
                self.stack.append(_Frame("group", math=top.math, styles=top.styles, closer="}"))
        elif (
            ch == "["
            and top.kind == "command"
            and top.takes_optional
            and not top.args
            and top.optional is None
        ):
            self.open_argument("]")
        elif ch in "}]":
            if not self.close_group(ch) and ch == "]":
                self.emit(ch)
        elif ch == "~":
            self.emit(" ")
        elif ch in "^_" and top.math:  # a superscript or subscript of the next token or group
            self.open_command(SCRIPTS[ch], 1, braced_only=False)
        else:
            self.emit(ch)

    def control_symbol(self, ch: str) -> None:
        if ch in ACCENTS:
            self.open_command(ch, 1, braced_only=False)
        elif ch in SPACES:
            self.emit(SPACES[ch])
        elif not ch:  # a backslash that ends the text: itself
            self.emit("\\")
        else:  # `\%`, `\{`, `\|`; `\(` that opened no math is its bracket
            self.emit(self.symbols.get(ch, ch if not ch.isalnum() else ""))

    def control_word(self, name: str, text: str, pos: int, end: int) -> int:
        """Handle ``\name`` (ending at ``pos``); returns where to read on."""
        top = self.top
        brace_follows = text.startswith("{", _after_spaces(text, pos, end))
        if name in SWITCHES and top.kind != "command":
            style = SWITCHES[name]
            if style:
                top.styles = top.styles | {style}
        elif name in ("url", "path") and brace_follows:
            start = text.index("{", pos)
            close = text.find("}", start, end)
            if close >= 0:  # shown as written: a URL's `_` and `%` are not TeX
                self.emit(text[start + 1 : close])
                return close + 1
        elif name in SPACES:
            self.emit(SPACES[name])
        elif name in LAYOUT:
            if name not in ("left", "right", "middle") and not name.startswith(("big", "Big")):
                return pos
            return pos + 1 if text.startswith(".", pos) else pos  # `\left.` shows nothing
        elif name in ACCENTS or name in ALPHABETS or name in UPRIGHT:
            self.open_command(name, 1, braced_only=not top.math and name in UPRIGHT)
        elif name == "sqrt":
            self.open_command(name, 1, braced_only=False, takes_optional=True)
        elif name in FRACTIONS:
            self.open_command(name, 2, braced_only=False)
        elif name in SECOND_SHOWN and brace_follows:
            self.open_command(name, 2, braced_only=True, takes_optional=name == "textcolor")
        elif name in STYLE_COMMANDS or name == "footnote":
            if brace_follows:
                self.open_command(name, 1, braced_only=True)
        elif name in DROPPED:
            needed, optional = argument_spec(name)
            if brace_follows or (optional and text.startswith("[", _after_spaces(text, pos, end))):
                self.open_command(name, max(needed, 1), braced_only=True, takes_optional=optional)
        elif name in self.symbols:
            self.emit(self.symbols[name])
        elif brace_follows:  # an author's own macro, `\model{Grok 4}`: its argument
            self.open_command(name, 1, braced_only=True)
        else:  # `\ourmodel`: its name, so that the sentence still reads
            self.emit(name)
        return pos


def _after_spaces(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \t\n":
        pos += 1
    return pos


def _tidy(runs: list[Run]) -> tuple[Run, ...]:
    """Runs of the same emphasis joined, spaces collapsed (TeX's spacing is not a reader's), ends trimmed."""
    groups: list[tuple[frozenset[str], list[str]]] = []
    for run in runs:
        if not run.text:
            continue
        if groups and groups[-1][0] == run.styles:
            groups[-1][1].append(run.text)
        else:
            groups.append((run.styles, [run.text]))
    out: list[Run] = []
    for styles, parts in groups:
        text = squeeze_spaces(unicodedata.normalize("NFC", "".join(parts)))
        if out and out[-1].text.endswith(" ") and text.startswith(" "):
            text = text[1:]
        if text:
            out.append(Run(text, styles))
    if out:
        out[0] = Run(out[0].text.lstrip(), out[0].styles)
        out[-1] = Run(out[-1].text.rstrip(), out[-1].styles)
    return tuple(r for r in out if r.text)


@lru_cache(maxsize=8192)
def tex_runs(text: str) -> tuple[Run, ...]:
    """``text`` (a title or an abstract) as readable runs. A paper is listed on several pages: cached."""
    if not needs_work(text):  # nine texts in ten: no scanner runs, the spaces alone are tidied
        plain = collapse_spaces(text)
        return (Run(plain),) if plain else ()
    return _tidy(_Converter().convert(text))


def tex_to_text(text: str) -> str:
    """``text`` with its TeX made readable, as plain (unescaped) text."""
    return text_of(tex_runs(text))


def runs_to_html(runs: Iterable[Run], escape: Callable[[str], str]) -> str:
    """Runs as HTML: each text escaped by ``escape`` (the context's own escaper), emphasis as tags."""
    out: list[str] = []
    for run in runs:
        html = escape(run.text)
        for tag in (CODE, EM, STRONG):  # innermost first
            if tag in run.styles:
                html = f"<{tag}>{html}</{tag}>"
        out.append(html)
    return "".join(out)


def shorten_runs(runs: Sequence[Run], plain_prefix: str) -> tuple[Run, ...]:
    """The runs cut to ``plain_prefix`` (a prefix of their text, e.g. an abstract's preview) and an
    ellipsis, or the runs as they are when nothing was cut."""
    if len(plain_prefix) >= len(text_of(runs)):
        return tuple(runs)
    out: list[Run] = []
    left = len(plain_prefix)
    for run in runs:
        if left <= 0:
            break
        out.append(Run(run.text[:left], run.styles))
        left -= len(run.text)
    out.append(Run("…"))
    return tuple(out)
