"""Indicator kernels against TA-Lib (golden) on the real S&P 500 daily series shipped in arch, and
against slow, obvious loop implementations written here from the textbook definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib
from arch.data import sp500

from aicoach.levels.core import indicators as ind

TOL = 1e-9  # absolute dollars (or RSI points); relative error is ~1e-15 in practice


@pytest.fixture(scope="module")
def spx() -> dict[str, np.ndarray]:
    df = sp500.load()
    return {k: df[k].to_numpy(dtype=np.float64) for k in ("Open", "High", "Low", "Close")}


# ---- slow references: plain loops, one value at a time ------------------------------------------


def ref_sma(x: list[float], n: int) -> list[float]:
    return [math.nan if i < n - 1 else sum(x[i - n + 1 : i + 1]) / n for i in range(len(x))]


def ref_ema(x: list[float], n: int) -> list[float]:
    out = [math.nan] * len(x)
    if len(x) < n:
        return out
    k = 2.0 / (n + 1)
    prev = sum(x[:n]) / n
    out[n - 1] = prev
    for i in range(n, len(x)):
        prev = prev + k * (x[i] - prev)
        out[i] = prev
    return out


def ref_tr(h: list[float], lo: list[float], c: list[float]) -> list[float]:
    out = [math.nan] if h else []
    for i in range(1, len(h)):
        out.append(max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1])))
    return out


def ref_atr(h: list[float], lo: list[float], c: list[float], n: int) -> list[float]:
    tr = ref_tr(h, lo, c)
    if n == 1:
        return tr
    out = [math.nan] * len(h)
    if len(h) <= n:
        return out
    prev = sum(tr[1 : n + 1]) / n
    out[n] = prev
    for i in range(n + 1, len(h)):
        prev = (prev * (n - 1) + tr[i]) / n
        out[i] = prev
    return out


def ref_rsi(x: list[float], n: int) -> list[float]:
    out = [math.nan] * len(x)
    if len(x) <= n:
        return out
    gains = [max(x[i] - x[i - 1], 0.0) for i in range(1, len(x))]
    losses = [max(x[i - 1] - x[i], 0.0) for i in range(1, len(x))]
    g = sum(gains[:n]) / n
    lo = sum(losses[:n]) / n
    for i in range(n, len(x)):
        if i > n:
            g = (g * (n - 1) + gains[i - 1]) / n
            lo = (lo * (n - 1) + losses[i - 1]) / n
        out[i] = 0.0 if g + lo < 1e-8 else 100.0 * g / (g + lo)
    return out


def assert_same(ours: np.ndarray, ref: np.ndarray, tol: float = TOL) -> None:
    ours, ref = np.asarray(ours), np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref), err_msg="warm-up NaNs differ")
    np.testing.assert_allclose(ours, ref, rtol=0.0, atol=tol, equal_nan=True)


# ---- golden: TA-Lib on real data ----------------------------------------------------------------


@pytest.mark.parametrize("use_scipy", [None, True, False])  # None: the compiled default path
@pytest.mark.parametrize("period", [1, 2, 5, 14, 20, 50, 200])
def test_against_talib_on_sp500(
    spx: dict[str, np.ndarray], period: int, use_scipy: bool | None
) -> None:
    h, lo, c = spx["High"], spx["Low"], spx["Close"]
    assert c.size > 5000
    assert_same(ind.sma(c, period), talib.SMA(c, period))
    assert_same(ind.ema(c, period, use_scipy=use_scipy), talib.EMA(c, period))
    assert_same(ind.atr(h, lo, c, period, use_scipy=use_scipy), talib.ATR(h, lo, c, period))
    if period >= 2:  # TA-Lib's RSI requires a period of at least 2
        assert_same(ind.rsi(c, period, use_scipy=use_scipy), talib.RSI(c, period))


def test_true_range_against_talib(spx: dict[str, np.ndarray]) -> None:
    h, lo, c = spx["High"], spx["Low"], spx["Close"]
    assert_same(ind.true_range(h, lo, c), talib.TRANGE(h, lo, c), tol=0.0)


def test_batch_rows_equal_single_series(spx: dict[str, np.ndarray]) -> None:
    """A (symbols, time) batch gives, row by row, exactly what TA-Lib gives for each symbol."""
    h, lo, c = spx["High"], spx["Low"], spx["Close"]
    rng = np.random.default_rng(7)
    scale = rng.uniform(0.05, 3.0, size=(6, 1))  # six "symbols" at different price scales
    hb, lb, cb = h * scale, lo * scale, c * scale
    for use_scipy in (True, False):
        a = ind.atr(hb, lb, cb, 14, use_scipy=use_scipy)
        r = ind.rsi(cb, 14, use_scipy=use_scipy)
        e = ind.ema(cb, 21, use_scipy=use_scipy)
        s = ind.sma(cb, 50)
        for i in range(cb.shape[0]):
            assert_same(a[i], talib.ATR(hb[i], lb[i], cb[i], 14))
            assert_same(r[i], talib.RSI(cb[i], 14))
            assert_same(e[i], talib.EMA(cb[i], 21))
            assert_same(s[i], talib.SMA(cb[i], 50))


# ---- against the slow references (also covers short and flat inputs) ---------------------------


@pytest.mark.parametrize("n_bars", [0, 1, 2, 3, 4, 5, 6, 15, 40])
@pytest.mark.parametrize("period", [1, 2, 3, 5])
def test_against_loop_references(n_bars: int, period: int) -> None:
    rng = np.random.default_rng(n_bars * 31 + period)
    c = 100 + np.cumsum(rng.normal(0, 1, n_bars))
    h = c + rng.uniform(0, 1, n_bars)
    lo = c - rng.uniform(0, 1, n_bars)
    cl, hl, ll = c.tolist(), h.tolist(), lo.tolist()
    assert_same(ind.sma(c, period), np.array(ref_sma(cl, period)))
    assert_same(ind.ema(c, period), np.array(ref_ema(cl, period)))
    assert_same(ind.true_range(h, lo, c), np.array(ref_tr(hl, ll, cl)))
    assert_same(ind.atr(h, lo, c, period), np.array(ref_atr(hl, ll, cl, period)))
    assert_same(ind.rsi(c, period), np.array(ref_rsi(cl, period)))


def test_rsi_flat_series_is_zero_like_talib() -> None:
    flat = np.full(30, 50.0)
    assert_same(ind.rsi(flat, 14), talib.RSI(flat, 14))
    assert ind.rsi(flat, 14)[-1] == 0.0


def test_rsi_only_gains_is_100() -> None:
    up = np.arange(1.0, 31.0)
    assert ind.rsi(up, 14)[-1] == pytest.approx(100.0)


def test_known_small_values() -> None:
    x = np.arange(1.0, 11.0)
    np.testing.assert_allclose(ind.sma(x, 3)[2:], np.arange(2.0, 10.0))
    assert np.isnan(ind.sma(x, 3)[:2]).all()
    # A constant true range of 2 gives an ATR of exactly 2 from index ``period`` on.
    a = ind.atr(x + 1, x - 1, x, 3)
    assert np.isnan(a[:3]).all()
    np.testing.assert_allclose(a[3:], 2.0)


def test_invalid_period_and_shape() -> None:
    with pytest.raises(ValueError, match="period"):
        ind.sma(np.ones(5), 0)
    with pytest.raises(ValueError, match="period"):
        ind.ema(np.ones(5), 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="3-D"):
        ind.sma(np.ones((2, 2, 2)), 2)


def test_last_finite() -> None:
    assert ind.last_finite([np.nan, 1.0, 2.0, np.nan]) == 2.0
    assert ind.last_finite([np.nan, np.nan]) is None
    assert ind.last_finite([]) is None
