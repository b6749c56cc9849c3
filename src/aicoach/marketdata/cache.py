"""A read-through cache in front of any market-data provider, with stale-on-error.

``CachedMarketData(provider, backend, ttl_seconds)`` is itself a ``MarketDataProvider``. Each
answer is stored with the time it was fetched. A read within the op's TTL is a *hit*; past it the
provider is asked again (*miss*). If the provider then fails with a ``ProviderError`` (503-family)
and the expired answer is still kept (backends keep entries ``stale_ttl_seconds``), that answer is
returned marked stale; with nothing kept the error propagates (routes render 503 + Retry-After).

Callers that need to know about staleness use the ``fetch_*`` methods, which return
``Fetched(value, stale, as_of)``; the plain ``get_*`` methods of the port return the value only.
Concurrent misses of one key in one process share a single provider call. A provider's
``TimeframeNotSupportedError`` is cached too (re-raised on a hit), so resampling keeps working
from kept finer bars while the vendor is down.

Backends: ``MemoryCache`` (default; bounded LRU, per-entry expiry) and ``RedisCache``
(``redis.asyncio``; ``SET … EX`` so Redis expires entries itself; payloads are pickles read back
with an allow-list unpickler that only builds our market-data models, numpy arrays and datetimes).
A failing backend degrades to a miss, never to an error.

Metrics: ``aicoach_marketdata_cache_requests_total{op, result}`` with result ``hit`` / ``miss`` /
``stale`` / ``backend_error``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import pickle
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Generic, Protocol, TypeVar, cast

from prometheus_client import Counter, Histogram

from aicoach.marketdata.errors import ProviderError, TimeframeNotSupportedError
from aicoach.marketdata.models import (
    BarSeries,
    DataSource,
    OptionChain,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.observability.metrics import LATENCY_BUCKETS, REGISTRY

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds an answer is fresh, per op; ops not listed use ``ttl_seconds``.
DEFAULT_OP_TTL_SECONDS: Final[Mapping[str, float]] = {
    "quote": 2.0,
    "search": 3600.0,
    "symbol": 86_400.0,
    "expirations": 900.0,
}
DEFAULT_STALE_TTL_SECONDS: Final = 900.0
_METRIC = "aicoach_marketdata_cache_requests"


CACHE_REQUESTS: Final = Counter(
    _METRIC,
    "Market-data cache lookups by op and result (hit, miss, stale, backend_error).",
    labelnames=("op", "result"),
    registry=REGISTRY,
)
PROVIDER_DURATION: Final = Histogram(
    "aicoach_provider_request_duration_seconds",
    "Market-data provider calls (cache misses), by provider and op, in seconds.",
    labelnames=("provider", "op"),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
PROVIDER_ERRORS: Final = Counter(
    "aicoach_provider_errors",
    "Market-data provider calls that failed, by provider, op and error class.",
    labelnames=("provider", "op", "error"),
    registry=REGISTRY,
)


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A value and how fresh it is: ``as_of`` is when it came from the provider (UTC);
    ``stale`` means the provider just failed and this is the last good answer."""

    value: T
    stale: bool
    as_of: datetime


@dataclass(frozen=True, slots=True)
class CacheEntry:
    value: object
    stored_at: float  # unix seconds


class CacheBackend(Protocol):
    """Key → entry store. ``keep_seconds`` is how long the entry may still be read (stale)."""

    async def get(self, key: str) -> CacheEntry | None: ...

    async def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None: ...

    async def aclose(self) -> None: ...


class MemoryCache:
    """In-process LRU of at most ``max_entries``; entries vanish ``keep_seconds`` after storing.

    Values are kept by reference: callers must not mutate what they get (numpy arrays included).
    """

    def __init__(self, max_entries: int = 2048, clock: Callable[[], float] = time.time) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max = max_entries
        self._clock = clock
        self._data: OrderedDict[str, tuple[float, CacheEntry]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    async def get(self, key: str) -> CacheEntry | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires_at, entry = item
        if self._clock() >= expires_at:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    async def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        self._data[key] = (self._clock() + keep_seconds, entry)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def aclose(self) -> None:
        self._data.clear()


class RedisCache:
    """Entries in Redis under ``prefix`` with a Redis-side expiry (``SET key value EX n``).

    ``client`` is a ``redis.asyncio.Redis`` (decode_responses must be off: payloads are bytes).
    """

    def __init__(self, client: Any, prefix: str = "aicoach:md:v1:", *, owns_client: bool = False):
        self._client = client
        self.prefix = prefix
        self._owns = owns_client

    @classmethod
    def from_url(
        cls, url: str, prefix: str = "aicoach:md:v1:", *, timeout_seconds: float = 1.0
    ) -> RedisCache:
        """A client of its own with short timeouts and one retry: a cache must fail fast."""
        import redis.asyncio as redis_asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        client = redis_asyncio.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 1),
        )
        return cls(client, prefix, owns_client=True)

    async def get(self, key: str) -> CacheEntry | None:
        raw = await self._client.get(self.prefix + key)
        if raw is None:
            return None
        try:
            stored_at, value = loads(bytes(raw))
        except pickle.UnpicklingError:
            raise
        except Exception as exc:  # e.g. a model changed shape since the entry was written
            raise pickle.UnpicklingError(f"unreadable cache entry: {exc!r}") from exc
        return CacheEntry(value, stored_at)

    async def set(self, key: str, entry: CacheEntry, keep_seconds: float) -> None:
        payload = pickle.dumps((entry.stored_at, entry.value), protocol=5)
        await self._client.set(self.prefix + key, payload, ex=max(1, int(keep_seconds + 0.999)))

    async def aclose(self) -> None:
        if self._owns:
            await self._client.aclose()


