"""arXiv's category taxonomy: which codes exist, what they are called, which are aliases of which.

The table (``data/arxiv_categories.json``) is generated from arXiv's own ``arxiv/taxonomy/definitions.py``
(arxiv-base, MIT licence, Copyright Cornell University); its ``_source`` key names the version.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Taxonomy:
    categories: dict[str, str]  # code -> name
    archives: dict[str, str]  # archive code -> name
    aliases: dict[str, str]  # alias code -> canonical code
    archive_groups: dict[str, str] = field(default_factory=dict)  # archive code -> group (OAI set names)

    def canonical(self, code: str) -> str:
        return self.aliases.get(code, code)

    def is_known(self, code: str) -> bool:
        return code in self.categories or code in self.archives

    def name(self, code: str) -> str:
        return self.categories.get(code) or self.archives.get(code) or code

    def suggest(self, code: str) -> str | None:
        pool = list(self.categories) + list(self.archives)
        lowered = {c.lower(): c for c in pool}
        if code.lower() in lowered:
            return lowered[code.lower()]
        close = difflib.get_close_matches(code, pool, n=1, cutoff=0.6)
        return close[0] if close else None

    def covers(self, tracked: str, category: str) -> bool:
        """True when a paper listed in ``category`` belongs to the tracked code (a category or archive)."""
        tracked_c, category_c = self.canonical(tracked), self.canonical(category)
        if tracked_c == category_c:
            return True
        return tracked in self.archives and category.split(".")[0] == tracked


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    raw = json.loads(
        resources.files("arxiv_digest").joinpath("data/arxiv_categories.json").read_text("utf-8")
    )
    categories = {code: info["name"] for code, info in raw["categories"].items()}
    archives = {code: info["name"] for code, info in raw["archives"].items()}
    return Taxonomy(
        categories=categories,
        archives=archives,
        aliases=dict(raw["aliases"]),
        archive_groups={code: info["group"] for code, info in raw["archives"].items()},
    )
