"""The offline coach: an ``LLM`` adapter that needs no network and no model.

It plays the model's part in the one tool loop (``chat.service``): each ``stream()`` call reads
the conversation (``request.read_turn``), lets the skills score the trader's last message and
hands the turn to the best one (``aicoach.coach.skills``). Then

* while the skill's plan asks for tools (a chain needs the listed expirations first; a
  positions question needs the list of positions before analysing each), it yields
  ``ToolCallRequested`` events and ``Finished(TOOL_CALLS)``;
* otherwise it writes the skill's answer from this turn's typed tool results only — every
  number copied from a result (``aicoach.chat.offline.grounding`` checks it) — streams it in a
  few ``TextDelta`` chunks and ends with ``Finished(STOP)``. A planned tool the caller does not
  offer, or ``MAX_ROUNDS`` rounds of tools, also end the turn with what was gathered.

It always reports ``Usage(0, 0)``. Deterministic: the same conversation, tools, skills and
clock give the same events. The skills come from the slices (``<slice>/skills.py``) and the
chat (``chat.offline.skills``); the language kit they share lives here (symbols, dates, legs,
typos, scenario, fmt, answers, glossary).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Final

from aicoach.chat.offline.answers import capabilities_text
from aicoach.chat.offline.request import Request, read_turn
from aicoach.coach.skills import SkillRegistry
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
CHUNK_CHARS: Final = 160
#: Tool rounds after which the coach answers with what it has.
MAX_ROUNDS: Final = 4


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
    """``LLM`` for the offline coach. ``skills`` answer the requests; ``now`` is the clock
    (aware datetimes), ``calendar`` the NYSE calendar used to resolve relative dates ("next
    Friday", "0DTE")."""

    name = "offline"
    model = "offline"
    label = "Offline coach"

    def __init__(
        self,
        skills: SkillRegistry[Request],
        now: Callable[[], datetime],
        calendar: MarketCalendar,
    ) -> None:
        self.skills = skills
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
        turn = read_turn(messages, self.skills, self._now(), self._calendar)
        if turn is None:
            for piece in chunks(capabilities_text(self.skills.capabilities())):
                yield TextDelta(piece)
            yield Usage(0, 0)
            yield Finished(FinishReason.STOP)
            return
        offered = {t.name for t in tools}
        calls = turn.match.plan(turn.request, turn.outcomes) if turn.rounds < MAX_ROUNDS else ()
        if calls and all(call.name in offered for call in calls):
            for i, call in enumerate(calls):
                call_id = f"offline_{turn.user_index}_{turn.rounds + 1}_{i + 1}"
                yield ToolCallRequested(ToolCall(call_id, call.name, call.arguments))
            yield Usage(0, 0)
            yield Finished(FinishReason.TOOL_CALLS)
            return
        # Nothing (offered) left to call: answer from what this turn gathered.
        for piece in chunks(turn.match.compose(turn.request, turn.outcomes)):
            yield TextDelta(piece)
        yield Usage(0, 0)
        yield Finished(FinishReason.STOP)

    async def aclose(self) -> None:
        """Nothing to release: the offline coach holds no connection."""
