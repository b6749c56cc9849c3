"""How every outbound client paces its retries: exponential backoff with full jitter, and the
server's ``Retry-After`` read into seconds.

    backoff(attempt) = min(backoff_max, backoff_base · 2^attempt) · U(0.5, 1)   seconds

with ``attempt`` counted from 0 (the wait after the first failure). The jitter keeps many app
instances that failed together from retrying in lock-step. A server's ``Retry-After`` wins over
the formula; one longer than ``backoff_max`` is not slept through — the caller gives up at once
and hands the value on as ``retry_after``, so the trader is told when to come back instead of
being kept waiting.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from datetime import UTC, datetime


def jittered_backoff(attempt: int, *, base: float, cap: float) -> float:
    """``min(cap, base · 2^attempt) · U(0.5, 1)`` seconds; ``attempt`` counts from 0."""
    return min(cap, base * 2.0**attempt) * random.uniform(0.5, 1.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_retries`` re-tries after the first attempt, paced as the module docstring says.

    ``backoff_base`` and ``backoff_max`` are seconds.
    """

    max_retries: int
    backoff_base: float = 0.5
    backoff_max: float = 8.0

    def backoff(self, attempt: int) -> float:
        return jittered_backoff(attempt, base=self.backoff_base, cap=self.backoff_max)

    def wait_hint(self, attempt: int, server_wait: float | None) -> float:
        """What to tell the caller to wait (seconds): the server's wish, else our backoff."""
        return server_wait if server_wait is not None else self.backoff(attempt)

    def delay_before_retry(self, attempt: int, server_wait: float | None) -> float | None:
        """Seconds to sleep before re-trying after failed ``attempt`` (0-based), or ``None`` to
        give up: the re-tries are used up, or the server asks for longer than ``backoff_max``."""
        if attempt >= self.max_retries:
            return None
        if server_wait is not None and server_wait > self.backoff_max:
            return None
        return self.wait_hint(attempt, server_wait)


def parse_retry_after(value: str | None) -> float | None:
    """A ``Retry-After`` header value (delta-seconds or an HTTP-date) as seconds from now, never
    negative; ``None`` when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP-date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
