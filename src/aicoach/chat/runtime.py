"""Build and tear down the chat's long-lived parts (called by the composition root).

The model is the configured provider (``aicoach.llm.registry.build_llm``) or, when none is
configured, the offline coach — an ``LLM`` like the others, so one tool loop serves both. The
tools and the offline skills are the ones the slices' manifests plug in; the chat's own
fallback skill answers what no skill claims.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aicoach.chat.offline import skills as chat_skills
from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.offline.request import Request
from aicoach.chat.service import ChatParts, ChatRuntime
from aicoach.chat.stops import stop_relay
from aicoach.chat.turns import TurnManager
from aicoach.coach.skills import Skill, SkillRegistry
from aicoach.coach.tools import ToolRegistry
from aicoach.kit.clock import Clock
from aicoach.llm.ports import LLM


def build_skills(skills: Sequence[Skill[Request, Any]]) -> SkillRegistry[Request]:
    return SkillRegistry(skills, fallback=chat_skills.FALLBACK)


def build_chat(
    deps: ChatParts,
    *,
    llm: LLM | None,
    tools: Sequence[Callable[..., Any]],
    skills: Sequence[Skill[Request, Any]],
    clock: Clock,
) -> ChatRuntime:
    """The runtime: ``llm`` is the configured (or injected) model, ``None`` for the offline
    coach, which runs on the same clock and exchange calendar as the market data."""
    model = llm or OfflineCoach(build_skills(skills), clock, deps.market.calendar)
    return ChatRuntime(
        deps=deps,
        llm=model,
        tools=ToolRegistry.of(tools, timeout_seconds=deps.settings.chat_tool_timeout_seconds),
        turns=TurnManager(),
        # Titles come from a real model only; offline they are heuristic.
        title_llm=model if model.name != "offline" else None,
        stops=stop_relay(deps.settings.redis_url),
    )


async def shutdown(runtime: ChatRuntime) -> None:
    """Stop running answers (each stores its partial text). The models belong to the container,
    which closes them after this."""
    await runtime.turns.aclose()
