"""The turn orchestrator: one user message in, one grounded, streamed, stored answer out.

The tool loop, for every provider (the offline coach is an ``LLM`` too)::

    messages = [system prompt, last N stored messages, the user's message]
    repeat (at most ``chat_max_tool_rounds`` rounds of tool calls):
        stream the model: TextDelta → `delta`; ToolCallRequested → collected; Usage → summed
        Finished(STOP | LENGTH)  → done
        Finished(TOOL_CALLS)     → for each call: `tool_started`, run it (validated, identity from
                                   the context, failures become {"error": ...}), `tool_finished`,
                                   its cards → `card`; append the assistant message with its
                                   calls and one tool message per call; call the model again
    past the limit, further calls are answered with an error telling the model to answer now

The answer is stored once at the end (``complete``), or with what had arrived on stop
(``stopped``) or failure (``error`` + ``{code, message}``); the user's message is never lost.
Usage (tokens, estimated cost from ``aicoach.llm.pricing``) goes on the message and into the
user's daily ``chat_usage``. Each step opens its own short unit of work: no transaction stays
open while the model is thinking.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aicoach.chat.interruptions import beat
from aicoach.chat.models import ChatMessageRow, MessageRole, MessageStatus
from aicoach.chat.prompt import system_prompt
from aicoach.chat.repository import ChatRepository
from aicoach.chat.stops import LocalStops, StopRelay
from aicoach.chat.title import model_title
from aicoach.chat.turns import Turn, TurnManager
from aicoach.coach.tools import Citation, ToolContext, ToolError, ToolRegistry, ToolResult
from aicoach.config import Settings
from aicoach.db import transaction
from aicoach.kit.orm import utcnow
from aicoach.llm.errors import (
    LLMAuthError,
    LLMError,
    LLMRequestRejectedError,
)
from aicoach.llm.messages import (
    ChatMessage,
    Finished,
    FinishReason,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    Usage,
)
from aicoach.llm.ports import LLM
from aicoach.llm.pricing import estimate_cost_usd
from aicoach.marketdata.service import MarketDataService
from aicoach.observability.sentry import capture_exception

log = logging.getLogger(__name__)

_LIMIT_REACHED = "Tool-call limit reached for this answer. Answer now with the results you have."


class ChatParts(Protocol):
    """What the chat reads from the app's container (which also satisfies every tool's own
    dependency protocol: the tools receive the same object as ``ToolContext.deps``)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...
    @property
    def market(self) -> MarketDataService: ...


@dataclass
class ChatRuntime:
    """What the chat needs at run time, built once by the composition root (``chat.runtime``).

    ``deps`` is the app's container: the chat reads its :class:`ChatParts`, and the tools see
    the same object as ``ctx.deps`` (each slice's tools declare the part they use as a
    ``Protocol``)."""

    deps: ChatParts
    llm: LLM
    tools: ToolRegistry
    turns: TurnManager
    #: The configured provider, used for titles; ``None`` offline (heuristic titles).
    title_llm: LLM | None = None
    #: How a Stop reaches another instance's turn (``chat.stops``).
    stops: StopRelay = field(default_factory=LocalStops)

    @property
    def settings(self) -> Settings:
        return self.deps.settings


@dataclass
class _Answer:
    """What the turn has produced so far (stored on every ending, complete or not)."""

    message_id: int
    text: list[str] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, str]] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def content(self) -> str:
        return "".join(self.text)

    def cite(self, citations: tuple[Citation, ...]) -> list[dict[str, str]]:
        out = [c.to_dict() for c in citations]
        for c in out:
            if c not in self.citations:
                self.citations.append(c)
        return out

    def usage(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
        }


def _history_message(row: ChatMessageRow) -> ChatMessage:
    if row.role is MessageRole.USER:
        return ChatMessage.user(row.content)
    return ChatMessage.assistant(row.content)


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


