"""JSON shapes of the positions API.

``POST /api/positions`` takes either one leg (``LegCreate``) or a strategy
``{"legs": [LegCreate, ...], "label": "..."}``; a body with a ``legs`` key is a strategy.
Money goes in as exact decimals (JSON numbers or strings, at most 6 decimal places) and is stored
as ``Numeric(18, 6)``; it comes back as JSON numbers. Strikes and prices are dollars (prices per
share); quantities are signed (+ long, - short), contracts for options, shares for stock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from aicoach.kit.timebounds import BoundedDate, BoundedDatetime
from aicoach.options.core.legs import leg_shape_problem
from aicoach.positions.models import Position, PositionKind, Strategy

DecimalMoney = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, le=10**9)]
Quantity = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
Notes = Annotated[str, Field(max_length=2000)]


class LegCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=20, examples=["SPY"])
    kind: PositionKind
    strike: DecimalMoney | None = Field(None, description="Dollars; options only.")
    expiration: BoundedDate | None = Field(None, description="Expiration session; options only.")
    quantity: Quantity = Field(description="Signed, non-zero: contracts (options) or shares.")
    entry_price: DecimalMoney = Field(description="Dollars per share paid or received.")
    multiplier: int = Field(100, ge=1, le=10_000, description="Shares per contract (options).")
    opened_at: BoundedDatetime | None = Field(None, description="Default: now. With an offset.")
    notes: Notes = ""

    @field_validator("quantity")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("must be non-zero (+ long, - short)")
        return v

    @model_validator(mode="after")
    def _shape(self) -> LegCreate:
        problem = leg_shape_problem(self.kind is PositionKind.STOCK, self.strike, self.expiration)
        if problem is not None:
            raise ValueError(problem)
        return self


class StrategyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    legs: list[LegCreate] = Field(min_length=1, max_length=20)
    label: str | None = Field(None, max_length=120, description="Your own name for it.")


def _body_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "strategy" if "legs" in value else "leg"
    return "strategy" if isinstance(value, StrategyCreate) else "leg"


PositionCreate = Annotated[
    Annotated[StrategyCreate, Tag("strategy")] | Annotated[LegCreate, Tag("leg")],
    Discriminator(_body_kind),
]


class PositionUpdate(BaseModel):
    """Fields to change; the leg is re-validated (chain, strike, expiration) as a whole."""

    model_config = ConfigDict(extra="forbid")

    strike: DecimalMoney | None = None
    expiration: BoundedDate | None = None
    quantity: Quantity | None = None
    entry_price: DecimalMoney | None = None
    opened_at: BoundedDatetime | None = None
    notes: Notes | None = None

    @field_validator("quantity")
    @classmethod
    def _nonzero(cls, v: int | None) -> int | None:
        if v == 0:
            raise ValueError("must be non-zero (+ long, - short)")
        return v


class StrategyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(max_length=120)


class PositionRead(BaseModel):
    id: int
    strategy_id: int
    symbol: str
    kind: PositionKind
    strike: float | None = Field(description="Dollars.")
    expiration: date | None
    quantity: int
    entry_price: float = Field(description="Dollars per share.")
    multiplier: int
    opened_at: datetime
    notes: str
    created_at: datetime

    @classmethod
    def of(cls, p: Position) -> PositionRead:
        return cls(
            id=p.id, strategy_id=p.strategy_id, symbol=p.symbol, kind=p.kind,
            strike=None if p.strike is None else float(p.strike), expiration=p.expiration,
            quantity=p.quantity, entry_price=float(p.entry_price), multiplier=p.multiplier,
            opened_at=p.opened_at, notes=p.notes, created_at=p.created_at,
        )  # fmt: skip


class StrategyRead(BaseModel):
    id: int
    underlying: str
    name: str = Field(description="Recognised structure (iron_condor, covered_call, custom...).")
    title: str = Field(description="Recognised structure in words, e.g. 'Iron condor 560/...'.")
    label: str | None = Field(description="Your own label.")
    created_at: datetime
    legs: list[PositionRead]

    @classmethod
    def of(cls, s: Strategy, legs: list[Position], title: str) -> StrategyRead:
        return cls(id=s.id, underlying=s.underlying, name=s.name, title=title, label=s.label,
                   created_at=s.created_at, legs=[PositionRead.of(p) for p in legs])  # fmt: skip
