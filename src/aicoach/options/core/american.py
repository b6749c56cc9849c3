"""American-exercise prices and Greeks for single-stock options (continuous dividend yield).

Model: Black-Scholes-Merton dynamics (see :mod:`aicoach.options.core.pricing`) with the right to
exercise at any time before expiry. Solved by Crank-Nicolson finite differences on ``x = ln S``::

    dV/dtau = sigma^2/2 V_xx + (r - q - sigma^2/2) V_x - r V,      V(tau = 0) = max(phi (S - K), 0)

with early exercise enforced by the Brennan-Schwartz algorithm: the tridiagonal system is
eliminated from the continuation side towards the exercise side and back-substituted with
``V_i = max(continuation_i, payoff_i)``, which solves the discrete linear-complementarity problem
exactly for a single exercise boundary (puts: below it; calls: above it). The first two time
steps are each two implicit Euler half-steps (Rannacher) so the payoff kink does not ring, and
every result is Richardson-extrapolated from the grid and its every-other-node, half-the-steps
companion: ``(4 V(h) - V(2h)) / 3`` cancels Crank-Nicolson's ``c h^2`` error.

The coefficients are constant in ``x`` and ``tau`` (constant r, q, sigma on a uniform log grid),
so the Thomas factorisation is computed once per distinct step size, not once per step. The time
loop runs in a Numba kernel when Numba is importable (~1 ms per contract) and otherwise in a
numpy loop vectorised across the contracts of a batch; both run the same algorithm.

Grid: uniform in ``x``; for one price, centred on spot, ``_STD_DEVS`` standard deviations
``sigma sqrt(T)`` either side, with the strike snapped onto a node; for a price surface
(:func:`american_price_grid`), anchored on the strike and wide enough for every requested spot.
Dirichlet boundaries at ``max(payoff, phi (S e^{-q tau} - K e^{-r tau}))``. A call with
``q <= 0`` is never exercised early, so it is priced in closed form by BSM and labelled
``bsm-european``; every element of a result names its model.

Greeks, all from ONE solve except vega: delta and gamma by 3-point stencils around spot on both
Richardson levels (``V_S = V_x / S``, ``V_SS = (V_xx - V_x) / S^2``), themselves extrapolated;
theta is the change over one calendar day, read off the same solve, whose time grid has a node
at ``T - 1 day``; vega is a central +/- 1 vol point difference of two more solves on the same
spatial grid. Units as in :class:`aicoach.options.core.pricing.Greeks`.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from aicoach.options.core.pricing import (
    DAYS_PER_YEAR,
    POINT,
    BoolLike,
    FloatArray,
    FloatLike,
    as_float_arrays,
    bsm_price,
    bsm_price_and_greeks,
    check_inputs,
)

ObjectArray: TypeAlias = npt.NDArray[np.object_]
IntArray: TypeAlias = npt.NDArray[np.int64]

DEFAULT_SPACE_STEPS = 400
DEFAULT_TIME_STEPS = 200
DEFAULT_SURFACE_SPACE_STEPS = 800
"""A surface spans the strike's +/- 5 sd and every requested spot: twice the nodes of a price."""
_STD_DEVS = 5.0
_RANNACHER_STEPS = 2


class PricingModel(StrEnum):
    """Which model produced a number: shown next to every price the coach quotes."""

    BSM_EUROPEAN = "bsm-european"
    FD_AMERICAN = "crank-nicolson-fd-american"
    BS2002_AMERICAN = "bjerksund-stensland-2002"


@dataclass(frozen=True, slots=True)
class AmericanResult:
    """American prices per share; ``model`` holds the :class:`PricingModel` of each element."""

    price: FloatArray
    model: ObjectArray


@dataclass(frozen=True, slots=True)
class AmericanGreeks:
    """Grid / bumped-vol Greeks of American options, per share (units in the names)."""

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray
    model: ObjectArray


