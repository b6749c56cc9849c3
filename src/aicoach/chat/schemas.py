"""Request and response bodies of the chat API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicoach.chat.models import TITLE_MAX, ChatMessageRow, ChatSession
from aicoach.chat.search import SearchHit

MAX_MESSAGE_CHARS = 8000
#: Control characters except tab and newlines: never stored (search marks use two of them).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    return CONTROL_CHARS.sub("", value.replace("\r\n", "\n"))


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=TITLE_MAX)

    @field_validator("title")
    @classmethod
    def _tidy(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value).strip() or None


class SessionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=TITLE_MAX)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = clean_text(value).strip()
        if not value:
            raise ValueError("the title must not be blank")
        return value


class SessionRead(BaseModel):
    id: int
    title: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ChatSession) -> SessionRead:
        return cls(
            id=row.id, title=row.title or "New chat", created_at=row.created_at,
            updated_at=row.updated_at,
        )  # fmt: skip


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    client_message_id: UUID

    @field_validator("content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = clean_text(value).strip()
        if not value:
            raise ValueError("the message must not be empty")
        return value


class UsageRead(BaseModel):
    input_tokens: int
    output_tokens: int
    cost_usd: float


class MessageRead(BaseModel):
    id: int
    session_id: int
    role: str
    content: str
    status: str
    created_at: datetime
    client_message_id: str | None
    reply_to_id: int | None
    model_label: str
    finish_reason: str | None
    cards: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    tool_calls: list[dict[str, Any]]
    error: dict[str, Any] | None
    usage: UsageRead | None

    @classmethod
    def of(cls, row: ChatMessageRow) -> MessageRead:
        assistant = row.role.value == "assistant"
        return cls(
            id=row.id,
            session_id=row.session_id,
            role=row.role.value,
            content=row.content,
            status=row.status.value,
            created_at=row.created_at,
            client_message_id=row.client_message_id,
            reply_to_id=row.reply_to_id,
            model_label=row.model_label,
            finish_reason=row.finish_reason,
            cards=list(row.cards or []),
            citations=list(row.citations or []),
            tool_calls=list(row.tool_calls or []),
            error=row.error,
            usage=UsageRead(
                input_tokens=row.input_tokens,
                output_tokens=row.output_tokens,
                cost_usd=float(row.cost_usd or 0.0),
            )
            if assistant
            else None,
        )


class MessagePage(BaseModel):
    """Oldest → newest; ``next_before`` is the ``before`` for the next (older) page."""

    items: list[MessageRead]
    has_more: bool
    next_before: int | None


class StopRead(BaseModel):
    stopped: bool
    message_id: int | None


class SearchHitRead(BaseModel):
    session_id: int
    message_id: int
    role: str
    snippet: str
    session_title: str
    created_at: datetime

    @classmethod
    def of(cls, hit: SearchHit) -> SearchHitRead:
        return cls(
            session_id=hit.session_id, message_id=hit.message_id, role=hit.role,
            snippet=hit.snippet, session_title=hit.session_title or "New chat",
            created_at=hit.created_at,
        )  # fmt: skip
