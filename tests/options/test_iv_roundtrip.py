"""Implied volatility: round trips over the whole domain, typed failure reasons, vs vollib."""

from __future__ import annotations

import numpy as np
import pytest
from vollib.black_scholes_merton.implied_volatility import implied_volatility as vollib_iv

from aicoach.options.core.iv import IVFailure, implied_vol
from aicoach.options.core.pricing import bsm_price, bsm_price_and_greeks

S = 100.0


def _domain(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    k = S * np.exp(rng.uniform(np.log(0.3), np.log(3.0), n))
    t = np.exp(rng.uniform(np.log(1 / (365 * 24)), np.log(3.0), n))  # 1 hour .. 3 years
    sigma = np.exp(rng.uniform(np.log(0.05), np.log(3.5), n))  # 5% .. 350%
    r = rng.uniform(0.0, 0.08, n)
    q = rng.choice([0.0, 0.03], n)
    is_call = rng.random(n) < 0.5
    return is_call, k, t, sigma, r, q


def test_round_trip_to_1e10_wherever_vega_is_meaningful() -> None:
    is_call, k, t, sigma, r, q = _domain(50_000, seed=7)
    price, g = bsm_price_and_greeks(is_call, S, k, t, r, q, sigma)
    result = implied_vol(is_call, price, S, k, t, r, q)
    vega = g.vega_per_vol_point * 100.0
    # A price carries rounding ~1e-16 * S; it pins the vol to 1e-16 * S / vega. "Meaningful vega"
    # is where that is below 1e-12, leaving two orders of margin under the 1e-10 goal.
    meaningful = 1e-16 * S / np.maximum(vega, 1e-300) < 1e-12
    assert meaningful.sum() > 15_000  # the criterion must not hollow the test out
    assert result.ok[meaningful].all()
    assert np.max(np.abs(result.iv[meaningful] - sigma[meaningful])) < 1e-10
    # And price -> IV -> price closes to float precision everywhere it succeeded.
    ok = result.ok
    again = bsm_price(is_call[ok], S, k[ok], t[ok], r[ok], q[ok], result.iv[ok])
    np.testing.assert_allclose(again, price[ok], rtol=1e-11, atol=1e-13 * S)


def test_every_failure_has_a_reason_and_nan_only_on_failure() -> None:
    is_call, k, t, sigma, r, q = _domain(20_000, seed=8)
    price = bsm_price(is_call, S, k, t, r, q, sigma)
    result = implied_vol(is_call, price, S, k, t, r, q)
    assert set(result.reason.ravel()) <= set(IVFailure)
    np.testing.assert_array_equal(np.isnan(result.iv), ~result.ok)
    np.testing.assert_array_equal(result.ok, result.reason == IVFailure.OK)
    # Model prices are never below intrinsic nor above the bound, so only these can appear.
    assert set(result.reason.ravel()) <= {IVFailure.OK, IVFailure.NO_TIME_VALUE}
    assert result.count(IVFailure.NOT_CONVERGED) == 0


def test_failure_reasons() -> None:
    t, r, q = 0.5, 0.05, 0.02
    dq, dr = np.exp(-q * t), np.exp(-r * t)
    intrinsic_call = S * dq - 90.0 * dr
    cases = [
        # (is_call, price, k, t, expected)
        (True, intrinsic_call - 0.01, 90.0, t, IVFailure.BELOW_INTRINSIC),
        (False, S * 0.0 + 90.0 * dr + 1.0, 90.0, t, IVFailure.ABOVE_UPPER_BOUND),
        (True, S * dq, 90.0, t, IVFailure.ABOVE_UPPER_BOUND),
        (True, intrinsic_call, 90.0, t, IVFailure.NO_TIME_VALUE),
        (False, 0.0, 90.0, t, IVFailure.NO_TIME_VALUE),
        (True, 5.0, 90.0, 0.0, IVFailure.NO_TIME_VALUE),
        (True, -1.0, 90.0, t, IVFailure.INVALID_INPUT),
        (True, np.nan, 90.0, t, IVFailure.INVALID_INPUT),
        (True, 5.0, -90.0, t, IVFailure.INVALID_INPUT),
        (True, 15.0, 90.0, t, IVFailure.OK),
    ]
    c, p, k, tt, expected = (np.array(col, dtype=object) for col in zip(*cases, strict=True))
    result = implied_vol(c.astype(bool), p.astype(float), S, k.astype(float), tt.astype(float),
                         r, q)  # fmt: skip
    assert list(result.reason) == list(expected)
    assert np.isnan(result.iv[:-1]).all()
    assert 0.0 < result.iv[-1] < 1.0


def test_scalar_and_shape_are_preserved() -> None:
    price = bsm_price(False, S, 95.0, 0.25, 0.04, 0.0, 0.37)
    result = implied_vol(False, price, S, 95.0, 0.25, 0.04, 0.0)
    assert result.iv.shape == ()
    assert abs(float(result.iv) - 0.37) < 1e-12
    grid = implied_vol(True, np.full((3, 4), 5.0), S, np.linspace(90, 110, 4), 0.5, 0.03, 0.0)
    assert grid.iv.shape == (3, 4)
    assert grid.reason.shape == (3, 4)


@pytest.mark.parametrize("moneyness", [0.6, 0.9, 1.0, 1.1, 1.6])
@pytest.mark.parametrize("sigma", [0.12, 0.35, 1.2])
def test_agrees_with_vollib_lets_be_rational(moneyness: float, sigma: float) -> None:
    k, t, r, q = S * moneyness, 0.4, 0.03, 0.015
    for is_call in (True, False):
        price = float(bsm_price(is_call, S, k, t, r, q, sigma))
        ours = implied_vol(is_call, price, S, k, t, r, q)
        assert ours.ok
        theirs = vollib_iv(price, S, k, t, r, q, "c" if is_call else "p")
        # Deep in the money the price pins the vol only to ~1e-15 S / vega (both solvers).
        vega = float(bsm_price_and_greeks(is_call, S, k, t, r, q, sigma)[1].vega_per_vol_point)
        noise = 1e-15 * S / (100.0 * vega)
        assert abs(float(ours.iv) - theirs) < max(1e-9, 2 * noise)
        assert abs(float(ours.iv) - sigma) < max(1e-10, noise)


def test_deep_itm_without_time_value_is_reported_not_guessed() -> None:
    """vollib returns a number here (0.0 or a guess); the price holds no vol information."""
    price = float(bsm_price(True, S, 60.0, 0.4, 0.03, 0.015, 0.08))
    result = implied_vol(True, price, S, 60.0, 0.4, 0.03, 0.015)
    assert result.reason == IVFailure.NO_TIME_VALUE
    assert np.isnan(result.iv)
