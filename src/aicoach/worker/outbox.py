"""The durable outbox: a job is caused in the same transaction as the change that causes it.

The contract (what callers and jobs may rely on):

1. ``await outbox.enqueue(session, "slice.verb", *args, key=...)`` inserts an ``outbox`` row in
   the caller's transaction: it commits with the change or not at all, so a rolled-back request
   enqueues nothing. ``args`` must be JSON, the name an on-demand job: else it fails at once.
2. A relay (in every consumer) claims unrelayed rows — PostgreSQL ``FOR UPDATE SKIP LOCKED``,
   SQLite the claim ``UPDATE`` taking the single write lock — hands each to Huey with its key and
   marks it relayed in that same transaction. A crash before that commit leaves the row
   unrelayed, so it is handed off again: delivery is at least once, a row is never lost.
3. Exactly once: the job wrapper inserts the key into ``job_runs`` in the job's own transaction,
   so a key that already ran is a no-op (skipped up front, or rolled back if a concurrent
   delivery committed first). Enqueueing a key that exists adds nothing: one key, one run.
4. Huey does not acknowledge tasks, so a consumer killed mid-job loses that delivery; the relay's
   sweep re-relays rows relayed over ``redeliver_after`` ago whose key has no ``job_runs`` row,
   and marks the others done. After ``max_deliveries``, or a job's last failed retry, the row is
   marked done with ``last_error`` and logged: given up loudly, never silently.
5. Only database effects are exactly once. A job's outside effect (an HTTP call, a message) is at
   least once: make it idempotent with the key, or give it its own outbox row and job.

Latency: the relay polls every ``poll`` seconds and is woken right after any commit that wrote a
row — in-process by a SQLAlchemy ``after_commit`` hook, across processes on PostgreSQL by a
``NOTIFY`` sent in the writing transaction (so delivered only if it commits).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from huey import crontab
from sqlalchemy import JSON, Index, String, Text, and_, delete, event, exists, func, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, Session, mapped_column

from aicoach.db import transaction
from aicoach.kit.backoff import jittered_backoff
from aicoach.kit.orm import Base, CreatedAtMixin, IdMixin, utcnow
from aicoach.worker.jobs import JobContext, JobSpec
from aicoach.worker.metrics import set_backlog

if TYPE_CHECKING:
    from aicoach.worker.jobs import JobQueue

log = logging.getLogger(__name__)

#: PostgreSQL channel a committed outbox write notifies (per database, so tests do not mix).
CHANNEL = "aicoach_outbox"
MAX_KEY = 200
_ERROR_CHARS = 2000
_HOOKED = "aicoach.outbox.hooked"
_NOTIFIED = "aicoach.outbox.notified"


class OutboxMessage(IdMixin, CreatedAtMixin, Base):
    """One job to hand to Huey. ``relayed_at`` null: due for relay; ``done_at`` set: settled
    (ran, or given up with ``last_error``); ``deliveries``: committed hand-offs to Huey."""

    __tablename__ = "outbox"
    # Only unsettled rows are ever searched: the partial index stays as small as the backlog.
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "relayed_at",
            "id",
            sqlite_where=sql_text("done_at IS NULL"),
            postgresql_where=sql_text("done_at IS NULL"),
        ),
    )

    job: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(JSON)
    key: Mapped[str] = mapped_column(String(MAX_KEY), unique=True)
    relayed_at: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    deliveries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class JobRun(Base):
    """A keyed job that committed: written in the job's own transaction (contract point 3)."""

    __tablename__ = "job_runs"

    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnknownJobError(KeyError):
    """An outbox write named no on-demand job (none declared, or a scheduled one)."""


Listener = Callable[[], None]


