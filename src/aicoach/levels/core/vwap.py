"""Session-anchored VWAP with volume-weighted standard-deviation bands.

For the bars ``i`` of one session up to and including bar ``t``:

* typical price ``tp_i = (high_i + low_i + close_i) / 3`` (dollars);
* ``vwap_t = Σ v_i·tp_i / Σ v_i`` (dollars);
* ``σ_t = sqrt( Σ v_i·(tp_i − vwap_t)² / Σ v_i )`` (dollars) — the volume-weighted standard
  deviation of the typical price about the *current* VWAP;
* bands ``vwap ± 1σ`` and ``vwap ± 2σ``.

The sums restart at every session. Before a session has traded any volume the values are NaN.
Moments are accumulated about the session's first typical price (the "shifted data" trick), so
``σ`` keeps full precision even when it is tiny next to the price.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class VwapSeries:
    """Per-bar VWAP and bands, each the same length as the input bars (dollars)."""

    vwap: FloatArray
    sigma: FloatArray
    upper_1: FloatArray
    lower_1: FloatArray
    upper_2: FloatArray
    lower_2: FloatArray


def typical_price(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """``(high + low + close) / 3`` in dollars."""
    h = np.asarray(high, dtype=np.float64)
    lo = np.asarray(low, dtype=np.float64)
    c = np.asarray(close, dtype=np.float64)
    return np.asarray((h + lo + c) / 3.0, dtype=np.float64)


def session_starts(session_ids: npt.ArrayLike) -> IntArray:
    """Indices where a new session begins in an (ordered) array of session ids."""
    ids = np.asarray(session_ids)
    if ids.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    return np.concatenate([[0], change]).astype(np.int64)


def session_vwap(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    *,
    session_ids: npt.ArrayLike | None = None,
    starts: npt.ArrayLike | None = None,
) -> VwapSeries:
    """VWAP and 1σ/2σ bands, resetting at each session.

    Give either ``session_ids`` (one id per bar, equal ids contiguous) or ``starts`` (sorted bar
    indices where sessions begin; ``0`` is implied). With neither, all bars are one session.
    Bars before ``starts[0]`` (when it is not 0) belong to no session and get NaN.
    """
    tp = typical_price(high, low, close)
    vol = np.asarray(volume, dtype=np.float64)
    n = tp.shape[0]
    if session_ids is not None:
        bounds = session_starts(session_ids)
    elif starts is not None:
        bounds = np.asarray(starts, dtype=np.int64)
    else:
        bounds = np.zeros(1 if n else 0, dtype=np.int64)
    vwap = np.full(n, np.nan)
    sigma = np.full(n, np.nan)
    edges = [*bounds.tolist(), n]
    # One cumulative sum per session: a single global cumsum minus offsets would lose ~7 digits
    # to cancellation after a few weeks of 1-minute bars.
    for a, b in itertools.pairwise(edges):
        if b <= a:
            continue
        seg_tp, seg_v = tp[a:b], vol[a:b]
        shift = seg_tp[0]
        dev = seg_tp - shift
        cv = np.cumsum(seg_v)
        m1 = np.cumsum(seg_v * dev)
        m2 = np.cumsum(seg_v * dev * dev)
        traded = cv > 0
        denom = np.where(traded, cv, 1.0)
        mean_dev = m1 / denom
        var = np.maximum(m2 / denom - mean_dev * mean_dev, 0.0)
        vwap[a:b] = np.where(traded, shift + mean_dev, np.nan)
        sigma[a:b] = np.where(traded, np.sqrt(var), np.nan)
    return VwapSeries(
        vwap=vwap,
        sigma=sigma,
        upper_1=vwap + sigma,
        lower_1=vwap - sigma,
        upper_2=vwap + 2.0 * sigma,
        lower_2=vwap - 2.0 * sigma,
    )
