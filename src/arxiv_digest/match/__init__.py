"""Matching: the query language's trees compiled into one matcher for all topics, and the day's digest.

``engine`` compiles trees into one matcher, ``topics`` builds a configured topic's tree, ``fts`` writes a
tree as an FTS5 expression for the search index, ``missing`` says which terms a paper lacked, and
``digest`` sorts a day's papers into topics and categories. The language itself lives in ``query/``.
"""

from __future__ import annotations

from .engine import Hit, Matcher, TopicRule

__all__ = ["Hit", "Matcher", "TopicRule"]
