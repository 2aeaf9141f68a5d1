"""The `word` rule: what a keyword means, in one place.

Text and keyword are NFKC-normalised and lower-cased; every run of characters that are not letters or
digits is a word boundary. A keyword matches where its words occur consecutively as whole words; its last
word may be followed by ``s`` or ``es`` (``LLM`` matches "LLMs"); a word ending in ``*`` matches any word
with that prefix (``Bench*``); a hyphen inside a keyword also matches the closed form (``Multi-Modal``
matches "multimodal").

So ``Vision Language Model`` matches "vision-language models", ``r1`` matches "DeepSeek-R1" but not
"PXR150", ``RL`` does not match "world" and ``LLM`` does not match "MLLM".
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W_]+")
_KEYWORD_WORD = re.compile(r"[^\W_]+\*?")
_HYPHENS = {"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212"}
#: A keyword with more joinable hyphens than this is not expanded further (2**6 = 64 variants).
MAX_HYPHEN_VARIANTS = 6


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


# Every ASCII character that is not a letter or digit (punctuation, controls) separates words.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def tokenize(text: str) -> list[str]:
    """The words of ``text`` under the word rule."""
    if text.isascii():  # most abstracts: NFKC is the identity, and translate+split runs in C
        return text.lower().translate(_ASCII_SEPARATORS).split()
    return _TOKEN.findall(normalize(text))


@dataclass(frozen=True, slots=True)
class WordPattern:
    text: str
    prefix: bool = False  # written with a trailing `*`
    plural: bool = False  # the phrase's last word: may be followed by "s" or "es"

    def matches(self, token: str) -> bool:
        if self.prefix:
            return token.startswith(self.text)
        if token == self.text:
            return True
        return self.plural and (token == self.text + "s" or token == self.text + "es")


Phrase = tuple[WordPattern, ...]


def compile_keyword(keyword: str) -> tuple[Phrase, ...]:
    """All phrase variants a keyword stands for (one per way of closing its hyphens).

    >>> [" ".join(w.text for w in p) for p in compile_keyword("Multi-Modal LLM")]
    ['multi modal llm', 'multimodal llm']
    """
    norm = normalize(keyword)
    matches = list(_KEYWORD_WORD.finditer(norm))
    if not matches:
        return ()
    words = [m.group(0) for m in matches]
    joinable = []
    for a, b in itertools.pairwise(matches):
        separator = norm[a.end() : b.start()]
        joinable.append(separator in _HYPHENS and not a.group(0).endswith("*"))
    hyphen_positions = [i for i, j in enumerate(joinable) if j][:MAX_HYPHEN_VARIANTS]
    variants: list[Phrase] = []
    seen: set[tuple[tuple[str, bool], ...]] = set()
    for choice in itertools.product((False, True), repeat=len(hyphen_positions)):
        join = dict(zip(hyphen_positions, choice, strict=True))
        merged: list[str] = [words[0]]
        for i in range(1, len(words)):
            if join.get(i - 1, False):
                merged[-1] = merged[-1] + words[i]
            else:
                merged.append(words[i])
        patterns = []
        for k, w in enumerate(merged):
            prefix = w.endswith("*")
            text = w.rstrip("*")
            patterns.append(WordPattern(text, prefix=prefix, plural=(k == len(merged) - 1 and not prefix)))
        key = tuple((p.text, p.prefix) for p in patterns)
        if key not in seen:
            seen.add(key)
            variants.append(tuple(patterns))
    return tuple(variants)


def phrase_at(phrase: Phrase, tokens: list[str], start: int) -> bool:
    if start + len(phrase) > len(tokens):
        return False
    return all(p.matches(tokens[start + k]) for k, p in enumerate(phrase))
