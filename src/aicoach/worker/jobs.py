"""Job declarations and their binding to Huey (SQLite storage by default, Redis with ``REDIS_URL``).

Jobs are plain ``async def job(ctx, *args)`` functions declared as :class:`JobSpec` in a slice's
``tasks.py`` and listed in its manifest. Nothing is registered at import time: :func:`build_queue`
binds the specs it is handed to a Huey instance built from settings (the container does this once
per process).

The Huey tasks themselves are thin: each hands ``(spec, key, args)`` to the runner a consumer
binds with :meth:`JobQueue.bind` (``aicoach.worker.consumer``), which runs the coroutine on the
event loop that owns the process's container. A task that runs with no consumer bound fails loudly.

Requests never enqueue here directly: they write an outbox row (``aicoach.worker.outbox``) in
their own transaction, and the relay hands it to :meth:`JobQueue.hand_off` with its key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task, TaskWrapper
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.config import Settings

if TYPE_CHECKING:
    from aicoach.container import Container

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a job receives: the process's container (market data, later notification channels)
    and the job's one transaction, committed by the wrapper when the job returns."""

    container: Container
    session: AsyncSession

    @property
    def settings(self) -> Settings:
        return self.container.settings


JobFn = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str  # "<slice>.<verb>"
    fn: JobFn
    schedule: crontab | None = None  # periodic when set
    retries: int = 2
    retry_delay: int = 10


class JobRunner(Protocol):
    """Runs one job to completion (blocking the calling Huey worker thread); ``final`` is true on
    the last attempt Huey will make."""

    def __call__(
        self, spec: JobSpec, key: str | None, args: tuple[Any, ...], final: bool
    ) -> Any: ...


class JobQueue:
    """The slices' jobs bound to one Huey instance."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self.specs: dict[str, JobSpec] = {}
        self.tasks: dict[str, TaskWrapper] = {}
        self._runner: JobRunner | None = None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.specs)

    @property
    def on_demand(self) -> frozenset[str]:
        """The jobs the outbox may cause: the unscheduled ones (a periodic job runs on its tick)."""
        return frozenset(name for name, spec in self.specs.items() if spec.schedule is None)

    @property
    def bound(self) -> bool:
        """Whether a consumer of this process runs the jobs Huey's workers take."""
        return self._runner is not None

    def bind(self, runner: JobRunner | None) -> None:
        """Have this process's Huey workers run jobs through ``runner`` (``None``: unbind)."""
        self._runner = runner

    def run(self, name: str, key: str | None, args: tuple[Any, ...], final: bool) -> Any:
        """Called by the Huey task on a worker thread."""
        if self._runner is None:
            raise RuntimeError(f"job {name!r} ran with no consumer bound to the queue")
        return self._runner(self.specs[name], key, args, final)

    def hand_off(self, name: str, key: str, args: Sequence[Any]) -> None:
        """Put one keyed job on Huey's queue (the relay's step; may deliver a key twice)."""
        if name not in self.on_demand:
            raise KeyError(f"no on-demand job {name!r}")
        wrapper = self.tasks[name]
        # The key doubles as Huey's task id, so Huey's log lines name the outbox row.
        self.huey.enqueue(wrapper.s(key, *args, id=key))

    def enqueue(self, name: str, *args: Any) -> None:
        """Put an un-keyed job on the queue now, outside any transaction (tests, operators).
        A request uses the outbox instead, so a rolled-back request enqueues nothing."""
        if self.specs[name].schedule is not None:
            self.tasks[name]()  # a periodic job run out of schedule takes no arguments
        else:
            self.tasks[name](None, *args)

    def pending(self) -> int:
        return int(self.huey.pending_count())


def build_huey(settings: Settings) -> Huey:
    # No result store: nobody reads job results (a job's effect is in the database), and Redis
    # would keep every one forever.
    if settings.redis_url:
        return RedisHuey("aicoach", url=settings.redis_url, utc=True, results=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        "aicoach", filename=str(settings.data_dir / "jobs.db"), utc=True, results=False
    )


def build_queue(settings: Settings, specs: Sequence[JobSpec], huey: Huey | None = None) -> JobQueue:
    """Bind the job specs (the slices' manifests', plus the worker's own) to a Huey instance."""
    queue = JobQueue(huey or build_huey(settings))
    for spec in specs:
        if spec.name in queue.specs:
            raise ValueError(f"job {spec.name!r} is declared twice")
        queue.specs[spec.name] = spec
        queue.tasks[spec.name] = _bind(queue, spec)
    return queue


def _bind(queue: JobQueue, spec: JobSpec) -> TaskWrapper:
    huey = queue.huey
    if spec.schedule is not None:

        def periodic(*, task: Task, _name: str = spec.name) -> Any:
            # Periodic runs carry no key: a missed tick is made up by the next one.
            return queue.run(_name, None, (), not task.retries)

        _name_task(periodic, spec)
        return huey.periodic_task(spec.schedule, name=spec.name, context=True)(periodic)

    def call(key: str | None, *args: Any, task: Task, _name: str = spec.name) -> Any:
        return queue.run(_name, key, args, not task.retries)

    _name_task(call, spec)
    return huey.task(
        name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay, context=True
    )(call)


def _name_task(fn: Callable[..., Any], spec: JobSpec) -> None:
    # Huey files a queued task under "<function's module>.<name>": pin the module, so a task
    # queued before a release that moves this code still finds its job ("aicoach.<job name>").
    fn.__module__ = "aicoach"
    fn.__name__ = fn.__qualname__ = spec.name.replace(".", "_")
