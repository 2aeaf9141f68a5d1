"""The ``arxiv-digest`` command: click commands that parse arguments, call the library, print, and choose
the exit code (0 success or nothing announced, 1 runtime failure, 2 usage or configuration error).

Every command's docstring is its ``--help``, with an ``Example:`` block.
"""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path

import click

from . import PROJECT_URL, __version__
from .config import load_config
from .errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, DigestError, UsageError
from .pipeline import RunResult, rebuild, run_daily
from .publish import atomic_write

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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def _say(ctx: click.Context, message: str) -> None:
    if not ctx.obj.get("quiet"):
        click.echo(message)


def _summary(result: RunResult, out: Path) -> str:
    topics = ", ".join(f"{name} {n}" for name, n in sorted(result.topics.items(), key=lambda kv: -kv[1]))
    lines = [f"{result.day}: {result.papers} papers announced, {result.listed} listed"]
    if topics:
        lines.append(f"  topics: {topics}")
    lines.append(
        f"  {result.written} files written, {result.deleted} removed in {out}"
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
db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite database (default: OUT/.arxiv-digest/digest.db, rebuilt from OUT/data/ when missing).",
)


@cli.command()
@config_option
@out_option
@db_option
@click.pass_context
def run(ctx: click.Context, config_path: Path, out_dir: Path, db_path: Path | None) -> None:
    """Fetch today's arXiv announcement for the configured categories and publish it.

    One request to arXiv's daily feed for all categories; the day is kept in OUT/data/<day>.jsonl and
    its pages written (README.md, hot_topic/, category/, archive/<day>/). A weekend or holiday (an empty
    feed) writes nothing and exits 0. A failure exits 1 and leaves OUT as it was.

    \b
    Example:
      arxiv-digest run --config config.yml --out .
    """
    config = load_config(config_path)
    result = run_daily(config, out_dir, db_path)
    if result.empty:
        day = f" ({result.day})" if result.day else ""
        _say(
            ctx,
            f"arXiv announced nothing for these categories today{day}: a weekend or holiday. "
            "Nothing was written.",
        )
        return
    _say(ctx, _summary(result, out_dir))


@cli.command("rebuild")
@config_option
@out_option
@db_option
@click.pass_context
def rebuild_cmd(ctx: click.Context, config_path: Path, out_dir: Path, db_path: Path | None) -> None:
    """Rewrite every page, every archived day included, from OUT/data/*.jsonl.

    Use it after changing config.yml or a template. No network. The database is recreated from the
    snapshots when it is missing.

    \b
    Example:
      arxiv-digest rebuild --config config.yml --out .
    """
    config = load_config(config_path)
    result = rebuild(config, out_dir, db_path)
    if result.empty:
        _say(ctx, f"No snapshot in {out_dir / 'data'}: nothing to rebuild. Run `arxiv-digest run` first.")
        return
    _say(ctx, f"Rebuilt {result.days} day(s).\n" + _summary(result, out_dir))


def _scaffold(name: str) -> str:
    return resources.files("arxiv_digest").joinpath(f"scaffold/{name}").read_text(encoding="utf-8")


def _write_new(path: Path, content: str, *, force: bool) -> bool:
    if path.exists() and not force:
        return False
    atomic_write(path, content.encode("utf-8"))
    return True


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--repo",
    default=None,
    metavar="OWNER/NAME",
    help="The GitHub repository it will live in (adds the Last Updated badge).",
)
@click.option(
    "--install",
    "install_spec",
    default=f"arxiv-digest @ git+{PROJECT_URL}@v{__version__}",
    show_default=True,
    help="What the workflow pip-installs.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.pass_context
def init(ctx: click.Context, directory: Path, repo: str | None, install_spec: str, force: bool) -> None:
    """Create a digest repository: config.yml, .gitignore, README.md and a daily GitHub Actions workflow.

    Existing files are kept unless --force is given.

    \b
    Example:
      arxiv-digest init my-digest --repo me/my-digest
      cd my-digest && git init && git add -A && git commit -m "arxiv-digest" && git push
    """
    config_text = _scaffold("config.yml")
    if repo:
        config_text = config_text.replace("# repo: owner/name       # shows", f"repo: {repo}\n# shows")
    files = {
        "config.yml": config_text,
        ".gitignore": _scaffold("gitignore"),
        "README.md": _scaffold("README.md"),
        ".github/workflows/arxiv-digest.yml": _scaffold("workflow.yml").replace("{{INSTALL}}", install_spec),
    }
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    kept: list[str] = []
    for rel, text in files.items():
        (written if _write_new(directory / rel, text, force=force) else kept).append(rel)
    load_config(directory / "config.yml")  # what we wrote (or kept) must be valid
    for rel in written:
        _say(ctx, f"wrote {directory / rel}")
    for rel in kept:
        _say(ctx, f"kept  {directory / rel} (exists; --force to overwrite)")
    _say(
        ctx,
        f"\nNext: edit {directory / 'config.yml'}, then `arxiv-digest run --config "
        f"{directory / 'config.yml'} --out {directory}` or push it to GitHub.",
    )


@cli.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the demo digest into.",
)
@click.pass_context
def demo(ctx: click.Context, out_dir: Path) -> None:
    """Build a digest offline from a real arXiv announcement day bundled with arxiv-digest.

    Writes OUT/config.yml (the default topics) unless one exists, the day's snapshot in OUT/data/,
    and every page, exactly as `run` would have from arXiv's feed that day. No network.

    \b
    Example:
      arxiv-digest demo --out demo-digest && open demo-digest/README.md
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path = out_dir / "config.yml"
    _write_new(config_path, _scaffold("config.yml"), force=False)
    snapshot = resources.files("arxiv_digest").joinpath(f"demo/{DEMO_DAY}.jsonl").read_bytes()
    atomic_write(out_dir / "data" / f"{DEMO_DAY}.jsonl", snapshot)
    config = load_config(config_path)
    result = rebuild(config, out_dir)
    _say(ctx, _summary(result, out_dir))
    _say(ctx, f"\nOpen {out_dir / 'README.md'} (and hot_topic/, category/, archive/).")


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and maps every outcome to an exit code. The one broad except lives here."""
    try:
        cli.main(args=argv, prog_name="arxiv-digest", standalone_mode=False)
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
    return EXIT_OK
