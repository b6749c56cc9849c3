"""Build and tear down the chat's long-lived parts in the app lifespan.

``install(state)`` puts a ``ChatRuntime`` in ``state.services["chat"]`` (the model, the tool
registry, the turn manager) and the turn manager also in ``state.services["chat_turns"]``.
The model is the configured provider (``aicoach.llm.registry.build_llm``) or, when none is
configured, the offline coach — an ``LLM`` like the others, so one tool loop serves both.

The tools and the offline skills are the slices' ``TOOLS``/``SKILLS`` lists, plus the chat's
own general skills. (The composition root will hand these in from the slices' manifests.)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aicoach.chat.offline import skills as chat_skills
from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.offline.request import Request
from aicoach.chat.service import ChatRuntime
from aicoach.chat.turns import TurnManager
from aicoach.coach.skills import SkillRegistry
from aicoach.coach.tools import ToolRegistry
from aicoach.config import Settings
from aicoach.kit.clock import system_clock
from aicoach.levels import skills as levels_skills
from aicoach.levels import tools as levels_tools
from aicoach.levels.service import LevelsService
from aicoach.levels.tools import LevelsToolDeps
from aicoach.llm.ports import LLM
from aicoach.llm.registry import build_llm
from aicoach.marketdata import skills as market_skills
from aicoach.marketdata import tools as market_tools
from aicoach.marketdata.service import MarketDataService
from aicoach.marketdata.tools import MarketToolDeps
from aicoach.options import skills as options_skills
from aicoach.options import tools as options_tools
from aicoach.options.chain import ChainService
from aicoach.options.deps import get_chain_service
from aicoach.options.service import AnalysisService
from aicoach.options.tools import OptionsToolDeps
from aicoach.positions import skills as positions_skills
from aicoach.positions import tools as positions_tools
from aicoach.positions.tools import PositionsToolDeps
from aicoach.web.state import AppState

RUNTIME_KEY = "chat"
TURNS_KEY = "chat_turns"

TOOLS = (*levels_tools.TOOLS, *market_tools.TOOLS, *options_tools.TOOLS, *positions_tools.TOOLS)
SKILLS = (
    *levels_skills.SKILLS,
    *market_skills.SKILLS,
    *options_skills.SKILLS,
    *positions_skills.SKILLS,
    *chat_skills.SKILLS,
)


@dataclass(frozen=True, slots=True)
class StateDeps:
    """TEMPORARY stand-in for ``aicoach.container.Container`` (same attribute names), built
    from the ``AppState`` until the container lands; then ``install`` takes the container."""

    settings: Settings
    market: MarketDataService
    levels: LevelsService
    chains: ChainService
    analysis: AnalysisService
    sessions: async_sessionmaker[AsyncSession]
    engine: AsyncEngine

    @classmethod
    def of(cls, state: AppState) -> StateDeps:
        chains = get_chain_service(state)
        analysis = AnalysisService(
            state.market, chains, state.levels, state.settings.risk_free_rate
        )
        return cls(state.settings, state.market, state.levels, chains, analysis,
                   state.sessions, state.engine)  # fmt: skip


def _serves_every_slice(
    deps: StateDeps,
) -> tuple[LevelsToolDeps, MarketToolDeps, OptionsToolDeps, PositionsToolDeps]:
    """Never called: mypy checks here that the deps satisfy each slice's tool protocol (tools
    are registered untyped, so nothing else would catch a missing service)."""
    return deps, deps, deps, deps


def build_tools(settings: Settings) -> ToolRegistry:
    return ToolRegistry.of(TOOLS, timeout_seconds=settings.chat_tool_timeout_seconds)


def build_skills() -> SkillRegistry[Request]:
    return SkillRegistry(SKILLS, fallback=chat_skills.FALLBACK)


def offline_llm(state: AppState) -> LLM:
    """The offline coach, on the same clock and exchange calendar as the market data."""
    return OfflineCoach(build_skills(), system_clock, state.market.calendar)


def install(state: AppState, *, llm: LLM | None = None) -> ChatRuntime:
    """Build the runtime (``llm`` overrides the choice from the settings: tests, benches)."""
    configured = build_llm(state.settings)
    model = llm or configured or offline_llm(state)
    runtime = ChatRuntime(
        state=state,
        deps=StateDeps.of(state),
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
