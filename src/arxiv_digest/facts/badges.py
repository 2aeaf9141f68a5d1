"""A paper's facts as the badges every output shows (issue #10): one for its code, one for its venue.

What a badge says is decided here once, below every stage that shows one (render's pages and feeds,
notify's e-mail and chat bodies); each format escapes it where it lands. A link is kept only when it is
http(s): the facts are read from text anyone can submit to arXiv, and a stored snapshot can be edited by
hand, so a ``javascript:`` or ``data:`` URL never becomes a link, whatever the extractor let through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from arxiv_digest.models import Paper

CODE_ICON = "💻"
VENUE_ICON = "🏛️"
WORKSHOP_ICON = "🛠️"
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
