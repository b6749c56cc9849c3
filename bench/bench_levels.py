"""Levels engine benchmarks.

1. Indicator kernels against TA-Lib on the same arrays: one long series (the S&P 500 daily bars
   shipped in arch) and a (500 symbols × 1,500 days) batch, which we take as one 2-D array and
   TA-Lib takes row by row. Goal: within 3× of TA-Lib.
2. The same batch against a straightforward per-symbol pandas version (rolling / ewm, below).
   Goal: at least 20× faster.
3. All key levels for 500 symbols from in-memory bars (daily history + one day of 1-minute bars).

Every comparison first checks that both sides computed the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import talib
from arch.data import sp500

from aicoach.levels.core import indicators as ind
from aicoach.levels.core.engine import LevelInputs, compute_levels_many
from aicoach.levels.core.models import SessionWindows
from aicoach.marketdata.models import BarSeries, DataSource, Timeframe
from bench.harness import Report, best_seconds

SYMBOLS, DAYS = 500, 1_500


# ---- the baseline a pandas user would write, one symbol at a time ------------------------------


def _seeded_ewm(values: pd.Series, alpha: float, period: int, first: int) -> pd.Series:
    """Recursive EWM seeded TA-Lib style: the mean of ``period`` values placed at ``first``."""
    seeded = values.copy()
    seeded.iloc[:first] = np.nan
    seeded.iloc[first] = values.iloc[first - period + 1 : first + 1].mean()
    return seeded.ewm(alpha=alpha, adjust=False).mean()


def pandas_indicators(df: pd.DataFrame) -> dict[str, pd.Series]:
    """SMA(20), EMA(20), RSI(14) and ATR(14) for one symbol's OHLC frame."""
    c, h, lo = df["close"], df["high"], df["low"]
    prev = c.shift()
    tr = pd.concat([h - lo, (h - prev).abs(), (lo - prev).abs()], axis=1).max(axis=1)
    tr.iloc[0] = np.nan
    delta = c.diff()
    gain = _seeded_ewm(delta.clip(lower=0), 1 / 14, 14, 14)
    loss = _seeded_ewm((-delta).clip(lower=0), 1 / 14, 14, 14)
    return {
        "sma": c.rolling(20).mean(),
        "ema": _seeded_ewm(c, 2 / 21, 20, 19),
        "rsi": 100 * gain / (gain + loss),
        "atr": _seeded_ewm(tr, 1 / 14, 14, 14),
    }


def ours_indicators(h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "sma": ind.sma(c, 20),
        "ema": ind.ema(c, 20),
        "rsi": ind.rsi(c, 14),
        "atr": ind.atr(h, lo, c, 14),
    }


def talib_indicators(h: np.ndarray, lo: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "sma": talib.SMA(c, 20),
        "ema": talib.EMA(c, 20),
        "rsi": talib.RSI(c, 14),
        "atr": talib.ATR(h, lo, c, 14),
    }


# ---- data --------------------------------------------------------------------------------------


def _batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    start = rng.uniform(10, 500, size=(SYMBOLS, 1))
    close = start * np.exp(np.cumsum(rng.normal(0, 0.015, (SYMBOLS, DAYS)), axis=1))
    high = close * (1 + rng.uniform(0, 0.02, (SYMBOLS, DAYS)))
    low = close * (1 - rng.uniform(0, 0.02, (SYMBOLS, DAYS)))
    return high, low, close


def _level_inputs(n_symbols: int) -> list[LevelInputs]:
    session = SessionWindows(
        premarket_start=datetime(2024, 6, 10, 8, 0, tzinfo=UTC),
        regular_open=datetime(2024, 6, 10, 13, 30, tzinfo=UTC),
        regular_close=datetime(2024, 6, 10, 20, 0, tzinfo=UTC),
    )
    now = datetime(2024, 6, 10, 17, 0, tzinfo=UTC)
    days = np.arange(np.datetime64("2023-01-02"), np.datetime64("2024-06-10"), dtype="M8[D]")
    days = days[np.is_busday(days)].astype("M8[ns]")
    minutes = np.arange(
        np.datetime64("2024-06-10T08:00"), np.datetime64("2024-06-10T17:00"), dtype="M8[m]"
    ).astype("M8[ns]")
    rng = np.random.default_rng(2)
    out = []
    for i in range(n_symbols):
        c = rng.uniform(20, 400) * np.exp(np.cumsum(rng.normal(0, 0.015, days.size)))
        h, lo = c * (1 + rng.uniform(0, 0.02, c.size)), c * (1 - rng.uniform(0, 0.02, c.size))
        daily = BarSeries(
            f"S{i:03d}", Timeframe.D1, days, c, h, lo, c, rng.uniform(1e6, 5e6, c.size),
            DataSource.SIMULATED, now,
        )  # fmt: skip
        m = c[-1] * np.exp(np.cumsum(rng.normal(0, 0.0008, minutes.size)))
        mh, ml = m * (1 + rng.uniform(0, 0.001, m.size)), m * (1 - rng.uniform(0, 0.001, m.size))
        intraday = BarSeries(
            daily.symbol, Timeframe.M1, minutes, m, mh, ml, m, rng.uniform(1e3, 5e4, m.size),
            DataSource.SIMULATED, now,
        )  # fmt: skip
        out.append(LevelInputs(daily, intraday, session, float(m[-1]), now))
    return out


