"""Property tests (hypothesis): no-arbitrage identities the closed forms must satisfy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aicoach.options.core.iv import implied_vol
from aicoach.options.core.pricing import bsm_price, bsm_price_and_greeks

spot = st.floats(5.0, 2_000.0)
moneyness = st.floats(0.3, 3.0)
years = st.floats(1 / (365 * 24), 3.0)
vol = st.floats(0.05, 3.0)
rate = st.floats(0.0, 0.1)
div = st.floats(0.0, 0.06)


@settings(max_examples=300, deadline=None)
@given(spot, moneyness, years, vol, rate, div)
def test_put_call_parity(s: float, m: float, t: float, sigma: float, r: float, q: float) -> None:
    k = s * m
    call = float(bsm_price(True, s, k, t, r, q, sigma))
    put = float(bsm_price(False, s, k, t, r, q, sigma))
    forward_value = s * math.exp(-q * t) - k * math.exp(-r * t)
    assert abs((call - put) - forward_value) <= 1e-12 * max(s, k)
    _, gc = bsm_price_and_greeks(True, s, k, t, r, q, sigma)
    _, gp = bsm_price_and_greeks(False, s, k, t, r, q, sigma)
    assert abs(float(gc.delta - gp.delta) - math.exp(-q * t)) <= 1e-12
    assert float(gc.gamma) == float(gp.gamma)
    assert float(gc.vega_per_vol_point) == float(gp.vega_per_vol_point)


@settings(max_examples=200, deadline=None)
@given(st.booleans(), spot, moneyness, years, rate, div)
def test_price_increases_with_vol_and_iv_inverts(
    is_call: bool, s: float, m: float, t: float, r: float, q: float
) -> None:
    sigmas = np.geomspace(0.05, 3.0, 40)
    prices = bsm_price(is_call, s, s * m, t, r, q, sigmas)
    assert np.all(np.diff(prices) >= -1e-12 * s)
    result = implied_vol(is_call, prices, s, s * m, t, r, q)
    # Where the price moved measurably between neighbours, the vol is recovered.
    vega = bsm_price_and_greeks(is_call, s, s * m, t, r, q, sigmas)[1].vega_per_vol_point * 100
    meaningful = 1e-16 * max(s, s * m) / np.maximum(vega, 1e-300) < 1e-12
    assert result.ok[meaningful].all()
    np.testing.assert_allclose(result.iv[meaningful], sigmas[meaningful], rtol=0, atol=1e-10)
