"""Build and tear down the chat's long-lived parts (called by the composition root).

The model is the configured provider (``aicoach.llm.registry.build_llm``) or, when none is
configured, the offline coach — an ``LLM`` like the others, so one tool loop serves both. The
tools are the ones the slices' manifests plug in.
"""

from __future__ import annotations

from collections.abc import Sequence

from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.service import ChatParts, ChatRuntime
from aicoach.chat.tools.registry import ToolFn, ToolRegistry
from aicoach.chat.turns import TurnManager
from aicoach.kit.clock import Clock
from aicoach.llm.ports import LLM


def build_tools(tools: Sequence[ToolFn], *, timeout_seconds: float) -> ToolRegistry:
    registry = ToolRegistry(timeout_seconds=timeout_seconds)
    for tool in tools:
        registry.register(tool)
    return registry


def build_chat(
    deps: ChatParts, *, llm: LLM | None, tools: Sequence[ToolFn], clock: Clock
) -> ChatRuntime:
    """The runtime: ``llm`` is the configured (or injected) model, ``None`` for the offline
    coach, which runs on the same clock and exchange calendar as the market data."""
    model = llm or OfflineCoach(clock, deps.market.calendar)
    return ChatRuntime(
        deps=deps,
        llm=model,
        tools=build_tools(tools, timeout_seconds=deps.settings.chat_tool_timeout_seconds),
        turns=TurnManager(),
        # Titles come from a real model only; offline they are heuristic.
        title_llm=model if model.name != "offline" else None,
    )


async def shutdown(runtime: ChatRuntime) -> None:
    """Stop running answers (each stores its partial text). The models belong to the container,
    which closes them after this."""
    await runtime.turns.aclose()