def _check(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], tol: float) -> None:
    for name, values in ours.items():
        np.testing.assert_allclose(values, ref[name], rtol=tol, atol=tol, err_msg=name)


# ---- run ---------------------------------------------------------------------------------------


def run(report: Report) -> None:
    df = sp500.load()
    h1, l1, c1 = (df[k].to_numpy(dtype=np.float64) for k in ("High", "Low", "Close"))
    _check(ours_indicators(h1, l1, c1), talib_indicators(h1, l1, c1), 1e-9)
    single: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "sma": (lambda: ind.sma(c1, 20), lambda: talib.SMA(c1, 20)),
        "ema": (lambda: ind.ema(c1, 20), lambda: talib.EMA(c1, 20)),
        "rsi": (lambda: ind.rsi(c1, 14), lambda: talib.RSI(c1, 14)),
        "atr": (lambda: ind.atr(h1, l1, c1, 14), lambda: talib.ATR(h1, l1, c1, 14)),
    }
    for name, (ours, theirs) in single.items():
        report.ratio(
            f"levels.{name} 1×{c1.size}",
            best_seconds(ours, repeat=7, number=200),
            best_seconds(theirs, repeat=7, number=200),
            "talib",
            "<= 3x",
        )

    h, lo, c = _batch()
    rows = range(SYMBOLS)
    for i in (0, SYMBOLS - 1):
        _check({k: v[i] for k, v in ours_indicators(h, lo, c).items()},
               talib_indicators(h[i], lo[i], c[i]), 1e-9)  # fmt: skip
    batch: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "sma": (lambda: ind.sma(c, 20), lambda: [talib.SMA(c[i], 20) for i in rows]),
        "ema": (lambda: ind.ema(c, 20), lambda: [talib.EMA(c[i], 20) for i in rows]),
        "rsi": (lambda: ind.rsi(c, 14), lambda: [talib.RSI(c[i], 14) for i in rows]),
        "atr": (
            lambda: ind.atr(h, lo, c, 14),
            lambda: [talib.ATR(h[i], lo[i], c[i], 14) for i in rows],
        ),
    }
    for name, (ours, theirs) in batch.items():
        report.ratio(
            f"levels.{name} {SYMBOLS}×{DAYS}",
            best_seconds(ours, repeat=5),
            best_seconds(theirs, repeat=5),
            "talib",
            "<= 3x",
        )
    ours_all = best_seconds(lambda: ours_indicators(h, lo, c), repeat=5)
    talib_all = best_seconds(lambda: [talib_indicators(h[i], lo[i], c[i]) for i in rows], repeat=5)
    report.ratio(f"levels.4 indicators {SYMBOLS}×{DAYS}", ours_all, talib_all, "talib", "<= 3x")

    frames = [pd.DataFrame({"high": h[i], "low": lo[i], "close": c[i]}) for i in rows]
    got = pandas_indicators(frames[7])
    _check({k: v[7] for k, v in ours_indicators(h, lo, c).items()},
           {k: s.to_numpy() for k, s in got.items()}, 1e-9)  # fmt: skip
    pandas_all = best_seconds(lambda: [pandas_indicators(f) for f in frames], repeat=2)
    report.ratio(
        f"levels.4 indicators {SYMBOLS}×{DAYS}", ours_all, pandas_all, "pandas", ">= 20x faster"
    )

    inputs = _level_inputs(SYMBOLS)
    seconds = best_seconds(lambda: compute_levels_many(inputs), repeat=3)
    report.figure(
        f"levels.all key levels × {SYMBOLS} symbols",
        f"{seconds * 1e3:,.1f} ms total, {seconds / SYMBOLS * 1e3:.3f} ms per symbol "
        f"({len(inputs[0].daily)} daily + {len(inputs[0].intraday_1m or [])} 1m bars each)",
    )
