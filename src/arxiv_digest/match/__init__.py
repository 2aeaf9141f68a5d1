"""Keywords and the query language: parse -> tree -> one compiled matcher for all topics.

``words`` defines what a keyword means, ``query`` parses the query language, ``keywords`` turns the
reference's keyword lists into the same trees, ``engine`` compiles trees into one matcher, and ``topics``
builds a configured topic's tree.
"""

from __future__ import annotations

from .ast import And, Node, Not, Or, Term
from .engine import Hit, Matcher, TopicRule
from .keywords import keywords_tree
from .query import parse_query
from .words import compile_keyword, tokenize

__all__ = [
    "And",
    "Hit",
    "Matcher",
    "Node",
    "Not",
    "Or",
    "Term",
    "TopicRule",
    "compile_keyword",
    "keywords_tree",
    "parse_query",
    "tokenize",
]
