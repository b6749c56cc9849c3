"""The composition root: one typed :class:`Container` of the app's long-lived parts.

``build_container(settings, slices=..., overrides=...)`` is the one place that builds the
database engine, the job queue and its outbox, the market data, the levels/chain/analysis
services, the coach's model and registries — for ``serve`` (the app's lifespan), the job worker,
the CLI and the tests.
Tests inject fakes through :class:`Overrides`, never by mutating a built container.

Slices are handed in as manifests (``aicoach.plugin.Manifest``, listed once in
``aicoach.main.SLICES``); the registries here are filled from them and import no slice.
Building does no I/O (engines connect lazily); :meth:`Container.aclose` releases what it built.

The container is also what the coach's tools and the jobs receive as their dependencies: each
declares a narrow ``Protocol`` of what it reads (``market``, ``levels`` ...), which this class
satisfies structurally, so a tool cannot reach past what its protocol names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aicoach.accounts.service import LoginThrottler
from aicoach.chat import runtime as chat_runtime
from aicoach.chat.service import ChatRuntime
from aicoach.coach.skills import Skill
from aicoach.config import Settings
from aicoach.db import create_engine, session_factory
from aicoach.kit.clock import Clock, system_clock
from aicoach.levels.service import LevelsService
from aicoach.levels.tools import LevelsToolDeps
from aicoach.llm.metered import MeteredLLM
from aicoach.llm.ports import LLM
from aicoach.llm.pricing import estimate_cost_usd
from aicoach.llm.registry import build_llm
from aicoach.market_providers import build_market_data
from aicoach.marketdata.service import MarketDataService
from aicoach.marketdata.tools import MarketToolDeps
from aicoach.options.chain import ChainService
from aicoach.options.ports import SavedLegs
from aicoach.options.service import AnalysisService
from aicoach.options.tools import OptionsToolDeps
from aicoach.plugin import CardSpec, Manifest, Tab
from aicoach.positions.service import PositionLegs
from aicoach.positions.tools import PositionsToolDeps
from aicoach.worker import outbox
from aicoach.worker.jobs import JobQueue, JobSpec, build_queue
from aicoach.worker.outbox import Outbox
from aicoach.worker.processes import ProcessSpec


@dataclass(frozen=True, slots=True)
class Overrides:
    """Parts a test, bench or CLI supplies instead of the configured ones (``None``: build)."""

    market: MarketDataService | None = None
    llm: LLM | None = None
    clock: Clock | None = None
    jobs: JobQueue | None = None


@dataclass(frozen=True, slots=True)
class Registries:
    """What the slices plugged in, in slice-list order (tabs sorted by their ``order``)."""

    manifests: tuple[Manifest, ...]
    tabs: tuple[Tab, ...]
    cards: tuple[CardSpec, ...]
    scripts: tuple[str, ...]
    jobs: tuple[JobSpec, ...]
    processes: tuple[ProcessSpec, ...]
    tools: tuple[Any, ...]
    #: Slices that carry their own browser files: name → folder (served at /static/js/<name>/).
    assets: dict[str, Path]
    skills: tuple[Skill[Any, Any], ...]

    @classmethod
    def of(cls, slices: Sequence[Manifest]) -> Registries:
        names = [m.name for m in slices]
        if len(set(names)) != len(names):
            raise ValueError(f"a slice is listed twice: {names}")
        _unique("tab", [t.id for m in slices for t in m.tabs])
        _unique("card type", [c.type for m in slices for c in m.cards])
        _unique("job", [j.name for m in slices for j in m.jobs])
        _unique("process", [p.name for m in slices for p in m.processes])
        return cls(
            manifests=tuple(slices),
            tabs=tuple(sorted((t for m in slices for t in m.tabs), key=lambda t: (t.order, t.id))),
            cards=tuple(c for m in slices for c in m.cards),
            scripts=tuple(s for m in slices for s in m.scripts),
            jobs=tuple(j for m in slices for j in m.jobs),
            processes=tuple(p for m in slices for p in m.processes),
            tools=tuple(t for m in slices for t in m.tools),
            skills=tuple(s for m in slices for s in m.skills),
            assets={m.name: m.assets for m in slices if m.assets is not None},
        )


def _unique(what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {key!r} is registered by two slices")
        seen.add(key)


@dataclass
class Container:
    """The app's long-lived parts (see the module docstring). Built by :func:`build_container`."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    jobs: JobQueue
    #: Where a change writes the jobs it causes, in its own transaction (``aicoach.worker.outbox``).
    outbox: Outbox
    market: MarketDataService
    levels: LevelsService
    chains: ChainService
    analysis: AnalysisService
    throttler: LoginThrottler
    #: The options slice's port onto the trader's saved legs (adapter: the positions slice).
    saved_legs: SavedLegs
    #: The configured model provider; ``None`` runs the offline coach.
    llm: LLM | None
    registries: Registries
    #: The coach: model, tools, running turns (built last: its tools read this container).
    chat: ChatRuntime = field(init=False)

    async def aclose(self) -> None:
        """Stop running answers first (each stores its partial text: it needs the engine)."""
        await chat_runtime.shutdown(self.chat)
        if self.llm is not None:
            await self.llm.aclose()
        await self.market.provider.aclose()
        await self.engine.dispose()


def build_container(
    settings: Settings, *, slices: Sequence[Manifest], overrides: Overrides | None = None
) -> Container:
    """Build every long-lived part from ``settings`` (see the module docstring)."""
    over = overrides or Overrides()
    registries = Registries.of(slices)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    market = over.market or build_market_data(settings)
    levels = LevelsService(market)
    chains = ChainService(market, settings.risk_free_rate)
    jobs = over.jobs or build_queue(settings, (*registries.jobs, *outbox.JOBS))
    container = Container(
        settings=settings,
        clock=over.clock or system_clock,
        engine=engine,
        sessions=sessions,
        jobs=jobs,
        outbox=Outbox(jobs.on_demand),
        market=market,
        levels=levels,
        chains=chains,
        analysis=AnalysisService(market, chains, levels, settings.risk_free_rate),
        throttler=LoginThrottler(settings),
        saved_legs=PositionLegs(),
        llm=_metered(over.llm if over.llm is not None else build_llm(settings), settings),
        registries=registries,
    )
    container.chat = chat_runtime.build_chat(
        container,
        llm=container.llm,
        tools=registries.tools,
        skills=registries.skills,
        clock=container.clock,
    )
    return container


def _serves_every_slice(
    c: Container,
) -> tuple[LevelsToolDeps, MarketToolDeps, OptionsToolDeps, PositionsToolDeps]:
    """Never called: mypy checks here that the container satisfies each slice's tool protocol
    (tools are registered from the manifests untyped, so nothing else would catch a missing
    service)."""
    return c, c, c, c


def _metered(llm: LLM | None, settings: Settings) -> LLM | None:
    """The model with its Prometheus metrics (``aicoach.llm.metered``)."""
    if llm is None:
        return None
    return MeteredLLM(llm, lambda model, usage: estimate_cost_usd(model, usage, settings))
