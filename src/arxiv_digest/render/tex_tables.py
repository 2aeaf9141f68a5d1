"""The tables of :mod:`.tex_text`: which TeX command does what in readable text, and the symbols.

The ~900 symbols (``\\alpha``, ``\\leq``, ``\\ldots``, accents of letters, …) and the argument
specifications of commands come from pylatexenc; the rest says how a command's arguments are shown.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pylatexenc.latex2text import get_default_latex_context_db as text_specs
from pylatexenc.latexwalker import get_default_latex_context_db as argument_specs

STRONG, EM, CODE = "strong", "em", "code"

#: Commands whose argument is text with (or without) an emphasis; the first group reads it as text, also
#: inside math (`$\\text{if } x$`).
STYLE_COMMANDS: dict[str, str | None] = {"textbf": STRONG, "textit": EM, "emph": EM, "textsl": EM,
                                          "texttt": CODE, "textmd": None, "textup": None, "textrm": None,
                                          "textsf": None, "textsc": None, "textnormal": None, "text": None,
                                          "mbox": None, "hbox": None, "underline": None}  # fmt: skip
#: Math commands whose argument stays math, shown upright as it is.
UPRIGHT = frozenset({"mathrm", "mathit", "operatorname", "mathop", "mathnormal", "textsuperscript",
                      "textsubscript"})  # fmt: skip
#: Font switches, which hold for the rest of their group (`{\\em x}`).
SWITCHES: dict[str, str | None] = {"em": EM, "it": EM, "itshape": EM, "sl": EM, "slshape": EM,
             "bf": STRONG, "bfseries": STRONG, "tt": CODE, "ttfamily": CODE, "rm": None, "sf": None,
             "sc": None, "scshape": None, "normalfont": None, "upshape": None, "rmfamily": None,
             "sffamily": None}  # fmt: skip
ALPHABETS = {"mathbb": "doublestruck", "mathbbm": "doublestruck", "mathcal": "script", "mathscr": "script",
              "mathfrak": "fraktur", "mathbf": "bold", "boldsymbol": "bold", "bm": "bold", "mathsf": "sans",
              "mathtt": "monospace"}  # fmt: skip
ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303", "=": "\u0304",
            ".": "\u0307", "c": "\u0327", "H": "\u030b", "k": "\u0328", "b": "\u0331", "d": "\u0323",
            "r": "\u030a", "u": "\u0306", "v": "\u030c", "tilde": "\u0303", "widetilde": "\u0303",
            "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "vec": "\u20d7",
            "overrightarrow": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "check": "\u030c",
            "breve": "\u0306", "acute": "\u0301", "grave": "\u0300", "mathring": "\u030a"}  # fmt: skip
#: Commands whose arguments are not text for a reader (citation keys, labels, lengths): dropped with them.
DROPPED = frozenset({"cite", "citep", "citet", "citealp", "citeauthor", "citeyear", "nocite", "ref",
                      "eqref", "autoref", "cref", "Cref", "pageref", "label", "vspace", "hspace",
                      "includegraphics", "bibliography", "bibliographystyle", "color", "begin", "end",
                      "thanks"})  # fmt: skip
#: Commands that only change size, spacing or layout: dropped (an argument, if they take one, is kept).
LAYOUT = frozenset({"tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE",
                     "huge", "Huge", "centering", "noindent", "par", "newline", "linebreak", "hfill",
                     "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
                     "biggl", "biggr", "Biggl", "Biggr", "middle", "displaystyle", "textstyle",
                     "scriptstyle", "limits", "nolimits", "nonumber", "notag", "protect", "relax",
                     "xspace", "maketitle", "smallskip", "medskip", "bigskip", "allowbreak"})  # fmt: skip
SPACES = {",": " ", ":": " ", ";": " ", " ": " ", "\n": " ", "\t": " ", "\\": " ", "!": "", "/": "",
           "@": "", "-": "", "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ",
           "space": " ", "nobreakspace": " "}  # fmt: skip
OWN_SYMBOLS = {"textless": "<", "textgreater": ">", "textbackslash": "\\", "textbar": "|", "LaTeX": "LaTeX",
                "TeX": "TeX", "eg": "e.g.", "ie": "i.e.", "etal": "et al.", "etc": "etc.", "vs": "vs.",
                "item": "•", "footnotemark": "", "%": "%", "$": "$", "&": "&", "#": "#", "_": "_",
                "{": "{", "}": "}",
                "|": "‖", "textasciitilde": "~", "textasciicircum": "^", "S": "§", "P": "¶",
                "dag": "†", "ddag": "‡", "prime": "′"}  # fmt: skip
#: Math commands of two arguments, which TeX also takes as single tokens (`\\frac12`).
FRACTIONS = frozenset({"frac", "dfrac", "tfrac", "cfrac", "binom", "dbinom", "tbinom", "stackrel",
                        "overset", "underset"})  # fmt: skip
#: Text commands of two braced arguments; the second is what a reader sees.
SECOND_SHOWN = frozenset({"href", "textcolor", "colorbox", "texorpdfstring"})

SUPERSCRIPT = dict(zip("0123456789+-=()nia", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃ", strict=True))
SUPERSCRIPT.update(
    zip("bcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVW", "ᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ", strict=True)
)
SUPERSCRIPT.update(
    {
        "α": "ᵅ",
        "β": "ᵝ",
        "γ": "ᵞ",
        "δ": "ᵟ",
        "ε": "ᵋ",
        "θ": "ᶿ",
        "φ": "ᵠ",
        "χ": "ᵡ",
        "∘": "°",
        "′": "′",
        "″": "″",
        "*": "*",
        "∗": "*",
        "†": "†",
        "⊤": "ᵀ",
        " ": "",
    }
)
SUBSCRIPT = dict(
    zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True)
)
SUBSCRIPT[" "] = ""
# Names for `^` and `_` as commands, which no TeX command can have (`\\^` is an accent).
SUP, SUB = " ^", " _"
SCRIPTS = {"^": SUP, "_": SUB}
ROOTS = {"": "√", "2": "√", "3": "∛", "4": "∜"}
#: What a fraction's part must hold to be written with parentheses: (a+b)/2, but 1/2 and ∂L/∂x.
OPERATORS = re.compile(r"[\s+\-−±*/=<>,·×]")
DASHES = re.compile(r"---?|``|''")
DASH_TEXT = {"---": "—", "--": "–", "``": "“", "''": "”"}
SPACE_RUN = re.compile(r"\s+")
NEEDS_WORK = re.compile(r"[\\{}$~]|--|``|''")


def needs_work(text: str) -> bool:
    """Whether ``text`` holds anything the pass reacts to (``NEEDS_WORK``: a backslash, a brace, ``$``,
    ``~``, ``--``, a pair of quotes). Substring tests, three times faster than the regular expression."""
    return (
        "\\" in text
        or "$" in text
        or "{" in text
        or "}" in text
        or "~" in text
        or "--" in text
        or "``" in text
        or "''" in text
    )


def collapse_spaces(text: str) -> str:
    """``" ".join(text.split())`` without the split in the common case: arXiv wraps its abstracts with
    single line breaks, and a text whose only white space is then single spaces (``str.isprintable``
    rejects every other white-space character: each is a separator or a control character) is that."""
    spaced = text.replace("\n", " ") if "\n" in text else text
    if spaced.isprintable() and "  " not in spaced and spaced[:1] != " " and spaced[-1:] != " ":
        return spaced
    return " ".join(text.split())


def squeeze_spaces(text: str) -> str:
    """Each run of white space one space (``SPACE_RUN``), without the regular expression when the only
    runs are single spaces and line breaks (see :func:`collapse_spaces`)."""
    spaced = text.replace("\n", " ") if "\n" in text else text
    if "  " not in spaced and spaced.isprintable():
        return spaced
    return SPACE_RUN.sub(" ", text)


@lru_cache(maxsize=1)
def symbols() -> dict[str, str]:
    """pylatexenc's constant replacements (``\\alpha`` -> α), with ours where we differ from it."""
    table: dict[str, str] = {}
    for spec in text_specs().iter_macro_specs():
        replacement = spec.simplify_repl
        if isinstance(replacement, str) and "%" not in replacement:
            table[spec.macroname] = replacement
    table.update(OWN_SYMBOLS)
    return table


@lru_cache(maxsize=1024)
def argument_spec(name: str) -> tuple[int, bool]:
    """(mandatory arguments, takes an optional one first) for a command pylatexenc knows; (0, False) else."""
    spec = argument_specs().get_macro_spec(name)
    argspec = getattr(getattr(spec, "args_parser", None), "argspec", "") or ""
    return argspec.count("{"), argspec.lstrip("*").startswith("[")
