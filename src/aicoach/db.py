"""Engine and session factories, and the one-transaction-per-request dependency.

Services ``flush()`` but never ``commit()``: the request dependency (or the job wrapper) commits
once at the end, or rolls back on any error. Work that must happen only if the transaction lands
(enqueueing jobs, sending notifications) is registered with :func:`after_commit` and runs after
the commit — the outbox rule from the architecture.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from aicoach.config import Settings

AfterCommit = Callable[[], Any]
_AFTER_COMMIT_KEY = "aicoach_after_commit"


def create_engine(settings: Settings, *, for_worker: bool = False) -> AsyncEngine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if for_worker:
        # Each job runs its own event loop; pooled asyncpg connections are bound to a loop.
        kwargs = {"poolclass": NullPool}
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run ``callback`` once the surrounding transaction has committed (never on rollback)."""
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(callback)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error, then run after-commit callbacks."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            session.info.pop(_AFTER_COMMIT_KEY, None)
            raise
        for callback in session.info.pop(_AFTER_COMMIT_KEY, []):
            result = callback()
            if hasattr(result, "__await__"):
                await result


def sync_url(async_url: str) -> str:
    """The synchronous driver URL Alembic uses for the same database."""
    return async_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def is_sqlite(engine: AsyncEngine | Engine) -> bool:
    return engine.dialect.name == "sqlite"
