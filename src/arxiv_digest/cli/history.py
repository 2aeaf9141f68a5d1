"""The commands that read the stored history: ``check`` (a config and what its topics mean), ``search``
(the query language over every stored day, or with ``--remote`` over arXiv's API) and ``explain`` (why
topics took a paper)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from ..errors import UsageError
from ..jobs.search import SearchResult
from ..jobs.search import search as search_history
from ..match import Matcher, TopicRule
from ..match.missing import lacked
from ..models import parse_arxiv_id
from ..output import layout
from ..output.files import refuse_symlinks
from ..query import parse_query
from ..query.ast import Node, terms
from ..query.fields import ALL as QUERY_FIELDS
from ..store import Store, database_exists, default_db_path, read_store
from ..store import remote as remote_store
from ..store import snapshot as snapshots
from ..wording import counted
from ._app import cli, config_option, db_option, existing_out_option, optional_day, say
from ._found import json_rows, print_results

#: ``search --remote --max-pages`` default: ``remote.DEFAULT_MAX_PAGES`` (a test keeps them equal), written
#: here so that the command line does not import the HTTP client to show it.
REMOTE_MAX_PAGES = 10
T = TypeVar("T")
#: ``search --help``'s list of the query fields, from their one description (query/fields.py).
FIELDS_HELP = "\b\nFields:\n" + "\n".join(f"  {f.name + ':':<7} {f.summary}" for f in QUERY_FIELDS)


@cli.command()
@config_option
@click.pass_context
def check(ctx: click.Context, config_path: Path) -> None:
    """Validate a config without running: categories, topics, queries, templates. Exit 0 if valid, 2 if not.

    Every mistake is reported at once, each with its file and line. A ``templates:`` folder is checked
    too: every template in it is compiled, and every template it includes must exist inside it.

    Prints each topic as the query it compiles to, so you can see what it will select.

    \b
    Example:
      arxiv-digest check --config config.yml
    """
    # here, not above: `search` should not pay for what it does not use
    from ..config import load_config, topic_tree

    config = load_config(config_path)
    templates = _check_templates(config.templates_dir) if config.templates_dir is not None else 0
    categories, topics = counted(len(config.categories), "category"), counted(len(config.topics), "topic")
    say(ctx, f"{config_path}: OK: {categories}, {topics}")
    if config.templates_dir is not None:
        say(ctx, f"  templates: {templates} in {config.templates_dir} compile")
    say(ctx, f"  categories: {' '.join(config.category_codes)}")
    for topic in config.topics:
        say(ctx, f"  {topic.name} ({topic.match.value}): {topic_tree(topic)}")
    notify = config.notify

    def which(topics: tuple[str, ...] | None) -> str:
        return "every topic" if topics is None else ", ".join(topics)

    if notify.email is not None:  # what each channel gets; never a URL or a password (secrets)
        e = notify.email
        say(
            ctx,
            f"  notify email: {e.host}:{e.port} ({e.security.value}), to {len(e.to)} address(es), "
            f"{which(e.topics)}",
        )
    for n, hook in enumerate(notify.webhooks, 1):
        say(ctx, f"  notify webhook {n} ({hook.format.value}): {which(hook.topics)}")


def _check_templates(folder: Path) -> int:
    """Compile every template of the ``templates:`` folder with the environment of its kind (the
    Markdown pages, the site, the e-mail), as the run would; every mistake is raised, together."""
    from ..render.email import EmailRenderer
    from ..render.loading import check_templates
    from ..render.markdown import markdown_environment
    from ..render.site_context import site_environment

    mail = EmailRenderer(folder, max_authors=6)
    return check_templates(
        folder,
        {
            "markdown": [markdown_environment(folder)],
            "site": [site_environment(folder)],
            "email": [mail.text_env, mail.html_env],
        },
    )


def _read_history(out_dir: Path, db_path: Path | None, work: Callable[[Store], T]) -> T:
    """``work`` on the stored history, read-only in effect (issue #7): the database takes the snapshots it
    lacks but loses nothing, is read as it is when ``OUT/data/`` has none (``--db`` alone), is rebuilt
    when damaged, and is read from a copy in memory when it cannot be written (see ``store.opening``)."""
    data = out_dir / layout.DATA
    db = db_path or default_db_path(out_dir)
    if not database_exists(db) and not snapshots.day_files(data) and not remote_store.month_files(data):
        raise UsageError(
            f"no stored papers: neither {db} nor {data}/*.jsonl exists; run `arxiv-digest run` "
            "(or `demo`) first, or pass --out/--db"
        )
    refuse_symlinks(out_dir, db)  # search writes its index into the database, without the lock
    return read_store(db, data, work)


@cli.command(epilog=FIELDS_HELP)
@click.argument("query")
@existing_out_option("The digest folder whose history to search (its data/ and database).")
@db_option
@click.option(
    "--from",
    "date_from",
    metavar="DATE",
    help="First announcement day (YYYY-MM-DD); with --remote, first submission day.",
)
@click.option(
    "--to", "date_to", metavar="DATE", help="Last announcement (with --remote: submission) day (YYYY-MM-DD)."
)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="At most N papers.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@click.option("--explain", is_flag=True, help="Show which terms matched where.")
@click.option(
    "--remote",
    is_flag=True,
    help="Ask arXiv's API (needs --from and --to), judge its answers with our matcher, keep the matches "
    "in OUT/data/remote/.",
)
@click.option(
    "--max-pages",
    default=REMOTE_MAX_PAGES,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --remote: at most N requests of 100 results.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --remote: the config whose arxiv: settings to use (default: OUT/config.yml if present); "
    "with --rank, the config whose library: ranks.",
)
@click.option(
    "--rank",
    "by_rank",
    is_flag=True,
    help="Order the results by your score (the `library:` of --config), best first, not newest first.",
)
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
    remote: bool,
    max_pages: int,
    config_path: Path | None,
    by_rank: bool,
) -> None:
    """Search the stored history with the query language, newest first.

    QUERY uses arXiv's syntax: words, "phrases", AND / OR / ANDNOT / NOT, parentheses, and the fields
    listed below (see docs/query-language.md). Words match whole words as topics do.
    Papers kept by earlier remote searches (OUT/data/remote/) are searched too.

    With --remote, arXiv's API is asked for the papers submitted between --from and --to (a superset:
    the query translated to its search syntax), politely paged, and every candidate is judged by the
    same matcher; the matches are printed and kept in OUT/data/remote/.

    \b
    Example:
      arxiv-digest search 'ti:"vision language model" ANDNOT survey' --from 2026-01-01
      arxiv-digest search 'au:hinton' --json --limit 5
      arxiv-digest search 'ti:agent* ANDNOT survey' --remote --from 2026-06-01 --to 2026-06-30
      arxiv-digest search 'abs:"gaussian splatting"' --rank --config config.yml

    With --rank, every match is scored by the "For you" model of your `library:` (see `rank`) and the
    best --limit are printed, best first.
    """
    tree = parse_query(query, check_categories=True)  # `cat:cs.XX` matches nothing: say so, as `check` does
    start, end = optional_day(date_from, "--from"), optional_day(date_to, "--to")
    if start and end and start > end:
        raise UsageError(f"--from {start} is after --to {end}")
    hits = explain or not as_json  # where each term matched: for --explain, and for highlighting
    if by_rank and remote:
        raise UsageError("--rank orders the stored history: it does not go with --remote")
    if remote:
        if start is None or end is None:
            raise UsageError("--remote needs --from and --to (the submission dates to ask arXiv for)")
        results = _search_remote(ctx, tree, out_dir, start, end, limit, hits, max_pages, config_path)
    else:
        submissions = remote_store.load_all(out_dir / layout.DATA)
        results = _read_history(
            out_dir,
            db_path,
            lambda store: search_history(
                store,
                tree,
                date_from=start,
                date_to=end,
                limit=None if by_rank else limit,
                explain=hits,
                submissions=submissions,
            ),
        )
        if by_rank:
            from .rank import by_rank as _by_rank  # here: `search` alone loads no model

            results = _by_rank(out_dir, db_path, config_path, results)[:limit]
    if as_json:
        click.echo(json.dumps(json_rows(results, explain=explain), ensure_ascii=False, indent=2))
    elif not results:
        say(
            ctx,
            f"No {'paper from arXiv' if remote else 'stored paper'} matches {query!r}"
            + (f" between {start or '…'} and {end or '…'}" if start or end else "")
            + ".",
        )
    else:
        print_results(results, explain=explain)
        say(ctx, f"{counted(len(results), 'paper')}{' (limit reached)' if len(results) == limit else ''}.")


def _search_remote(
    ctx: click.Context,
    tree: Node,
    out_dir: Path,
    start: dt.date,
    end: dt.date,
    limit: int,
    with_hits: bool,
    max_pages: int,
    config_path: Path | None,
) -> list[SearchResult]:
    """``search --remote``: ask arXiv, keep the matches, say what was asked and what came back."""
    from ..config import arxiv_settings_from_env, load_config
    from ..jobs.remote import run_remote_search

    if not out_dir.is_dir():
        raise UsageError(f"{out_dir} is not a folder; pass --out with the digest folder to keep results in")
    if config_path is None and (out_dir / "config.yml").is_file():
        config_path = out_dir / "config.yml"
    settings = load_config(config_path).arxiv if config_path else arxiv_settings_from_env()
    found, _ = run_remote_search(settings, out_dir, tree, start, end, max_pages=max_pages)
    matcher = Matcher([TopicRule("query", tree)])

    def note(message: str) -> None:  # stderr: stdout stays the results (and valid --json)
        if not ctx.obj.get("quiet"):
            click.echo(message, err=True)

    if found.query.dropped:
        note(f"judged here only, not sent to arXiv: {', '.join(found.query.dropped)}")
    note(
        f"arXiv returned {counted(found.candidates, 'candidate')} of {found.total} "
        f"in {counted(found.pages, 'request')}"
        + ("" if found.complete else f" (stopped at --max-pages {max_pages}: there are more)")
        + f"; {len(found.matches)} match the query"
        + (f", kept in {out_dir / 'data' / 'remote'}" if found.matches else "")
        + ".",
    )
    return [
        SearchResult(s.as_paper(), tuple(matcher.explain(s.as_paper())[1]) if with_hits else (), s)
        for s in found.matches[:limit]
    ]


@cli.command()
@config_option
@click.option(
    "--id", "arxiv_id", required=True, help="An arXiv id (any form: 2401.12345, arXiv:2401.12345v2)."
)
@existing_out_option("The digest folder holding the paper's day.")
@db_option
@click.pass_context
def explain(
    ctx: click.Context, config_path: Path, arxiv_id: str, out_dir: Path, db_path: Path | None
) -> None:
    """Show which topics take a stored paper, on which words, and what the others lacked.

    For a topic that did not take the paper: the terms its closest alternative still needs
    ("needs: Reasoning"), or the NOT (a filter) that excluded it.

    \b
    Example:
      arxiv-digest explain --config config.yml --id 2606.30639
    """
    from ..config import load_config, topic_tree
    from ..match.topics import topic_matcher

    config = load_config(config_path)
    try:
        wanted, _ = parse_arxiv_id(arxiv_id)
    except ValueError:
        raise click.BadParameter(f"{arxiv_id!r} is not an arXiv identifier", param_hint="--id") from None
    paper = _read_history(out_dir, db_path, lambda store: store.latest_announcement(wanted))
    if paper is None:
        raise UsageError(f"{wanted} is not in the stored history of {out_dir}")
    matcher = topic_matcher(config)
    selected, hits = matcher.explain(paper)
    click.echo(
        f"{paper.id}v{paper.version}  {paper.announced}  {paper.announce_type.value}  "
        f"{' '.join(paper.categories)}\n  {paper.title}"
    )
    hit_terms = {h.term for h in hits}
    for topic in config.topics:
        tree = topic_tree(topic)
        mine = [h for h in hits if h.term in set(terms(tree))]
        mark = "✓" if topic.name in selected else "✗"
        click.echo(f"{mark} {topic.name}: {tree}")
        for h in mine:
            click.echo(f"    {h.term} matched in {h.where}: {h.words!r}")
        if topic.name in selected and paper.announce_type not in topic.include:
            click.echo(f"    (listed only for announce types {sorted(t.value for t in topic.include)})")
        if topic.name not in selected:
            for line in lacked(paper, tree, hits, hit_terms):
                click.echo(f"    {line}")
