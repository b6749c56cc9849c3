"""Instruments and executions: what every broker importer produces, in our own terms.

Money is ``Decimal`` end to end (stored as ``Numeric``); a float never touches a price, a fee or a
P&L here. Units:

* ``Execution.quantity`` — **signed** units of the instrument: shares for stock, contracts for
  options; ``+`` bought, ``-`` sold. Never zero.
* ``Execution.price`` — dollars **per share** (for an option: the premium per share, e.g. 3.70,
  *not* ×multiplier 370.00). An expiration, assignment or exercise closes the option at ``0`` (the
  premium is the option's P&L); an assignment or exercise also moves stock at the **strike**,
  as its own stock execution (basis = strike), which the round-trip builder links to the option.
* ``Execution.commission`` and ``Execution.fees`` — dollars paid, **non-negative** (a rebate is a
  negative fee). Cash effect of a row: ``-quantity * price * multiplier - commission - fees``.
* ``Execution.executed_at`` — aware UTC (importers convert from the zone the export is written
  in); Robinhood gives dates only: 16:00 New York of that date, ``time_known=False``.

An option is keyed by its OCC symbol (``Instrument.occ``: root padded to 6, ``YYMMDD``, ``C|P``,
strike ×1000 in 8 digits), a stock by its ticker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from aicoach.marketdata.models import OptionRight


class AssetKind(StrEnum):
    STOCK = "stock"  # stocks and ETFs
    OPTION = "option"  # equity and index options


class Effect(StrEnum):
    """Whether the row opens or closes a position, as the broker says (``UNKNOWN`` when it does
    not: Webull; the lot matcher then decides by the running position)."""

    OPEN = "open"
    CLOSE = "close"
    UNKNOWN = "unknown"


class ExecutionKind(StrEnum):
    TRADE = "trade"
    EXPIRATION = "expiration"  # an option removed at 0
    ASSIGNMENT = "assignment"  # a short option assigned (option row at 0; the stock row at strike)
    EXERCISE = "exercise"  # a long option exercised (likewise)


@dataclass(frozen=True, slots=True)
class Instrument:
    """A stock/ETF (``kind=STOCK``: only ``underlying``) or an option on ``underlying``.

    ``root`` is the option root as listed (``SPXW`` for SPX weeklies, usually the underlying);
    ``multiplier`` is shares per contract (100 for standard equity options, 1 for stock)."""

    kind: AssetKind
    underlying: str
    root: str = ""
    expiration: date | None = None
    strike: Decimal | None = None
    right: OptionRight | None = None
    multiplier: int = 1

    def __post_init__(self) -> None:
        if self.kind is AssetKind.OPTION:
            if self.expiration is None or self.strike is None or self.right is None:
                raise ValueError("an option needs an expiration, a strike and a right")
            if not self.root:
                object.__setattr__(self, "root", self.underlying)
        elif self.expiration is not None or self.strike is not None or self.right is not None:
            raise ValueError("a stock has no expiration, strike or right")

    @property
    def is_option(self) -> bool:
        return self.kind is AssetKind.OPTION

    @property
    def key(self) -> str:
        """The instrument's identity: the OCC symbol of an option, the ticker of a stock."""
        return self.occ if self.is_option else self.underlying

    @property
    def occ(self) -> str:
        """OCC symbol, e.g. ``SPY   250117C00450000`` (options only)."""
        if not self.is_option:
            raise ValueError("a stock has no OCC symbol")
        assert self.expiration is not None
        assert self.strike is not None
        right = "C" if self.right is OptionRight.CALL else "P"
        strike = int((self.strike * 1000).to_integral_value())
        return f"{self.root:<6}{self.expiration:%y%m%d}{right}{strike:08d}"


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill (or expiration/assignment/exercise) as imported; see the module docstring for
    units. ``order_id`` groups the legs of one order when the broker gives one; ``row`` is the
    1-based line number in the file, ``raw`` the row's original text."""

    executed_at: datetime
    instrument: Instrument
    quantity: Decimal
    price: Decimal
    commission: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    effect: Effect = Effect.UNKNOWN
    kind: ExecutionKind = ExecutionKind.TRADE
    order_id: str | None = None
    time_known: bool = True
    row: int = 0
    raw: str = ""
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.executed_at.tzinfo is None:
            raise ValueError("executed_at must be timezone-aware (UTC)")
        if self.quantity == 0:
            raise ValueError("an execution's quantity is never zero")
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", content_fingerprint(self))

    @property
    def cash(self) -> Decimal:
        """Net cash of the row in dollars (credit positive): ``-q·p·m − commission − fees``."""
        gross = -self.quantity * self.price * self.instrument.multiplier
        return gross - self.commission - self.fees


def content_fingerprint(e: Execution, occurrence: int = 0) -> str:
    """SHA-256 of what the row *says* (time, instrument, quantity, price, costs, kind, order id),
    not where it sits in the file, so the same row imported twice — or from an overlapping
    export — is recognised. ``occurrence`` tells identical rows apart within one file (Robinhood
    writes two identical fills as two identical rows): the importer passes 0, 1, 2 … for the
    first, second, third copy."""
    parts = (
        e.executed_at.isoformat(),
        e.instrument.key,
        str(e.quantity.normalize()),
        str(e.price.normalize()),
        str(e.commission.normalize()),
        str(e.fees.normalize()),
        e.kind.value,
        e.order_id or "",
        str(occurrence),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
