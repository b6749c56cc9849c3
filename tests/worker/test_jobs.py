"""The periodic purge on both Huey storages (SQLite file, Redis), run by the in-process consumer
on the app's own container and loop."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from huey import RedisHuey
from huey.storage import SqliteStorage
from sqlalchemy import func, select, update

from aicoach.accounts.models import UserSession
from aicoach.accounts.tasks import JOBS as ACCOUNT_JOBS
from aicoach.config import Settings
from aicoach.container import Container, Overrides, build_container
from aicoach.db import transaction
from aicoach.kit.orm import utcnow
from aicoach.main import SLICES, container_of
from aicoach.worker.consumer import start_in_process
from aicoach.worker.jobs import build_queue
from tests.helpers.users import UserClient


async def _expire_all_sessions(container: Container) -> None:
    async with transaction(container.sessions) as session:
        await session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(hours=1)))


async def _count_sessions(container: Container) -> int:
    async with transaction(container.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(UserSession)) or 0)


async def _sessions_purged(container: Container, seconds: float = 20.0) -> None:
    """Periodic tasks keep no result in Huey, so watch the database for the job's effect."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await _count_sessions(container) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the purge job did not run in time")


async def _purge_through_consumer(container: Container) -> None:
    await _expire_all_sessions(container)
    consumer = await start_in_process(container)
    try:
        assert await _count_sessions(container) == 1
        container.jobs.enqueue("accounts.purge_sessions")
        await _sessions_purged(container)
    finally:
        await consumer.aclose()


async def test_purge_sessions_on_sqlite_storage(app: Any, alice: UserClient) -> None:
    container = container_of(app)
    assert isinstance(container.jobs.huey.storage, SqliteStorage)
    await _purge_through_consumer(container)


@pytest.fixture
async def redis_container(settings: Settings, redis_url: str) -> AsyncIterator[Container]:
    """A second container on the test database whose queue is on Redis, under a queue name of
    its own (other checkouts' tests share this Redis)."""
    huey = RedisHuey(f"aicoach-test-{uuid.uuid4().hex}", url=redis_url, utc=True, results=False)
    queue = build_queue(settings, ACCOUNT_JOBS, huey=huey)
    container = build_container(settings, slices=SLICES, overrides=Overrides(jobs=queue))
    try:
        yield container
    finally:
        huey.flush()
        await container.aclose()


async def test_purge_sessions_on_redis_storage(
    app: Any, alice: UserClient, redis_container: Container
) -> None:
    assert redis_container.jobs.huey.storage.__class__.__name__ == "RedisStorage"
    await _purge_through_consumer(redis_container)


def test_schedules_are_bound_to_huey(settings: Settings) -> None:
    queue = build_queue(settings, ACCOUNT_JOBS)
    due = {t.name for t in queue.huey.read_periodic(datetime(2026, 12, 3, 4, 17, tzinfo=UTC))}
    assert due == {"accounts.purge_sessions"}
    assert not queue.huey.read_periodic(datetime(2026, 12, 3, 4, 18, tzinfo=UTC))


async def test_container_binds_the_worker_housekeeping_job(app: Any) -> None:
    container = container_of(app)
    assert {"accounts.purge_sessions", "worker.purge_outbox"} <= container.jobs.names
    # Scheduled jobs run on their tick; the outbox causes only the on-demand ones.
    assert "accounts.purge_sessions" not in container.outbox.job_names
    assert container.outbox.job_names == container.jobs.on_demand
