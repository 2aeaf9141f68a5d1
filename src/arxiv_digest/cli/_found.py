"""What ``search`` prints of the papers it found: the text, with each matched word highlighted where it
matched, or the JSON rows of ``--json``."""

from __future__ import annotations

import re
from collections.abc import Sequence

import click

from ..jobs.search import SearchResult
from ..match import Hit
from ..match.engine import stream_tokens
from ..models import Paper


def json_rows(results: Sequence[SearchResult], *, explain: bool) -> list[dict[str, object]]:
    """One object a paper, for ``search --json``."""
    rows = []
    for r in results:
        p = r.paper
        row: dict[str, object] = {
            "id": p.id,
            "version": p.version,
            "title": p.title,
            "authors": list(p.authors),
            "categories": list(p.categories),
            "announced": p.announced.isoformat() if r.submission is None else None,
            "announce_type": p.announce_type.value if r.submission is None else None,
            "url": p.abs_url,
            "abstract": p.abstract,
            "source": "announcement" if r.submission is None else "remote",
            "facts": None if p.facts is None else p.facts.to_record(),  # issue #10: code links, venue
        }
        if r.submission is not None:
            row["submitted"] = r.submission.submitted.isoformat()
        if explain:
            row["matches"] = [{"term": str(h.term), "where": h.where, "words": h.words} for h in r.hits]
        rows.append(row)
    return rows


def print_results(results: Sequence[SearchResult], *, explain: bool) -> None:
    """Each paper as a block of lines: id, day, kind and categories; title; authors; the abstract around
    its first matched word; the comment if it matched; the link; with ``explain``, every term's match."""
    for r in results:
        p = r.paper
        found = matched_words(p, r.hits)
        kind = p.announce_type.value if r.submission is None else "remote (submitted)"
        categories = " ".join(highlight(c, found["category"], whole=True) for c in p.categories)
        click.echo(f"{click.style(p.id, bold=True)}  {p.announced}  {kind}  {categories}")
        click.echo(f"  {highlight(p.title, found['title'])}")
        click.echo(f"  {author_line(p.authors, found['author'])}")
        if found["abstract"]:
            click.echo(f"  {highlight(excerpt(p.abstract, found['abstract']), found['abstract'])}")
        if found["comment"] and p.comment:
            click.echo(f"  comment: {highlight(p.comment, found['comment'])}")
        click.echo(f"  {p.abs_url}")
        if p.facts is not None and (p.facts.code or p.facts.venue):  # its badges (issue #10)
            venue = [p.facts.venue.label] if p.facts.venue else []
            click.echo("  " + " · ".join([f"code {link.url}" for link in p.facts.code[:1]] + venue))
        if explain:
            for h in r.hits:
                click.echo(f"  matched {h.term} in {h.where}: {h.words!r}")
        click.echo("")


def matched_words(paper: Paper, hits: Sequence[Hit]) -> dict[str, set[str]]:
    """The words each part of a paper matched on (lower case), so that each is highlighted where it
    matched: `abs:"world model"` lights up the abstract, not the same words in the title."""
    found: dict[str, set[str]] = {k: set() for k in ("title", "abstract", "author", "comment", "category")}
    for h in hits:
        if h.where == "category":
            found["category"].add(h.words.lower())
        elif h.where.startswith("author"):  # the words of the name that matched, not the whole name
            found["author"].update(stream_tokens(paper, h.where)[h.start : h.end])
        elif h.where in found:
            found[h.where].update(h.words.lower().split())
    return found


def highlight(text: str, words: set[str], *, whole: bool = False) -> str:
    if not words:
        return text
    if whole:
        return click.style(text, bold=True, fg="yellow") if text.lower() in words else text
    return re.sub(
        r"[^\W_]+",
        lambda m: (
            click.style(m.group(0), bold=True, fg="yellow") if m.group(0).lower() in words else m.group(0)
        ),
        text,
    )


def author_line(authors: tuple[str, ...], words: set[str], limit: int = 6) -> str:
    """The first ``limit`` authors, then et al.; an author who matched is shown even if further down."""
    shown = list(authors[:limit])
    matched = [a for a in authors[limit:] if words & set(re.findall(r"[^\W_]+", a.lower()))]
    line = ", ".join(highlight(a, words) for a in shown)
    if matched:
        line += ", …, " + ", ".join(highlight(a, words) for a in matched)
    return line + (", et al." if len(authors) > limit + len(matched) else "")


def excerpt(text: str, words: set[str], width: int = 240) -> str:
    """About ``width`` characters of ``text`` around the first of ``words``, cut at spaces."""
    first = next((m.start() for m in re.finditer(r"[^\W_]+", text) if m.group(0).lower() in words), 0)
    if len(text) <= width:
        return text
    start = max(0, first - width // 3)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + width)
    if end < len(text):
        end = max(text.rfind(" ", start, end), first + 1)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
