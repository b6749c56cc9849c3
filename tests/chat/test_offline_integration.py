"""The offline coach through the real chat tool loop (HTTP → ChatService → tools → simulated
market and the trader's saved positions), with every answer checked by the grounding checker
against the REAL tool results the coach was given."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI

from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.offline.grounding import ungrounded
from aicoach.kit.clock import system_clock
from aicoach.llm.messages import ChatMessage, LLMEvent, Role, ToolSpec
from tests.chat.chat_helpers import first, names, new_chat, send, text_of, use_llm
from tests.factories import create_iron_condor
from tests.helpers.coach import skill_registry
from tests.helpers.users import UserClient


@dataclass
class Recording:
    """The offline coach, remembering every conversation it was handed (tool results included)."""

    coach: OfflineCoach
    seen: list[list[ChatMessage]] = field(default_factory=list)
    name: str = "offline"
    model: str = "offline"
    label: str = "Offline coach"

    async def stream(
        self, messages: list[ChatMessage], tools: list[ToolSpec], *, temperature: float,
        max_tokens: int,
    ) -> AsyncIterator[LLMEvent]:  # fmt: skip
        self.seen.append(list(messages))
        async for event in self.coach.stream(
            messages, tools, temperature=temperature, max_tokens=max_tokens
        ):
            yield event

    async def aclose(self) -> None:
        await self.coach.aclose()

    def tool_results(self) -> list[Any]:
        """The JSON of the tool messages after the last user message of the last call."""
        last = self.seen[-1]
        start = max(i for i, m in enumerate(last) if m.role is Role.USER)
        return [json.loads(m.content) for m in last[start:] if m.role is Role.TOOL]

    def tool_calls(self) -> list[tuple[str, dict[str, Any]]]:
        last = self.seen[-1]
        start = max(i for i, m in enumerate(last) if m.role is Role.USER)
        return [(c.name, c.arguments) for m in last[start:] for c in m.tool_calls]


@pytest.fixture
def coach(app: FastAPI) -> Recording:
    rec = Recording(
        OfflineCoach(skill_registry(), system_clock, app.state.container.market.calendar)
    )
    use_llm(app, rec)
    return rec


PROMPTS: list[tuple[str, list[str]]] = [
    ("where are spy's levels", ["get_key_levels"]),
    ("what's tsla trading at", ["get_quote"]),
    ("show me a 5 minute chart of qqq", ["get_chart_data"]),
    ("is the market open", ["get_market_status"]),
    ("expirations for aapl", ["get_expirations"]),
    ("spy chain for next friday", ["get_expirations", "get_options_chain"]),
    ("what's the iv on nvda", ["get_expirations", "get_options_chain"]),
    ("analyze my positions", ["get_positions", "analyze_position"]),
    ("how's my iron condor", ["get_positions", "analyze_position"]),
    ("which of my positions bleeds most theta", ["get_positions", "analyze_position"]),
    ("what if SPY goes to 650", ["get_positions", "analyze_position"]),
    ("what does my condor look like if IV drops 5 points by Friday",
     ["get_positions", "analyze_position"]),
    ("what's my net delta", ["get_portfolio_greeks"]),
    ("levels for xyz", ["get_key_levels"]),
]  # fmt: skip


async def test_offline_coach_through_the_tool_loop_is_grounded(
    app: FastAPI, alice: UserClient, coach: Recording
) -> None:
    await create_iron_condor(alice, label="SPY condor")
    chat = await new_chat(alice)
    for prompt, expected_tools in PROMPTS:
        status, events, _ = await send(alice, chat["id"], prompt)
        assert status == 200
        assert "error" not in names(events), (prompt, events)
        assert first(events, "assistant_start")["model_label"] == "Offline coach"
        answer = text_of(events)
        called = [name for name, _ in coach.tool_calls()]
        assert list(dict.fromkeys(called)) == expected_tools, (prompt, called)
        assert answer.strip(), prompt
        results = coach.tool_results()
        problems = ungrounded(answer, results)
        assert not problems, (prompt, answer, problems)
        assert first(events, "done")["usage"]["input_tokens"] == 0
        print(f"\n>>> {prompt}\n{answer}")


async def test_inline_legs_priced_from_the_real_chain(
    app: FastAPI, alice: UserClient, coach: Recording
) -> None:
    quote = (await alice.get("/api/market/SPY/quote")).json()
    k = round(quote["last"] / 5) * 5  # strikes near the money are listed every dollar or five
    chat = await new_chat(alice)
    status, events, _ = await send(
        alice, chat["id"], f"analyze a {k}/{k + 10} bull call spread on spy for the monthly"
    )
    assert status == 200
    answer = text_of(events)
    calls = coach.tool_calls()
    assert [n for n, _ in calls] == ["get_expirations", "get_options_chain", "analyze_position"]
    legs = calls[-1][1]["legs"]
    assert [(leg["kind"], leg["strike"], leg["quantity"]) for leg in legs] == [
        ("call", float(k), 1), ("call", float(k + 10), -1)
    ]  # fmt: skip
    assert all(leg["entry_price"] > 0 for leg in legs)
    assert "card" in names(events)
    assert not ungrounded(answer, coach.tool_results()), answer
    assert "bull call spread" in answer.lower() or "call spread" in answer.lower(), answer
