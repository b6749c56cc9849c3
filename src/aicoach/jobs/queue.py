"""Background jobs on Huey: SQLite storage by default, Redis when ``REDIS_URL`` is set.

Jobs are plain ``async def job(ctx, *args)`` functions declared as ``JobSpec`` in each slice's
``tasks.py`` and listed in its manifest. Nothing is registered at import time: :func:`build_queue`
binds the specs it is handed to a Huey instance built from settings; the same call builds the
worker process's queue.

Each job runs as one transaction (``ctx.session``), committed by the wrapper; jobs are enqueued
from requests with :meth:`JobQueue.enqueue_after_commit`, so a rolled-back request enqueues nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.config import Settings
from aicoach.db import after_commit, create_engine, session_factory, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobContext:
    settings: Settings
    session: AsyncSession


JobFn = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str  # "<slice>.<verb>"
    fn: JobFn
    schedule: crontab | None = None  # periodic when set
    retries: int = 2
    retry_delay: int = 10


def run_job(settings: Settings, spec: JobSpec, *args: Any) -> Any:
    """Run one job in its own event loop and transaction (Huey workers are threads/processes)."""

    async def _run() -> Any:
        engine = create_engine(settings, for_worker=True)
        try:
            async with transaction(session_factory(engine)) as session:
                return await spec.fn(JobContext(settings, session), *args)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


class JobQueue:
    def __init__(self, huey: Huey, tasks: dict[str, TaskWrapper]) -> None:
        self.huey = huey
        self.tasks = tasks

    def enqueue(self, name: str, *args: Any) -> None:
        self.tasks[name](*args)

    def enqueue_after_commit(self, session: AsyncSession, name: str, *args: Any) -> None:
        if name not in self.tasks:
            raise KeyError(f"unknown job {name!r}")
        after_commit(session, lambda: self.enqueue(name, *args))

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def start_consumer(self, workers: int = 1) -> Consumer:
        consumer = _InProcessConsumer(self.huey, workers=workers, check_worker_health=False)
        consumer.start()
        return consumer


class _InProcessConsumer(Consumer):  # type: ignore[misc]
    """A consumer living inside ``serve``: the web server owns the process signals."""

    def _set_signal_handlers(self) -> None:
        pass


def build_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("aicoach", url=settings.redis_url, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("aicoach", filename=str(settings.data_dir / "jobs.db"), utc=True)


def build_queue(settings: Settings, specs: Sequence[JobSpec], huey: Huey | None = None) -> JobQueue:
    """Bind the slices' job specs (from their manifests) to a Huey instance."""
    huey = huey or build_huey(settings)
    tasks: dict[str, TaskWrapper] = {}
    for spec in specs:

        def call(*args: Any, _spec: JobSpec = spec) -> Any:
            return run_job(settings, _spec, *args)

        call.__name__ = spec.name.replace(".", "_")
        if spec.schedule is not None:
            wrapper = huey.periodic_task(spec.schedule, name=spec.name)(call)
        else:
            wrapper = huey.task(name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay)(
                call
            )
        tasks[spec.name] = wrapper
    return JobQueue(huey, tasks)
