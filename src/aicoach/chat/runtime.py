"""Build and tear down the chat's long-lived parts in the app lifespan.

``install(state)`` puts a ``ChatRuntime`` in ``state.services["chat"]`` (the model, the tool
registry, the turn manager) and the turn manager also in ``state.services["chat_turns"]``.
The model is the configured provider (``aicoach.llm.registry.build_llm``) or, when none is
configured, the offline coach — an ``LLM`` like the others, so one tool loop serves both.
"""

from __future__ import annotations

from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.service import ChatRuntime
from aicoach.chat.tools.market import register_market_tools
from aicoach.chat.tools.options import register_options_tools
from aicoach.chat.tools.registry import ToolRegistry
from aicoach.chat.turns import TurnManager
from aicoach.config import Settings
from aicoach.kit.clock import system_clock
from aicoach.llm.ports import LLM
from aicoach.llm.registry import build_llm
from aicoach.web.state import AppState

RUNTIME_KEY = "chat"
TURNS_KEY = "chat_turns"


def build_tools(settings: Settings) -> ToolRegistry:
    registry = ToolRegistry(timeout_seconds=settings.chat_tool_timeout_seconds)
    register_market_tools(registry)
    register_options_tools(registry)
    return registry


def offline_llm(state: AppState) -> LLM:
    """The offline coach, on the same clock and exchange calendar as the market data."""
    return OfflineCoach(system_clock, state.market.calendar)


def install(state: AppState, *, llm: LLM | None = None) -> ChatRuntime:
    """Build the runtime (``llm`` overrides the choice from the settings: tests, benches)."""
    configured = build_llm(state.settings)
    model = llm or configured or offline_llm(state)
    runtime = ChatRuntime(
        state=state,
        llm=model,
        tools=build_tools(state.settings),
        turns=TurnManager(),
        title_llm=llm if llm is not None and llm.name != "offline" else configured,
    )
    state.services[RUNTIME_KEY] = runtime
    state.services[TURNS_KEY] = runtime.turns
    return runtime


async def shutdown(state: AppState) -> None:
    """Stop running answers (each stores its partial text), then close the model clients."""
    runtime = state.services.get(RUNTIME_KEY)
    if not isinstance(runtime, ChatRuntime):
        return
    await runtime.turns.aclose()
    closed: set[int] = set()
    for model in (runtime.llm, runtime.title_llm):
        if model is not None and id(model) not in closed:
            closed.add(id(model))
            await model.aclose()


def runtime_of(state: AppState) -> ChatRuntime:
    runtime = state.services.get(RUNTIME_KEY)
    if not isinstance(runtime, ChatRuntime):
        raise RuntimeError("the chat runtime is not installed (see chat.runtime.install)")
    return runtime
