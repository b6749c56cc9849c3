"""The key-levels tool for the coach: nearest support and resistance, the strongest nearby
levels, ATR, RSI and VWAP, from the same ``LevelsService`` the levels API runs."""

from __future__ import annotations

import math
from datetime import date
from typing import Protocol

from pydantic import BaseModel, Field

from aicoach.coach.tools import Card, IsoDatetime, ToolContext, ToolResult, tool
from aicoach.levels.core.models import Level
from aicoach.levels.service import LevelsService
from aicoach.marketdata.service import MarketDataService
from aicoach.marketdata.tools import Symbol, market_citation, money, pct

#: Levels listed in ``top_levels``: the nearest ones to the price.
TOP_LEVELS = 8


class LevelsToolDeps(Protocol):
    """What the levels tool uses: the levels engine, and the market's calendar for citations."""

    @property
    def levels(self) -> LevelsService: ...

    @property
    def market(self) -> MarketDataService: ...


class NearestLevel(BaseModel):
    label: str
    price: float | None
    distance_dollars: float | None = Field(description="Level minus price (positive = above).")
    distance_percent: float | None = Field(description="Percent of price.")


class TopLevel(BaseModel):
    label: str
    kind: str
    price: float | None
    distance_dollars: float | None
    strength: int | None = Field(description="0-100.")


class KeyLevelsCard(BaseModel):
    """The ``key_levels`` card."""

    symbol: str
    price: float | None
    nearest_support: NearestLevel | None
    nearest_resistance: NearestLevel | None
    atr_daily: float | None
    top_levels: list[TopLevel] = Field(description="Nearest levels, high to low.")
    source: str
    as_of: IsoDatetime


class KeyLevelsResult(KeyLevelsCard):
    """``get_key_levels``: the card's fields plus RSI, VWAP and the session."""

    rsi_daily: float | None
    vwap: float | None
    session_date: date
    market_phase: str
    stale: bool


def _nearest(lv: Level | None) -> NearestLevel | None:
    if lv is None:
        return None
    return NearestLevel(
        label=lv.label,
        price=money(lv.price),
        distance_dollars=money(lv.distance_dollars),
        distance_percent=pct(lv.distance_percent),
    )


@tool(phrase="Looking up {symbol!u} key levels")
async def get_key_levels(
    ctx: ToolContext[LevelsToolDeps], symbol: Symbol
) -> ToolResult[KeyLevelsResult]:
    """Key support/resistance levels for a symbol now: nearest support and resistance, the
    strongest nearby levels (prior day/week/month highs and lows, pivots, VWAP, opening range,
    moving averages, swing levels, confluence), daily ATR and RSI. Prices in dollars; distances
    are level minus price (positive = above)."""
    report = await ctx.deps.levels.key_levels(symbol, ctx.now)
    kl = report.levels
    nearby = sorted(kl.all_levels(), key=lambda lv: abs(lv.distance_dollars))[:TOP_LEVELS]
    top = [
        TopLevel(
            label=lv.label,
            kind=lv.kind.value,
            price=money(lv.price),
            distance_dollars=money(lv.distance_dollars),
            strength=round(float(lv.strength)) if math.isfinite(lv.strength) else None,
        )
        for lv in sorted(nearby, key=lambda lv: -lv.price)
    ]
    card = KeyLevelsCard(
        symbol=kl.symbol,
        price=money(kl.price),
        nearest_support=_nearest(kl.nearest_support),
        nearest_resistance=_nearest(kl.nearest_resistance),
        atr_daily=money(kl.atr_daily),
        top_levels=top,
        source=report.source,
        as_of=report.as_of,
    )
    data = KeyLevelsResult(
        **card.model_dump(),
        rsi_daily=pct(kl.rsi_daily),
        vwap=money(kl.vwap.vwap) if kl.vwap is not None else None,
        session_date=report.session.date,
        market_phase=report.phase.value,
        stale=report.stale,
    )
    summary = f"{kl.symbol} ${kl.price:.2f}"
    if kl.nearest_support is not None:
        summary += f" · support ${kl.nearest_support.price:.2f}"
    if kl.nearest_resistance is not None:
        summary += f" · resistance ${kl.nearest_resistance.price:.2f}"
    cite = market_citation(ctx.deps.market, f"{kl.symbol} key levels", report.as_of, report.source)
    return ToolResult(data, (cite,), (Card("key_levels", card),), summary)


#: The slice's coach tools (``Manifest(tools=TOOLS)``).
TOOLS = (get_key_levels,)
