"""CachedMarketData over memory and the real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import pickle
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
import redis.asyncio as redis_asyncio

from aicoach.marketdata import cache as cache_mod
from aicoach.marketdata.cache import (
    CachedMarketData,
    CacheEntry,
    MemoryCache,
    RedisCache,
    cache_key,
)
from aicoach.marketdata.errors import (
    ProviderRateLimitedError,
    ProviderUnavailableError,
    SymbolNotFoundError,
    TimeframeNotSupportedError,
)
from aicoach.marketdata.models import (
    AssetKind,
    BarSeries,
    DataSource,
    OptionChain,
    OptionQuote,
    OptionRight,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.observability.metrics import REGISTRY
from tests.helpers.wait import wait_until

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class FakeProvider:
    """Counts calls; ``fail`` makes every call raise it until cleared; while ``hold`` is an
    unset event, every call waits inside the provider for it."""

    name = "fake"
    source = DataSource.DELAYED

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.fail: Exception | None = None
        self.version = 0
        self.delay = 0.0
        self.hold: asyncio.Event | None = None
        self.closed = False

    async def _enter(self, op: str) -> None:
        self.calls[op] = self.calls.get(op, 0) + 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold is not None:
            await self.hold.wait()
        if self.fail is not None:
            raise self.fail

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        await self._enter("search")
        return [SymbolInfo("SPY", "SPDR S&P 500", AssetKind.ETF, 0.013, 1.0)][:limit]

    async def get_symbol(self, symbol: str) -> SymbolInfo:
        await self._enter("symbol")
        if symbol == "NOPE":
            raise SymbolNotFoundError(symbol)
        return SymbolInfo(symbol, symbol, AssetKind.STOCK)

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries:
        await self._enter("bars")
        n = 50
        t = np.datetime64("2026-03-10T13:30", "ns") + np.arange(n) * np.timedelta64(1, "m")
        v = np.linspace(100, 101, n) + self.version
        return BarSeries(symbol, timeframe, t, v, v + 1, v - 1, v, np.full(n, 10.0),
                         self.source, T0)  # fmt: skip

    async def get_quote(self, symbol: str) -> Quote:
        await self._enter("quote")
        return Quote(symbol, 100.0 + self.version, 99.9, 100.1, 1, 2, 99.0, 99.5, 101, 98, 1e6,
                     T0, self.source)  # fmt: skip

    async def get_expirations(self, symbol: str) -> list[date]:
        await self._enter("expirations")
        return [date(2026, 3, 20), date(2026, 4, 17)]

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain:
        await self._enter("chain")
        c = OptionQuote("SPY260320C00500000", symbol, expiration, 500.0, OptionRight.CALL,
                        1.0, 1.1, 1.05, 10, 100, iv=0.2, delta=0.5)  # fmt: skip
        return OptionChain(symbol, expiration, 501.0, (c,), T0, self.source, 0.013)

    async def stream(self, symbols: list[str]) -> AsyncIterator[Trade]:
        for s in symbols:
            yield Trade(s, 1.0, 1.0, T0, self.source)

    async def aclose(self) -> None:
        self.closed = True


def sample(op: str, result: str) -> float:
    v = REGISTRY.get_sample_value(
        "aicoach_marketdata_cache_requests_total", {"op": op, "result": result}
    )
    return v or 0.0


@pytest.fixture
async def redis_backend() -> AsyncIterator[RedisCache]:
    client = redis_asyncio.Redis(host="127.0.0.1", port=6379)
    prefix = f"test:md:{uuid.uuid4().hex}:"
    yield RedisCache(client, prefix)
    keys = [k async for k in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()  # type: ignore[attr-defined]  # types-redis predates aclose


def make(
    backend: MemoryCache | RedisCache | None = None, clock: Clock | None = None, **kw: Any
) -> tuple[CachedMarketData, FakeProvider]:
    p = FakeProvider()
    clock = clock or Clock()
    return CachedMarketData(p, backend or MemoryCache(clock=clock), 30.0, clock=clock, **kw), p


async def test_is_a_market_data_provider() -> None:
    cached, _ = make()
    assert isinstance(cached, MarketDataProvider)
    assert cached.name == "fake"
    assert cached.source is DataSource.DELAYED


async def test_hit_then_miss_after_ttl_memory() -> None:
    clock = Clock()
    cached, p = make(clock=clock)
    before = (sample("bars", "hit"), sample("bars", "miss"))
    a = await cached.fetch_bars("SPY", Timeframe.M1, T0, T0)
    b = await cached.fetch_bars("SPY", Timeframe.M1, T0, T0)
    assert p.calls["bars"] == 1
    assert b.value is a.value
    assert not b.stale
    assert b.as_of == datetime.fromtimestamp(clock.t, UTC)
    assert (sample("bars", "hit") - before[0], sample("bars", "miss") - before[1]) == (1, 1)
    clock.t += 31
    p.version = 1
    c = await cached.fetch_bars("SPY", Timeframe.M1, T0, T0)
    assert p.calls["bars"] == 2
    assert c.value.close[0] == 101.0
    assert not c.stale
    # Other arguments are other keys.
    await cached.get_bars("SPY", Timeframe.M5, T0, T0)
    await cached.get_bars("QQQ", Timeframe.M1, T0, T0)
    assert p.calls["bars"] == 4


async def test_per_op_ttls() -> None:
    clock = Clock()
    cached, p = make(clock=clock, op_ttl_seconds={"quote": 1.0})
    await cached.get_quote("SPY")
    await cached.get_symbol("SPY")
    clock.t += 5
    await cached.get_quote("SPY")
    await cached.get_symbol("SPY")
    assert p.calls == {"quote": 2, "symbol": 1}  # quotes expire fast, symbols last a day
    assert cached.ttl_for("bars") == 30.0
    assert cached.ttl_for("symbol") == 86_400.0


async def test_stale_on_provider_error_then_recovers() -> None:
    clock = Clock()
    cached, p = make(clock=clock, stale_ttl_seconds=600)
    first = await cached.fetch_quote("SPY")
    clock.t += 60
    p.fail = ProviderUnavailableError("vendor down", retry_after=5)
    stale_before = sample("quote", "stale")
    got = await cached.fetch_quote("SPY")
    assert got.stale
    assert got.value == first.value
    assert got.as_of == first.as_of
    assert sample("quote", "stale") - stale_before == 1
    # Still stale on the next call (the provider is asked again each time).
    assert (await cached.fetch_quote("SPY")).stale
    assert p.calls["quote"] == 3
    p.fail = None
    p.version = 2
    fresh = await cached.fetch_quote("SPY")
    assert not fresh.stale
    assert fresh.value.last == 102.0


async def test_error_without_cached_value_reraises() -> None:
    cached, p = make()
    p.fail = ProviderRateLimitedError("slow down", retry_after=12)
    with pytest.raises(ProviderRateLimitedError) as info:
        await cached.get_chain("SPY", date(2026, 3, 20))
    assert info.value.retry_after == 12
    assert info.value.status_code == 503


async def test_error_after_stale_ttl_reraises() -> None:
    clock = Clock()
    cached, p = make(clock=clock, stale_ttl_seconds=120)
    await cached.get_expirations("SPY")  # expirations TTL 900 s > stale TTL → kept 900 s
    clock.t += 901
    p.fail = ProviderUnavailableError("down")
    with pytest.raises(ProviderUnavailableError):
        await cached.get_expirations("SPY")


async def test_non_provider_errors_pass_through_and_are_not_cached() -> None:
    clock = Clock()
    cached, p = make(clock=clock)
    await cached.get_symbol("SPY")
    with pytest.raises(SymbolNotFoundError):
        await cached.get_symbol("NOPE")
    with pytest.raises(SymbolNotFoundError):
        await cached.get_symbol("NOPE")
    assert p.calls["symbol"] == 3


async def test_concurrent_misses_share_one_call() -> None:
    cached, p = make()
    p.delay = 0.05
    results = await asyncio.gather(
        *(cached.fetch_bars("SPY", Timeframe.H1, T0, T0) for _ in range(8))
    )
    assert p.calls["bars"] == 1
    assert all(r.value is results[0].value for r in results)
    # Concurrent failures: every waiter sees the error, still one call.
    p.fail = ProviderUnavailableError("down")
    outcomes = await asyncio.gather(
        *(cached.get_quote("QQQ") for _ in range(4)), return_exceptions=True
    )
    assert all(isinstance(o, ProviderUnavailableError) for o in outcomes)
    assert p.calls["quote"] == 1


async def test_memory_lru_bound_and_expiry() -> None:
    clock = Clock()
    m = MemoryCache(max_entries=2, clock=clock)
    for k in "abc":
        await m.set(k, CacheEntry(k, clock.t), 10)
    assert len(m) == 2
    assert await m.get("a") is None
    await m.get("b")  # b is now most recent
    await m.set("d", CacheEntry("d", clock.t), 10)
    assert await m.get("c") is None
    assert (await m.get("b")) is not None
    clock.t += 10
    assert await m.get("b") is None
    with pytest.raises(ValueError):
        MemoryCache(max_entries=0)


async def test_stream_passes_through_and_aclose_closes_provider() -> None:
    cached, p = make()
    got = [t.symbol async for t in cached.stream(["A", "B"])]
    assert got == ["A", "B"]
    await cached.aclose()
    assert p.closed


def test_counter_lives_on_the_apps_metrics_registry() -> None:
    assert REGISTRY._names_to_collectors["aicoach_marketdata_cache_requests_total"] is (
        cache_mod.CACHE_REQUESTS
    )


def test_cache_keys_are_stable_and_bounded() -> None:
    k1 = cache_key("bars", "SPY", "1m", T0, T0)
    assert k1 == cache_key("bars", "SPY", "1m", T0.astimezone(UTC), T0)
    assert k1 != cache_key("bars", "SPY", "5m", T0, T0)
    assert len(cache_key("search", "x" * 1000, 20)) < 80


# --- Redis -------------------------------------------------------------------------------------


async def test_redis_round_trip_of_every_payload(redis_backend: RedisCache) -> None:
    clock = Clock()
    cached, _p = make(redis_backend, clock)
    bars = await cached.get_bars("SPY", Timeframe.M1, T0, T0)
    chain = await cached.get_chain("SPY", date(2026, 3, 20))
    exps = await cached.get_expirations("SPY")
    found = await cached.search_symbols("sp")
    quote = await cached.get_quote("SPY")
    # A second CachedMarketData on the same Redis (another app instance) reads them back.
    other, p2 = make(redis_backend, clock)
    bars2 = await other.get_bars("SPY", Timeframe.M1, T0, T0)
    assert p2.calls == {}
    for col in ("time", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(bars2, col), getattr(bars, col))
    assert bars2.time.dtype == np.dtype("datetime64[ns]")
    assert (bars2.symbol, bars2.timeframe, bars2.source, bars2.as_of) == (
        "SPY", Timeframe.M1, DataSource.DELAYED, T0,
    )  # fmt: skip
    assert await other.get_chain("SPY", date(2026, 3, 20)) == chain
    assert await other.get_expirations("SPY") == exps
    assert await other.search_symbols("sp") == found
    assert await other.get_quote("SPY") == quote
    assert p2.calls == {}


async def test_redis_keys_have_prefix_and_expiry(redis_backend: RedisCache) -> None:
    cached, _ = make(redis_backend, stale_ttl_seconds=300)
    await cached.get_quote("SPY")
    client = redis_backend._client
    keys = [k async for k in client.scan_iter(match=redis_backend.prefix + "*")]
    assert keys == [(redis_backend.prefix + cache_key("quote", "SPY")).encode()]
    ttl = await client.ttl(keys[0])
    assert 290 <= ttl <= 300


async def test_redis_stale_on_error(redis_backend: RedisCache) -> None:
    clock = Clock()
    cached, p = make(redis_backend, clock)
    first = await cached.fetch_bars("SPY", Timeframe.M5, T0, T0)
    clock.t += 45
    p.fail = ProviderUnavailableError("down", retry_after=3)
    got = await cached.fetch_bars("SPY", Timeframe.M5, T0, T0)
    assert got.stale
    assert got.as_of == first.as_of
    np.testing.assert_array_equal(got.value.close, first.value.close)


async def test_redis_refuses_foreign_pickles(redis_backend: RedisCache) -> None:
    cached, p = make(redis_backend)
    key = redis_backend.prefix + cache_key("quote", "SPY")
    evil = pickle.dumps((1.0, socket.socket), protocol=5)  # any class outside the allow-list
    await redis_backend._client.set(key, evil)
    before = sample("quote", "backend_error")
    quote = await cached.get_quote("SPY")  # treated as a miss, the provider answers
    assert quote.last == 100.0
    assert p.calls["quote"] == 1
    assert sample("quote", "backend_error") - before == 1


async def test_redis_down_degrades_to_provider() -> None:
    with socket.socket() as s:  # a free port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = RedisCache.from_url(f"redis://127.0.0.1:{port}/0", "test:md:down:")
    clock = Clock()
    cached, p = make(backend, clock, backend_retry_seconds=5)
    before = sample("quote", "backend_error")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    assert (await cached.get_quote("SPY")).last == 100.0
    assert (await cached.get_quote("SPY")).last == 100.0
    assert p.calls["quote"] == 2
    # The first read failed; the cache was then bypassed (no second read or any write).
    assert sample("quote", "backend_error") - before == 1
    assert loop.time() - t0 < 3
    clock.t += 6  # after the window the backend is tried again
    await cached.get_quote("SPY")
    assert sample("quote", "backend_error") - before == 2
    await cached.aclose()


async def test_timeframe_not_supported_is_remembered(redis_backend: RedisCache) -> None:
    class Only1m(FakeProvider):
        async def get_bars(self, symbol, timeframe, start, end):  # type: ignore[no-untyped-def]
            if timeframe != Timeframe.M1:
                await self._enter("bars")
                raise TimeframeNotSupportedError(symbol, timeframe.value, ("1m",))
            return await super().get_bars(symbol, timeframe, start, end)

    clock = Clock()
    p = Only1m()
    cached = CachedMarketData(p, redis_backend, 30.0, clock=clock)
    for _ in range(2):
        with pytest.raises(TimeframeNotSupportedError) as err:
            await cached.get_bars("SPY", Timeframe.H1, T0, T0)
        assert err.value.available == ("1m",)
    assert p.calls["bars"] == 1
    # Past its TTL and with the vendor down, the remembered answer still says "resample".
    clock.t += 60
    p.fail = ProviderUnavailableError("down")
    with pytest.raises(TimeframeNotSupportedError):
        await cached.get_bars("SPY", Timeframe.H1, T0, T0)


class CountingMemoryCache(MemoryCache):
    """Counts lookups, so a test can tell when a caller has got past its cache read."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0

    async def get(self, key: str) -> CacheEntry | None:
        self.gets += 1
        return await super().get(key)


async def test_cancelled_loader_does_not_fail_its_waiters() -> None:
    backend = CountingMemoryCache()
    p = FakeProvider()
    cached = CachedMarketData(p, backend, 30.0)  # not make(): an empty cache is falsy there
    p.hold = asyncio.Event()
    owner = asyncio.create_task(cached.get_quote("SPY"))
    await wait_until(lambda: p.calls.get("quote") == 1, what="the owner inside the provider call")
    waiter = asyncio.create_task(cached.get_quote("SPY"))
    # Past its cache read (a miss) the waiter joins the owner's in-flight load with no await in
    # between, so once the read is counted it is waiting on the owner.
    await wait_until(lambda: backend.gets == 2, what="the waiter joining the in-flight load")
    owner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await owner
    p.hold.set()  # the waiter's own load, after the owner's cancellation, may now answer
    assert (await waiter).last == 100.0  # the waiter loaded it itself
    assert p.calls["quote"] == 2
