"""American-exercise prices and Greeks for single-stock options (continuous dividend yield).

Model: Black-Scholes-Merton dynamics (see :mod:`aicoach.options.pricing`) with the right to
exercise at any time before expiry. Solved by Crank-Nicolson finite differences on ``x = ln S``::

    dV/dtau = sigma^2/2 V_xx + (r - q - sigma^2/2) V_x - r V,      V(tau = 0) = max(phi (S - K), 0)

with early exercise enforced by the Brennan-Schwartz algorithm: the tridiagonal system is
eliminated from the continuation side towards the exercise side and back-substituted with
``V_i = max(continuation_i, payoff_i)``, which solves the discrete linear-complementarity problem
exactly for a single exercise boundary (puts: below it; calls: above it). The first time steps are
implicit Euler half-steps (Rannacher) so the payoff kink does not ring, and the result is
Richardson-extrapolated from the grid and its every-other-node companion. All contracts of a batch
are solved together: every numpy operation acts on one grid node of all contracts.

Grid: uniform in ``x``, centred on spot, 6 standard deviations ``sigma sqrt(T)`` either side, with
the strike snapped onto a node; Dirichlet boundaries at ``max(payoff, phi (S e^{-q tau} - K
e^{-r tau}))``. A call with ``q <= 0`` is never exercised early, so it is priced in closed form by
BSM and labelled ``bsm-european``; every element of a result names its model.

Greeks: delta and gamma are read off the solved grid around spot (central differences, converted
from ``x`` to ``S``: ``V_S = V_x / S``, ``V_SS = (V_xx - V_x) / S^2``); theta and vega are
bump-and-reprice on the same spatial grid (theta: one calendar day less to expiry; vega: +/- 1
vol point). Units as in :class:`aicoach.options.pricing.Greeks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from aicoach.options.pricing import (
    DAYS_PER_YEAR,
    POINT,
    BoolLike,
    FloatArray,
    FloatLike,
    as_float_arrays,
    bsm_price_and_greeks,
    check_inputs,
)

ObjectArray: TypeAlias = npt.NDArray[np.object_]

DEFAULT_SPACE_STEPS = 400
DEFAULT_TIME_STEPS = 200
_STD_DEVS = 5.0
_RANNACHER_HALF_STEPS = 4


class PricingModel(StrEnum):
    """Which model produced a number: shown next to every price the coach quotes."""

    BSM_EUROPEAN = "bsm-european"
    FD_AMERICAN = "crank-nicolson-fd-american"


@dataclass(frozen=True, slots=True)
class AmericanResult:
    """American prices per share; ``model`` holds the :class:`PricingModel` of each element."""

    price: FloatArray
    model: ObjectArray


@dataclass(frozen=True, slots=True)
class AmericanGreeks:
    """Bump-and-reprice / grid Greeks of American options, per share (units in the names)."""

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray
    model: ObjectArray


@dataclass(frozen=True, slots=True)
class _Grid:
    """Per-contract uniform log-spot grid: node ``j`` at ``ln S + (j - spot_j) dx``."""

    dx: FloatArray
    spot_j: int  # spot is the middle node; there are 2 spot_j + 1 nodes

    @property
    def nodes(self) -> int:
        return 2 * self.spot_j + 1

    def halved(self) -> _Grid:
        """The coarse companion for Richardson extrapolation: every other node."""
        return _Grid(dx=2.0 * self.dx, spot_j=self.spot_j // 2)


def _grid(
    s: FloatArray, k: FloatArray, t: FloatArray, sigma: FloatArray, space_steps: int
) -> _Grid:
    """``_STD_DEVS`` standard deviations either side of spot; the strike on a node when inside.

    The strike is snapped onto a node of the coarse (every-other-node) grid too, so both
    Richardson levels see the payoff kink on a node. A strike further out than the grid leaves
    it: its kink cannot reach spot before expiry (probability ~1e-7), and the Dirichlet
    boundaries carry the far value.
    """
    x_s, x_k = np.log(s), np.log(k)
    # A floor on the width keeps near-expiry / near-zero-vol grids from collapsing onto spot.
    width = _STD_DEVS * np.maximum(sigma * np.sqrt(t), 0.01)
    coarse_half = max(space_steps // 4, 8)
    dx_c = width / coarse_half
    gap = np.abs(x_k - x_s)
    # A strike within half a coarse step of spot stays between nodes rather than shrinking the grid.
    steps_between = np.round(gap / dx_c)
    snap = (steps_between >= 1) & (steps_between <= coarse_half - 1)
    dx_c = np.where(snap, gap / np.maximum(steps_between, 1.0), dx_c)
    return _Grid(dx=0.5 * dx_c, spot_j=2 * coarse_half)


def _solve_fd(
    phi: FloatArray,
    s: FloatArray,
    k: FloatArray,
    t: FloatArray,
    r: FloatArray,
    q: FloatArray,
    sigma: FloatArray,
    grid: _Grid,
    n_time: int,
) -> FloatArray:
    """Solve the American LCP for every contract (row); returns values on the grid, shape (n, N)."""
    n = phi.shape[0]
    n_space = grid.nodes
    j = np.arange(n_space, dtype=np.float64)
    # Anchored on spot itself so the spot node's payoff is exact (a deep put pays exactly K - S).
    offset = j[None, :] - grid.spot_j
    spot = s[:, None] * np.exp(grid.dx[:, None] * offset)
    payoff = np.maximum(phi[:, None] * (spot - k[:, None]), 0.0)
    # Brennan-Schwartz needs the exercise region at the end where back-substitution starts: the
    # top of the grid. Calls exercise high already; puts are solved on the mirrored grid.
    put = phi < 0
    flip = np.where(put[:, None], j[::-1][None, :], j[None, :]).astype(np.intp)
    rows = np.arange(n)[:, None]
    spot_m, payoff_m = spot[rows, flip], payoff[rows, flip]

    half_var = 0.5 * sigma * sigma / (grid.dx * grid.dx)
    drift = (r - q - 0.5 * sigma * sigma) / (2.0 * grid.dx)
    drift = np.where(put, -drift, drift)  # mirroring x -> -x flips the first derivative
    lower = half_var - drift  # coefficient of V_{i-1} in the generator L
    upper = half_var + drift  # coefficient of V_{i+1}
    centre = -2.0 * half_var - r

    dt_full = t / n_time
    schedule = [(1.0, 0.5)] * _RANNACHER_HALF_STEPS + [(0.5, 1.0)] * (
        n_time - _RANNACHER_HALF_STEPS // 2
    )
    value = payoff_m.copy()
    tau = np.zeros(n)
    cache: dict[tuple[float, float], tuple[FloatArray, FloatArray, FloatArray]] = {}
    for theta, frac in schedule:
        dt = dt_full * frac
        tau = tau + dt
        key = (theta, frac)
        if key not in cache:
            a = -theta * dt * lower
            b = 1.0 + theta * dt * (-centre)
            c = -theta * dt * upper
            # Constant coefficients: the Thomas multipliers depend only on the node.
            c_prime = np.empty((n, n_space))
            inv_den = np.empty((n, n_space))
            c_prime[:, 0], inv_den[:, 0] = 0.0, 1.0
            for i in range(1, n_space - 1):
                inv_den[:, i] = 1.0 / (b - a * c_prime[:, i - 1])
                c_prime[:, i] = c * inv_den[:, i]
            cache[key] = (a, c_prime, inv_den)
        a, c_prime, inv_den = cache[key]
        expl = (1.0 - theta) * dt
        rhs = value.copy()
        rhs[:, 1:-1] += expl[:, None] * (
            lower[:, None] * value[:, :-2]
            + centre[:, None] * value[:, 1:-1]
            + upper[:, None] * value[:, 2:]
        )
        forward = phi[:, None] * (
            spot_m[:, [0, -1]] * np.exp(-q * tau)[:, None] - k[:, None] * np.exp(-r * tau)[:, None]
        )
        boundary = np.maximum(payoff_m[:, [0, -1]], forward)
        d_prime = np.empty((n, n_space))
        d_prime[:, 0] = boundary[:, 0]
        for i in range(1, n_space - 1):
            d_prime[:, i] = (rhs[:, i] - a * d_prime[:, i - 1]) * inv_den[:, i]
        value[:, -1] = boundary[:, 1]
        for i in range(n_space - 2, 0, -1):
            value[:, i] = np.maximum(
                d_prime[:, i] - c_prime[:, i] * value[:, i + 1], payoff_m[:, i]
            )
        value[:, 0] = boundary[:, 0]
    unflipped: FloatArray = value[rows, flip]
    return unflipped


@dataclass(frozen=True, slots=True)
class _Batch:
    phi: FloatArray
    s: FloatArray
    k: FloatArray
    t: FloatArray
    r: FloatArray
    q: FloatArray
    sigma: FloatArray
    fd: npt.NDArray[np.bool_]  # elements that need the FD solver
    shape: tuple[int, ...]


def _batch(is_call: BoolLike, s: FloatLike, k: FloatLike, t_years: FloatLike, r: FloatLike,
           q: FloatLike, sigma: FloatLike) -> _Batch:  # fmt: skip
    phi0 = np.where(np.asarray(is_call, dtype=bool), 1.0, -1.0)
    arrays = as_float_arrays(phi0, s, k, t_years, r, q, sigma)
    shape = arrays[0].shape
    phi, s_a, k_a, t_a, r_a, q_a, sig_a = (np.ascontiguousarray(a).ravel() for a in arrays)
    check_inputs(s_a, k_a, t_a, sig_a)
    # Early exercise can only pay for puts and for calls on dividend payers, and only with time
    # and volatility left (at sigma sqrt(T) = 0 the value is the exercise-or-forward maximum).
    fd = ((phi < 0) | (q_a > 0)) & (t_a > 0) & (sig_a > 0)
    return _Batch(phi, s_a, k_a, t_a, r_a, q_a, sig_a, fd, shape)


def _fd_prices(
    b: _Batch,
    idx: npt.NDArray[np.intp],
    sigma: FloatArray,
    t: FloatArray,
    grid: _Grid,
    n_time: int,
) -> tuple[FloatArray, FloatArray]:
    """Prices at spot and the fine grids for contracts ``idx`` (``sigma``, ``t`` may be bumped).

    Richardson extrapolation: Crank-Nicolson's error is ``c h^2`` in the step ``h`` (space and time
    halved together), so ``(4 V(h) - V(2h)) / 3`` cancels it; a quarter of the work again buys
    about one more order of accuracy.
    """
    args = (b.phi[idx], b.s[idx], b.k[idx], t, b.r[idx], b.q[idx], sigma)
    fine = _solve_fd(*args, grid, n_time)
    coarse = _solve_fd(*args, grid.halved(), max(n_time // 2, _RANNACHER_HALF_STEPS))
    extrapolated = (4.0 * fine[:, grid.spot_j] - coarse[:, grid.halved().spot_j]) / 3.0
    # Never below immediate exercise (extrapolation is not a projection).
    exercise = np.maximum(b.phi[idx] * (b.s[idx] - b.k[idx]), 0.0)
    return np.maximum(extrapolated, exercise), fine


def _degenerate_price(b: _Batch) -> FloatArray:
    """Value where no FD is needed: BSM (exact for these), never below immediate exercise."""
    euro, _ = bsm_price_and_greeks(b.phi > 0, b.s, b.k, b.t, b.r, b.q, b.sigma)
    return np.maximum(euro, np.maximum(b.phi * (b.s - b.k), 0.0))


def american_price(
    is_call: BoolLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
    sigma: FloatLike,
    *,
    space_steps: int = DEFAULT_SPACE_STEPS,
    time_steps: int = DEFAULT_TIME_STEPS,
) -> AmericanResult:
    """American option prices per share (inputs broadcast); see the module docstring for the model.

    ``space_steps`` steps in log-spot and ``time_steps`` Crank-Nicolson steps per contract (the
    fine level; Richardson adds a half-resolution solve); the defaults keep the error well under
    1e-3 relative to a converged solution.
    """
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    price = _degenerate_price(b)
    idx = np.flatnonzero(b.fd)
    if idx.size:
        grid = _grid(b.s[idx], b.k[idx], b.t[idx], b.sigma[idx], space_steps)
        price[idx], _ = _fd_prices(b, idx, b.sigma[idx], b.t[idx], grid, time_steps)
    return AmericanResult(price=price.reshape(b.shape), model=_models(b).reshape(b.shape))


def _models(b: _Batch) -> ObjectArray:
    return np.where(b.fd, PricingModel.FD_AMERICAN, PricingModel.BSM_EUROPEAN).astype(object)


def american_greeks(
    is_call: BoolLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
    sigma: FloatLike,
    *,
    space_steps: int = DEFAULT_SPACE_STEPS,
    time_steps: int = DEFAULT_TIME_STEPS,
) -> AmericanGreeks:
    """American price, delta, gamma, theta per calendar day and vega per vol point (per share).

    Elements solved in closed form take their Greeks from :func:`bsm_price_and_greeks`.
    """
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    euro, g = bsm_price_and_greeks(b.phi > 0, b.s, b.k, b.t, b.r, b.q, b.sigma)
    price = np.maximum(euro, np.maximum(b.phi * (b.s - b.k), 0.0))
    delta, gamma = g.delta.copy(), g.gamma.copy()
    theta, vega = g.theta_per_day.copy(), g.vega_per_vol_point.copy()
    idx = np.flatnonzero(b.fd)
    if idx.size:
        sig, t = b.sigma[idx], b.t[idx]
        grid = _grid(b.s[idx], b.k[idx], t, sig, space_steps)
        p0, values = _fd_prices(b, idx, sig, t, grid, time_steps)
        rows, j = np.arange(idx.size), grid.spot_j
        v_m, v_0, v_p = values[rows, j - 1], values[rows, j], values[rows, j + 1]
        s0, dx = b.s[idx], grid.dx
        v_x = (v_p - v_m) / (2.0 * dx)
        v_xx = (v_p - 2.0 * v_0 + v_m) / (dx * dx)
        bump = 1.0 / POINT
        # Keep the bumped vol positive; the difference quotient divides by the actual spread.
        sig_dn = np.maximum(sig - bump, 0.5 * sig)
        p_up, _ = _fd_prices(b, idx, sig + bump, t, grid, time_steps)
        p_dn, _ = _fd_prices(b, idx, sig_dn, t, grid, time_steps)
        day = np.minimum(1.0 / DAYS_PER_YEAR, t)
        t_next = t - day
        later = np.maximum(b.phi[idx] * (s0 - b.k[idx]), 0.0)
        live = t_next > 0
        if np.any(live):
            li = idx[live]
            sub = _Grid(dx=grid.dx[live], spot_j=grid.spot_j)
            later[live], _ = _fd_prices(b, li, sig[live], t_next[live], sub, time_steps)
        price[idx] = p0
        delta[idx] = v_x / s0
        gamma[idx] = (v_xx - v_x) / (s0 * s0)
        vega[idx] = (p_up - p_dn) / (sig + bump - sig_dn) / POINT
        theta[idx] = (later - p0) / (day * DAYS_PER_YEAR)
    return AmericanGreeks(
        price=price.reshape(b.shape),
        delta=delta.reshape(b.shape),
        gamma=gamma.reshape(b.shape),
        theta_per_day=theta.reshape(b.shape),
        vega_per_vol_point=vega.reshape(b.shape),
        model=_models(b).reshape(b.shape),
    )