class Outbox:
    """The writer: validates and inserts rows in the caller's transaction (one per container)."""

    def __init__(self, job_names: Iterable[str]) -> None:
        self.job_names = frozenset(job_names)
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every commit that wrote a row here; returns the unsubscriber.
        It runs on the committing thread right after the commit: it must only signal."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def enqueue(
        self, session: AsyncSession, name: str, *args: Any, key: str | None = None
    ) -> str:
        """Write one row in ``session``'s transaction (never commits); returns its key.

        ``key`` names the job's effect: the same key enqueued again is a no-op (the first row
        wins, whatever the later one's arguments), so pass a deterministic one
        (``"alerts.fire:<id>:<tick>"``) when a retried request or a second monitor might
        enqueue it twice. Default: a fresh random key.
        """
        if name not in self.job_names:
            raise UnknownJobError(name)
        key = key or f"{name}:{uuid4().hex}"
        if len(key) > MAX_KEY:
            raise ValueError(f"outbox key longer than {MAX_KEY} characters")
        # Round-trip now, so a value JSON cannot carry fails in the request, not in the relay.
        payload = json.loads(json.dumps(list(args)))
        dialect = session.get_bind().dialect.name
        await session.execute(
            _insert_new(
                dialect,
                OutboxMessage,
                OutboxMessage.key,
                job=name,
                args=payload,
                key=key,
                created_at=utcnow(),
                deliveries=0,
            )
        )
        self._wake_after_commit(session)
        if dialect == "postgresql":
            # Once per transaction: NOTIFY is transactional, delivered at commit, never on rollback.
            txn = session.sync_session.get_transaction()
            if session.info.get(_NOTIFIED) is not txn:
                session.info[_NOTIFIED] = txn
                await session.execute(select(func.pg_notify(CHANNEL, "")))
        return key

    def _wake_after_commit(self, session: AsyncSession) -> None:
        if session.info.get(_HOOKED) is self:
            return
        session.info[_HOOKED] = self
        # A listener on this session only; after a rollback it stays but never fires for the
        # rolled-back rows (at worst it wakes the relay after a later commit: a harmless pass).
        event.listen(session.sync_session, "after_commit", self._committed)

    def _committed(self, _session: Session) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # the commit stands; a relay that missed the wake still polls
                log.warning("outbox wake-up listener failed", exc_info=True)


async def already_ran(sessions: async_sessionmaker[AsyncSession], key: str) -> bool:
    """Whether ``key`` has a committed run (a cheap pre-check in its own short session)."""
    async with sessions() as session:
        found = await session.scalar(select(exists().where(JobRun.key == key)))
        return bool(found)


async def record_run(session: AsyncSession, key: str, job: str) -> bool:
    """Insert the run record in the job's transaction; ``False`` if the key already ran (then
    the caller must roll back). On PostgreSQL a concurrent insert of the same key waits for the
    other transaction, so exactly one of two racing deliveries commits."""
    dialect = session.get_bind().dialect.name
    statement = _insert_new(dialect, JobRun, JobRun.key, key=key, job=job, finished_at=utcnow())
    inserted = await session.scalar(statement.returning(JobRun.key))
    return inserted is not None


