"""Position analysis: valuation vs independent pricers, dollar Greeks vs finite differences, PoP.

Golden values come from ``vollib`` and the scalar :mod:`aicoach.options.core.reference`; PoP is
checked
against the closed form ``N(d2)`` and against numerical integration of scipy's lognormal density.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy import integrate, stats
from vollib.black_scholes_merton import black_scholes_merton as vollib_price

from aicoach.options.core import reference
from aicoach.options.core.american import PricingModel, american_price
from aicoach.options.core.analysis import (
    AnalysisInputError,
    MarketInputs,
    MissingVolatilityError,
    PositionValuer,
    analyze_position,
)
from aicoach.options.core.bjerksund import bjerksund_stensland_greeks, bjerksund_stensland_price
from aicoach.options.core.expiry import t_years
from aicoach.options.core.legs import Leg, LegKind

NY = ZoneInfo("America/New_York")
NOW = datetime(2025, 11, 20, 15, 0, tzinfo=UTC)
DEC = date(2025, 12, 19)
JAN = date(2026, 1, 16)
C, P = LegKind.CALL, LegKind.PUT
R, Q, SPOT = 0.04, 0.013, 598.0


def close_of(d: date) -> datetime:
    return datetime.combine(d, time(16, 0), tzinfo=NY)


def tte(when: datetime, expiration: date) -> float:
    return t_years(when, close_of(expiration))


def o(kind: LegKind, qty: int, strike: float, price: float, iv: float, exp: date = DEC) -> Leg:
    return Leg(kind, qty, strike, exp, price, iv, "SPY")


def reference_pnl(legs: list[Leg], s: float, t: float) -> float:
    """Dollar P&L from the scalar textbook pricer, one leg at a time."""
    total = 0.0
    for leg in legs:
        assert leg.strike is not None and leg.iv is not None
        value = reference.price(leg.kind is C, s, leg.strike, t, R, Q, leg.iv)
        total += leg.units * (value - leg.entry_price)
    return total


IRON_CONDOR = [o(P, 1, 580, 1.0, 0.22), o(P, -1, 585, 1.6, 0.21), o(C, -1, 610, 1.5, 0.18),
               o(C, 1, 615, 0.9, 0.175)]  # fmt: skip


def mk(**kw: object) -> MarketInputs:
    base: dict[str, object] = {"spot": SPOT, "valuation_at": NOW, "r": R, "q": Q,
                               "time_to_expiry": tte}  # fmt: skip
    base.update(kw)
    return MarketInputs(**base)  # type: ignore[arg-type]


def test_single_call_pnl_matches_vollib_to_1e8() -> None:
    legs = [o(C, 3, 600, 8.5, 0.2)]
    a = analyze_position(legs, mk())
    t = tte(NOW, DEC)
    ref = vollib_price("c", SPOT, 600, t, R, 0.2, Q)
    expected = 3 * 100 * (ref - 8.5)
    assert abs(a.pnl_now - expected) <= 1e-8 * max(1.0, abs(expected))
    assert a.legs[0].value_per_share == pytest.approx(ref, abs=1e-10)
    assert a.models == ("bsm-european",)


def test_pnl_now_is_sum_of_leg_reference_values() -> None:
    a = analyze_position(IRON_CONDOR, mk())
    t = tte(NOW, DEC)
    expected = reference_pnl(IRON_CONDOR, SPOT, t)
    assert a.pnl_now == pytest.approx(expected, abs=1e-8)
    assert a.today_line[0] == pytest.approx(
        PositionValuer(IRON_CONDOR, mk()).pnl(a.prices[:1], np.full((4, 1), t))[0, 0], abs=1e-9
    )
    assert a.entry_cost == pytest.approx(-120.0)
    assert a.strategy.label == "Iron condor 580/585/610/615 Dec 19"


def test_grid_shape_ends_and_dates() -> None:
    a = analyze_position(IRON_CONDOR, mk(), n_prices=200, n_dates=30)
    assert a.grid.pnl.shape == (30, 200)
    assert a.grid.dates[0] == NOW
    assert abs((a.grid.dates[-1] - close_of(DEC)).total_seconds()) < 1e-3
    # Last row is the expiry line: exact piecewise-linear payoff.
    s = a.prices
    intrinsic = (np.maximum(580 - s, 0) - np.maximum(585 - s, 0) - np.maximum(s - 610, 0)
                 + np.maximum(s - 615, 0))  # fmt: skip
    np.testing.assert_allclose(a.expiry_line, 100 * intrinsic + 120.0, atol=1e-9)
    # Each row is the reference value at that date's time to expiry.
    d = 10
    t = tte(a.grid.dates[d], DEC)
    j = 123
    ref = reference_pnl(IRON_CONDOR, float(s[j]), t)
    assert a.grid.pnl[d, j] == pytest.approx(ref, abs=1e-8)
    assert s.min() < 580 and s.max() > 615


def test_time_function_and_array_forms_agree() -> None:
    t0 = tte(NOW, DEC)
    when = NOW + timedelta(days=7)
    a = analyze_position(IRON_CONDOR, mk(), chosen_dates=[when])
    b = analyze_position(IRON_CONDOR, mk(time_to_expiry=[t0] * 4), chosen_dates=[when])
    assert a.pnl_now == pytest.approx(b.pnl_now, abs=1e-10)
    np.testing.assert_allclose(a.date_lines[0].pnl, b.date_lines[0].pnl, atol=1e-8)
    np.testing.assert_allclose(a.grid.pnl, b.grid.pnl, atol=1e-8)


def test_dollar_greeks_match_finite_differences() -> None:
    a = analyze_position(IRON_CONDOR, mk())
    v = PositionValuer(IRON_CONDOR, mk())
    g = a.greeks
    h = 0.01
    t0 = v.t0[:, None]
    up, mid, dn = v.pnl(np.array([SPOT + h, SPOT, SPOT - h]), t0)[0]
    assert mid == pytest.approx(a.pnl_now, abs=1e-9)
    # delta dollars = shares-equivalent x S = dP&L/dS x S
    assert g.delta_dollars == pytest.approx((up - dn) / (2 * h) * SPOT, rel=1e-6)
    assert g.delta_shares == pytest.approx((up - dn) / (2 * h), rel=1e-6)
    assert g.gamma_shares_per_dollar == pytest.approx((up - 2 * mid + dn) / h**2, rel=1e-3)
    # theta: the P&L change as one calendar day passes, spot unchanged.
    tomorrow = analyze_position(IRON_CONDOR, mk(), chosen_dates=[NOW + timedelta(days=1)])
    one_day = tomorrow.date_lines[0].pnl
    next_day = float(np.interp(SPOT, tomorrow.prices, one_day))
    exact_next = v.pnl(np.array([SPOT]), v.t_at(NOW + timedelta(days=1))[:, None])[0, 0]
    assert next_day == pytest.approx(exact_next, abs=0.05)  # interp on the 200-price grid
    assert g.theta_dollars_per_day == pytest.approx(exact_next - mid, rel=0.03)
    # vega: +/- 0.1 vol point on every leg, per 1 point.
    p_up = analyze_position(IRON_CONDOR, mk(iv_shift_points=0.1)).pnl_now
    p_dn = analyze_position(IRON_CONDOR, mk(iv_shift_points=-0.1)).pnl_now
    assert g.vega_dollars_per_vol_point == pytest.approx((p_up - p_dn) / 0.2, rel=1e-4)
    per_leg = sum(leg.units * leg.vega_per_vol_point for leg in a.legs)
    assert g.vega_dollars_per_vol_point == pytest.approx(per_leg, rel=1e-12)


def test_long_call_pop_is_n_d2_at_breakeven() -> None:
    premium, k, iv = 8.5, 600.0, 0.2
    a = analyze_position([o(C, 1, k, premium, iv)], mk())
    be = k + premium
    assert a.expiry.breakevens == pytest.approx((be,), abs=1e-12)
    t = tte(NOW, DEC)
    d2 = (math.log(SPOT / be) + (R - Q - 0.5 * iv * iv) * t) / (iv * math.sqrt(t))
    assert a.probability.pop == pytest.approx(reference.norm_cdf(d2), abs=1e-12)
    assert a.probability.expected_move == pytest.approx(SPOT * iv * math.sqrt(t), rel=1e-12)
    assert "lognormal" in a.probability.model


def test_iron_condor_pop_matches_lognormal_integration() -> None:
    a = analyze_position(IRON_CONDOR, mk())
    sigma = float(np.mean([leg.iv for leg in IRON_CONDOR]))
    t = a.t_first_years
    dist = stats.lognorm(s=sigma * math.sqrt(t),
                         scale=SPOT * math.exp((R - Q - 0.5 * sigma**2) * t))  # fmt: skip
    lo, hi = a.expiry.breakevens
    integral, _ = integrate.quad(dist.pdf, lo, hi, epsabs=1e-13)
    assert a.probability.sigma == pytest.approx(sigma)
    assert a.probability.pop == pytest.approx(integral, abs=1e-9)


def test_levels_and_json() -> None:
    levels = [("Prior day high", 603.2), ("Put wall", 585.0)]
    a = analyze_position(IRON_CONDOR, mk(), levels=levels)
    assert [lv.label for lv in a.levels] == ["Prior day high", "Put wall"]
    assert a.levels[0].pnl_at_expiry == pytest.approx(120.0)
    assert a.levels[1].pnl_at_expiry == pytest.approx(120.0)
    v = PositionValuer(IRON_CONDOR, mk())
    assert a.levels[1].pnl_now == pytest.approx(v.pnl(np.array([585.0]), v.t0[:, None])[0, 0])
    d = a.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert '"iron_condor"' in text
    assert len(a.grid.to_dict()["pnl"]) == 30  # type: ignore[arg-type]


def test_iv_shift_per_leg_and_errors() -> None:
    shifted = analyze_position(IRON_CONDOR, mk(leg_iv_shift_points=[0, 0, 2.0, 0]))
    assert shifted.legs[2].sigma == pytest.approx(0.20)
    with pytest.raises(AnalysisInputError, match="<= 0"):
        analyze_position(IRON_CONDOR, mk(iv_shift_points=-30.0))
    no_iv = [Leg(C, 1, 600, DEC, 8.5, None, "SPY")]
    with pytest.raises(MissingVolatilityError):
        analyze_position(no_iv, mk())
    assert analyze_position(no_iv, mk(default_iv=0.2)).legs[0].sigma == 0.2
    with pytest.raises(AnalysisInputError):
        analyze_position(IRON_CONDOR, mk(time_to_expiry=[0.1, 0.1]))
    with pytest.raises(AnalysisInputError):
        analyze_position(IRON_CONDOR, mk(spot=-1.0))
    with pytest.raises(AnalysisInputError):
        analyze_position([Leg(LegKind.STOCK, 100, None, None, 598.0, None, "SPY")], mk())


def test_covered_call_stock_leg_greeks() -> None:
    legs = [Leg(LegKind.STOCK, 100, None, None, 590.0, None, "SPY"), o(C, -1, 610, 4.1, 0.18)]
    a = analyze_position(legs, mk())
    call = a.legs[1]
    assert a.legs[0].delta == 1.0 and a.legs[0].model is None
    assert a.greeks.delta_shares == pytest.approx(100 - 100 * call.delta)
    assert a.legs[0].pnl == pytest.approx(100 * (SPOT - 590.0))
    assert a.strategy.name.value == "covered_call"


def test_american_legs_are_priced_and_named() -> None:
    legs = [o(P, -1, 600, 9.0, 0.25), o(P, 1, 600, 13.0, 0.24, JAN)]
    market = mk(pricing_models=[PricingModel.FD_AMERICAN, PricingModel.FD_AMERICAN])
    a = analyze_position(legs, market, n_prices=80, n_dates=6)
    assert a.models == ("crank-nicolson-fd-american",)
    assert a.legs[0].to_dict()["model"] == "crank-nicolson-fd-american"
    assert a.greeks.rho_dollars_per_rate_point is None
    t0 = tte(NOW, DEC)
    direct = american_price(False, SPOT, 600, t0, R, Q, 0.25).price
    assert a.legs[0].value_per_share == pytest.approx(float(direct), abs=1e-9)
    # Grid values (coarse FD premium on 33 nodes, interpolated) vs a full FD solve per price.
    v = PositionValuer(legs, market)
    prices = a.prices[::13]
    t_d = v.t_at(a.grid.dates[2])
    direct_grid = american_price(False, prices, 600, t_d[1], R, Q, 0.24).price
    interpolated = v.leg_values(a.prices, t_d[:, None])[1, 0, ::13]
    np.testing.assert_allclose(interpolated, direct_grid, rtol=2e-3, atol=1e-3)
    # American put is worth at least the European one.
    euro = analyze_position(legs, mk())
    assert a.legs[1].value_per_share >= euro.legs[1].value_per_share - 1e-9
    assert a.expiry.method == "dense-grid+brent"
    json.dumps(a.to_dict(), allow_nan=False)


def test_closed_form_american_legs_match_the_formula() -> None:
    legs = [o(P, -1, 600, 9.0, 0.25), o(C, 1, 620, 4.0, 0.2)]
    model = PricingModel.BS2002_AMERICAN
    market = mk(pricing_models=[model, model])
    a = analyze_position(legs, market, n_prices=60, n_dates=5)
    assert a.models == ("bjerksund-stensland-2002",)
    t0 = tte(NOW, DEC)
    g = bjerksund_stensland_greeks([False, True], SPOT, [600, 620], t0, R, Q, [0.25, 0.2])
    for leg, i in zip(a.legs, range(2), strict=True):
        assert leg.value_per_share == pytest.approx(float(g.price[i]), abs=1e-12)
        assert leg.delta == pytest.approx(float(g.delta[i]), abs=1e-12)
        assert leg.theta_per_day == pytest.approx(float(g.theta_per_day[i]), abs=1e-12)
    assert a.greeks.rho_dollars_per_rate_point is None
    # The risk graph's values are the formula's at every (date, price).
    v = PositionValuer(legs, market)
    t_d = v.t_at(a.grid.dates[2])
    direct = bjerksund_stensland_price(False, a.prices, 600, t_d[0], R, Q, 0.25).price
    np.testing.assert_allclose(v.leg_values(a.prices, t_d[:, None])[0, 0], direct, rtol=1e-12)
    # Within the formula's documented error of the finite-difference model.
    fd = analyze_position(legs, mk(pricing_models=[PricingModel.FD_AMERICAN] * 2), n_prices=60,
                          n_dates=5)  # fmt: skip
    for ours, theirs in zip(a.legs, fd.legs, strict=True):
        assert ours.value_per_share <= theirs.value_per_share + 1e-3  # a lower bound
        assert ours.value_per_share == pytest.approx(theirs.value_per_share, rel=0.036)
