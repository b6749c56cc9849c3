"""What routes and the coach call for market data: a thin layer over a provider and the calendar.

It normalises symbols (strip, upper-case, a conservative ticker pattern), validates bar ranges,
resamples when the provider lacks a timeframe, and reports freshness: data calls return
``Fetched(value, stale, as_of)``. ``stale`` is only ever true behind a ``CachedMarketData`` (the
provider failed and the last good answer was served); a route shows it as a badge, and an error
with nothing cached propagates as the provider's 503 + Retry-After.

Bar ranges: ``start``/``end`` are timezone-aware, ``start < end``, ``end`` exclusive, and bars
are those whose *open* time lies in ``[start, end)``. Both bounds are rounded up to the whole
minute (intraday) or the whole UTC day (daily and coarser) — bar times are whole minutes/days, so
this changes no answer and lets a cache reuse ``end=now`` requests within the minute. Maximum
spans per timeframe are in ``MAX_SPAN``.

Resampling fallback: when the provider raises ``TimeframeNotSupportedError``, the service takes
the coarsest finer timeframe the provider has that divides the target (cheapest, and exact),
fetches ``[start, end + one target bar)`` and aggregates with ``resample.resample``; only output
bars that open inside ``[start, end)`` are kept, so each is complete.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Final, TypeVar

import numpy as np

from aicoach.kit.words import count
from aicoach.marketdata.cache import CachedMarketData, Fetched
from aicoach.marketdata.calendar import MarketCalendar, MarketStatus
from aicoach.marketdata.errors import (
    InvalidBarRangeError,
    InvalidSymbolError,
    TimeframeNotSupportedError,
)
from aicoach.marketdata.models import BarSeries, OptionChain, Quote, SymbolInfo, Timeframe
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.marketdata.resample import ORDER, can_resample, resample

T = TypeVar("T")

#: Ticker symbols: letters/digits plus ``. - / : ^`` (BRK.B, BF-B, ^SPX, I:SPX), ≤ 20 chars.
SYMBOL_RE: Final = re.compile(r"^[A-Z0-9^][A-Z0-9.\-/:^]{0,19}$")

#: Longest range one bar request may span, per timeframe.
MAX_SPAN: Final[dict[Timeframe, timedelta]] = {
    Timeframe.M1: timedelta(days=30),
    Timeframe.M5: timedelta(days=90),
    Timeframe.M15: timedelta(days=180),
    Timeframe.M30: timedelta(days=366),
    Timeframe.H1: timedelta(days=2 * 366),
    Timeframe.D1: timedelta(days=50 * 366),
    Timeframe.W1: timedelta(days=100 * 366),
    Timeframe.MO1: timedelta(days=100 * 366),
}
#: How far past ``end`` a resampling source is fetched so the last output bar is complete.
_SOURCE_OVERHANG: Final[dict[Timeframe, timedelta]] = {
    Timeframe.D1: timedelta(days=1),
    Timeframe.W1: timedelta(days=8),
    Timeframe.MO1: timedelta(days=32),
}
MAX_SEARCH_LIMIT: Final = 50


def _now() -> datetime:
    return datetime.now(UTC)


def normalize_symbol(symbol: str) -> str:
    """``" spy "`` → ``"SPY"``; ``InvalidSymbolError`` (422) for anything not ticker-shaped."""
    sym = symbol.strip().upper()
    if not SYMBOL_RE.fullmatch(sym):
        raise InvalidSymbolError(f"'{symbol.strip()[:40]}' is not a valid ticker symbol.")
    return sym


def _ceil(at: datetime, step: timedelta) -> datetime:
    """Round an aware datetime up to a multiple of ``step`` since the epoch (UTC)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    n = -(-(at - epoch) // step)  # integer ceiling division of timedeltas
    return epoch + n * step


class MarketDataService:
    """The one entry point to market data for routes, jobs and the coach's tools."""

    def __init__(
        self,
        provider: MarketDataProvider,
        calendar: MarketCalendar,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.provider = provider
        self.calendar = calendar
        self._cached = provider if isinstance(provider, CachedMarketData) else None
        self._clock = clock

    @property
    def source(self) -> str:
        return self.provider.source.value

    # --- freshness-reporting fetches -----------------------------------------------------------

    async def _plain(self, call: Awaitable[T]) -> Fetched[T]:
        value = await call
        return Fetched(value, False, self._clock())

    async def _bars_raw(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> Fetched[BarSeries]:
        if self._cached is not None:
            return await self._cached.fetch_bars(symbol, timeframe, start, end)
        return await self._plain(self.provider.get_bars(symbol, timeframe, start, end))

    # --- the API -------------------------------------------------------------------------------

    def validate_range(
        self, timeframe: Timeframe, start: datetime, end: datetime
    ) -> tuple[datetime, datetime]:
        """Check and round a bar range (see module docstring); returns the rounded bounds."""
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidBarRangeError("start and end must include a timezone offset.")
        step = timedelta(minutes=1) if timeframe.is_intraday else timedelta(days=1)
        start, end = _ceil(start, step), _ceil(end, step)
        if start >= end:
            raise InvalidBarRangeError(
                f"The range is empty: start {start.isoformat()} must be before end "
                f"{end.isoformat()} (whole {'minutes' if timeframe.is_intraday else 'days'})."
            )
        limit = MAX_SPAN[timeframe]
        if end - start > limit:
            raise InvalidBarRangeError(
                f"{timeframe.value} bars can be requested for at most "
                f"{count(limit.days, 'day')} at a time; this range spans "
                f"{count((end - start).days, 'day')}."
            )
        return start, end

    async def bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> Fetched[BarSeries]:
        """Bars opening in ``[start, end)``, resampled from a finer timeframe if need be."""
        sym = normalize_symbol(symbol)
        start, end = self.validate_range(timeframe, start, end)
        try:
            return await self._bars_raw(sym, timeframe, start, end)
        except TimeframeNotSupportedError as exc:
            return await self._resampled(sym, timeframe, start, end, exc)

    async def _resampled(
        self,
        symbol: str,
        target: Timeframe,
        start: datetime,
        end: datetime,
        missing: TimeframeNotSupportedError,
    ) -> Fetched[BarSeries]:
        finer = [tf for tf in ORDER[: ORDER.index(target)] if can_resample(tf, target)]
        if missing.available:
            known = {tf.value: tf for tf in ORDER}
            have = {known[v] for v in missing.available if v in known}
            finer = [tf for tf in finer if tf in have]
        overhang = (
            timedelta(minutes=target.minutes) if target.is_intraday else _SOURCE_OVERHANG[target]
        )
        for source in reversed(finer):  # coarsest usable source first: fewest bars to move
            try:
                got = await self._bars_raw(symbol, source, start, end + overhang)
            except TimeframeNotSupportedError:
                continue
            out = resample(got.value, target, self.calendar)
            t = out.time.astype("datetime64[ns]")
            lo = int(np.searchsorted(t, _np_ns(start), side="left"))
            hi = int(np.searchsorted(t, _np_ns(end), side="left"))
            return Fetched(out.slice(lo, hi), got.stale, got.as_of)
        raise missing

    async def quote(self, symbol: str) -> Fetched[Quote]:
        sym = normalize_symbol(symbol)
        if self._cached is not None:
            return await self._cached.fetch_quote(sym)
        return await self._plain(self.provider.get_quote(sym))

    async def symbol(self, symbol: str) -> Fetched[SymbolInfo]:
        sym = normalize_symbol(symbol)
        if self._cached is not None:
            return await self._cached.fetch_symbol(sym)
        return await self._plain(self.provider.get_symbol(sym))

    async def search(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        """Symbols matching ``query`` (blank → none); ``limit`` clamped to 1..50."""
        q = query.strip()[:40]
        if not q:
            return []
        limit = max(1, min(MAX_SEARCH_LIMIT, limit))
        if self._cached is not None:
            return (await self._cached.fetch_search(q, limit)).value
        return await self.provider.search_symbols(q, limit)

    async def expirations(self, symbol: str) -> Fetched[list[date]]:
        sym = normalize_symbol(symbol)
        if self._cached is not None:
            return await self._cached.fetch_expirations(sym)
        return await self._plain(self.provider.get_expirations(sym))

    async def chain(self, symbol: str, expiration: date) -> Fetched[OptionChain]:
        sym = normalize_symbol(symbol)
        if self._cached is not None:
            return await self._cached.fetch_chain(sym, expiration)
        return await self._plain(self.provider.get_chain(sym, expiration))

    def status(self, now: datetime | None = None) -> MarketStatus:
        """Market phase, today's session and the next open/close at ``now`` (default: clock)."""
        return self.calendar.status(now if now is not None else self._clock())


def _np_ns(at: datetime) -> np.datetime64:
    return np.datetime64(at.astimezone(UTC).replace(tzinfo=None), "ns")
