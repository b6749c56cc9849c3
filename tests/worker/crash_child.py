"""The crash test's child processes:
``python -m tests.worker.crash_child SCENARIO DATABASE_URL DATA_DIR KEY``.

* ``commit-then-die`` — a request's process with a live in-process relay: writes a change and an
  outbox row, commits, and is SIGKILLed by an ``after_commit`` hook before the relay can run.
* ``relay-then-die`` — a consumer whose relay is SIGKILLed right after Huey took the row, before
  its commit marks the row relayed (its Huey workers take nothing, so the task stays queued).
* ``consume`` — a plain ``aicoach worker`` (with the test jobs), until SIGINT; with
  ``AICOACH_TEST_CRASH_IN_JOB`` set, the job SIGKILLs its process mid-run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

from huey.storage import SqliteStorage
from sqlalchemy import event

from aicoach.config import Settings
from aicoach.container import build_container
from aicoach.db import transaction
from aicoach.main import SLICES
from aicoach.worker.consumer import run_worker, start_in_process
from aicoach.worker.jobs import JobQueue
from aicoach.worker.outbox import RelayTiming
from tests.worker.support import EFFECTS, MANIFEST, child_settings

TEST_SLICES = (*SLICES, MANIFEST)
#: A fresh consumer finds lost deliveries quickly (the default waits ten minutes).
FAST = RelayTiming(poll=0.2, redeliver_after=1.0)


def _die(*_: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def commit_then_die(settings: Settings, key: str) -> None:
    container = build_container(settings, slices=TEST_SLICES)
    await start_in_process(container)  # a live relay, woken by the commit below
    async with transaction(container.sessions) as session:
        event.listen(session.sync_session, "after_commit", _die)
        await session.execute(EFFECTS.insert().values(note="change", pid=os.getpid()))
        await container.outbox.enqueue(session, "testjobs.record", "job", key=key)
    raise AssertionError("still alive after the commit")


def relay_then_die(settings: Settings) -> None:
    hand_off = JobQueue.hand_off

    def hand_off_then_die(self: JobQueue, name: str, key: str, args: Any) -> None:
        hand_off(self, name, key, args)
        _die()

    JobQueue.hand_off = hand_off_then_die  # type: ignore[method-assign]
    SqliteStorage.dequeue = lambda self: None  # type: ignore[method-assign]
    run_worker(lambda: build_container(settings, slices=TEST_SLICES), timing=FAST)


def main(argv: list[str]) -> None:
    scenario, url, data_dir, key = argv
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    settings = child_settings(url, data_dir)
    if scenario == "commit-then-die":
        asyncio.run(commit_then_die(settings, key))
    elif scenario == "relay-then-die":
        relay_then_die(settings)
    elif scenario == "consume":
        run_worker(lambda: build_container(settings, slices=TEST_SLICES), timing=FAST)
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
