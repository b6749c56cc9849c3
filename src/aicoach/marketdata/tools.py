"""Market tools for the coach: quote, chart data (bars) and market status.

Each returns a typed result model the model reads as JSON (prices rounded to cents — the numbers
the coach may quote are exactly these), a card for the UI where one exists, and a citation with
the data source, the data's as-of time and the market session at that time. ``Symbol``,
``money``, ``pct`` and ``market_citation`` are shared with the other slices' tools.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Annotated, Protocol

import numpy as np
from pydantic import BaseModel, Field

from aicoach.coach.tools import Card, Citation, IsoDatetime, ToolContext, ToolResult, tool
from aicoach.marketdata.models import Timeframe
from aicoach.marketdata.service import MAX_SPAN, MarketDataService

Symbol = Annotated[
    str, Field(min_length=1, max_length=20, description="Ticker symbol, e.g. SPY or AAPL.")
]

#: Default look-back of ``get_chart_data`` per timeframe (calendar days).
DEFAULT_LOOKBACK_DAYS: dict[Timeframe, int] = {
    Timeframe.M1: 1, Timeframe.M5: 3, Timeframe.M15: 7, Timeframe.M30: 14,
    Timeframe.H1: 30, Timeframe.D1: 120, Timeframe.W1: 730, Timeframe.MO1: 3650,
}  # fmt: skip
#: Bars handed to the model at most (the newest); older ones only enter the summary statistics.
MAX_BARS_TO_MODEL = 60


class MarketToolDeps(Protocol):
    """What the market tools use."""

    @property
    def market(self) -> MarketDataService: ...


def money(x: float | None) -> float | None:
    """Dollars rounded to cents; ``None`` for missing or non-finite."""
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), 2)


def pct(x: float | None) -> float | None:
    """A percentage rounded to two places; ``None`` for missing or non-finite."""
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), 2)


def market_citation(
    market: MarketDataService, label: str, as_of: datetime, source: str
) -> Citation:
    """A citation for market data: the market session is the phase at the data's as-of time."""
    phase = market.calendar.phase_at(as_of)
    return Citation(source=source, as_of=as_of, market_session=phase.value, label=label)


# --- result models (what the model reads; snapshot-tested in tests/chat/tool_schemas/) -------


class QuoteCard(BaseModel):
    """The ``quote`` card."""

    symbol: str
    last: float | None
    change: float | None
    change_percent: float | None = Field(description="Percent (0.41 = 0.41 %).")
    bid: float | None
    ask: float | None
    source: str
    as_of: IsoDatetime


class QuoteResult(QuoteCard):
    """``get_quote``: the card's fields plus the day's range and volume."""

    prev_close: float | None
    day_open: float | None
    day_high: float | None
    day_low: float | None
    day_volume: int | None
    stale: bool


class Bar(BaseModel):
    t: str = Field(description="Open time, UTC ISO 8601.")
    o: float | None
    h: float | None
    l: float | None  # noqa: E741 — the OHLCV letters are the wire format
    c: float | None
    v: int


class ChartDataResult(BaseModel):
    """``get_chart_data``: the summary fields are present only when there are bars."""

    symbol: str
    timeframe: str
    bar_count: int
    source: str
    as_of: IsoDatetime
    stale: bool
    high: float | None = None
    low: float | None = None
    first_open: float | None = None
    last_close: float | None = None
    change: float | None = None
    change_percent: float | None = None
    total_volume: int | None = None
    bars: list[Bar] = Field(default_factory=list)


class MarketStatusResult(BaseModel):
    """``get_market_status``: the phase now, today's session (``None`` on a closed day) and the
    next regular open and close."""

    phase: str
    now: IsoDatetime
    session_date: date | None
    regular_open: IsoDatetime | None
    regular_close: IsoDatetime | None
    next_open: IsoDatetime | None
    next_close: IsoDatetime | None
    is_early_close: bool
    source: str


# --- tools -------------------------------------------------------------------------------------


