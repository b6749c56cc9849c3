"""Chooses the configured market-data provider (simulated, Massive, files), wraps it in the cache
and puts it behind the service. Part of the composition root, outside ``marketdata``: the
simulated market (``aicoach.simulation``) prices its chains with the options core, which reads
market data itself, so ``marketdata`` must not import the simulator (an import cycle)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer

from aicoach.config import MarketDataProviderName, Settings
from aicoach.errors import AICoachError
from aicoach.marketdata.cache import CachedMarketData, MemoryCache, RedisCache
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.marketdata.service import MarketDataService


class MarketDataConfigError(AICoachError):
    status_code = 500
    code = "market_data_misconfigured"


def build_provider(settings: Settings, calendar: MarketCalendar) -> MarketDataProvider:
    name = settings.market_data_provider
    if name is MarketDataProviderName.MASSIVE:
        from aicoach.marketdata.providers.massive import MassiveMarketData

        if settings.massive_api_key is None:
            raise MarketDataConfigError("MARKET_DATA_PROVIDER=massive needs MASSIVE_API_KEY.")
        return MassiveMarketData(
            api_key=settings.massive_api_key.get_secret_value(),
            base_url=settings.massive_base_url,
            ws_url=settings.massive_ws_url,
            realtime=settings.massive_realtime,
            calendar=calendar,
        )
    if name is MarketDataProviderName.FILES:
        from aicoach.marketdata.providers.files import FilesMarketData

        if settings.files_dir is None:
            raise MarketDataConfigError("MARKET_DATA_PROVIDER=files needs AICOACH_FILES_DIR.")
        return FilesMarketData(settings.files_dir)
    from aicoach.simulation.provider import SimulatedMarketData

    return SimulatedMarketData(seed=settings.simulated_seed, calendar=calendar)


def build_market_data(
    settings: Settings, calendar: MarketCalendar | None = None
) -> MarketDataService:
    calendar = calendar or MarketCalendar()
    provider = build_provider(settings, calendar)
    backend = RedisCache.from_url(settings.redis_url) if settings.redis_url else MemoryCache()
    cached = CachedMarketData(provider, backend, ttl_seconds=settings.cache_ttl_seconds)
    return MarketDataService(cached, calendar)


T = TypeVar("T")


def run_with_market(
    make: Callable[[MarketDataService], Coroutine[Any, Any, T]], settings: Settings
) -> T:
    """Run ``make(service)`` on a fresh service and close its provider afterwards; an
    ``AICoachError`` prints ``Error: <message>`` on stderr and exits 1."""

    async def main() -> T:
        market = build_market_data(settings)
        try:
            return await make(market)
        finally:
            await market.provider.aclose()

    try:
        return asyncio.run(main())
    except AICoachError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
