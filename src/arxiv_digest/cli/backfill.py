"""The ``backfill`` command: past days from arXiv's OAI-PMH interface, with a progress bar on a terminal
(plain lines otherwise)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import click

from ..config import load_config
from ..errors import UsageError
from ..jobs.backfill import BackfillResult, PageProgress, backfill
from ..wording import counted, plural
from ._app import cli, config_option, db_option, out_option, parse_day, say

if TYPE_CHECKING:
    from rich.progress import TaskID


class _Reporter(Protocol):
    def page(self, event: PageProgress) -> None: ...
    def status(self, message: str) -> None: ...


class _Lines:
    """Progress as plain lines on stderr (a log, a CI job, a pipe)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def page(self, event: PageProgress) -> None:
        if self.quiet:
            return
        total = event.complete_list_size
        size = f" of {total}" if total is not None else ""
        end = ", done" if event.done else ""
        click.echo(
            f"{event.set_spec} ({event.set_number}/{event.set_count}): page {event.pages}, "
            f"{event.records}{size} {plural('record', event.records if total is None else total)}{end}",
            err=True,
        )

    def status(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


class _Bar:
    """A rich progress bar per set, on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("records"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def page(self, event: PageProgress) -> None:
        description = f"{event.set_spec} ({event.set_number}/{event.set_count})"
        if event.set_spec not in self.tasks:
            self.tasks[event.set_spec] = self.progress.add_task(description, total=event.complete_list_size)
        # arXiv may not say how big a set is; a finished set is as big as what came.
        total = event.records if event.done else event.complete_list_size
        self.progress.update(self.tasks[event.set_spec], completed=event.records, total=total)

    def status(self, message: str) -> None:
        self.progress.console.print(message, markup=False, highlight=False)


@contextmanager
def _reporter(quiet: bool) -> Iterator[_Reporter]:
    if quiet or not sys.stderr.isatty():
        yield _Lines(quiet)
        return
    bar = _Bar()
    with bar.progress:
        yield bar


def _summary(result: BackfillResult, out_dir: Path) -> str:
    span = f"{result.date_from}..{result.date_to}"
    if not result.papers and not result.weekend_papers:
        return (
            f"arXiv's OAI-PMH interface has no records for these categories in {span}: nothing was written."
        )
    written = result.days_written
    lines = [
        f"Backfilled {span}: {counted(len(written), 'day')} written"
        + (f" ({', '.join(d.isoformat() for d in written)})" if written else "")
        + f", {counted(result.papers, 'paper')}, {counted(result.requests, 'request')}"
        + (" (resumed)" if result.resumed else "")
    ]
    if result.days_kept:
        lines.append(
            f"  kept {counted(len(result.days_kept), 'day')} that already had a snapshot (the daily feed's "
            "record is more precise; --force replaces them): "
            + ", ".join(d.isoformat() for d in result.days_kept)
        )
    if result.weekend_papers:
        lines.append(
            f"  skipped {counted(result.weekend_papers, 'paper')} dated on a weekend (metadata corrections, "
            "not announcements)"
        )
    lines.append(
        f"  {counted(result.files_written, 'file')} written, {result.files_deleted} removed in {out_dir}"
        + (f"; the latest day is {result.latest}" if result.latest else "")
    )
    return "\n".join(lines)


@cli.command("backfill")
@config_option
@out_option
@db_option
@click.option("--from", "date_from", required=True, metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, metavar="DATE", help="Last day (YYYY-MM-DD), inclusive.")
@click.option(
    "--force",
    is_flag=True,
    help="Replace days that already have a snapshot (by default they are kept: the daily feed's record "
    "knows the announce types, OAI's does not).",
)
@click.option("--restart", is_flag=True, help="Discard an unfinished backfill's progress and start over.")
@click.pass_context
def backfill_cmd(
    ctx: click.Context,
    config_path: Path,
    out_dir: Path,
    db_path: Path | None,
    date_from: str,
    date_to: str,
    force: bool,
    restart: bool,
) -> None:
    """Fill past days from arXiv's OAI-PMH interface: snapshots, database and archive pages.

    Harvests the OAI sets of the configured categories between the two dates, files each paper under
    its datestamp (the day arXiv last changed it: for a new paper, the day it was announced) and
    publishes each day as `run` would. Announce types are inferred (OAI does not carry them); days that
    already have a snapshot are kept unless --force. One request per delay_seconds. Interrupted, it
    resumes where it stopped when run again with the same dates (progress in
    OUT/.arxiv-digest/backfill.json). Exit 0 (also when arXiv has no records), 1 on a failure, 2 on bad
    dates. See docs/backfill.md.

    \b
    Example:
      arxiv-digest backfill --config config.yml --out . --from 2026-06-01 --to 2026-06-30
    """
    start, end = parse_day(date_from, "--from"), parse_day(date_to, "--to")
    if start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    config = load_config(config_path)
    with _reporter(bool(ctx.obj.get("quiet"))) as report:
        result = backfill(
            config,
            out_dir,
            start,
            end,
            force=force,
            restart=restart,
            db_path=db_path,
            on_page=report.page,
            on_status=report.status,
        )
    say(ctx, _summary(result, out_dir))
