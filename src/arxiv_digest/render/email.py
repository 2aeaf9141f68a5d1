"""The day's e-mail bodies: the plain-text part and the HTML part, from Jinja2 templates under
``render/templates/email/`` that a user can override one at a time (``templates:`` in the config, as for
the Markdown pages). ``notify/email.py`` wraps them in a message and sends it.

The HTML environment autoescapes every value, so arXiv's text lands in the HTML exactly once escaped; the
plain-text part escapes nothing (it is not markup) but drops control and bidirectional-override
characters, which could disguise what a line says. Titles and abstracts pass ``| tex`` first: their TeX
becomes readable text (``\\emph{x}`` is *x*, ``$\\sqrt{k}$`` is √k); in the HTML part each piece is escaped
and emphasis is written as tags. The HTML uses inline styles only (mail clients drop ``<style>`` and
``<head>``) and no image.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..wording import shorten
from .badges import badges
from .markdown import author_line, make_environment
from .selection import Selection, kind_tag
from .tex_text import runs_to_html, shorten_runs, tex_runs, tex_to_text

TEMPLATES = "email"
#: The HTML part shows this much of an abstract, then links to arXiv for the rest.
ABSTRACT_PREVIEW_CHARS = 500

# C0/C1 controls (but tab and newline) and the bidirectional overrides/isolates.
_UNSAFE_PLAIN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return _UNSAFE_PLAIN.sub("", str(value))


def _html_finalize(value: Any) -> Any:
    return "" if value is None else value  # autoescape does the rest (and leaves Markup alone)


def _wrap(text: str, width: int = 76, indent: str = "") -> str:
    return textwrap.fill(
        " ".join(str(text).split()),
        width=width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _html_tex(text: Any) -> Markup:
    """A title or abstract for the HTML part: readable TeX, each piece HTML-escaped, emphasis as tags."""
    return Markup(runs_to_html(tex_runs(str(text)), lambda t: str(escape(t))))


def _html_tex_preview(text: Any, limit: int) -> Markup:
    """The first ``limit`` characters of the readable text (cut at a word), as :func:`_html_tex`."""
    runs = tex_runs(str(text))
    cut = shorten(tex_to_text(str(text)), limit)
    prefix = cut[:-1] if cut.endswith("…") else cut
    return Markup(runs_to_html(shorten_runs(runs, prefix), lambda t: str(escape(t))))


def _filters(env: jinja2.Environment, max_authors: int) -> jinja2.Environment:
    env.filters["authors"] = lambda authors: author_line(authors, max_authors)
    env.filters["tag"] = kind_tag
    env.filters["shorten"] = shorten
    env.filters["wrap"] = _wrap
    env.filters["badges"] = badges  # the paper's code and venue badges (issue #10)
    return env


class EmailRenderer:
    """The two parts of the day's e-mail, from ``email/digest.txt.j2`` and ``email/digest.html.j2``."""

    def __init__(self, templates_dir: Path | None, max_authors: int) -> None:
        self.text_env = _filters(
            make_environment(TEMPLATES, templates_dir, finalize=_plain, autoescape=False), max_authors
        )
        self.text_env.filters["tex"] = lambda text: tex_to_text(str(text))
        self.html_env = _filters(
            make_environment(TEMPLATES, templates_dir, finalize=_html_finalize, autoescape=True), max_authors
        )
        self.html_env.filters["tex"] = _html_tex
        self.html_env.filters["tex_preview"] = _html_tex_preview
        self.html_env.filters["tex_length"] = lambda text: len(tex_to_text(str(text)))

    def _context(self, selection: Selection) -> dict[str, Any]:
        return {
            "selection": selection,
            "subject": selection.subject,
            "title": selection.title,
            "day": selection.label,
            "topics": [
                {
                    "name": t.topic.name,
                    "url": selection.topic_url(t),
                    "papers": t.papers,
                    "reasons": selection.reasons if selection.is_for_you(t) else {},
                }
                for t in selection.shown
            ],
            "paper_count": selection.paper_count,
            "day_url": selection.day_url,
            "preview_chars": ABSTRACT_PREVIEW_CHARS,
            "summary_of": selection.summary_of,  # machine-written (issue #11), or None
        }

    def text(self, selection: Selection) -> str:
        return self.text_env.get_template("digest.txt.j2").render(self._context(selection))

    def html(self, selection: Selection) -> str:
        return self.html_env.get_template("digest.html.j2").render(self._context(selection))
