"""Resample OHLCV bars to a coarser timeframe, aligned to NYSE sessions. Pure: no I/O.

Intraday (1m → 5m/15m/30m/1h, or any finer → coarser intraday whose length it divides): each
New York day is cut into segments at 00:00, 04:00 (pre-market start), the regular open, the
regular close and the after-hours end (20:00 ET, 17:00 ET on early-close days); on days that are not
sessions the nominal 09:30 / 16:00 / 20:00 are used. Within a segment a bar of ``N`` minutes
starts at ``anchor + N·⌊(t − anchor) / N⌋``, so hourly regular-session bars are 09:30–10:30, …,
15:30–16:00 (the last one short), pre-market bars align from 04:00 and after-hours bars from the
close. No output bar spans two segments, so none spans two sessions.

Intraday → 1d: the regular-session bars of each session (pre/after-hours excluded, as the daily
bars of the exchange are), stamped at the session date 00:00 UTC.

Daily → 1w / 1mo: sessions grouped by Monday–Sunday week / calendar month (New York dates); the
bar is stamped at the first session of the period per the calendar (the first bar's date when the
calendar does not cover it).

Aggregation is vectorised: group starts come from where the bucket key changes and
``open = open[first]``, ``high = max.reduceat``, ``low = min.reduceat``, ``close = close[last]``,
``volume = add.reduceat``. Input bars must be oldest first (strictly increasing ``time``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from aicoach.marketdata.calendar import ET, MarketCalendar
from aicoach.marketdata.errors import TimeframeNotSupportedError
from aicoach.marketdata.models import BarSeries, Timeframe

Int64Array = npt.NDArray[np.int64]

_NS_PER_MIN: Final = 60 * 1_000_000_000
_NS_PER_DAY: Final = 86_400 * 1_000_000_000
#: Segment boundaries in minutes after New York midnight on days that are not sessions.
_NOMINAL_MIN: Final = (0, 4 * 60, 9 * 60 + 30, 16 * 60, 20 * 60)

#: Timeframes ordered finest first.
ORDER: Final = (
    Timeframe.M1,
    Timeframe.M5,
    Timeframe.M15,
    Timeframe.M30,
    Timeframe.H1,
    Timeframe.D1,
    Timeframe.W1,
    Timeframe.MO1,
)


def can_resample(source: Timeframe, target: Timeframe) -> bool:
    """Whether bars of ``source`` aggregate exactly into ``target`` bars."""
    if source == target:
        return True
    if source.is_intraday and target.is_intraday:
        return target.minutes > source.minutes and target.minutes % source.minutes == 0
    if source.is_intraday:
        return True  # → 1d, and → 1w/1mo through 1d
    return source == Timeframe.D1 and target in (Timeframe.W1, Timeframe.MO1)


def resample(series: BarSeries, target: Timeframe, calendar: MarketCalendar) -> BarSeries:
    """``series`` aggregated to ``target`` (see module docstring for the alignment rules)."""
    source = series.timeframe
    if source == target:
        return series
    if not can_resample(source, target):
        raise TimeframeNotSupportedError(series.symbol, target.value, (source.value,))
    if len(series) == 0:
        return _with(series, target, np.empty(0, dtype=np.int64))
    t = series.time.astype("datetime64[ns]").astype(np.int64)
    if t.shape[0] > 1 and not bool(np.all(np.diff(t) > 0)):
        raise ValueError("bars must be sorted oldest first with unique times")
    if target.is_intraday:
        return _aggregate(series, target, _intraday_keys(t, target.minutes, calendar))
    if source.is_intraday:
        daily = _aggregate(series, Timeframe.D1, *_regular_day_keys(t, calendar))
        return daily if target == Timeframe.D1 else resample(daily, target, calendar)
    keys, stamps = _period_keys(t, target, calendar)
    return _aggregate(series, target, keys, stamps)


# --- bucket keys ---------------------------------------------------------------------------


def _local_ns(t_utc_ns: Int64Array) -> Int64Array:
    """UTC ns → New York wall-clock ns (naive), vectorised through pandas' tz database."""
    idx = pd.DatetimeIndex(t_utc_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(ET)
    local = idx.tz_localize(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
    return np.asarray(local, dtype=np.int64)


def _day_boundaries(days_ns: Int64Array, calendar: MarketCalendar) -> Int64Array:
    """For each New York day (local midnight, naive ns) the five segment boundaries in UTC ns,
    shape ``(n_days, 5)``: midnight, 04:00, open, close, after-hours end."""
    n = days_ns.shape[0]
    local = np.empty((n, 5), dtype=np.int64)
    for j, minutes in enumerate(_NOMINAL_MIN):
        local[:, j] = days_ns + minutes * _NS_PER_MIN
    # Wall clock → UTC for the nominal times (pandas resolves DST; none falls in a gap/overlap).
    flat = pd.DatetimeIndex(local.ravel().astype("datetime64[ns]")).tz_localize(ET)
    utc = flat.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[ns]")
    bounds = utc.astype(np.int64).reshape(n, 5)

    cal_days, open_ns, close_ns, early = calendar.session_arrays()
    day_d = days_ns.astype("datetime64[ns]").astype("datetime64[D]")
    pos = np.searchsorted(cal_days, day_d)
    pos_c = np.minimum(pos, cal_days.shape[0] - 1)
    is_session = (pos < cal_days.shape[0]) & (cal_days[pos_c] == day_d)
    sess = pos_c[is_session]
    bounds[is_session, 2] = open_ns[sess]
    bounds[is_session, 3] = close_ns[sess]
    # Early close: after-hours ends at 17:00 ET, i.e. 3 h before the nominal 20:00 ET.
    early_rows = np.flatnonzero(is_session)[early[sess]]
    bounds[early_rows, 4] -= 3 * 60 * _NS_PER_MIN
    return bounds


def _day_index(t_utc_ns: Int64Array) -> tuple[Int64Array, Int64Array]:
    """(unique New York days as local-midnight ns, index of each bar's day)."""
    local = _local_ns(t_utc_ns)
    day = local - np.mod(local, _NS_PER_DAY)
    uniq, inverse = np.unique(day, return_inverse=True)
    return uniq.astype(np.int64), inverse.astype(np.int64)


def _intraday_keys(t: Int64Array, minutes: int, calendar: MarketCalendar) -> Int64Array:
    days, inv = _day_index(t)
    bounds = _day_boundaries(days, calendar)[inv]  # (n_bars, 5)
    seg = np.sum(bounds <= t[:, None], axis=1) - 1  # ≥ 0: midnight ≤ t always
    anchor = bounds[np.arange(t.shape[0]), seg]
    step = minutes * _NS_PER_MIN
    return np.asarray(anchor + ((t - anchor) // step) * step, dtype=np.int64)


def _regular_day_keys(t: Int64Array, calendar: MarketCalendar) -> tuple[Int64Array, Int64Array]:
    """Keys (session date ns) for regular-session bars, -1 for the rest; and the same as stamps."""
    days, inv = _day_index(t)
    bounds = _day_boundaries(days, calendar)
    cal_days = calendar.session_arrays()[0]
    day_d = days.astype("datetime64[ns]").astype("datetime64[D]")
    is_session = np.isin(day_d, cal_days)
    regular = is_session[inv] & (t >= bounds[inv, 2]) & (t < bounds[inv, 3])
    keys = np.where(regular, days[inv], -1)
    return keys, keys


def _period_keys(
    t: Int64Array, target: Timeframe, calendar: MarketCalendar
) -> tuple[Int64Array, Int64Array]:
    """Week/month keys of daily bars (stamped at a date 00:00 UTC) and each group's stamp."""
    d = t.astype("datetime64[ns]").astype("datetime64[D]")
    if target == Timeframe.W1:
        # 1970-01-01 was a Thursday: shift so weeks start on Monday.
        start = ((d.astype(np.int64) + 3) // 7) * 7 - 3
        nxt = start + 7
    else:
        month = d.astype("datetime64[M]")
        start = month.astype("datetime64[D]").astype(np.int64)
        nxt = (month + 1).astype("datetime64[D]").astype(np.int64)
    cal_days = calendar.session_arrays()[0].astype(np.int64)
    first = np.searchsorted(cal_days, start)
    first_c = np.minimum(first, cal_days.shape[0] - 1)
    covered = (start >= cal_days[0]) & (nxt - 1 <= cal_days[-1]) & (cal_days[first_c] < nxt)
    stamp_day = np.where(covered, cal_days[first_c], d.astype(np.int64))
    keys = start * _NS_PER_DAY
    # A group's stamp is the first session of the period, or its first bar when not covered.
    starts = _group_starts(keys)
    stamp_first = np.minimum.reduceat(stamp_day, starts) * _NS_PER_DAY
    stamps = np.repeat(stamp_first, np.diff(np.r_[starts, keys.shape[0]]))
    return np.asarray(keys, dtype=np.int64), np.asarray(stamps, dtype=np.int64)


# --- aggregation ---------------------------------------------------------------------------


def _group_starts(keys: Int64Array) -> Int64Array:
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]).astype(np.int64)


def _aggregate(
    series: BarSeries, target: Timeframe, keys: Int64Array, stamps: Int64Array | None = None
) -> BarSeries:
    """Aggregate consecutive bars with equal key; keys < 0 mark bars to drop."""
    keep = keys >= 0
    if not bool(np.all(keep)):
        series = _take(series, keep)
        keys = keys[keep]
        stamps = None if stamps is None else stamps[keep]
    if keys.shape[0] == 0:
        return _with(series, target, np.empty(0, dtype=np.int64))
    starts = _group_starts(keys)
    ends = np.r_[starts[1:], keys.shape[0]] - 1
    stamp = (keys if stamps is None else stamps)[starts]
    return BarSeries(
        symbol=series.symbol,
        timeframe=target,
        time=stamp.astype("datetime64[ns]"),
        open=series.open[starts],
        high=np.maximum.reduceat(series.high, starts),
        low=np.minimum.reduceat(series.low, starts),
        close=series.close[ends],
        volume=np.add.reduceat(series.volume, starts),
        source=series.source,
        as_of=series.as_of,
    )


def _take(series: BarSeries, mask: npt.NDArray[np.bool_]) -> BarSeries:
    return BarSeries(
        series.symbol, series.timeframe, series.time[mask], series.open[mask],
        series.high[mask], series.low[mask], series.close[mask], series.volume[mask],
        series.source, series.as_of,
    )  # fmt: skip


def _with(series: BarSeries, target: Timeframe, stamp: Int64Array) -> BarSeries:
    empty = np.empty(0, dtype=np.float64)
    return BarSeries(
        series.symbol, target, stamp.astype("datetime64[ns]"), empty, empty.copy(),
        empty.copy(), empty.copy(), empty.copy(), series.source, series.as_of,
    )  # fmt: skip
