"""``aicoach.db``'s SQLite connection: one thread trip per statement, same results as stock
aiosqlite, and ``COMMIT``/``ROLLBACK`` that still do their job whenever there is a transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from aicoach.config import Settings
from aicoach.db import SQLiteConnection, create_engine, session_factory, transaction


def _settings(tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {"env": "test", "secret_key": "x" * 40, "data_dir": tmp_path, "migrate_on_start": False}
    )


async def test_rows_and_fetch_methods_match_the_data(tmp_path: Path) -> None:
    engine = create_engine(_settings(tmp_path))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await conn.execute(
                text("INSERT INTO t (id, v) VALUES (:id, :v)"),
                [{"id": i, "v": f"row{i}"} for i in range(1, 151)],  # executemany
            )
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
            assert [r.id for r in rows] == list(range(1, 151))
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, SQLiteConnection)
            async with raw.cursor() as cursor:
                await cursor.execute("SELECT id FROM t WHERE id <= ? ORDER BY id", (5,))
                assert await cursor.fetchone() == (1,)
                assert await cursor.fetchmany(2) == [(2,), (3,)]
                assert await cursor.fetchall() == [(4,), (5,)]
                assert await cursor.fetchone() is None
                await cursor.execute("UPDATE t SET v = 'x' WHERE id = 1")
                assert cursor.rowcount == 1
                assert await cursor.fetchall() == []
            await raw.rollback()
    finally:
        await engine.dispose()


async def test_commit_and_rollback_still_work(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    try:
        async with transaction(sessions) as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        async with transaction(sessions) as session:
            await session.execute(text("INSERT INTO t (id) VALUES (1)"))

        async def insert_then_fail() -> None:
            async with transaction(sessions) as session:
                await session.execute(text("INSERT INTO t (id) VALUES (2)"))
                raise RuntimeError("roll back")

        with pytest.raises(RuntimeError):
            await insert_then_fail()
        with pytest.raises(IntegrityError):  # a driver error surfaces as before
            async with transaction(sessions) as session:
                await session.execute(text("INSERT INTO t (id) VALUES (1)"))
        other = create_engine(settings)  # another connection sees only what was committed
        try:
            async with other.connect() as conn:
                ids = (await conn.execute(text("SELECT id FROM t"))).scalars().all()
            assert ids == [1]
        finally:
            await other.dispose()
    finally:
        await engine.dispose()


async def test_a_read_only_transaction_needs_no_commit_trip(tmp_path: Path) -> None:
    engine = create_engine(_settings(tmp_path))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            raw = (await conn.get_raw_connection()).driver_connection
            assert isinstance(raw, SQLiteConnection)
            assert not raw.in_transaction  # reads open no SQLite transaction: commit is a no-op
            await conn.execute(text("CREATE TABLE t (id INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
            assert raw.in_transaction
            await conn.commit()
            assert not raw.in_transaction
    finally:
        await engine.dispose()
