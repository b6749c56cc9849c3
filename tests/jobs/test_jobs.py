"""The job queue on both storages: SQLite (consumer in-process) and Redis (a worker consumer)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from aicoach.accounts.models import UserSession
from aicoach.accounts.tasks import JOBS as ACCOUNT_JOBS
from aicoach.config import Settings
from aicoach.db import transaction
from aicoach.jobs.queue import build_queue
from aicoach.kit.orm import utcnow
from tests.helpers.users import UserClient


async def _expire_all_sessions(app: Any) -> None:
    async with transaction(app.state.container.sessions) as session:
        await session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(hours=1)))


async def _count_sessions(app: Any) -> int:
    async with transaction(app.state.container.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(UserSession)) or 0)


async def _sessions_purged(app: Any, seconds: float = 20.0) -> None:
    """Periodic tasks keep no result in Huey, so watch the database for the job's effect."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await _count_sessions(app) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the purge job did not run in time")


async def test_purge_sessions_on_sqlite_storage(
    app: Any, alice: UserClient, settings: Settings
) -> None:
    await _expire_all_sessions(app)
    queue = build_queue(settings.model_copy(update={"redis_url": None}), ACCOUNT_JOBS)
    consumer = queue.start_consumer()
    try:
        assert await _count_sessions(app) == 1
        queue.enqueue("accounts.purge_sessions")
        await _sessions_purged(app)
    finally:
        consumer.stop(graceful=True)


async def test_purge_sessions_on_redis_storage(
    app: Any, alice: UserClient, settings: Settings, redis_url: str
) -> None:
    await _expire_all_sessions(app)
    queue = build_queue(settings.model_copy(update={"redis_url": redis_url}), ACCOUNT_JOBS)
    queue.huey.flush()
    consumer = queue.start_consumer()
    try:
        assert queue.huey.storage.__class__.__name__ == "RedisStorage"
        assert await _count_sessions(app) == 1
        queue.enqueue("accounts.purge_sessions")
        await _sessions_purged(app)
    finally:
        consumer.stop(graceful=True)
        queue.huey.flush()


async def test_enqueue_happens_only_after_commit(app: Any, settings: Settings) -> None:
    queue = build_queue(settings.model_copy(update={"redis_url": None}), ACCOUNT_JOBS)
    queue.huey.flush()
    factory = app.state.container.sessions
    try:
        async with transaction(factory) as session:
            queue.enqueue_after_commit(session, "accounts.purge_sessions")
            raise RuntimeError("the request failed")
    except RuntimeError:
        pass
    assert queue.pending() == 0
    async with transaction(factory) as session:
        queue.enqueue_after_commit(session, "accounts.purge_sessions")
        assert queue.pending() == 0  # not before the commit
    assert queue.pending() == 1
    queue.huey.flush()
