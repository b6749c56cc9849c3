"""Golden tests: our vectorised BSM against QuantLib, vollib, the scalar reference and mpmath.

Tolerance: ``|ours - ref| <= 1e-8 * max(1, |ref|)``, i.e. 1e-8 absolute for values below 1 (in
dollars per share, or delta units) and 1e-8 relative above. Both implementations evaluate the same
closed forms in float64, so honest differences are rounding (<= ~1e-13 relative, a little more
where theta's terms cancel); any formula, sign or unit mistake (per day vs per year, per point vs
per 1.00) shows up at 1e-4 or larger, far outside this band.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import mpmath as mp
import numpy as np
import pytest
import QuantLib as ql
from vollib.black_scholes_merton import black_scholes_merton as vollib_price
from vollib.black_scholes_merton.greeks import analytical as vollib_greeks

from aicoach.options.core import reference
from aicoach.options.core.pricing import (
    Greeks,
    InvalidPricingInputError,
    bsm_greeks,
    bsm_price,
    bsm_price_and_greeks,
)

HOUR = 1.0 / (365.0 * 24.0)
S = 100.0
R = 0.05
GRID = list(
    itertools.product(
        [True, False],
        [0.3, 0.7, 1.0, 1.3, 3.0],  # K / S
        [HOUR, 1 / 365, 30 / 365, 1.0, 3.0],  # t_years
        [0.05, 0.2, 1.0, 3.0],  # sigma
        [0.0, 0.03],  # q
    )
)
Chain = tuple[np.ndarray, ...]
FIELDS = [
    "delta",
    "gamma",
    "theta_per_day",
    "vega_per_vol_point",
    "rho_per_rate_point",
    "vanna",
    "charm_per_day",
]


def close(ours: float, ref: float) -> bool:
    return abs(ours - ref) <= 1e-8 * max(1.0, abs(ref))


@pytest.fixture(scope="module")
def chain() -> Chain:
    c, m, t, v, q = (np.array(col) for col in zip(*GRID, strict=True))
    return c.astype(bool), S * m, t, v, q


@pytest.fixture(scope="module")
def ours(chain: Chain) -> tuple[np.ndarray, Greeks]:
    c, k, t, v, q = chain
    return bsm_price_and_greeks(c, S, k, t, R, q, v)


def test_price_and_greeks_match_quantlib_black_calculator(
    chain: Chain, ours: tuple[np.ndarray, Greeks]
) -> None:
    c, k, t, v, q = chain
    price, g = ours
    for i in range(len(c)):
        kind = ql.Option.Call if c[i] else ql.Option.Put
        forward = S * math.exp((R - q[i]) * t[i])
        payoff = ql.PlainVanillaPayoff(kind, k[i])
        calc = ql.BlackCalculator(payoff, forward, v[i] * math.sqrt(t[i]), math.exp(-R * t[i]))
        assert close(price[i], calc.value()), (GRID[i], price[i], calc.value())
        assert close(g.delta[i], calc.delta(S)), GRID[i]
        assert close(g.gamma[i], calc.gamma(S)), GRID[i]
        # QuantLib: theta per year, vega per 1.00 of vol, rho per 1.00 of rate.
        assert close(g.theta_per_day[i], calc.theta(S, t[i]) / 365.0), GRID[i]
        assert close(g.vega_per_vol_point[i], calc.vega(t[i]) / 100.0), GRID[i]
        assert close(g.rho_per_rate_point[i], calc.rho(t[i]) / 100.0), GRID[i]


def test_price_and_greeks_match_vollib(chain: Chain, ours: tuple[np.ndarray, Greeks]) -> None:
    c, k, t, v, q = chain
    price, g = ours
    for i in range(len(c)):
        flag = "c" if c[i] else "p"
        args = (flag, S, k[i], t[i], R, v[i], q[i])
        assert close(price[i], vollib_price(*args)), GRID[i]
        assert close(g.delta[i], vollib_greeks.delta(*args)), GRID[i]
        assert close(g.gamma[i], vollib_greeks.gamma(*args)), GRID[i]
        # vollib: theta already per calendar day (/365), vega and rho per 1 point (/100).
        assert close(g.theta_per_day[i], vollib_greeks.theta(*args)), GRID[i]
        assert close(g.vega_per_vol_point[i], vollib_greeks.vega(*args)), GRID[i]
        assert close(g.rho_per_rate_point[i], vollib_greeks.rho(*args)), GRID[i]


def test_all_greeks_match_scalar_reference(chain: Chain, ours: tuple[np.ndarray, Greeks]) -> None:
    c, k, t, v, q = chain
    price, g = ours
    for i in range(len(c)):
        ref = reference.greeks(bool(c[i]), S, k[i], t[i], R, q[i], v[i])
        assert close(price[i], reference.price(bool(c[i]), S, k[i], t[i], R, q[i], v[i]))
        for field in FIELDS:
            assert close(getattr(g, field)[i], ref[field]), (field, GRID[i])


def _mp_price(is_call: bool, s: Any, k: Any, t: Any, r: Any, q: Any, sigma: Any) -> Any:
    sd = sigma * mp.sqrt(t)
    d1 = (mp.log(s / k) + (r - q + sd * sd / (2 * t)) * t) / sd
    d2 = d1 - sd
    if is_call:
        return s * mp.exp(-q * t) * mp.ncdf(d1) - k * mp.exp(-r * t) * mp.ncdf(d2)
    return k * mp.exp(-r * t) * mp.ncdf(-d2) - s * mp.exp(-q * t) * mp.ncdf(-d1)


@pytest.mark.parametrize(
    ("is_call", "k", "t", "sigma", "q"),
    [
        (True, 100.0, 0.25, 0.2, 0.0),
        (False, 100.0, 0.25, 0.2, 0.03),
        (True, 130.0, 1.0, 0.6, 0.03),
        (False, 70.0, 1 / 365, 0.3, 0.0),
        (True, 90.0, 3.0, 1.5, 0.03),
        (False, 300.0, 30 / 365, 0.05, 0.03),
    ],
)
def test_vanna_and_charm_match_high_precision_derivatives(
    is_call: bool, k: float, t: float, sigma: float, q: float
) -> None:
    """No library ships vanna/charm: differentiate a 40-digit mpmath price numerically."""
    mp.mp.dps = 40
    vanna_ref = mp.diff(lambda s_, v_: _mp_price(is_call, s_, k, t, R, q, v_), (S, sigma), (1, 1))
    charm_ref = -mp.diff(lambda s_, t_: _mp_price(is_call, s_, k, t_, R, q, sigma), (S, t), (1, 1))
    g = bsm_greeks(is_call, S, k, t, R, q, sigma)
    assert close(float(g.vanna), float(vanna_ref))
    assert close(float(g.charm_per_day), float(charm_ref) / 365.0)


def test_quantlib_analytic_engine_with_dates_agrees() -> None:
    """The full QuantLib stack (process, curves, Actual365Fixed) on whole-day maturities."""
    today = ql.Date(15, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    for days, is_call, k, sigma, q in itertools.product(
        [1, 45, 400], [True, False], [80.0, 100.0, 125.0], [0.15, 0.9], [0.0, 0.03]
    ):
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(S)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, R, dc)),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(today, ql.NullCalendar(), sigma, dc)
            ),
        )
        kind = ql.Option.Call if is_call else ql.Option.Put
        option = ql.VanillaOption(ql.PlainVanillaPayoff(kind, k), ql.EuropeanExercise(today + days))
        option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
        t = days / 365.0
        price, g = bsm_price_and_greeks(is_call, S, k, t, R, q, sigma)
        assert close(float(price), option.NPV())
        assert close(float(g.delta), option.delta())
        assert close(float(g.gamma), option.gamma())
        assert close(float(g.vega_per_vol_point), option.vega() / 100.0)
        assert close(float(g.rho_per_rate_point), option.rho() / 100.0)
        assert close(float(g.theta_per_day), option.thetaPerDay())


def test_broadcasting_and_separate_entry_points_agree(
    chain: Chain, ours: tuple[np.ndarray, Greeks]
) -> None:
    c, k, t, v, q = chain
    price, g = ours
    np.testing.assert_array_equal(bsm_price(c, S, k, t, R, q, v), price)
    g2 = bsm_greeks(c, S, k, t, R, q, v)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(g2, field), getattr(g, field))
    # A 2-D chain: strikes down, expiries across.
    grid = bsm_price(True, S, np.array([[90.0], [110.0]]), np.array([0.1, 0.5, 1.0]), R, 0.0, 0.3)
    assert grid.shape == (2, 3)
    assert close(grid[1, 2], reference.price(True, S, 110.0, 1.0, R, 0.0, 0.3))


def test_expiry_gives_intrinsic_and_step_delta_without_nan() -> None:
    k = np.array([90.0, 100.0, 110.0])
    price, g = bsm_price_and_greeks(True, S, k, 0.0, R, 0.03, 0.25)
    np.testing.assert_array_equal(price, [10.0, 0.0, 0.0])
    np.testing.assert_array_equal(g.delta, [1.0, 0.5, 0.0])
    put, gp = bsm_price_and_greeks(False, S, k, 0.0, R, 0.03, 0.25)
    np.testing.assert_array_equal(put, [0.0, 0.0, 10.0])
    np.testing.assert_array_equal(gp.delta, [0.0, -0.5, -1.0])
    for field in FIELDS:
        assert np.all(np.isfinite(getattr(g, field))), field
        assert np.all(np.isfinite(getattr(gp, field))), field
    np.testing.assert_array_equal(g.gamma, 0.0)
    np.testing.assert_array_equal(g.vega_per_vol_point, 0.0)


def test_zero_vol_is_discounted_forward_intrinsic_and_limit_of_small_vol() -> None:
    k = np.array([80.0, 100.0 * math.exp(0.02), 120.0])  # the middle strike is the forward
    t = 1.0
    price, g = bsm_price_and_greeks(True, S, k, t, R, 0.03, 0.0)
    expected = np.maximum(S * math.exp(-0.03) - k * math.exp(-R), 0.0)
    np.testing.assert_allclose(price, expected, rtol=0, atol=1e-12)
    tiny = bsm_price(True, S, k, t, R, 0.03, 1e-12)  # ATM-forward value ~ 0.4 S sigma
    np.testing.assert_allclose(tiny, price, rtol=0, atol=1e-8)
    for field in FIELDS:
        assert np.all(np.isfinite(getattr(g, field))), field
    # Theta with no vol is the drift of the discounted intrinsic: q S Dq - r K Dr per year.
    theta = (0.03 * S * math.exp(-0.03) - R * 80.0 * math.exp(-R)) / 365.0
    assert close(float(g.theta_per_day[0]), theta)


def test_nan_propagates_and_impossible_inputs_raise() -> None:
    price = bsm_price(True, S, 100.0, 0.5, R, 0.0, np.array([0.2, np.nan]))
    assert np.isfinite(price[0])
    assert np.isnan(price[1])
    for bad in (
        {"s": -1.0},
        {"k": 0.0},
        {"t_years": -0.1},
        {"sigma": -0.2},
        {"sigma": np.inf},
    ):
        kwargs = {"s": S, "k": 100.0, "t_years": 0.5, "r": R, "q": 0.0, "sigma": 0.2} | bad
        with pytest.raises(InvalidPricingInputError):
            bsm_price(True, **kwargs)
