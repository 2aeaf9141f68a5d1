"""``rebuild``: every page of every stored day from ``data/*.jsonl``, after a config or template change.

The work is in ``_rebuild`` (private, because ``backfill`` publishes the same way): each snapshot read once,
days rendered by worker processes while this process holds the output lock.
"""

from __future__ import annotations

from ._rebuild import PARALLEL_MIN_DAYS, default_jobs, rebuild

__all__ = ["PARALLEL_MIN_DAYS", "default_jobs", "rebuild"]
