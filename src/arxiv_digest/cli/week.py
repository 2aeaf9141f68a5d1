"""The ``week`` command: the weekly digest page of an ISO week (issue #10), over ``jobs/week.py``."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import load_config
from ..errors import UsageError
from ..jobs.week import run_week
from ..models import week_start
from ..wording import counted
from ._app import cli, config_option, db_option, out_option, say
from ._deliver import delivery_lines


def _week(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        week_start(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    return value.strip()


@cli.command("week")
@config_option
@out_option
@db_option
@click.option(
    "--week",
    "week",
    callback=_week,
    metavar="YYYY-Www",
    help="The ISO week (default: the latest one that has closed).",
)
@click.pass_context
def week_command(
    ctx: click.Context, config_path: Path, out_dir: Path, db_path: Path | None, week: str | None
) -> None:
    """Write the weekly digest of an ISO week: weekly/<YYYY-Www>.md and site/weekly/<YYYY-Www>.html.

    Each topic's best papers of the week (`weekly.top`, default 10), a paper once, with the week's counts.
    Best: by the number of your topics and keywords a paper matched, then newest. A week is closed when a
    later day is stored or its Sunday has passed; a closed week is then sent to the `notify:` channels
    with `every: week` that have not had it (OUT/delivery/<YYYY-Www>.json records them). A week still
    open is written as "the week so far" and sent to nobody. The daily `run` writes each week's page
    itself when the week closes: this command is for another week, or a look at the current one.
    Re-running changes nothing.

    \b
    Example:
      arxiv-digest week --config config.yml --out .
      arxiv-digest week --config config.yml --out . --week 2026-W27
    """
    config = load_config(config_path)
    if not (out_dir / "data").is_dir():
        raise UsageError(f"{out_dir / 'data'}: no such folder; run `arxiv-digest run` first")
    result = run_week(config, out_dir, db_path, week=week)
    state = "" if result.complete else " (the week so far)"
    topics = ", ".join(f"{name} {n}" for name, n in result.topics.items())
    lines = [
        f"{result.week}{state}: {counted(result.days, 'announcement day')}, "
        f"{counted(result.papers, 'paper')} on the page",
    ]
    if topics:
        lines.append(f"  topics: {topics}")
    lines.append(
        f"  {counted(result.written, 'file')} written in {out_dir}"
        + (" (nothing changed)" if result.written == 0 else "")
    )
    for line in lines:
        say(ctx, line)
    if result.delivery is not None:
        for line in delivery_lines(result.delivery):
            say(ctx, line)
        failure = result.delivery.error()
        if failure is not None:
            raise failure
