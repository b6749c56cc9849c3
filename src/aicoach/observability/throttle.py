"""A sliding-window rate limit kept in process: at most N events per key in any 60 seconds.

Used by the Sentry tunnel (per client address and one global cap). In process is enough there:
each instance forwards at most its own cap, and the tunnel holds no user data to keep consistent.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_S = 60.0
MAX_KEYS = 10_000  # oldest-touched keys are forgotten past this, so memory stays bounded


class SlidingWindow:
    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may go again (0: allowed, and this event is counted)."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            if len(self._hits) > MAX_KEYS:
                self._hits.popitem(last=False)
        self._hits.move_to_end(key)
        while hits and hits[0] <= now - WINDOW_S:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + WINDOW_S - now))
        hits.append(now)
        return 0
