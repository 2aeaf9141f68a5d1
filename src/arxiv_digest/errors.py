"""The whole exception tree of arxiv-digest, and the exit code each branch maps to.

::

    DigestError                      every failure we anticipate; str() says what, where, and what to do
    ├── UsageError        (exit 2)   bad input from the person at the keyboard
    │   ├── ConfigError              config.yml: file, line, key path
    │   │   └── ConfigErrors         several of them, found in one pass over the file
    │   └── QuerySyntaxError         a query string, with a caret under the fault
    └── RuntimeFailure    (exit 1)   the world did not cooperate
        ├── AttemptFailed            one try at an exchange failed; ``retry.retry`` may try again
        │   ├── DeadlineExceeded     an HTTP request still unfinished at its whole-request deadline
        │   └── SendFailed           one try at sending a notification (its reason may hold a secret)
        ├── GaveUp                   ``retry.retry`` stopped: tries spent, a Retry-After past the cap,
        │                            or a failure that trying again cannot mend
        ├── FetchError               an HTTP exchange with arXiv failed (URL, status, last error)
        │   ├── FeedFormatError      arXiv answered, but not with the feed we can read
        │   ├── OaiError             arXiv's OAI-PMH answered with an ``<error>`` (its code)
        │   └── EndlessListError     OAI-PMH resumption tokens that would never end a list
        ├── StoreError               the SQLite database or a data/*.jsonl snapshot
        │   ├── DatabaseCorruptError     the database is damaged (a cache: moved aside, rebuilt from data/)
        │   └── DatabaseUnwritableError  the database or its folder refuses writes (read-only, full)
        ├── ShrunkDayError           a stored day would be replaced by a much smaller one (``--force``)
        ├── PublishError             writing the output folder
        ├── LockError                another run holds the output folder
        └── DeliveryError            e-mail or webhook delivery

Two exceptions live outside this file by necessity, and never leave their module:

    render.loading.TemplateOutsideFolder   a jinja2.TemplateError (so Jinja's loaders stop at it rather
                                           than fall through to the packaged template); a ConfigError
                                           when it reaches the caller
    sources.rss._Unreadable                one feed item that is no paper: skipped with a warning

AttemptFailed and GaveUp live between a retried call and its caller: the arXiv client turns a GaveUp
into a FetchError, delivery into a channel's recorded failure. Neither is meant to reach the CLI.

Third-party exceptions are wrapped where they cross into our code (``raise FetchError(...) from e``);
the single broad ``except`` lives in :func:`arxiv_digest.cli.main`. The words of an outside error are
taken once, by :func:`reason`; a failed file operation is worded once, by :func:`cannot` (and
:func:`cannot_read`), whichever of our errors carries it. The boundaries that map whole libraries:
``store._sqlite.sqlite_errors`` (sqlite3 -> StoreError and its leaves), ``net.transport.failure_reason``
(httpx -> the reason a FetchError, GaveUp or SendFailed gives).
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class DigestError(Exception):
    """Root of every anticipated failure."""

    exit_code = EXIT_FAILURE


class UsageError(DigestError):
    """The input we were given is wrong; the person who gave it can fix it."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file is invalid. The message names the file, the line and the key."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.hint = hint
        self.detail = message
        where = path or "<config>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: {key + ': ' if key else ''}{message}"
        if hint:
            text += f"\n  hint: {hint}"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:
        # A worker process sends its errors back pickled; the keyword-only fields must survive the trip.
        return (_config_error, (self.detail, self.path, self.line, self.key, self.hint))


def _config_error(
    message: str, path: str | None, line: int | None, key: str | None, hint: str | None
) -> ConfigError:
    return ConfigError(message, path=path, line=line, key=key, hint=hint)


class ConfigErrors(ConfigError):
    """Every error found in one configuration file, reported together so that one run shows them all.
    The attributes (``path``, ``line``, ``key``, ``hint``) are the first error's; ``errors`` holds all."""

    def __init__(self, errors: Sequence[ConfigError]) -> None:
        first = errors[0]
        self.errors = tuple(errors)
        self.path, self.line, self.key, self.hint, self.detail = (
            first.path,
            first.line,
            first.key,
            first.hint,
            first.detail,
        )
        files = {e.path for e in errors}
        head = (
            f"{first.path}: {len(errors)} errors"
            if len(files) == 1 and first.path
            else f"{len(errors)} errors"
        )
        UsageError.__init__(self, "\n".join([head, *(str(e) for e in errors)]))

    def __reduce__(self) -> tuple[object, ...]:
        return (ConfigErrors, (self.errors,))


class QuerySyntaxError(UsageError):
    """A query does not parse. ``str()`` prints the query with a caret under the fault."""

    def __init__(self, query: str, position: int, expected: str, *, context: str | None = None) -> None:
        self.query = query
        self.position = position
        self.expected = expected
        self.context = context
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.context}: " if self.context else ""
        return (
            f"{head}invalid query: {self.expected} at column {self.position + 1}\n"
            f"  {self.query}\n  {' ' * self.position}^"
        )


class RuntimeFailure(DigestError):
    """Something outside the user's input failed; the run changed nothing it had published."""

    exit_code = EXIT_FAILURE