def _insert_new(
    dialect: str, model: type[Base], unique: Any, **values: Any
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING`` (both backends spell it the same)."""
    if dialect == "postgresql":
        return (
            postgresql.insert(model)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[unique])
        )
    return sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=[unique])


async def give_up(sessions: async_sessionmaker[AsyncSession], key: str, error: str) -> None:
    """Settle a keyed row whose job failed its last retry (its own transaction: the job's rolled
    back)."""
    log.error("job %s failed its last attempt; giving up: %s", key, error)
    async with transaction(sessions) as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == key, OutboxMessage.done_at.is_(None))
            .values(done_at=utcnow(), last_error=error[:_ERROR_CHARS])
        )


@dataclass(frozen=True, slots=True)
class RelayTiming:
    """Seconds, except the counts. ``redeliver_after`` must exceed the longest queue wait plus
    run time of a job, or healthy deliveries are duplicated (harmless, but work)."""

    poll: float = 1.0
    batch: int = 100
    redeliver_after: float = 600.0
    max_deliveries: int = 5
    error_backoff_max: float = 30.0


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    job: str
    key: str
    args: list[Any]


class Relay:
    """Moves committed outbox rows to Huey (contract points 2 and 4). Runs on the event loop
    that owns ``engine``; any number of relays may run at once, in any processes."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        queue: JobQueue,
        timing: RelayTiming | None = None,
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._queue = queue
        self.timing = timing or RelayTiming()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None

    def wake(self) -> None:
        """Run a pass now (from any thread)."""
        loop, woken = self._loop, self._woken
        if loop is None or woken is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: the relay is gone
            loop.call_soon_threadsafe(woken.set)

    async def run(self) -> None:
        """Relay until cancelled: a pass on every wake-up and every ``poll`` seconds, the sweep
        every quarter of ``redeliver_after``. Database errors back off and retry, forever."""
        self._loop = asyncio.get_running_loop()
        self._woken = asyncio.Event()
        listener = (
            asyncio.create_task(self._listen(), name="outbox-listen")
            if self._engine.dialect.name == "postgresql"
            else None
        )
        timing = self.timing
        sweep_every = max(timing.poll, timing.redeliver_after / 4)
        next_sweep = 0.0  # at start-up first: deliveries lost in a crash before this one
        failures = 0
        try:
            while True:
                self._woken.clear()
                try:
                    handed = await self.relay_once()
                    lost = 0
                    if time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + sweep_every
                        lost = await self.sweep()
                        await self.sample_backlog()
                    failures = 0
                except Exception as exc:
                    if failures == 0:
                        log.exception("outbox relay pass failed; retrying with backoff")
                    else:  # one traceback per outage, not one per retry
                        log.warning("outbox relay still failing (%d): %s", failures + 1, exc)
                    await asyncio.sleep(
                        jittered_backoff(failures, base=timing.poll, cap=timing.error_backoff_max)
                    )
                    failures += 1
                    continue
                if handed >= timing.batch or lost:
                    continue  # a backlog, or rows due again: go on without waiting
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), timing.poll)
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            self._loop = self._woken = None

    async def sample_backlog(self) -> None:
        """Set the backlog gauges (``aicoach.worker.metrics``) from one query."""
        async with self._sessions() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.done_at.is_(None)
                    )
                )
            ).one()
        set_backlog(int(count), oldest, utcnow())

    async def relay_once(self) -> int:
        """One pass: claim up to ``batch`` due rows, hand them to Huey, commit; returns how many
        were handed off."""
        pending = and_(OutboxMessage.done_at.is_(None), OutboxMessage.relayed_at.is_(None))
        # A read first: on SQLite an idle poll must not take the write lock every second.
        async with self._sessions() as session:
            if not await session.scalar(select(exists().where(pending))):
                return 0
        async with transaction(self._sessions) as session:
            due = (
                select(OutboxMessage.id)
                .where(pending)
                .order_by(OutboxMessage.id)
                .limit(self.timing.batch)
                .with_for_update(skip_locked=True)  # rendered on PostgreSQL only
            )
            rows = (
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(due))
                    .values(
                        relayed_at=utcnow(),
                        deliveries=OutboxMessage.deliveries + 1,
                        last_error=None,
                    )
                    .returning(
                        OutboxMessage.id, OutboxMessage.job, OutboxMessage.key, OutboxMessage.args
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
            claimed = sorted((_Claimed(*row) for row in rows), key=lambda c: c.id)
            # Huey's storage is blocking I/O (Redis, or a SQLite file): off the event loop.
            handed, unknown, failure = await asyncio.to_thread(self._hand_off, claimed)
            await self._settle_unhanded(session, claimed, handed, unknown, failure)
        return len(handed)

    def _hand_off(
        self, claimed: Sequence[_Claimed]
    ) -> tuple[list[int], list[int], tuple[int, str] | None]:
        handed: list[int] = []
        unknown: list[int] = []
        for row in claimed:
            if row.job not in self._queue.on_demand:
                unknown.append(row.id)
                continue
            try:
                self._queue.hand_off(row.job, row.key, row.args)
            except Exception as exc:
                # Huey's storage is most likely down: stop here, the rest wait for the next pass.
                log.warning("outbox hand-off of %s failed", row.key, exc_info=True)
                return handed, unknown, (row.id, f"{type(exc).__name__}: {exc}")
            handed.append(row.id)
        return handed, unknown, None

    async def _settle_unhanded(
        self,
        session: AsyncSession,
        claimed: Sequence[_Claimed],
        handed: list[int],
        unknown: list[int],
        failure: tuple[int, str] | None,
    ) -> None:
        done = set(handed) | set(unknown)
        back = [c.id for c in claimed if c.id not in done]
        if back:  # not handed off: undo the claim, they stay due
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(back))
                .values(relayed_at=None, deliveries=OutboxMessage.deliveries - 1)
                .execution_options(synchronize_session=False)
            )
        if failure is not None:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == failure[0])
                .values(last_error=failure[1][:_ERROR_CHARS])
                .execution_options(synchronize_session=False)
            )
        if unknown:  # declared by no slice of this release: retrying cannot help
            log.error("outbox rows %s name unknown jobs; giving up on them", unknown)
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(unknown))
                .values(done_at=utcnow(), last_error="unknown job")
                .execution_options(synchronize_session=False)
            )

    async def sweep(self) -> int:
        """Settle rows relayed over ``redeliver_after`` ago: done if their key ran, given up
        after ``max_deliveries``, else due again (a lost delivery). Returns how many are due."""
        now = utcnow()
        stale = and_(
            OutboxMessage.done_at.is_(None),
            OutboxMessage.relayed_at < now - timedelta(seconds=self.timing.redeliver_after),
        )
        async with self._sessions() as session:
            if not await session.scalar(select(exists().where(stale))):
                return 0
        ran = exists().where(JobRun.key == OutboxMessage.key)
        async with transaction(self._sessions) as session:
            await session.execute(
                update(OutboxMessage)
                .where(stale, ran)
                .values(done_at=now)
                .execution_options(synchronize_session=False)
            )
            gave_up = (
                (
                    await session.execute(
                        update(OutboxMessage)
                        .where(stale, ~ran, OutboxMessage.deliveries >= self.timing.max_deliveries)
                        .values(done_at=now, last_error="gave up: every delivery was lost")
                        .returning(OutboxMessage.key)
                        .execution_options(synchronize_session=False)
                    )
                )
                .scalars()
                .all()
            )
            lost = (
                (
                    await session.execute(
                        update(OutboxMessage)
                        .where(stale, ~ran)
                        .values(relayed_at=None)
                        .returning(OutboxMessage.key)
                        .execution_options(synchronize_session=False)
                    )
                )
                .scalars()
                .all()
            )
        if gave_up:
            log.error("outbox: %d deliveries lost %d times; gave up: %s",
                      len(gave_up), self.timing.max_deliveries, list(gave_up))  # fmt: skip
        if lost:
            log.warning("outbox: %d deliveries were lost; relaying them again", len(lost))
        return len(lost)

    async def _listen(self) -> None:
        """PostgreSQL: wake on ``NOTIFY`` from any process; reconnects with backoff."""
        failures = 0
        while True:
            try:
                async with self._engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    driver: Any = raw.driver_connection
                    closed = asyncio.Event()
                    try:
                        await driver.add_listener(CHANNEL, lambda *_: self.wake())
                        driver.add_termination_listener(lambda _conn, lost=closed: lost.set())
                        failures = 0
                        self.wake()  # rows committed while nobody listened
                        await closed.wait()
                    finally:
                        # A LISTENing connection must not go back to the pool.
                        await conn.invalidate()
            except Exception:
                log.warning("outbox LISTEN connection failed; polling meanwhile", exc_info=True)
            await asyncio.sleep(
                jittered_backoff(failures, base=1.0, cap=self.timing.error_backoff_max)
            )
            failures += 1


async def purge_outbox(ctx: JobContext) -> dict[str, int]:
    """Delete settled rows after a week and run records after 30 days. Run records outlive
    their rows (a duplicate delivery can only come from a row that is not settled)."""
    now = utcnow()
    rows = await ctx.session.execute(
        delete(OutboxMessage).where(OutboxMessage.done_at < now - timedelta(days=7))
    )
    runs = await ctx.session.execute(
        delete(JobRun).where(JobRun.finished_at < now - timedelta(days=30))
    )
    return {
        "outbox": int(getattr(rows, "rowcount", 0) or 0),
        "job_runs": int(getattr(runs, "rowcount", 0) or 0),
    }


#: The worker's own jobs (bound next to the slices' by the container).
JOBS = (JobSpec("worker.purge_outbox", purge_outbox, schedule=crontab(minute="43", hour="3")),)
