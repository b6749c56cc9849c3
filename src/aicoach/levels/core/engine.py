"""Key levels for a symbol: prior periods, pre-market, opening ranges, pivots, VWAP, ATR bands,
moving averages, swing zones and their confluence — pure, no I/O.

Inputs: daily bars (``time`` = session date at 00:00 UTC; a bar for today, if present, is ignored),
today's 1-minute bars (UTC open times, pre-market and after-hours included; bars opening at or
after ``now`` are ignored), ``SessionWindows`` from the exchange calendar, the current price.

Strength (0–100). Swing zones carry their zone score (``aicoach.levels.core.zones``); confluence
levels
combine their members'. Every other level starts from ``BASE_STRENGTH`` (a fixed prior: longer
periods and widely watched references score higher), then today's tests adjust it::

    strength = clip(base + 5·min(held, 3) − 10·min(broke, 2), 0, 100)

Tolerance. ``tolerance = tolerance_atr · atr_daily`` dollars (when the ATR is unknown:
``0.001 · price``). Level tests use it as the band around each level; confluence merges levels
whose prices lie within one tolerance of the cluster's lowest member.

Level tests run over today's bars from the regular open (before the open: from the pre-market
start) up to ``now``; opening-range levels only from the end of their range. VWAP levels are tested
against the VWAP at each bar, not its latest value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from aicoach.levels.core.indicators import atr, ema, last_finite, rsi, sma
from aicoach.levels.core.models import (
    GROUPS,
    KeyLevels,
    Level,
    LevelKind,
    LevelTests,
    SessionWindows,
    VwapSnapshot,
)
from aicoach.levels.core.pivots import Period, PivotMethod, pivot_levels, prior_period_hlc
from aicoach.levels.core.vwap import session_vwap
from aicoach.levels.core.zones import cluster_sorted, combine_strengths, level_tests, swing_zones
from aicoach.marketdata.models import BarSeries

FloatArray = npt.NDArray[np.float64]
NEW_YORK = ZoneInfo("America/New_York")

K = LevelKind
BASE_STRENGTH: dict[LevelKind, float] = {
    K.PRIOR_DAY_HIGH: 70.0, K.PRIOR_DAY_LOW: 70.0, K.PRIOR_DAY_CLOSE: 55.0,
    K.PRIOR_WEEK_HIGH: 75.0, K.PRIOR_WEEK_LOW: 75.0,
    K.PRIOR_MONTH_HIGH: 80.0, K.PRIOR_MONTH_LOW: 80.0,
    K.PREMARKET_HIGH: 55.0, K.PREMARKET_LOW: 55.0,
    K.OPENING_RANGE_HIGH: 50.0, K.OPENING_RANGE_LOW: 50.0,
    K.PIVOT: 40.0, K.VWAP: 65.0, K.VWAP_BAND: 40.0, K.ATR_BAND: 40.0, K.MOVING_AVERAGE: 50.0,
}  # fmt: skip
#: Added to a pivot's base by name and period (the central pivot and longer periods matter more).
PIVOT_BONUS = {"P": 10.0, "R1": 5.0, "S1": 5.0}
PERIOD_BONUS = {Period.DAY: 0.0, Period.WEEK: 10.0, Period.MONTH: 15.0}
PERIOD_WORD = {Period.DAY: "daily", Period.WEEK: "weekly", Period.MONTH: "monthly"}


@dataclass(frozen=True, slots=True)
class LevelOptions:
    """Tunables of :func:`compute_key_levels` (periods in bars of the named timeframe)."""

    atr_period: int = 14  # daily and intraday ATR
    rsi_period: int = 14
    opening_range_minutes: tuple[int, ...] = (5, 15, 30)
    pivot_methods: tuple[PivotMethod, ...] = (PivotMethod.CLASSIC,)
    pivot_periods: tuple[Period, ...] = (Period.DAY, Period.WEEK, Period.MONTH)
    moving_averages: tuple[tuple[str, int], ...] = (("sma", 20), ("sma", 50), ("sma", 200))
    atr_band_multiples: tuple[float, ...] = (1.0,)
    swing_lookback_days: int = 250
    swing_window: int = 3  # bars each side of a daily swing point
    zone_tolerance_atr: float = 0.5  # zone width in daily ATRs
    swing_half_life_days: float = 20.0
    max_swing_zones_each_side: int = 3


@dataclass(frozen=True, slots=True)
class LevelInputs:
    """One symbol's inputs for :func:`compute_levels_many`."""

    daily: BarSeries
    intraday_1m: BarSeries | None
    session: SessionWindows
    price: float
    now: datetime


