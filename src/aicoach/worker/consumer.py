"""The consumer: Huey's worker threads, the outbox relay and the slices' long-running processes.

Two ways to run it, one class:

* inside ``serve`` — :func:`start_in_process` on the app's own event loop and container (the
  default on SQLite; the web server keeps the process signals);
* as ``aicoach worker`` — :func:`run_worker` builds ONE container for the process, on an event
  loop in a dedicated thread, and blocks in Huey's consumer loop (signals: ``INT`` graceful,
  ``TERM`` immediate).

Async engines and clients are bound to the event loop they first ran on, so every job runs on the
loop that owns the container: a Huey worker thread submits the job's coroutine there with
``asyncio.run_coroutine_threadsafe`` and waits for it. One engine and its pool serve every job of
the process, on SQLite (aiosqlite) and PostgreSQL (asyncpg) alike.

Each job is one transaction (``ctx.session``) committed by :func:`run_job`, which also keeps a
keyed job exactly once (see ``aicoach.worker.outbox``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from huey.consumer import Consumer as HueyConsumer

from aicoach.db import transaction
from aicoach.worker import outbox, processes
from aicoach.worker.jobs import JobContext, JobSpec
from aicoach.worker.metrics import JOB_DURATION, JOB_FAILURES
from aicoach.worker.outbox import Relay, RelayTiming

if TYPE_CHECKING:
    from aicoach.container import Container

log = logging.getLogger(__name__)
T = TypeVar("T")


class _AlreadyRan(Exception):
    """Rolls back a delivery whose key another delivery committed meanwhile."""


async def run_job(
    container: Container, spec: JobSpec, key: str | None, args: Sequence[Any], *, final: bool
) -> Any:
    """Run one delivery of a job in its own transaction; a keyed one at most once ever.

    ``final``: Huey will not retry this one, so a failure settles the outbox row as given up.
    """
    if key is not None and await outbox.already_ran(container.sessions, key):
        log.info("job %s (%s) already ran; duplicate delivery skipped", spec.name, key)
        return None
    started = time.perf_counter()
    try:
        async with transaction(container.sessions) as session:
            result = await spec.fn(JobContext(container, session), *args)
            if key is not None and not await outbox.record_run(session, key, spec.name):
                raise _AlreadyRan
        JOB_DURATION.labels(spec.name).observe(time.perf_counter() - started)
        return result
    except _AlreadyRan:
        log.info("job %s (%s) ran concurrently elsewhere; rolled back", spec.name, key)
        return None
    except Exception as exc:
        JOB_FAILURES.labels(spec.name).inc()
        if key is not None and final:
            try:
                await outbox.give_up(container.sessions, key, f"{type(exc).__name__}: {exc}")
            except Exception:  # surface the job's error; the unsettled row is swept and re-run
                log.exception("could not settle the outbox row of %s", key)
        raise


class _InProcessHuey(HueyConsumer):  # type: ignore[misc]
    """Huey's consumer inside ``serve``: the web server owns the process signals."""

    def _set_signal_handlers(self) -> None:
        pass


class Consumer:
    """Huey's workers, the relay and the processes of ``container``, whose loop is ``loop``."""

    def __init__(
        self,
        container: Container,
        loop: asyncio.AbstractEventLoop,
        *,
        workers: int = 1,
        timing: RelayTiming | None = None,
        in_process: bool = True,
    ) -> None:
        self.container = container
        self.loop = loop
        self.relay = Relay(container.engine, container.sessions, container.jobs, timing)
        huey_class = _InProcessHuey if in_process else HueyConsumer
        # In-process nobody drives Huey's main loop, where its worker health check runs.
        self.huey = huey_class(
            container.jobs.huey,
            workers=workers,
            worker_type="thread",
            check_worker_health=not in_process,
        )
        self._background: concurrent.futures.Future[None] | None = None
        self._stopping = asyncio.Event()  # set on the loop (call_soon_threadsafe): not thread-safe
        self._unsubscribe: Any = None

    def start(self) -> None:
        """Start the relay and processes on the loop, then Huey's threads (returns at once)."""
        self._start_background()
        self.huey.start()

    def run(self) -> None:
        """``aicoach worker``: run until a signal stops Huey (main thread only)."""
        self._start_background()
        try:
            self.huey.run()
        finally:
            self._stop_background()

    def stop(self, *, graceful: bool = True) -> None:
        """Stop Huey (gracefully: running jobs finish), then the relay and processes. Never on
        the loop's own thread: the running jobs need it (see :meth:`aclose`)."""
        if _running_loop() is self.loop:
            raise RuntimeError("Consumer.stop() would block its own event loop; use aclose()")
        self.huey.stop(graceful=graceful)
        self._stop_background()

    async def aclose(self) -> None:
        """:meth:`stop` from a coroutine on any loop, including the consumer's own."""
        await asyncio.to_thread(self.stop)

    def _run_blocking(
        self, spec: JobSpec, key: str | None, args: tuple[Any, ...], final: bool
    ) -> Any:
        """The Huey worker thread's side: run the job on the container's loop, wait for it."""
        job = run_job(self.container, spec, key, args, final=final)
        return asyncio.run_coroutine_threadsafe(job, self.loop).result()

    def _start_background(self) -> None:
        self.container.jobs.bind(self._run_blocking)
        self._unsubscribe = self.container.outbox.subscribe(self.relay.wake)
        self._background = asyncio.run_coroutine_threadsafe(self._run_background(), self.loop)

    async def _run_background(self) -> None:
        tasks = [
            asyncio.create_task(self.relay.run(), name="outbox-relay"),
            *processes.start_all(self.container.registries.processes, self.container),
        ]
        for task in tasks:
            task.add_done_callback(_log_early_exit)
        try:
            await self._stopping.wait()
        finally:
            for task in tasks:
                task.remove_done_callback(_log_early_exit)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _stop_background(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._background is not None:
            # Wait for the tasks' own clean-up (the relay gives back its LISTEN connection)
            # before anyone closes the container under them.
            self.loop.call_soon_threadsafe(self._stopping.set)
            try:
                self._background.result(timeout=30)
            except Exception:
                log.exception("the consumer's background tasks did not stop cleanly")
            self._background = None
        self.container.jobs.bind(None)


def _log_early_exit(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        log.error("%s stopped before the consumer did", task.get_name(), exc_info=task.exception())


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def start_in_process(container: Container, *, workers: int = 1) -> Consumer:
    """Start a consumer on the running loop (the app's, which owns ``container``).
    Stop it with ``await consumer.aclose()``."""
    consumer = Consumer(container, asyncio.get_running_loop(), workers=workers)
    consumer.start()
    return consumer


class EventLoopThread:
    """An event loop running in its own daemon thread, for a process with no loop of its own."""

    def __init__(self, name: str = "aicoach-jobs-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and wait for its result (from any other thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()


def run_worker(
    make_container: Callable[[], Container],
    *,
    workers: int = 2,
    timing: RelayTiming | None = None,
) -> None:
    """The ``aicoach worker`` process: one container (``make_container()``, from the composition
    root: the CLI), one loop, until a signal stops it."""

    async def build() -> Container:
        # On the loop's thread, so anything that captures the running loop captures this one.
        return make_container()

    loop = EventLoopThread()
    loop.start()
    try:
        container = loop.call(build())
        try:
            consumer = Consumer(
                container, loop.loop, workers=workers, timing=timing, in_process=False
            )
            log.info(
                "AI Coach worker: %d job types, %d threads", len(container.jobs.specs), workers
            )
            consumer.run()
        finally:
            loop.call(container.aclose())
    finally:
        loop.stop()
