"""MarketDataService over a tiny fake provider: validation, symbols, resampling fallback,
freshness through the cache, status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from aicoach.marketdata.cache import CachedMarketData, MemoryCache
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.errors import (
    InvalidBarRangeError,
    InvalidSymbolError,
    ProviderUnavailableError,
    TimeframeNotSupportedError,
)
from aicoach.marketdata.models import (
    AssetKind,
    BarSeries,
    DataSource,
    MarketPhase,
    OptionChain,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)
from aicoach.marketdata.resample import resample
from aicoach.marketdata.service import MarketDataService, normalize_symbol

CAL = MarketCalendar()
NOW = datetime(2026, 3, 10, 15, 0, 30, tzinfo=UTC)


def minute_bars(symbol: str) -> BarSeries:
    """Every minute 04:00–20:00 ET on 2026-03-09..13 (EDT), price = minute index."""
    days = [np.datetime64(f"2026-03-{d:02d}T08:00", "ns") for d in range(9, 14)]
    t = np.concatenate([d + np.arange(16 * 60) * np.timedelta64(1, "m") for d in days])
    v = np.arange(t.shape[0], dtype=np.float64)
    return BarSeries(symbol, Timeframe.M1, t, v, v + 2, v - 2, v + 1, np.full(v.shape, 5.0),
                     DataSource.SIMULATED, NOW)  # fmt: skip


def daily_bars(symbol: str) -> BarSeries:
    days = [s.date for s in CAL.sessions_in_range(date(2025, 1, 1), date(2026, 3, 31))]
    t = np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")
    v = np.arange(t.shape[0], dtype=np.float64)
    return BarSeries(symbol, Timeframe.D1, t, v, v + 2, v - 2, v + 1, np.ones(v.shape),
                     DataSource.SIMULATED, NOW)  # fmt: skip


class FakeProvider:
    """Has 1m and 1d bars only; says which when asked for others (or not, if ``coy``)."""

    name = "fake"
    source = DataSource.SIMULATED

    def __init__(self, coy: bool = False) -> None:
        self.coy = coy
        self.calls: list[tuple[object, ...]] = []
        self.fail: Exception | None = None

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        self.calls.append(("search", query, limit))
        return [SymbolInfo("SPY", "SPDR S&P 500", AssetKind.ETF)]

    async def get_symbol(self, symbol: str) -> SymbolInfo:
        self.calls.append(("symbol", symbol))
        return SymbolInfo(symbol, symbol, AssetKind.STOCK)

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries:
        self.calls.append(("bars", symbol, timeframe, start, end))
        if self.fail is not None:
            raise self.fail
        if timeframe == Timeframe.M1:
            full = minute_bars(symbol)
        elif timeframe == Timeframe.D1:
            full = daily_bars(symbol)
        else:
            have = () if self.coy else ("1m", "1d")
            raise TimeframeNotSupportedError(symbol, timeframe.value, have, provider=self.name)
        t = full.time
        lo = int(np.searchsorted(t, np.datetime64(start.replace(tzinfo=None), "ns")))
        hi = int(np.searchsorted(t, np.datetime64(end.astimezone(UTC).replace(tzinfo=None), "ns")))
        return full.slice(lo, hi)

    async def get_quote(self, symbol: str) -> Quote:
        self.calls.append(("quote", symbol))
        if self.fail is not None:
            raise self.fail
        return Quote(symbol, 10.0, None, None, None, None, 9.0, None, None, None, None, NOW,
                     self.source)  # fmt: skip

    async def get_expirations(self, symbol: str) -> list[date]:
        self.calls.append(("expirations", symbol))
        return [date(2026, 3, 20)]

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain:
        self.calls.append(("chain", symbol, expiration))
        return OptionChain(symbol, expiration, 10.0, (), NOW, self.source)

    async def stream(self, symbols: list[str]) -> AsyncIterator[Trade]:
        for s in symbols:
            yield Trade(s, 1.0, 1.0, NOW, self.source)

    async def aclose(self) -> None:
        return None


def utc(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, d, hh, mm, tzinfo=UTC)


def service(provider: FakeProvider | CachedMarketData) -> MarketDataService:
    return MarketDataService(provider, CAL, clock=lambda: NOW)


async def test_direct_bars_and_symbol_normalisation() -> None:
    p = FakeProvider()
    got = await service(p).bars(" spy ", Timeframe.M1, utc(10, 13, 30), utc(10, 13, 35))
    assert p.calls == [("bars", "SPY", Timeframe.M1, utc(10, 13, 30), utc(10, 13, 35))]
    assert len(got.value) == 5
    assert not got.stale
    assert got.as_of == NOW


@pytest.mark.parametrize("bad", ["", "   ", "SP Y", "SPY;DROP", "A" * 21, "$SPY"])
def test_invalid_symbols(bad: str) -> None:
    with pytest.raises(InvalidSymbolError) as err:
        normalize_symbol(bad)
    assert err.value.status_code == 422


@pytest.mark.parametrize("good", ["brk.b", "BF-B", "^spx", "I:SPX", "spy"])
def test_valid_symbols(good: str) -> None:
    assert normalize_symbol(good) == good.upper()


async def test_range_validation() -> None:
    s = service(FakeProvider())
    with pytest.raises(InvalidBarRangeError, match="timezone"):
        await s.bars("SPY", Timeframe.M1, datetime(2026, 3, 10), utc(10, 14))
    with pytest.raises(InvalidBarRangeError, match="empty"):
        await s.bars("SPY", Timeframe.M1, utc(10, 14), utc(10, 14))
    with pytest.raises(InvalidBarRangeError, match="empty"):
        await s.bars("SPY", Timeframe.M1, utc(10, 15), utc(10, 14))
    with pytest.raises(InvalidBarRangeError, match="at most 30 days") as err:
        await s.bars("SPY", Timeframe.M1, utc(1, 0), utc(1, 0) + timedelta(days=31))
    assert err.value.status_code == 422
    # 30 days is fine; daily bars may span decades.
    await s.bars("SPY", Timeframe.M1, utc(1, 0), utc(1, 0) + timedelta(days=30))
    await s.bars("SPY", Timeframe.D1, datetime(2000, 1, 1, tzinfo=UTC), utc(10, 0))


async def test_bounds_rounded_up_to_whole_minutes_so_the_cache_hits() -> None:
    p = FakeProvider()
    s = service(CachedMarketData(p, MemoryCache()))
    a = await s.bars("SPY", Timeframe.M1, utc(10, 13, 30), NOW)
    b = await s.bars("SPY", Timeframe.M1, utc(10, 13, 30), NOW + timedelta(seconds=20))
    assert [c[4] for c in p.calls] == [utc(10, 15, 1)]  # one provider call, end rounded up
    assert a.value.time[-1] == np.datetime64("2026-03-10T15:00", "ns")  # the 15:00 bar is in
    assert b.value is a.value


@pytest.mark.parametrize("coy", [False, True])
@pytest.mark.parametrize("target", [Timeframe.M5, Timeframe.M30, Timeframe.H1])
async def test_resampling_fallback_matches_resampling_the_full_day(
    target: Timeframe, coy: bool
) -> None:
    p = FakeProvider(coy=coy)
    start, end = utc(10, 13, 30), utc(10, 17, 45)  # 09:30–13:45 EDT
    got = await service(p).bars("SPY", target, start, end)
    assert got.value.timeframe is target
    bar_calls = [c for c in p.calls if c[0] == "bars"]
    # Last call is the 1m source over [start, end + one target bar).
    assert bar_calls[-1][2:] == (Timeframe.M1, start, end + timedelta(minutes=target.minutes))
    if not coy:
        assert len(bar_calls) == 2  # knew at once that 1m was the source
    full = resample(minute_bars("SPY"), target, CAL)
    t = full.time
    lo = int(np.searchsorted(t, np.datetime64("2026-03-10T13:30", "ns")))
    hi = int(np.searchsorted(t, np.datetime64("2026-03-10T17:45", "ns")))
    expected = full.slice(lo, hi)
    assert len(got.value) == len(expected) > 0
    for col in ("time", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(got.value, col), getattr(expected, col))
    # The last 1h bar (13:30 EDT) is complete although end is 13:45.
    if target == Timeframe.H1:
        assert got.value.volume[-1] == 60 * 5.0


async def test_weekly_and_monthly_from_daily() -> None:
    p = FakeProvider()
    s = service(p)
    w = await s.bars("SPY", Timeframe.W1, datetime(2026, 1, 1, tzinfo=UTC), utc(10, 0))
    assert p.calls[-1][2] == Timeframe.D1
    weeks = w.value.time.astype("datetime64[D]").astype(str).tolist()
    assert weeks[0] == "2026-01-05"  # the Dec 29 week starts before `start` and is dropped
    assert weeks[-1] == "2026-03-09"
    assert w.value.volume[-1] == 5  # complete although end is Tuesday
    m = await s.bars("SPY", Timeframe.MO1, datetime(2025, 6, 1, tzinfo=UTC), utc(1, 0))
    months = m.value.time.astype("datetime64[D]").astype(str).tolist()
    assert months == ["2025-06-02", "2025-07-01", "2025-08-01", "2025-09-02", "2025-10-01",
                      "2025-11-03", "2025-12-01", "2026-01-02", "2026-02-02"]  # fmt: skip


async def test_unresampleable_reraises() -> None:
    class Only1d(FakeProvider):
        async def get_bars(self, symbol, timeframe, start, end):  # type: ignore[no-untyped-def]
            if timeframe != Timeframe.D1:
                raise TimeframeNotSupportedError(symbol, timeframe.value, ("1d",))
            return await super().get_bars(symbol, timeframe, start, end)

    with pytest.raises(TimeframeNotSupportedError, match="No 5m bars"):
        await service(Only1d()).bars("SPY", Timeframe.M5, utc(10, 13), utc(10, 14))


async def test_stale_flag_from_the_cache() -> None:
    clock = [1_000.0]
    p = FakeProvider()
    cached = CachedMarketData(p, MemoryCache(clock=lambda: clock[0]), 10.0, clock=lambda: clock[0])
    s = service(cached)
    fresh = await s.quote("spy")
    clock[0] += 20
    p.fail = ProviderUnavailableError("down", retry_after=7)
    stale = await s.quote("SPY")
    assert stale.stale
    assert stale.value == fresh.value
    assert stale.as_of == datetime.fromtimestamp(1_000.0, UTC)
    with pytest.raises(ProviderUnavailableError) as err:
        await s.quote("QQQ")
    assert err.value.headers() == {"Retry-After": "7"}
    # Resampled bars carry the source's staleness too.
    p.fail = None
    await s.bars("SPY", Timeframe.H1, utc(10, 13, 30), utc(10, 15, 30))
    clock[0] += 60
    p.fail = ProviderUnavailableError("down")
    again = await s.bars("SPY", Timeframe.H1, utc(10, 13, 30), utc(10, 15, 30))
    assert again.stale
    assert len(again.value) == 2


async def test_quote_symbol_search_options_and_status() -> None:
    p = FakeProvider()
    s = service(p)
    assert (await s.quote(" aapl ")).value.symbol == "AAPL"
    assert (await s.symbol("msft")).value.symbol == "MSFT"
    assert await s.search("   ") == []
    assert [i.symbol for i in await s.search(" sp ", limit=500)] == ["SPY"]
    assert p.calls[-1] == ("search", "sp", 50)
    assert (await s.expirations("spy")).value == [date(2026, 3, 20)]
    assert (await s.chain("spy", date(2026, 3, 20))).value.underlying == "SPY"
    st = s.status()
    assert st.now == NOW
    assert st.phase is MarketPhase.REGULAR
    assert s.status(utc(7, 15)).phase is MarketPhase.CLOSED  # Saturday
    assert s.source == "simulated"
    cached = service(CachedMarketData(p, MemoryCache()))
    assert [i.symbol for i in await cached.search("sp")] == ["SPY"]
    assert (await cached.expirations("spy")).value == [date(2026, 3, 20)]
    assert (await cached.chain("spy", date(2026, 3, 20))).value.underlying == "SPY"
    assert (await cached.symbol("spy")).value.symbol == "SPY"
