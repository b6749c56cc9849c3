"""CPU-heavy steps off the event loop, with the cyclic garbage collector paused.

Parsing 100,000 rows, building their round trips and encoding the trades allocate millions of
small objects that form no reference cycles (plain dataclasses, ``Decimal`` s, tuples).
CPython's cyclic collector still walks the whole growing heap on its full passes, which made a
100,000-row import about 1.5× slower per row than a 10,000-row one. Pausing it for these steps
keeps the work linear; reference counting frees everything as usual, and the collector
resumes (and catches up on its own schedule) when the last paused step ends.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_paused = 0
_was_enabled = True


def _quietly(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        return fn(*args, **kwargs)
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


async def run_cpu(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` on a worker thread with the cyclic collector paused."""
    return await asyncio.to_thread(_quietly, fn, *args, **kwargs)
