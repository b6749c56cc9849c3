"""What the round-trip builder returns: trades (with legs, fills and FIFO matches), campaigns and
warnings, plus :func:`unrealized`. Frozen dataclasses, money in ``Decimal`` dollars.

Cash convention everywhere: credit ``+``, debit ``−`` (a row's ``cash`` is
``−quantity · price · multiplier − commission − fees``). For every leg and trade::

    gross    = Σ fill.gross                  (premium/notional cash, costs excluded)
    costs    = Σ fill.costs                  (commission + fees, ≥ 0 unless rebates)
    net      = gross − costs
    net      = realized_net + open_cash      (exact; open_cash = the open lots' cash)

``realized_*`` is the FIFO P&L of the closed quantity; ``open_cash`` is the cash paid (``−``) or
received (``+``) for what is still open, its entry costs included: the open cost basis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from aicoach.errors import ValidationFailedError
from aicoach.journal.core.executions import Execution, Instrument
from aicoach.journal.core.lots import ZERO, Fill, Match
from aicoach.options.core.strategies import StrategyName

R_QUANTUM = Decimal("0.0001")


class TradeStatus(StrEnum):
    OPEN = "open"  # nothing closed yet
    PARTIALLY_CLOSED = "partially_closed"  # some quantity closed, some still open
    CLOSED = "closed"  # every leg back to zero


class Direction(StrEnum):
    """Premium side at entry, from the opening gross cash: paid = ``DEBIT`` (long premium),
    received = ``CREDIT`` (short premium), exactly zero = ``EVEN``."""

    DEBIT = "debit"
    CREDIT = "credit"
    EVEN = "even"


class Origin(StrEnum):
    """How the trade's opening fills were grouped."""

    ORDER = "order"  # one broker order id
    TIME_WINDOW = "time_window"  # no order id: fills of one underlying within the group window
    ASSIGNMENT = "assignment"  # the stock bought/sold on an assignment
    EXERCISE = "exercise"  # the stock bought/sold on an exercise


class LinkKind(StrEnum):
    ROLL = "roll"
    ASSIGNMENT = "assignment"
    EXERCISE = "exercise"


class WarningCode(StrEnum):
    UNMATCHED_CLOSE = "unmatched_close"  # a CLOSE with no (or not enough) open quantity
    OPEN_AGAINST_POSITION = "open_against_position"  # an OPEN on the other side: read as UNKNOWN
    REMOVAL_SIGN_CORRECTED = "removal_sign_corrected"  # expiration etc. signed the wrong way
    ASSIGNMENT_UNLINKED = "assignment_unlinked"  # a stock assignment row with no option row
    UNRECOGNISED_LEGS = "unrecognised_legs"  # legs recognize() refused (named CUSTOM)


@dataclass(frozen=True, slots=True)
class BookWarning:
    """Something in the input the builder could not take at face value. ``quantity`` and
    ``cash`` (dollars) are the part concerned (for an unmatched close: the quantity beyond the
    position and its cash, which no trade holds)."""

    code: WarningCode
    message: str
    account: str
    execution: Execution | None
    quantity: Decimal = ZERO
    cash: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class TradeLeg:
    """One instrument of a trade: its opening and closing fills, the FIFO matches between them,
    and what is still open (``open_quantity`` signed units, ``open_gross``/``open_costs``
    dollars of the open lots)."""

    instrument: Instrument
    opening: tuple[Fill, ...]
    closing: tuple[Fill, ...]
    matches: tuple[Match, ...]
    open_quantity: Decimal
    open_gross: Decimal
    open_costs: Decimal

    @property
    def key(self) -> str:
        return self.instrument.key

    @property
    def opened_quantity(self) -> Decimal:
        return sum((f.quantity for f in self.opening), ZERO)

    @property
    def closed_quantity(self) -> Decimal:
        """Signed like the closing fills (the opposite of :attr:`opened_quantity`)."""
        return sum((f.quantity for f in self.closing), ZERO)

    @property
    def opening_gross(self) -> Decimal:
        return sum((f.gross for f in self.opening), ZERO)

    @property
    def average_open_price(self) -> Decimal:
        """Quantity-weighted opening price, dollars per share."""
        units = sum((abs(f.quantity) for f in self.opening), ZERO)
        return sum((abs(f.quantity) * f.price for f in self.opening), ZERO) / units

    @property
    def gross(self) -> Decimal:
        return sum((f.gross for f in (*self.opening, *self.closing)), ZERO)

    @property
    def costs(self) -> Decimal:
        return sum((f.costs for f in (*self.opening, *self.closing)), ZERO)

    @property
    def net(self) -> Decimal:
        return self.gross - self.costs

    @property
    def realized_gross(self) -> Decimal:
        return sum((m.gross for m in self.matches), ZERO)

    @property
    def realized_net(self) -> Decimal:
        return sum((m.net for m in self.matches), ZERO)

    @property
    def open_cash(self) -> Decimal:
        """Cash of the open lots, entry costs included (``−`` paid): the open cost basis."""
        return self.open_gross - self.open_costs


