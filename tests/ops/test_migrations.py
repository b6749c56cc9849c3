"""Every migration upward from an empty database, one revision at a time; an upgrade from the
previous release's schema filled with data keeps every row; the schema at head is the models'.

Each test migrates a database of its own (a fresh SQLite file, or a fresh PostgreSQL database
next to the suite's), so the order of the suite does not matter.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from aicoach.migrations.runner import alembic_config, upgrade_to_head
from aicoach.models import metadata
from tests.conftest import PG_ADMIN_URL, make_settings

#: The schema of the release before this one (0.1.0, what landed before the platform issue).
PREVIOUS_RELEASE = "0004"
ROWS_PER_TABLE = 3
WHEN = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


@pytest.fixture
async def empty_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"aicoach_migrations_{secrets.token_hex(4)}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _reflect(url: str) -> sa.MetaData:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            reflected = sa.MetaData()
            await conn.run_sync(reflected.reflect)
            return reflected
    finally:
        await engine.dispose()


async def test_each_migration_upgrades_in_turn_and_head_matches_the_models(
    empty_url: str, tmp_path: Path
) -> None:
    settings = make_settings(empty_url, tmp_path)
    for revision in _revisions():
        await upgrade_to_head(settings, revision)
        engine = create_async_engine(empty_url)
        try:
            async with engine.connect() as conn:
                at = await conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
                assert at == revision
        finally:
            await engine.dispose()
    engine = create_async_engine(empty_url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), metadata)
            )
    finally:
        await engine.dispose()
    diffs = [d for d in diffs if not _search_index(d)]
    assert diffs == [], f"the models and the migrations disagree: {diffs}"


def _is_search_table(table: sa.Table) -> bool:
    return table.name.startswith("chat_messages_fts")  # filled by triggers, not by hand


def _search_index(diff: Any) -> bool:
    """The full-text search objects the chat migration makes in raw SQL (SQLite FTS5 tables,
    PostgreSQL's tsvector index): not in the models on purpose (see migration 0004)."""
    text = repr(diff)
    return "_fts" in text


def _value(column: sa.Column[Any], i: int, parents: dict[str, list[Any]]) -> Any:
    """A plausible value for ``column`` in row ``i`` that satisfies the schema's constraints."""
    for fk in column.foreign_keys:
        targets = parents.get(fk.column.table.name)
        if not targets:  # a reference to its own table (a reply to a message): leave it empty
            return None
        return targets[i % len(targets)]
    name, kind = column.name, column.type
    if name == "kind":
        return "call"  # positions: an option leg (a strike and an expiration follow)
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        return i + 1
    if isinstance(kind, sa.Numeric):
        return Decimal("1.25") + i
    if isinstance(kind, sa.DateTime):
        return WHEN
    if isinstance(kind, sa.Date):
        return date(2027, 1, 15)
    if isinstance(kind, sa.JSON):
        return {"row": i, "list": [1, 2]}
    length = getattr(kind, "length", None) or 40
    return f"{name}-{i}"[:length]


async def _fill(conn: AsyncConnection, schema: sa.MetaData) -> dict[str, list[Any]]:
    ids: dict[str, list[Any]] = {}
    for table in schema.sorted_tables:
        if table.name == "alembic_version" or _is_search_table(table):
            continue
        rows = []
        for i in range(ROWS_PER_TABLE):
            row = {
                c.name: _value(c, i, ids)
                for c in table.columns
                if (not (c.primary_key and c.name == "id") and not c.nullable) or c.foreign_keys
            }
            if "strike" in table.columns:
                row |= {"strike": Decimal("450.5"), "expiration": date(2027, 1, 15)}
            rows.append(row)
        for row in rows:
            result = await conn.execute(table.insert().values(**row))
            pk = result.inserted_primary_key
            ids.setdefault(table.name, []).append(pk[0] if pk else None)
    return ids


async def _rows(conn: AsyncConnection, schema: sa.MetaData) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in schema.sorted_tables:
        if table.name != "alembic_version" and not _is_search_table(table):
            cols = list(table.columns)
            order = list(table.primary_key.columns) or [
                c
                for c in cols
                if not isinstance(c.type, sa.JSON)  # PostgreSQL cannot sort json
            ]
            out[table.name] = [tuple(r) for r in (await conn.execute(
                sa.select(*cols).order_by(*order)
            )).all()]  # fmt: skip
    return out


async def test_upgrade_from_the_previous_release_keeps_every_row(
    empty_url: str, tmp_path: Path
) -> None:
    settings = make_settings(empty_url, tmp_path)
    await upgrade_to_head(settings, PREVIOUS_RELEASE)
    old = await _reflect(empty_url)
    engine = create_async_engine(empty_url)
    try:
        async with engine.begin() as conn:
            await _fill(conn, old)
        async with engine.connect() as conn:
            before = await _rows(conn, old)
        assert all(len(rows) == ROWS_PER_TABLE for rows in before.values()), before
        await upgrade_to_head(settings)
        async with engine.connect() as conn:
            after = await _rows(conn, old)  # the old tables' old columns, read after upgrading
    finally:
        await engine.dispose()
    assert after == before
