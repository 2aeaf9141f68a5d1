"""The ``arxiv-digest`` command: click commands that parse arguments, call the library, print, and choose
the exit code (0 success or nothing announced, 1 runtime failure, 2 usage or configuration error).

Every command's docstring is its ``--help``, with an ``Example:`` block. Commands live by family:
``daily`` (run, rebuild, init, demo), ``history`` (check, search, explain) and ``status`` (is the digest up to
date?); ``backfill`` (past days over OAI-PMH); ``site`` (serve: preview the HTML site). ``_app`` holds the
group (which imports a family's module only when one of its commands is used), the shared options and
:func:`main`, the one place that maps outcomes to exit codes.
"""

from __future__ import annotations

from ._app import cli, main

__all__ = ["cli", "main"]
