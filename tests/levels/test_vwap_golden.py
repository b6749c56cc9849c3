"""Session VWAP and σ bands against an independent pandas groupby computation and a brute-force
loop for σ (the definition, not the moment shortcut)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aicoach.levels.core.vwap import session_starts, session_vwap, typical_price


def _bars(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    c = 400 + np.cumsum(rng.normal(0, 0.2, n))
    h = c + rng.uniform(0, 0.3, n)
    lo = c - rng.uniform(0, 0.3, n)
    v = rng.integers(100, 50_000, n).astype(float)
    return h, lo, c, v


def test_vwap_matches_pandas_groupby() -> None:
    n = 3 * 390
    h, lo, c, v = _bars(n, 1)
    sessions = np.repeat([20240102, 20240103, 20240104], 390)
    got = session_vwap(h, lo, c, v, session_ids=sessions)

    df = pd.DataFrame({"h": h, "l": lo, "c": c, "v": v, "s": sessions})
    df["tp"] = (df["h"] + df["l"] + df["c"]) / 3
    df["pv"] = df["tp"] * df["v"]
    g = df.groupby("s")
    expected_vwap = g["pv"].cumsum() / g["v"].cumsum()
    np.testing.assert_allclose(got.vwap, expected_vwap.to_numpy(), rtol=0, atol=1e-9)

    # σ by its definition: Σ v (tp − vwap_t)² / Σ v over the session so far, re-summed each bar.
    tp = df["tp"].to_numpy()
    expected_sigma = np.empty(n)
    for start in range(0, n, 390):
        for t in range(start, start + 390):
            w = v[start : t + 1]
            dev = tp[start : t + 1] - expected_vwap.iloc[t]
            expected_sigma[t] = math.sqrt(float(np.sum(w * dev * dev) / np.sum(w)))
    np.testing.assert_allclose(got.sigma, expected_sigma, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.upper_1, got.vwap + got.sigma, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.lower_2, got.vwap - 2 * got.sigma, rtol=0, atol=1e-12)


def test_sessions_reset_and_starts_equivalent() -> None:
    h, lo, c, v = _bars(100, 2)
    ids = np.repeat([1, 2, 3], [30, 50, 20])
    by_ids = session_vwap(h, lo, c, v, session_ids=ids)
    by_starts = session_vwap(h, lo, c, v, starts=[0, 30, 80])
    np.testing.assert_array_equal(session_starts(ids), [0, 30, 80])
    np.testing.assert_array_equal(by_ids.vwap, by_starts.vwap)
    # The first bar of every session has VWAP = its own typical price and σ = 0.
    tp = typical_price(h, lo, c)
    for s in (0, 30, 80):
        assert by_ids.vwap[s] == pytest.approx(tp[s], abs=1e-12)
        assert by_ids.sigma[s] == 0.0
    # A session's values do not depend on the bars of the previous session.
    alone = session_vwap(h[30:80], lo[30:80], c[30:80], v[30:80])
    np.testing.assert_allclose(by_ids.vwap[30:80], alone.vwap, rtol=0, atol=1e-12)


def test_zero_volume_before_first_trade_is_nan() -> None:
    h = np.array([10.0, 11.0, 12.0])
    lo = np.array([9.0, 10.0, 11.0])
    c = np.array([9.5, 10.5, 11.5])
    v = np.array([0.0, 100.0, 300.0])
    got = session_vwap(h, lo, c, v)
    assert math.isnan(got.vwap[0])
    assert math.isnan(got.sigma[0])
    tp = (h + lo + c) / 3
    assert got.vwap[2] == pytest.approx((100 * tp[1] + 300 * tp[2]) / 400, abs=1e-12)


def test_tiny_sigma_keeps_precision_at_high_prices() -> None:
    # Prices near 5,000 moving by a cent: σ must not drown in the cancellation of moments.
    n = 500
    rng = np.random.default_rng(3)
    tp = 5000 + rng.normal(0, 0.01, n)
    v = rng.uniform(1, 10, n)
    got = session_vwap(tp, tp, tp, v)
    cv = np.cumsum(v)
    vwap = np.cumsum(v * tp) / cv
    t = n - 1
    brute = math.sqrt(float(np.sum(v * (tp - vwap[t]) ** 2) / cv[t]))
    assert got.sigma[t] == pytest.approx(brute, rel=1e-9)


def test_bars_before_first_start_are_nan() -> None:
    h, lo, c, v = _bars(10, 4)
    got = session_vwap(h, lo, c, v, starts=[4])
    assert np.isnan(got.vwap[:4]).all()
    assert np.isfinite(got.vwap[4:]).all()
