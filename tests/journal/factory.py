"""Small builders for journal tests: instruments, executions, a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from aicoach.journal.core.executions import (
    AssetKind,
    Effect,
    Execution,
    ExecutionKind,
    Instrument,
)
from aicoach.journal.core.roundtrips import AccountExecution
from aicoach.marketdata.models import OptionRight

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)  # a Monday, 10:00 New York
APR = date(2025, 4, 17)
MAY = date(2025, 5, 16)
D = Decimal


def at(minutes: float = 0, *, days: int = 0) -> datetime:
    return T0 + timedelta(days=days, minutes=minutes)


def put(strike: float | str, exp: date = APR, und: str = "SPY") -> Instrument:
    return Instrument(
        AssetKind.OPTION,
        und,
        expiration=exp,
        strike=D(str(strike)),
        right=OptionRight.PUT,
        multiplier=100,
    )


def call(strike: float | str, exp: date = APR, und: str = "SPY") -> Instrument:
    return Instrument(
        AssetKind.OPTION,
        und,
        expiration=exp,
        strike=D(str(strike)),
        right=OptionRight.CALL,
        multiplier=100,
    )


def stock(und: str = "SPY") -> Instrument:
    return Instrument(AssetKind.STOCK, und)


def ex(
    ins: Instrument,
    qty: int | str,
    price: str,
    when: datetime,
    *,
    comm: str = "0",
    fees: str = "0",
    effect: Effect = Effect.UNKNOWN,
    kind: ExecutionKind = ExecutionKind.TRADE,
    order: str | None = None,
    row: int = 0,
) -> Execution:
    return Execution(
        executed_at=when,
        instrument=ins,
        quantity=D(str(qty)),
        price=D(price),
        commission=D(comm),
        fees=D(fees),
        effect=effect,
        kind=kind,
        order_id=order,
        row=row,
    )


def acct(*rows: Execution, account: str = "A1") -> list[AccountExecution]:
    return [AccountExecution(account, e) for e in rows]
