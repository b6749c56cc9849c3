"""One session second by second: pre-market, regular session and after-hours.

The path is built in log price on a one-second grid from 04:00 ET to the after-hours end:

* pre-market: a Brownian bridge from the previous session's last after-hours print to today's
  open, at a third of the regular-session volatility;
* regular session: a Brownian bridge from the daily open to the daily close whose per-second
  variance is U-shaped (busy open and close), then mapped through a monotone piecewise-linear
  function of the *value* that fixes everything between the open and the close and stretches the
  excursions above/below them so the path's maximum and minimum are exactly the daily high and
  low. A monotone map keeps the path's ordering, so it stays a plausible path;
* after-hours: a bridge from the close to the session's last after-hours print.

Prices are rounded to cents. One-minute bars take each minute's 61 points (both boundaries), so
the regular-session bars aggregate exactly to the daily bar and every quote lies inside its
minute's bar. Volume (shares) is split over minutes with a U-shaped profile that sums exactly to
the daily volume; extended hours are thin (a few percent of the day).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.simulation.grid import NS_PER_MIN, NS_PER_S, SessionGrid
from aicoach.simulation.paths import DailyPath
from aicoach.simulation.universe import Stream, SymbolSpec, rng_for

FloatArray = npt.NDArray[np.float64]

_EXT_VOL_RATIO: Final = 1.0 / 3.0  # extended-hours volatility per second vs the regular session
_PRE_VOLUME_SHARE: Final = 0.035
_AFTER_VOLUME_SHARE: Final = 0.03
_MIN_EXT_LOT: Final = 100.0
_CANDIDATES: Final = 16  # an extended-hours minute that moved had at least one round lot


@dataclass(frozen=True, slots=True)
class SessionPath:
    """Prices every second from ``start_ns`` (pre-market start): ``prices[k]`` is the last print at
    ``start_ns + k s``. ``open_sec``/``close_sec`` index the regular open and close points.
    ``minute_volume[m]`` is the volume traded in minute ``m`` (shares)."""

    index: int
    start_ns: int
    prices: FloatArray
    open_sec: int
    close_sec: int
    minute_volume: FloatArray

    @property
    def minutes(self) -> int:
        return int(self.minute_volume.shape[0])

    def price_at(self, sec: int) -> float:
        return float(self.prices[min(max(sec, 0), self.prices.shape[0] - 1)])


@dataclass(frozen=True, slots=True)
class MinuteBars:
    """All one-minute bars of a session (times are bar opens, UTC ns)."""

    time_ns: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray


def _bridge(z: FloatArray, var: FloatArray, a: float, b: float) -> FloatArray:
    """Points ``x_0..x_n`` of a Brownian bridge from ``a`` to ``b`` whose step ``i`` has variance
    ``var[i]``: ``x = a + (V/V_n)(b − a) + W − (V/V_n) W_n`` with ``W = cumsum(√var z)``."""
    w = np.concatenate(([0.0], np.cumsum(np.sqrt(var) * z)))
    v = np.concatenate(([0.0], np.cumsum(var)))
    frac = v / v[-1]
    return np.asarray(a + frac * (b - a) + w - frac * w[-1], dtype=np.float64)


def _skeleton(rng: np.random.Generator, var: FloatArray, a: float, b: float, hi: float,
              lo: float) -> FloatArray:  # fmt: skip
    """The minute points of the regular session: of ``_CANDIDATES`` bridges from ``a`` to ``b``,
    the one whose own high and low need the least stretching to reach ``hi`` and ``lo``.

    The daily extremes were drawn from the exact law of a bridge's maximum, independently of this
    path; choosing among candidates keeps the pinning stretch near 1, so no minute looks forced.
    """
    n = var.shape[0]
    z = rng.standard_normal((_CANDIDATES, n))
    w = np.concatenate((np.zeros((_CANDIDATES, 1)), np.cumsum(np.sqrt(var) * z, axis=1)), axis=1)
    frac = np.concatenate(([0.0], np.cumsum(var))) / var.sum()
    paths = a + frac * (b - a) + w - frac * w[:, -1:]
    top, bot = max(a, b), min(a, b)
    up = np.maximum(paths.max(axis=1) - top, 1e-12)
    down = np.maximum(bot - paths.min(axis=1), 1e-12)
    score = np.abs(np.log(max(hi - top, 1e-12) / up)) + np.abs(np.log(max(bot - lo, 1e-12) / down))
    return np.asarray(paths[int(np.argmin(score))], dtype=np.float64)


def _pin(x: FloatArray, hi: float, lo: float) -> FloatArray:
    """Map ``x`` monotonically so its max is ``hi`` and min is ``lo``, endpoints unchanged.

    Values between the endpoints are kept; above ``top = max(x_0, x_n)`` they are scaled by
    ``(hi − top)/(max x − top)``, below ``bot`` likewise. Needs ``hi ≥ top`` and ``lo ≤ bot``.
    """
    top, bot = max(x[0], x[-1]), min(x[0], x[-1])
    y = x.copy()
    above, below = x > top, x < bot
    mx, mn = float(x.max()), float(x.min())
    if mx > top:
        y[above] = top + (x[above] - top) * ((hi - top) / (mx - top))
    elif hi > top and x.shape[0] > 2:  # never rose above its ends (very rare): one print there
        y[int(np.argmax(x[1:-1])) + 1] = hi
    if mn < bot:
        y[below] = bot + (x[below] - bot) * ((lo - bot) / (mn - bot))
    elif lo < bot and x.shape[0] > 2:
        y[int(np.argmin(y[1:-1])) + 1] = lo
    return y


def _u_shape(
    n: int, open_w: float, close_w: float, tau_open: float, tau_close: float
) -> FloatArray:
    tau = (np.arange(n) + 0.5) / n
    return np.asarray(
        1.0 + open_w * np.exp(-tau / tau_open) + close_w * np.exp(-(1.0 - tau) / tau_close),
        dtype=np.float64,
    )


def _allocate(total: float, weights: FloatArray) -> FloatArray:
    """Whole shares proportional to ``weights`` summing exactly to ``round(total)`` (largest
    remainder)."""
    total_i = round(total)
    raw = weights / weights.sum() * total_i
    base: FloatArray = np.floor(raw)
    short = int(total_i - base.sum())
    if short > 0:
        base[np.argsort(base - raw)[:short]] += 1.0  # most-truncated first
    return base


def build_session(
    seed: int, spec: SymbolSpec, grid: SessionGrid, daily: DailyPath, i: int
) -> SessionPath:
    """The second-by-second path of session ``i`` of ``spec``'s daily path."""
    n_pre = int((grid.open_ns[i] - grid.pre_ns[i]) // NS_PER_S)
    n_reg = int((grid.close_ns[i] - grid.open_ns[i]) // NS_PER_S)
    n_ah = int((grid.ah_ns[i] - grid.close_ns[i]) // NS_PER_S)
    rng = rng_for(seed, spec.symbol, Stream.INTRADAY, i)

    o, h, lo, c = (float(daily.open[i]), float(daily.high[i]), float(daily.low[i]),
                   float(daily.close[i]))  # fmt: skip
    prev_ah = float(daily.ah_last[i - 1]) if i > 0 else o
    # Per-minute variance of the regular session, U-shaped, summing to the session variance.
    m_reg = n_reg // 60
    prof = _u_shape(m_reg, 1.5, 0.8, 0.08, 0.08)
    min_var = prof / prof.sum() * (float(daily.sigma[i]) ** 2 * 0.7 * m_reg / 390)
    skeleton = _skeleton(rng, min_var, math.log(o), math.log(c), math.log(h), math.log(lo))
    # Seconds: an independent bridge inside each minute between the skeleton's points.
    k = np.arange(60) / 60.0
    zf = rng.standard_normal((m_reg, 60))
    wf = np.cumsum(np.sqrt(min_var / 60.0)[:, None] * zf, axis=1)
    wf = np.concatenate((np.zeros((m_reg, 1)), wf[:, :-1]), axis=1) - k * wf[:, -1:]
    fine = skeleton[:-1, None] + k * np.diff(skeleton)[:, None] + wf
    reg = _pin(np.append(fine.ravel(), skeleton[-1]), math.log(h), math.log(lo))

    ext_var = float(min_var.mean()) / 60.0 * _EXT_VOL_RATIO**2
    z = rng.standard_normal(n_pre + n_ah)
    pre = _bridge(z[:n_pre], np.full(n_pre, ext_var), math.log(prev_ah), math.log(o))
    ah = _bridge(z[n_pre:], np.full(n_ah, ext_var), math.log(c),
                 math.log(float(daily.ah_last[i])))  # fmt: skip

    prices = np.asarray(np.round(np.exp(np.concatenate((pre[:-1], reg, ah[1:]))), 2), np.float64)
    prices[0], prices[-1] = prev_ah, float(daily.ah_last[i])  # exact cents at both ends
    open_sec, close_sec = n_pre, n_pre + n_reg
    regular = prices[open_sec : close_sec + 1]
    np.clip(regular, lo, h, out=regular)
    regular[0], regular[-1] = o, c
    regular[int(np.argmax(regular))] = h  # already h up to rounding; make it exact
    regular[int(np.argmin(regular))] = lo

    volume = _minute_volumes(seed, spec, i, float(daily.volume[i]), prices, n_pre, n_reg, n_ah)
    return SessionPath(i, int(grid.pre_ns[i]), prices, open_sec, close_sec, volume)


def _minute_volumes(seed: int, spec: SymbolSpec, i: int, day_volume: float, prices: FloatArray,
                    n_pre: int, n_reg: int, n_ah: int) -> FloatArray:  # fmt: skip
    m_pre, m_reg, m_ah = n_pre // 60, n_reg // 60, n_ah // 60
    noise = np.exp(0.4 * rng_for(seed, spec.symbol, Stream.VOLUME, i).standard_normal(
        m_pre + m_reg + m_ah + 2) - 0.08)  # fmt: skip
    # Busier minutes move more: weight by the minute's absolute move against the typical one.
    moves = np.abs(np.diff(np.log(prices[::60])))
    activity = 1.0 + 0.6 * moves / max(float(np.mean(moves)), 1e-12)

    w_reg = _u_shape(m_reg, 2.4, 1.4, 0.05, 0.06) * noise[m_pre : m_pre + m_reg]
    w_reg[-1] *= 4.0  # the closing cross
    reg = _allocate(day_volume, w_reg * activity[m_pre : m_pre + m_reg])

    tau_pre = (np.arange(m_pre) + 0.5) / m_pre
    w_pre = (0.05 + np.exp((tau_pre - 1.0) / 0.2)) * noise[:m_pre] * activity[:m_pre]
    pre_total = day_volume * _PRE_VOLUME_SHARE * noise[-2]
    pre = np.maximum(_allocate(pre_total, w_pre), _MIN_EXT_LOT)

    tau_ah = (np.arange(m_ah) + 0.5) / m_ah
    w_ah = (0.05 + np.exp(-tau_ah / 0.12)) * noise[m_pre + m_reg : -2] * activity[m_pre + m_reg :]
    ah_total = day_volume * _AFTER_VOLUME_SHARE * noise[-1]
    ah = np.maximum(_allocate(ah_total, w_ah), _MIN_EXT_LOT)
    return np.concatenate((pre, reg, ah))


def minute_bars(path: SessionPath) -> MinuteBars:
    """All one-minute bars of ``path``: bar ``m`` spans points ``60m .. 60m + 60``."""
    n = path.minutes
    p = path.prices
    body = p[: 60 * n].reshape(n, 60)
    nxt = p[60 : 60 * n + 1 : 60]
    return MinuteBars(
        time_ns=path.start_ns + np.arange(n, dtype=np.int64) * NS_PER_MIN,
        open=body[:, 0].copy(),
        high=np.maximum(body.max(axis=1), nxt),
        low=np.minimum(body.min(axis=1), nxt),
        close=nxt.copy(),
        volume=path.minute_volume,
    )


def partial_minute(path: SessionPath, sec: int) -> tuple[float, float, float, float, float]:
    """(open, high, low, close, volume) of the minute containing second ``sec``, up to ``sec``."""
    m = sec // 60
    seg = path.prices[60 * m : sec + 1]
    vol = math.floor(float(path.minute_volume[m]) * (sec - 60 * m) / 60.0)
    return float(seg[0]), float(seg.max()), float(seg.min()), float(seg[-1]), float(vol)
