"""Floor-trader pivot points and calendar-period aggregation of daily bars.

All inputs are the **prior** period's high ``H``, low ``L`` and close ``C`` (dollars), scalars or
arrays (vectorised elementwise); ``R = H − L`` is the prior range. Formulas:

* Classic (floor): ``P = (H+L+C)/3``; ``R1 = 2P − L``; ``S1 = 2P − H``; ``R2 = P + R``;
  ``S2 = P − R``; ``R3 = H + 2(P − L)``; ``S3 = L − 2(H − P)``.
* Fibonacci: ``P = (H+L+C)/3``; ``R1/R2/R3 = P + 0.382R / 0.618R / 1.000R``; ``S1/S2/S3``
  mirror below ``P``.
* Camarilla: ``P = (H+L+C)/3``; ``R_k = C + R·1.1/d_k`` and ``S_k = C − R·1.1/d_k`` with
  ``d = 12, 6, 4, 2`` for ``k = 1..4``.
* Woodie: ``P = (H + L + 2C)/4`` (the prior period's close counted twice — we use the prior close,
  not today's open, so every value is known before the open); ``R1 = 2P − L``; ``S1 = 2P − H``;
  ``R2 = P + R``; ``S2 = P − R``; ``R3 = H + 2(P − L)``; ``S3 = L − 2(H − P)``.

Periods: ``day`` is the prior session; ``week`` groups sessions by ISO week (Monday–Sunday) of
the session date; ``month`` by calendar month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PivotMethod(StrEnum):
    CLASSIC = "classic"
    FIBONACCI = "fibonacci"
    CAMARILLA = "camarilla"
    WOODIE = "woodie"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def pivot_levels(
    method: PivotMethod | str, high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> dict[str, FloatArray]:
    """Pivot levels by name (``P``, ``R1``…, ``S1``…), each an array shaped like the inputs."""
    m = PivotMethod(method)
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    c = np.asarray(close, dtype=np.float64)
    rng = h - lo
    if m is PivotMethod.CAMARILLA:
        p = (h + lo + c) / 3.0
        out = {"P": p}
        for k, d in enumerate((12.0, 6.0, 4.0, 2.0), start=1):
            out[f"R{k}"] = c + rng * 1.1 / d
            out[f"S{k}"] = c - rng * 1.1 / d
        return out
    if m is PivotMethod.FIBONACCI:
        p = (h + lo + c) / 3.0
        out = {"P": p}
        for k, f in enumerate((0.382, 0.618, 1.0), start=1):
            out[f"R{k}"] = p + f * rng
            out[f"S{k}"] = p - f * rng
        return out
    p = (h + lo + 2.0 * c) / 4.0 if m is PivotMethod.WOODIE else (h + lo + c) / 3.0
    return {
        "P": p,
        "R1": 2.0 * p - lo,
        "S1": 2.0 * p - h,
        "R2": p + rng,
        "S2": p - rng,
        "R3": h + 2.0 * (p - lo),
        "S3": lo - 2.0 * (h - p),
    }


@dataclass(frozen=True, slots=True)
class PeriodBars:
    """Daily bars aggregated to calendar periods, oldest first (dollars / shares).

    ``key`` is the period's integer key: days-since-epoch of the Monday for weeks, months since
    1970-01 for months, days since epoch for days. ``first_day``/``last_day`` are the first and
    last session dates (``datetime64[D]``) that fell in the period.
    """

    key: IntArray
    first_day: npt.NDArray[np.datetime64]
    last_day: npt.NDArray[np.datetime64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.key.shape[0])


def period_keys(days: npt.ArrayLike, period: Period | str) -> IntArray:
    """Integer period key for each session date (``datetime64`` of any unit, UTC dates)."""
    d = np.asarray(days).astype("datetime64[D]")
    p = Period(period)
    day_num = d.astype(np.int64)
    if p is Period.DAY:
        return day_num
    if p is Period.WEEK:
        # 1970-01-01 was a Thursday, so day 3 was a Sunday and day −3 a Monday: this floors to
        # the Monday that starts the ISO week.
        return np.asarray(((day_num + 3) // 7) * 7 - 3, dtype=np.int64)
    return d.astype("datetime64[M]").astype(np.int64)


def aggregate_periods(
    time: npt.ArrayLike,
    open_: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: Period | str,
) -> PeriodBars:
    """Aggregate sorted daily bars to ``period``: first open, max high, min low, last close,
    summed volume."""
    days = np.asarray(time).astype("datetime64[D]")
    keys = period_keys(days, period)
    if keys.shape[0] == 0:
        empty = np.zeros(0)
        return PeriodBars(keys, days, days, empty, empty, empty, empty, empty)
    starts = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
    ends = np.concatenate([starts[1:], [keys.shape[0]]]) - 1
    o = np.asarray(open_, dtype=np.float64)
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    c = np.asarray(close, dtype=np.float64)
    v = np.asarray(volume, dtype=np.float64)
    return PeriodBars(
        key=keys[starts],
        first_day=days[starts],
        last_day=days[ends],
        open=o[starts],
        high=np.maximum.reduceat(h, starts),
        low=np.minimum.reduceat(lo, starts),
        close=c[ends],
        volume=np.add.reduceat(v, starts),
    )


def prior_period_hlc(
    time: npt.ArrayLike,
    open_: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    period: Period | str,
    today: date,
) -> tuple[float, float, float] | None:
    """High, low and close of the last *complete* period before the one containing ``today``.

    Bars dated on or after ``today`` are ignored (the daily series may hold today's partial bar).
    Returns ``None`` when no earlier period exists.
    """
    days = np.asarray(time).astype("datetime64[D]")
    today_d = np.datetime64(today, "D")
    keep = days < today_d
    bars = aggregate_periods(
        days[keep],
        np.asarray(open_)[keep],
        np.asarray(high)[keep],
        np.asarray(low)[keep],
        np.asarray(close)[keep],
        np.asarray(volume)[keep],
        period,
    )
    today_key = int(period_keys(np.array([today_d]), period)[0])
    earlier = np.flatnonzero(bars.key < today_key)
    if earlier.size == 0:
        return None
    i = int(earlier[-1])
    return float(bars.high[i]), float(bars.low[i]), float(bars.close[i])