# --- the time-marching kernel ------------------------------------------------------------------
# Inputs are on the MIRRORED grid for puts (exercise region at the top, where back-substitution
# starts): coefficients of V_{i-1}, V_i, V_{i+1} in the generator, the payoff per node, the spot
# at the two edge nodes, per-step sizes ``dts`` (0 = no step) and the snapshot slot to write
# after each step (-1 = none). The first ``n_rannacher`` real steps are two implicit half-steps.

_Kernel: TypeAlias = Callable[..., None]


def _march_loop(lower: FloatArray, centre: FloatArray, upper: FloatArray, payoff: FloatArray,
                edge_spot: FloatArray, phi: FloatArray, k: FloatArray, r: FloatArray,
                q: FloatArray, dts: FloatArray, slot: IntArray, n_rannacher: int,
                out: FloatArray) -> None:  # fmt: skip
    """Contract by contract, node by node: the Numba kernel's source (plain loops)."""
    n, n_space = payoff.shape
    value, rhs = np.empty(n_space), np.empty(n_space)
    c_prime, inv_den, d_prime = np.zeros(n_space), np.ones(n_space), np.empty(n_space)
    for c in range(n):
        lo, ce, up = lower[c], centre[c], upper[c]
        value[:] = payoff[c]
        tau, ran, last_h, last_theta, a = 0.0, 0, -1.0, -1.0, 0.0
        for step in range(dts.shape[1]):
            dt = dts[c, step]
            if dt > 0.0:
                subs, theta, h = 1, 0.5, dt
                if ran < n_rannacher:
                    subs, theta, h = 2, 1.0, 0.5 * dt
                    ran += 1
                for _ in range(subs):
                    tau += h
                    if h != last_h or theta != last_theta:
                        a, b, cc = -theta * h * lo, 1.0 - theta * h * ce, -theta * h * up
                        for i in range(1, n_space - 1):
                            inv_den[i] = 1.0 / (b - a * c_prime[i - 1])
                            c_prime[i] = cc * inv_den[i]
                        last_h, last_theta = h, theta
                    e = (1.0 - theta) * h
                    for i in range(1, n_space - 1):
                        rhs[i] = value[i] + e * (
                            lo * value[i - 1] + ce * value[i] + up * value[i + 1]
                        )
                    dq, dr = np.exp(-q[c] * tau), np.exp(-r[c] * tau)
                    b0 = max(payoff[c, 0], phi[c] * (edge_spot[c, 0] * dq - k[c] * dr))
                    b1 = max(payoff[c, -1], phi[c] * (edge_spot[c, 1] * dq - k[c] * dr))
                    d_prime[0] = b0
                    for i in range(1, n_space - 1):
                        d_prime[i] = (rhs[i] - a * d_prime[i - 1]) * inv_den[i]
                    value[n_space - 1] = b1
                    for i in range(n_space - 2, 0, -1):
                        value[i] = max(d_prime[i] - c_prime[i] * value[i + 1], payoff[c, i])
                    value[0] = b0
            if slot[c, step] >= 0:
                out[c, slot[c, step]] = value


