"""The commands that read the stored history: ``check`` (a config and what its topics mean), ``search``
(the query language over every stored day) and ``explain`` (why topics took a paper)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import click

from ..config import load_config
from ..errors import UsageError
from ..match import Matcher, TopicRule, parse_query
from ..match.ast import terms
from ..match.topics import topic_matcher, topic_tree
from ..models import parse_arxiv_id
from ..pipeline import default_db_path, open_store
from ..search import search as search_history
from ..store import Store
from ..store import snapshot as snapshots
from ._app import cli, config_option, db_option, say


@cli.command()
@config_option
@click.pass_context
def check(ctx: click.Context, config_path: Path) -> None:
    """Validate a config without running: categories, topics, queries. Exit 0 if valid, 2 if not.

    Prints each topic as the query it compiles to, so you can see what it will select.

    \b
    Example:
      arxiv-digest check --config config.yml
    """
    config = load_config(config_path)
    say(ctx, f"{config_path}: OK: {len(config.categories)} categories, {len(config.topics)} topics")
    say(ctx, f"  categories: {' '.join(config.category_codes)}")
    for topic in config.topics:
        say(ctx, f"  {topic.name} ({topic.match.value}): {topic_tree(topic)}")


def _store_for(out_dir: Path, db_path: Path | None) -> Store:
    data = out_dir / "data"
    db = db_path or default_db_path(out_dir)
    if not db.exists() and not snapshots.day_files(data):
        raise UsageError(
            f"no stored papers: neither {db} nor {data}/*.jsonl exists; run `arxiv-digest run` "
            "(or `demo`) first, or pass --out/--db"
        )
    return open_store(db, data)


def _highlight(text: str, words: set[str]) -> str:
    if not words:
        return text
    return re.sub(
        r"[^\W_]+",
        lambda m: (
            click.style(m.group(0), bold=True, fg="yellow") if m.group(0).lower() in words else m.group(0)
        ),
        text,
    )


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


@cli.command()
@click.argument("query")
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The digest folder whose history to search (its data/ and database).",
)
@db_option
@click.option("--from", "date_from", metavar="DATE", help="First announcement day (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Last announcement day (YYYY-MM-DD).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="At most N papers.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@click.option("--explain", is_flag=True, help="Show which terms matched where.")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    out_dir: Path,
    db_path: Path | None,
    date_from: str | None,
    date_to: str | None,
    limit: int,
    as_json: bool,
    explain: bool,
) -> None:
    """Search the stored history with the query language, newest first.

    QUERY uses arXiv's syntax: words, "phrases", AND / OR / ANDNOT / NOT, parentheses, and the fields
    ti: abs: au: co: cat: all: (see docs/query-language.md). Words match whole words as topics do.

    \b
    Example:
      arxiv-digest search 'ti:"vision language model" ANDNOT survey' --from 2026-01-01
      arxiv-digest search 'au:hinton' --json --limit 5
    """
    tree = parse_query(query)
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    with _store_for(out_dir, db_path) as store:
        results = search_history(store, tree, date_from=start, date_to=end, limit=limit, explain=explain)
    if as_json:
        rows = []
        for r in results:
            p = r.paper
            row: dict[str, object] = {
                "id": p.id,
                "version": p.version,
                "title": p.title,
                "authors": list(p.authors),
                "categories": list(p.categories),
                "announced": p.announced.isoformat(),
                "announce_type": p.announce_type.value,
                "url": p.abs_url,
                "abstract": p.abstract,
            }
            if explain:
                row["matches"] = [{"term": str(h.term), "where": h.where, "words": h.words} for h in r.hits]
            rows.append(row)
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not results:
        say(
            ctx,
            f"No stored paper matches {query!r}"
            + (f" between {start or '…'} and {end or '…'}" if start or end else "")
            + ".",
        )
        return
    for r in results:
        p = r.paper
        words = {w for h in r.hits for w in h.words.lower().split()} if explain else set()
        if not explain:
            words = {h.words for h in Matcher([TopicRule("q", tree)]).explain(p)[1]}
            words = {w for phrase in words for w in phrase.lower().split()}
        click.echo(
            f"{click.style(p.id, bold=True)}  {p.announced}  {p.announce_type.value}  "
            f"{' '.join(p.categories)}"
        )
        click.echo(f"  {_highlight(p.title, words)}")
        authors = ", ".join(p.authors[:6]) + (", et al." if len(p.authors) > 6 else "")
        click.echo(f"  {authors}")
        click.echo(f"  {p.abs_url}")
        if explain:
            for h in r.hits:
                click.echo(f"  matched {h.term} in {h.where}: {h.words!r}")
        click.echo("")
    say(ctx, f"{len(results)} paper(s){' (limit reached)' if len(results) == limit else ''}.")


@cli.command()
@config_option
@click.option(
    "--id", "arxiv_id", required=True, help="An arXiv id (any form: 2401.12345, arXiv:2401.12345v2)."
)
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The digest folder holding the paper's day.",
)
@db_option
@click.pass_context
def explain(
    ctx: click.Context, config_path: Path, arxiv_id: str, out_dir: Path, db_path: Path | None
) -> None:
    """Show which topics take a stored paper, and on which words.

    \b
    Example:
      arxiv-digest explain --config config.yml --id 2606.30639
    """
    config = load_config(config_path)
    try:
        wanted, _ = parse_arxiv_id(arxiv_id)
    except ValueError:
        raise click.BadParameter(f"{arxiv_id!r} is not an arXiv identifier", param_hint="--id") from None
    with _store_for(out_dir, db_path) as store:
        paper = store.latest_announcement(wanted)
    if paper is None:
        raise UsageError(f"{wanted} is not in the stored history of {out_dir}")
    matcher = topic_matcher(config)
    selected, hits = matcher.explain(paper)
    click.echo(
        f"{paper.id}v{paper.version}  {paper.announced}  {paper.announce_type.value}  "
        f"{' '.join(paper.categories)}\n  {paper.title}"
    )
    for topic in config.topics:
        tree = topic_tree(topic)
        mine = [h for h in hits if h.term in set(terms(tree))]
        mark = "✓" if topic.name in selected else "✗"
        click.echo(f"{mark} {topic.name}: {tree}")
        for h in mine:
            click.echo(f"    {h.term} matched in {h.where}: {h.words!r}")
        if topic.name in selected and paper.announce_type not in topic.include:
            click.echo(f"    (listed only for announce types {sorted(t.value for t in topic.include)})")
