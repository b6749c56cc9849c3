"""JSON shapes of ``POST /api/options/analyze`` and ``GET /api/portfolio/greeks``.

Units: prices and P&L in DOLLARS (P&L for the whole position, ``units = quantity * multiplier``);
``iv`` annual decimal; IV shifts in vol points (``+2`` = +2 %); Greeks per share on legs and in
dollars on the position (see :mod:`aicoach.options.core.analysis`). No number is NaN or infinite;
unlimited gain or loss is ``null`` with ``*_unlimited: true``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aicoach.options.core.legs import LegKind, leg_shape_problem
from aicoach.options.service import AnalysisOutcome, LegSpec, Scenario, greek_phrases, instant_of

Money = Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]
VolPoints = Annotated[float, Field(ge=-100, le=500, allow_inf_nan=False)]


class AnalyzeLeg(BaseModel):
    """One leg: ``quantity`` signed (+ long, - short), contracts for options, shares for stock."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=20, examples=["SPY"])
    kind: LegKind
    strike: Money | None = Field(None, description="Dollars; options only.")
    expiration: date | None = Field(None, description="Expiration session; options only.")
    quantity: int = Field(ge=-100_000, le=100_000, description="Signed; not zero.")
    entry_price: Money = Field(description="Dollars per share paid (or received) to open.")
    multiplier: int = Field(100, ge=1, le=10_000, description="Shares per contract.")
    iv: float | None = Field(
        None, gt=0, le=10, allow_inf_nan=False,
        description="Annual IV (0.25 = 25 %); default: the contract's mid IV from the chain.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _shape(self) -> AnalyzeLeg:
        if self.quantity == 0:
            raise ValueError("quantity must be non-zero (+ long, - short)")
        problem = leg_shape_problem(self.kind is LegKind.STOCK, self.strike, self.expiration)
        if problem is not None:
            raise ValueError(problem)
        return self


class GridSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prices: int = Field(200, ge=2, le=1000, description="Prices on the risk graph and grid.")
    dates: int = Field(30, ge=2, le=200, description="Instants from valuation to first expiry.")


class ScenarioIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    underlying_price: Money | None = Field(None, description="Dollars; default: the last price.")
    iv_shift_points: VolPoints = Field(0.0, description="IV points added to every leg.")
    leg_iv_shift_points: dict[int, VolPoints] = Field(
        default_factory=dict, max_length=50, description="IV points per 0-based leg index."
    )
    valuation_date: date | datetime | None = Field(
        None, description="When to value (a date = that session's close); default: now."
    )
    rate: float | None = Field(
        None, ge=-0.05, le=0.25, allow_inf_nan=False,
        description="Risk-free rate, annual decimal; default: settings.",
    )  # fmt: skip
    dates: list[date | datetime] = Field(
        default_factory=list, max_length=10,
        description="Extra risk-graph lines (a date = that session's close).",
    )  # fmt: skip
    grid: GridSpec = Field(default_factory=GridSpec)


class AnalyzeRequest(BaseModel):
    """Exactly one of ``position_ids`` (your saved legs) or ``legs``, plus a scenario."""

    model_config = ConfigDict(extra="forbid")

    position_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, min_length=1, max_length=50
    )
    legs: list[AnalyzeLeg] | None = Field(None, min_length=1, max_length=20)
    scenario: ScenarioIn = Field(default_factory=ScenarioIn)

    @model_validator(mode="after")
    def _one_source(self) -> AnalyzeRequest:
        if (self.position_ids is None) == (self.legs is None):
            raise ValueError("give exactly one of position_ids or legs")
        return self


# --- response ---------------------------------------------------------------------------------


class StrategyRead(BaseModel):
    name: str = Field(description="Recognised structure, e.g. iron_condor; custom otherwise.")
    label: str
    underlying: str
    count: int
    strikes: list[float]
    expirations: list[date]
    premium_per_unit: float = Field(description="Dollars per share; > 0 debit, < 0 credit.")
    is_credit: bool
    is_long: bool | None
    broken_wing: bool


class LegRead(BaseModel):
    index: int
    label: str
    units: int = Field(description="quantity * multiplier (shares).")
    model: str = Field(
        description="bsm-european, crank-nicolson-fd-american, bjerksund-stensland-2002 or stock."
    )
    sigma: float | None = Field(description="IV used (after shifts), annual decimal.")
    iv_source: str = Field(description="input, chain, chain-atm, fallback or none (stock).")
    t_years: float
    value_per_share: float | None
    pnl: float | None = Field(description="Dollars.")
    delta: float | None
    gamma: float | None
    theta_per_day: float | None
    vega_per_vol_point: float | None
    rho_per_rate_point: float | None


class GreeksRead(BaseModel):
    delta_shares: float | None = Field(description="Share-equivalent exposure.")
    delta_dollars: float | None = Field(description="delta_shares * spot.")
    gamma_shares_per_dollar: float | None
    theta_dollars_per_day: float | None
    vega_dollars_per_vol_point: float | None
    rho_dollars_per_rate_point: float | None = Field(description="null when a leg is American.")


