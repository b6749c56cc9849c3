"""Planned risk in exact Decimal against the options engine's float payoff, on random
defined-risk structures opened as one order; and the cases that have no planned risk."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aicoach.journal.core.executions import Instrument
from aicoach.journal.core.roundtrips import build_trades
from aicoach.marketdata.models import OptionRight
from aicoach.options.core.legs import Leg, LegArrays, LegKind
from aicoach.options.core.payoff import exact_expiry_profile
from tests.journal.factory import MAY, acct, at, call, ex, put, stock

PRICES = st.integers(1, 2_500).map(lambda c: Decimal(c) / 100)
STRIKES = st.integers(80, 120).map(lambda k: Decimal(k * 5) / 2)  # 200.0 … 300.0 by 2.5


@st.composite
def structures(draw: st.DrawFn) -> list[tuple[Instrument, int, Decimal]]:
    kind = draw(st.sampled_from(["long", "vertical", "condor", "butterfly"]))
    size = draw(st.integers(1, 5))
    ks = sorted(set(draw(st.lists(STRIKES, min_size=4, max_size=4, unique=True))))
    make = draw(st.sampled_from([put, call]))
    if kind == "long":
        legs = [(make(ks[0]), 1)]
    elif kind == "vertical":
        sign = draw(st.sampled_from([1, -1]))
        legs = [(make(ks[0]), sign), (make(ks[1]), -sign)]
    elif kind == "butterfly":
        lo, hi = ks[0], ks[2]
        legs = [(make(lo), 1), (make((lo + hi) / 2), -2), (make(hi), 1)]
        if len({lo, (lo + hi) / 2, hi}) < 3:
            legs = [(make(lo), 1)]
    else:
        sign = draw(st.sampled_from([1, -1]))  # +1: the usual short condor
        legs = [(put(ks[0]), sign), (put(ks[1]), -sign), (call(ks[2]), -sign), (call(ks[3]), sign)]
    return [(ins, q * size, draw(PRICES)) for ins, q in legs]


def _float_max_loss(legs: list[tuple[Instrument, int, Decimal]]) -> float:
    kind = {OptionRight.PUT: LegKind.PUT, OptionRight.CALL: LegKind.CALL}
    arr = LegArrays.from_legs(
        [
            Leg(kind[i.right], q, float(i.strike), i.expiration, float(p), None, i.underlying)  # type: ignore[index, arg-type]
            for i, q, p in legs
        ]
    )
    loss = exact_expiry_profile(arr).max_loss
    assert loss is not None
    return -loss


@given(structures())
@settings(max_examples=150, deadline=None)
def test_planned_risk_equals_the_float_payoff_max_loss(
    legs: list[tuple[Instrument, int, Decimal]],
) -> None:
    (trade,) = build_trades(acct(*(ex(i, q, str(p), at(0), order="o") for i, q, p in legs))).trades
    want = _float_max_loss(legs)
    if want <= 0:
        assert trade.planned_risk is None
        return
    assert trade.planned_risk is not None
    assert abs(float(trade.planned_risk) - want) <= 0.005 + 1e-9 * want


def test_no_planned_risk_for_naked_stock_or_diagonal() -> None:
    cases = {
        "naked short call": [(call(300), -1)],
        "stock leg": [(stock(), 100), (call(300), -1)],
        "several expirations": [(call(300), -1), (call(310, MAY), 1)],
    }
    for why, legs in cases.items():
        (t,) = build_trades(acct(*(ex(i, q, "1.00", at(0), order="o") for i, q in legs))).trades
        assert t.planned_risk is None, why
        assert t.planned_risk_note