class FetchError(RuntimeFailure):
    """An HTTP exchange failed after the allowed retries."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.url = url
        self.status = status
        self.detail = message
        status_text = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"while fetching {url}{status_text}: {message}")


class FeedFormatError(FetchError):
    """arXiv answered, but the body is not a feed we can read (HTML page, truncated XML, missing fields)."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.problem = message  # without the advice, for a caller that publishes anyway
        super().__init__(
            url, message + " (did arXiv change its format? nothing was published)", status=status
        )


class OaiError(FetchError):
    """arXiv answered with an OAI-PMH ``<error>`` other than ``noRecordsMatch``; ``hint`` says what to do
    about that ``code``, when we know."""

    def __init__(self, url: str, code: str, message: str, *, hint: str | None = None) -> None:
        self.code = code
        text = f"OAI-PMH error {code}: {message.strip() or 'no description'}"
        super().__init__(url, text + (f" ({hint})" if hint else ""))


class EndlessListError(FetchError):
    """arXiv's resumption tokens would never end a list: one came back twice, or the pages passed the cap
    (``sources.oai.MAX_PAGES_PER_SET``). The harvest of that set must start over, not resume from its
    token."""


class AttemptFailed(RuntimeFailure):
    """One try at an exchange with a server failed in a way the next try may not (a 503, a reset, a
    timeout). Raised inside a call that :func:`arxiv_digest.net.retry.retry` repeats; it never leaves there.

    ``reason`` says what happened ("HTTP 503", "timed out (ReadTimeout)"); ``retryable`` is false when
    trying again cannot help within this run (a missing password); ``retry_after_seconds`` is the
    server's own request (HTTP ``Retry-After``), if any; ``status`` the HTTP status, if there was one.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool = True,
        retry_after_seconds: float | None = None,
        status: int | None = None,
    ) -> None:
        self.reason = reason
        self.retryable = retryable
        self.retry_after_seconds = retry_after_seconds
        self.status = status
        super().__init__(reason)


class DeadlineExceeded(AttemptFailed):
    """An HTTP request still unfinished at its deadline (connecting, the headers or the body), raised at
    the socket by ``http_transport``; retried like a timeout."""


class SendFailed(AttemptFailed):
    """One try at sending a notification failed. ``reason`` says why in full, the server's answer included,
    which may echo a secret: it is shown and stored only through ``Redactor.message`` (``redact.py``), in
    ``notify.deliver``."""


class GaveUp(RuntimeFailure):
    """:func:`arxiv_digest.net.retry.retry` stopped trying. ``last`` is the final try's failure, ``attempts``
    the number of tries made; ``retry_after_seconds`` is set when the server asked for a wait past the
    cap (the reason for stopping). ``str()`` says which, in words a caller can put in its own error."""

    def __init__(
        self,
        message: str,
        *,
        last: AttemptFailed,
        attempts: int,
        retry_after_seconds: float | None = None,
    ) -> None:
        self.last = last
        self.attempts = attempts
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)


class StoreError(RuntimeFailure):
    """The database or a snapshot file could not be read or written."""


class DatabaseCorruptError(StoreError):
    """SQLite found a damaged page (or a stored text that is not UTF-8) in the database, on opening it or
    on any later read. The database is a cache of ``data/*.jsonl``: the jobs move it aside and rebuild it."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: the database is damaged ({detail})")


class DatabaseUnwritableError(StoreError):
    """The database, or the folder it lives in, refuses writes: read-only, full, or not a folder."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: cannot write the database or its folder ({detail})")


class ShrunkDayError(RuntimeFailure):
    """A day already stored would be replaced by a much smaller announcement of the same day (issue #7):
    refused, nothing written, unless ``run --force``."""

    def __init__(self, day: str, stored: int, fetched: int, source: str) -> None:
        self.day = day
        self.stored = stored
        self.fetched = fetched
        super().__init__(
            f"{day} is already stored with {stored} papers, but {source} now lists only {fetched} for it "
            f"(fewer than half): not replacing it, nothing was written. If the smaller day is right, "
            "run again with --force"
        )


class PublishError(RuntimeFailure):
    """The output folder could not be written."""


class LockError(RuntimeFailure):
    """Another arxiv-digest run holds the output folder."""


class DeliveryError(RuntimeFailure):
    """A notification channel failed after its retries (the day's pages are written by then). ``others``
    are further failed channels of the same run: one line each, in the same form."""

    def __init__(self, channel: str, reason: str, *, others: Sequence[tuple[str, str]] = ()) -> None:
        self.channel = channel
        self.reason = reason
        self.failures = ((channel, reason), *others)
        super().__init__("\n".join(f"delivery failed: {c}: {r}" for c, r in self.failures))


def reason(error: BaseException) -> str:
    """The words of an error from outside our code, as a message quotes them: an OSError's without its
    errno and the repeated file name (``Permission denied``), anything else's own text, or its type's name
    when it has none. What ``httpx`` and ``sqlite3`` raise is worded at their boundaries
    (``net.transport.failure_reason``, ``store._sqlite.translate``), which then use this."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def cannot(action: str, what: object, error: BaseException) -> str:
    """The one wording of a file operation that failed: ``cannot write site/index.html: No space left on
    device``. The exception raised with it is the caller's (``PublishError``, ``StoreError`` ...)."""
    return f"cannot {action} {what}: {reason(error)}"


def cannot_read(path: object, error: OSError | ValueError) -> str:
    """A file or folder that could not be read, whichever error carries it (``cannot read
    data/2026-06-30.jsonl: Permission denied``; a decoding error's own text)."""
    return cannot("read", path, error)
