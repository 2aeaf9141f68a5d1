"""The use cases the CLI calls, one public module each: ``daily`` (run), ``rebuild``, ``backfill``,
``remote`` (remote search), ``search``, ``status``. Jobs compose the stages and never import one another;
what two jobs share lives in a private module here (``_publish``: staging a day's pages; ``_rebuild``:
republishing every stored day). :class:`RunResult`, what a publishing job returns, is exported here.

Importing the package imports none of its jobs: ``RunResult`` loads ``_publish`` (the renderers, the
mailer, the HTTP client) when it is first asked for, so ``jobs.search`` starts without them (issue #15)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._publish import RunResult

__all__ = ["RunResult"]


def __getattr__(name: str) -> Any:
    if name == "RunResult":
        return importlib.import_module("._publish", __name__).RunResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
