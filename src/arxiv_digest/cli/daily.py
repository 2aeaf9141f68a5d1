"""The daily commands: ``run`` (fetch and publish today), ``rebuild`` (every page from the snapshots),
``init`` (a digest repository) and ``demo`` (a bundled real day, offline)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from .. import PROJECT_URL, __version__
from ..config import load_config, parse_config
from ..pipeline import run_daily
from ..publish import atomic_write
from ..rebuilder import rebuild
from ..wording import counted
from ._app import DEMO_DAY, cli, config_option, db_option, out_option, say, summary
from ._deliver import delivery_lines, mark_published


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

    Then the day is delivered to the `notify:` channels (e-mail, Slack, Discord, JSON webhooks) that have
    not had it yet; OUT/delivery/<day>.json records which. A channel still failing after its retries
    exits 1 with "delivery failed: <channel>: <reason>"; the pages stay written, and the next run of the
    same day retries only the channels that failed.

    \b
    Example:
      arxiv-digest run --config config.yml --out .
    """
    config = load_config(config_path)
    result = run_daily(config, out_dir, db_path, on_published=mark_published)
    if result.empty:
        day = f" ({result.day})" if result.day else ""
        say(
            ctx,
            f"arXiv announced nothing for these categories today{day}: a weekend or holiday. "
            "Nothing was written.",
        )
        return
    say(ctx, summary(result, out_dir))
    if result.delivery is not None:
        for line in delivery_lines(result.delivery):
            say(ctx, line)
        failure = result.delivery.error()
        if failure is not None:
            raise failure


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
        say(ctx, f"No snapshot in {out_dir / 'data'}: nothing to rebuild. Run `arxiv-digest run` first.")
        return
    say(ctx, f"Rebuilt {counted(result.days, 'day')}.\n" + summary(result, out_dir))


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
    config_path = directory / "config.yml"
    if force or not config_path.exists():  # refuse a bad --repo before writing anything
        parse_config(config_text, file=str(config_path), base_dir=directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    kept: list[str] = []
    for rel, text in files.items():
        (written if _write_new(directory / rel, text, force=force) else kept).append(rel)
    load_config(config_path)  # the one kept must be valid too
    for rel in written:
        say(ctx, f"wrote {directory / rel}")
    for rel in kept:
        say(ctx, f"kept  {directory / rel} (exists; --force to overwrite)")
    say(
        ctx,
        f"\nThe workflow installs arxiv-digest with: pip install \"{install_spec}\"\n"
        "(--install chooses another source, e.g. your fork: "
        "'arxiv-digest @ git+https://github.com/you/arxiv-digest@main').\n"
        f"\nNext: edit {config_path}, then `arxiv-digest run --config {config_path} --out {directory}` "
        "or push it to GitHub.",
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
    say(ctx, summary(result, out_dir))
    say(ctx, f"\nOpen {out_dir / 'README.md'} (and hot_topic/, category/, archive/).")
    if config.site:
        say(ctx, f"The site: {out_dir / 'site' / 'index.html'}, or `arxiv-digest serve --out {out_dir}`.")
