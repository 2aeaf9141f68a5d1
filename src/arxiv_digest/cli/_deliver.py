"""What ``run`` says about delivery, and the mark it leaves for GitHub Actions.

Under Actions (``GITHUB_OUTPUT`` set), ``run`` appends ``published=true`` to that file as soon as the pages
are written. The workflow commits when that output is true, even if the step then failed on delivery, so
the pages and the delivery record (``delivery/<day>.json``) are kept and the next run retries only the
channels that failed.
"""

from __future__ import annotations

import os

from ..errors import PublishError, reason
from ..jobs import RunResult
from ..notify import DeliveryReport, Status
from ..wording import counted

GITHUB_OUTPUT_ENV = "GITHUB_OUTPUT"


def mark_published(result: RunResult) -> None:
    """Tell a GitHub Actions workflow that this step wrote the pages (``steps.<id>.outputs.published``)."""
    path = os.environ.get(GITHUB_OUTPUT_ENV)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write("published=true\n")
    except OSError as e:
        raise PublishError(f"cannot append to ${GITHUB_OUTPUT_ENV} ({path}): {reason(e)}") from e


def delivery_lines(report: DeliveryReport) -> list[str]:
    """One line per channel, for stdout. Failures are also the error the run exits with."""
    lines = []
    for o in report.outcomes:
        if o.status is Status.SENT:
            detail = f", {o.detail}" if o.detail else ""
            lines.append(f"  delivered: {o.channel} ({counted(o.papers, 'paper')}{detail})")
        elif o.status is Status.ALREADY_SENT:
            lines.append(f"  already delivered: {o.channel}" + (f" ({o.detail})" if o.detail else ""))
        elif o.status is Status.NOTHING:
            lines.append(f"  not sent: {o.channel}: no paper in its topics today (send_empty is false)")
        else:
            lines.append(
                f"  not delivered: {o.channel} after {o.attempts} attempt{'s' if o.attempts != 1 else ''}; "
                "the next run of this day tries it again"
            )
    return lines
