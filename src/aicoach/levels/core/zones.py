"""Swing points, support/resistance zones, confluence grouping and level-test tracking.

Swing points (fractals). With windows ``left`` and ``right`` (bars), bar ``i`` is a *swing high*
when ``high[i] > max(high[i−left .. i−1])`` and ``high[i] >= max(high[i+1 .. i+right])`` —
strictly above everything before it, not below anything after it, so a flat double top yields
one point (the first). *Swing lows* mirror this on ``low``. The last ``right`` bars cannot be
confirmed.

Clustering (:func:`cluster_sorted`). Prices are sorted and swept once; a price joins the current
cluster when it lies within ``tolerance`` of the cluster's lowest price, otherwise it starts a new
cluster. So a cluster never spans more than ``tolerance`` dollars (no single-linkage chaining).

Zone strength, 0–100 (:func:`swing_zones`)::

    touches_score = 1 − 0.5 ** touches                 (1 touch 0.50, 2 → 0.75, 3 → 0.875 …)
    recency_score = 0.5 ** (bars_since_last_touch / half_life_bars)
    volume_score  = min(1, mean(volume[member] / mean(volume)) / 2)   (2× average volume = 1)
    strength      = 100 · (0.5·touches_score + 0.3·recency_score + 0.2·volume_score)

Confluence (:func:`combine_strengths`): members' strengths combine like independent
probabilities, ``100 · (1 − Π(1 − s_i/100))`` — never below the strongest member, never above 100.

Level tests (:func:`level_tests`), per level ``L`` with tolerance ``tol`` dollars over the bars
of a day in time order:

* a bar *touches* ``L`` when ``low − tol <= L <= high + tol``; every other bar lies wholly
  above (``low − tol > L``) or wholly below (``high + tol < L``) the band ``L ± tol``;
* a *test* is a maximal run of consecutive touching bars. Its *approach side* is the side of the
  bar just before the run (for a run starting at the first bar, the side of ``reference`` — the
  day's open by default — relative to ``L``); its *exit side* is the side of the first bar after it;
* the test **held** when the exit side equals the approach side, and **broke** when price left
  the band on the far side (every price of that bar, its close included, is beyond ``L ± tol``);
  a test still running at the last bar (or whose approach side is unknown because ``reference``
  equals ``L``) counts as a touch that has neither held nor broken yet;
* a gap straight across the band between two consecutive non-touching bars (or between
  ``reference`` and the first bar) counts as one test that broke, at the later bar;
* ``touches`` is the number of tests; ``last_index`` the last bar touching ``L`` (or gapping
  across it), −1 when none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def swing_highs(high: npt.ArrayLike, left: int = 3, right: int = 3) -> IntArray:
    """Indices of swing highs (see module docstring)."""
    return _swings(np.asarray(high, dtype=np.float64), left, right)


def swing_lows(low: npt.ArrayLike, left: int = 3, right: int = 3) -> IntArray:
    """Indices of swing lows (see module docstring)."""
    return _swings(-np.asarray(low, dtype=np.float64), left, right)


def _swings(x: FloatArray, left: int, right: int) -> IntArray:
    if left < 1 or right < 0:
        raise ValueError("swing windows need left >= 1 and right >= 0")
    width = left + right + 1
    if x.shape[0] < width:
        return np.zeros(0, dtype=np.int64)
    win = sliding_window_view(x, width)
    centre = win[:, left]
    before = win[:, :left].max(axis=1)
    is_swing = centre > before
    if right:
        is_swing &= centre >= win[:, left + 1 :].max(axis=1)
    return (np.flatnonzero(is_swing) + left).astype(np.int64)


def cluster_sorted(prices: npt.ArrayLike, tolerance: float) -> list[IntArray]:
    """Group prices into clusters spanning at most ``tolerance``; returns index arrays into
    ``prices`` (each cluster's indices in ascending price order, clusters in ascending price)."""
    p = np.asarray(prices, dtype=np.float64)
    order = np.argsort(p, kind="stable").tolist()
    values = p.tolist()
    clusters: list[IntArray] = []
    current: list[int] = []
    floor = 0.0
    for i in order:
        if current and values[i] - floor <= tolerance:
            current.append(i)
            continue
        if current:
            clusters.append(np.asarray(current, dtype=np.int64))
        current, floor = [i], values[i]
    if current:
        clusters.append(np.asarray(current, dtype=np.int64))
    return clusters


def combine_strengths(strengths: npt.ArrayLike) -> float:
    """``100 · (1 − Π(1 − s/100))`` for strengths on the 0–100 scale."""
    keep = 1.0
    for s in np.asarray(strengths, dtype=np.float64).ravel().tolist():
        keep *= 1.0 - min(100.0, max(0.0, s)) / 100.0
    return 100.0 * (1.0 - keep)


@dataclass(frozen=True, slots=True)
class Zone:
    """A support/resistance zone built from clustered swing points (prices in dollars)."""

    price: float  # volume-weighted mean of the member swing prices
    low: float
    high: float
    touches: int  # number of swing points in the zone
    swing_highs: int
    swing_lows: int
    last_index: int  # bar index of the most recent member swing point
    bars_since: int  # bars from that swing point to the last bar of the series
    strength: float  # 0–100, formula in the module docstring


def swing_zones(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    volume: npt.ArrayLike,
    *,
    tolerance: float,
    left: int = 3,
    right: int = 3,
    half_life_bars: float = 20.0,
) -> list[Zone]:
    """Swing highs and lows clustered into zones, ascending by price, with strength scores."""
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    v = np.asarray(volume, dtype=np.float64)
    hi_idx, lo_idx = swing_highs(h, left, right), swing_lows(lo, left, right)
    idx = np.concatenate([hi_idx, lo_idx])
    prices = np.concatenate([h[hi_idx], lo[lo_idx]])
    is_high = np.concatenate([np.ones(hi_idx.size, bool), np.zeros(lo_idx.size, bool)])
    mean_vol = float(v.mean()) if v.size else 0.0
    rel_vol = v[idx] / mean_vol if mean_vol > 0 else np.zeros(idx.size)
    last_bar = h.shape[0] - 1
    zones: list[Zone] = []
    for members in cluster_sorted(prices, tolerance):
        w = v[idx[members]]
        w_sum = float(w.sum())
        p = prices[members]
        price = float(np.dot(w, p)) / w_sum if w_sum > 0 else float(p.mean())
        last = int(idx[members].max())
        touches = int(members.size)
        touches_score = 1.0 - 0.5**touches
        recency_score = 0.5 ** ((last_bar - last) / half_life_bars)
        volume_score = min(1.0, float(rel_vol[members].sum()) / touches / 2.0)
        strength = 100.0 * (0.5 * touches_score + 0.3 * recency_score + 0.2 * volume_score)
        zones.append(
            Zone(
                price=price,
                low=float(p.min()),
                high=float(p.max()),
                touches=touches,
                swing_highs=int(is_high[members].sum()),
                swing_lows=int((~is_high[members]).sum()),
                last_index=last,
                bars_since=last_bar - last,
                strength=strength,
            )
        )
    return zones


@dataclass(frozen=True, slots=True)
class LevelTestCounts:
    """Per-level test counts, arrays of shape ``(levels,)`` (definitions: module docstring)."""

    touches: IntArray
    held: IntArray
    broke: IntArray
    last_index: IntArray


def level_tests(
    levels: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    tolerance: float | npt.ArrayLike,
    *,
    reference: float | None = None,
    open_: npt.ArrayLike | None = None,
) -> LevelTestCounts:
    """Count tests of each level over the bars, vectorised as a ``(levels, bars)`` grid.

    ``reference`` is the price that gives the approach side of a test starting at the first bar;
    it defaults to ``open_[0]`` when ``open_`` is given, else to the first bar's midpoint.
    ``tolerance`` is in dollars, one value or one per level. ``levels`` is ``(levels,)`` for
    fixed prices or ``(levels, bars)`` for moving ones (e.g. VWAP, tested against its value at
    each bar).
    """
    h = np.asarray(high, dtype=np.float64).reshape(1, -1)
    lo = np.asarray(low, dtype=np.float64).reshape(1, -1)
    lv = np.asarray(levels, dtype=np.float64)
    lv = lv.reshape(-1, 1) if lv.ndim <= 1 else lv
    k, t = lv.shape[0], h.shape[1]
    tol = np.asarray(tolerance, dtype=np.float64).reshape(-1, 1)
    zeros = np.zeros(k, dtype=np.int64)
    if t == 0 or k == 0:
        return LevelTestCounts(zeros, zeros.copy(), zeros.copy(), np.full(k, -1, dtype=np.int64))
    if reference is None:
        reference = (
            float(np.asarray(open_, dtype=np.float64)[0])
            if open_ is not None
            else float((h[0, 0] + lo[0, 0]) / 2.0)
        )
    above = lo - tol > lv
    below = h + tol < lv
    side = above.astype(np.int8) - below.astype(np.int8)  # +1 above, −1 below, 0 touching
    touching = (side == 0) & np.isfinite(lv)  # a NaN level (VWAP before volume) touches nothing
    init = np.nan_to_num(np.sign(reference - lv[:, :1])).astype(np.int8)  # (k, 1); NaN → unknown
    prev_side = np.concatenate([init, side[:, :-1]], axis=1)
    next_side = np.concatenate([side[:, 1:], np.zeros((k, 1), np.int8)], axis=1)
    prev_touch = np.concatenate([np.zeros((k, 1), bool), touching[:, :-1]], axis=1)
    next_touch = np.concatenate([touching[:, 1:], np.zeros((k, 1), bool)], axis=1)
    starts = touching & ~prev_touch
    ends = touching & ~next_touch
    # Runs pair up in row-major order: each has exactly one start and one end.
    rows = np.nonzero(starts)[0]
    approach = prev_side[starts]
    exit_side = next_side[ends]
    held_runs = (approach != 0) & (exit_side == approach)
    broke_runs = (approach != 0) & (exit_side == -approach)
    gaps = (side * prev_side == -1) & ~touching
    gap_rows = np.nonzero(gaps)[0]
    touches = np.bincount(rows, minlength=k) + np.bincount(gap_rows, minlength=k)
    held = np.bincount(rows, weights=held_runs, minlength=k).astype(np.int64)
    broke = np.bincount(rows, weights=broke_runs, minlength=k).astype(np.int64)
    broke += np.bincount(gap_rows, minlength=k)
    events = touching | gaps
    any_event = events.any(axis=1)
    last = np.where(any_event, t - 1 - np.argmax(events[:, ::-1], axis=1), -1)
    return LevelTestCounts(touches.astype(np.int64), held, broke, last.astype(np.int64))
