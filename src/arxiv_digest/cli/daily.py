"""The daily commands: ``run`` (fetch and publish today), ``rebuild`` (every page from the snapshots),
``init`` (a digest repository) and ``demo`` (a bundled real day, offline)."""

from __future__ import annotations

import json
import shlex
from importlib import resources
from pathlib import Path

import click
import yaml

from .. import __version__
from ..config import load_config, parse_config
from ..errors import UsageError
from ..jobs.rebuild import rebuild
from ..output import layout
from ..output.files import make_folder, refuse_symlinks_within, write_files
from ..store import incomplete
from ..store import snapshot as snapshots
from ..wording import counted
from ._app import DEMO_DAY, cli, config_option, db_option, out_option, say, summary
from ._deliver import delivery_lines, mark_published


@cli.command()
@config_option
@out_option
@db_option
@click.option(
    "--force",
    is_flag=True,
    help="Replace a day already stored even by an announcement of it with fewer than half its papers.",
)
@click.pass_context
def run(ctx: click.Context, config_path: Path, out_dir: Path, db_path: Path | None, force: bool) -> None:
    """Fetch today's arXiv announcement for the configured categories and publish it.

    One request to arXiv's daily feed for all categories; the day is kept in OUT/data/<day>.jsonl and
    its pages written (README.md, hot_topic/, category/, archive/<day>/). A weekend or holiday (an empty
    feed) writes nothing and exits 0. A failure exits 1 and leaves OUT as it was.

    Then the day is delivered to the `notify:` channels (e-mail, Slack, Discord, JSON webhooks) that have
    not had it yet; OUT/delivery/<day>.json records which. A channel still failing after its retries
    exits 1 with "delivery failed: <channel>: <reason>"; the pages stay written, and the next run of the
    same day retries only the channels that failed.

    A day already stored is not replaced by a new fetch of it with fewer than half its papers (arXiv
    serving a partial feed): exit 1 naming the day and both counts, nothing written; --force replaces it.

    \b
    Example:
      arxiv-digest run --config config.yml --out .
    """
    config = load_config(config_path)
    from ..jobs.daily import run_daily  # here: `rebuild` and `init` need no fetching (httpx, the feeds)

    result = run_daily(config, out_dir, db_path, on_published=mark_published, force=force)
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
@click.option("--full", is_flag=True, help="Render every page, not only what changed since the last rebuild.")
def rebuild_cmd(
    ctx: click.Context, config_path: Path, out_dir: Path, db_path: Path | None, jobs: int | None, full: bool
) -> None:
    """Rewrite every page, every archived day included, from OUT/data/*.jsonl.

    Use it after changing config.yml or a template. No network. The database is recreated from the
    snapshots when it is missing.

    \b
    Example:
      arxiv-digest rebuild --config config.yml --out .
    """
    config = load_config(config_path)
    result = rebuild(config, out_dir, db_path, jobs=jobs, full=full)
    if result.empty:
        say(ctx, f"No snapshot in {out_dir / 'data'}: nothing to rebuild. Run `arxiv-digest run` first.")
        return
    say(ctx, f"Rebuilt {counted(result.days, 'day')}.\n" + summary(result, out_dir))


def _scaffold(name: str) -> str:
    return resources.files("arxiv_digest").joinpath(f"scaffold/{name}").read_text(encoding="utf-8")


#: What the workflow `init` writes installs by default: the release of the running version on PyPI
#: (.github/workflows/release.yml publishes it when its tag is pushed).
DEFAULT_INSTALL = f"arxiv-digest=={__version__}"


def install_command(spec: str) -> str:
    """The workflow's install step, as its YAML ``run:`` value: ``pip install SPEC``, quoted for the shell
    and, if the plain form would not read back the same, for YAML. Refuses what would not stay one
    argument of one command (a line break) or would be evaluated by GitHub (``${{``)."""
    if not spec.strip() or any(c in spec for c in "\r\n\0") or "${{" in spec:
        raise UsageError(
            f"--install {spec!r}: give one pip requirement, e.g. {DEFAULT_INSTALL!r} or "
            "'arxiv-digest @ git+https://github.com/you/arxiv-digest@main'"
        )
    command = f"pip install {shlex.quote(spec)}"
    try:
        plain_reads_back = yaml.safe_load(f"run: {command}") == {"run": command}
    except yaml.YAMLError:
        plain_reads_back = False
    return command if plain_reads_back else json.dumps(command)  # JSON's string is YAML's "..." scalar