def _march_numpy(lower: FloatArray, centre: FloatArray, upper: FloatArray, payoff: FloatArray,
                 edge_spot: FloatArray, phi: FloatArray, k: FloatArray, r: FloatArray,
                 q: FloatArray, dts: FloatArray, slot: IntArray, n_rannacher: int,
                 out: FloatArray) -> None:  # fmt: skip
    """The same algorithm with every numpy operation acting on one node of all contracts."""
    n, n_space = payoff.shape
    value, tau, ran = payoff.copy(), np.zeros(n), np.zeros(n, dtype=np.int64)
    cache: dict[bytes, tuple[FloatArray, FloatArray, FloatArray]] = {}
    rows = np.arange(n)
    for step in range(dts.shape[1]):
        dt = dts[:, step]
        rann = (dt > 0) & (ran < n_rannacher)
        ran += rann
        subs = [(dt, np.full(n, 0.5))]
        if np.any(rann):  # Rannacher rows take two implicit half-steps, the others one CN step
            subs = [(np.where(rann, 0.5 * dt, dt), np.where(rann, 1.0, 0.5)),
                    (np.where(rann, 0.5 * dt, 0.0), np.ones(n))]  # fmt: skip
        for h, theta in subs:
            tau = tau + h
            key = h.tobytes() + theta.tobytes()
            if key not in cache:
                a, b, cc = -theta * h * lower, 1.0 - theta * h * centre, -theta * h * upper
                c_prime, inv_den = np.zeros((n_space, n)), np.ones((n_space, n))
                for i in range(1, n_space - 1):
                    inv_den[i] = 1.0 / (b - a * c_prime[i - 1])
                    c_prime[i] = cc * inv_den[i]
                cache[key] = (a, c_prime, inv_den)
            a, c_prime, inv_den = cache[key]
            rhs = value.copy()
            rhs[:, 1:-1] += ((1.0 - theta) * h)[:, None] * (
                lower[:, None] * value[:, :-2]
                + centre[:, None] * value[:, 1:-1]
                + upper[:, None] * value[:, 2:]
            )
            fwd = edge_spot * np.exp(-q * tau)[:, None] - (k * np.exp(-r * tau))[:, None]
            edge = np.maximum(payoff[:, [0, -1]], phi[:, None] * fwd)
            rhs_t = np.ascontiguousarray(rhs.T)
            d_prime = np.empty((n_space, n))
            d_prime[0] = edge[:, 0]
            for i in range(1, n_space - 1):
                d_prime[i] = (rhs_t[i] - a * d_prime[i - 1]) * inv_den[i]
            v_t, pay_t = np.empty((n_space, n)), np.ascontiguousarray(payoff.T)
            v_t[-1], v_t[0] = edge[:, 1], edge[:, 0]
            for i in range(n_space - 2, 0, -1):
                v_t[i] = np.maximum(d_prime[i] - c_prime[i] * v_t[i + 1], pay_t[i])
            value = np.ascontiguousarray(v_t.T)
        hit = slot[:, step] >= 0
        out[rows[hit], slot[hit, step]] = value[hit]


_compiled: _Kernel | None = None
_compiled_loaded = False
_compiled_lock = threading.Lock()


def compiled_kernel() -> _Kernel | None:
    """The Numba kernel, compiled (or loaded from Numba's on-disk cache) on first use; ``None``
    when Numba is not installed. Call it at start-up to take the load off the first request."""
    global _compiled, _compiled_loaded
    if _compiled_loaded:
        return _compiled
    with _compiled_lock:
        if not _compiled_loaded:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Numba's cache notices are not ours to surface
                try:
                    numba: Any = importlib.import_module("numba")
                except ImportError:
                    numba = None
                if numba is not None:
                    t = numba.types
                    # Typed read-only inputs accept writable arrays too: one compiled version.
                    f1 = t.Array(t.float64, 1, "C", readonly=True)
                    f2 = t.Array(t.float64, 2, "C", readonly=True)
                    sig = t.void(f1, f1, f1, f2, f2, f1, f1, f1, f1, f2, t.int64[:, ::1],
                                 t.int64, t.float64[:, :, ::1])  # fmt: skip
                    try:
                        _compiled = numba.njit(sig, cache=True, nogil=True)(_march_loop)
                    except RuntimeError:  # no writable cache directory anywhere: compile only
                        _compiled = numba.njit(sig, cache=False, nogil=True)(_march_loop)
            _compiled_loaded = True
    return _compiled


