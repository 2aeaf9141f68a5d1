"""``rank``: the stored papers of a day ranked for the reader (issue #9), with scores and reasons."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import load_config
from ..errors import UsageError
from ..jobs.search import SearchResult
from ._app import cli, config_option, db_option, optional_day, out_option, say


@cli.command("rank")
@config_option
@out_option
@db_option
@click.option("--day", "day", metavar="DATE", help="One announcement day (YYYY-MM-DD); default the latest.")
@click.option("--from", "date_from", metavar="DATE", help="First announcement day of a range (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Last announcement day of a range (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="The best N papers of each day.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@click.option("--explain", "explain_id", metavar="ID", help="Why this stored paper gets its score.")
@click.pass_context
def rank(
    ctx: click.Context,
    config_path: Path,
    out_dir: Path,
    db_path: Path | None,
    day: str | None,
    date_from: str | None,
    date_to: str | None,
    limit: int | None,
    as_json: bool,
    explain_id: str | None,
) -> None:
    """Rank each day's stored papers for you, by the model your `library:` gives (the "For you" list).

    Every stored paper of each day in the range (default: the latest day) is ranked within its day,
    best first, with its score and reasons: the terms that carried the score and the paper of your
    library it is most like. The model is the one `run` fits and caches (OUT/.arxiv-digest/rank/).
    --json prints an array of {id, announced, rank, score, reasons, title, url}. --explain ID takes one
    paper's score apart: each signal's part, its terms, its nearest library papers.

    \b
    Example:
      arxiv-digest rank --config config.yml --out . --limit 10
      arxiv-digest rank --config config.yml --out . --day 2026-06-30 --json
      arxiv-digest rank --config config.yml --out . --explain 2606.28828
    """
    from ..jobs.rank import explain_paper, rank_days

    config = load_config(config_path)
    if explain_id is not None:
        paper, why = explain_paper(config, out_dir, explain_id, db_path)
        r = why.ranked
        click.echo(f"{paper.id}  {paper.announced}  score {r.score:.3f}")
        click.echo(f"  {paper.title}")
        click.echo(
            f"  similarity {why.similarity:+.3f} + classifier {why.classifier:+.3f} "
            f"+ categories {why.category:+.3f} ({' '.join(paper.categories)})"
        )
        click.echo(f"  terms: {', '.join(r.terms) or '(none)'}")
        for title, cosine in why.nearest:
            click.echo(f"  like ({cosine:.3f}): {title}")
        return
    if day is not None and (date_from or date_to):
        raise UsageError("--day is one day: give it, or --from/--to, not both")
    start = optional_day(day or date_from, "--day" if day else "--from")
    end = optional_day(day or date_to, "--day" if day else "--to")
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    days = rank_days(config, out_dir, db_path, date_from=start, date_to=end, limit=limit)
    if as_json:
        rows = [
            {
                "id": p.paper.id,
                "announced": d.day.isoformat(),
                "rank": p.rank,
                "score": round(p.score, 6),
                "reasons": p.reasons,
                "title": p.paper.title,
                "url": p.paper.abs_url,
            }
            for d in days
            for p in d.picks
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not days:
        say(ctx, "No stored day in that range.")
        return
    for d in days:
        click.echo(f"{d.day}: {len(d.picks)} of {d.papers} stored papers, best first")
        for p in d.picks:
            click.echo(f"{p.rank:>4}. {click.style(p.paper.id, bold=True)}  {p.score:+.3f}  {p.paper.title}")
            click.echo(f"        {p.reason}")
        click.echo("")


def by_rank(
    out_dir: Path, db_path: Path | None, config_path: Path | None, results: list[SearchResult]
) -> list[SearchResult]:
    """``search --rank``: the results best first by the reader's score."""
    from ..jobs.rank import rank_papers

    path = config_path or out_dir / "config.yml"
    if not path.is_file():
        raise UsageError(f"--rank needs the config with your library: pass --config ({path} does not exist)")
    by_id = {r.paper.id: r for r in results}
    ranked = rank_papers(load_config(path), out_dir, [r.paper for r in results], db_path)
    return [by_id[p.id] for p in ranked]
