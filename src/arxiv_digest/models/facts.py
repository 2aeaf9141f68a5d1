"""A paper's facts as plain values (issue #10): links to its code, data or project page, and the venue it is
accepted at. :mod:`arxiv_digest.facts` extracts them at ingestion; every stage reads them here.

A snapshot record carries them as the additive key ``facts``: ``{"rules": N, "code": [{"url", "kind"}…],
"venue": {"name", "year", "workshop", "track"} | null}``, keys in that order, lists in the order the text
gave them, so the same paper always writes the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar


class LinkKind(StrEnum):
    """Where a code link points: one of the code hosts, or the work's own project page."""

    GITHUB = "github"
    GITLAB = "gitlab"
    HUGGINGFACE = "huggingface"
    CODEBERG = "codeberg"
    BITBUCKET = "bitbucket"
    PROJECT = "project"


class Track(StrEnum):
    """The part of a venue a paper was accepted to. ``main`` also stands for "not stated"."""

    MAIN = "main"
    WORKSHOP = "workshop"
    FINDINGS = "findings"  # Findings of ACL/EMNLP/NAACL: a main-conference companion, not a workshop
    DEMO = "demo"
    DATASET = "dataset"
    INDUSTRY = "industry"
    SHORT = "short"
    IAAI = "iaai"  # AAAI's Innovative Applications of AI: co-located, in AAAI's proceedings
    ADJUNCT = "adjunct"
    JOURNAL = "journal"


@dataclass(frozen=True, slots=True)
class CodeLink:
    """One link to the paper's code, data, model or project page, normalised (``https://``, the host in
    lower case, a repository URL cut to the repository)."""

    url: str
    kind: LinkKind

    def to_record(self) -> dict[str, str]:
        return {"url": self.url, "kind": self.kind.value}

    @classmethod
    def from_record(cls, record: object) -> CodeLink:
        if not isinstance(record, Mapping) or set(record) != {"url", "kind"}:
            raise ValueError(f"facts.code: each link must be an object with url and kind, not {record!r}")
        url, kind = record["url"], record["kind"]
        if type(url) is not str or not url.startswith("https://"):
            raise ValueError(f"facts.code: url must be a string starting with https://, not {url!r}")
        return cls(url, _member(LinkKind, kind, "facts.code: kind"))


@dataclass(frozen=True, slots=True)
class Venue:
    """Where the paper is (or will be) published, as its comment or journal reference states it.

    ``name`` is the venue table's canonical short name (``CVPR``, ``ACM MM``, ``TPAMI``); for a workshop it
    is the host conference's, and the track says ``workshop``. ``year`` is ``None`` when the text gives
    none (no year is guessed).
    """

    name: str
    year: int | None
    track: Track = Track.MAIN

    @property
    def workshop(self) -> bool:
        """Is it a workshop paper? Kept apart from the main tracks (issue #10); findings are not one."""
        return self.track is Track.WORKSHOP

    @property
    def label(self) -> str:
        """How a badge shows it: ``CVPR 2026``, ``ICCV 2025 Workshop``, ``EMNLP 2025 Findings``."""
        parts = [self.name]
        if self.year is not None:
            parts.append(str(self.year))
        if self.track not in (Track.MAIN, Track.JOURNAL):
            parts.append("IAAI" if self.track is Track.IAAI else self.track.value.capitalize())
        return " ".join(parts)

    def to_record(self) -> dict[str, Any]:
        return {"name": self.name, "year": self.year, "workshop": self.workshop, "track": self.track.value}

    @classmethod
    def from_record(cls, record: object) -> Venue:
        if not isinstance(record, Mapping) or set(record) != {"name", "year", "workshop", "track"}:
            raise ValueError(
                f"facts.venue must be null or an object with name, year, workshop and track, not {record!r}"
            )
        name, year, workshop = record["name"], record["year"], record["workshop"]
        if type(name) is not str or not name:
            raise ValueError(f"facts.venue.name must be a non-empty string, not {name!r}")
        if year is not None and (type(year) is not int or not 1900 <= year <= 2999):
            raise ValueError(f"facts.venue.year must be null or a year such as 2025, not {year!r}")
        venue = cls(name, year, _member(Track, record["track"], "facts.venue.track"))
        if workshop is not venue.workshop:
            raise ValueError(
                f"facts.venue.workshop is {workshop!r} but track is {venue.track.value!r}: "
                "workshop must be true exactly when track is 'workshop'"
            )
        return venue


@dataclass(frozen=True, slots=True)
class Facts:
    """What a paper's own record says about it: links to its code or project page, and its venue."""

    code: tuple[CodeLink, ...] = ()
    venue: Venue | None = None
    #: The version of the extraction rules that made these facts (``arxiv_digest.facts.RULES_VERSION``),
    #: so that a reader can tell facts made by older rules, and recompute them, from facts it can trust.
    #: Not part of equality: the same links and venue are the same facts, whichever rules found them.
    rules: int = field(default=1, compare=False)

    @property
    def has_code(self) -> bool:
        return bool(self.code)

    def to_record(self) -> dict[str, Any]:
        """The snapshot field ``facts``: ``{"rules": N, "code": [{"url", "kind"}…], "venue": {…} | null}``."""
        return {
            "rules": self.rules,
            "code": [link.to_record() for link in self.code],
            "venue": None if self.venue is None else self.venue.to_record(),
        }

    @classmethod
    def from_record(cls, record: object) -> Facts:
        """Read the snapshot field back; raises ValueError naming the key on a malformed value. The
        ``rules`` number is kept, not judged: :func:`arxiv_digest.facts.facts_of_record` decides."""
        if not isinstance(record, Mapping) or set(record) != {"rules", "code", "venue"}:
            raise ValueError(f"facts must be an object with rules, code and venue, not {record!r}")
        rules, code, venue = record["rules"], record["code"], record["venue"]
        if type(rules) is not int or rules < 1:
            raise ValueError(f"facts.rules must be a positive integer, not {rules!r}")
        if type(code) is not list:
            raise ValueError(f"facts.code must be a list, not {code!r}")
        return cls(
            tuple(CodeLink.from_record(link) for link in code),
            None if venue is None else Venue.from_record(venue),
            rules,
        )


_E = TypeVar("_E", bound=StrEnum)


def _member(enum: type[_E], value: object, where: str) -> _E:
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    raise ValueError(f"{where} must be one of {allowed}, not {value!r}")
