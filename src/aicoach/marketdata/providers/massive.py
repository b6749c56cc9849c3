"""``MassiveMarketData``: the ``MarketDataProvider`` adapter for Massive (formerly Polygon.io).

REST endpoints used (all GET, ``Authorization: Bearer <key>``)::

    get_bars           /v2/aggs/ticker/{T}/range/{mult}/{timespan}/{from}/{to}
                       ?adjusted=true&sort=asc&limit=50000, following next_url
    get_previous_close /v2/aggs/ticker/{T}/prev
    get_quote          /v2/snapshot/locale/us/markets/stocks/tickers/{T}; plans without snapshot
                       access fall back to prev + /v2/last/trade/{T} + /v2/last/nbbo/{T}
    get_quotes         /v2/snapshot/locale/us/markets/stocks/tickers?tickers=A,B
    get_last_trade     /v2/last/trade/{T}         get_last_quote  /v2/last/nbbo/{T}
    get_expirations    /v3/reference/options/contracts?underlying_ticker={T}, following next_url
    get_chain          /v3/snapshot/options/{T}?expiration_date=…, following next_url
    get_option_quote   /v3/snapshot/options/{T}/O:{contract}
    search_symbols     /v3/reference/tickers?search=…      get_symbol  /v3/reference/tickers/{T}
    market_phase       /v1/marketstatus/now
    stream             WebSocket, see ``massive_ws``

Transport, retries and error translation live in ``massive_http``; payload mapping in
``massive_mapping``; this module only chooses endpoints and parameters.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote as urlquote
from zoneinfo import ZoneInfo

import httpx
import numpy as np

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.errors import (
    CalendarRangeError,
    ExpirationNotFoundError,
    InvalidBarRangeError,
    ProviderAuthError,
    ProviderResponseError,
    SymbolNotFoundError,
)
from aicoach.marketdata.models import (
    BarSeries,
    DataSource,
    MarketPhase,
    OptionChain,
    OptionQuote,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)
from aicoach.marketdata.providers import massive_mapping as mapping
from aicoach.marketdata.providers.massive_http import MassiveHTTP
from aicoach.marketdata.providers.massive_ws import MassiveStream

NEW_YORK = ZoneInfo("America/New_York")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")


class MassiveMarketData:
    """Market data from Massive's REST and streaming APIs, mapped to our models.

    ``calendar`` (the XNYS ``MarketCalendar``, or ``None`` for a plain weekday rule) stamps
    weekly and monthly bars at the first session of their window. ``source`` is
    ``REAL_TIME`` or ``DELAYED`` by plan, as told by ``realtime``.
    """

    name = "massive"

    def __init__(
        self,
        api_key: str,
        base_url: str,
        ws_url: str,
        realtime: bool,
        calendar: MarketCalendar | None,
        http: httpx.AsyncClient | None = None,
        max_retries: int = 3,
        *,
        timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        ws_max_reconnects: int = 5,
    ) -> None:
        self.source = DataSource.REAL_TIME if realtime else DataSource.DELAYED
        self.calendar = calendar
        self._http = MassiveHTTP(
            api_key,
            base_url,
            http=http,
            max_retries=max_retries,
            timeout=timeout,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
        )
        self._stream = MassiveStream(
            api_key,
            ws_url,
            self.source,
            max_reconnects=ws_max_reconnects,
            backoff_base=backoff_base,
            backoff_max=max(backoff_max, 1.0),
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- bars ------------------------------------------------------------------------------

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries:
        """Adjusted bars with open time in ``[start, end)``; an empty range is an empty series
        (Massive answers a weekend and an unknown ticker alike: zero results)."""
        symbol = _ticker(symbol)
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidBarRangeError("start and end must be timezone-aware.")
        if end <= start:
            raise InvalidBarRangeError("end must be after start.")
        mult, span = mapping.TIMESPANS[timeframe]
        if timeframe.is_intraday:
            # Millisecond bounds are exact; Massive's `to` is inclusive, ours exclusive.
            lo, hi = str(_ms(start)), str(_ms(end) - 1)
        else:
            first = start.astimezone(NEW_YORK).date()
            last = (end - timedelta(microseconds=1)).astimezone(NEW_YORK).date()
            lo, hi = first.isoformat(), last.isoformat()
        path = f"/v2/aggs/ticker/{_seg(symbol)}/range/{mult}/{span}/{lo}/{hi}"
        params: dict[str, str | int] = {"adjusted": "true", "sort": "asc", "limit": 50000}
        rows: list[Any] = []
        async for page in self._http.paginate(path, params, symbol=symbol):
            rows.extend(mapping.seq(page.get("results"), "results"))
        series = mapping.bars(
            symbol, timeframe, rows, self.source, datetime.now(UTC), self._next_session
        )
        if timeframe.is_intraday:
            lo_t = np.datetime64(_ms(start), "ms").astype("datetime64[ns]")
            hi_t = np.datetime64(_ms(end), "ms").astype("datetime64[ns]")
        else:
            lo_t = np.datetime64(lo, "D").astype("datetime64[ns]")
            hi_t = (np.datetime64(hi, "D") + 1).astype("datetime64[ns]")
        inside = np.flatnonzero((series.time >= lo_t) & (series.time < hi_t))
        if inside.size == len(series):
            return series
        return (
            series.slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else series.slice(0, 0)
        )

    async def get_previous_close(self, symbol: str) -> BarSeries:
        """The previous session's daily bar (one bar)."""
        symbol = _ticker(symbol)
        body = await self._http.get_json(f"/v2/aggs/ticker/{_seg(symbol)}/prev", symbol=symbol)
        rows = mapping.seq(body.get("results"), "results")
        if not rows:
            raise SymbolNotFoundError(symbol)
        return mapping.bars(
            symbol, Timeframe.D1, rows[:1], self.source, datetime.now(UTC), self._next_session
        )

    def _next_session(self, day: date) -> date:
        return _first_session_on_or_after(self.calendar, day)

    # --- quotes ----------------------------------------------------------------------------

    async def get_quote(self, symbol: str) -> Quote:
        symbol = _ticker(symbol)
        path = f"/v2/snapshot/locale/us/markets/stocks/tickers/{_seg(symbol)}"
        try:
            body = await self._http.get_json(path, symbol=symbol)
        except ProviderAuthError:
            # Plans without snapshot access (403) still have prev/last endpoints; a bad key
            # fails again below and surfaces as the same ProviderAuthError.
            return await self._composite_quote(symbol)
        return mapping.snapshot_quote(symbol, body, self.source)

    async def get_quotes(self, symbols: list[str]) -> dict[str, Quote]:
        """Snapshots for several tickers in one request; unknown tickers are simply absent."""
        wanted = [_ticker(s) for s in symbols]
        if not wanted:
            return {}
        body = await self._http.get_json(
            "/v2/snapshot/locale/us/markets/stocks/tickers", {"tickers": ",".join(wanted)}
        )
        out: dict[str, Quote] = {}
        for t in mapping.seq(body.get("tickers"), "tickers"):
            sym = mapping.obj(t, "ticker").get("ticker")
            if isinstance(sym, str):
                out[sym] = mapping.snapshot_quote(sym, {"ticker": t}, self.source)
        return out

    async def get_last_trade(self, symbol: str) -> Trade:
        symbol = _ticker(symbol)
        body = await self._http.get_json(f"/v2/last/trade/{_seg(symbol)}", symbol=symbol)
        return mapping.last_trade(symbol, body, self.source)

    async def get_last_quote(self, symbol: str) -> Trade:
        """The NBBO as a ``Trade`` update (price = midpoint, bid/ask and sizes set)."""
        symbol = _ticker(symbol)
        body = await self._http.get_json(f"/v2/last/nbbo/{_seg(symbol)}", symbol=symbol)
        return mapping.last_nbbo(symbol, body, self.source)

    async def _composite_quote(self, symbol: str) -> Quote:
        prev_body = await self._http.get_json(f"/v2/aggs/ticker/{_seg(symbol)}/prev", symbol=symbol)
        rows = mapping.seq(prev_body.get("results"), "results")
        if not rows:
            raise SymbolNotFoundError(symbol)
        trade, nbbo = await asyncio.gather(
            _optional(self.get_last_trade(symbol)), _optional(self.get_last_quote(symbol))
        )
        return mapping.composite_quote(
            symbol, mapping.obj(rows[0], "prev bar"), trade, nbbo, self.source
        )

    # --- options ---------------------------------------------------------------------------

    async def get_expirations(self, symbol: str) -> list[date]:
        """Unexpired expiration dates with listed contracts, ascending (``[]`` if none)."""
        symbol = _ticker(symbol)
        params: dict[str, str | int] = {
            "underlying_ticker": symbol,
            "expired": "false",
            "limit": 1000,
            "order": "asc",
            "sort": "expiration_date",
        }
        found: set[date] = set()
        async for page in self._http.paginate("/v3/reference/options/contracts", params):
            found |= mapping.expirations(mapping.seq(page.get("results"), "results"))
        return sorted(found)

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain:
        symbol = _ticker(symbol)
        params: dict[str, str | int] = {"expiration_date": expiration.isoformat(), "limit": 250}
        rows: list[dict[str, Any]] = []
        path = f"/v3/snapshot/options/{_seg(symbol)}"
        async for page in self._http.paginate(path, params, symbol=symbol):
            rows.extend(
                mapping.obj(r, "option") for r in mapping.seq(page.get("results"), "results")
            )
        contracts = [mapping.option_quote(symbol, r) for r in rows]
        contracts = [c for c in contracts if c.expiration == expiration]
        if not contracts:
            raise ExpirationNotFoundError(f"No {symbol} options expire on {expiration}.")
        contracts.sort(key=lambda c: (c.strike, c.right.value))
        price, newest = mapping.chain_underlying(rows)
        if price is None:
            price = (await self.get_quote(symbol)).last
        return OptionChain(
            underlying=symbol,
            expiration=expiration,
            underlying_price=price,
            contracts=tuple(contracts),
            as_of=newest or datetime.now(UTC),
            source=self.source,
        )

    async def get_option_quote(self, underlying: str, contract: str) -> OptionQuote:
        """One contract's snapshot; ``contract`` is the OCC symbol with or without ``O:``."""
        underlying = _ticker(underlying)
        occ = "O:" + contract.strip().upper().removeprefix("O:")
        path = f"/v3/snapshot/options/{_seg(underlying)}/{_seg(occ)}"
        body = await self._http.get_json(path, symbol=occ.removeprefix("O:"))
        return mapping.option_quote(underlying, mapping.obj(body.get("results"), "results"))

    # --- reference -------------------------------------------------------------------------

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        """Active US stocks/ETFs whose ticker or name matches; exact ticker first."""
        text = query.strip()
        if not text or limit <= 0:
            return []
        params: dict[str, str | int] = {
            "search": text,
            "active": "true",
            "market": "stocks",
            "limit": min(limit, 1000),
        }
        body = await self._http.get_json("/v3/reference/tickers", params)
        infos = [
            mapping.symbol_info(mapping.obj(r, "ticker"))
            for r in mapping.seq(body.get("results"), "results")
        ]
        up = text.upper()
        infos.sort(key=lambda i: (i.symbol != up, not i.symbol.startswith(up)))  # stable
        return infos[:limit]

    async def get_symbol(self, symbol: str) -> SymbolInfo:
        symbol = _ticker(symbol)
        body = await self._http.get_json(f"/v3/reference/tickers/{_seg(symbol)}", symbol=symbol)
        results = body.get("results")
        if not results:
            raise SymbolNotFoundError(symbol)
        return mapping.symbol_info(mapping.obj(results, "results"))

    async def market_phase(self) -> MarketPhase:
        return mapping.market_phase(await self._http.get_json("/v1/marketstatus/now"))

    # --- streaming -------------------------------------------------------------------------

    def stream(self, symbols: list[str]) -> AsyncIterator[Trade]:
        """Trades and quote updates for ``symbols`` until the consumer stops iterating."""
        return self._stream.trades([_ticker(s) for s in symbols])


async def _optional(call: Awaitable[T]) -> T | None:
    """Await ``call``; a plan that lacks the endpoint (auth) or a missing record gives None."""
    try:
        return await call
    except (ProviderAuthError, SymbolNotFoundError, ProviderResponseError):
        return None


def _ticker(symbol: str) -> str:
    out = symbol.strip().upper()
    if not out or "/" in out:
        raise SymbolNotFoundError(symbol)
    return out


def _seg(value: str) -> str:
    """A URL path segment (``:`` is legal in a path and Massive expects it unescaped)."""
    return urlquote(value, safe=":")


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


@functools.lru_cache(maxsize=4096)
def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _first_session_on_or_after(calendar: MarketCalendar | None, day: date) -> date:
    if calendar is None:
        return _weekday_on_or_after(day)
    try:
        return day if calendar.is_session(day) else calendar.next_session(day).date
    except CalendarRangeError:
        return _weekday_on_or_after(day)  # outside the calendar's years: weekdays are close
