"""Positions tools for the coach: the trader's saved strategies with their P&L now, and the
portfolio Greeks. They call ``PositionService`` (the same code the HTTP API runs) with
``ctx.user_id`` only: the model can never name another trader."""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel, Field

from aicoach.coach.tools import Card, IsoDatetime, ToolContext, ToolResult, tool
from aicoach.errors import AICoachError
from aicoach.marketdata.service import MarketDataService
from aicoach.marketdata.tools import market_citation, money
from aicoach.options.chain import ChainService
from aicoach.options.core.analysis import PositionValuer, leg_greeks
from aicoach.options.core.legs import LegKind
from aicoach.options.service import AnalysisService, LegSpec, Scenario
from aicoach.options.tools import your_data
from aicoach.positions.repository import PositionRepository
from aicoach.positions.schemas import StrategyRead
from aicoach.positions.service import PositionService


class PositionsToolDeps(Protocol):
    """What the positions tools use."""

    @property
    def market(self) -> MarketDataService: ...

    @property
    def chains(self) -> ChainService: ...

    @property
    def analysis(self) -> AnalysisService: ...


# --- result models -----------------------------------------------------------------------------


class SavedLeg(BaseModel):
    position_id: int
    kind: str = Field(description="call | put | stock")
    strike: float | None
    expiration: date | None
    quantity: int = Field(description="Contracts or shares; negative = short.")
    entry_price: float = Field(description="Dollars per share.")


class SavedStrategy(BaseModel):
    strategy_id: int
    label: str = Field(description="The trader's label, else the recognised structure in words.")
    structure: str = Field(description="Recognised structure: iron_condor, short_put, custom...")
    underlying: str
    pnl_now: float | None
    legs: list[SavedLeg]


class PositionsResult(BaseModel):
    """``get_positions``: every saved strategy; ``total_pnl`` sums those with a P&L."""

    strategies: list[SavedStrategy]
    total_pnl: float | None
    warnings: list[str]


class PnlRow(BaseModel):
    label: str
    pnl: float | None


class PnlTrackerCard(BaseModel):
    """The ``pnl_tracker`` card."""

    total_pnl: float | None
    positions: list[PnlRow]
    sparkline: list[float | None]


class UnderlyingGreeks(BaseModel):
    """One underlying's net Greeks: delta in shares and dollars, gamma per dollar and in
    delta dollars per 1 % move, theta per day and vega per IV point in dollars."""

    underlying: str
    spot: float | None
    beta: float | None
    delta_shares: float | None
    delta_dollars: float | None
    gamma_shares_per_dollar: float | None
    gamma_dollars_per_pct: float | None
    theta_dollars_per_day: float | None
    vega_dollars_per_vol_point: float | None
    beta_weighted_delta: float | None


class PortfolioPhrases(BaseModel):
    """Plain-English readings of the totals."""

    beta_weighted_delta: str
    theta: str
    vega: str


class PortfolioGreeksResult(BaseModel):
    """``get_portfolio_greeks``: per underlying and in total, beta-weighted to SPY."""

    underlyings: list[UnderlyingGreeks]
    spy_price: float | None
    delta_dollars: float | None
    gamma_dollars_per_pct: float | None
    theta_dollars_per_day: float | None
    vega_dollars_per_vol_point: float | None
    beta_weighted_delta: float | None = Field(description="SPY shares.")
    beta_weighted_delta_dollars: float | None
    unweighted: list[str] = Field(description="Underlyings without a known beta.")
    phrases: PortfolioPhrases
    warnings: list[str]
    as_of: IsoDatetime


# --- tools -------------------------------------------------------------------------------------


def _rounded(value: Any) -> Any:
    """A copy with floats rounded to 4 places (NaN/inf → None)."""
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


