"""The query language: what a keyword means (``words``), the parser (``parse``), the tree (``ast``), and the
reference's keyword lists written as the same trees (``keywords``). Pure functions of text: no I/O.
"""

from __future__ import annotations

from .ast import And, Node, Not, Or, Term
from .keywords import keywords_tree
from .parse import parse_query
from .words import compile_keyword, tokenize

__all__ = ["And", "Node", "Not", "Or", "Term", "compile_keyword", "keywords_tree", "parse_query", "tokenize"]
