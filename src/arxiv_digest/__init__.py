"""arxiv-digest: each arXiv announcement day turned into digests researchers read."""

from __future__ import annotations

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/arxiv-digest/arxiv-digest"
