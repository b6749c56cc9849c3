"""Engine and session factories, and the one-transaction-per-request dependency.

Services ``flush()`` but never ``commit()``: the request dependency (or the job wrapper) commits
once at the end, or rolls back on any error. Work that must happen only if the transaction lands
(jobs, notifications) is written to the outbox in that same transaction
(``aicoach.worker.outbox``), never run from memory after the commit.

SQLite goes through aiosqlite, which runs every call on one thread per connection; each call is
a trip there and back (a queue put, a thread wake-up, a ``call_soon_threadsafe`` back to the
loop, GIL hand-overs: tens of microseconds, more than an indexed look-up itself). Stock, one
``SELECT`` costs four trips (create cursor, execute, fetch, close) and every request two more
(``COMMIT``, then the pool's ``ROLLBACK`` on return). :class:`SQLiteConnection` cuts a query to
one trip and makes ``COMMIT``/``ROLLBACK`` free when SQLite has no transaction open (after reads
only), with the same results and the same transaction semantics.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from aicoach.config import Settings

SQLITE_POOL_SIZE = 8
SQLITE_MAX_OVERFLOW = 0


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # A fixed set of connections, none opened and closed per burst: an "overflow" connection
        # costs a thread start and five trips to it, and more threads fight the event loop for
        # the GIL (measured at 100 concurrent requests: 20+40 connections cost more CPU per
        # request and a longer tail than 4+0). SQLite has one writer anyway; a request
        # beyond eight waits in the pool's FIFO queue (30 s, then an error, as before).
        engine = create_async_engine(
            url,
            async_creator=_sqlite_connector(url),
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_MAX_OVERFLOW,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Pooled connections are bound to the event loop that opened them: an engine is used on one
    # loop only (the job consumer runs every job on its container's loop for this reason).
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_connector(url: str) -> Callable[[], Any]:
    """An ``async_creator`` opening :class:`SQLiteConnection` with the arguments SQLAlchemy's
    aiosqlite dialect derives from ``url`` (file name, ``check_same_thread``...) and a 30 s
    lock timeout."""
    probe = create_async_engine(url)  # only to read the dialect's arguments; never connects
    args, params = probe.sync_engine.dialect.create_connect_args(probe.sync_engine.url)
    # Cursors are made and closed on the loop's thread (see SQLiteConnection); every call on a
    # connection is still serialised, by SQLAlchemy's per-connection execute mutex.
    params = {**params, "timeout": 30, "check_same_thread": False}

    open_file: Callable[..., sqlite3.Connection] = sqlite3.connect

    async def connect() -> SQLiteConnection:
        connection = SQLiteConnection(lambda: open_file(*args, **params))
        await connection  # starts its thread and opens the file there
        return connection

    return connect


class SQLiteConnection(aiosqlite.Connection):
    """aiosqlite with one thread trip per statement and free no-op ``COMMIT``/``ROLLBACK``.

    * :meth:`cursor` makes the ``sqlite3`` cursor on the calling thread (no I/O: it only
      allocates), and :class:`PrefetchingCursor` executes *and* fetches in one trip.
    * :meth:`commit` / :meth:`rollback` skip the trip when ``in_transaction`` is false: Python's
      ``sqlite3`` then does nothing anyway ("if there is no open transaction, this method is a
      no-op"), which is the case after a request that only read.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy sets it for stock aiosqlite connections

    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        return PrefetchingCursor(self, self._conn.cursor())

    async def commit(self) -> None:
        if self.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self.in_transaction:
            await super().rollback()


def _execute_and_fetch(cursor: sqlite3.Cursor, sql: str, parameters: Any) -> deque[Any]:
    cursor.execute(sql, parameters)
    return deque(cursor.fetchall()) if cursor.description is not None else deque()


class PrefetchingCursor(aiosqlite.Cursor):
    """``execute`` runs the statement and reads all its rows in one trip to the connection's
    thread; the fetch methods then serve those rows without another trip. (Server-side cursors,
    which SQLAlchemy uses only for ``stream()``/``yield_per``, also get all rows at once.)"""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._rows: deque[Any] | None = None

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> aiosqlite.Cursor:
        self._rows = None
        # aiosqlite's own hand-over to the connection's thread (untyped upstream)
        rows = self._execute(_execute_and_fetch, self._cursor, sql, parameters or ())  # type: ignore[no-untyped-call]
        self._rows = await rows
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> aiosqlite.Cursor:
        self._rows = None
        return await super().executemany(sql, parameters)

    async def executescript(self, sql_script: str) -> aiosqlite.Cursor:
        self._rows = None
        return await super().executescript(sql_script)

    async def fetchone(self) -> Any:
        if self._rows is None:
            return await super().fetchone()
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._rows is None:
            return list(await super().fetchmany(size))
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def fetchall(self) -> list[Any]:
        if self._rows is None:
            return list(await super().fetchall())
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        # Every row was read in the connection's thread, so the statement is already reset:
        # closing only frees it, and needs no trip. A partly read stock result still takes one.
        if self._rows is None:
            await super().close()
        else:
            self._rows = None
            self._cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error."""
    async with factory() as session:
        try:
            yield session
            if session.in_transaction():  # else nothing to commit (any change autobegins one)
                await session.commit()
        except BaseException:
            await session.rollback()
            raise


def sync_url(async_url: str) -> str:
    """The synchronous driver URL Alembic uses for the same database."""
    return async_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


def is_sqlite(engine: AsyncEngine | Engine) -> bool:
    return engine.dialect.name == "sqlite"
