"""Market tools: key levels, quote, chart data (bars) and market status.

Each returns compact JSON for the model (prices rounded to cents — the numbers the coach may
quote are exactly these), a card for the UI where one exists, and a citation with the data
source, the data's as-of time and the market session at that time.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Any

import numpy as np
from pydantic import Field

from aicoach.chat.tools.registry import Card, Citation, ToolContext, ToolRegistry, ToolResult
from aicoach.levels.core.models import Level
from aicoach.marketdata.models import Timeframe
from aicoach.marketdata.service import MAX_SPAN

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
TOP_LEVELS = 8


def money(x: float | None) -> float | None:
    """Dollars rounded to cents; ``None`` for missing or non-finite."""
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), 2)


def pct(x: float | None) -> float | None:
    if x is None or not math.isfinite(float(x)):
        return None
    return round(float(x), 2)


def market_citation(ctx: ToolContext, label: str, as_of: datetime, source: str) -> Citation:
    """A citation for market data: the market session is the phase at the data's as-of time."""
    phase = ctx.deps.market.calendar.phase_at(as_of)
    return Citation(source=source, as_of=as_of, market_session=phase.value, label=label)


def _level(lv: Level | None) -> dict[str, Any] | None:
    if lv is None:
        return None
    return {
        "label": lv.label,
        "price": money(lv.price),
        "distance_dollars": money(lv.distance_dollars),
        "distance_percent": pct(lv.distance_percent),
    }


async def get_key_levels(ctx: ToolContext, symbol: Symbol) -> ToolResult:
    """Key support/resistance levels for a symbol now: nearest support and resistance, the
    strongest nearby levels (prior day/week/month highs and lows, pivots, VWAP, opening range,
    moving averages, swing levels, confluence), daily ATR and RSI. Prices in dollars; distances
    are level minus price (positive = above)."""
    report = await ctx.deps.levels.key_levels(symbol, ctx.now)
    kl = report.levels
    nearby = sorted(kl.all_levels(), key=lambda lv: abs(lv.distance_dollars))[:TOP_LEVELS]
    top = [
        {
            "label": lv.label,
            "kind": lv.kind.value,
            "price": money(lv.price),
            "distance_dollars": money(lv.distance_dollars),
            "strength": round(float(lv.strength)) if math.isfinite(lv.strength) else None,
        }
        for lv in sorted(nearby, key=lambda lv: -lv.price)
    ]
    card = {
        "symbol": kl.symbol,
        "price": money(kl.price),
        "nearest_support": _level(kl.nearest_support),
        "nearest_resistance": _level(kl.nearest_resistance),
        "atr_daily": money(kl.atr_daily),
        "top_levels": top,
        "source": report.source,
        "as_of": report.as_of.isoformat(),
    }
    data = {
        **card,
        "rsi_daily": pct(kl.rsi_daily),
        "vwap": money(kl.vwap.vwap) if kl.vwap is not None else None,
        "session_date": report.session.date.isoformat(),
        "market_phase": report.phase.value,
        "stale": report.stale,
    }
    support = kl.nearest_support
    resistance = kl.nearest_resistance
    summary = f"{kl.symbol} ${kl.price:.2f}"
    if support is not None:
        summary += f" · support ${support.price:.2f}"
    if resistance is not None:
        summary += f" · resistance ${resistance.price:.2f}"
    cite = market_citation(ctx, f"{kl.symbol} key levels", report.as_of, report.source)
    return ToolResult(data, (cite,), (Card("key_levels", card),), summary)


async def get_quote(ctx: ToolContext, symbol: Symbol) -> ToolResult:
    """The latest quote for a symbol: last price, change and percent change from the prior
    close, bid/ask, the day's open/high/low and volume. Prices in dollars."""
    fetched = await ctx.deps.market.quote(symbol)
    q = fetched.value
    card = {
        "symbol": q.symbol,
        "last": money(q.last),
        "change": money(q.change),
        "change_percent": pct(q.change_percent),
        "bid": money(q.bid),
        "ask": money(q.ask),
        "source": q.source.value,
        "as_of": q.as_of.isoformat(),
    }
    data = {
        **card,
        "prev_close": money(q.prev_close),
        "day_open": money(q.day_open),
        "day_high": money(q.day_high),
        "day_low": money(q.day_low),
        "day_volume": None if q.day_volume is None else round(float(q.day_volume)),
        "stale": fetched.stale,
    }
    change = f" ({card['change_percent']:+.2f}%)" if card["change_percent"] is not None else ""
    cite = market_citation(ctx, f"{q.symbol} quote", q.as_of, q.source.value)
    return ToolResult(data, (cite,), (Card("quote", card),), f"{q.symbol} ${q.last:.2f}{change}")


