"""The values that flow through the pipeline, no I/O and no imports but each other: papers and
announcements (``paper``), what a paper's record says about its code and venue (``facts``), what
config.yml names (``topic``), a day's digest (``digest``), a week's (``week``), the reader's library
(``library``). Every name is exported here, so a stage imports ``from ..models import X`` without knowing
the file."""

from __future__ import annotations

from .digest import CategoryDigest, DayCounts, Digest, Listing, TopicDigest, kind_label, sort_papers
from .facts import CodeLink, Facts, LinkKind, Track, Venue
from .for_you import ForYou, Pick
from .library import Library, LibraryItem
from .paper import (
    ARXIV_TZ,
    MAX_VERSION,
    Announcement,
    AnnounceType,
    Paper,
    Submission,
    arxiv_today,
    id_sort_key,
    is_after_today,
    parse_arxiv_id,
)
from .topic import CategorySpec, MatchMode, Order, Topic
from .week import WeekCounts, WeekDigest, WeekRow, WeekTopic, closed_weeks, iso_week, week_rows, week_start

__all__ = [
    "ARXIV_TZ",
    "MAX_VERSION",
    "AnnounceType",
    "Announcement",
    "CategoryDigest",
    "CategorySpec",
    "CodeLink",
    "DayCounts",
    "Digest",
    "Facts",
    "ForYou",
    "Library",
    "LibraryItem",
    "LinkKind",
    "Listing",
    "MatchMode",
    "Order",
    "Paper",
    "Pick",
    "Submission",
    "Topic",
    "TopicDigest",
    "Track",
    "Venue",
    "WeekCounts",
    "WeekDigest",
    "WeekRow",
    "WeekTopic",
    "arxiv_today",
    "closed_weeks",
    "id_sort_key",
    "is_after_today",
    "iso_week",
    "kind_label",
    "parse_arxiv_id",
    "sort_papers",
    "week_rows",
    "week_start",
]
