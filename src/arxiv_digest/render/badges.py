"""Badges in Markdown: a code badge's URL as a link destination cmark cannot misread. What a badge says is
:mod:`arxiv_digest.facts.badges` (below every stage that shows one)."""

from __future__ import annotations

import re
from urllib.parse import quote

from ..facts.badges import Badge, badges, safe_url
from ..models import Facts, Paper

__all__ = ["Badge", "badges", "markdown_destination", "page_badges", "safe_url"]

_REFERENCE_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def markdown_destination(url: str) -> str:
    """A link destination Markdown cannot misread: every character outside URLs' unreserved and
    delimiter set percent-encoded (parentheses, angle brackets, backslashes, backticks, spaces,
    non-ASCII), so the link ends where we end it; and an ``&`` that starts what reads as a character
    reference (``&amp;``) encoded too, which Markdown would otherwise decode (a backslash does not stop
    cmark there). A plain ``a=1&b=2`` keeps its meaning."""
    return _REFERENCE_AMP.sub("%26", quote(url, safe="-._~:/?#@!$&'*+,;=%[]"))


#: Badges by the facts they are made of (a paper's badges depend on its facts alone); emptied when full.
_BY_FACTS: dict[Facts, tuple[Badge, ...]] = {}
_BY_FACTS_LIMIT = 8192


def page_badges(paper: Paper) -> list[Badge]:
    """:func:`badges` for the templates (the ``badges`` filter): a day's paper stands on its topic and
    category pages in Markdown and on the site, so its badges are worked out once, by its facts (a new
    list each call, as :func:`badges` gives, for a template that changes it)."""
    facts = paper.facts
    if facts is None:
        return []
    shown = _BY_FACTS.get(facts)
    if shown is None:
        if len(_BY_FACTS) >= _BY_FACTS_LIMIT:
            _BY_FACTS.clear()
        shown = _BY_FACTS[facts] = tuple(badges(paper))
    return list(shown)
