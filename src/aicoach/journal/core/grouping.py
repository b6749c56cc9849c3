"""Grouping fills into trades while the lots are matched: the mutable build state of
:func:`aicoach.journal.core.roundtrips.build_trades` (whose docstring states the rules)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from aicoach.journal.core.executions import Execution, ExecutionKind, Instrument
from aicoach.journal.core.lots import ZERO, Fill, Match, Note, Position
from aicoach.journal.core.trades import BookWarning, Origin, WarningCode

LINKED = (ExecutionKind.ASSIGNMENT, ExecutionKind.EXERCISE)
_NOTE_CODES = {
    Note.OPEN_AGAINST_POSITION: WarningCode.OPEN_AGAINST_POSITION,
    Note.SIGN_CORRECTED: WarningCode.REMOVAL_SIGN_CORRECTED,
}


@dataclass(frozen=True, slots=True)
class AccountExecution:
    """An execution and the account (any stable string: a broker account id) it was made in."""

    account: str
    execution: Execution


def in_account(account: str, executions: Iterable[Execution]) -> list[AccountExecution]:
    """Tag every execution with ``account``."""
    return [AccountExecution(account, e) for e in executions]


def trade_id(account: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{account}|{fingerprint}".encode()).hexdigest()[:32]


@dataclass(slots=True)
class LegBuild:
    instrument: Instrument
    opening: list[Fill] = field(default_factory=list)
    closing: list[Fill] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    open_quantity: Decimal = ZERO
    open_gross: Decimal = ZERO
    open_costs: Decimal = ZERO


@dataclass(slots=True)
class TradeBuild:
    id: str
    account: str
    underlying: str
    origin: Origin
    opened_at: datetime
    last_open_at: datetime
    legs: dict[str, LegBuild] = field(default_factory=dict)
    order_ids: list[str] = field(default_factory=list)

    def leg(self, key: str, instrument: Instrument) -> LegBuild:
        found = self.legs.get(key)
        if found is None:
            found = self.legs[key] = LegBuild(instrument)
        return found

    def note_order(self, order_id: str | None) -> None:
        if order_id is not None and order_id not in self.order_ids:
            self.order_ids.append(order_id)


def _merge_close(fills: list[Fill], fill: Fill) -> None:
    """Append ``fill``, folding it into the previous one when both come from the same row."""
    if fills and fills[-1].fingerprint == fill.fingerprint:
        last = fills[-1]
        fills[-1] = Fill(
            last.fingerprint,
            last.executed_at,
            last.quantity + fill.quantity,
            last.price,
            last.gross + fill.gross,
            last.costs + fill.costs,
            last.kind,
            last.order_id,
            last.row,
        )
    else:
        fills.append(fill)


@dataclass(slots=True)
class Builder:
    group_window: timedelta
    pairs: dict[tuple[str, str], str]
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    trades: dict[str, TradeBuild] = field(default_factory=dict)
    groups: dict[tuple[str, ...], str] = field(default_factory=dict)
    touched: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    warnings: list[BookWarning] = field(default_factory=list)

    def add(self, account: str, ex: Execution) -> None:
        ins = ex.instrument
        key = ins.key  # an OCC symbol is built on every access: once per row
        pos = self.positions.setdefault((account, key), Position.empty())
        applied = pos.apply(ex)
        hit = self.touched.setdefault((account, ex.fingerprint), [])
        for owner, fill, match in applied.closes:
            leg = self.trades[owner].leg(key, ins)
            _merge_close(leg.closing, fill)
            leg.matches.append(match)
            self.trades[owner].note_order(ex.order_id)
            hit.append(owner)
            window = ("window", account, ins.underlying)
            if self.groups.get(window) == owner:  # a trade that started closing opens no more
                del self.groups[window]
        for note in applied.notes:
            if note in _NOTE_CODES:
                self.warnings.append(BookWarning(_NOTE_CODES[note], _MESSAGES[note], account, ex))
        if applied.unmatched is not None:
            u = applied.unmatched
            message = f"{u.quantity.normalize():f} {key} closed with no open position to close"
            self.warnings.append(
                BookWarning(WarningCode.UNMATCHED_CLOSE, message, account, ex, u.quantity, u.net)
            )
        if applied.opening is not None:
            owner = self._owner(account, ex)
            build = self.trades[owner]
            build.leg(key, ins).opening.append(applied.opening)
            build.last_open_at = ex.executed_at
            build.note_order(ex.order_id)
            pos.open(owner, applied.opening, ins.multiplier)
            hit.append(owner)

    def _owner(self, account: str, ex: Execution) -> str:
        """The trade an opening fill of ``ex`` joins, created when needed (module docstring)."""
        und = ex.instrument.underlying
        if not ex.instrument.is_option and ex.kind in LINKED:
            source = self.pairs.get((account, ex.fingerprint), ex.fingerprint)
            key: tuple[str, ...] = ("link", account, source)
            origin = Origin.ASSIGNMENT if ex.kind is ExecutionKind.ASSIGNMENT else Origin.EXERCISE
        elif ex.order_id is not None:
            key, origin = ("order", account, ex.order_id, und), Origin.ORDER
        else:
            key, origin = ("window", account, und), Origin.TIME_WINDOW
            current = self.groups.get(key)
            if current is not None:
                if ex.executed_at - self.trades[current].last_open_at <= self.group_window:
                    return current
                del self.groups[key]
        found = self.groups.get(key)
        if found is not None:
            return found
        new = TradeBuild(
            trade_id(account, ex.fingerprint), account, und, origin, ex.executed_at, ex.executed_at
        )
        self.trades[new.id] = new
        self.groups[key] = new.id
        return new.id

    def settle(self) -> None:
        """Copy what is left in the lots onto the legs that own them."""
        for (_, key), pos in self.positions.items():
            for lot in pos.lots:
                leg = self.trades[lot.owner].legs[key]
                leg.open_quantity += lot.quantity
                leg.open_gross += lot.gross
                leg.open_costs += lot.costs


_MESSAGES = {
    Note.OPEN_AGAINST_POSITION: "an opening row against the open position: read by the position",
    Note.SIGN_CORRECTED: "an expiration/assignment/exercise row signed to add to the position: "
    "read as closing it",
}