@dataclass(slots=True)
class _Candidate:
    price: float
    kind: LevelKind
    label: str
    group: str
    base: float
    test_from: np.datetime64 | None = None  # None: the default test window start
    path: FloatArray | None = None  # per-bar level over the test window (VWAP)
    tests: LevelTests = field(default_factory=LevelTests)
    members: tuple[str, ...] = ()


def _np_utc(t: datetime) -> np.datetime64:
    if t.tzinfo is None:
        raise ValueError("datetimes passed to the levels engine must be timezone-aware")
    return np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "ns")


def _py_utc(t: np.datetime64) -> datetime:
    micros = int(t.astype("datetime64[us]").astype(np.int64))
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def compute_key_levels(
    daily: BarSeries,
    intraday_1m: BarSeries | None,
    session: SessionWindows,
    price: float,
    now: datetime,
    tolerance_atr: float = 0.1,
    *,
    options: LevelOptions | None = None,
    atr_daily: float | None = None,
    rsi_daily: float | None = None,
) -> KeyLevels:
    """All key levels for ``daily.symbol`` at ``now`` (see module docstring for the rules).

    ``atr_daily``/``rsi_daily`` may be passed precomputed (the batch path does); otherwise they
    are the last values of the Wilder ATR/RSI over the completed daily sessions.
    """
    opt = options or LevelOptions()
    today = session.regular_open.astimezone(NEW_YORK).date()
    days = daily.time.astype("datetime64[D]")
    hist = daily.slice(0, int(np.searchsorted(days, np.datetime64(today, "D"), side="left")))
    if atr_daily is None:
        atr_daily = last_finite(atr(hist.high, hist.low, hist.close, opt.atr_period))
    if rsi_daily is None:
        rsi_daily = last_finite(rsi(hist.close, opt.rsi_period))
    tolerance = tolerance_atr * atr_daily if atr_daily else 0.001 * abs(price)

    cands: list[_Candidate] = []
    _prior_period_levels(cands, hist, today, opt)
    _daily_indicator_levels(cands, hist, atr_daily, opt)
    _swing_levels(cands, hist, price, atr_daily, opt)

    vwap_snap: VwapSnapshot | None = None
    atr_intraday: float | None = None
    now64 = _np_utc(now)
    day: BarSeries | None = None
    window: BarSeries | None = None
    if intraday_1m is not None and len(intraday_1m):
        t = intraday_1m.time
        day = intraday_1m.slice(
            int(np.searchsorted(t, _np_utc(session.premarket_start), side="left")),
            int(np.searchsorted(t, now64, side="left")),
        )
    if day is not None and len(day):
        atr_intraday = last_finite(atr(day.high, day.low, day.close, opt.atr_period))
        open64 = _np_utc(session.regular_open)
        test_start = open64 if now64 > open64 else _np_utc(session.premarket_start)
        window = day.slice(int(np.searchsorted(day.time, test_start, side="left")))
        _intraday_levels(cands, day, session, now64, opt)
        vwap_snap = _vwap_levels(cands, window, _py_utc(test_start))
    _confluence(cands, tolerance)
    if day is not None and window is not None:
        _run_tests(cands, window, day, tolerance)

    groups: dict[str, list[Level]] = {g: [] for g in GROUPS}
    for c in cands:
        groups[c.group].append(_to_level(c, price, atr_daily))
    for levels in groups.values():
        levels.sort(key=lambda lv: lv.price)
    everything = [lv for g in groups.values() for lv in g]
    below = [lv for lv in everything if lv.price < price]
    above = [lv for lv in everything if lv.price > price]
    return KeyLevels(
        symbol=daily.symbol,
        price=float(price),
        as_of=now.astimezone(UTC),
        atr_daily=atr_daily,
        atr_intraday=atr_intraday,
        rsi_daily=rsi_daily,
        tolerance=tolerance,
        nearest_support=max(below, key=lambda lv: lv.price) if below else None,
        nearest_resistance=min(above, key=lambda lv: lv.price) if above else None,
        vwap=vwap_snap,
        groups=groups,
    )


