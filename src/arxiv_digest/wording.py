"""How a count is worded in every output: "1 topic", "2 topics", "0 papers", "1 cross-list"; and how a
long text is cut for a message or a line (:func:`shorten`).

One function, so that no message, page or report says "1 topics" (issue #7). Templates do the same with
``{{ "s" if n != 1 }}``; Python code calls :func:`counted`. Imports nothing: the quick commands (``search``,
``status``) use it too.
"""

from __future__ import annotations

#: Nouns whose plural is not the singular plus "s".
_IRREGULAR = {"entry": "entries", "category": "categories", "query": "queries", "summary": "summaries"}


def plural(noun: str, n: int) -> str:
    """``noun`` as it goes with the number ``n``: singular for exactly one, plural otherwise (0 papers)."""
    if n == 1:
        return noun
    return _IRREGULAR.get(noun, noun + "s")


def counted(n: int, noun: str) -> str:
    """``n`` and its noun: ``counted(1, "topic") == "1 topic"``, ``counted(3, "day") == "3 days"``."""
    return f"{n} {plural(noun, n)}"


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"
