"""A trader's own positions: legs (stock or options) grouped into strategies.

Design: every leg belongs to exactly one ``Strategy`` row — the legs opened together in one
``POST /api/positions``. A single leg gets a strategy of its own, so grouping, recognition and
portfolio views never special-case "ungrouped" legs. The strategy's ``name`` is the structure
recognised from its current legs (``options.strategies.StrategyName`` value) and is recomputed
whenever a leg is added, edited or removed; ``label`` is the trader's own free text. Deleting the
last leg of a strategy deletes the strategy.

Closing: ``POST /api/strategies/{id}/close`` closes every leg of a strategy at once, at a price
per leg (``Position.close_price``, dollars per share); the strategy keeps when it was closed
(``closed_at``, also stamped on each leg) and the realized P&L in dollars,
``sum((close_price - entry_price) * quantity * units per contract)``. A closed strategy is no
longer exposure (portfolio Greeks leave it out) but stays listed, read-only, as history.

Money is ``Decimal`` stored as ``Numeric(18, 6)`` (dollars per share for ``entry_price``, dollars
for ``strike``); quantities are signed integers (``+`` long, ``-`` short) in contracts for options
and shares for stock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aicoach.kit.orm import Base, CreatedAtMixin, IdMixin

MONEY = Numeric(18, 6, asdecimal=True)


class PositionKind(StrEnum):
    STOCK = "stock"
    CALL = "call"
    PUT = "put"


class Strategy(IdMixin, CreatedAtMixin, Base):
    """Legs opened together; ``name`` is recognised, ``label`` is the trader's."""

    __tablename__ = "strategies"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    underlying: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    label: Mapped[str | None] = mapped_column(String(120), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    realized_pnl: Mapped[Decimal | None] = mapped_column(MONEY, default=None)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Position(IdMixin, CreatedAtMixin, Base):
    """One leg of a trader's position."""

    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        CheckConstraint("entry_price > 0", name="entry_price_positive"),
        CheckConstraint(
            "(kind = 'stock' AND strike IS NULL AND expiration IS NULL) OR "
            "(kind <> 'stock' AND strike IS NOT NULL AND expiration IS NOT NULL)",
            name="option_fields",
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    strategy_id: Mapped[int] = mapped_column(
        ForeignKey("strategies.id", ondelete="CASCADE"), index=True
    )
    symbol: Mapped[str] = mapped_column(String(20))
    kind: Mapped[PositionKind] = mapped_column(
        Enum(
            PositionKind,
            native_enum=False,
            length=8,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    strike: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    expiration: Mapped[date | None] = mapped_column(default=None)
    quantity: Mapped[int]
    entry_price: Mapped[Decimal] = mapped_column(MONEY)
    multiplier: Mapped[int] = mapped_column(default=100)
    opened_at: Mapped[datetime]
    notes: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_price: Mapped[Decimal | None] = mapped_column(MONEY, default=None)

    @property
    def units(self) -> int:
        """Shares the leg stands for: quantity × multiplier for options, quantity for stock."""
        return self.quantity * (1 if self.kind is PositionKind.STOCK else self.multiplier)

    @property
    def realized_pnl(self) -> Decimal | None:
        """Dollars made (+) or lost (−) by closing, ``None`` while open."""
        if self.close_price is None:
            return None
        return (self.close_price - self.entry_price) * self.units
