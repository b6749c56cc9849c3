"""``aicoach db backup`` → wipe → ``aicoach db restore`` gives back the same rows, on SQLite and
PostgreSQL, through the real command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from aicoach.config import Settings
from aicoach.models import metadata
from tests.helpers.users import UserClient
from tests.positions.chains import iron_condor_legs


async def _all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            out = {}
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows = (await conn.execute(select(table).order_by(*order))).all()
                out[table.name] = [tuple(r) for r in rows]
            return out
    finally:
        await engine.dispose()


async def _wipe(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(table.delete())
    finally:
        await engine.dispose()


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AICOACH_DATABASE_URL": settings.effective_database_url,
        "AICOACH_DATA_DIR": str(settings.data_dir),
        "AICOACH_SECRET_KEY": settings.secret_key.get_secret_value(),
        "AICOACH_ENV": "test",
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("aicoach")), "db", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_backup_wipe_restore_gives_the_same_rows(
    app: FastAPI, settings: Settings, alice: UserClient, bob: UserClient, tmp_path: Path
) -> None:
    assert (
        await alice.post("/api/positions", json={"legs": await iron_condor_legs(alice)})
    ).is_success
    assert (await bob.post("/api/watchlist", json={"symbol": "MSFT"})).status_code == 201
    assert (await alice.post("/api/chat/sessions", json={"title": "Plans"})).status_code == 201
    url = settings.effective_database_url
    before = await _all_rows(url)
    assert sum(map(len, before.values())) > 10

    dump = tmp_path / "backups" / "aicoach.dump"
    done = _cli(settings, "backup", str(dump))
    assert done.returncode == 0, done.stderr
    assert dump.is_file() and dump.stat().st_size > 0

    await _wipe(url)
    assert sum(map(len, (await _all_rows(url)).values())) == 0

    done = _cli(settings, "restore", "--yes", str(dump))
    assert done.returncode == 0, done.stderr
    assert await _all_rows(url) == before
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar() == 1
    finally:
        await engine.dispose()


def test_restore_refuses_a_missing_or_broken_file(settings: Settings, tmp_path: Path) -> None:
    missing = _cli(settings, "restore", "--yes", str(tmp_path / "nope.dump"))
    assert missing.returncode == 1 and "No backup file" in missing.stderr
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup at all" * 100)
    broken = _cli(settings, "restore", "--yes", str(junk))
    assert broken.returncode == 1 and broken.stderr.startswith("Error:"), broken.stderr
    assert "Traceback" not in broken.stderr
