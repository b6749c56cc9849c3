"""JSON shapes of the positions API.

``POST /api/positions`` takes either one leg (``LegCreate``) or a strategy
``{"legs": [LegCreate, ...], "label": "..."}``; a body with a ``legs`` key is a strategy.
Money goes in as exact decimals (JSON numbers or strings, at most 6 decimal places) and is stored
as ``Numeric(18, 6)``; it comes back as JSON numbers. Strikes and prices are dollars (prices per
share); quantities are signed (+ long, - short), contracts for options, shares for stock.

``POST /api/strategies/{id}/close`` takes ``StrategyClose``: a close price per leg (a leg left
out closes at its current mid); the strategy comes back with ``status: "closed"``, ``closed_at``
and ``realized_pnl`` (dollars), each leg with its ``close_price`` and ``realized_pnl``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from aicoach.options.core.legs import leg_shape_problem
from aicoach.positions.models import Position, PositionKind, Strategy

DecimalMoney = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, le=10**9)]
Quantity = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
Notes = Annotated[str, Field(max_length=2000)]
#: A close price may be zero: an option that expired worthless (or is bought back for nothing).
ClosePrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, le=10**9)]


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError("needs a timezone offset, e.g. 2026-11-20T15:30:00Z")
    return value


class LegCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=20, examples=["SPY"])
    kind: PositionKind
    strike: DecimalMoney | None = Field(None, description="Dollars; options only.")
    expiration: date | None = Field(None, description="Expiration session; options only.")
    quantity: Quantity = Field(description="Signed, non-zero: contracts (options) or shares.")
    entry_price: DecimalMoney = Field(description="Dollars per share paid or received.")
    multiplier: int = Field(100, ge=1, le=10_000, description="Shares per contract (options).")
    opened_at: datetime | None = Field(None, description="Default: now. With an offset.")
    notes: Notes = ""

    @field_validator("opened_at")
    @classmethod
    def _opened(cls, v: datetime | None) -> datetime | None:
        return _aware(v)

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
    expiration: date | None = None
    quantity: Quantity | None = None
    entry_price: DecimalMoney | None = None
    opened_at: datetime | None = None
    notes: Notes | None = None

    @field_validator("opened_at")
    @classmethod
    def _opened(cls, v: datetime | None) -> datetime | None:
        return _aware(v)

    @field_validator("quantity")
    @classmethod
    def _nonzero(cls, v: int | None) -> int | None:
        if v == 0:
            raise ValueError("must be non-zero (+ long, - short)")
        return v


class StrategyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(max_length=120)


class LegClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position_id: int = Field(ge=1, le=2**31 - 1, description="A leg of this strategy.")
    close_price: ClosePrice | None = Field(
        None,
        description="Dollars per share received (closing a long) or paid (closing a short); "
        "0 for worthless. Default: the current mid.",
    )


class StrategyClose(BaseModel):
    """Close prices for some or all legs; the legs left out close at their current mid."""

    model_config = ConfigDict(extra="forbid")

    legs: list[LegClose] = Field(default_factory=list, max_length=20)
    closed_at: datetime | None = Field(None, description="Default: now. With an offset.")

    @field_validator("closed_at")
    @classmethod
    def _closed(cls, v: datetime | None) -> datetime | None:
        return _aware(v)

    @field_validator("legs")
    @classmethod
    def _once_each(cls, legs: list[LegClose]) -> list[LegClose]:
        seen: set[int] = set()
        for leg in legs:
            if leg.position_id in seen:
                raise ValueError(f"position {leg.position_id} is listed twice")
            seen.add(leg.position_id)
        return legs


def _float(x: Decimal | None) -> float | None:
    return None if x is None else float(x)


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
    closed_at: datetime | None = Field(description="When the leg was closed; null while open.")
    close_price: float | None = Field(description="Dollars per share; null while open.")
    realized_pnl: float | None = Field(description="Dollars; null while open.")

    @classmethod
    def of(cls, p: Position) -> PositionRead:
        return cls(
            id=p.id, strategy_id=p.strategy_id, symbol=p.symbol, kind=p.kind,
            strike=_float(p.strike), expiration=p.expiration,
            quantity=p.quantity, entry_price=float(p.entry_price), multiplier=p.multiplier,
            opened_at=p.opened_at, notes=p.notes, created_at=p.created_at,
            closed_at=p.closed_at, close_price=_float(p.close_price),
            realized_pnl=_float(p.realized_pnl),
        )  # fmt: skip


class StrategyRead(BaseModel):
    id: int
    underlying: str
    name: str = Field(description="Recognised structure (iron_condor, covered_call, custom...).")
    title: str = Field(description="Recognised structure in words, e.g. 'Iron condor 560/...'.")
    label: str | None = Field(description="Your own label.")
    created_at: datetime
    status: Literal["open", "closed"]
    closed_at: datetime | None = Field(description="null while open.")
    realized_pnl: float | None = Field(
        description="Dollars made (+) or lost (-) by closing, all legs; null while open."
    )
    legs: list[PositionRead]

    @classmethod
    def of(cls, s: Strategy, legs: list[Position], title: str) -> StrategyRead:
        return cls(id=s.id, underlying=s.underlying, name=s.name, title=title, label=s.label,
                   created_at=s.created_at, status="closed" if s.is_closed else "open",
                   closed_at=s.closed_at, realized_pnl=_float(s.realized_pnl),
                   legs=[PositionRead.of(p) for p in legs])  # fmt: skip