def compute_levels_many(
    inputs: Sequence[LevelInputs],
    tolerance_atr: float = 0.1,
    *,
    options: LevelOptions | None = None,
) -> list[KeyLevels]:
    """:func:`compute_key_levels` for many symbols; the daily ATR and RSI of all symbols with the
    same history length run as one ``(symbols, days)`` batch through the indicator kernels."""
    opt = options or LevelOptions()
    hist_len: list[int] = []
    for item in inputs:
        today = item.session.regular_open.astimezone(NEW_YORK).date()
        days = item.daily.time.astype("datetime64[D]")
        hist_len.append(int(np.searchsorted(days, np.datetime64(today, "D"), side="left")))
    atr_last: list[float | None] = [None] * len(inputs)
    rsi_last: list[float | None] = [None] * len(inputs)
    by_len: dict[int, list[int]] = {}
    for i, n in enumerate(hist_len):
        by_len.setdefault(n, []).append(i)
    for n, members in by_len.items():
        h = np.stack([inputs[i].daily.high[:n] for i in members])
        lo = np.stack([inputs[i].daily.low[:n] for i in members])
        c = np.stack([inputs[i].daily.close[:n] for i in members])
        a = atr(h, lo, c, opt.atr_period)[:, -1] if n else np.full(len(members), np.nan)
        r = rsi(c, opt.rsi_period)[:, -1] if n else np.full(len(members), np.nan)
        for j, i in enumerate(members):
            atr_last[i] = float(a[j]) if np.isfinite(a[j]) else None
            rsi_last[i] = float(r[j]) if np.isfinite(r[j]) else None
    return [
        compute_key_levels(
            item.daily,
            item.intraday_1m,
            item.session,
            item.price,
            item.now,
            tolerance_atr,
            options=opt,
            atr_daily=atr_last[i],
            rsi_daily=rsi_last[i],
        )
        for i, item in enumerate(inputs)
    ]


def _prior_period_levels(
    cands: list[_Candidate], hist: BarSeries, today: date, opt: LevelOptions
) -> None:
    if not len(hist):
        return
    hlc: dict[Period, tuple[float, float, float] | None] = {
        Period.DAY: (float(hist.high[-1]), float(hist.low[-1]), float(hist.close[-1]))
    }
    for p in (Period.WEEK, Period.MONTH):
        hlc[p] = prior_period_hlc(
            hist.time, hist.open, hist.high, hist.low, hist.close, hist.volume, p, today
        )
    day = hlc[Period.DAY]
    assert day is not None
    for kind, value, label in (
        (K.PRIOR_DAY_HIGH, day[0], "Prior day high"),
        (K.PRIOR_DAY_LOW, day[1], "Prior day low"),
        (K.PRIOR_DAY_CLOSE, day[2], "Prior day close"),
    ):
        cands.append(_Candidate(value, kind, label, "prior_periods", BASE_STRENGTH[kind]))
    for p, hi_kind, lo_kind in (
        (Period.WEEK, K.PRIOR_WEEK_HIGH, K.PRIOR_WEEK_LOW),
        (Period.MONTH, K.PRIOR_MONTH_HIGH, K.PRIOR_MONTH_LOW),
    ):
        got = hlc[p]
        if got is None:
            continue
        for kind, value, word in ((hi_kind, got[0], "high"), (lo_kind, got[1], "low")):
            label = f"Prior {p.value} {word}"
            cands.append(_Candidate(value, kind, label, "prior_periods", BASE_STRENGTH[kind]))
    for p in opt.pivot_periods:
        got = hlc[Period(p)]
        if got is None:
            continue
        for method in opt.pivot_methods:
            for name, arr in pivot_levels(method, *got).items():
                base = BASE_STRENGTH[K.PIVOT] + PIVOT_BONUS.get(name, 0.0) + PERIOD_BONUS[p]
                label = f"{PivotMethod(method).value.title()} {PERIOD_WORD[p]} {name}"
                cands.append(_Candidate(float(arr), K.PIVOT, label, "pivots", base))


