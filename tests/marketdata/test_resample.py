"""Resampling: hand-computed examples, and random data against a slow per-bar reference that
assigns buckets with zoneinfo + Session objects and aggregates with pandas groupby."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest

from aicoach.marketdata.calendar import ET, MarketCalendar
from aicoach.marketdata.errors import NotASessionError, TimeframeNotSupportedError
from aicoach.marketdata.models import BarSeries, DataSource, Timeframe
from aicoach.marketdata.resample import can_resample, resample

CAL = MarketCalendar()
AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def series(
    times: np.ndarray, values: np.ndarray, tf: Timeframe, volume: np.ndarray | None = None
) -> BarSeries:
    v = np.asarray(values, dtype=np.float64)
    vol = np.ones_like(v) if volume is None else np.asarray(volume, dtype=np.float64)
    return BarSeries(
        "TEST", tf, times.astype("datetime64[ns]"), v, v + 1.0, v - 1.0, v + 0.5, vol,
        DataSource.FILES, AS_OF,
    )  # fmt: skip


def minutes(start_utc: str, n: int) -> np.ndarray:
    return np.datetime64(start_utc, "ns") + np.arange(n) * np.timedelta64(1, "m")


def stamps(s: BarSeries) -> list[str]:
    return [str(t)[:16] for t in s.time.astype("datetime64[m]")]


def test_hourly_regular_session_anchored_at_0930() -> None:
    # 2026-03-10 (EDT): regular session 13:30–20:00 UTC, 390 one-minute bars.
    s = series(minutes("2026-03-10T13:30", 390), np.arange(390.0), Timeframe.M1)
    h = resample(s, Timeframe.H1, CAL)
    assert stamps(h) == [
        "2026-03-10T13:30", "2026-03-10T14:30", "2026-03-10T15:30", "2026-03-10T16:30",
        "2026-03-10T17:30", "2026-03-10T18:30", "2026-03-10T19:30",
    ]  # fmt: skip
    np.testing.assert_array_equal(h.volume, [60, 60, 60, 60, 60, 60, 30])  # 15:30–16:00 short
    np.testing.assert_array_equal(h.open, [0, 60, 120, 180, 240, 300, 360])
    np.testing.assert_array_equal(h.close, [59.5, 119.5, 179.5, 239.5, 299.5, 359.5, 389.5])
    np.testing.assert_array_equal(h.high, [60, 120, 180, 240, 300, 360, 390])
    np.testing.assert_array_equal(h.low, [-1, 59, 119, 179, 239, 299, 359])
    assert h.timeframe is Timeframe.H1
    assert h.symbol == "TEST"


def test_extended_hours_segments_on_an_early_close_day() -> None:
    # 2026-11-27 (EST, early close 13:00): 04:00–17:00 ET = 09:00–22:00 UTC.
    s = series(minutes("2026-11-27T09:00", 13 * 60), np.zeros(13 * 60), Timeframe.M1)
    h = resample(s, Timeframe.H1, CAL)
    local = [t.astimezone(ET).strftime("%H:%M") for t in pd.DatetimeIndex(h.time, tz="UTC")]
    assert local == [
        "04:00", "05:00", "06:00", "07:00", "08:00", "09:00",  # pre-market, 09:00–09:30 short
        "09:30", "10:30", "11:30", "12:30",  # regular to 13:00, 12:30–13:00 short
        "13:00", "14:00", "15:00", "16:00",  # after-hours from the close to 17:00
    ]  # fmt: skip
    np.testing.assert_array_equal(h.volume, [60] * 5 + [30] + [60] * 3 + [30] + [60] * 4)


def test_five_minute_bars_with_gaps_never_span_sessions() -> None:
    # Last 3 after-hours minutes of one day and first 3 pre-market minutes of the next.
    t = np.r_[minutes("2026-03-10T23:57", 3), minutes("2026-03-11T08:00", 3)]
    s = series(t, np.arange(6.0), Timeframe.M1)
    m5 = resample(s, Timeframe.M5, CAL)
    assert stamps(m5) == ["2026-03-10T23:55", "2026-03-11T08:00"]
    np.testing.assert_array_equal(m5.volume, [3, 3])


def test_intraday_to_daily_uses_the_regular_session_only() -> None:
    t = minutes("2026-03-10T12:00", 10 * 60)  # 08:00–18:00 ET
    s = series(t, np.arange(600.0), Timeframe.M1, volume=np.arange(600.0))
    d = resample(s, Timeframe.D1, CAL)
    assert stamps(d) == ["2026-03-10T00:00"]
    regular = slice(90, 480)  # 09:30 → 16:00 ET
    assert d.open[0] == 90.0
    assert d.close[0] == 479.5
    assert d.volume[0] == np.arange(600.0)[regular].sum()


def test_daily_to_weekly_and_monthly() -> None:
    days = [s.date for s in CAL.sessions_in_range(date(2026, 3, 25), date(2026, 5, 6))]
    t = np.array(days, dtype="datetime64[D]")
    s = series(t, np.arange(len(days), dtype=float), Timeframe.D1)
    w = resample(s, Timeframe.W1, CAL)
    # Week of 2026-03-23 starts in the data on Wednesday but is stamped at its first session.
    assert stamps(w)[:3] == ["2026-03-23T00:00", "2026-03-30T00:00", "2026-04-06T00:00"]
    # Good Friday week has 4 sessions.
    np.testing.assert_array_equal(w.volume[:3], [3, 4, 5])
    mo = resample(s, Timeframe.MO1, CAL)
    assert stamps(mo) == ["2026-03-02T00:00", "2026-04-01T00:00", "2026-05-01T00:00"]
    np.testing.assert_array_equal(mo.volume, [5, 21, 4])
    assert mo.open[1] == 5.0
    assert mo.close[1] == 25.5


def test_weekly_outside_the_calendar_stamps_the_first_bar() -> None:
    t = np.array(["1989-12-27", "1989-12-28", "1989-12-29"], dtype="datetime64[D]")
    w = resample(series(t, np.arange(3.0), Timeframe.D1), Timeframe.W1, CAL)
    assert stamps(w) == ["1989-12-27T00:00"]


def test_rules_and_errors() -> None:
    assert can_resample(Timeframe.M5, Timeframe.M15)
    assert can_resample(Timeframe.M15, Timeframe.H1)
    assert not can_resample(Timeframe.M15, Timeframe.M5)
    assert not can_resample(Timeframe.W1, Timeframe.MO1)
    s = series(minutes("2026-03-10T13:30", 3), np.arange(3.0), Timeframe.M15)
    with pytest.raises(TimeframeNotSupportedError):
        resample(s, Timeframe.M5, CAL)
    empty = series(np.empty(0, "datetime64[ns]"), np.empty(0), Timeframe.M1)
    assert len(resample(empty, Timeframe.H1, CAL)) == 0
    assert resample(s, Timeframe.M15, CAL) is s
    unsorted = series(minutes("2026-03-10T13:30", 3)[::-1], np.arange(3.0), Timeframe.M1)
    with pytest.raises(ValueError, match="sorted"):
        resample(unsorted, Timeframe.M5, CAL)


# --- random data against a slow reference ------------------------------------------------------


def reference_bucket(t_utc: datetime, minutes_per_bar: int) -> datetime:
    """The obvious per-bar rule, through zoneinfo and Session objects."""
    d = t_utc.astimezone(ET).date()
    try:
        s = CAL.session(d)
        bounds = [s.premarket_start, s.open_at, s.close_at, s.after_hours_end]
    except NotASessionError:
        bounds = [
            datetime.combine(d, time(h, m), ET).astimezone(UTC)
            for h, m in ((4, 0), (9, 30), (16, 0), (20, 0))
        ]
    anchor = datetime.combine(d, time(0), ET).astimezone(UTC)
    for b in bounds:
        if b <= t_utc:
            anchor = b
    step = timedelta(minutes=minutes_per_bar)
    return anchor + ((t_utc - anchor) // step) * step


def pandas_reference(s: BarSeries, keys: Sequence[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"key": keys, "open": s.open, "high": s.high, "low": s.low, "close": s.close,
         "volume": s.volume}
    )  # fmt: skip
    return frame.groupby("key", sort=True).agg(
        open=("open", "first"), high=("high", "max"), low=("low", "min"),
        close=("close", "last"), volume=("volume", "sum"),
    )  # fmt: skip


def random_minutes(rng: np.random.Generator) -> BarSeries:
    # Five weeks over Presidents Day and the 2026 DST change, all 24 h, with random gaps.
    all_minutes = minutes("2026-02-12T00:00", 35 * 24 * 60)
    keep = np.sort(rng.choice(all_minutes.shape[0], size=20_000, replace=False))
    t = all_minutes[keep]
    o = 100 + np.cumsum(rng.normal(0, 0.1, t.shape[0]))
    return BarSeries(
        "RND", Timeframe.M1, t, o, o + rng.uniform(0, 1, o.shape), o - rng.uniform(0, 1, o.shape),
        o + rng.normal(0, 0.2, o.shape), rng.integers(1, 1000, o.shape).astype(float),
        DataSource.FILES, AS_OF,
    )  # fmt: skip


@pytest.mark.parametrize("target", [Timeframe.M5, Timeframe.M15, Timeframe.M30, Timeframe.H1])
def test_random_intraday_against_pandas_groupby(target: Timeframe) -> None:
    s = random_minutes(np.random.default_rng(7))
    ours = resample(s, target, CAL)
    times = pd.DatetimeIndex(s.time, tz="UTC").to_pydatetime()
    keys = [reference_bucket(t, target.minutes) for t in times]
    ref = pandas_reference(s, keys)
    expected_t = ref.index.map(lambda k: np.datetime64(k.replace(tzinfo=None), "ns"))
    np.testing.assert_array_equal(ours.time, np.array(list(expected_t), dtype="datetime64[ns]"))
    for col in ("open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(ours, col), ref[col].to_numpy(), err_msg=col)


def test_random_daily_to_weekly_and_monthly_against_pandas() -> None:
    rng = np.random.default_rng(11)
    days = [s.date for s in CAL.sessions_in_range(date(2019, 1, 1), date(2026, 12, 31))]
    keep = np.sort(rng.choice(len(days), size=1500, replace=False))
    picked = [days[i] for i in keep]
    s = series(np.array(picked, dtype="datetime64[D]"), rng.normal(100, 5, 1500), Timeframe.D1)
    periods: list[tuple[Timeframe, Callable[[date], date]]] = [
        (Timeframe.W1, lambda d: d - timedelta(days=d.weekday())),
        (Timeframe.MO1, lambda d: d.replace(day=1)),
    ]
    for target, key in periods:
        ours = resample(s, target, CAL)
        ref = pandas_reference(s, [key(d) for d in picked])
        first_sessions = [
            CAL.sessions_in_range(k, k + timedelta(days=6))[0].date for k in ref.index
        ]
        np.testing.assert_array_equal(
            ours.time.astype("datetime64[D]"), np.array(first_sessions, dtype="datetime64[D]")
        )
        for col in ("open", "high", "low", "close", "volume"):
            np.testing.assert_array_equal(getattr(ours, col), ref[col].to_numpy(), err_msg=col)
