"""The use cases the CLI calls, one public module each: ``daily`` (run), ``rebuild``, ``backfill``,
``remote`` (remote search), ``search``, ``status``. Jobs compose the stages and never import one another;
what two jobs share lives in a private module here (``_publish``: staging a day's pages; ``_rebuild``:
republishing every stored day). :class:`RunResult`, what a publishing job returns, is exported here."""

from __future__ import annotations

from ._publish import RunResult

__all__ = ["RunResult"]
