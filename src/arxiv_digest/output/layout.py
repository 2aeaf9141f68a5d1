"""The layout of an output folder: where each page of a day lives, which folders arxiv-digest owns, what
its temporary files are called. The one map that the jobs (what to stage, what to clear), notify (the links
a message carries), status (what to look for) and render (the site's own paths) read, so a path is
spelled once. Paths are relative, with ``/``, as :class:`~arxiv_digest.output.files.Staging` takes them.

    README.md, hot_topic/<slug>.md, category/<slug>.md    the latest day (the seed's layout)
    for_you.md, archive/<day>/for_you.md                  the day ranked for the reader (issue #9)
    archive/README.md                                     every day, with its counts
    archive/<day>/README.md, archive/<day>/hot_topic/...  each day's pages, as they were
    site/index.html, site/archive.html, site/assets/      the static site (issue #4)
    site/day/<day>.html, site/day/<day>/topic/<slug>.html, site/day/<day>/search.js
    site/for-you.html, site/day/<day>/for-you.html        the day ranked for the reader (issue #9)
    site/feeds/<slug>.xml, site/feeds/all.xml             the Atom feeds (and feeds/for-you.xml)
    weekly/<YYYY-Www>.md, site/weekly/<YYYY-Www>.html     each closed ISO week's best papers (issue #10)
    data/<day>.jsonl, .meta.json, .incomplete             the history in git (store/ reads and writes it)
    data/for_you/<day>.json                               each day's For-you picks, as published (issue #9)
    delivery/<day>.json, delivery/<YYYY-Www>.json         what was sent (notify/), by day and by week
    .arxiv-digest/                                        state: lock, database, a backfill's progress
"""

from __future__ import annotations

import datetime as dt
import re

README = "README.md"
TOPICS = "hot_topic"  # the seed's name for the per-topic pages
CATEGORIES = "category"
ARCHIVE = "archive"
SITE = "site"
DATA = "data"
DELIVERY = "delivery"
WEEKLY = "weekly"
STATE_DIR = ".arxiv-digest"

#: What arxiv-digest writes at the top of an output folder: the latest day's pages, the archive, the site,
#: the snapshots, the delivery records (notify/) and its state (lock, database, a backfill's progress).
OUTPUT_NAMES = (README, TOPICS, CATEGORIES, ARCHIVE, SITE, DATA, DELIVERY, WEEKLY, STATE_DIR)
#: The folders of a day's Markdown pages that are all ours: a page the day does not produce is stale.
LIST_FOLDERS = (TOPICS, CATEGORIES)
#: What may be deleted from an owned folder: Markdown pages, the site's HTML pages and its Atom feeds.
OWNED_SUFFIXES = (".md", ".html", ".xml")

ARCHIVE_INDEX = f"{ARCHIVE}/{README}"
LOCK = f"{STATE_DIR}/lock"
DATABASE = f"{STATE_DIR}/digest.db"
BACKFILL_PROGRESS = f"{STATE_DIR}/backfill.json"  # an unfinished backfill's progress (jobs/backfill)
BACKFILL_PAGES = f"{STATE_DIR}/backfill"  # the pages it has fetched


def day_name(day: dt.date) -> str:
    return day.isoformat()


def topic_page(slug: str) -> str:
    """A topic's page of the latest day; under :func:`archive_folder` for any day."""
    return f"{TOPICS}/{slug}.md"


#: The day's papers ranked for the reader (issue #9; with a ``library:``): at the top for the latest day,
#: and under :func:`archive_folder` for each day.
FOR_YOU_PAGE = "for_you.md"


def archived_for_you_page(day: dt.date) -> str:
    return archive_folder(day) + FOR_YOU_PAGE


def archive_folder(day: dt.date) -> str:
    """The folder of a day's archived pages (a prefix: ends with ``/``)."""
    return f"{ARCHIVE}/{day_name(day)}/"


def archived_topic_page(day: dt.date, slug: str) -> str:
    return archive_folder(day) + topic_page(slug)


def delivery_record(day: dt.date) -> str:
    """What notify/ sent for a day, so a re-run sends nothing twice."""
    return f"{DELIVERY}/{day_name(day)}.json"


def week_delivery_record(week: str) -> str:
    """What notify/ sent of an ISO week (``2026-W27``) to the ``every: week`` channels."""
    return f"{DELIVERY}/{week}.json"


def weekly_page(week: str) -> str:
    """An ISO week's Markdown page (issue #10)."""
    return f"{WEEKLY}/{week}.md"


