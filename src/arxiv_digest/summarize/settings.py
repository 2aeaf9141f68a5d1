"""The ``summaries:`` settings of config.yml as one frozen value, and the rules a value must follow.

config.yml's section is read and checked by ``config/_summaries.py`` (its rules are written there once,
and applied here too); :func:`from_config` turns it into these settings. Settings built in code are
checked by :func:`settings_problems` (or :func:`settings_from_mapping`, which reads a plain mapping of the
YAML's keys); each :class:`Problem` names its key (``summaries.papers``) and says what to write instead.
No message repeats the value of ``key:``, which could be a secret pasted by mistake.

The API key itself is never part of the settings: ``key: "${OPENAI_API_KEY}"`` names the environment
variable that holds it (``key_env``), and the client reads that variable when it starts, sends it only in
the ``Authorization`` header, and never prints, logs or writes it. A key written into config.yml would be
committed with it, so a value that is not a ``${NAME}`` reference is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from ..config import SummariesSettings, model_problem
from ..config import endpoint_problem as endpoint_problem
from ..config import parse_key_reference as parse_key_reference
from ..config._summaries import KEY_MESSAGE, MAX_PAPERS, MAX_TOKENS_PER_DAY, SECTION
from ..languages import find_language

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class SummarySettings:
    """What ``summaries:`` says. Units are in the names; the defaults are the documented ones."""

    endpoint: str  # the API's base URL: {endpoint}/chat/completions is what is called
    model: str
    key_env: str | None = None  # the environment variable holding the key; None: send no key (local)
    language: str = "English"  # as written; :func:`find_language` reads it
    papers: int = 30  # the top N of the day; 0 summarises nothing
    max_tokens_per_day: int = 60_000  # counted over every run of one announcement day
    timeout_seconds: float = 60.0  # a whole request, connection to last byte
    concurrency: int = 4  # requests in flight at once
    max_retries: int = 2  # more tries of a request after a timeout, a 429 or a 5xx
    max_retry_after_seconds: float = 120.0  # a longer Retry-After stops the day's summaries
    max_output_tokens: int = 200  # sent as max_tokens; also what the budget reserves for each answer
    max_summary_chars: int = 600  # a longer answer is cut at a sentence (or word) boundary
    max_run_seconds: float = 600.0  # all the day's summaries; papers not reached by then wait a day


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the settings: ``key`` is the YAML key path, ``message`` what to do."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


#: (minimum, maximum) of each number, and whether it must be an integer.
_BOUNDS: dict[str, tuple[float, float, bool]] = {
    "papers": (0, MAX_PAPERS, True),
    "max_tokens_per_day": (0, MAX_TOKENS_PER_DAY, True),
    "timeout_seconds": (1, 600, False),
    "concurrency": (1, 16, True),
    "max_retries": (0, 5, True),
    "max_retry_after_seconds": (0, 3600, False),
    "max_output_tokens": (16, 4000, True),
    "max_summary_chars": (80, 4000, True),
    "max_run_seconds": (10, 86_400, False),
}

#: The YAML key of each field, where they differ.
YAML_KEYS = {"key_env": "key"}


def _key(name: str) -> str:
    return f"{SECTION}.{YAML_KEYS.get(name, name)}"


def _number_problem(name: str, value: object) -> str | None:
    low, high, integer = _BOUNDS[name]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (integer and not isinstance(value, int))
        or not math.isfinite(value)
    ):
        return f"must be {'an integer' if integer else 'a number'} from {low:g} to {high:g}, not {value!r}"
    if not low <= value <= high:
        return f"must be from {low:g} to {high:g}, not {value!r}"
    return None


def from_config(section: SummariesSettings) -> SummarySettings:
    """The summariser's settings for config.yml's ``summaries:`` (already checked when it loaded); the
    settings config.yml does not expose keep their defaults."""
    return SummarySettings(
        endpoint=section.endpoint,
        model=section.model,
        key_env=section.key_env,
        language=section.language,
        papers=section.papers,
        max_tokens_per_day=section.max_tokens_per_day,
    )


def settings_problems(settings: SummarySettings) -> tuple[Problem, ...]:
    """Every rule the settings break, in field order; empty when they are fine."""
    out: list[Problem] = []
    s = settings
    if s.key_env is not None and not (isinstance(s.key_env, str) and _VARIABLE_NAME.match(s.key_env)):
        out.append(Problem(_key("key_env"), KEY_MESSAGE))
    problem = endpoint_problem(s.endpoint, sends_key=s.key_env is not None)
    if problem:
        out.append(Problem(_key("endpoint"), problem))
    problem = model_problem(s.model)
    if problem:
        out.append(Problem(_key("model"), problem))
    try:
        find_language(s.language)
    except ValueError as e:
        out.append(Problem(_key("language"), str(e)))
    for name in _BOUNDS:
        problem = _number_problem(name, getattr(s, name))
        if problem:
            out.append(Problem(_key(name), problem))
    return tuple(out)


def settings_from_mapping(raw: Mapping[str, object]) -> tuple[SummarySettings | None, tuple[Problem, ...]]:
    """The settings a ``summaries:`` mapping (YAML keys, values as YAML gives them) describes, or None
    with every problem found: unknown keys, missing ones, and each rule of :func:`settings_problems`."""
    names = {YAML_KEYS.get(f.name, f.name): f.name for f in fields(SummarySettings)}
    problems: list[Problem] = []
    values: dict[str, object] = {}
    for yaml_key, value in raw.items():
        name = names.get(str(yaml_key))
        if name is None:
            known = ", ".join(sorted(names))
            problems.append(
                Problem(f"{SECTION}.{yaml_key}", f"is not a setting of summaries: (they are {known})")
            )
        elif name == "key_env":
            try:
                values[name] = None if value is None else parse_key_reference(value)
            except ValueError as e:
                problems.append(Problem(_key(name), str(e)))
        else:
            values[name] = value
    for required in ("endpoint", "model"):
        if required not in values:
            problems.append(Problem(_key(required), "is missing (summaries: needs endpoint: and model:)"))
    if problems:
        return None, tuple(problems)
    settings = SummarySettings(**values)  # type: ignore[arg-type]  # each value is checked just below
    found = settings_problems(settings)
    return (None, found) if found else (settings, ())