def _init_files(repo: str | None, install_spec: str) -> dict[str, str]:
    config_text = _scaffold("config.yml")
    if repo:
        config_text = config_text.replace("# repo: owner/name       # shows", f"repo: {repo}\n# shows")
    workflow = _scaffold("workflow.yml").replace("pip install {{INSTALL}}", install_command(install_spec))
    return {
        "config.yml": config_text,
        ".gitignore": _scaffold("gitignore"),
        "README.md": _scaffold("README.md"),
        ".github/workflows/arxiv-digest.yml": workflow,
    }


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
    default=DEFAULT_INSTALL,
    show_default=True,
    metavar="SPEC",
    help="What the workflow pip-installs: by default this version from PyPI; a git URL for a fork.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.pass_context
def init(ctx: click.Context, directory: Path, repo: str | None, install_spec: str, force: bool) -> None:
    """Create a digest repository: config.yml, .gitignore, README.md and a daily GitHub Actions workflow.

    Existing files are kept unless --force is given. Nothing is written unless every file can be.
    Then push it to a new, empty GitHub repository (with your own remote URL):

    \b
    Example:
      arxiv-digest init my-digest --repo me/my-digest
      cd my-digest && git init -b main && git add -A && git commit -m "arxiv-digest"
      git remote add origin git@github.com:me/my-digest.git && git push -u origin main
    """
    files = _init_files(repo, install_spec)
    config_path = directory / "config.yml"
    if force or not config_path.exists():  # refuse a bad --repo before writing anything
        parse_config(files["config.yml"], file=str(config_path), base_dir=directory)
    else:
        load_config(config_path)  # the one kept must be valid too, and is checked before writing
    written, kept = write_files(
        directory, {rel: text.encode("utf-8") for rel, text in files.items()}, keep=() if force else files
    )
    for rel in written:
        say(ctx, f"wrote {directory / rel}")
    for rel in kept:
        say(ctx, f"kept  {directory / rel} (exists; --force to overwrite)")
    say(
        ctx,
        f"\nThe workflow installs arxiv-digest with: pip install {shlex.quote(install_spec)}\n"
        "(--install chooses another source, e.g. your fork: "
        "--install 'arxiv-digest @ git+https://github.com/you/arxiv-digest@main').\n"
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
    config_path = out_dir / "config.yml"
    if config_path.exists():
        load_config(config_path)  # a broken one is reported before anything is written
    # A symbolic link among the output's files is refused before the config and the snapshot are written
    # (the rebuild below would refuse it too, but after them).
    if out_dir.is_dir():
        refuse_symlinks_within(out_dir)
    bundled = resources.files("arxiv_digest").joinpath(f"demo/{DEMO_DAY}.jsonl").read_bytes()
    # Written as `run` would have written it, with each paper's facts (issue #10): the rebuild below then
    # finds nothing to fill, and a second demo changes nothing.
    snapshot = snapshots.dumps(snapshots.loads(bundled, source=f"demo/{DEMO_DAY}.jsonl"))
    config_text = _scaffold("config.yml").encode("utf-8")
    files = {"config.yml": config_text, layout.in_data(f"{DEMO_DAY}.jsonl"): snapshot}
    # The day's snapshot lands before its pages: until the rebuild has written them all, `status` must not
    # report the day as published (a full disk among the pages, issue #7).
    make_folder(out_dir)  # a folder the system refuses is a clean error before the marker
    incomplete.mark_rebuild(out_dir / layout.DATA)
    write_files(out_dir, files, keep={"config.yml"})
    config = load_config(config_path)
    result = rebuild(config, out_dir)
    say(ctx, summary(result, out_dir))
    say(ctx, f"\nOpen {out_dir / 'README.md'} (and hot_topic/, category/, archive/).")
    if config.site:
        say(ctx, f"The site: {out_dir / 'site' / 'index.html'}, or `arxiv-digest serve --out {out_dir}`.")