def _daily_indicator_levels(
    cands: list[_Candidate], hist: BarSeries, atr_daily: float | None, opt: LevelOptions
) -> None:
    if not len(hist):
        return
    for kind, period in opt.moving_averages:
        fn = sma if kind == "sma" else ema
        value = last_finite(fn(hist.close, period)[-1:])
        if value is not None:
            # Longer averages are watched by more traders: 200-day ≈ 70, 50-day ≈ 57, 20-day ≈ 53.
            base = min(80.0, BASE_STRENGTH[K.MOVING_AVERAGE] + period / 10.0)
            label = f"{period}-day {kind.upper()}"
            cands.append(_Candidate(value, K.MOVING_AVERAGE, label, "moving_averages", base))
    if atr_daily:
        prior_close = float(hist.close[-1])
        for m in opt.atr_band_multiples:
            for sign, word in ((1.0, "+"), (-1.0, "−")):
                label = f"Prior close {word} {m:g} ATR"
                value = prior_close + sign * m * atr_daily
                cands.append(_Candidate(value, K.ATR_BAND, label, "atr", BASE_STRENGTH[K.ATR_BAND]))


def _swing_levels(
    cands: list[_Candidate],
    hist: BarSeries,
    price: float,
    atr_daily: float | None,
    opt: LevelOptions,
) -> None:
    recent = hist.slice(max(0, len(hist) - opt.swing_lookback_days))
    if not len(recent) or not atr_daily:
        return
    zones = swing_zones(
        recent.high, recent.low, recent.volume,
        tolerance=opt.zone_tolerance_atr * atr_daily,
        left=opt.swing_window, right=opt.swing_window,
        half_life_bars=opt.swing_half_life_days,
    )  # fmt: skip
    below = [z for z in zones if z.price < price][::-1][: opt.max_swing_zones_each_side]
    above = [z for z in zones if z.price >= price][: opt.max_swing_zones_each_side]
    for z in below + above:
        kind = K.SWING_SUPPORT if z.price < price else K.SWING_RESISTANCE
        word = "support" if kind is K.SWING_SUPPORT else "resistance"
        plural = "touch" if z.touches == 1 else "touches"
        label = f"Swing {word} {z.low:.2f}–{z.high:.2f} ({z.touches} {plural})"
        cands.append(_Candidate(z.price, kind, label, "swing", z.strength))


def _intraday_levels(
    cands: list[_Candidate],
    day: BarSeries,
    session: SessionWindows,
    now64: np.datetime64,
    opt: LevelOptions,
) -> None:
    open64 = _np_utc(session.regular_open)
    i_open = int(np.searchsorted(day.time, open64, side="left"))
    if i_open > 0:
        pre = day.slice(0, i_open)
        for kind, value, label in (
            (K.PREMARKET_HIGH, float(pre.high.max()), "Pre-market high"),
            (K.PREMARKET_LOW, float(pre.low.min()), "Pre-market low"),
        ):
            cands.append(_Candidate(value, kind, label, "premarket", BASE_STRENGTH[kind]))
    for minutes in opt.opening_range_minutes:
        end64 = open64 + np.timedelta64(minutes, "m")
        if now64 < end64:
            continue  # the range is still forming
        i_end = int(np.searchsorted(day.time, end64, side="left"))
        if i_end <= i_open:
            continue
        rng = day.slice(i_open, i_end)
        bonus = min(minutes, 30) / 6.0  # 5m +0.8, 15m +2.5, 30m +5
        for kind, value, word in (
            (K.OPENING_RANGE_HIGH, float(rng.high.max()), "high"),
            (K.OPENING_RANGE_LOW, float(rng.low.min()), "low"),
        ):
            label = f"{minutes}m opening range {word}"
            base = BASE_STRENGTH[kind] + bonus
            cands.append(_Candidate(value, kind, label, "opening_range", base, test_from=end64))


