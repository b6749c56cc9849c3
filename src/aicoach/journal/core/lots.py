"""FIFO lot matching for one (account, instrument) position, with exact ``Decimal`` cost splits.

Every execution is cut into **pieces**: first the closing pieces, one per open lot it consumes
(oldest lot first: FIFO), then at most one remainder that either opens a new lot or is an
"unmatched close". Units and money:

* a piece of ``q`` units (signed like the execution) has gross cash ``-q · price · multiplier``
  dollars (exact: no division), and a share of the execution's ``commission + fees``;
* costs are split by ``|q|``: each share is rounded to the cent (half-even) except the last
  piece's, which takes the exact remainder, so the shares always add up to the row's costs;
* a lot that is partly closed gives the closed part ``round(costs_left · k / |q_left|, cent)``
  of its remaining costs and keeps the rest (all of it when it closes completely).

Hence, for every execution, ``Σ piece.gross − Σ piece.costs == execution.cash`` exactly, and for
every lot, ``Σ matched shares + what is left == the opening piece``: money is conserved to the
last digit, which the property tests check.

How a row is read (``effect`` as the broker states it):

* ``OPEN``: opens a lot. If the position is on the other side (brokers net positions, so this is
  inconsistent data) the row is read as ``UNKNOWN`` and a warning is raised.
* ``CLOSE`` (and every option row of kind expiration/assignment/exercise): closes FIFO what it
  can; anything beyond the position is an **unmatched close**, reported, never a crash. An
  expiration/assignment/exercise row at price 0 whose sign would *add* to the position is read
  with the sign flipped (at price 0 its cash does not depend on the sign) and a warning raised.
* ``UNKNOWN``: closes FIFO what it can; the rest **opens** a lot on the other side (a flip).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from aicoach.journal.core.executions import Effect, Execution, ExecutionKind

CENT = Decimal("0.01")
ZERO = Decimal(0)


class Note(StrEnum):
    """Why a row was read differently from what it says (see the module docstring)."""

    OPEN_AGAINST_POSITION = "open_against_position"
    SIGN_CORRECTED = "removal_sign_corrected"
    UNMATCHED_CLOSE = "unmatched_close"


@dataclass(frozen=True, slots=True)
class Fill:
    """The part of one execution that belongs to one trade leg.

    ``quantity`` signed units (the execution's sign), ``price`` dollars per share, ``gross``
    ``-quantity · price · multiplier`` dollars, ``costs`` this part's share of commission + fees
    (dollars, see the module docstring); ``net = gross − costs``."""

    fingerprint: str
    executed_at: datetime
    quantity: Decimal
    price: Decimal
    gross: Decimal
    costs: Decimal
    kind: ExecutionKind
    order_id: str | None
    row: int

    @property
    def net(self) -> Decimal:
        return self.gross - self.costs


@dataclass(frozen=True, slots=True)
class Match:
    """``quantity`` units (signed like the *opening* side) closed FIFO: the opening lot's share
    (``open_gross``, ``open_costs``) against the closing row's share (``close_gross``,
    ``close_costs``), dollars. Realized P&L of the match: ``gross = open_gross + close_gross``,
    ``net = gross − open_costs − close_costs``."""

    quantity: Decimal
    open_fingerprint: str
    opened_at: datetime
    open_price: Decimal
    open_gross: Decimal
    open_costs: Decimal
    close_fingerprint: str
    closed_at: datetime
    close_price: Decimal
    close_gross: Decimal
    close_costs: Decimal

    @property
    def gross(self) -> Decimal:
        return self.open_gross + self.close_gross

    @property
    def costs(self) -> Decimal:
        return self.open_costs + self.close_costs

    @property
    def net(self) -> Decimal:
        return self.gross - self.costs


@dataclass(slots=True)
class Lot:
    """An open lot: what is left of one opening piece, owned by trade ``owner``."""

    owner: str
    fingerprint: str
    opened_at: datetime
    price: Decimal
    multiplier: int
    quantity: Decimal  # signed units left
    costs: Decimal  # dollars of costs left

    @property
    def gross(self) -> Decimal:
        return -self.quantity * self.price * self.multiplier

    def take(self, units: Decimal) -> tuple[Decimal, Decimal, Decimal]:
        """Close ``units`` (> 0, ≤ |quantity|): return (signed quantity, gross, costs) taken."""
        left = abs(self.quantity)
        signed = units.copy_sign(self.quantity)
        if units == left:
            costs = self.costs
        else:
            costs = (self.costs * units / left).quantize(CENT, rounding=ROUND_HALF_EVEN)
        gross = -signed * self.price * self.multiplier
        self.quantity -= signed
        self.costs -= costs
        return signed, gross, costs


def split_costs(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` dollars split by the positive ``weights``: cents, the last takes the remainder."""
    if not weights:
        return []
    whole = sum(weights, ZERO)
    shares: list[Decimal] = []
    for w in weights[:-1]:
        shares.append((total * w / whole).quantize(CENT, rounding=ROUND_HALF_EVEN))
    shares.append(total - sum(shares, ZERO))
    return shares