_ALLOWED_GLOBALS: Final = {
    ("aicoach.marketdata.models", n)
    for n in (
        "BarSeries", "Quote", "OptionQuote", "OptionChain", "SymbolInfo", "Trade",
        "Timeframe", "DataSource", "AssetKind", "OptionRight", "MarketPhase",
    )
} | {
    ("datetime", "datetime"), ("datetime", "date"), ("datetime", "timezone"),
    ("datetime", "timedelta"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
}  # fmt: skip


class _AllowListUnpickler(pickle.Unpickler):
    """Builds only the types we cache; anything else in a payload is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS or (
            module == "numpy.dtypes" and name.endswith("DType")
        ):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the cache")


def loads(payload: bytes) -> tuple[float, object]:
    """Inverse of the Redis payload: ``(stored_at, value)``, through the allow-list."""
    obj = _AllowListUnpickler(io.BytesIO(payload)).load()
    if not (isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], float)):
        raise pickle.UnpicklingError("not a cache entry")
    return obj[0], obj[1]


def cache_key(op: str, *parts: object) -> str:
    """A stable key: ``op:`` + the JSON of the parts, hashed when long (user text in queries)."""
    body = json.dumps([_key_part(p) for p in parts], separators=(",", ":"))
    if len(body) > 160:
        body = hashlib.sha256(body.encode()).hexdigest()
    return f"{op}:{body}"


def _key_part(p: object) -> object:
    if isinstance(p, datetime):
        return p.astimezone(UTC).isoformat()
    if isinstance(p, date):
        return p.isoformat()
    return p


class CachedMarketData:
    """Any provider behind a cache; see the module docstring for hit/miss/stale rules."""

    def __init__(
        self,
        provider: MarketDataProvider,
        backend: CacheBackend | None = None,
        ttl_seconds: float = 30.0,
        *,
        op_ttl_seconds: Mapping[str, float] | None = None,
        stale_ttl_seconds: float = DEFAULT_STALE_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
        backend_retry_seconds: float = 5.0,
    ) -> None:
        self.provider = provider
        self.backend: CacheBackend = backend if backend is not None else MemoryCache(clock=clock)
        self.name = provider.name
        self.source: DataSource = provider.source
        self._ttl = ttl_seconds
        self._op_ttl = {**DEFAULT_OP_TTL_SECONDS, **(op_ttl_seconds or {})}
        self._stale_ttl = stale_ttl_seconds
        self._clock = clock
        self._inflight: dict[str, asyncio.Future[Fetched[Any]]] = {}
        # After a backend failure the backend is skipped this long, so a dead Redis costs one
        # timeout per window instead of one per request.
        self._backend_retry = backend_retry_seconds
        self._backend_down_until = float("-inf")

    def ttl_for(self, op: str) -> float:
        return self._op_ttl.get(op, self._ttl)

    # --- the core ----------------------------------------------------------------------------

    async def _fetch(self, op: str, key: str, load: Callable[[], Awaitable[T]]) -> Fetched[T]:
        entry = await self._backend_get(op, key)
        now = self._clock()
        if entry is not None and now - entry.stored_at < self.ttl_for(op):
            CACHE_REQUESTS.labels(op=op, result="hit").inc()
            return Fetched(cast(T, _unwrap(entry.value)), False, _utc(entry.stored_at))
        while (pending := self._inflight.get(key)) is not None:
            try:
                return cast(Fetched[T], await asyncio.shield(pending))
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise
                # The caller that was loading got cancelled, not us: load it ourselves.
        fut: asyncio.Future[Fetched[Any]] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            result = await self._load(op, key, load, entry)
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # mark retrieved: waiters re-raise it, nobody else must
            raise
        else:
            fut.set_result(result)
            return result
        finally:
            del self._inflight[key]

    async def _load(
        self, op: str, key: str, load: Callable[[], Awaitable[T]], kept: CacheEntry | None
    ) -> Fetched[T]:
        started = time.perf_counter()
        try:
            try:
                value = await load()
            finally:
                PROVIDER_DURATION.labels(self.name, op).observe(time.perf_counter() - started)
        except ProviderError as exc:
            PROVIDER_ERRORS.labels(self.name, op, type(exc).__name__).inc()
            if kept is None:
                CACHE_REQUESTS.labels(op=op, result="miss").inc()
                raise
            CACHE_REQUESTS.labels(op=op, result="stale").inc()
            log.warning("market data provider failed; serving stale %s", key, exc_info=True)
            return Fetched(cast(T, _unwrap(kept.value)), True, _utc(kept.stored_at))
        except TimeframeNotSupportedError as exc:
            # A stable fact worth remembering: while the vendor is down, the service still
            # knows to resample from (stale) finer bars instead of failing.
            CACHE_REQUESTS.labels(op=op, result="miss").inc()
            await self._store(op, key, (_UNSUPPORTED, exc.symbol, exc.timeframe, exc.available))
            raise
        CACHE_REQUESTS.labels(op=op, result="miss").inc()
        return Fetched(value, False, _utc(await self._store(op, key, value)))

    async def _store(self, op: str, key: str, value: object) -> float:
        stored_at = self._clock()
        keep = max(self._stale_ttl, self.ttl_for(op))
        if stored_at >= self._backend_down_until:
            try:
                await self.backend.set(key, CacheEntry(value, stored_at), keep)
            except Exception:
                self._backend_failed(op, "write", key)
        return stored_at

    async def _backend_get(self, op: str, key: str) -> CacheEntry | None:
        if self._clock() < self._backend_down_until:
            return None
        try:
            return await self.backend.get(key)
        except pickle.UnpicklingError:
            # One unreadable entry (another version, or not ours): a miss, the backend is fine.
            CACHE_REQUESTS.labels(op=op, result="backend_error").inc()
            log.warning("unreadable market data cache entry %s", key, exc_info=True)
            return None
        except Exception:
            self._backend_failed(op, "read", key)
            return None

    def _backend_failed(self, op: str, what: str, key: str) -> None:
        CACHE_REQUESTS.labels(op=op, result="backend_error").inc()
        self._backend_down_until = self._clock() + self._backend_retry
        log.warning(
            "market data cache %s failed for %s; bypassing the cache for %.0f s",
            what, key, self._backend_retry, exc_info=True,
        )  # fmt: skip

    # --- fetch_*: value plus staleness -------------------------------------------------------

    async def fetch_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> Fetched[BarSeries]:
        key = cache_key("bars", symbol, timeframe.value, start, end)
        return await self._fetch(
            "bars", key, lambda: self.provider.get_bars(symbol, timeframe, start, end)
        )

    async def fetch_quote(self, symbol: str) -> Fetched[Quote]:
        return await self._fetch(
            "quote", cache_key("quote", symbol), lambda: self.provider.get_quote(symbol)
        )

    async def fetch_symbol(self, symbol: str) -> Fetched[SymbolInfo]:
        return await self._fetch(
            "symbol", cache_key("symbol", symbol), lambda: self.provider.get_symbol(symbol)
        )

    async def fetch_search(self, query: str, limit: int = 20) -> Fetched[list[SymbolInfo]]:
        key = cache_key("search", query.strip().lower(), limit)
        return await self._fetch("search", key, lambda: self.provider.search_symbols(query, limit))

    async def fetch_expirations(self, symbol: str) -> Fetched[list[date]]:
        key = cache_key("expirations", symbol)
        return await self._fetch("expirations", key, lambda: self.provider.get_expirations(symbol))

    async def fetch_chain(self, symbol: str, expiration: date) -> Fetched[OptionChain]:
        key = cache_key("chain", symbol, expiration)
        return await self._fetch("chain", key, lambda: self.provider.get_chain(symbol, expiration))

    # --- the MarketDataProvider port ---------------------------------------------------------

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        return (await self.fetch_search(query, limit)).value

    async def get_symbol(self, symbol: str) -> SymbolInfo:
        return (await self.fetch_symbol(symbol)).value

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries:
        return (await self.fetch_bars(symbol, timeframe, start, end)).value

    async def get_quote(self, symbol: str) -> Quote:
        return (await self.fetch_quote(symbol)).value

    async def get_expirations(self, symbol: str) -> list[date]:
        return (await self.fetch_expirations(symbol)).value

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain:
        return (await self.fetch_chain(symbol, expiration)).value

    def stream(self, symbols: list[str]) -> AsyncIterator[Trade]:
        return self.provider.stream(symbols)  # live data is never cached

    async def aclose(self) -> None:
        try:
            await self.provider.aclose()
        finally:
            await self.backend.aclose()


_UNSUPPORTED: Final = "__timeframe_not_supported__"


def _unwrap(value: object) -> object:
    """A cached value, or re-raise a cached "timeframe not supported" answer."""
    if isinstance(value, tuple) and len(value) == 4 and value[0] == _UNSUPPORTED:
        _, symbol, timeframe, available = value
        raise TimeframeNotSupportedError(symbol, timeframe, tuple(available))
    return value


def _utc(unix_seconds: float) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)
