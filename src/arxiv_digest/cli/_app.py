"""The command group, the options several commands share, and :func:`main`, which maps every outcome to
an exit code (0 success, 1 runtime failure, 2 usage or configuration error). The one broad ``except`` of
the program lives here."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from .. import PROJECT_URL, __version__
from ..errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, DigestError, UsageError
from ..wording import counted

if TYPE_CHECKING:
    from ..jobs import RunResult

DEMO_DAY = "2026-06-30"
log = logging.getLogger("arxiv_digest")


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = (
        logging.WARNING
        if quiet
        else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("arxiv_digest")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class LazyGroup(click.Group):
    """Commands registered by their modules (``@cli.command()``), which are imported only when one of their
    commands runs (or ``--help`` lists them): ``arxiv-digest search`` starts without loading the HTTP
    client, the renderers and the mailer that ``run`` needs."""

    #: command name -> the module (in this package) that defines it
    MODULES: ClassVar[dict[str, str]] = {
        "run": ".daily", "rebuild": ".daily", "init": ".daily", "demo": ".daily",
        "check": ".history", "search": ".history", "explain": ".history",
        "backfill": ".backfill", "serve": ".site", "status": ".status", "rank": ".rank",
        "week": ".week",
    }  # fmt: skip

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.MODULES:
            importlib.import_module(self.MODULES[cmd_name], __package__)
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="arxiv-digest")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Turn each day's arXiv announcement into digest pages: topics, categories, history.

    \b
    Start here:
      arxiv-digest demo --out demo-digest      # a real day, offline, in seconds
      arxiv-digest init my-digest              # a repository GitHub Actions publishes daily
    """
    _setup_logging(verbose, quiet)
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


def say(ctx: click.Context, message: str) -> None:
    if not ctx.obj.get("quiet"):
        click.echo(message)


def summary(result: RunResult, out: Path) -> str:
    topics = ", ".join(f"{name} {n}" for name, n in sorted(result.topics.items(), key=lambda kv: -kv[1]))
    lines = [f"{result.day}: {counted(result.papers, 'paper')} announced, {result.listed} listed"]
    if topics:
        lines.append(f"  topics: {topics}")
    for_you = result.digest.for_you if result.digest is not None else None
    if for_you is not None:
        lines.append(f"  for you: {counted(len(for_you.picks), 'paper')} ranked (for_you.md)")
    lines.append(
        f"  {counted(result.written, 'file')} written, {result.deleted} removed in {out}"
        + (" (nothing changed)" if result.written == 0 and result.deleted == 0 else "")
    )
    return "\n".join(lines)


config_option = click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The config.yml (categories and topics).",
)
out_option = click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The output folder (the digest repository).",
)


F = TypeVar("F", bound=Callable[..., Any])


def existing_out_option(help_text: str) -> Callable[[F], F]:
    """``--out DIR`` for commands that read a digest folder (default: the current one)."""
    return click.option(
        "--out",
        "out_dir",
        default=".",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help=help_text,
    )


db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite database (default: OUT/.arxiv-digest/digest.db, rebuilt from OUT/data/ when missing).",
)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and maps every outcome to an exit code. The one broad except lives here."""
    try:
        # Without standalone mode click *returns* the code of a `ctx.exit(n)` instead of raising Exit.
        code = cli.main(args=argv, prog_name="arxiv-digest", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code or 0)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_FAILURE
    except click.ClickException as e:
        e.show()
        return EXIT_USAGE if isinstance(e, click.UsageError) else e.exit_code
    except UsageError as e:
        click.echo(f"error: {e}", err=True)
        return EXIT_USAGE
    except DigestError as e:
        click.echo(f"error: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing half-written was left behind.", err=True)
        return EXIT_FAILURE
    except Exception as e:  # the single broad except: a bug, not the user's fault
        log.debug("internal error", exc_info=True)
        click.echo(
            f"internal error: {type(e).__name__}: {e}\n"
            f"  This is a bug in arxiv-digest {__version__}; rerun with -vv and report it at "
            f"{PROJECT_URL}/issues",
            err=True,
        )
        return EXIT_FAILURE
    return code if isinstance(code, int) else EXIT_OK


def parse_day(value: str, name: str) -> dt.date:
    """A date option's value (YYYY-MM-DD), or a usage error naming the option."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def optional_day(value: str | None, name: str) -> dt.date | None:
    return None if value is None else parse_day(value, name)
