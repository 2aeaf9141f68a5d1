"""``serve``: preview the HTML site (OUT/site/) in a browser, from 127.0.0.1 only, with the standard
library's http.server. Publishing is GitHub Pages' job (docs/deployment.md); this is for looking."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

import click

from ..errors import UsageError, reason
from ._app import cli, existing_out_option, say

HOST = "127.0.0.1"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with the types GitHub Pages gives them, logging only failures."""

    extensions_map = {  # noqa: RUF012 (the standard library's own class attribute)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/atom+xml",
        ".js": "text/javascript",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if isinstance(code, int) and code >= 400:
            super().log_request(code, size)


def make_server(site_dir: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server for ``site_dir`` on 127.0.0.1 (``port`` 0: any free port); call serve_forever()."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    return http.server.ThreadingHTTPServer((HOST, port), handler)


@cli.command()
@existing_out_option("The digest folder whose site/ to serve.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one)."
)
@click.pass_context
def serve(ctx: click.Context, out_dir: Path, port: int) -> None:
    """Preview the HTML site of a digest folder at http://127.0.0.1:PORT/ until Ctrl-C.

    Serves OUT/site/ as GitHub Pages would, to this computer only (127.0.0.1). The site is written by
    `run` and `rebuild` (unless config.yml says `site: false`); it can also be opened from the disk.

    \b
    Example:
      arxiv-digest demo --out demo-digest
      arxiv-digest serve --out demo-digest --port 8000
    """
    site_dir = out_dir / "site"
    if not (site_dir / "index.html").is_file():
        raise UsageError(
            f"no site in {site_dir}: run `arxiv-digest rebuild --config config.yml --out {out_dir}` "
            "(with `site: true`, the default) first"
        )
    try:
        server = make_server(site_dir, port)
    except OSError as e:
        raise UsageError(f"cannot listen on {HOST}:{port}: {reason(e)}; try another --port") from e
    with server:
        say(ctx, f"Serving {site_dir} at http://{HOST}:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            say(ctx, "Stopped.")