class ExpiryRead(BaseModel):
    max_gain: float | None = Field(description="Dollars; null when unlimited.")
    max_gain_unlimited: bool
    max_gain_at: float | None
    max_loss: float | None = Field(description="Dollars (negative); null when unlimited.")
    max_loss_unlimited: bool
    max_loss_at: float | None
    breakevens: list[float]
    profitable_ranges: list[list[float | None]]
    slope_at_infinity: float
    method: str


class ProbabilityRead(BaseModel):
    pop: float = Field(description="Probability of profit at first expiry, 0..1.")
    sigma: float
    t_years: float
    expected_move: float = Field(description="One-sigma move to first expiry, dollars.")
    expected_low: float
    expected_high: float
    model: str


class DateLineRead(BaseModel):
    at: datetime
    pnl: list[float | None]


class RiskGraphRead(BaseModel):
    prices: list[float | None]
    expiry: list[float | None] = Field(description="P&L at first expiry, dollars.")
    today: list[float | None] = Field(description="P&L at the valuation time, dollars.")
    dates: list[DateLineRead]


class GridRead(BaseModel):
    prices: list[float | None]
    dates: list[datetime]
    pnl: list[list[float | None]] = Field(description="pnl[date][price], dollars.")


class LevelPnlRead(BaseModel):
    label: str
    price: float
    pnl_now: float | None
    pnl_at_expiry: float | None


class AnalysisRead(BaseModel):
    symbol: str
    source: str
    stale: bool
    quote_as_of: datetime
    r: float
    q: float
    strategy: StrategyRead
    spot: float
    valuation_at: datetime
    first_expiration: date
    t_first_years: float
    entry_cost: float = Field(description="Dollars paid to open (> 0 debit, < 0 credit).")
    value_now: float | None
    pnl_now: float | None
    legs: list[LegRead]
    greeks: GreeksRead
    phrases: dict[str, str] = Field(description="Plain-English readings of the Greeks.")
    expiry: ExpiryRead
    probability: ProbabilityRead
    risk_graph: RiskGraphRead
    grid: GridRead
    levels: list[LevelPnlRead] = Field(description="P&L at each key level, now and at expiry.")
    models: list[str]
    warnings: list[str]


class UnderlyingGreeksRead(BaseModel):
    underlying: str
    spot: float
    beta: float | None = Field(description="Beta to SPY; null when unknown.")
    delta_shares: float
    delta_dollars: float
    gamma_shares_per_dollar: float
    gamma_dollars_per_pct: float = Field(description="Change of delta dollars per +1 % move.")
    theta_dollars_per_day: float
    vega_dollars_per_vol_point: float
    beta_weighted_delta: float | None = Field(description="SPY shares.")


class PortfolioGreeksRead(BaseModel):
    underlyings: list[UnderlyingGreeksRead]
    spy_price: float
    delta_dollars: float
    gamma_dollars_per_pct: float
    theta_dollars_per_day: float
    vega_dollars_per_vol_point: float
    beta_weighted_delta: float = Field(description="SPY shares moving the same dollars.")
    beta_weighted_delta_dollars: float
    unweighted: list[str] = Field(description="Underlyings without a known beta (left out).")
    phrases: dict[str, str]
    warnings: list[str]
    as_of: datetime


# --- conversions shared by the route and the CLI ----------------------------------------------


def leg_specs(legs: list[AnalyzeLeg]) -> list[LegSpec]:
    return [
        LegSpec(leg.symbol, leg.kind, leg.strike, leg.expiration, leg.quantity, leg.entry_price,
                leg.multiplier, leg.iv, f"legs[{i}]")
        for i, leg in enumerate(legs)
    ]  # fmt: skip


def to_scenario(data: ScenarioIn, close_of: Callable[[date], datetime]) -> Scenario:
    """Request scenario → service scenario; a bare date means that session's close."""

    def at(value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            return instant_of(value)
        return instant_of(value, close_of(value))

    return Scenario(
        underlying_price=data.underlying_price,
        iv_shift_points=data.iv_shift_points,
        leg_iv_shift_points=dict(data.leg_iv_shift_points),
        valuation_at=None if data.valuation_date is None else at(data.valuation_date),
        rate=data.rate,
        dates=[at(d) for d in data.dates],
        n_prices=data.grid.prices,
        n_dates=data.grid.dates,
    )


def analysis_read(outcome: AnalysisOutcome) -> AnalysisRead:
    prepared, result = outcome.prepared, outcome.analysis
    payload = result.to_dict()
    legs = payload["legs"]
    assert isinstance(legs, list)
    for row, inputs in zip(legs, prepared.inputs, strict=True):
        row["iv_source"] = inputs.iv_source
    payload.update(
        symbol=prepared.symbol,
        source=prepared.source,
        stale=prepared.stale,
        quote_as_of=prepared.spot_as_of,
        r=prepared.market.r,
        q=prepared.market.q,
        phrases=greek_phrases(result.greeks, prepared.symbol),
        warnings=list(prepared.warnings),
    )
    return AnalysisRead.model_validate(payload)