# --- grids, schedules, Richardson --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Grid:
    """Per-contract uniform log-spot grid: fine node ``j`` at ``anchor e^{(j - anchor_j) dx}``.

    ``nodes`` is odd and ``anchor_j`` even, so the coarse (every-other-node) companion keeps the
    anchor (spot or strike) on a node.
    """

    anchor: FloatArray
    anchor_j: IntArray
    dx: FloatArray
    nodes: int

    def coarse(self) -> _Grid:
        return _Grid(self.anchor, self.anchor_j // 2, 2.0 * self.dx, (self.nodes + 1) // 2)

    def spots(self) -> FloatArray:
        j = np.arange(self.nodes, dtype=np.float64)
        return self.anchor[:, None] * np.exp(self.dx[:, None] * (j - self.anchor_j[:, None]))

    def take(self, rows: npt.NDArray[np.intp]) -> _Grid:
        return _Grid(self.anchor[rows], self.anchor_j[rows], self.dx[rows], self.nodes)


def _spot_grid(
    s: FloatArray, k: FloatArray, t: FloatArray, sigma: FloatArray, space_steps: int
) -> _Grid:
    """``_STD_DEVS`` standard deviations either side of spot; the strike on a node when inside.

    The strike is snapped onto a node of the coarse grid too, so both Richardson levels see the
    payoff kink on a node. A strike further out than the grid leaves it: its kink cannot reach
    spot before expiry (probability ~1e-7), and the Dirichlet boundaries carry the far value.
    """
    # A floor on the width keeps near-expiry / near-zero-vol grids from collapsing onto spot.
    width = _STD_DEVS * np.maximum(sigma * np.sqrt(t), 0.01)
    coarse_half = max(space_steps // 4, 8)
    dx_c = width / coarse_half
    gap = np.abs(np.log(k) - np.log(s))
    # A strike within half a coarse step of spot stays between nodes rather than shrinking the grid.
    steps_between = np.round(gap / dx_c)
    snap = (steps_between >= 1) & (steps_between <= coarse_half - 1)
    dx_c = np.where(snap, gap / np.maximum(steps_between, 1.0), dx_c)
    anchor_j = np.full(s.shape, 2 * coarse_half, dtype=np.int64)
    return _Grid(s, anchor_j, 0.5 * dx_c, 4 * coarse_half + 1)


def _surface_grid(k: FloatArray, t_max: FloatArray, sigma: FloatArray, s_lo: float,
                  s_hi: float, space_steps: int) -> _Grid:  # fmt: skip
    """Anchored on the strike: its +/- 5 sd and the spots ``[s_lo, s_hi]`` with a margin.

    Spots beyond 10 sd of the strike are left to the boundary formula (exact there to ~1e-20).
    """
    width = _STD_DEVS * np.maximum(sigma * np.sqrt(t_max), 0.01)
    x_k = np.log(k)
    lo = np.maximum(np.minimum(x_k - width, np.log(s_lo) - 0.2 * width), x_k - 2.0 * width)
    hi = np.minimum(np.maximum(x_k + width, np.log(s_hi) + 0.2 * width), x_k + 2.0 * width)
    n_c = max(space_steps // 2, 16)  # coarse intervals
    below = np.clip(np.round((x_k - lo) / (hi - lo) * n_c), 1, n_c - 1).astype(np.int64)
    dx_c = np.maximum((x_k - lo) / below, (hi - x_k) / (n_c - below))
    return _Grid(k, 2 * below, 0.5 * dx_c, 2 * n_c + 1)


def _schedule(
    targets: FloatArray, n_time: int, per_coarse_step: int
) -> tuple[FloatArray, IntArray]:
    """Step sizes ``(n, L)`` and snapshot slots marching each row through its ``targets``.

    ``targets`` ``(n, m)`` ascending times to expiry (0 and repeats allowed). Segment ``i`` gets
    ``ceil(gap_i / (2 T / n_time))`` coarse steps, times ``per_coarse_step`` (1 coarse, 2 fine),
    so the fine level halves every coarse step exactly as Richardson needs.
    """
    m = targets.shape[1]
    gaps = np.diff(targets, axis=1, prepend=0.0)
    coarse_dt = 2.0 * targets[:, -1:] / n_time
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = np.where(gaps > 0, np.maximum(np.ceil(gaps / coarse_dt - 1e-9), 1.0), 0.0)
    counts = counts.astype(np.int64) * per_coarse_step
    steps = np.maximum(counts, 1)  # a zero gap is one zero step that only records
    cum = np.cumsum(steps, axis=1)
    k = np.arange(int(cum[:, -1].max()))
    seg = (k[None, :, None] >= cum[:, None, :]).sum(-1)
    valid = seg < m
    seg_c = np.minimum(seg, m - 1)
    dt = np.take_along_axis(gaps / steps, seg_c, 1)
    last = k[None, :] == np.take_along_axis(cum, seg_c, 1) - 1
    slot = np.where(valid & last, seg_c, -1).astype(np.int64)
    return np.where(valid, dt, 0.0), slot


def _solve(phi: FloatArray, k: FloatArray, r: FloatArray, q: FloatArray, sigma: FloatArray,
           grid: _Grid, targets: FloatArray, n_time: int,
           kernel: _Kernel | None = None) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Snapshots ``(n, m, nodes)`` of the fine and ``(n, m, nodes_c)`` of the coarse level.

    ``kernel`` defaults to the Numba one when available, else :func:`_march_numpy`.
    """
    kernel = kernel or compiled_kernel() or _march_numpy
    put = phi < 0
    out = []
    for g, per_step in ((grid, 2), (grid.coarse(), 1)):
        spot = g.spots()
        payoff = np.maximum(phi[:, None] * (spot - k[:, None]), 0.0)
        # Mirror puts so that their exercise region is at the top (see _march_loop).
        spot = np.where(put[:, None], spot[:, ::-1], spot)
        payoff = np.ascontiguousarray(np.where(put[:, None], payoff[:, ::-1], payoff))
        half_var = 0.5 * sigma * sigma / (g.dx * g.dx)
        drift = (r - q - 0.5 * sigma * sigma) / (2.0 * g.dx)
        drift = np.where(put, -drift, drift)  # mirroring x -> -x flips the first derivative
        dts, slot = _schedule(targets, n_time, per_step)
        snaps = np.empty((phi.size, targets.shape[1], g.nodes))
        c = np.ascontiguousarray
        kernel(c(half_var - drift), c(-2.0 * half_var - r), c(half_var + drift), payoff,
               c(spot[:, [0, -1]]), c(phi), c(k), c(r), c(q), c(dts), slot, _RANNACHER_STEPS,
               snaps)  # fmt: skip
        out.append(np.where(put[:, None, None], snaps[:, :, ::-1], snaps))
    return out[0], out[1]


def _richardson(fine: FloatArray, coarse: FloatArray) -> FloatArray:
    return (4.0 * fine - coarse) / 3.0


def _stencil(
    values: FloatArray, j: IntArray, dx: FloatArray, s: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Delta and gamma from the 3-point stencil at node ``j`` of ``values`` ``(n, nodes)``."""
    rows = np.arange(values.shape[0])
    v_m, v_0, v_p = values[rows, j - 1], values[rows, j], values[rows, j + 1]
    v_x, v_xx = (v_p - v_m) / (2.0 * dx), (v_p - 2.0 * v_0 + v_m) / (dx * dx)
    return v_x / s, (v_xx - v_x) / (s * s)


# --- public API ---------------------------------------------------------------------------------


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
    return _Batch(phi, s_a, k_a, t_a, r_a, q_a, sig_a, _needs_fd(phi, q_a, t_a, sig_a), shape)


def _needs_fd(
    phi: FloatArray, q: FloatArray, t: FloatArray, sigma: FloatArray
) -> npt.NDArray[np.bool_]:
    # Early exercise can only pay for puts and for calls on dividend payers, and only with time
    # and volatility left (at sigma sqrt(T) = 0 the value is the exercise-or-forward maximum).
    fd: npt.NDArray[np.bool_] = ((phi < 0) | (q > 0)) & (t > 0) & (sigma > 0)
    return fd


def _models(fd: npt.NDArray[np.bool_]) -> ObjectArray:
    return np.where(fd, PricingModel.FD_AMERICAN, PricingModel.BSM_EUROPEAN).astype(object)


def _time_targets(t: FloatArray) -> FloatArray:
    """``[T - 1 day, T]`` (floored at 0): the price and its one-day theta come from one solve."""
    return np.stack([np.maximum(t - 1.0 / DAYS_PER_YEAR, 0.0), t], axis=1)


@dataclass(frozen=True, slots=True)
class _FdOut:
    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray | None


def _fd_greeks(b: _Batch, idx: npt.NDArray[np.intp], space_steps: int, time_steps: int,
               vega: bool) -> _FdOut:  # fmt: skip
    """One solve for price, delta, gamma, theta; with ``vega`` two more at +/- 1 vol point."""
    sig, t, s0 = b.sigma[idx], b.t[idx], b.s[idx]
    grid = _spot_grid(s0, b.k[idx], t, sig, space_steps)
    targets = _time_targets(t)
    rows = np.arange(idx.size)
    sig_dn = np.maximum(sig - 1.0 / POINT, 0.5 * sig)  # keep the bumped vol positive
    sigmas = [sig, sig + 1.0 / POINT, sig_dn] if vega else [sig]
    reps = len(sigmas)
    rep_idx = np.tile(idx, reps)
    fine, coarse = _solve(b.phi[rep_idx], b.k[rep_idx], b.r[rep_idx], b.q[rep_idx],
                          np.concatenate(sigmas), grid.take(np.tile(rows, reps)),
                          np.tile(targets, (reps, 1)), time_steps)  # fmt: skip
    j_f, j_c = grid.anchor_j, grid.anchor_j // 2
    at_spot = _richardson(fine[:, :, j_f[0]], coarse[:, :, j_c[0]])  # (reps n, 2 slots)
    # Never below immediate exercise (extrapolation is not a projection).
    exercise = np.maximum(b.phi[rep_idx] * (b.s[rep_idx] - b.k[rep_idx]), 0.0)
    at_spot = np.maximum(at_spot, exercise[:, None])
    price, later = at_spot[: idx.size, 1], at_spot[: idx.size, 0]
    d_f, g_f = _stencil(fine[rows, 1], j_f, grid.dx, s0)
    d_c, g_c = _stencil(coarse[rows, 1], j_c, 2.0 * grid.dx, s0)
    day = np.minimum(1.0 / DAYS_PER_YEAR, t)
    vega_out = None
    if vega:
        up, dn = at_spot[idx.size : 2 * idx.size, 1], at_spot[2 * idx.size :, 1]
        vega_out = (up - dn) / (sig + 1.0 / POINT - sig_dn) / POINT
    return _FdOut(price=price, delta=_richardson(d_f, d_c), gamma=_richardson(g_f, g_c),
                  theta_per_day=(later - price) / (day * DAYS_PER_YEAR),
                  vega_per_vol_point=vega_out)  # fmt: skip


def american_price(is_call: BoolLike, s: FloatLike, k: FloatLike, t_years: FloatLike,
                   r: FloatLike, q: FloatLike, sigma: FloatLike, *,
                   space_steps: int = DEFAULT_SPACE_STEPS,
                   time_steps: int = DEFAULT_TIME_STEPS) -> AmericanResult:  # fmt: skip
    """American option prices per share (inputs broadcast); see the module docstring for the model.

    ``space_steps`` steps in log-spot and about ``time_steps`` Crank-Nicolson steps per contract
    (the fine level; Richardson adds a half-resolution solve); the defaults keep the error well
    under 1e-3 relative to a converged solution. Identical to :func:`american_greeks`' price.
    """
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    euro = bsm_price(b.phi > 0, b.s, b.k, b.t, b.r, b.q, b.sigma)
    price = np.maximum(euro, np.maximum(b.phi * (b.s - b.k), 0.0))
    idx = np.flatnonzero(b.fd)
    if idx.size:
        price[idx] = _fd_greeks(b, idx, space_steps, time_steps, vega=False).price
    return AmericanResult(price=price.reshape(b.shape), model=_models(b.fd).reshape(b.shape))


def american_greeks(is_call: BoolLike, s: FloatLike, k: FloatLike, t_years: FloatLike,
                    r: FloatLike, q: FloatLike, sigma: FloatLike, *,
                    space_steps: int = DEFAULT_SPACE_STEPS,
                    time_steps: int = DEFAULT_TIME_STEPS) -> AmericanGreeks:  # fmt: skip
    """American price, delta, gamma, theta per calendar day and vega per vol point (per share).

    Three FD solves per contract (base, +/- 1 vol point), all contracts in one batch. Elements
    solved in closed form take their Greeks from :func:`bsm_price_and_greeks`.
    """
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    euro, g = bsm_price_and_greeks(b.phi > 0, b.s, b.k, b.t, b.r, b.q, b.sigma)
    price = np.maximum(euro, np.maximum(b.phi * (b.s - b.k), 0.0))
    delta, gamma = g.delta.copy(), g.gamma.copy()
    theta, vega = g.theta_per_day.copy(), g.vega_per_vol_point.copy()
    idx = np.flatnonzero(b.fd)
    if idx.size:
        fd = _fd_greeks(b, idx, space_steps, time_steps, vega=True)
        price[idx], delta[idx], gamma[idx] = fd.price, fd.delta, fd.gamma
        theta[idx] = fd.theta_per_day
        assert fd.vega_per_vol_point is not None
        vega[idx] = fd.vega_per_vol_point
    return AmericanGreeks(
        price=price.reshape(b.shape),
        delta=delta.reshape(b.shape),
        gamma=gamma.reshape(b.shape),
        theta_per_day=theta.reshape(b.shape),
        vega_per_vol_point=vega.reshape(b.shape),
        model=_models(b.fd).reshape(b.shape),
    )


_BAND = 4.0
"""One surface solve serves the times left within a factor 4 of its longest: its grid and time
steps are sized by that longest, and a time 10x shorter would see its kink on too few nodes."""


def _surface_fd(phi: FloatArray, k: FloatArray, r: FloatArray, q: FloatArray, sig: FloatArray,
                t: FloatArray, s: FloatArray, idx: npt.NDArray[np.intp], price: FloatArray,
                space_steps: int, time_steps: int) -> None:  # fmt: skip
    """Fill ``price[i, :, :]`` ``(n, T, S)`` for the legs ``idx`` where ``t > 0``, in place."""
    legs: list[int] = []
    bands: list[FloatArray] = []
    for i in idx:
        u = np.unique(t[i][t[i] > 0])
        band = np.floor(np.log(u[-1] / u) / np.log(_BAND) + 1e-9)
        for b in np.unique(band):
            legs.append(int(i))
            bands.append(u[band == b])
    rows = np.array(legs)
    m = max(len(u) for u in bands)
    targets = np.stack([np.pad(u, (0, m - len(u)), mode="edge") for u in bands])
    grid = _surface_grid(k[rows], targets[:, -1], sig[rows], float(np.nanmin(s)),
                         float(np.nanmax(s)), space_steps)  # fmt: skip
    fine, coarse = _solve(phi[rows], k[rows], r[rows], q[rows], sig[rows], grid, targets,
                          time_steps)  # fmt: skip
    snaps = _richardson(fine[:, :, ::2], coarse)
    cg = grid.coarse()
    for row, (i, u) in enumerate(zip(legs, bands, strict=True)):
        cols = np.flatnonzero(np.isin(t[i], u))
        tau = t[i, cols]
        pos = np.log(s / cg.anchor[row]) / cg.dx[row] + cg.anchor_j[row]
        inside = (pos >= 0) & (pos <= cg.nodes - 1)
        j0 = np.clip(np.floor(np.nan_to_num(pos)).astype(np.int64) - 1, 0, cg.nodes - 4)
        w = pos - j0  # in [1, 2] inside, [0, 3] in the edge intervals
        weights = (-(w - 1) * (w - 2) * (w - 3) / 6, w * (w - 2) * (w - 3) / 2,
                   -w * (w - 1) * (w - 3) / 2, w * (w - 1) * (w - 2) / 6)  # fmt: skip
        at_t = snaps[row, np.searchsorted(targets[row], tau)]  # (len(cols), nodes)
        cubic = sum(wo * at_t[:, j0 + o] for o, wo in enumerate(weights))
        intrinsic = np.maximum(phi[i] * (s - k[i]), 0.0)
        fwd = phi[i] * (s * np.exp(-q[i] * tau)[:, None] - k[i] * np.exp(-r[i] * tau)[:, None])
        price[i, cols] = np.maximum(np.where(inside, cubic, fwd), intrinsic)


def american_price_grid(is_call: BoolLike, k: FloatLike, sigma: FloatLike, t_years: FloatLike,
                        s: FloatLike, r: FloatLike, q: FloatLike, *,
                        space_steps: int = DEFAULT_SURFACE_SPACE_STEPS,
                        time_steps: int = DEFAULT_TIME_STEPS) -> AmericanResult:  # fmt: skip
    """Prices of ``n`` options at many (time left, spot) points from a few FD solves per option.

    ``is_call``, ``k``, ``sigma``, ``r``, ``q`` broadcast to shape ``(n,)``; ``t_years`` has shape
    ``(n, *T)`` (years left for option ``i`` at each instant) and ``s`` any shape ``S``; the
    result has shape ``(n, *T, *S)``. A solve marches an option from expiry through every distinct
    ``t`` within a factor 4 of its longest (``_BAND``; a risk graph's 30 dates take ~3 solves),
    keeping a snapshot of the grid at each; spots between
    nodes are read by 4-point cubic (Lagrange) interpolation in ``ln S`` of the
    Richardson-extrapolated grid, never below intrinsic; spots beyond the grid take its
    boundary formula. ``t = 0`` is exactly intrinsic. Accuracy ~1e-4 of the price at the defaults.
    """
    t_in = np.asarray(t_years, dtype=np.float64)
    t_in = t_in.reshape(1) if t_in.ndim == 0 else t_in
    phi0 = np.where(np.asarray(is_call, dtype=bool), 1.0, -1.0)
    leg_arrays = as_float_arrays(
        phi0, k, sigma, r, q, t_in[(slice(None),) + (0,) * (t_in.ndim - 1)]
    )
    phi, k_a, sig, r_a, q_a = (np.ascontiguousarray(a).reshape(-1) for a in leg_arrays[:5])
    n = phi.size
    t = np.ascontiguousarray(np.broadcast_to(t_in, (n, *t_in.shape[1:]))).reshape(n, -1)
    s_in = np.asarray(s, dtype=np.float64)
    out_shape = (n, *t_in.shape[1:], *s_in.shape)
    s_a = s_in.reshape(-1)
    check_inputs(s_a, np.ones(1), np.zeros(1), np.zeros(1))
    check_inputs(np.ones((1, 1)), k_a[:, None], t, sig[:, None])
    col = (slice(None), None, None)
    phi3, k3, t3 = phi[col], k_a[col], t[:, :, None]
    intrinsic = np.maximum(phi3 * (s_a - k3), 0.0)
    euro = bsm_price(phi3 > 0, s_a, k3, t3, r_a[col], q_a[col], sig[col])
    price = np.maximum(euro, intrinsic)  # (n, T, S)
    fd = _needs_fd(phi, q_a, t.max(axis=1, initial=0.0), sig)
    idx = np.flatnonzero(fd)
    if idx.size and s_a.size:
        _surface_fd(phi, k_a, r_a, q_a, sig, t, s_a, idx, price, space_steps, time_steps)
    model = _models(fd[:, None, None] & (t3 > 0)) if price.size else np.empty(price.shape, object)
    return AmericanResult(price=price.reshape(out_shape),
                          model=np.broadcast_to(model, price.shape).reshape(out_shape))  # fmt: skip
