"""Chat sessions, their messages, and per-user daily usage.

A *turn* is one user message plus the assistant message that answers it (``reply_to_id``). The
assistant row is created together with the user row (``status = streaming``) so its id is known
before the first token, and is filled in when the generation ends: ``complete``, ``stopped``
(the trader pressed stop; partial text kept) or ``error`` (the provider failed; ``error`` holds
``{code, message}``). ``client_message_id`` is the browser's idempotency key: unique per chat
session, so re-posting the same message never stores it twice.

JSON columns hold what the UI renders and what grounds each number:

- ``cards``: ``[{card_id, type, data, citations}]`` (models in each slice's ``tools.py``);
- ``citations``: ``[{source, as_of, market_session, label}]``, deduplicated, in order of use;
- ``tool_calls``: ``[{call_id, name, arguments, phrase, ok, summary, citations}]`` (``phrase``
  from the tool's declaration; absent on answers stored before it existed).

Full-text search is a SQLite FTS5 external-content table (``chat_messages_fts``, kept in step
by triggers) or, on PostgreSQL, a GIN index on ``to_tsvector('english', content)``; both are
created by hand in the migration and used by ``chat.search``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from aicoach.kit.orm import Base, CreatedAtMixin, IdMixin, utcnow

TITLE_MAX = 120


def _str_enum(enum: type[StrEnum], length: int) -> Enum:
    return Enum(
        enum, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class MessageRole(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(StrEnum):
    STREAMING = "streaming"
    COMPLETE = "complete"
    STOPPED = "stopped"
    ERROR = "error"


class ChatSession(IdMixin, CreatedAtMixin, Base):
    """One conversation. ``title_auto`` is true while the title is ours (heuristic or model),
    false once the trader renamed it — an automatic title never overwrites theirs."""

    __tablename__ = "chat_sessions"
    __table_args__ = (Index("ix_chat_sessions_user_id_updated_at", "user_id", "updated_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    title_auto: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatMessageRow(IdMixin, CreatedAtMixin, Base):
    """One stored message (see the module docstring). ``user_id`` is denormalised from the
    session so rate limits and search filter by owner without a join."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "client_message_id"),
        Index("ix_chat_messages_session_id_id", "session_id", "id"),
        Index("ix_chat_messages_user_id_created_at", "user_id", "created_at"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[MessageRole] = mapped_column(_str_enum(MessageRole, 16))
    content: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MessageStatus] = mapped_column(
        _str_enum(MessageStatus, 16), default=MessageStatus.COMPLETE
    )
    client_message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), default=None, index=True
    )
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tool_calls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    model_label: Mapped[str] = mapped_column(String(200), default="")
    finish_reason: Mapped[str | None] = mapped_column(String(20), default=None)
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[float] = mapped_column(Numeric(14, 6, asdecimal=False), default=0.0)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Beaten by the writer while ``streaming`` (chat.interruptions); ``None`` on older rows.
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)


class ChatUsage(IdMixin, Base):
    """Per user per UTC day: messages sent, tokens billed and estimated cost (USD)."""

    __tablename__ = "chat_usage"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    messages: Mapped[int] = mapped_column(default=0)
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[float] = mapped_column(Numeric(14, 6, asdecimal=False), default=0.0)
