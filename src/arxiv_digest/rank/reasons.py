"""A pick's reasons as a reader reads them: the terms that carried its score, made into phrases.

The model's columns are single words and word pairs, so the strongest terms of a paper come as fragments:
"chain of", "of thought"; "multi agent", "agent reinforcement"; "video" and "videos"; "available at". The
score is untouched; only what is shown is tidied, in the order of each term's share of the score:

* overlapping pairs become the phrase they are pieces of, when the paper says that phrase ("chain of
  thought"), up to four words; a pair the paper says only across a clause's end ("segmentation.
  However") is not a phrase;
* a term adds nothing when its words are already shown (a word inside a shown phrase, "video" after
  "videos": words compared without a plural "s"), nor a pair that repeats a shown word without growing
  its phrase; a word shown alone gives way to a pair holding it ("diffusion" to "diffusion models");
* a phrase that begins or ends with a function word ("the challenge", "models have") is not shown, nor one
  with a TeX control word the text carries as ``\\textbf`` or a piece of a link ("https", "com").

Function words are a closed class, listed below: scikit-learn's ``ENGLISH_STOP_WORDS`` would also drop
research words ("system", "computer", "detail", "fire"), which a phrase may well end with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_FUNCTION_WORDS = """
    a about above after against all along also am among an and another any are around as at be been before
    being below between both but by can could did do does doing done down during each either else even
    every few for from further had has have having he her here hers him his how however if in into is it
    its itself just less may might more most much must my neither nor not of off on once one only onto or
    other our ours out over own per rather same shall she should since so some such than that the their
    theirs them then there these they this those though through thus to too under until up upon us very via
    was we were what when where whereas whether which while who whom whose why will with within without
    would yet you your
    """
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
#: The pieces of a link a text spells out ("available at https github com ..."): no reason to read.
LINK_WORDS = frozenset(("http", "https", "www", "com", "org", "io", "html"))
MAX_WORDS = 4


def phrases(terms: Iterable[str], tokens: list[str], text: str, limit: int) -> tuple[str, ...]:
    """The first ``limit`` phrases made from ``terms`` (strongest first) for a paper whose tokens, as the
    vectorizer reads them, are ``tokens`` (an empty string where a clause ends) and whose raw title and
    abstract are ``text``."""
    says = _says(tokens)

    def readable(words: list[str]) -> bool:
        if words[0] in FUNCTION_WORDS or words[-1] in FUNCTION_WORDS:
            return False
        return not any(w in LINK_WORDS or f"\\{w}" in text for w in words)

    chosen: list[list[str]] = []
    for term in terms:
        words = term.split()
        if len(words) > 1 and not says(words):  # a pair across a full stop or a comma: no phrase
            continue
        if not _merged(chosen, words, says, readable) and not _shown(chosen, words, readable):
            chosen.append(words)
        if sum(map(readable, chosen)) >= limit:
            break
    return tuple(" ".join(c) for c in chosen if readable(c))[:limit]


def _says(tokens: list[str]) -> Callable[[list[str]], bool]:
    """Whether the paper's token sequence holds a phrase, word for word, within one clause."""
    joined = f" {' '.join(tokens)} "
    return lambda words: f" {' '.join(words)} " in joined


Check = Callable[[list[str]], bool]


def _merged(chosen: list[list[str]], words: list[str], says: Check, readable: Check) -> bool:
    """Grow a chosen phrase with a pair that overlaps its end or its start, when the paper says the longer
    phrase; a word shown alone that the pair holds gives way to the pair. Never a shown phrase into one
    that cannot be shown ("temporal" into "the temporal")."""
    if len(words) != 2:
        return False
    first, last = words
    for n, phrase in enumerate(chosen):
        grown = None
        if len(phrase) == 1 and phrase[0] in (first, last):
            grown = words
        elif len(phrase) < MAX_WORDS and phrase[-1] == first and says([*phrase, last]):
            grown = [*phrase, last]
        elif len(phrase) < MAX_WORDS and phrase[0] == last and says([first, *phrase]):
            grown = [first, *phrase]
        if grown is not None and (readable(grown) or not readable(phrase)):
            chosen[n] = grown
            chosen[:] = [c for i, c in enumerate(chosen) if i == n or not _inside(c, grown)]
            return True
    return False


def _shown(chosen: list[list[str]], words: list[str], readable: Check) -> bool:
    """Whether a shown phrase already holds every word of ``words``, or (for a pair that did not grow or
    replace it) one of them: "videos remains" after "video" would only say "video" again."""
    if len(words) == 1:
        return any(_inside(words, c) for c in chosen if readable(c))
    held = {_singular(w) for c in chosen if readable(c) for w in c}
    return any(_singular(w) in held for w in words)


def _inside(words: list[str], phrase: list[str]) -> bool:
    """Every word of ``words`` is in ``phrase`` (a plural "s" aside)."""
    held = {_singular(w) for w in phrase}
    return all(_singular(w) in held for w in words)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
