"""Daily price paths: a common market factor plus each symbol's own noise.

Model, per session ``t`` (log returns, daily units):

* Market factor: GJR-GARCH(1,1) variance ``h_t = ω + (α + γ·1[z<0]) ε²_{t-1} + β h_{t-1}`` with
  standardised Student-t(5) shocks ``z`` (fat tails; the leverage term ``γ`` makes down moves
  raise volatility more than up moves) and ``ε = √h z``. A three-state Markov regime (trending
  up, ranging, trending down; mean stays ~110/70/35 sessions) sets a drift and a volatility
  multiplier; in the ranging state the log price is pulled back towards the level where the range
  began (``−κ (log P − level)``), so stretches of chop alternate with trends.
  ``r_m = μ_regime + m_regime ε − κ·1[range]·(log P − level)``.
* Symbol: ``r = α/252 + β r_m + e`` where ``e`` is the symbol's own GARCH(1,1) with Student-t(4)
  shocks, plus an overnight jump on earnings days (stocks, every 63 sessions).
* Open/close: ``r = g + d`` with the overnight gap ``g = f r + √(f(1−f)) σ η`` (η ~ N(0,1)) and the
  session move ``d = r − g``; ``g`` and ``d`` are uncorrelated with variances ``f σ²`` and
  ``(1−f) σ²``. ``open_t = close_{t-1} e^g``.
* High/low: the exact law of the maximum of a Brownian bridge from ``a = log open`` to
  ``b = log close`` with variance ``s²`` (the session's variance): ``P(max > m) =
  exp(−2 (m−a)(m−b)/s²)``, so ``max = (a + b + √((a−b)² + 2 s² E))/2`` with ``E ~ Exp(1)``; the
  minimum likewise. The intraday path is later pinned to exactly these values.
* Volume (shares): the symbol's average × lognormal noise × (σ_t/σ̄)^0.8 × a move term, more on
  earnings days, less on early closes, and scaled by ``(anchor price / price)^0.5`` so share counts
  fall as the price rises.

Prices are rounded to cents; ``low ≤ min(open, close) ≤ max(open, close) ≤ high`` always holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.simulation.grid import SessionGrid
from aicoach.simulation.universe import (
    MARKET_VOL,
    Stream,
    SymbolSpec,
    rng_for,
    stable_hash,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

TRADING_DAYS: Final = 252.0
EARNINGS_EVERY: Final = 63  # sessions between earnings reports (quarterly)

# Market factor: GJR-GARCH(1,1) on daily log returns; persistence α + γ/2 + β = 0.975.
_M_ALPHA, _M_GAMMA, _M_BETA, _M_DF = 0.02, 0.13, 0.89, 5.0
# Idiosyncratic GARCH(1,1); persistence 0.98.
_I_ALPHA, _I_BETA, _I_DF = 0.06, 0.92, 4.0
_VAR_CAP = 25.0  # conditional variance never exceeds 25x its long-run level (a 5x vol spike)

# Regimes: 0 trending up, 1 ranging, 2 trending down.
_REGIME_DRIFT: Final = (0.0010, 0.0, -0.0016)  # per session, log
_REGIME_VOLMULT: Final = (0.85, 1.0, 1.35)
_REGIME_STAY: Final = (1 - 1 / 110, 1 - 1 / 70, 1 - 1 / 35)
#: Where a regime goes when it ends (cumulative probabilities over the two other states).
_REGIME_NEXT: Final = ((1, 0.7, 2), (0, 0.6, 2), (1, 0.6, 0))
_RANGE_KAPPA = 0.04  # per-session pull back to the range level


@dataclass(frozen=True, slots=True)
class MarketFactor:
    """The common factor: log return and its conditional volatility (daily units) per session."""

    ret: FloatArray
    sigma: FloatArray
    regime: npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class DailyPath:
    """One symbol's daily bars on the session grid (USD, cents; volume in shares).

    ``sigma`` is the conditional daily volatility of the log return (factor and own parts);
    ``ah_last`` is the last after-hours print of each session, where the next pre-market starts.
    """

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    sigma: FloatArray
    ah_last: FloatArray
    earnings: BoolArray
    log_return: FloatArray


def _t_shocks(rng: np.random.Generator, df: float, n: int) -> FloatArray:
    """Student-t shocks scaled to unit variance."""
    return rng.standard_t(df, n) * math.sqrt((df - 2.0) / df)


def market_factor(seed: int, n: int) -> MarketFactor:
    z = _t_shocks(rng_for(seed, "^MARKET", Stream.MARKET_SHOCK), _M_DF, n)
    u = rng_for(seed, "^MARKET", Stream.MARKET_REGIME).random((n, 2))
    var_lr = (MARKET_VOL / math.sqrt(TRADING_DAYS)) ** 2
    persistence = _M_ALPHA + _M_GAMMA / 2 + _M_BETA
    omega = var_lr * (1 - persistence)
    ret = np.empty(n)
    sigma = np.empty(n)
    regime = np.empty(n, dtype=np.int8)
    h, state, level, logp = var_lr, 0, 0.0, 0.0
    zl, ul = z.tolist(), u.tolist()  # plain floats: the loop is ~10x faster than on numpy scalars
    for t in range(n):
        if ul[t][0] > _REGIME_STAY[state]:
            first, p_first, second = _REGIME_NEXT[state]
            state = first if ul[t][1] < p_first else second
            level = logp
        sd = math.sqrt(h)
        eps = sd * zl[t]
        r = _REGIME_DRIFT[state] + _REGIME_VOLMULT[state] * eps
        if state == 1:
            r -= _RANGE_KAPPA * (logp - level)
        logp += r
        ret[t] = r
        sigma[t] = _REGIME_VOLMULT[state] * sd
        regime[t] = state
        lev = _M_GAMMA if zl[t] < 0 else 0.0
        h = min(omega + (_M_ALPHA + lev) * eps * eps + _M_BETA * h, _VAR_CAP * var_lr)
    return MarketFactor(ret, sigma, regime)


def _idio(seed: int, spec: SymbolSpec, n: int) -> tuple[FloatArray, FloatArray]:
    """Own GARCH(1,1) returns and conditional volatilities (daily units)."""
    z = _t_shocks(rng_for(seed, spec.symbol, Stream.IDIO_SHOCK), _I_DF, n).tolist()
    var_lr = spec.idio_vol**2 / TRADING_DAYS
    omega = var_lr * (1 - _I_ALPHA - _I_BETA)
    ret = np.empty(n)
    sigma = np.empty(n)
    h = var_lr
    for t in range(n):
        sd = math.sqrt(h)
        eps = sd * z[t]
        ret[t] = eps
        sigma[t] = sd
        h = min(omega + _I_ALPHA * eps * eps + _I_BETA * h, _VAR_CAP * var_lr)
    return ret, sigma


def earnings_days(spec: SymbolSpec, n: int) -> BoolArray:
    """Sessions (grid indices) on whose open an earnings gap lands; none for ETFs."""
    if spec.earnings_vol <= 0:
        return np.zeros(n, dtype=np.bool_)
    phase = stable_hash(spec.symbol + "/earnings") % EARNINGS_EVERY
    return np.asarray((np.arange(n) + phase) % EARNINGS_EVERY == 0)


def daily_path(seed: int, spec: SymbolSpec, grid: SessionGrid, factor: MarketFactor) -> DailyPath:
    n = len(grid)
    own, own_sigma = _idio(seed, spec, n)
    noise = rng_for(seed, spec.symbol, Stream.OVERNIGHT).standard_normal((n, 4))
    expo = rng_for(seed, spec.symbol, Stream.RANGE).standard_exponential((n, 2))
    earn = earnings_days(spec, n)
    jump = np.where(earn, spec.earnings_vol * noise[:, 3], 0.0)

    beta = spec.beta
    sigma = np.sqrt((beta * factor.sigma) ** 2 + own_sigma**2)
    r = spec.alpha / TRADING_DAYS + beta * factor.ret + own
    f = 0.25 if spec.earnings_vol == 0 else 0.30
    gap = f * r + math.sqrt(f * (1 - f)) * sigma * noise[:, 0] + jump
    r = r + jump
    move = r - gap

    log_close = np.cumsum(r)
    log_close += math.log(spec.anchor_price) - log_close[min(grid.anchor_index, n - 1)]
    log_open = np.empty(n)
    log_open[0] = log_close[0] - move[0]
    log_open[1:] = log_close[:-1] + gap[1:]

    # Session variance for the bridge extremes (shorter on early closes).
    reg_fraction = (grid.close_ns - grid.open_ns) / (390 * 60 * 1e9)
    s2 = (1 - f) * sigma**2 * reg_fraction
    a, b = log_open, log_close
    spread = (a - b) ** 2
    log_high = 0.5 * (a + b + np.sqrt(spread + 2 * s2 * expo[:, 0]))
    log_low = 0.5 * (a + b - np.sqrt(spread + 2 * s2 * expo[:, 1]))

    open_ = np.asarray(np.round(np.exp(log_open), 2), dtype=np.float64)
    close = np.asarray(np.round(np.exp(log_close), 2), dtype=np.float64)
    high = np.maximum(np.round(np.exp(log_high), 2), np.maximum(open_, close))
    low = np.minimum(np.round(np.exp(log_low), 2), np.minimum(open_, close))

    sigma_lr = spec.total_vol / math.sqrt(TRADING_DAYS)
    activity = (sigma / sigma_lr) ** 0.8 * (0.75 + 0.25 * np.abs(r) / sigma)
    volume = (
        spec.adv_shares
        * np.sqrt(spec.anchor_price / close)
        * np.exp(0.25 * noise[:, 1] - 0.03)
        * activity
        * np.where(grid.early, 0.55, 1.0)
        * np.where(earn, 2.5, 1.0)
    )
    # Part of tomorrow's gap shows up in tonight's after-hours trading (news lands after 16:00).
    next_gap = np.r_[gap[1:], 0.0]
    ah_last = np.round(close * np.exp(0.35 * next_gap + 0.1 * sigma * noise[:, 2]), 2)
    return DailyPath(
        open=open_, high=high, low=low, close=close, volume=np.round(volume),
        sigma=sigma, ah_last=ah_last, earnings=earn, log_return=r,
    )  # fmt: skip


def realized_vol(path: DailyPath, i: int, window: int = 20) -> float:
    """Annualised close-to-close realised volatility of the ``window`` sessions ending at ``i``."""
    lo = max(1, i - window + 1)
    closes = path.close[lo - 1 : i + 1]
    if closes.shape[0] < 3:
        return float(path.sigma[i] * math.sqrt(TRADING_DAYS))
    rets = np.diff(np.log(closes))
    return float(np.sqrt(np.mean(rets**2) * TRADING_DAYS))
