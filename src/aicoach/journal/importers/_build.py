"""Collecting a parse: executions, row errors, skipped rows; the passes every adapter shares.

* Fingerprints: identical rows (Robinhood writes two identical fills as two identical rows) get
  occurrence numbers 0, 1, 2 … in file order, so they stay distinct executions.
* Unsigned close-outs: an expiration row that does not say whether the option was long or short
  is signed against the running position of that contract in the file (long → sell to close);
  with no earlier trade in the file the adapter's hint decides, and without a hint it is skipped
  (an option still open after its expiration date is closed at 0 by the round-trip builder).
* Delivery legs: a stock row that an assignment/exercise produced (same day, same underlying,
  price = strike) takes that row's kind, so the round-trip builder can link the two.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import ParamSpec

from aicoach.journal.core.executions import (
    Effect,
    Execution,
    ExecutionKind,
    Instrument,
    content_fingerprint,
)
from aicoach.journal.importers._dates import zone
from aicoach.journal.importers._text import RowProblem
from aicoach.journal.importers.ports import ParseResult, RowError, SkippedRow

P = ParamSpec("P")
_DELIVERIES = (ExecutionKind.ASSIGNMENT, ExecutionKind.EXERCISE)


@dataclasses.dataclass(slots=True)
class _Unsigned:
    index: int  # position in Collector.executions
    hint: int  # +1 buy to close, -1 sell to close, 0 none


class Collector:
    def __init__(self, fmt: str, time_zone: str) -> None:
        self.result = ParseResult(format=fmt, time_zone=time_zone)
        self._unsigned: list[_Unsigned] = []

    @property
    def executions(self) -> list[Execution]:
        return self.result.executions

    def add(self, execution: Execution) -> None:
        self.result.executions.append(execution)

    def add_unsigned(self, execution: Execution, hint: int = 0) -> None:
        """An expiration with ``abs(quantity)``; its sign is settled in ``finish``."""
        self._unsigned.append(_Unsigned(len(self.result.executions), hint))
        self.result.executions.append(execution)

    def error(self, row: int, raw: str, reason: str) -> None:
        self.result.errors.append(RowError(row=row, raw=raw, reason=reason))

    def skip(self, row: int, reason: str) -> None:
        self.result.skipped.append(SkippedRow(row=row, reason=reason))

    def guard(
        self, row: int, raw: str, read: Callable[P, None], *args: P.args, **kwargs: P.kwargs
    ) -> None:
        """Run one row's reader ``read(*args)``; a ``RowProblem`` becomes a row error."""
        try:
            read(*args, **kwargs)
        except RowProblem as problem:
            self.error(row, raw, problem.reason)

    def finish(self, *, link_deliveries: bool = True) -> ParseResult:
        executions = self.result.executions
        if self._unsigned:
            self._sign_closeouts(executions)
        if link_deliveries:
            _link_deliveries(executions)
        seen: dict[str, int] = defaultdict(int)
        for i, e in enumerate(executions):
            n = seen[e.fingerprint]
            seen[e.fingerprint] = n + 1
            if n:
                executions[i] = dataclasses.replace(e, fingerprint=content_fingerprint(e, n))
        self.result.errors.sort(key=lambda r: r.row)
        self.result.skipped.sort(key=lambda r: r.row)
        return self.result

    def _sign_closeouts(self, executions: list[Execution]) -> None:
        pending = {u.index: u.hint for u in self._unsigned}
        order = sorted(
            range(len(executions)), key=lambda i: (executions[i].executed_at, i in pending, i)
        )
        position: dict[str, Decimal] = defaultdict(Decimal)
        drop: list[int] = []
        for i in order:
            e = executions[i]
            key = e.instrument.key
            if i in pending:
                held = position[key]
                sign = -1 if held > 0 else 1 if held < 0 else pending[i]
                if sign == 0:
                    drop.append(i)
                    self.skip(
                        e.row,
                        f"the expiration of {key.strip()} doesn't say whether it was bought or "
                        "sold and the file has no earlier trade in it; an option still open after "
                        "its expiration date is closed at 0 by the journal",
                    )
                    continue
                qty = abs(e.quantity) * sign
                e = executions[i] = dataclasses.replace(e, quantity=qty, fingerprint="")
            position[key] += e.quantity
        for i in sorted(drop, reverse=True):
            del executions[i]


def _day(at: datetime) -> date:
    return at.astimezone(zone("America/New_York")).date()


def _link_deliveries(executions: list[Execution]) -> None:
    removals: dict[tuple[date, str, Decimal], ExecutionKind] = {}
    for e in executions:
        if e.kind in _DELIVERIES and e.instrument.is_option and e.instrument.strike is not None:
            removals[(_day(e.executed_at), e.instrument.underlying, e.instrument.strike)] = e.kind
    if not removals:
        return
    for i, e in enumerate(executions):
        if e.instrument.is_option or e.kind is not ExecutionKind.TRADE:
            continue
        kind = removals.get((_day(e.executed_at), e.instrument.underlying, e.price))
        if kind is not None:
            executions[i] = dataclasses.replace(e, kind=kind, fingerprint="")


def make(
    *,
    at: datetime,
    instrument: Instrument,
    quantity: Decimal,
    price: Decimal,
    row: int,
    raw: str,
    commission: Decimal = Decimal(0),
    fees: Decimal = Decimal(0),
    effect: Effect = Effect.UNKNOWN,
    kind: ExecutionKind = ExecutionKind.TRADE,
    order_id: str | None = None,
    time_known: bool = True,
) -> Execution:
    """An ``Execution`` with the checks every adapter needs, as row problems."""
    if quantity == 0:
        raise RowProblem("the quantity is zero")
    if price < 0:
        raise RowProblem(f"the price {price} is negative")
    return Execution(
        executed_at=at,
        instrument=instrument,
        quantity=quantity,
        price=price,
        commission=commission,
        fees=fees,
        effect=effect,
        kind=kind,
        order_id=order_id or None,
        time_known=time_known,
        row=row,
        raw=raw,
    )
