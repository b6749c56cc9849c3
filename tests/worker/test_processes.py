"""Long-running processes: started by the consumer on its loop, restarted when they fail,
cancelled when it stops."""

from __future__ import annotations

import asyncio

from aicoach.config import Settings
from aicoach.container import Container, build_container
from aicoach.main import SLICES
from aicoach.plugin import Manifest
from aicoach.worker.consumer import Consumer
from aicoach.worker.processes import ProcessSpec


async def test_a_process_is_restarted_after_a_failure_and_cancelled_at_stop(
    settings: Settings,
) -> None:
    runs: list[str] = []
    healthy = asyncio.Event()
    cancelled = asyncio.Event()

    async def monitor(container: Container) -> None:
        assert container.settings is settings
        runs.append("run")
        if len(runs) == 1:
            raise RuntimeError("the feed dropped")
        healthy.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    manifest = Manifest(name="monitors", processes=(ProcessSpec("monitors.test", monitor),))
    container = build_container(settings, slices=(*SLICES, manifest))
    consumer = Consumer(container, asyncio.get_running_loop())
    consumer.start()
    try:
        await asyncio.wait_for(healthy.wait(), 10)  # the first backoff is at most a second
    finally:
        await consumer.aclose()
        await container.aclose()
    assert runs == ["run", "run"]
    assert cancelled.is_set()
