"""Alembic environment: runs on the connection handed over by ``runner`` (async engine), or
builds one from ``sqlalchemy.url`` for autogenerate from the command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from aicoach.models import metadata

config = context.config


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Hand-made full-text tables (SQLite FTS5 and its shadow tables) are not in the ORM metadata;
    autogenerate must not propose dropping them."""
    return not (type_ == "table" and reflected and (name or "").startswith("chat_messages_fts"))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    from sqlalchemy.ext.asyncio import create_async_engine

    from aicoach.config import Settings

    url = config.get_main_option("sqlalchemy.url") or Settings().effective_database_url

    async def _run() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_configure)
        await engine.dispose()

    asyncio.run(_run())


run_migrations_online()
