"""What each TeX command shows in readable text, given its arguments: the part of :mod:`.tex_text` that
knows commands (`\\sqrt`, `\\frac`, sub- and superscripts, accents, math alphabets), apart from the pass
that reads the text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pylatexenc.latex2text import fmt_math_text_style

from .tex_tables import (
    ACCENTS,
    ALPHABETS,
    DROPPED,
    OPERATORS,
    ROOTS,
    SECOND_SHOWN,
    STYLE_COMMANDS,
    SUB,
    SUBSCRIPT,
    SUP,
    SUPERSCRIPT,
    UPRIGHT,
)


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of converted text and the emphasis it has (a subset of ``strong``, ``em``, ``code``)."""

    text: str
    styles: frozenset[str] = frozenset()


def text_of(runs: Iterable[Run]) -> str:
    return "".join(r.text for r in runs)


def _restyle(runs: list[Run], change: Callable[[str], str]) -> list[Run]:
    return [Run(change(r.text), r.styles) for r in runs]


def _script(runs: list[Run], table: dict[str, str], mark: str, styles: frozenset[str]) -> list[Run]:
    body = text_of(runs).strip()
    if body and all(ch in table for ch in body):
        return [Run("".join(table[ch] for ch in body), styles)]
    if len(body) <= 1 or (body.startswith("(") and body.endswith(")")):
        return [Run(mark + body, styles)]
    return [Run(f"{mark}({body})", styles)]


def _operand(text: str) -> str:
    text = text.strip()
    return f"({text})" if OPERATORS.search(text) else text


def _accent(text: str, mark: str) -> str:
    return unicodedata.normalize("NFC", "".join(ch if ch.isspace() else ch + mark for ch in text))


def show(name: str, args: list[list[Run]], optional: list[Run] | None, styles: frozenset[str]) -> list[Run]:
    """What command ``name`` shows, from its arguments (empty ones if the text left them out) and its
    optional argument; ``styles``: the emphasis where it stands."""
    first = args[0] if args else []
    if name in ALPHABETS:
        return _restyle(first, lambda t: fmt_math_text_style(t, ALPHABETS[name]))
    if name in ACCENTS:
        return _restyle(first, lambda t: _accent(t, ACCENTS[name]))
    if name in (SUP, "textsuperscript"):
        return _script(first, SUPERSCRIPT, "^", styles)
    if name in (SUB, "textsubscript"):
        return _script(first, SUBSCRIPT, "_", styles)
    if name == "sqrt":
        index = text_of(optional or []).strip()
        root = ROOTS.get(index) or (_script([Run(index)], SUPERSCRIPT, "", styles)[0].text + "√")
        body = text_of(first).strip()
        return [Run(root + (body if len(body) <= 1 else f"({body})"), styles)]
    if name in ("frac", "dfrac", "tfrac", "cfrac"):
        return [Run(f"{_operand(text_of(args[0]))}/{_operand(text_of(args[1]))}", styles)]
    if name in ("binom", "dbinom", "tbinom"):
        return [Run(f"({text_of(args[0]).strip()} choose {text_of(args[1]).strip()})", styles)]
    if name == "href":  # the label, and where it leads (text has no links)
        url = text_of(args[0]).strip()
        label = args[1]
        return label if not url or text_of(label).strip() == url else [*label, Run(f" ({url})", styles)]
    if name in ("stackrel", "overset", "underset") or name in SECOND_SHOWN:
        return args[1]
    if name == "footnote":
        return [Run(" (", styles), *first, Run(")", styles)]
    if name in DROPPED:
        return []
    if not text_of(first).strip() and name not in STYLE_COMMANDS and name not in UPRIGHT:
        return [Run(name, styles)]  # `\\method{}`: an author's macro for a name
    return first  # text and upright commands, an author's own macro: the argument as it is