async def get_chart_data(
    ctx: ToolContext,
    symbol: Symbol,
    timeframe: Annotated[
        Timeframe, Field(description="Bar size: 1m 5m 15m 30m 1h 1d 1w 1mo.")
    ] = Timeframe.D1,
    lookback_days: Annotated[
        int | None,
        Field(ge=1, le=3650, description="Calendar days of history; default depends on timeframe."),
    ] = None,
) -> ToolResult:
    """OHLCV price bars for a symbol (oldest first; at most the newest 60 bars are listed) with
    summary statistics over the whole range: high, low, first open, last close, change in
    dollars and percent. Times are UTC ISO 8601."""
    days = lookback_days or DEFAULT_LOOKBACK_DAYS[timeframe]
    span = min(timedelta(days=days), MAX_SPAN[timeframe])
    end = ctx.now + timedelta(minutes=1)
    fetched = await ctx.deps.market.bars(symbol, timeframe, end - span, end)
    bars = fetched.value
    n = len(bars)
    data: dict[str, Any] = {
        "symbol": bars.symbol,
        "timeframe": timeframe.value,
        "bar_count": n,
        "source": bars.source.value,
        "as_of": fetched.as_of.isoformat(),
        "stale": fetched.stale,
    }
    if n:
        first, last = float(bars.open[0]), float(bars.close[-1])
        data.update(
            {
                "high": money(float(np.max(bars.high))),
                "low": money(float(np.min(bars.low))),
                "first_open": money(first),
                "last_close": money(last),
                "change": money(last - first),
                "change_percent": pct((last / first - 1.0) * 100.0) if first else None,
                "total_volume": round(float(np.sum(bars.volume))),
            }
        )
        lo = max(0, n - MAX_BARS_TO_MODEL)
        times = bars.time[lo:].astype("datetime64[s]").astype(str)
        data["bars"] = [
            {
                "t": f"{times[i - lo]}Z",
                "o": money(float(bars.open[i])),
                "h": money(float(bars.high[i])),
                "l": money(float(bars.low[i])),
                "c": money(float(bars.close[i])),
                "v": round(float(bars.volume[i])),
            }
            for i in range(lo, n)
        ]
    summary = f"{bars.symbol} {n} × {timeframe.value} bars"
    cite = market_citation(
        ctx, f"{bars.symbol} {timeframe.value} bars", fetched.as_of, bars.source.value
    )
    return ToolResult(data, (cite,), (), summary)


async def get_market_status(ctx: ToolContext) -> ToolResult:
    """Whether the US stock market is open now: the phase (pre-market 04:00–09:30 ET, regular
    09:30–16:00 ET, after-hours to 20:00 ET, closed), today's session, the next regular open and
    close (UTC), and whether today closes early."""
    status = ctx.deps.market.status(ctx.now)
    session = status.session
    data = {
        "phase": status.phase.value,
        "now": status.now.isoformat(),
        "session_date": session.date.isoformat() if session else None,
        "regular_open": session.open_at.isoformat() if session else None,
        "regular_close": session.close_at.isoformat() if session else None,
        "next_open": status.next_open.isoformat() if status.next_open else None,
        "next_close": status.next_close.isoformat() if status.next_close else None,
        "is_early_close": status.is_early_close,
        "source": ctx.deps.market.source,
    }
    cite = Citation(ctx.deps.market.source, status.now, status.phase.value, "Market status")
    return ToolResult(data, (cite,), (), f"Market {status.phase.value}")


def register_market_tools(registry: ToolRegistry) -> None:
    for fn in (get_key_levels, get_quote, get_chart_data, get_market_status):
        registry.register(fn)
