"""Options tools for the coach: expirations, a chain around the money, and the analysis of a
position (saved legs by id, or hypothetical legs). They call the chain and analysis services
(the same code the HTTP API runs); saved legs are read with ``ctx.user_id`` only."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Protocol

import numpy as np
from pydantic import Field

from aicoach.coach.tools import Card, Citation, ToolContext, ToolResult, tool
from aicoach.errors import ValidationFailedError
from aicoach.marketdata.service import MarketDataService
from aicoach.marketdata.tools import Symbol, market_citation, money, pct
from aicoach.options.chain import ChainService, ChainTable
from aicoach.options.core.legs import LegKind
from aicoach.options.ports import SavedLegs
from aicoach.options.service import AnalysisService, LegSpec, Scenario, instant_of
from aicoach.options.tool_models import (
    AnalysedLeg,
    AnalysisResult,
    ChainCard,
    ChainCardRow,
    ChainCardSide,
    ChainResult,
    ChainRow,
    ChainSide,
    ExpirationRow,
    ExpirationsResult,
    LegIn,
    PnlAtLevel,
    PositionGreeks,
    PositionSummaryCard,
    RiskGraphCard,
    SummaryLeg,
)

MAX_EXPIRATIONS = 30
RISK_GRAPH_POINTS = 61


class OptionsToolDeps(Protocol):
    """What the options tools use."""

    @property
    def market(self) -> MarketDataService: ...

    @property
    def chains(self) -> ChainService: ...

    @property
    def analysis(self) -> AnalysisService: ...

    @property
    def saved_legs(self) -> SavedLegs: ...


def your_data(market: MarketDataService, ctx: ToolContext[Any], label: str) -> Citation:
    """A citation for the trader's own data (positions), at the context's time."""
    phase = market.calendar.phase_at(ctx.now).value
    return Citation("your data", ctx.now, phase, label)


def num(x: Any, digits: int = 4) -> float | None:
    """``x`` rounded to ``digits`` places; ``None`` for missing or non-finite."""
    if x is None:
        return None
    f = float(x)
    return round(f, digits) if math.isfinite(f) else None


@tool(phrase="Listing {symbol!u} expirations")
async def get_expirations(
    ctx: ToolContext[OptionsToolDeps], symbol: Symbol
) -> ToolResult[ExpirationsResult]:
    """Option expirations listed for a symbol that have not expired, nearest first, with
    calendar days to expiry and the cycle (monthly, weekly, daily)."""
    chains = ctx.deps.chains
    listed, as_of, stale = await chains.expirations(symbol)
    sym = symbol.strip().upper()
    rows = [
        ExpirationRow(expiration=e.expiration, days=e.days_to_expiry, cycle=e.cycle.value)
        for e in listed[:MAX_EXPIRATIONS]
    ]
    data = ExpirationsResult(symbol=sym, expirations=rows, total_listed=len(listed), stale=stale)
    cite = market_citation(ctx.deps.market, f"{sym} expirations", as_of, chains.market.source)
    first = f", nearest {rows[0].expiration.isoformat()}" if rows else ""
    return ToolResult(data, (cite,), (), f"{sym}: {len(listed)} expirations{first}")


def _side(table: ChainTable, k: float, right: str) -> ChainSide | None:
    i = next(
        (j for j, c in enumerate(table.contracts) if c.strike == k and c.right.value == right),
        None,
    )
    if i is None:
        return None
    c = table.contracts[i]
    return ChainSide(
        bid=money(c.bid), ask=money(c.ask), mid=money(float(table.mid[i])),
        iv=num(table.iv[i]), delta=num(table.delta[i]), gamma=num(table.gamma[i]),
        theta=num(table.theta_per_day[i]), vega=num(table.vega_per_vol_point[i]),
        volume=c.volume, open_interest=c.open_interest,
    )  # fmt: skip


def _card_side(side: ChainSide | None) -> ChainCardSide | None:
    if side is None:
        return None
    return ChainCardSide(bid=side.bid, ask=side.ask, iv=side.iv, delta=side.delta)


@tool(phrase="Loading the {symbol!u} {expiration} chain")
async def get_options_chain(
    ctx: ToolContext[OptionsToolDeps],
    symbol: Symbol,
    expiration: Annotated[date, Field(description="Expiration date, YYYY-MM-DD.")],
    strikes_around_atm: Annotated[
        int, Field(ge=1, le=30, description="Strikes on each side of the money.")
    ] = 10,
) -> ToolResult[ChainResult]:
    """Calls and puts of one expiration around the money: bid, ask, mid, implied volatility
    (annual, 0.25 = 25 %), delta, gamma, theta (dollars per share per calendar day), vega
    (dollars per share per IV point), volume and open interest, by strike."""
    table = await ctx.deps.chains.chain(symbol, expiration)
    strikes = table.strikes
    spot = table.underlying_price
    centre = int(np.argmin([abs(k - spot) for k in strikes])) if strikes else 0
    chosen = strikes[max(0, centre - strikes_around_atm) : centre + strikes_around_atm + 1]
    rows = [ChainRow(strike=k, call=_side(table, k, "call"), put=_side(table, k, "put"))
            for k in chosen]  # fmt: skip
    atm = table.atm_iv()
    card = ChainCard(
        symbol=table.symbol, expiration=table.expiration, underlying_price=money(spot),
        rows=[ChainCardRow(strike=r.strike, call=_card_side(r.call), put=_card_side(r.put))
              for r in rows],
    )  # fmt: skip
    data = ChainResult(
        symbol=table.symbol, expiration=table.expiration, underlying_price=money(spot),
        rows=rows, days_to_expiry=table.days_to_expiry(), atm_iv=num(atm),
        model=table.model.value, source=table.source, as_of=table.as_of, stale=table.stale,
    )  # fmt: skip
    cite = market_citation(
        ctx.deps.market, f"{table.symbol} {table.expiration} chain", table.as_of, table.source
    )
    atm_text = f", ATM IV {atm * 100:.1f}%" if atm is not None else ""
    summary = f"{table.symbol} {table.expiration}: {len(rows)} strikes{atm_text}"
    return ToolResult(data, (cite,), (Card("options_chain", card),), summary)


def _downsample(values: list[float | None], n: int) -> list[float | None]:
    if len(values) <= n:
        return values
    idx = np.linspace(0, len(values) - 1, n).round().astype(int)
    return [values[i] for i in idx]


@tool(phrase="Analyzing the position")
async def analyze_position(
    ctx: ToolContext[OptionsToolDeps],
    position_ids: Annotated[
        list[int] | None, Field(description="Ids of the trader's saved legs (one underlying).")
    ] = None,
    legs: Annotated[list[LegIn] | None, Field(description="Hypothetical legs instead.")] = None,
    underlying_price: Annotated[
        float | None, Field(gt=0, description="What-if underlying price (dollars).")
    ] = None,
    iv_shift_points: Annotated[
        float, Field(ge=-50, le=200, description="What-if IV change in points (+5 = +5 %).")
    ] = 0.0,
    valuation_date: Annotated[
        date | None, Field(description="What-if valuation date (that day's close).")
    ] = None,
) -> ToolResult[AnalysisResult]:
    """Analyse a position (saved legs by id, or hypothetical legs): P&L now, max gain and max
    loss at the first expiry (dollars; unlimited flagged), breakevens, probability of profit,
    position Greeks in dollars (delta, gamma, theta per day, vega per IV point) and the P&L at
    key levels. What-if inputs: underlying price, IV shift, valuation date."""
    if (position_ids is None) == (legs is None):
        raise ValidationFailedError("Give either position_ids or legs (exactly one of them).")
    analysis = ctx.deps.analysis
    if position_ids is not None:
        specs = await ctx.deps.saved_legs.leg_specs(ctx.session, ctx.user_id, position_ids)
    else:
        specs = [
            LegSpec(leg.symbol, LegKind(leg.kind), leg.strike, leg.expiration, leg.quantity,
                    leg.entry_price, 100 if leg.kind != "stock" else 1, leg.iv, f"legs[{i}]")
            for i, leg in enumerate(legs or [])
        ]  # fmt: skip
    valuation = None
    if valuation_date is not None:
        valuation = instant_of(valuation_date, analysis.close_of(valuation_date))
    scenario = Scenario(
        underlying_price=underlying_price,
        iv_shift_points=iv_shift_points,
        valuation_at=valuation,
        n_prices=121,
        n_dates=5,
    )
    outcome = await analysis.analyze(specs, scenario)
    p, a = outcome.prepared, outcome.analysis
    ex, g = a.expiry, a.greeks
    greeks = PositionGreeks(
        delta=money(g.delta_shares), gamma=num(g.gamma_shares_per_dollar),
        theta_per_day=money(g.theta_dollars_per_day),
        vega_per_vol_point=money(g.vega_dollars_per_vol_point),
    )  # fmt: skip
    breakevens = [money(b) for b in ex.breakevens]
    pop = pct(a.probability.pop * 100.0)
    summary_card = PositionSummaryCard(
        title=a.strategy.label,
        # quantity in contracts (options) or shares (stock), as the trader entered it
        legs=[SummaryLeg(label=leg.label, quantity=p.legs[leg.index].quantity,
                         price=money(leg.value_per_share)) for leg in a.legs],
        pnl_now=money(a.pnl_now), max_gain=money(ex.max_gain), max_loss=money(ex.max_loss),
        max_gain_unlimited=ex.max_gain_unlimited, max_loss_unlimited=ex.max_loss_unlimited,
        breakevens=breakevens, pop=pop, greeks=greeks, position_ids=position_ids or [],
    )  # fmt: skip
    risk_card = RiskGraphCard(
        title=a.strategy.label,
        prices=_downsample([money(x) for x in a.prices.tolist()], RISK_GRAPH_POINTS),
        expiry_pnl=_downsample([money(x) for x in a.expiry_line.tolist()], RISK_GRAPH_POINTS),
        today_pnl=_downsample([money(x) for x in a.today_line.tolist()], RISK_GRAPH_POINTS),
        breakevens=breakevens,
        spot=money(a.spot),
    )
    data = AnalysisResult(
        symbol=p.symbol, strategy=a.strategy.label, spot=money(a.spot),
        valuation_at=a.valuation_at, first_expiration=a.first_expiration,
        entry_cost=money(a.entry_cost), value_now=money(a.value_now),
        pnl_now=summary_card.pnl_now, max_gain=summary_card.max_gain,
        max_loss=summary_card.max_loss, max_gain_unlimited=ex.max_gain_unlimited,
        max_loss_unlimited=ex.max_loss_unlimited, breakevens=breakevens, greeks=greeks,
        probability_of_profit_percent=pop, expected_move=money(a.probability.expected_move),
        pnl_at_levels=[
            PnlAtLevel(label=lv.label, price=money(lv.price), pnl_now=money(lv.pnl_now),
                       pnl_at_expiry=money(lv.pnl_at_expiry))
            for lv in a.levels[:12]
        ],
        legs=[AnalysedLeg(label=leg.label, iv=num(leg.sigma),
                          value_per_share=money(leg.value_per_share), pnl=money(leg.pnl))
              for leg in a.legs],
        warnings=list(p.warnings), source=p.source, quote_as_of=p.spot_as_of,
    )  # fmt: skip
    market = ctx.deps.market
    cites = [market_citation(market, f"{p.symbol} price and options", p.spot_as_of, p.source)]
    if position_ids is not None:
        cites.append(your_data(market, ctx, "Your positions"))
    cards = (Card("position_summary", summary_card), Card("risk_graph", risk_card))
    summary = f"{a.strategy.label}: P&L now ${money(a.pnl_now)}"
    return ToolResult(data, tuple(cites), cards, summary)


#: The slice's coach tools (``Manifest(tools=TOOLS)``).
TOOLS = (get_expirations, get_options_chain, analyze_position)
