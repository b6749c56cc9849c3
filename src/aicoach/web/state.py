"""The typed application state built once in ``lifespan`` and handed out by dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aicoach.config import Settings
from aicoach.web.tabs import TabRegistry

if TYPE_CHECKING:
    from aicoach.accounts.service import LoginThrottler
    from aicoach.jobs.queue import JobQueue
    from aicoach.levels.service import LevelsService
    from aicoach.marketdata.service import MarketDataService


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    throttler: LoginThrottler
    jobs: JobQueue
    tabs: TabRegistry
    market: MarketDataService
    levels: LevelsService
    # Slices add their long-lived clients here (market data, LLM, ...), built in lifespan.
    services: dict[str, Any] = field(default_factory=dict)