class TurnRunner:
    """Runs one turn (see the module docstring); ``run`` is the task's body."""

    def __init__(self, rt: ChatRuntime, content: str, *, first_message: bool) -> None:
        self.rt = rt
        self.content = content
        self.first_message = first_message
        self.settings = rt.settings

    async def run(self, turn: Turn) -> None:
        every = self.settings.chat_interrupted_after_seconds / 3
        heart = asyncio.create_task(beat(self.rt.deps.sessions, turn.message_id, every))
        try:
            await self._answer(turn)
        finally:
            heart.cancel()

    async def _answer(self, turn: Turn) -> None:
        answer = _Answer(turn.message_id)
        try:
            finish = await self._loop(turn, answer)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # we finish the bookkeeping, then end normally
            await self._store(answer, MessageStatus.STOPPED, "stopped", None)
            turn.emit("done", self._done(answer, "stopped", MessageStatus.STOPPED))
            return
        except LLMError as exc:
            retryable = not isinstance(exc, (LLMAuthError, LLMRequestRejectedError))
            await self._fail(turn, answer, exc.code, exc.message, retryable)
            return
        except Exception as exc:
            log.exception("chat turn failed", extra={"message_id": turn.message_id})
            capture_exception(exc, chat_message_id=turn.message_id)
            await self._fail(
                turn, answer, "internal_error",
                "Something went wrong while answering; the error was reported.", True,
            )  # fmt: skip
            return
        await self._store(answer, MessageStatus.COMPLETE, finish, None)
        turn.emit("done", self._done(answer, finish, MessageStatus.COMPLETE))
        await self._retitle(turn)

    # --- the loop ------------------------------------------------------------------------------

    async def _loop(self, turn: Turn, answer: _Answer) -> str:
        limit = self.settings.chat_max_tool_rounds
        messages = await self._conversation(turn)
        specs = self.rt.tools.specs()
        # Rounds 0..limit-1 run tools; calls in round `limit` get "limit reached" answers and
        # one last model call; a model still calling tools after that ends the turn.
        for round_no in range(limit + 2):
            if round_no and answer.text and not answer.content.endswith("\n"):
                self._delta(turn, answer, "\n\n")  # keep the rounds' texts apart, as stored
            round_start = len(answer.text)
            calls, reason = await self._model_call(turn, answer, messages, specs)
            if reason is not FinishReason.TOOL_CALLS or not calls:
                return reason.value
            if round_no == limit + 1:
                break
            round_text = "".join(answer.text[round_start:]).strip()
            messages.append(ChatMessage.assistant(round_text, tuple(calls)))
            await self._run_tools(turn, answer, messages, calls, over_limit=round_no >= limit)
        return "tool_rounds"

    async def _conversation(self, turn: Turn) -> list[ChatMessage]:
        deps = self.rt.deps
        async with transaction(deps.sessions) as session:
            rows = await ChatRepository(session).history(
                turn.session_id, turn.user_message_id, self.settings.chat_history_messages
            )
        now = utcnow()
        prompt = system_prompt(
            now=now,
            phase=deps.market.calendar.phase_at(now).value,
            source=deps.market.source,
            tools=self.rt.tools.names,
        )
        return [
            ChatMessage.system(prompt),
            *(_history_message(r) for r in rows),
            ChatMessage.user(self.content),
        ]

    async def _model_call(
        self, turn: Turn, answer: _Answer, messages: list[ChatMessage], specs: list[Any]
    ) -> tuple[list[ToolCall], FinishReason]:
        llm = self.rt.llm
        calls: list[ToolCall] = []
        reason = FinishReason.STOP
        stream = llm.stream(
            messages,
            specs,
            temperature=self.settings.llm_temperature,
            max_tokens=self.settings.llm_max_tokens,
        )
        async for event in stream:
            if isinstance(event, TextDelta):
                if event.text:
                    self._delta(turn, answer, event.text)
            elif isinstance(event, ToolCallRequested):
                calls.append(event.call)
            elif isinstance(event, Usage):
                answer.input_tokens += event.input_tokens
                answer.output_tokens += event.output_tokens
                answer.cost_usd += estimate_cost_usd(llm.model, event, self.settings)
            elif isinstance(event, Finished):
                reason = event.reason
        return calls, reason

    def _delta(self, turn: Turn, answer: _Answer, text: str) -> None:
        answer.text.append(text)
        turn.emit("delta", {"text": text})

    async def _run_tools(
        self,
        turn: Turn,
        answer: _Answer,
        messages: list[ChatMessage],
        calls: list[ToolCall],
        *,
        over_limit: bool,
    ) -> None:
        """Run the round's calls one after another (they share one database session)."""
        deps = self.rt.deps
        async with transaction(deps.sessions) as session:
            ctx = ToolContext(user_id=turn.user_id, session=session, now=utcnow(), deps=deps)
            for call in calls:
                phrase = self.rt.tools.phrase(call.name, call.arguments)
                turn.emit(
                    "tool_started",
                    {
                        "call_id": call.id,
                        "name": call.name,
                        "arguments": call.arguments,
                        "phrase": phrase,
                    },
                )
                result: ToolResult[BaseModel]
                if over_limit:
                    result = ToolResult(
                        ToolError(error=_LIMIT_REACHED), summary="Tool-call limit reached"
                    )
                else:
                    result = await self.rt.tools.call(call.name, call.arguments, ctx)
                cited = answer.cite(result.citations)
                answer.tool_calls.append(
                    {
                        "call_id": call.id,
                        "name": call.name,
                        "arguments": call.arguments,
                        "phrase": phrase,
                        "ok": result.ok,
                        "summary": result.summary,
                        "citations": cited,
                    }
                )
                turn.emit(
                    "tool_finished",
                    {
                        "call_id": call.id,
                        "name": call.name,
                        "ok": result.ok,
                        "summary": result.summary,
                        "citations": cited,
                    },
                )
                for card in result.cards:
                    body = {
                        "card_id": f"{answer.message_id}-{len(answer.cards) + 1}",
                        "type": card.type,
                        "data": card.payload(),
                        "citations": cited,
                    }
                    answer.cards.append(body)
                    turn.emit("card", body)
                payload = result.payload()
                if result.citations:
                    payload["_citations"] = cited
                messages.append(ChatMessage.tool_result(call.id, _json(payload), name=call.name))

    # --- endings -------------------------------------------------------------------------------

    def _done(self, answer: _Answer, finish: str, status: MessageStatus) -> dict[str, Any]:
        return {
            "message_id": answer.message_id,
            "finish_reason": finish,
            "status": status.value,
            "usage": answer.usage(),
            "citations": answer.citations,
        }

    async def _fail(
        self, turn: Turn, answer: _Answer, code: str, message: str, retryable: bool
    ) -> None:
        error = {"code": code, "message": message, "retryable": retryable}
        await self._store(answer, MessageStatus.ERROR, "error", error)
        turn.emit(
            "error",
            {"message_id": answer.message_id, **error, "status": MessageStatus.ERROR.value},
        )

    async def _store(
        self,
        answer: _Answer,
        status: MessageStatus,
        finish: str,
        error: dict[str, Any] | None,
    ) -> None:
        """Write the assistant message and the usage; shielded so a second cancel (shut-down)
        cannot lose the partial answer half-way."""
        await asyncio.shield(self._write(answer, status, finish, error))

    async def _write(
        self,
        answer: _Answer,
        status: MessageStatus,
        finish: str,
        error: dict[str, Any] | None,
    ) -> None:
        now = utcnow()
        async with transaction(self.rt.deps.sessions) as session:
            repo = ChatRepository(session)
            row = await repo.get_message(answer.message_id)
            if row is None:  # the chat was deleted while the answer was being written
                return
            row.content = answer.content
            row.status = status
            row.finish_reason = finish
            row.cards = answer.cards
            row.citations = answer.citations
            row.tool_calls = answer.tool_calls
            row.error = error
            row.input_tokens = answer.input_tokens
            row.output_tokens = answer.output_tokens
            row.cost_usd = answer.cost_usd
            row.completed_at = now
            await repo.touch_session(row.session_id, now)
            await repo.add_usage(
                row.user_id,
                now.date(),
                messages=1,
                input_tokens=answer.input_tokens,
                output_tokens=answer.output_tokens,
                cost_usd=answer.cost_usd,
            )

    async def _retitle(self, turn: Turn) -> None:
        """After the first answer, let the configured model name the chat (if still auto)."""
        llm = self.rt.title_llm
        if llm is None or not self.first_message:
            return
        title = await model_title(llm, self.content)
        if title is None:
            return
        async with transaction(self.rt.deps.sessions) as session:
            chat = await ChatRepository(session).get_session(turn.user_id, turn.session_id)
            if not chat.title_auto:
                return
            chat.title = title
        turn.emit("title", {"session_id": turn.session_id, "title": title})
