"""Test jobs that leave a trace, the table they write, and bounded waits (shared by the
in-process tests and the crash test's child processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from aicoach.config import Settings
from aicoach.plugin import Manifest
from aicoach.worker.jobs import JobContext, JobSpec
from aicoach.worker.outbox import JobRun, OutboxMessage

Condition = Callable[[], Awaitable[bool]]

#: Not in the app's schema: created and dropped around each test that uses it.
EFFECTS = Table(
    "test_job_effects",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("note", String(200), nullable=False),  # no unique constraint: a second run shows
    Column("pid", Integer, nullable=False),
)

#: The job kills its own process after its write, before its commit, when this names its note.
CRASH_IN_JOB = "AICOACH_TEST_CRASH_IN_JOB"


async def record(ctx: JobContext, note: str) -> None:
    await ctx.session.execute(EFFECTS.insert().values(note=note, pid=os.getpid()))
    if os.environ.get(CRASH_IN_JOB) == note:
        # The crash modelled is a long job's, after the relay committed its hand-off (the relay's
        # own crash is another test): wait for that commit, then die before the job's.
        await wait_until(_all_relayed(ctx), "the relay to commit", seconds=30)
        os.kill(os.getpid(), signal.SIGKILL)


def _all_relayed(ctx: JobContext) -> Condition:
    async def check() -> bool:
        async with ctx.container.sessions() as session:
            due = OutboxMessage.relayed_at.is_(None)
            return not await session.scalar(select(exists().where(due)))

    return check


async def fail(ctx: JobContext, note: str) -> None:
    await ctx.session.execute(EFFECTS.insert().values(note=note, pid=os.getpid()))
    raise RuntimeError(f"{note} failed")


MANIFEST = Manifest(
    name="testjobs",
    jobs=(
        JobSpec("testjobs.record", record, retries=0),
        JobSpec("testjobs.fail", fail, retries=1, retry_delay=0),
    ),
)


def child_settings(database_url: str, data_dir: str) -> Settings:
    """What a child process runs on: the test's database and data folder (Huey's SQLite file)."""
    return Settings.model_validate(
        {
            "env": "test",
            "secret_key": "test-secret-key-that-is-long-enough-0123456789",
            "data_dir": data_dir,
            "database_url": database_url,
            "migrate_on_start": False,
            "run_jobs_in_process": False,
            "redis_url": None,
        }
    )


async def create_effects(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(EFFECTS.metadata.create_all)


async def drop_effects(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(EFFECTS.metadata.drop_all)


async def effects(engine: AsyncEngine, note: str) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(EFFECTS).where(EFFECTS.c.note == note)
        return int((await conn.execute(query)).scalar_one())


async def job_runs(engine: AsyncEngine, key: str) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(JobRun).where(JobRun.key == key)
        return int((await conn.execute(query)).scalar_one())


async def outbox_row(engine: AsyncEngine, key: str) -> Any:
    """The row for ``key`` (``None`` if there is none)."""
    async with engine.connect() as conn:
        query = select(OutboxMessage.__table__).where(OutboxMessage.key == key)
        return (await conn.execute(query)).one_or_none()


async def outbox_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).select_from(OutboxMessage)
        return int((await conn.execute(query)).scalar_one())


async def wait_until(condition: Condition, what: str, seconds: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for: {what}")
