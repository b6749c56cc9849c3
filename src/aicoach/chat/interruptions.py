"""Answers interrupted by a crash: found by a stale heartbeat, turned into a retryable error.

An answer is stored ``streaming`` while its turn runs, and the writing instance beats the row's
``heartbeat_at`` every third of ``chat_interrupted_after_seconds``. If the instance dies
(``kill -9``, power, OOM) nothing ever completes the row; once its heartbeat is older than that
limit it is swept to ``error`` with the code ``answer_interrupted`` (partial text kept), which
the chat shows with a Retry button — and a Retry (the same ``client_message_id`` again) answers
the question anew (``chat.routes``). The sweep runs at start-up and every
:data:`SWEEP_EVERY_S` seconds; a post finding a stale reply settles it on the spot. Another live
instance's answer keeps beating, so it is never swept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aicoach.chat.models import ChatMessageRow, MessageStatus
from aicoach.kit.orm import utcnow

if TYPE_CHECKING:
    from aicoach.container import Container

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 15.0
INTERRUPTED: dict[str, Any] = {
    "code": "answer_interrupted",
    "message": "This answer was interrupted (the server restarted while writing it). "
    "Press Retry to get a new answer.",
    "retryable": True,
}


def last_sign_of_life(row: ChatMessageRow) -> datetime:
    return row.heartbeat_at or row.created_at


def is_interrupted(row: ChatMessageRow, now: datetime, limit: timedelta) -> bool:
    """A ``streaming`` row whose writer has been silent for longer than ``limit``."""
    return row.status is MessageStatus.STREAMING and last_sign_of_life(row) < now - limit


def mark_interrupted(row: ChatMessageRow, now: datetime) -> None:
    row.status, row.error, row.completed_at = MessageStatus.ERROR, dict(INTERRUPTED), now
    row.finish_reason = "interrupted"


async def sweep(sessions: async_sessionmaker[AsyncSession], limit: timedelta) -> int:
    """Settle every interrupted answer; the number settled."""
    now = utcnow()
    silent_since = func.coalesce(ChatMessageRow.heartbeat_at, ChatMessageRow.created_at)
    async with sessions() as session:
        result = await session.execute(
            update(ChatMessageRow)
            .where(ChatMessageRow.status == MessageStatus.STREAMING, silent_since < now - limit)
            .values(
                status=MessageStatus.ERROR,
                error=dict(INTERRUPTED),
                completed_at=now,
                finish_reason="interrupted",
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    swept = int(getattr(result, "rowcount", 0) or 0)
    if swept:
        log.warning("settled %d interrupted chat answer(s)", swept)
    return swept


async def beat(sessions: async_sessionmaker[AsyncSession], message_id: int, every: float) -> None:
    """Keep the row's heartbeat fresh while the turn runs (cancelled when it ends)."""
    while True:
        await asyncio.sleep(every)
        try:
            async with sessions() as session:
                await session.execute(
                    update(ChatMessageRow)
                    .where(
                        ChatMessageRow.id == message_id,
                        ChatMessageRow.status == MessageStatus.STREAMING,
                    )
                    .values(heartbeat_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
        except (SQLAlchemyError, OSError):
            log.warning("chat heartbeat missed for message %s", message_id, exc_info=True)


async def _sweep_forever(sessions: async_sessionmaker[AsyncSession], limit: timedelta) -> None:
    while True:
        try:
            await sweep(sessions, limit)
        except (SQLAlchemyError, OSError):  # the database is down: an outage, not a bug
            log.warning("sweeping interrupted chat answers failed; next try soon", exc_info=True)
        await asyncio.sleep(SWEEP_EVERY_S)


@asynccontextmanager
async def interruption_sweeper(container: Container) -> AsyncIterator[None]:
    """The chat slice's lifespan part: sweep at start-up, then on a schedule."""
    limit = timedelta(seconds=container.settings.chat_interrupted_after_seconds)
    task = asyncio.create_task(_sweep_forever(container.sessions, limit), name="chat-sweep")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
