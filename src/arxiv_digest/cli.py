"""The ``arxiv-digest`` command: click commands that parse arguments, call the library, print, and choose
the exit code (0 success or nothing announced, 1 runtime failure, 2 usage or configuration error).

Every command's docstring is its ``--help``, with an ``Example:`` block.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from importlib import resources
from pathlib import Path

import click

from . import PROJECT_URL, __version__
from .config import load_config
from .errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, DigestError, UsageError
from .match import Matcher, TopicRule, parse_query
from .match.ast import terms
from .match.topics import topic_matcher, topic_tree
from .models import parse_arxiv_id
from .pipeline import RunResult, default_db_path, open_store, rebuild, run_daily
from .publish import atomic_write
from .search import search as search_history
from .store import Store
from .store import snapshot as snapshots

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
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for long histories (default: the CPUs, at most 4).",
)
def rebuild_cmd(
    ctx: click.Context, config_path: Path, out_dir: Path, db_path: Path | None, jobs: int | None
) -> None:
    """Rewrite every page, every archived day included, from OUT/data/*.jsonl.

    Use it after changing config.yml or a template. No network. The database is recreated from the
    snapshots when it is missing.

    \b
    Example:
      arxiv-digest rebuild --config config.yml --out .
    """
    config = load_config(config_path)
    result = rebuild(config, out_dir, db_path, jobs=jobs)
    if result.empty:
        _say(ctx, f"No snapshot in {out_dir / 'data'}: nothing to rebuild. Run `arxiv-digest run` first.")
        return
    _say(ctx, f"Rebuilt {result.days} day(s).\n" + _summary(result, out_dir))


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
    _say(ctx, f"{config_path}: OK: {len(config.categories)} categories, {len(config.topics)} topics")
    _say(ctx, f"  categories: {' '.join(config.category_codes)}")
    for topic in config.topics:
        _say(ctx, f"  {topic.name} ({topic.match.value}): {topic_tree(topic)}")


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
        _say(
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
    _say(ctx, f"{len(results)} paper(s){' (limit reached)' if len(results) == limit else ''}.")


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
