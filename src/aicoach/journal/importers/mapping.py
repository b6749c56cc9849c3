"""The generic CSV's column mapping: which column of the user's file holds what.

Names are the file's header cells (compared without case, spaces or punctuation). An option is
either one ``symbol`` column in any notation we read (OCC, IBKR, Schwab, Robinhood, Webull,
thinkorswim text) or the four ``underlying``/``expiration``/``strike``/``right`` columns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicoach.journal.importers._dates import zone


class ColumnMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time: str = Field(description="the column with the date, or date and time, of the fill")
    time_of_day: str | None = Field(None, description="a separate time-of-day column, if any")
    symbol: str | None = Field(None, description="ticker or option symbol in any known notation")
    underlying: str | None = None
    expiration: str | None = None
    strike: str | None = None
    right: str | None = Field(None, description="call/put column (C, P, CALL, PUT)")
    quantity: str
    side: str | None = Field(None, description="buy/sell column; required unless signed")
    quantity_sign: Literal["signed", "side"] = "side"
    price: str
    price_per: Literal["share", "contract"] = "share"
    commission: str | None = None
    fees: str | None = None
    order_id: str | None = None
    effect: str | None = Field(None, description="open/close column (OPEN, CLOSE, BTO, STC …)")
    kind: str | None = Field(None, description="event column: expired / assigned / exercised")
    multiplier: str | None = Field(None, description="column with shares per contract")
    default_multiplier: int = Field(100, ge=1, le=10_000)
    time_zone: str = "America/New_York"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @model_validator(mode="after")
    def _complete(self) -> ColumnMapping:
        parts = (self.underlying, self.expiration, self.strike, self.right)
        if self.symbol is None and None in parts:
            raise ValueError(
                "say which column holds the symbol, or all four of underlying, expiration, "
                "strike and right"
            )
        if self.quantity_sign == "side" and self.side is None:
            raise ValueError("say which column holds buy/sell, or that quantities are signed")
        return self

    def columns(self) -> dict[str, str]:
        """Role → column name, for every role the mapping names."""
        roles = (
            "time", "time_of_day", "symbol", "underlying", "expiration", "strike", "right",
            "quantity", "side", "price", "commission", "fees", "order_id", "effect", "kind",
            "multiplier",
        )  # fmt: skip
        return {role: name for role in roles if (name := getattr(self, role)) is not None}