def _vwap_levels(
    cands: list[_Candidate], window: BarSeries, anchored_at: datetime
) -> VwapSnapshot | None:
    if not len(window):
        return None
    vw = session_vwap(window.high, window.low, window.close, window.volume)
    if not np.isfinite(vw.vwap[-1]):
        return None
    snap = VwapSnapshot(
        vwap=float(vw.vwap[-1]), sigma=float(vw.sigma[-1]),
        upper_1=float(vw.upper_1[-1]), lower_1=float(vw.lower_1[-1]),
        upper_2=float(vw.upper_2[-1]), lower_2=float(vw.lower_2[-1]),
        anchored_at=anchored_at,
    )  # fmt: skip
    prefix = "VWAP" if anchored_at.astimezone(NEW_YORK).hour >= 9 else "Pre-market VWAP"
    cands.append(_Candidate(snap.vwap, K.VWAP, prefix, "vwap", BASE_STRENGTH[K.VWAP], path=vw.vwap))
    for series, value, label, base in (
        (vw.upper_1, snap.upper_1, f"{prefix} +1σ", 40.0),
        (vw.lower_1, snap.lower_1, f"{prefix} −1σ", 40.0),
        (vw.upper_2, snap.upper_2, f"{prefix} +2σ", 45.0),
        (vw.lower_2, snap.lower_2, f"{prefix} −2σ", 45.0),
    ):
        if snap.sigma > 0:
            cands.append(_Candidate(value, K.VWAP_BAND, label, "vwap", base, path=series))
    return snap


def _confluence(cands: list[_Candidate], tolerance: float) -> None:
    """Append one confluence level per cluster of two or more distinct levels."""
    base = [c for c in cands if c.kind is not K.CONFLUENCE and np.isfinite(c.price)]
    if len(base) < 2:
        return
    prices = np.array([c.price for c in base])
    for members in cluster_sorted(prices, tolerance):
        group = [base[i] for i in members.tolist()]
        labels = tuple(dict.fromkeys(c.label for c in group))
        if len(labels) < 2:
            continue
        w = np.array([c.base for c in group])
        p = np.array([c.price for c in group])
        price = float(np.dot(w, p) / w.sum()) if w.sum() > 0 else float(p.mean())
        strength = combine_strengths(w)
        label = "Confluence: " + " + ".join(labels)
        cands.append(_Candidate(price, K.CONFLUENCE, label, "confluence", strength, members=labels))


def _run_tests(
    cands: list[_Candidate], window: BarSeries, day: BarSeries, tolerance: float
) -> None:
    """Fill ``tests`` for each candidate over its test window (see module docstring)."""
    if not len(window):
        return
    offset = len(day) - len(window)
    by_start: dict[int, list[int]] = {}
    for j, c in enumerate(cands):
        if c.path is not None:
            continue
        start = 0
        if c.test_from is not None:
            start = int(np.searchsorted(window.time, c.test_from, side="left"))
        by_start.setdefault(start, []).append(j)
    moving = [j for j, c in enumerate(cands) if c.path is not None]
    jobs: list[tuple[int, list[int], FloatArray]] = [
        (s, js, np.array([cands[j].price for j in js])) for s, js in by_start.items()
    ]
    if moving:
        jobs.append((0, moving, np.stack([p for j in moving if (p := cands[j].path) is not None])))
    for start, js, levels in jobs:
        if start >= len(window):
            continue
        bars = window.slice(start)
        levels = levels[:, start:] if levels.ndim == 2 else levels
        i_ref = offset + start - 1
        ref = float(day.close[i_ref]) if i_ref >= 0 else float(bars.open[0])
        counts = level_tests(levels, bars.high, bars.low, tolerance, reference=ref)
        rows = zip(
            js,
            counts.touches.tolist(),
            counts.held.tolist(),
            counts.broke.tolist(),
            counts.last_index.tolist(),
            strict=True,
        )
        for j, touches, held, broke, last in rows:
            if touches:
                at = _py_utc(bars.time[last]) if last >= 0 else None
                cands[j].tests = LevelTests(touches, held, broke, at)


def _to_level(c: _Candidate, price: float, atr_daily: float | None) -> Level:
    t = c.tests
    if c.kind in (K.SWING_SUPPORT, K.SWING_RESISTANCE, K.CONFLUENCE):
        strength = c.base
    else:
        strength = c.base + 5.0 * min(t.held, 3) - 10.0 * min(t.broke, 2)
    dist = c.price - price
    return Level(
        price=c.price,
        kind=c.kind,
        label=c.label,
        strength=min(100.0, max(0.0, float(strength))),
        distance_dollars=dist,
        distance_percent=100.0 * dist / price if price else None,
        distance_atr=dist / atr_daily if atr_daily else None,
        tests_today=t,
        members=c.members,
    )