@dataclass(frozen=True, slots=True)
class Trade:
    """One strategy trade: the legs opened together (one order, or one time window), named by
    :func:`aicoach.options.core.strategies.recognize` on the opening legs.

    ``planned_risk`` (dollars, > 0) is the structure's max loss for defined-risk structures
    (see :mod:`aicoach.journal.core.structure`), ``None`` otherwise, with the reason in
    ``planned_risk_note``. ``closed_at`` is the last closing fill of a ``CLOSED`` trade."""

    id: str
    account: str
    underlying: str
    legs: tuple[TradeLeg, ...]
    strategy: StrategyName
    strategy_label: str
    status: TradeStatus
    direction: Direction
    origin: Origin
    opened_at: datetime
    closed_at: datetime | None
    order_ids: tuple[str, ...]
    planned_risk: Decimal | None
    planned_risk_note: str
    campaign_id: str

    @property
    def is_closed(self) -> bool:
        return self.status is TradeStatus.CLOSED

    @property
    def opening_gross(self) -> Decimal:
        """Premium at entry: ``> 0`` credit received, ``< 0`` debit paid (costs excluded)."""
        return sum((leg.opening_gross for leg in self.legs), ZERO)

    @property
    def gross(self) -> Decimal:
        return sum((leg.gross for leg in self.legs), ZERO)

    @property
    def costs(self) -> Decimal:
        return sum((leg.costs for leg in self.legs), ZERO)

    @property
    def net(self) -> Decimal:
        """Net cash of every fill so far (``= realized_net + open_cash``)."""
        return self.gross - self.costs

    @property
    def realized_gross(self) -> Decimal:
        return sum((leg.realized_gross for leg in self.legs), ZERO)

    @property
    def realized_net(self) -> Decimal:
        return sum((leg.realized_net for leg in self.legs), ZERO)

    @property
    def open_cash(self) -> Decimal:
        return sum((leg.open_cash for leg in self.legs), ZERO)

    @property
    def r_multiple(self) -> Decimal | None:
        """``realized_net / planned_risk`` (4 decimals) of a closed trade, else ``None``."""
        if not self.is_closed or self.planned_risk is None:
            return None
        return (self.realized_net / self.planned_risk).quantize(R_QUANTUM)


@dataclass(frozen=True, slots=True)
class CampaignLink:
    """``to_trade`` continues ``from_trade``: a roll, or the stock of an assignment/exercise."""

    kind: LinkKind
    from_trade: str
    to_trade: str


@dataclass(frozen=True, slots=True)
class Breakeven:
    """The campaign's true breakeven at expiry (dollars per share of the underlying), or
    ``None`` with ``reason`` (closed campaign, unsupported structure, no crossing)."""

    price: Decimal | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Campaign:
    """Trades linked by rolls and assignments, in opening order. ``cumulative_net`` is the
    running Σ of each trade's net cash after each trade (dollars); ``net`` its last value."""

    id: str
    account: str
    underlying: str
    trade_ids: tuple[str, ...]
    links: tuple[CampaignLink, ...]
    cumulative_net: tuple[Decimal, ...]
    realized_net: Decimal
    is_closed: bool
    breakeven: Breakeven

    @property
    def net(self) -> Decimal:
        return self.cumulative_net[-1]


@dataclass(frozen=True, slots=True)
class TradeBook:
    """Every trade (by ``opened_at``, then id), campaign and warning of one build."""

    trades: tuple[Trade, ...]
    campaigns: tuple[Campaign, ...]
    warnings: tuple[BookWarning, ...]

    def trade(self, trade_id: str) -> Trade:
        for t in self.trades:
            if t.id == trade_id:
                return t
        raise KeyError(trade_id)

    def campaign(self, campaign_id: str) -> Campaign:
        for c in self.campaigns:
            if c.id == campaign_id:
                return c
        raise KeyError(campaign_id)

    @property
    def unmatched_cash(self) -> Decimal:
        """Dollars of the unmatched closes, which belong to no trade."""
        codes = (WarningCode.UNMATCHED_CLOSE,)
        return sum((w.cash for w in self.warnings if w.code in codes), ZERO)


class MissingMarkError(ValidationFailedError):
    """:func:`unrealized` was not given a mark for an instrument still open."""

    code = "journal_missing_mark"


def unrealized(trade: Trade, marks: Mapping[str, Decimal]) -> Decimal:
    """Unrealized P&L (dollars) of the open quantity at ``marks`` (instrument key → dollars per
    share; the caller keeps their as-of time and source)::

        Σ over open legs  open_quantity · mark · multiplier + open_cash

    i.e. what closing at the marks would bring in, less the open cost basis (entry costs
    included, exit costs not). ``0`` for a closed trade. A missing mark raises
    :class:`MissingMarkError` naming every instrument without one."""
    open_legs = [leg for leg in trade.legs if leg.open_quantity != 0]
    missing = [leg.key for leg in open_legs if leg.key not in marks]
    if missing:
        raise MissingMarkError(f"no mark for {', '.join(missing)} (trade {trade.id})")
    total = ZERO
    for leg in open_legs:
        total += leg.open_quantity * marks[leg.key] * leg.instrument.multiplier + leg.open_cash
    return total
