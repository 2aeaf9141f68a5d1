"""The version of the extraction rules, and the facts' values, which live in :mod:`arxiv_digest.models`
(plain values every stage reads; this package only makes them).

A snapshot record carries the facts as one additive key, ``facts`` (issue #10). Its ``rules`` number says
which version of these rules produced it, so a reader can tell a stored value made by older rules (and
recompute it: :func:`arxiv_digest.facts.facts_of_record`) from one it can trust.
"""

from __future__ import annotations

from arxiv_digest.models import CodeLink, Facts, LinkKind, Track, Venue

__all__ = ["RULES_VERSION", "CodeLink", "Facts", "LinkKind", "Track", "Venue"]

#: The version of the extraction rules. Raise it whenever a rule changes what it finds, so that stored
#: facts made by the old rules are recomputed instead of trusted.
RULES_VERSION = 1
