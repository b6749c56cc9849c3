"""The offline coach: an ``LLM`` adapter that needs no network and no model.

It plays the model's part in the one tool loop (``chat.service``): each ``stream()`` call reads
the conversation, and

* when the trader's message has not been worked on yet, or the tool results so far call for
  more (a chain needs the listed expirations first; a positions question needs the list of
  positions before analysing each), it yields ``ToolCallRequested`` events and
  ``Finished(TOOL_CALLS)``;
* otherwise it writes the answer from this turn's tool results only — every number copied from
  a result (``aicoach.chat.offline.grounding`` checks it) — streams it in a few ``TextDelta``
  chunks and ends with ``Finished(STOP)``.

It always reports ``Usage(0, 0)``. Deterministic: the same conversation, tools and clock give
the same events. Parsing lives in ``aicoach.chat.offline`` (intents, symbols, dates, legs),
answers in ``compose``/``compose_options``, explanations in ``glossary``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aicoach.chat.offline.compose import CAPABILITIES, compose
from aicoach.chat.offline.planner import next_calls, read_turn
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
from aicoach.marketdata.calendar import MarketCalendar

#: Characters per streamed chunk, at most (chunks end on a line or sentence boundary).
CHUNK_CHARS = 160


def chunks(answer: str, size: int = CHUNK_CHARS) -> list[str]:
    """Split ``answer`` into pieces of about ``size`` characters at line or sentence ends;
    ``"".join(chunks(a)) == a``."""
    pieces = re.split(r"(?<=\n)|(?<=[.!?] )", answer)
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + len(piece) <= size:
            out[-1] += piece
        elif piece:
            out.append(piece)
    return out


class OfflineCoach:
    """``LLM`` for the offline coach. ``now`` is the clock (aware datetimes), ``calendar`` the
    NYSE calendar used to resolve relative dates ("next Friday", "0DTE")."""

    name = "offline"
    model = "offline"
    label = "Offline coach"

    def __init__(self, now: Callable[[], datetime], calendar: MarketCalendar) -> None:
        self._now = now
        self._calendar = calendar

    async def stream(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        *,
        temperature: float = 0.0,
        max_tokens: int = 4096,
    ) -> AsyncIterator[LLMEvent]:
        """One model step (see the module docstring); ``temperature`` and ``max_tokens`` are
        accepted for the protocol and ignored — the answers are short and deterministic."""
        now = self._now()
        turn = read_turn(messages)
        if turn is None:
            for piece in chunks(CAPABILITIES):
                yield TextDelta(piece)
            yield Usage(0, 0)
            yield Finished(FinishReason.STOP)
            return
        offered = {t.name for t in tools}
        calls = next_calls(turn, now, self._calendar)
        if calls and all(name in offered for name, _ in calls):
            for i, (name, arguments) in enumerate(calls):
                call_id = f"offline_{turn.user_index}_{turn.rounds + 1}_{i + 1}"
                yield ToolCallRequested(ToolCall(call_id, name, arguments))
            yield Usage(0, 0)
            yield Finished(FinishReason.TOOL_CALLS)
            return
        # No (offered) tool left to call: answer from what this turn gathered.
        answer = compose(turn, now)
        for piece in chunks(answer):
            yield TextDelta(piece)
        yield Usage(0, 0)
        yield Finished(FinishReason.STOP)

    async def aclose(self) -> None:
        """Nothing to release: the offline coach holds no connection."""
