"""Max gain/loss and breakevens at first expiry against brute force on a 200k-point grid.

The brute force shares no code with :mod:`aicoach.options.core.payoff`: every leg's expiry value is
written out per leg (intrinsic for legs expiring first, ``bsm_price`` with the remaining time for
later legs), on ``200_001`` prices from 0 to 3x the highest strike. Grid error is bounded by
``sum(|units|) * step`` (the steepest the P&L can be between two grid points), so that is the
tolerance for values and ``step`` for breakevens; "unlimited" is the sign of the slope over the
last grid step.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
import pytest

from aicoach.options.core.analysis import MarketInputs, analyze_position
from aicoach.options.core.legs import Leg, LegKind
from aicoach.options.core.payoff import METHOD_EXACT, METHOD_NUMERIC
from aicoach.options.core.pricing import bsm_price
from aicoach.options.core.strategies import StrategyName

NOW = datetime(2025, 11, 20, 15, 0, tzinfo=UTC)
DEC = date(2025, 12, 19)
JAN = date(2026, 1, 16)
T = {DEC: 29 / 365, JAN: 57 / 365}
SPOT = 598.0
R, Q = 0.04, 0.0
C, P, S = LegKind.CALL, LegKind.PUT, LegKind.STOCK


def leg(kind: LegKind, qty: int, strike: float | None, price: float, exp: date | None = DEC,
        iv: float | None = 0.2) -> Leg:  # fmt: skip
    if kind is S:
        return Leg(S, qty, None, None, price, None, "SPY")
    return Leg(kind, qty, strike, exp, price, iv, "SPY")


CATALOGUE: dict[str, tuple[StrategyName, list[Leg]]] = {
    "long call": (StrategyName.LONG_CALL, [leg(C, 1, 600, 8.5)]),
    "short call": (StrategyName.SHORT_CALL, [leg(C, -2, 610, 4.2)]),
    "long put": (StrategyName.LONG_PUT, [leg(P, 3, 590, 6.1)]),
    "short put": (StrategyName.SHORT_PUT, [leg(P, -1, 585, 4.4)]),
    "bull call": (StrategyName.BULL_CALL_SPREAD, [leg(C, 1, 590, 14.0), leg(C, -1, 610, 5.0)]),
    "bear call": (StrategyName.BEAR_CALL_SPREAD, [leg(C, -1, 600, 8.0), leg(C, 1, 615, 2.5)]),
    "bull put": (StrategyName.BULL_PUT_SPREAD, [leg(P, -1, 600, 9.0), leg(P, 1, 580, 4.0)]),
    "bear put": (StrategyName.BEAR_PUT_SPREAD, [leg(P, 1, 605, 11.0), leg(P, -1, 590, 5.5)]),
    "iron condor": (StrategyName.IRON_CONDOR, [
        leg(P, 1, 580, 1.0), leg(P, -1, 585, 1.6), leg(C, -1, 610, 1.5), leg(C, 1, 615, 0.9)]),
    "reverse iron condor": (StrategyName.IRON_CONDOR, [
        leg(P, -2, 580, 1.0), leg(P, 2, 585, 1.6), leg(C, 2, 610, 1.5), leg(C, -2, 615, 0.9)]),
    "iron butterfly": (StrategyName.IRON_BUTTERFLY, [
        leg(P, 1, 580, 2.0), leg(P, -1, 600, 9.0), leg(C, -1, 600, 8.5), leg(C, 1, 620, 1.8)]),
    "long straddle": (StrategyName.LONG_STRADDLE, [leg(C, 1, 600, 8.5), leg(P, 1, 600, 9.1)]),
    "short straddle": (StrategyName.SHORT_STRADDLE, [leg(C, -1, 600, 8.5), leg(P, -1, 600, 9.1)]),
    "long strangle": (StrategyName.LONG_STRANGLE, [leg(C, 1, 610, 4.0), leg(P, 1, 585, 4.5)]),
    "short strangle": (StrategyName.SHORT_STRANGLE, [leg(C, -1, 615, 2.6), leg(P, -1, 580, 3.4)]),
    "call butterfly": (StrategyName.CALL_BUTTERFLY, [
        leg(C, 1, 590, 13.0), leg(C, -2, 600, 8.0), leg(C, 1, 610, 4.5)]),
    "put butterfly": (StrategyName.PUT_BUTTERFLY, [
        leg(P, 1, 590, 5.0), leg(P, -2, 600, 9.0), leg(P, 1, 610, 14.5)]),
    "broken-wing butterfly": (StrategyName.CALL_BUTTERFLY, [
        leg(C, 1, 590, 13.0), leg(C, -2, 600, 8.0), leg(C, 1, 615, 2.8)]),
    "covered call": (StrategyName.COVERED_CALL, [leg(S, 100, None, 598.0), leg(C, -1, 610, 4.1)]),
    "protective put": (StrategyName.PROTECTIVE_PUT, [leg(S, 200, None, 598.0),
                                                     leg(P, 2, 580, 3.2)]),
    "collar": (StrategyName.COLLAR, [
        leg(S, 100, None, 598.0), leg(P, 1, 585, 4.0), leg(C, -1, 615, 2.9)]),
    "ratio spread (custom)": (StrategyName.CUSTOM, [leg(C, 1, 600, 8.5), leg(C, -2, 615, 2.7)]),
    "call calendar": (StrategyName.CALENDAR_SPREAD, [
        leg(C, -1, 600, 8.0), leg(C, 1, 600, 12.0, JAN, 0.19)]),
    "put calendar": (StrategyName.CALENDAR_SPREAD, [
        leg(P, -1, 595, 7.0), leg(P, 1, 595, 10.5, JAN, 0.21)]),
    "call diagonal": (StrategyName.DIAGONAL_SPREAD, [
        leg(C, -1, 610, 4.0), leg(C, 1, 600, 13.0, JAN, 0.19)]),
    "short call calendar": (StrategyName.CALENDAR_SPREAD, [
        leg(C, 1, 600, 8.0), leg(C, -1, 600, 12.0, JAN, 0.19)]),
}  # fmt: skip


def market(legs: list[Leg], q: float = Q) -> MarketInputs:
    t = [T[lg.expiration] if lg.expiration else 0.0 for lg in legs]
    return MarketInputs(spot=SPOT, valuation_at=NOW, r=R, q=q, time_to_expiry=t)


def brute_force(legs: list[Leg], q: float = Q) -> tuple[np.ndarray, np.ndarray]:
    k_max = max(lg.strike for lg in legs if lg.strike)
    s = np.linspace(0.0, 3.0 * k_max, 200_001)
    first = min(lg.expiration for lg in legs if lg.expiration)
    total = np.zeros_like(s)
    for lg in legs:
        units = lg.quantity * (100 if lg.kind is not S else 1)
        if lg.kind is S:
            total += units * (s - lg.entry_price)
            continue
        assert lg.strike is not None and lg.expiration is not None and lg.iv is not None
        if lg.expiration == first:
            value = np.maximum(s - lg.strike, 0) if lg.kind is C else np.maximum(lg.strike - s, 0)
        else:
            tau = T[lg.expiration] - T[first]
            value = bsm_price(lg.kind is C, np.maximum(s, 1e-9), lg.strike, tau, R, q, lg.iv)
        total += units * (value - lg.entry_price)
    return s, total


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_max_gain_loss_and_breakevens_match_brute_force(name: str) -> None:
    expected_name, legs = CATALOGUE[name]
    result = analyze_position(legs, market(legs))
    assert result.strategy.name is expected_name
    prof = result.expiry
    s, pnl = brute_force(legs)
    step = s[1] - s[0]
    tol = sum(abs(lg.units) for lg in legs) * step
    multi = len({lg.expiration for lg in legs if lg.expiration}) > 1
    assert prof.method == (METHOD_NUMERIC if multi else METHOD_EXACT)

    far_slope = (pnl[-1] - pnl[-2]) / step
    flat = abs(far_slope) < 1e-6
    assert prof.max_gain_unlimited == (not flat and far_slope > 0)
    assert prof.max_loss_unlimited == (not flat and far_slope < 0)
    if prof.max_gain is None:
        assert prof.max_gain_unlimited
    else:
        # Never below the best grid point, never above it by more than the grid can hide.
        assert pnl.max() - 1e-6 <= prof.max_gain <= pnl.max() + tol
    if prof.max_loss is None:
        assert prof.max_loss_unlimited
    else:
        assert pnl.min() - tol <= prof.max_loss <= pnl.min() + 1e-6

    positive = pnl > 1e-7
    crossings = np.flatnonzero(positive[1:] != positive[:-1])
    brute_roots = [0.5 * (s[i] + s[i + 1]) for i in crossings]
    assert len(prof.breakevens) == len(brute_roots), (prof.breakevens, brute_roots)
    for ours, theirs in zip(prof.breakevens, brute_roots, strict=True):
        assert abs(ours - theirs) <= step
    # The profitable ranges are exactly where the grid is in profit.
    inside = np.zeros_like(positive)
    for lo, hi in prof.profitable_ranges:
        above = s >= lo if lo == 0 else s > lo  # a range from 0 includes S = 0
        inside |= above & (s < (np.inf if hi is None else hi))
    near_edge = np.zeros_like(positive)
    for b in prof.breakevens:
        near_edge |= np.abs(s - b) <= step
    assert np.array_equal(inside[~near_edge], positive[~near_edge])
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize("name", ["iron condor", "long straddle", "call butterfly", "collar"])
def test_exact_extremes_scale_with_count(name: str) -> None:
    _, legs = CATALOGUE[name]
    tripled = [Leg(lg.kind, 3 * lg.quantity, lg.strike, lg.expiration, lg.entry_price, lg.iv,
                   lg.underlying) for lg in legs]  # fmt: skip
    one = analyze_position(legs, market(legs)).expiry
    three = analyze_position(tripled, market(tripled)).expiry
    for a, b in ((one.max_gain, three.max_gain), (one.max_loss, three.max_loss)):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert b == pytest.approx(3 * a, rel=1e-12)
    assert three.breakevens == pytest.approx(one.breakevens, rel=1e-12)


def test_iron_condor_exact_numbers() -> None:
    _, legs = CATALOGUE["iron condor"]
    prof = analyze_position(legs, market(legs)).expiry
    credit = (1.6 + 1.5 - 1.0 - 0.9) * 100  # 120 dollars received
    assert prof.max_gain == pytest.approx(credit, abs=1e-9)
    assert prof.max_loss == pytest.approx(credit - 500, abs=1e-9)
    assert prof.breakevens == pytest.approx((585 - 1.2, 610 + 1.2), abs=1e-9)
    assert prof.slope_at_infinity == 0


def test_unlimited_is_none_in_json() -> None:
    _, legs = CATALOGUE["short call"]
    d = analyze_position(legs, market(legs)).expiry.to_dict()
    assert d["max_loss"] is None and d["max_loss_unlimited"] is True
    assert d["max_gain"] == pytest.approx(2 * 100 * 4.2)


def test_diagonal_with_dividends_has_unlimited_loss_in_european_model() -> None:
    # Short front call vs long back call: at huge S the back call is worth S e^{-q tau} - ...,
    # so the net slope is -100 (1 - e^{-q tau}) < 0 under European pricing.
    _, legs = CATALOGUE["call diagonal"]
    prof = analyze_position(legs, market(legs, q=0.02)).expiry
    assert prof.max_loss_unlimited and prof.max_loss is None
    tau = T[JAN] - T[DEC]
    assert prof.slope_at_infinity == pytest.approx(-100 * (1 - np.exp(-0.02 * tau)), rel=1e-12)
    s, pnl = brute_force(legs, q=0.02)
    assert (pnl[-1] - pnl[-2]) / (s[1] - s[0]) < 0
