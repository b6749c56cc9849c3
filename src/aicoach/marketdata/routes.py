"""Market data API: status and sessions, symbol search, quotes and bars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from aicoach.accounts.deps import CurrentUser
from aicoach.kit.timebounds import BoundedDate, BoundedDatetime
from aicoach.marketdata.deps import MarketDep
from aicoach.marketdata.errors import InvalidBarRangeError
from aicoach.marketdata.models import Timeframe
from aicoach.marketdata.schemas import (
    BarsRead,
    MarketStatusRead,
    QuoteRead,
    SessionRead,
    SymbolRead,
)

router = APIRouter(prefix="/api/market", tags=["market"])

Symbol = Annotated[str, Path(min_length=1, max_length=20, examples=["SPY"])]
#: Default look-back when a bars request gives no start: a screenful of bars per timeframe.
DEFAULT_LOOKBACK = {
    Timeframe.M1: timedelta(days=2), Timeframe.M5: timedelta(days=7),
    Timeframe.M15: timedelta(days=20), Timeframe.M30: timedelta(days=40),
    Timeframe.H1: timedelta(days=90), Timeframe.D1: timedelta(days=400),
    Timeframe.W1: timedelta(days=5 * 366), Timeframe.MO1: timedelta(days=20 * 366),
}  # fmt: skip


@router.get("/status")
async def market_status(_: CurrentUser, market: MarketDep) -> MarketStatusRead:
    """The market phase now (pre-market / regular / after-hours / closed), next open and close."""
    return MarketStatusRead.of(market.status(), market.source)


@router.get("/sessions")
async def market_sessions(
    _: CurrentUser,
    market: MarketDep,
    start: Annotated[BoundedDate, Query(description="First date (inclusive)")],
    end: Annotated[BoundedDate, Query(description="Last date (inclusive)")],
) -> list[SessionRead]:
    """NYSE sessions between two dates, with extended hours and early closes (times in UTC)."""
    if end < start:
        raise InvalidBarRangeError("end must not be before start.")
    if (end - start).days > 3 * 366:
        raise InvalidBarRangeError("Ask for at most three years of sessions at a time.")
    return [SessionRead.of(s) for s in market.calendar.sessions_in_range(start, end)]


@router.get("/search")
async def search_symbols(
    _: CurrentUser,
    market: MarketDep,
    q: Annotated[str, Query(min_length=1, max_length=40, description="Symbol prefix or name")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[SymbolRead]:
    return [SymbolRead.of(info) for info in await market.search(q, limit)]


@router.get("/{symbol}/quote")
async def quote(symbol: Symbol, _: CurrentUser, market: MarketDep) -> QuoteRead:
    fetched = await market.quote(symbol)
    return QuoteRead.of(fetched.value, stale=fetched.stale, phase=market.status().phase.value)


@router.get("/{symbol}/bars")
async def bars(
    symbol: Symbol,
    _: CurrentUser,
    market: MarketDep,
    timeframe: Annotated[Timeframe, Query(description="1m 5m 15m 30m 1h 1d 1w 1mo")] = Timeframe.D1,
    start: Annotated[
        BoundedDatetime | None, Query(description="ISO 8601 with offset; default: a screenful")
    ] = None,
    end: Annotated[
        BoundedDatetime | None, Query(description="ISO 8601 with offset, exclusive; default: now")
    ] = None,
) -> BarsRead:
    """OHLCV bars opening in ``[start, end)``, aligned to exchange sessions."""
    end = end or datetime.now(UTC) + timedelta(minutes=1)
    start = start or end - DEFAULT_LOOKBACK[timeframe]
    fetched = await market.bars(symbol, timeframe, start, end)
    return BarsRead.of(fetched.value, stale=fetched.stale, as_of=fetched.as_of)
