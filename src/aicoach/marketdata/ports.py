"""The market-data port. Adapters: ``aicoach.simulation.provider`` (default),
``providers/massive.py``, ``providers/files.py``; the cache in ``cache.py`` wraps any of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from aicoach.marketdata.models import (
    BarSeries,
    DataSource,
    OptionChain,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)


@runtime_checkable
class MarketDataProvider(Protocol):
    """What the rest of the app may ask of market data.

    Every method raises from ``aicoach.marketdata.errors`` only: ``SymbolNotFoundError`` for an
    unknown symbol, ``ProviderError`` subclasses (503 + Retry-After) when the vendor fails.
    ``start``/``end`` are timezone-aware; ``end`` is exclusive.
    """

    name: str
    source: DataSource

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]: ...

    async def get_symbol(self, symbol: str) -> SymbolInfo: ...

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries: ...

    async def get_quote(self, symbol: str) -> Quote: ...

    async def get_expirations(self, symbol: str) -> list[date]: ...

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain: ...

    def stream(self, symbols: list[str]) -> AsyncIterator[Trade]: ...

    async def aclose(self) -> None: ...
