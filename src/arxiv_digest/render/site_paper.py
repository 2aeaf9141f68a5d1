"""One paper as HTML, the element every page of the site is made of: the compiled twins of the packaged
``_paper.html.j2`` macros (``paper`` with its abstract, ``brief`` without), which render the same bytes as
the templates without the template engine (a test compares them on real and hostile papers). Text from
arXiv is escaped with Jinja's own table, or goes through :func:`math.tex_to_html`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Paper
from .markdown import author_line
from .math import CONTROL_CHARACTERS, tex_to_html


def authors_text(authors: Sequence[str], limit: int) -> str:
    """The author line (six, then "et al."), without the control characters HTML has no place for."""
    return CONTROL_CHARACTERS.sub("", author_line(authors, limit))


@dataclass(frozen=True, slots=True)
class PaperInfo:
    """What a paper's element says besides the paper itself, the same on every page of its day."""

    kind: str
    label: str
    topics: tuple[str, ...]  # slugs, for the topic filter
    cross_from: str | None
    summary: str | None = None  # machine-written (issue #11): untrusted text, escaped like the abstract


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
_SPECIAL = frozenset("&<>\"'")


def _e(text: str) -> str:
    """Jinja's autoescape (markupsafe's table), for the compiled twins below."""
    return text.translate(_ESCAPES) if not _SPECIAL.isdisjoint(text) else text


def paper_html(p: Paper, info: PaperInfo, max_authors: int) -> str:
    """Exactly what the packaged ``_paper.html.j2`` ``paper`` macro renders, without the template engine."""
    pid, url = _e(p.id), _e(p.abs_url)
    version = f" v{p.version}" if info.kind == "updated" else ""
    cats = "".join(f'<span class="cat">{_e(c)}</span>' for c in p.categories)
    cross = f" cross-list from {_e(info.cross_from)}" if info.cross_from else ""
    return (
        f'<article class="paper" data-arxiv-id="{pid}" data-topics="{_e(" ".join(info.topics))}">\n'
        f'<h2 class="title"><a href="{url}">{tex_to_html(p.title)}</a></h2>\n'
        f'<p class="meta"><span class="tag {info.kind}">{_e(info.label)}{version}</span> '
        f'<a href="{url}">arXiv:{pid}</a> {cats}{cross} <a href="https://arxiv.org/pdf/{pid}">PDF</a></p>\n'
        f'<p class="authors">{_e(authors_text(p.authors, max_authors))}</p>\n'
        + (
            f'<p class="summary"><span class="machine">🤖 Summary (machine-written):</span> '
            f"{_e(info.summary)}</p>\n"
            if info.summary
            else ""
        )
        + f'<p class="abstract">{tex_to_html(p.abstract or "(no abstract)")}</p>\n'
        "</article>\n"
    )


def brief_html(p: Paper, info: PaperInfo, max_authors: int) -> str:
    """Exactly what the packaged ``_paper.html.j2`` ``brief`` macro renders, without the template engine."""
    cats = "".join(f'<span class="cat">{_e(c)}</span>' for c in p.categories)
    return (
        f'<li class="paper" data-arxiv-id="{_e(p.id)}"><a class="title" href="{_e(p.abs_url)}">'
        f"{tex_to_html(p.title)}</a> "
        f'<span class="tag {info.kind}">{_e(info.label)}</span> {cats}<br>'
        f'<span class="authors">{_e(authors_text(p.authors, max_authors))}</span></li>\n'
    )
