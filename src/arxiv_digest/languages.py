"""The languages a summary may be written in, and the cheap check that a summary is written in its own.

A language is accepted only if we can *check* it: a model asked for German that answers in English (the
abstract's language) is the failure a peer's users reported most, so each language here has a test that
tells it from English and from its neighbours. The check is a heuristic, deliberately lenient where
languages are close (Spanish and Portuguese tie on some sentences: a tie passes), and strict on what
matters: the script (Chinese asked, English given) and English function words outnumbering the target's.

- Languages with their own script (Chinese, Japanese, Korean, Russian, Ukrainian, Arabic, Hindi): at least
  half of the text's units (a word of letters, or one CJK character) are in that script. Japanese needs
  kana, Chinese has (almost) none; Russian and Ukrainian are told apart by the letters only one has.
- Latin-script languages: the text is mostly Latin letters, and the target's function words are at least
  as many as any other listed language's (so a German summary has more "der/die/und" than "the/and").

Names are matched without case: the English name, the language's own name, or its ISO 639-1 code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Script(StrEnum):
    LATIN = "Latin"
    HAN = "Han"  # Chinese characters
    JAPANESE = "Japanese"  # kana with Han
    HANGUL = "Hangul"
    CYRILLIC = "Cyrillic"
    ARABIC = "Arabic"
    DEVANAGARI = "Devanagari"


@dataclass(frozen=True, slots=True)
class Language:
    """A language a summary can be asked for. ``code`` (ISO 639-1) is what the cache records; ``name`` and
    ``native`` are what the prompt says."""

    code: str
    name: str
    native: str
    script: Script
    words: frozenset[str] = frozenset()  # function words, for telling Latin-script languages apart
    aliases: tuple[str, ...] = ()

    @property
    def prompt_name(self) -> str:
        """``German (Deutsch)``: the name a model reads in the prompt."""
        return self.name if self.native == self.name else f"{self.name} ({self.native})"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Each list holds frequent function words of its language, chosen to occur in a sentence about what a
#: paper does and finds; a word shared by two languages counts for both (it cannot tell them apart).
LANGUAGES: tuple[Language, ...] = (
    Language(
        "en",
        "English",
        "English",
        Script.LATIN,
        _words(
            "the and of to is are that this with for we it its by from which on an as be these their than "
            "how what using shows show finds find they our was were has have can into while"
        ),
    ),
    Language(
        "de",
        "German",
        "Deutsch",
        Script.LATIN,
        _words(
            "der die das und ist sind mit für von den dem ein eine einen einer nicht auf sich zu wird werden "
            "dass durch auch zeigt zeigen bei aus wie es vor des im zur zum"
        ),
    ),
    Language(
        "fr",
        "French",
        "Français",
        Script.LATIN,
        _words(
            "de le la les et est sont des du une un dans pour avec sur qui que par au aux ce cette ses leur "
            "montre montrent il elle ne pas plus qu l d se"
        ),
    ),
    Language(
        "es",
        "Spanish",
        "Español",
        Script.LATIN,
        _words(
            "de el la los las y es son del una un en para con por que se su sus este esta muestra muestran "
            "como más lo al entre sobre"
        ),
        aliases=("español", "castellano"),
    ),
    Language(
        "pt",
        "Portuguese",
        "Português",
        Script.LATIN,
        _words(
            "de o os e é são do da dos das uma um em para com por que se seu sua este esta mostra mostram "
            "como mais no na nos nas não ao pelo pela"
        ),
    ),
    Language(
        "it",
        "Italian",
        "Italiano",
        Script.LATIN,
        _words(
            "il lo gli e è sono del della dei delle una un in per con che si questo questa mostra mostrano "
            "come più nel nella al non di da tra"
        ),
    ),
    Language(
        "nl",
        "Dutch",
        "Nederlands",
        Script.LATIN,
        _words(
            "de het een en is zijn van voor met op dat die dit deze wordt worden niet ook aan naar toont "
            "laat zien bij uit om dan"
        ),
        aliases=("nederlands", "vlaams"),
    ),
    Language(
        "zh", "Chinese", "中文", Script.HAN, aliases=("简体中文", "汉语", "zh-cn", "zh-hans", "mandarin")
    ),
    Language("ja", "Japanese", "日本語", Script.JAPANESE),
    Language("ko", "Korean", "한국어", Script.HANGUL),
    Language("ru", "Russian", "Русский", Script.CYRILLIC),
    Language("uk", "Ukrainian", "Українська", Script.CYRILLIC),
    Language("ar", "Arabic", "العربية", Script.ARABIC),
    Language("hi", "Hindi", "हिन्दी", Script.DEVANAGARI),
)

_BY_NAME: dict[str, Language] = {}
for _language in LANGUAGES:
    for _name in (_language.code, _language.name, _language.native, *_language.aliases):
        _BY_NAME[_name.casefold()] = _language


def accepted_languages() -> str:
    """``English (en), German (de), …``: what a message lists as accepted."""
    return ", ".join(f"{lang.name} ({lang.code})" for lang in LANGUAGES)


def find_language(text: str) -> Language:
    """The language ``text`` names (``German``, ``Deutsch``, ``de``, any case); ValueError listing every
    accepted name otherwise."""
    found = _BY_NAME.get(text.strip().casefold()) if isinstance(text, str) else None
    if found is None:
        raise ValueError(
            f"{text!r} is not a language summaries can be written in and checked; "
            f"use one of: {accepted_languages()} (the English name, its own name or the code)"
        )
    return found


# -- the check -----------------------------------------------------------------------------------------

_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana, then Han
#: A unit is one CJK character (those scripts write no spaces) or a run of other letters (a word).
_UNITS = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]+")
_WORD = re.compile(r"[^\W\d_]+")
_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")


def _script_of(unit: str) -> Script | None:
    first = unit[0]
    code = ord(first)
    if 0x3040 <= code <= 0x30FF:
        return Script.JAPANESE
    if 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
        return Script.HAN
    if _LATIN.match(first):
        return Script.LATIN
    name = unicodedata.name(first, "")
    for script in (Script.HANGUL, Script.CYRILLIC, Script.ARABIC, Script.DEVANAGARI):
        if name.startswith(script.value.upper()):
            return script
    return None


def _latin_scores(text: str) -> dict[str, int]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {
        lang.code: sum(w in lang.words for w in words) for lang in LANGUAGES if lang.script is Script.LATIN
    }


def _guess(counts: dict[Script | None, int], scores: dict[str, int]) -> str:
    """The name of what a text seems to be written in, for a message."""
    script = max(counts, key=lambda s: counts[s] if s is not None else -1)
    if script is Script.LATIN:
        best = max(scores, key=lambda code: scores[code])
        return next(lang.name for lang in LANGUAGES if lang.code == best) if scores[best] else "Latin script"
    if script in (Script.HAN, Script.JAPANESE):
        return "Japanese" if counts.get(Script.JAPANESE, 0) >= 2 else "Chinese"
    return f"{script} script" if script is not None else "an unknown script"


def _script_counts(units: list[str]) -> dict[Script | None, int]:
    counts: dict[Script | None, int] = {}
    for unit in units:
        script = _script_of(unit)
        counts[script] = counts.get(script, 0) + 1
    return counts


def _script_fits(language: Language, counts: dict[Script | None, int], text: str) -> str | None:
    """None when the script of the text is the language's (Russian and Ukrainian told apart), else the
    problem (empty: no name for what it is written in)."""
    total = sum(counts.values())
    if language.script is Script.JAPANESE:
        kana = counts.get(Script.JAPANESE, 0)
        return None if 2 * (kana + counts.get(Script.HAN, 0)) >= total and kana >= 2 else ""
    if language.script is Script.HAN:
        han = counts.get(Script.HAN, 0)
        return None if 2 * han >= total and counts.get(Script.JAPANESE, 0) <= 2 else ""
    if 2 * counts.get(language.script, 0) < total:
        return ""
    if language.script is Script.CYRILLIC:
        ukrainian = sum(ch in _UKRAINIAN_ONLY for ch in text)
        russian = sum(ch in _RUSSIAN_ONLY for ch in text)
        if language.code == "uk" and ukrainian <= russian:
            return f"written in Russian, not {language.name}"
        if language.code == "ru" and ukrainian > russian:
            return f"written in Ukrainian, not {language.name}"
    return None


def language_problem(text: str, language: Language) -> str | None:
    """None when ``text`` reads as ``language``; otherwise why not (``written in English, not German``).
    Cheap: two regular expressions over a few hundred characters, no model."""
    units = _UNITS.findall(text)
    if not units:
        return "it has no words"
    counts = _script_counts(units)
    problem = _script_fits(language, counts, text)
    scores: dict[str, int] | None = None
    if problem is None and language.script is Script.LATIN:
        scores = _latin_scores(text)
        mine = scores[language.code]
        if mine == 0 and len(units) >= 4 and not any(scores.values()):
            return f"not recognisably {language.name}"
        if (mine == 0 and len(units) >= 4) or any(score > mine for score in scores.values()):
            problem = ""
    if problem == "":  # wrong, and the message names what it seems to be instead
        guess = _guess(counts, scores if scores is not None else _latin_scores(text))
        return f"written in {guess}, not {language.name}"
    return problem