def in_data(name: str) -> str:
    """A file of ``data/``: snapshots, day metadata, remote search results. Written durably (fsync'd)."""
    return f"{DATA}/{name}"


def snapshot_name(day: dt.date) -> str:
    """A day's papers, one a line (``store/snapshot.py`` reads and writes it)."""
    return f"{day_name(day)}.jsonl"


def meta_name(day: dt.date) -> str:
    """What a run learnt about a day beyond its papers (``store/meta.py``); absent when nothing."""
    return f"{day_name(day)}.meta.json"


#: The folder of ``data/`` that keeps each day's For-you picks (issue #9).
FOR_YOU_DATA = "for_you"


def for_you_picks(day: dt.date) -> str:
    """A day's For-you picks (id, version, rank, score, reasons: ``store/picks.py``), written with the
    day's pages: the For-you feed's older days are read from these, never ranked again."""
    return in_data(f"{FOR_YOU_DATA}/{day_name(day)}.json")


def is_durable(relative: str) -> bool:
    """Is this a file of the history (``data/``), fsync'd before the pages that derive from it?"""
    return relative.startswith(f"{DATA}/")


# -- the site, by path under site/ ------------------------------------------------------------------------

SITE_INDEX = "index.html"
FEEDS = "feeds"
#: Folders of a day of the site whose pages are all ours: a page a render does not produce is stale.
SITE_LIST_FOLDERS = ("topic", "category")


def in_site(relative: str) -> str:
    """A path under ``site/`` as a path of the output folder."""
    return f"{SITE}/{relative}"


def site_day_page(day: dt.date) -> str:
    return f"day/{day_name(day)}.html"


def site_day_folder(day: dt.date) -> str:
    """The folder of a day's topic and category pages and its search data (ends with ``/``)."""
    return f"day/{day_name(day)}/"


def site_topic_page(day: dt.date | None, slug: str) -> str:
    """A topic's page: the latest day's at the top of the site (``day`` None), else under the day."""
    return (site_day_folder(day) if day else "") + f"topic/{slug}.html"


#: The site's For-you page (issue #9), and the latest day's For-you feed under :data:`FEEDS`.
SITE_FOR_YOU = "for-you.html"
FOR_YOU_FEED = f"{FEEDS}/for-you.xml"


def site_for_you_page(day: dt.date | None) -> str:
    """The For-you page: the latest day's at the top of the site (``day`` None), else under the day."""
    return (site_day_folder(day) if day else "") + SITE_FOR_YOU


def site_weekly_page(week: str) -> str:
    """An ISO week's page of the site (issue #10)."""
    return f"{WEEKLY}/{week}.html"


_DAY = r"day/\d{4}-\d{2}-\d{2}"
_SITE_FILE = re.compile(
    rf"(?:index|archive)\.html|assets/site\.(?:css|js)|(?:{_DAY}/)?(?:topic|category)/[^/]+\.html"
    rf"|{FEEDS}/[^/]+\.xml|{_DAY}\.html|{_DAY}/search\.js|(?:{_DAY}/)?for-you\.html"
    rf"|{WEEKLY}/\d{{4}}-W\d{{2}}\.html"
)
_SITE_DIR = re.compile(rf"assets|{FEEDS}|day|{WEEKLY}|(?:{_DAY}/)?(?:topic|category)|{_DAY}")


def is_site_file(relative: str, *, folder: bool = False) -> bool:
    """Is this path under ``site/`` a file (or ``folder``) of the layout, which arxiv-digest overwrites?
    What ``site: false`` removes; anything else there is the user's."""
    return (_SITE_DIR if folder else _SITE_FILE).fullmatch(relative) is not None


# -- temporary files ---------------------------------------------------------------------------------------


def temp_name(name: str, pid: int) -> str:
    """The name a file is written under before ``os.replace`` puts it in place: hidden, one per writer."""
    return f".{name}.{pid}.tmp"


def old_copy_name(name: str, pid: int) -> str:
    """A hard link to the file a run is about to replace, so a failed run can give it back (issue #7)."""
    return temp_name(f"{name}.old", pid)


TEMP_GLOB = ".*.tmp"


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and name.endswith(".tmp")


def temp_writer_pid(name: str) -> int | None:
    """The process that named a temporary file, or None if the name is not one of ours."""
    pid_text = name.rsplit(".", 2)[-2] if name.count(".") >= 3 else ""
    return int(pid_text) if pid_text.isdigit() else None