@tool(phrase="Getting the {symbol!u} quote")
async def get_quote(ctx: ToolContext[MarketToolDeps], symbol: Symbol) -> ToolResult[QuoteResult]:
    """The latest quote for a symbol: last price, change and percent change from the prior
    close, bid/ask, the day's open/high/low and volume. Prices in dollars."""
    market = ctx.deps.market
    fetched = await market.quote(symbol)
    q = fetched.value
    card = QuoteCard(
        symbol=q.symbol, last=money(q.last), change=money(q.change),
        change_percent=pct(q.change_percent), bid=money(q.bid), ask=money(q.ask),
        source=q.source.value, as_of=q.as_of,
    )  # fmt: skip
    data = QuoteResult(
        **card.model_dump(),
        prev_close=money(q.prev_close), day_open=money(q.day_open),
        day_high=money(q.day_high), day_low=money(q.day_low),
        day_volume=None if q.day_volume is None else round(float(q.day_volume)),
        stale=fetched.stale,
    )  # fmt: skip
    change = f" ({card.change_percent:+.2f}%)" if card.change_percent is not None else ""
    cite = market_citation(market, f"{q.symbol} quote", q.as_of, q.source.value)
    return ToolResult(data, (cite,), (Card("quote", card),), f"{q.symbol} ${q.last:.2f}{change}")


@tool(phrase="Loading {symbol!u} {timeframe} bars")
async def get_chart_data(
    ctx: ToolContext[MarketToolDeps],
    symbol: Symbol,
    timeframe: Annotated[
        Timeframe, Field(description="Bar size: 1m 5m 15m 30m 1h 1d 1w 1mo.")
    ] = Timeframe.D1,
    lookback_days: Annotated[
        int | None,
        Field(ge=1, le=3650, description="Calendar days of history; default depends on timeframe."),
    ] = None,
) -> ToolResult[ChartDataResult]:
    """OHLCV price bars for a symbol (oldest first; at most the newest 60 bars are listed) with
    summary statistics over the whole range: high, low, first open, last close, change in
    dollars and percent. Times are UTC ISO 8601."""
    market = ctx.deps.market
    days = lookback_days or DEFAULT_LOOKBACK_DAYS[timeframe]
    span = min(timedelta(days=days), MAX_SPAN[timeframe])
    end = ctx.now + timedelta(minutes=1)
    fetched = await market.bars(symbol, timeframe, end - span, end)
    bars = fetched.value
    n = len(bars)
    data = ChartDataResult(
        symbol=bars.symbol, timeframe=timeframe.value, bar_count=n, source=bars.source.value,
        as_of=fetched.as_of, stale=fetched.stale,
    )  # fmt: skip
    if n:
        first, last = float(bars.open[0]), float(bars.close[-1])
        data.high = money(float(np.max(bars.high)))
        data.low = money(float(np.min(bars.low)))
        data.first_open = money(first)
        data.last_close = money(last)
        data.change = money(last - first)
        data.change_percent = pct((last / first - 1.0) * 100.0) if first else None
        data.total_volume = round(float(np.sum(bars.volume)))
        lo = max(0, n - MAX_BARS_TO_MODEL)
        times = bars.time[lo:].astype("datetime64[s]").astype(str)
        data.bars = [
            Bar(t=f"{times[i - lo]}Z", o=money(float(bars.open[i])), h=money(float(bars.high[i])),
                l=money(float(bars.low[i])), c=money(float(bars.close[i])),
                v=round(float(bars.volume[i])))
            for i in range(lo, n)
        ]  # fmt: skip
    summary = f"{bars.symbol} {n} × {timeframe.value} bars"
    cite = market_citation(
        market, f"{bars.symbol} {timeframe.value} bars", fetched.as_of, bars.source.value
    )
    return ToolResult(data, (cite,), (), summary)


@tool(phrase="Checking the market clock")
async def get_market_status(ctx: ToolContext[MarketToolDeps]) -> ToolResult[MarketStatusResult]:
    """Whether the US stock market is open now: the phase (pre-market 04:00–09:30 ET, regular
    09:30–16:00 ET, after-hours to 20:00 ET, closed), today's session, the next regular open and
    close (UTC), and whether today closes early."""
    market = ctx.deps.market
    status = market.status(ctx.now)
    session = status.session
    data = MarketStatusResult(
        phase=status.phase.value,
        now=status.now,
        session_date=session.date if session else None,
        regular_open=session.open_at if session else None,
        regular_close=session.close_at if session else None,
        next_open=status.next_open,
        next_close=status.next_close,
        is_early_close=status.is_early_close,
        source=market.source,
    )
    cite = Citation(market.source, status.now, status.phase.value, "Market status")
    return ToolResult(data, (cite,), (), f"Market {status.phase.value}")


#: The slice's coach tools (``Manifest(tools=TOOLS)``).
TOOLS = (get_quote, get_chart_data, get_market_status)
