"""Long-running parts of a consumer (the alert monitor will be one), next to Huey's workers.

A slice lists :class:`ProcessSpec`\\ s in its manifest's ``processes``; every consumer — the one
inside ``serve`` and each ``aicoach worker`` — runs each of them as a task on the event loop that
owns its container, restarts one that raises (with backoff) and cancels them all at shut-down.

Several consumers may run at once (uvicorn workers, worker replicas), so a process runs in each:
it must cause its effects through the outbox with deterministic keys (``aicoach.worker.outbox``,
contract point 3), which makes the copies harmless — or coordinate through the database itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aicoach.kit.backoff import jittered_backoff

if TYPE_CHECKING:
    from aicoach.container import Container

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProcessSpec:
    """``run(container)`` runs until cancelled; returning early or raising restarts it."""

    name: str  # "<slice>.<noun>"
    run: Callable[[Container], Awaitable[None]]
    restart_max: float = 60.0  # the longest wait between restarts, in seconds


async def supervise(spec: ProcessSpec, container: Container) -> None:
    """Run ``spec`` until cancelled, restarting it whenever it stops on its own."""
    failures = 0
    while True:
        started = time.monotonic()
        try:
            await spec.run(container)
            log.warning("process %s returned; restarting it", spec.name)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("process %s failed; restarting it", spec.name)
        if time.monotonic() - started > spec.restart_max:
            failures = 0  # it had been healthy: restart soon, as after a first failure
        await asyncio.sleep(jittered_backoff(failures, base=1.0, cap=spec.restart_max))
        failures += 1


def start_all(specs: Sequence[ProcessSpec], container: Container) -> list[asyncio.Task[None]]:
    """Start each process as a task on the running loop (cancel the tasks to stop them)."""
    return [
        asyncio.create_task(supervise(spec, container), name=f"process:{spec.name}")
        for spec in specs
    ]
