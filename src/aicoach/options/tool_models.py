"""What the options tools return: one Pydantic model per tool (the JSON the model reads, parsed
back by the offline coach's skills) and one per card. Shapes are snapshot-tested
(``tests/chat/tool_schemas/``): a change here is a change of the model-facing contract."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aicoach.coach.tools import IsoDatetime

# --- get_expirations ---------------------------------------------------------------------------


class ExpirationRow(BaseModel):
    expiration: date
    days: int = Field(description="Calendar days to expiry.")
    cycle: str = Field(description="monthly | weekly | daily ...")


class ExpirationsResult(BaseModel):
    """``get_expirations``: at most the nearest 30 of ``total_listed``, nearest first."""

    symbol: str
    expirations: list[ExpirationRow]
    total_listed: int
    stale: bool


# --- get_options_chain -------------------------------------------------------------------------


class ChainSide(BaseModel):
    """One contract: prices in dollars per share, IV annual (0.25 = 25 %), theta per calendar
    day and vega per IV point in dollars per share."""

    bid: float | None
    ask: float | None
    mid: float | None
    iv: float | None
    delta: float | None
    gamma: float | None
    theta: float | None
    vega: float | None
    volume: float | None
    open_interest: float | None


class ChainRow(BaseModel):
    strike: float
    call: ChainSide | None
    put: ChainSide | None


class ChainResult(BaseModel):
    """``get_options_chain``: strikes around the money, low to high."""

    symbol: str
    expiration: date
    underlying_price: float | None
    rows: list[ChainRow]
    days_to_expiry: int
    atm_iv: float | None
    #: The pricing model behind the IVs and Greeks (bjerksund-stensland-2002 for American-style
    #: roots, bsm-european for index options).
    model: str
    source: str
    as_of: IsoDatetime
    stale: bool


class ChainCardSide(BaseModel):
    bid: float | None
    ask: float | None
    iv: float | None
    delta: float | None


class ChainCardRow(BaseModel):
    strike: float
    call: ChainCardSide | None
    put: ChainCardSide | None


class ChainCard(BaseModel):
    """The ``options_chain`` card."""

    symbol: str
    expiration: date
    underlying_price: float | None
    rows: list[ChainCardRow]


# --- analyze_position --------------------------------------------------------------------------


class LegIn(BaseModel):
    """A hypothetical leg (not saved): quantity + long / − short, price in dollars per share."""

    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(min_length=1, max_length=20)
    kind: Literal["call", "put", "stock"]
    strike: float | None = Field(None, gt=0, description="Dollars; options only.")
    expiration: date | None = Field(None, description="YYYY-MM-DD; options only.")
    quantity: int = Field(description="Contracts (options) or shares; negative = short.")
    entry_price: float = Field(gt=0, description="Dollars per share paid or received.")
    iv: float | None = Field(None, gt=0, le=5, description="Annual IV (0.25 = 25 %); optional.")


class PositionGreeks(BaseModel):
    """Position Greeks in dollars: delta in shares, gamma in shares per dollar."""

    delta: float | None
    gamma: float | None
    theta_per_day: float | None
    vega_per_vol_point: float | None


class PnlAtLevel(BaseModel):
    label: str
    price: float | None
    pnl_now: float | None
    pnl_at_expiry: float | None


class AnalysedLeg(BaseModel):
    label: str
    iv: float | None
    value_per_share: float | None
    pnl: float | None


class AnalysisResult(BaseModel):
    """``analyze_position``: dollars for the whole position; ``max_gain``/``max_loss`` are the
    highest/lowest P&L at the first expiry (negative = a loss), ``None`` when unlimited."""

    symbol: str
    strategy: str
    spot: float | None
    valuation_at: IsoDatetime
    first_expiration: date
    entry_cost: float | None = Field(description="Positive = debit paid, negative = credit.")
    value_now: float | None
    pnl_now: float | None
    max_gain: float | None
    max_loss: float | None
    max_gain_unlimited: bool
    max_loss_unlimited: bool
    breakevens: list[float | None]
    greeks: PositionGreeks
    probability_of_profit_percent: float | None
    expected_move: float | None
    pnl_at_levels: list[PnlAtLevel]
    legs: list[AnalysedLeg]
    warnings: list[str]
    source: str
    quote_as_of: IsoDatetime


class SummaryLeg(BaseModel):
    label: str
    quantity: int = Field(description="Contracts (options) or shares (stock).")
    price: float | None


class PositionSummaryCard(BaseModel):
    """The ``position_summary`` card."""

    title: str
    legs: list[SummaryLeg]
    pnl_now: float | None
    max_gain: float | None
    max_loss: float | None
    max_gain_unlimited: bool
    max_loss_unlimited: bool
    breakevens: list[float | None]
    pop: float | None = Field(description="Probability of profit, percent.")
    greeks: PositionGreeks
    position_ids: list[int]


class RiskGraphCard(BaseModel):
    """The ``risk_graph`` card: P&L at expiry and today over a price grid."""

    title: str
    prices: list[float | None]
    expiry_pnl: list[float | None]
    today_pnl: list[float | None]
    breakevens: list[float | None]
    spot: float | None
