"""Property tests (hypothesis) of the round-trip builder on random execution streams.

1. Conservation: every cent of every row is in exactly one place —
   ``Σ realized net + Σ open cash (open cost basis) + unmatched cash == Σ execution.cash``, and
   each trade's ``net == realized_net + open_cash``, costs included.
2. FIFO: the matcher equals a slow, obvious reference that keeps a queue of single units.
3. Determinism: shuffling the input changes nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aicoach.journal.core.executions import (
    Effect,
    Execution,
    ExecutionKind,
    content_fingerprint,
)
from aicoach.journal.core.roundtrips import AccountExecution, build_trades
from aicoach.journal.core.trades import TradeBook
from tests.journal.factory import T0, call, put, stock

INSTRUMENTS = [stock("SPY"), stock("QQQ"), put(500), call(510), put(490)]
REMOVALS = (ExecutionKind.EXPIRATION, ExecutionKind.ASSIGNMENT, ExecutionKind.EXERCISE)


GAPS = [0, 5, 30, 90, 400, 86_400]
EFFECTS = [Effect.UNKNOWN, Effect.UNKNOWN, Effect.UNKNOWN, Effect.OPEN, Effect.CLOSE]
ORDERS: list[str | None] = [None, None, "o1", "o2", "u"]


def _decode(i: int, code: int) -> AccountExecution:
    """One row from one integer (hypothesis draws are the slow part; this shrinks to 0 too)."""

    def take(n: int) -> int:
        nonlocal code
        code, r = divmod(code, n)
        return r

    gap, ins = GAPS[take(6)], INSTRUMENTS[take(5)]
    qty = take(6) + 1
    qty = qty if take(2) else -qty
    price = Decimal(take(2001)) / 100
    kind = ExecutionKind.TRADE
    if ins.is_option and take(10) == 0:
        kind, price = REMOVALS[take(3)], Decimal(0)
    effect, order = EFFECTS[take(5)], ORDERS[take(5)]
    e = Execution(
        executed_at=T0 + timedelta(seconds=gap * i),
        instrument=ins,
        quantity=Decimal(qty),
        price=price,
        commission=Decimal(take(300)) / 100,
        fees=Decimal(take(50)) / 100,
        effect=effect,
        kind=kind,
        order_id=f"u{i}" if order == "u" else order,
        row=i + 1,
    )
    # Identical draws are distinct rows, numbered apart as an importer does (occurrence).
    e = replace(e, fingerprint=content_fingerprint(e, occurrence=i))
    return AccountExecution("AB"[take(2)], e)


def streams() -> st.SearchStrategy[list[AccountExecution]]:
    codes = st.lists(st.integers(0, 2**60), min_size=1, max_size=40)
    return codes.map(lambda cs: [_decode(i, c) for i, c in enumerate(cs)])


@given(streams())
@settings(max_examples=200, deadline=None)
def test_money_is_conserved(rows: list[AccountExecution]) -> None:
    book = build_trades(rows)
    cash = sum((a.execution.cash for a in rows), Decimal(0))
    realized = sum((t.realized_net for t in book.trades), Decimal(0))
    basis = sum((t.open_cash for t in book.trades), Decimal(0))
    assert realized + basis + book.unmatched_cash == cash
    costs = sum((a.execution.commission + a.execution.fees for a in rows), Decimal(0))
    unmatched_costs = sum(
        (
            -w.quantity * w.execution.price * w.execution.instrument.multiplier - w.cash
            for w in book.warnings
            if w.code.value == "unmatched_close" and w.execution
        ),
        Decimal(0),
    )
    assert sum((t.costs for t in book.trades), Decimal(0)) + unmatched_costs == costs
    for t in book.trades:
        assert t.net == t.realized_net + t.open_cash
        for leg in t.legs:
            assert leg.opened_quantity + leg.closed_quantity == leg.open_quantity
        if t.is_closed:
            assert t.closed_at is not None and t.realized_net == t.net


def reference_fifo(rows: list[AccountExecution]) -> tuple[dict[object, Decimal], ...]:
    """One queue entry per unit; each row read by the rules in ``lots`` — plainly."""
    queues: dict[tuple[str, str], deque[tuple[int, Decimal, str]]] = defaultdict(deque)
    realized: dict[object, Decimal] = defaultdict(Decimal)  # (account, opening fp) → gross
    unmatched: dict[object, Decimal] = defaultdict(Decimal)
    ordered = sorted(
        rows,
        key=lambda a: (
            a.execution.executed_at,
            a.account,
            a.execution.row,
            a.execution.fingerprint,
        ),
    )
    for a in ordered:
        e = a.execution
        q = queues[a.account, e.instrument.key]
        held = sum(side for side, _, _ in q)
        sign = 1 if e.quantity > 0 else -1
        units = int(abs(e.quantity))
        forced = e.instrument.is_option and e.kind in REMOVALS
        if forced and e.price == 0 and held != 0 and (held > 0) == (sign > 0):
            sign = -sign
        effect = Effect.CLOSE if forced else e.effect
        for _ in range(units):
            closing = bool(q) and q[0][0] != sign
            if closing:
                side, price, fp = q.popleft()
                gross = side * (e.price - price) * e.instrument.multiplier
                realized[a.account, fp] += gross
            elif effect is Effect.CLOSE:
                unmatched[a.account, e.instrument.key] += sign
            else:
                q.append((sign, e.price, e.fingerprint))
    still_open: dict[object, Decimal] = defaultdict(Decimal)
    basis: dict[object, Decimal] = defaultdict(Decimal)
    for (acc, key), q in queues.items():
        for side, price, _ in q:
            mult = next(i.multiplier for i in INSTRUMENTS if i.key == key)
            still_open[acc, key] += side
            basis[acc, key] -= side * price * mult
    return realized, unmatched, still_open, basis


def ours(book: TradeBook) -> tuple[dict[object, Decimal], ...]:
    realized: dict[object, Decimal] = defaultdict(Decimal)
    unmatched: dict[object, Decimal] = defaultdict(Decimal)
    still_open: dict[object, Decimal] = defaultdict(Decimal)
    basis: dict[object, Decimal] = defaultdict(Decimal)
    for t in book.trades:
        for leg in t.legs:
            for m in leg.matches:
                realized[t.account, m.open_fingerprint] += m.gross
            still_open[t.account, leg.key] += leg.open_quantity
            basis[t.account, leg.key] += leg.open_gross
    for w in book.warnings:
        if w.code.value == "unmatched_close" and w.execution is not None:
            unmatched[w.account, w.execution.instrument.key] += w.quantity
    return realized, unmatched, still_open, basis


def _nonzero(d: dict[object, Decimal]) -> dict[object, Decimal]:
    return {k: v for k, v in d.items() if v != 0}


@given(streams())
@settings(max_examples=200, deadline=None)
def test_fifo_matches_a_per_unit_queue(rows: list[AccountExecution]) -> None:
    expected = reference_fifo(rows)
    got = ours(build_trades(rows))
    for want, have in zip(expected, got, strict=True):
        assert _nonzero(have) == _nonzero(want)


@given(streams(), st.randoms(use_true_random=False))
@settings(max_examples=50, deadline=None)
def test_input_order_does_not_matter(rows: list[AccountExecution], rnd: random.Random) -> None:
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    assert build_trades(shuffled) == build_trades(rows)
