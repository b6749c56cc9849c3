"""Bounded waits on a condition, for tests.

A fixed ``sleep`` hopes that something has happened by then: too short on a loaded machine (or
under xdist), needlessly long everywhere else. These poll the condition itself and fail with a
clear message when the deadline passes; the deadline is a safety net, never a measurement.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(
    condition: Callable[[], object], *, within: float = 10.0, what: str = "the condition"
) -> None:
    """Return as soon as ``condition()`` is truthy; ``AssertionError`` after ``within`` s.

    Yields to the event loop between checks, so tasks the condition depends on make progress.
    """
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.005)