async def _strategy_pnl(analysis: AnalysisService, s: StrategyRead) -> tuple[float, Any]:
    """The strategy's P&L now (dollars) and the as-of time of the price it used."""
    specs = [
        LegSpec(p.symbol, LegKind(p.kind.value), p.strike, p.expiration, p.quantity,
                p.entry_price, p.multiplier, None, f"position {p.id}")
        for p in s.legs
    ]  # fmt: skip
    prepared = await analysis.prepare(specs, Scenario())
    if any(leg.is_option for leg in prepared.legs):
        rows = leg_greeks(PositionValuer(prepared.legs, prepared.market))
        return float(sum(r.pnl for r in rows)), prepared.spot_as_of
    spot = prepared.market.spot
    pnl = float(sum(leg.units * (spot - leg.entry_price) for leg in prepared.legs))
    return pnl, prepared.spot_as_of


@tool(phrase="Reading your positions")
async def get_positions(ctx: ToolContext[PositionsToolDeps]) -> ToolResult[PositionsResult]:
    """The trader's open positions grouped by strategy: legs (kind, strike, expiration,
    quantity, entry price) and the profit or loss now in dollars per strategy."""
    deps = ctx.deps
    service = PositionService(PositionRepository(ctx.session), deps.market, deps.chains)
    out: list[SavedStrategy] = []
    pnl_rows: list[PnlRow] = []
    warnings: list[str] = []
    as_of = ctx.now
    for s in await service.strategies(ctx.user_id):
        pnl: float | None = None
        try:
            pnl, priced_at = await _strategy_pnl(deps.analysis, s)
            as_of = min(as_of, priced_at)
        except AICoachError as exc:
            warnings.append(f"{s.title}: P&L unavailable ({exc.message})")
        label = s.label or s.title
        out.append(
            SavedStrategy(
                strategy_id=s.id, label=label, structure=s.name, underlying=s.underlying,
                pnl_now=money(pnl),
                legs=[SavedLeg(position_id=p.id, kind=p.kind.value, strike=p.strike,
                               expiration=p.expiration, quantity=p.quantity,
                               entry_price=p.entry_price) for p in s.legs],
            )
        )  # fmt: skip
        if pnl is not None:
            pnl_rows.append(PnlRow(label=label, pnl=money(pnl)))
    total = money(sum(r.pnl or 0.0 for r in pnl_rows)) if pnl_rows else None
    data = PositionsResult(strategies=out, total_pnl=total, warnings=warnings)
    cites = [your_data(deps.market, ctx, "Your positions")]
    cards: tuple[Card, ...] = ()
    if pnl_rows:
        cites.append(market_citation(deps.market, "Prices for P&L", as_of, deps.market.source))
        card = PnlTrackerCard(total_pnl=total, positions=pnl_rows,
                              sparkline=[r.pnl for r in pnl_rows])  # fmt: skip
        cards = (Card("pnl_tracker", card),)
    summary = f"{len(out)} strategies" + (f", P&L ${total}" if total is not None else "")
    return ToolResult(data, tuple(cites), cards, summary)


@tool(phrase="Adding up your portfolio Greeks")
async def get_portfolio_greeks(
    ctx: ToolContext[PositionsToolDeps],
) -> ToolResult[PortfolioGreeksResult]:
    """The trader's whole book: net delta (dollars), gamma, theta per day and vega per IV point
    per underlying and in total, and the SPY beta-weighted delta, with plain-English readings."""
    deps = ctx.deps
    service = PositionService(PositionRepository(ctx.session), deps.market, deps.chains)
    result = await service.portfolio(ctx.user_id, deps.analysis)
    data = PortfolioGreeksResult.model_validate(_rounded(result.body))
    cites = (
        your_data(deps.market, ctx, "Your positions"),
        market_citation(deps.market, "Portfolio prices", ctx.now, deps.market.source),
    )
    bwd = data.beta_weighted_delta
    summary = f"Beta-weighted delta {bwd} SPY shares" if bwd is not None else "Portfolio Greeks"
    return ToolResult(data, cites, (), summary)


#: The slice's coach tools (``Manifest(tools=TOOLS)``).
TOOLS = (get_positions, get_portfolio_greeks)
