"""Pivots recomputed by hand from the input bars, and calendar aggregation checked against pandas
(ISO weeks through ``isocalendar``, months through ``to_period``)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from arch.data import sp500

from aicoach.levels.core.pivots import (
    Period,
    PivotMethod,
    aggregate_periods,
    period_keys,
    pivot_levels,
    prior_period_hlc,
)


def test_classic_by_hand() -> None:
    h, lo, c = 110.0, 100.0, 104.0
    p = (110 + 100 + 104) / 3  # 104.6666…
    got = pivot_levels(PivotMethod.CLASSIC, h, lo, c)
    assert got["P"] == pytest.approx(p)
    assert got["R1"] == pytest.approx(2 * p - 100)
    assert got["S1"] == pytest.approx(2 * p - 110)
    assert got["R2"] == pytest.approx(p + 10)
    assert got["S2"] == pytest.approx(p - 10)
    assert got["R3"] == pytest.approx(110 + 2 * (p - 100))
    assert got["S3"] == pytest.approx(100 - 2 * (110 - p))
    assert set(got) == {"P", "R1", "R2", "R3", "S1", "S2", "S3"}


def test_all_methods_on_real_bars_by_hand() -> None:
    """Every pivot of every method for each of the last 50 S&P sessions, recomputed by hand from
    the previous session's bar, equals the vectorised engine's."""
    df = sp500.load().iloc[-51:]
    h = df["High"].to_numpy()[:-1]
    lo = df["Low"].to_numpy()[:-1]
    c = df["Close"].to_numpy()[:-1]
    vec = {m: pivot_levels(m, h, lo, c) for m in PivotMethod}
    for i in range(h.size):
        H, L, C = float(h[i]), float(lo[i]), float(c[i])
        R = H - L
        P = (H + L + C) / 3
        W = (H + L + 2 * C) / 4
        expected = {
            PivotMethod.CLASSIC: {
                "P": P, "R1": 2 * P - L, "S1": 2 * P - H, "R2": P + R, "S2": P - R,
                "R3": H + 2 * (P - L), "S3": L - 2 * (H - P),
            },
            PivotMethod.FIBONACCI: {
                "P": P, "R1": P + 0.382 * R, "S1": P - 0.382 * R, "R2": P + 0.618 * R,
                "S2": P - 0.618 * R, "R3": P + R, "S3": P - R,
            },
            PivotMethod.CAMARILLA: {
                "P": P, "R1": C + R * 1.1 / 12, "S1": C - R * 1.1 / 12, "R2": C + R * 1.1 / 6,
                "S2": C - R * 1.1 / 6, "R3": C + R * 1.1 / 4, "S3": C - R * 1.1 / 4,
                "R4": C + R * 1.1 / 2, "S4": C - R * 1.1 / 2,
            },
            PivotMethod.WOODIE: {
                "P": W, "R1": 2 * W - L, "S1": 2 * W - H, "R2": W + R, "S2": W - R,
                "R3": H + 2 * (W - L), "S3": L - 2 * (H - W),
            },
        }  # fmt: skip
        for method, names in expected.items():
            assert set(vec[method]) == set(names)
            for name, value in names.items():
                assert vec[method][name][i] == pytest.approx(value, abs=1e-9), (method, name, i)


def test_levels_are_ordered() -> None:
    for m in PivotMethod:
        got = pivot_levels(m, 120.0, 100.0, 111.0)
        highs = [got[k] for k in ("R1", "R2", "R3", "R4") if k in got]
        lows = [got[k] for k in ("S1", "S2", "S3", "S4") if k in got]
        assert highs == sorted(highs)
        assert lows == sorted(lows, reverse=True)
        assert max(lows) < min(highs)


def test_week_and_month_aggregation_matches_pandas() -> None:
    df = sp500.load().iloc[-400:]
    index = pd.DatetimeIndex(df.index)
    days = index.to_numpy().astype("datetime64[D]")
    o, h, lo, c, v = (
        df[k].to_numpy(dtype=float) for k in ("Open", "High", "Low", "Close", "Volume")
    )
    iso = index.isocalendar()
    for period, key in (
        (Period.WEEK, [iso["year"].to_numpy(), iso["week"].to_numpy()]),
        (Period.MONTH, [index.to_period("M")]),
    ):
        got = aggregate_periods(days, o, h, lo, c, v, period)
        g = df.groupby(key, sort=True)
        exp = g.agg(o=("Open", "first"), h=("High", "max"), l=("Low", "min"), c=("Close", "last"))
        exp_v = g["Volume"].sum()
        assert len(got) == len(exp)
        np.testing.assert_array_equal(got.open, exp["o"].to_numpy())
        np.testing.assert_array_equal(got.high, exp["h"].to_numpy())
        np.testing.assert_array_equal(got.low, exp["l"].to_numpy())
        np.testing.assert_array_equal(got.close, exp["c"].to_numpy())
        np.testing.assert_array_equal(got.volume, exp_v.to_numpy(dtype=float))


def test_week_key_is_the_iso_monday() -> None:
    # 2024-12-30 (Mon) .. 2025-01-05 (Sun) is ISO week 2025-W01; 2025-01-06 starts W02.
    days = np.array(["2024-12-29", "2024-12-30", "2025-01-03", "2025-01-05", "2025-01-06"], "M8[D]")
    keys = period_keys(days, Period.WEEK).astype("datetime64[D]")
    assert [str(k) for k in keys] == [
        "2024-12-23", "2024-12-30", "2024-12-30", "2024-12-30", "2025-01-06",
    ]  # fmt: skip


def test_prior_period_hlc_ignores_today_and_current_period() -> None:
    days = np.array(
        ["2024-05-27", "2024-05-28", "2024-05-31", "2024-06-03", "2024-06-04", "2024-06-05"],
        "M8[D]",
    )
    o = np.array([1.0, 2, 3, 4, 5, 6])
    h = np.array([10.0, 12, 11, 20, 21, 99])
    lo = np.array([5.0, 4, 6, 15, 14, 1])
    c = np.array([7.0, 8, 9, 16, 17, 50])
    v = np.ones(6)
    # Today is Wednesday 2024-06-05 (its partial bar is in the series and must be ignored).
    today = date(2024, 6, 5)
    assert prior_period_hlc(days, o, h, lo, c, v, Period.WEEK, today) == (12.0, 4.0, 9.0)
    assert prior_period_hlc(days, o, h, lo, c, v, Period.MONTH, today) == (12.0, 4.0, 9.0)
    assert prior_period_hlc(days, o, h, lo, c, v, Period.DAY, today) == (21.0, 14.0, 17.0)
    assert prior_period_hlc(days, o, h, lo, c, v, Period.WEEK, date(2024, 5, 29)) is None
