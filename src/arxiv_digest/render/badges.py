"""A paper's facts as the badges every output shows (issue #10): one for its code, one for its venue.

What a badge says is decided here once; each format escapes it where it lands (the Markdown, site, feed,
e-mail and chat templates and bodies). A link is kept only when it is http(s): the facts are read from
text anyone can submit to arXiv, and a stored snapshot can be edited by hand, so a ``javascript:`` or
``data:`` URL never becomes a link, whatever the extractor let through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..models import Paper

CODE_ICON = "💻"
VENUE_ICON = "🏛️"
WORKSHOP_ICON = "🛠️"
_REFERENCE_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # no format shows them; XML forbids most


@dataclass(frozen=True, slots=True)
class Badge:
    """One badge: ``kind`` is ``code`` or ``venue``; ``url`` (code only) is an http(s) link or None."""

    kind: str
    text: str  # what the badge says, icon first: "💻 code", "🏛️ CVPR 2026", "🛠️ ICCV 2025 Workshop"
    label: str  # the same without the icon: "code", "CVPR 2026"
    url: str | None = None
    workshop: bool = False


def safe_url(url: str) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host and no space or control character, else
    None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c.isspace() or ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in url):  # no format keeps them
        return None
    return url


def markdown_destination(url: str) -> str:
    """A link destination Markdown cannot misread: every character outside URLs' unreserved and
    delimiter set percent-encoded (parentheses, angle brackets, backslashes, backticks, spaces,
    non-ASCII), so the link ends where we end it; and an ``&`` that starts what reads as a character
    reference (``&amp;``) encoded too, which Markdown would otherwise decode (a backslash does not stop
    cmark there). A plain ``a=1&b=2`` keeps its meaning."""
    return _REFERENCE_AMP.sub("%26", quote(url, safe="-._~:/?#@!$&'*+,;=%[]"))


def badges(paper: Paper) -> list[Badge]:
    """The paper's badges, code first; none when it has no facts (or they say nothing)."""
    facts = paper.facts
    if facts is None:
        return []
    out: list[Badge] = []
    if facts.code:
        url = next((u for link in facts.code if (u := safe_url(link.url)) is not None), None)
        if url is not None:
            out.append(Badge("code", f"{CODE_ICON} code", "code", url))
    venue = facts.venue
    if venue is not None:
        icon = WORKSHOP_ICON if venue.workshop else VENUE_ICON
        label = _CONTROL.sub("", venue.label)
        out.append(Badge("venue", f"{icon} {label}", label, workshop=venue.workshop))
    return out


def venue_filter_value(paper: Paper) -> str:
    """The venue as the site's venue filter knows it (its name; "workshop" for a workshop paper's
    separate entry is added by the filter list), empty when there is none."""
    venue = paper.facts.venue if paper.facts is not None else None
    return "" if venue is None else venue.name
