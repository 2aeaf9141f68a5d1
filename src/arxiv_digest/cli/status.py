"""``status``: is the digest in an output folder up to date? For people and for monitors (exit 1 = stale)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ..config import load_config
from ..jobs.status import DEFAULT_MAX_MISSING, read_status, render_text
from ._app import cli, existing_out_option


@cli.command()
@existing_out_option("The digest folder to report on.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The config.yml, for per-topic counts (default: OUT/config.yml when it exists).",
)
@click.option(
    "--max-missing",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_MISSING,
    show_default=True,
    help="Exit 1 (stale) when more weekdays than this have no digest.",
)
@click.option(
    "--today",
    metavar="DATE",
    default=None,
    help="Take this day (YYYY-MM-DD) as today instead of today in US Eastern time.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of text.")
@click.pass_context
def status(
    ctx: click.Context,
    out_dir: Path,
    config_path: Path | None,
    max_missing: int,
    today: str | None,
    as_json: bool,
) -> None:
    """Report the last published day, its counts, the weekdays missing since, and warnings.

    Reads only what the folder commits (data/*.jsonl and data/*.meta.json); writes nothing and takes no
    lock. Exit 0 when the digest is up to date, 1 when it is stale (no day yet, or more than
    --max-missing weekdays without a digest), holds a day after today, or a day is INCOMPLETE (a run
    failed while writing its pages: data/<day>.incomplete), so a monitor or a scheduled job can alert on it.

    \b
    Example:
      arxiv-digest status --out .
      arxiv-digest status --out . --json --max-missing 1
    """
    day = None
    if today is not None:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter(f"{today!r} is not a date (YYYY-MM-DD)", param_hint="--today") from None
    if config_path is None and (out_dir / "config.yml").is_file():
        config_path = out_dir / "config.yml"
    config = load_config(config_path) if config_path is not None else None
    report = read_status(out_dir, today=day, config=config, max_missing=max_missing)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(report))
    if not report.is_ok:  # stale, or a day whose publication did not finish
        ctx.exit(1)
