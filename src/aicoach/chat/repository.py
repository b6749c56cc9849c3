"""Queries of the chat slice. Every read of user data is scoped by ``user_id``; nothing here
commits (the request dependency or the turn's own unit of work does)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.accounts.models import User
from aicoach.chat.errors import ChatSessionNotFoundError
from aicoach.chat.models import ChatMessageRow, ChatSession, ChatUsage, MessageRole, MessageStatus


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- sessions ------------------------------------------------------------------------------

    async def create_session(self, user_id: int, title: str, now: datetime) -> ChatSession:
        row = ChatSession(
            user_id=user_id, title=title, title_auto=not title, created_at=now, updated_at=now
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def get_session(self, user_id: int, session_id: int) -> ChatSession:
        """The user's chat, or ``ChatSessionNotFoundError`` (also for another user's chat)."""
        row = await self.session.scalar(
            select(ChatSession).where(ChatSession.id == session_id, ChatSession.user_id == user_id)
        )
        if row is None:
            raise ChatSessionNotFoundError()
        return row

    async def list_sessions(self, user_id: int, limit: int, offset: int) -> list[ChatSession]:
        rows = await self.session.scalars(
            select(ChatSession)
            .where(ChatSession.user_id == user_id)
            .order_by(ChatSession.updated_at.desc(), ChatSession.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows)

    async def delete_session(self, row: ChatSession) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def streaming_reply(self, session_id: int) -> int | None:
        """The id of the chat's answer still being written (by any instance), if any."""
        return await self.session.scalar(
            select(ChatMessageRow.id)
            .where(
                ChatMessageRow.session_id == session_id,
                ChatMessageRow.role == MessageRole.ASSISTANT,
                ChatMessageRow.status == MessageStatus.STREAMING,
            )
            .order_by(ChatMessageRow.id.desc())
            .limit(1)
        )

    async def message_status(self, message_id: int) -> MessageStatus | None:
        """Read afresh (never the session's cached row): another process may have changed it."""
        return await self.session.scalar(
            select(ChatMessageRow.status).where(ChatMessageRow.id == message_id)
        )

    async def touch_session(self, session_id: int, now: datetime) -> None:
        await self.session.execute(
            update(ChatSession).where(ChatSession.id == session_id).values(updated_at=now)
        )

    # --- messages ------------------------------------------------------------------------------

    async def messages_page(
        self, session_id: int, before: int | None, limit: int
    ) -> tuple[list[ChatMessageRow], bool]:
        """Up to ``limit`` messages older than ``before`` (all when ``None``), oldest first, and
        whether older ones remain. Keyset pagination on the id: cost independent of depth."""
        query = select(ChatMessageRow).where(ChatMessageRow.session_id == session_id)
        if before is not None:
            query = query.where(ChatMessageRow.id < before)
        rows = list(
            await self.session.scalars(query.order_by(ChatMessageRow.id.desc()).limit(limit + 1))
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        rows.reverse()
        return rows, has_more

    async def history(self, session_id: int, before_id: int, limit: int) -> list[ChatMessageRow]:
        """The last ``limit`` messages with text before ``before_id``, oldest first: the context
        sent to the model. Empty assistant rows (failed before any text) are left out."""
        if limit <= 0:
            return []
        rows = list(
            await self.session.scalars(
                select(ChatMessageRow)
                .where(
                    ChatMessageRow.session_id == session_id,
                    ChatMessageRow.id < before_id,
                    ChatMessageRow.content != "",
                )
                .order_by(ChatMessageRow.id.desc())
                .limit(limit)
            )
        )
        rows.reverse()
        return rows

    async def by_client_id(self, session_id: int, client_message_id: str) -> ChatMessageRow | None:
        row: ChatMessageRow | None = await self.session.scalar(
            select(ChatMessageRow).where(
                ChatMessageRow.session_id == session_id,
                ChatMessageRow.client_message_id == client_message_id,
            )
        )
        return row

    async def reply_to(self, user_message_id: int) -> ChatMessageRow | None:
        """The answer to a user message, read afresh: the turn's task rewrites it in its own
        session, so a copy already in this session's identity map may be stale."""
        row: ChatMessageRow | None = await self.session.scalar(
            select(ChatMessageRow)
            .where(ChatMessageRow.reply_to_id == user_message_id)
            .execution_options(populate_existing=True)
        )
        return row

    async def get_message(self, message_id: int) -> ChatMessageRow | None:
        return await self.session.get(ChatMessageRow, message_id)

    async def add_turn(
        self,
        chat: ChatSession,
        content: str,
        client_message_id: str,
        model_label: str,
        now: datetime,
    ) -> tuple[ChatMessageRow, ChatMessageRow]:
        """The user's message and the (still empty, ``streaming``) assistant reply."""
        user = ChatMessageRow(
            session_id=chat.id,
            user_id=chat.user_id,
            role=MessageRole.USER,
            content=content,
            status=MessageStatus.COMPLETE,
            client_message_id=client_message_id,
            created_at=now,
        )
        self.session.add(user)
        await self.session.flush()
        reply = ChatMessageRow(
            session_id=chat.id,
            user_id=chat.user_id,
            role=MessageRole.ASSISTANT,
            content="",
            status=MessageStatus.STREAMING,
            reply_to_id=user.id,
            model_label=model_label,
            created_at=now,
            heartbeat_at=now,
        )
        self.session.add(reply)
        chat.updated_at = now
        await self.session.flush()
        return user, reply

    async def lock_user_for_rate(self, user_id: int) -> None:
        """Hold the user's row until this transaction ends: the rate check and the insert that
        follows it become one critical section per user (a no-op write: PostgreSQL locks the
        row, SQLite takes its write lock — which a plain SELECT would not), so parallel posts
        cannot all count the same "19 of 20" and all get in."""
        stmt = update(User).where(User.id == user_id).values(is_active=User.is_active)
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def user_messages_since(
        self, user_id: int, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many messages the user sent since ``since``, and the oldest of them."""
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(ChatMessageRow.created_at)).where(
                    ChatMessageRow.user_id == user_id,
                    ChatMessageRow.role == MessageRole.USER,
                    ChatMessageRow.created_at >= since,
                )
            )
        ).one()
        if oldest is not None and oldest.tzinfo is None:  # func.min bypasses the column type
            oldest = oldest.replace(tzinfo=UTC)
        return int(count), oldest

    # --- usage -----------------------------------------------------------------------------------

    async def add_usage(
        self,
        user_id: int,
        day: date,
        *,
        messages: int,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float,
    ) -> None:
        """Add to the user's daily totals (one upsert: concurrent turns never lose an update)."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {
            "user_id": user_id,
            "day": day,
            "messages": messages,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost_usd,
        }
        stmt = insert(ChatUsage).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[ChatUsage.user_id, ChatUsage.day],
            set_={
                "messages": ChatUsage.messages + stmt.excluded.messages,
                "input_tokens": ChatUsage.input_tokens + stmt.excluded.input_tokens,
                "output_tokens": ChatUsage.output_tokens + stmt.excluded.output_tokens,
                "cost_usd": ChatUsage.cost_usd + stmt.excluded.cost_usd,
            },
        )
        await self.session.execute(stmt)
