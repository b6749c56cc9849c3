"""Helpers for the chat tests: a scripted in-process LLM, posting a turn, reading its events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from aicoach.chat.models import ChatMessageRow
from aicoach.chat.repository import ChatRepository
from aicoach.chat.stream import decode
from aicoach.db import transaction
from aicoach.llm.errors import LLMError
from aicoach.llm.messages import (
    ChatMessage,
    Finished,
    FinishReason,
    LLMEvent,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    ToolSpec,
    Usage,
)
from tests.factories import create_chat, signed_up, unique_email
from tests.helpers.users import UserClient

Step = Sequence[LLMEvent] | Callable[[list[ChatMessage]], Sequence[LLMEvent]] | LLMError


def answer(*chunks: str, usage: tuple[int, int] = (0, 0)) -> list[LLMEvent]:
    return [*(TextDelta(c) for c in chunks), Usage(*usage), Finished(FinishReason.STOP)]


def calls(*pairs: tuple[str, dict[str, Any]], text: str = "") -> list[LLMEvent]:
    events: list[LLMEvent] = [TextDelta(text)] if text else []
    events += [ToolCallRequested(ToolCall(f"call_{i}", n, a)) for i, (n, a) in enumerate(pairs)]
    return [*events, Usage(0, 0), Finished(FinishReason.TOOL_CALLS)]


@dataclass
class ScriptedLLM:
    """An ``LLM`` replaying one step per model call; ``delay`` seconds between events;
    ``seen`` records every conversation and tool list it was given; ``consumed`` counts the
    events the caller has handled (it asked for the next one after each)."""

    script: list[Step]
    delay: float = 0.0
    name: str = "scripted"
    model: str = "gpt-4o-mini"
    label: str = "Scripted model"
    seen: list[tuple[list[ChatMessage], list[ToolSpec]]] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    consumed: int = 0

    async def stream(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        *,
        temperature: float,
        max_tokens: int,
    ) -> AsyncIterator[LLMEvent]:
        self.seen.append((list(messages), list(tools)))
        if not self.script:
            raise AssertionError("the scripted LLM ran out of steps")
        step = self.script.pop(0)
        if isinstance(step, LLMError):
            raise step
        events = step(messages) if callable(step) else step
        for event in events:
            if isinstance(event, LLMError):
                raise event
            self.started.set()
            if self.delay:
                await asyncio.sleep(self.delay)
            yield event
            self.consumed += 1

    async def aclose(self) -> None:
        return None


def use_llm(app: FastAPI, llm: Any) -> None:
    app.state.container.chat.llm = llm


new_chat = create_chat  # the chat tests' name for the factory


async def send(
    user: UserClient, session_id: int, content: str, client_id: str | None = None
) -> tuple[int, list[tuple[str, dict[str, Any]]], Any]:
    """POST a message and read the whole stream: (status, events, response)."""
    cid = client_id or str(uuid.uuid4())
    response = await user.post(
        f"/api/chat/sessions/{session_id}/messages",
        json={"content": content, "client_message_id": cid},
    )
    events = decode(response.text) if response.status_code == 200 else []
    return response.status_code, events, response


def names(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [e for e, _ in events]


def first(events: list[tuple[str, dict[str, Any]]], name: str) -> dict[str, Any]:
    return next(d for e, d in events if e == name)


def text_of(events: list[tuple[str, dict[str, Any]]]) -> str:
    return "".join(d["text"] for e, d in events if e == "delta")


@asynccontextmanager
async def app_with(app_factory: Any, **overrides: Any) -> AsyncIterator[tuple[FastAPI, UserClient]]:
    """An app with setting overrides (lifespan running) and a signed-up user on it."""
    application: FastAPI = app_factory(**overrides)
    async with (
        application.router.lifespan_context(application),
        signed_up(application, unique_email("carol"), "a fine passphrase here") as user,
    ):
        yield application, user


async def rows_of(app: FastAPI, session_id: int) -> list[ChatMessageRow]:
    async with transaction(app.state.container.sessions) as s:
        rows, _ = await ChatRepository(s).messages_page(session_id, None, 500)
        return rows
