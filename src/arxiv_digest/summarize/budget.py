"""``max_tokens_per_day`` as a hard budget, shared by the requests in flight.

Before a request is sent, its most possible cost (the prompt estimated from above, plus the whole answer
it allows: ``prompt.estimate_request_tokens``) is *reserved*; a request whose reservation does not fit
what is left is not sent. When the answer comes, the reservation is replaced by what the response's
``usage`` reports (or by the reservation itself, when a server reports none or the request timed out
after it was sent and may have been billed). So the tokens reported never pass the budget while the
servers' counts stay within our estimate, and if one ever reports more, the next reservation sees it.
"""

from __future__ import annotations

import threading


class TokenBudget:
    """``limit`` tokens for the day, ``spent_before`` of them by earlier runs of it. Thread-safe."""

    def __init__(self, limit: int, spent_before: int = 0) -> None:
        self.limit = limit
        self.spent_before = spent_before
        self._spent = 0
        self._reserved = 0
        self._lock = threading.Lock()

    def reserve(self, tokens: int) -> bool:
        """Hold ``tokens`` for a request about to be sent; False (nothing held) if they do not fit."""
        with self._lock:
            if self.spent_before + self._spent + self._reserved + tokens > self.limit:
                return False
            self._reserved += tokens
            return True

    def settle(self, reserved: int, used: int) -> None:
        """A request held ``reserved`` and cost ``used``."""
        with self._lock:
            self._reserved -= reserved
            self._spent += used

    @property
    def spent(self) -> int:
        """Tokens this run has spent (settled requests)."""
        with self._lock:
            return self._spent

    @property
    def reserved(self) -> int:
        with self._lock:
            return self._reserved
