"""Badges in Markdown: a code badge's URL as a link destination cmark cannot misread. What a badge says is
:mod:`arxiv_digest.facts.badges` (below every stage that shows one)."""

from __future__ import annotations

import re
from urllib.parse import quote

from ..facts.badges import Badge, badges, safe_url

__all__ = ["Badge", "badges", "markdown_destination", "safe_url"]

_REFERENCE_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def markdown_destination(url: str) -> str:
    """A link destination Markdown cannot misread: every character outside URLs' unreserved and
    delimiter set percent-encoded (parentheses, angle brackets, backslashes, backticks, spaces,
    non-ASCII), so the link ends where we end it; and an ``&`` that starts what reads as a character
    reference (``&amp;``) encoded too, which Markdown would otherwise decode (a backslash does not stop
    cmark there). A plain ``a=1&b=2`` keeps its meaning."""
    return _REFERENCE_AMP.sub("%26", quote(url, safe="-._~:/?#@!$&'*+,;=%[]"))
