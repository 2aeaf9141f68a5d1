"""Where the math is in a text from arXiv: ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` found as spans, in
linear time. Read by ``math`` (math as MathML on the site) and ``tex_text`` (the text of e-mail and chat)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Math segments, in the order TeX users write them: `$$…$$`, `$…$`, `\(…\)`, `\[…\]`. A single `$` opens only
# before a non-space and closes only after one ("costs $5 and $10" is text); math that starts with a digit
# does not close before a digit ("$5,$10"), other math may ("$\sim$30%"); `\$` is a literal dollar;
# `$\log x $` (a command, then a space before the `$`) is math. tests/test_tex_text.py holds the same rule
# as one regular expression (quadratic on hostile text, so not used here) and checks both agree.
_OPENER = re.compile(r"\$|\\[(\[]")


@dataclass(frozen=True, slots=True)
class MathSpan:
    """One math segment: ``text[start:end]`` with its delimiters, ``text[inner_start:inner_end]`` without."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    display: bool


class MathSpans:
    """The segments of the rule above, found in linear time (issue #7).

    The regex tries every ``$`` and ``\\(`` against the rest of the text, so 100 KB of unclosed ``\\(``
    took quadratic time. Here each delimiter looks only at the next closer of its kind, and the search
    for each closer is remembered: calls to :meth:`search` come with growing positions, so every closer
    is looked for once. A test checks that both find the same segments on generated text.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[str, tuple[int, int]] = {}  # needle -> (searched from, found at or -1)

    def _next(self, needle: str, start: int) -> int:
        known = self._found.get(needle)
        if known is not None and known[0] <= start and (known[1] == -1 or known[1] >= start):
            return known[1]
        at = self.text.find(needle, start)
        self._found[needle] = (start, at)
        return at

    def search(self, pos: int) -> MathSpan | None:
        """The first segment that starts at or after ``pos``."""
        text = self.text
        while (candidate := _OPENER.search(text, pos)) is not None:
            p = candidate.start()
            span = self._dollar(p) if text[p] == "$" else self._bracket(p)
            if span is not None:
                return span
            pos = p + 1
        return None

    def _bracket(self, p: int) -> MathSpan | None:
        kind = self.text[p + 1]
        close = self._next("\\)" if kind == "(" else "\\]", p + 3)
        return MathSpan(p, close + 2, p + 2, close, kind == "[") if close >= 0 else None

    def _dollar(self, p: int) -> MathSpan | None:
        text = self.text
        if text.startswith("$$", p):
            close = self._next("$$", p + 3)
            if close >= 0:
                return MathSpan(p, close + 2, p + 2, close, True)
        if p > 0 and text[p - 1] in "\\$":
            return None
        first = text[p + 1 : p + 2]
        q = self._next("$", p + 1)
        if not first or q < 0:
            return None
        last = text[q - 1]
        closes = q == p + 2 or not (last.isspace() or last == "\\")
        if not (first.isspace() or first == "$" or first.isdecimal()):
            if closes:
                return MathSpan(p, q + 1, p + 1, q, False)
        elif first.isdecimal() and closes and not text[q + 1 : q + 2].isdecimal():
            return MathSpan(p, q + 1, p + 1, q, False)
        # `$\log x $`: a command, then a space before the closing `$`.
        letter = text[p + 2 : p + 3]
        if first == "\\" and letter.isascii() and letter.isalpha() and last.isspace():
            inner_end = q - 1
            while inner_end > p + 3 and text[inner_end - 1].isspace():
                inner_end -= 1
            return MathSpan(p, q + 1, p + 1, inner_end, False)
        return None


def math_spans(text: str) -> list[MathSpan]:
    """Every math segment of ``text``, left to right."""
    finder = MathSpans(text)
    spans: list[MathSpan] = []
    pos = 0
    while (span := finder.search(pos)) is not None:
        spans.append(span)
        pos = span.end
    return spans