@dataclass(frozen=True, slots=True)
class Applied:
    """What one execution did to a position: the closes (owner trade, closing fill, FIFO match),
    the opening fill (a new lot; its owner is decided by the caller), the unmatched remainder and
    any notes on how the row was read."""

    closes: tuple[tuple[str, Fill, Match], ...]
    opening: Fill | None
    unmatched: Fill | None
    notes: tuple[Note, ...]


_REMOVALS = (ExecutionKind.EXPIRATION, ExecutionKind.ASSIGNMENT, ExecutionKind.EXERCISE)


@dataclass(slots=True)
class Position:
    """The FIFO queue of open lots of one instrument in one account (all on one side);
    ``quantity`` is their signed total, kept up to date by :meth:`apply` and :meth:`open`."""

    lots: deque[Lot]
    quantity: Decimal = ZERO

    @classmethod
    def empty(cls) -> Position:
        return cls(deque())

    def apply(self, ex: Execution) -> Applied:
        """Cut ``ex`` into pieces against this position (module docstring); update the lots.

        The caller must then :meth:`open` the returned opening fill under the trade it picks."""
        notes: list[Note] = []
        held = self.quantity
        qty = ex.quantity
        forced_close = ex.instrument.is_option and ex.kind in _REMOVALS
        if forced_close and ex.price == 0 and held != 0 and (qty > 0) == (held > 0):
            qty = -qty
            notes.append(Note.SIGN_CORRECTED)
        against = held != 0 and (qty > 0) != (held > 0)
        closable = min(abs(qty), abs(held)) if against else ZERO
        effect = ex.effect
        if effect is Effect.OPEN and closable > 0:
            notes.append(Note.OPEN_AGAINST_POSITION)
            effect = Effect.UNKNOWN
        if forced_close:
            effect = Effect.CLOSE
        elif effect is Effect.OPEN:
            closable = ZERO
        # Sizes of the pieces: per lot consumed, then the remainder.
        sizes: list[Decimal] = []
        left = closable
        for lot in self.lots:
            if left == 0:
                break
            take = min(left, abs(lot.quantity))
            sizes.append(take)
            left -= take
        rest = abs(qty) - closable
        weights = [*sizes, rest] if rest > 0 else list(sizes)
        shares = split_costs(ex.commission + ex.fees, weights)
        mult = ex.instrument.multiplier
        closes: list[tuple[str, Fill, Match]] = []
        for size, cost in zip(sizes, shares, strict=False):
            lot = self.lots[0]
            open_q, open_gross, open_costs = lot.take(size)
            self.quantity -= open_q
            close_q = -open_q
            fill = self._fill(ex, close_q, -close_q * ex.price * mult, cost)
            match = Match(
                quantity=open_q,
                open_fingerprint=lot.fingerprint,
                opened_at=lot.opened_at,
                open_price=lot.price,
                open_gross=open_gross,
                open_costs=open_costs,
                close_fingerprint=ex.fingerprint,
                closed_at=ex.executed_at,
                close_price=ex.price,
                close_gross=fill.gross,
                close_costs=cost,
            )
            closes.append((lot.owner, fill, match))
            if lot.quantity == 0:
                self.lots.popleft()
        opening = unmatched = None
        if rest > 0:
            signed = rest.copy_sign(qty)
            fill = self._fill(ex, signed, -signed * ex.price * mult, shares[-1])
            if effect is Effect.CLOSE:
                unmatched = fill
                notes.append(Note.UNMATCHED_CLOSE)
            else:
                opening = fill
        return Applied(tuple(closes), opening, unmatched, tuple(notes))

    def open(self, owner: str, fill: Fill, multiplier: int) -> None:
        """Queue ``fill`` as a new lot owned by trade ``owner``."""
        self.quantity += fill.quantity
        self.lots.append(
            Lot(
                owner,
                fill.fingerprint,
                fill.executed_at,
                fill.price,
                multiplier,
                fill.quantity,
                fill.costs,
            )
        )

    @staticmethod
    def _fill(ex: Execution, quantity: Decimal, gross: Decimal, costs: Decimal) -> Fill:
        return Fill(
            ex.fingerprint,
            ex.executed_at,
            quantity,
            ex.price,
            gross,
            costs,
            ex.kind,
            ex.order_id,
            ex.row,
        )
