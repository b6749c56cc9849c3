"""Profit and loss at the first expiration: max gain, max loss, breakevens, profitable ranges.

All P&L here is in DOLLARS for the whole position: ``sum(units * (value_per_share - entry))``.

**Single expiry (exact).** When every option leg expires together, the P&L at expiry is
piecewise linear in the price ``S`` on ``[0, inf)`` with kinks only at the strikes. So it is
evaluated at ``S = 0`` and at every strike, and beyond the last strike it continues with slope
``m = sum(units of calls) + sum(stock shares)``. Max gain is the largest node value, or unlimited
when ``m > 0``; max loss the smallest, or unlimited when ``m < 0``. On every segment the profitable
part ``{P > 0}`` is found exactly (the linear root), so breakevens and profitable ranges have no
grid error. Values within ``1e-9`` of the position's dollar scale count as zero (not a profit),
which keeps rounding from inventing hair-thin profitable ranges at a strike.

**Several expiries (numeric).** Legs expiring later are still worth their model value at the
first expiry, which is smooth and non-linear. The P&L is evaluated on a dense grid from near 0 to
3x the highest strike (plus every strike and a far point at 50x), local extrema are refined with
bounded Brent (``scipy.optimize.minimize_scalar``) between their grid neighbours, and breakevens
are ``brentq`` roots of every sign change. ``unlimited`` is decided by the asymptotic slope as
``S -> inf`` (front calls ``units``, later calls ``units * exp(-q tau)``, stock ``units``), which
the caller passes in. The method used is named in :attr:`ExpiryProfile.method`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from aicoach.options.core.legs import LegArrays
from aicoach.options.core.pricing import FloatArray

METHOD_EXACT = "exact-piecewise-linear"
METHOD_NUMERIC = "dense-grid+brent"
_ZERO_REL = 1e-9
_GRID_POINTS = 4001
_FAR_FACTOR = 50.0
_SPAN_FACTOR = 3.0

PnlFn = Callable[[FloatArray], FloatArray]
"""Position P&L in dollars at first expiry for an array of prices."""


def finite_or_none(x: float | None) -> float | None:
    """``x`` as a plain float, ``None`` for NaN/inf/None: JSON has no NaN."""
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class ExpiryProfile:
    """P&L facts at the first expiration, dollars for the whole position.

    ``max_gain`` is the highest P&L and ``max_loss`` the lowest (negative = a loss), each ``None``
    when unlimited; ``*_at`` is a price where it occurs. ``profitable_ranges`` are the price
    intervals with P&L > 0 (``None`` upper end = no upper bound); ``breakevens`` are their finite
    inner ends. ``slope_at_infinity`` is dP/dS (dollars per $1) for large prices.
    """

    max_gain: float | None
    max_gain_unlimited: bool
    max_gain_at: float | None
    max_loss: float | None
    max_loss_unlimited: bool
    max_loss_at: float | None
    breakevens: tuple[float, ...]
    profitable_ranges: tuple[tuple[float, float | None], ...]
    slope_at_infinity: float
    method: str

    def to_dict(self) -> dict[str, object]:
        return {
            "max_gain": finite_or_none(self.max_gain),
            "max_gain_unlimited": self.max_gain_unlimited,
            "max_gain_at": finite_or_none(self.max_gain_at),
            "max_loss": finite_or_none(self.max_loss),
            "max_loss_unlimited": self.max_loss_unlimited,
            "max_loss_at": finite_or_none(self.max_loss_at),
            "breakevens": [float(b) for b in self.breakevens],
            "profitable_ranges": [[lo, finite_or_none(hi)] for lo, hi in self.profitable_ranges],
            "slope_at_infinity": self.slope_at_infinity,
            "method": self.method,
        }


def _dollar_scale(arr: LegArrays) -> float:
    strikes = arr.strike[~np.isnan(arr.strike)]
    price_scale = float(np.max(strikes)) if strikes.size else float(np.max(arr.entry_price))
    return float(np.sum(np.abs(arr.units))) * max(price_scale, 1.0)


def _merge(ranges: list[tuple[float, float | None]]) -> list[tuple[float, float | None]]:
    """Join ranges that touch (a zero-width gap is a touch of zero, not a loss)."""
    merged: list[tuple[float, float | None]] = []
    for lo, hi in ranges:
        if merged and merged[-1][1] is not None and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], hi)
        elif hi is None or hi > lo:
            merged.append((lo, hi))
    return merged


def _breakevens(ranges: Sequence[tuple[float, float | None]]) -> tuple[float, ...]:
    ends = [x for lo, hi in ranges for x in (lo, hi) if x is not None and x > 0.0]
    return tuple(sorted(ends))


def _arg_extreme(pnl: FloatArray, sign: float) -> int:
    """Index of the max of ``sign * pnl``; on a tie a strike is preferred over ``S = 0``."""
    y = sign * pnl
    i = int(np.argmax(y))
    if i == 0 and y.size > 1 and y[1:].max() >= y[0]:
        i = 1 + int(np.argmax(y[1:]))
    return i


def exact_expiry_profile(arr: LegArrays) -> ExpiryProfile:
    """Exact profile of a single-expiry position (module docstring, "Single expiry")."""
    strikes = np.unique(arr.strike[~np.isnan(arr.strike)])
    nodes = np.concatenate(([0.0], strikes[strikes > 0]))
    pnl = (arr.units[:, None] * (arr.intrinsic(nodes) - arr.entry_price[:, None])).sum(axis=0)
    tol = _ZERO_REL * _dollar_scale(arr)
    pnl = np.where(np.abs(pnl) <= tol, 0.0, pnl)
    slope = float(np.sum(arr.units[arr.is_call | arr.is_stock]))
    ranges: list[tuple[float, float | None]] = []
    for i in range(nodes.size - 1):
        x0, x1, a, b = float(nodes[i]), float(nodes[i + 1]), float(pnl[i]), float(pnl[i + 1])
        if a > 0 and b > 0:
            ranges.append((x0, x1))
        elif a > 0 or b > 0:
            root = x0 + a / (a - b) * (x1 - x0)
            ranges.append((x0, root) if a > 0 else (root, x1))
    last, p_last = float(nodes[-1]), float(pnl[-1])
    if p_last > 0:
        ranges.append((last, None) if slope >= 0 else (last, last - p_last / slope))
    elif slope > 0:
        ranges.append((last - p_last / slope, None))
    merged = _merge(ranges)
    i_max, i_min = _arg_extreme(pnl, 1.0), _arg_extreme(pnl, -1.0)
    return ExpiryProfile(
        max_gain=None if slope > 0 else float(pnl[i_max]),
        max_gain_unlimited=slope > 0,
        max_gain_at=None if slope > 0 else float(nodes[i_max]),
        max_loss=None if slope < 0 else float(pnl[i_min]),
        max_loss_unlimited=slope < 0,
        max_loss_at=None if slope < 0 else float(nodes[i_min]),
        breakevens=_breakevens(merged),
        profitable_ranges=tuple(merged),
        slope_at_infinity=slope,
        method=METHOD_EXACT,
    )


def _refine(pnl_fn: PnlFn, s: FloatArray, p: FloatArray, sign: float) -> tuple[float, float]:
    """Best ``sign * P`` over the grid, its interior local extrema refined by bounded Brent."""
    y = sign * p
    best_i = int(np.argmax(y))
    best_x, best_y = float(s[best_i]), float(y[best_i])
    interior = np.flatnonzero((y[1:-1] >= y[:-2]) & (y[1:-1] >= y[2:])) + 1
    # Plateaus make many equal "extrema"; the few highest are where the optimum can be.
    for i in interior[np.argsort(-y[interior])][:8]:

        def objective(x: float) -> float:
            return -sign * float(pnl_fn(np.array([x]))[0])

        res = minimize_scalar(
            objective, bounds=(float(s[i - 1]), float(s[i + 1])), method="bounded",
            options={"xatol": 1e-9 * float(s[-1])},
        )  # fmt: skip
        if -float(res.fun) > best_y:
            best_x, best_y = float(res.x), -float(res.fun)
    return (0.0 if best_x == float(s[0]) else best_x), sign * best_y


def numeric_expiry_profile(
    pnl_fn: PnlFn, strikes: FloatArray, slope_at_infinity: float, dollar_scale: float
) -> ExpiryProfile:
    """Numeric profile of a multi-expiry position (module docstring, "Several expiries").

    ``pnl_fn`` gives the P&L at first expiry for an array of prices; ``dollar_scale`` sets the
    zero tolerance (``1e-9`` of it) for the slope and for what counts as a profit.
    """
    k_max = float(np.max(strikes))
    lo = 1e-6 * float(np.min(strikes))
    far = _FAR_FACTOR * k_max
    s = np.unique(np.concatenate((np.linspace(lo, _SPAN_FACTOR * k_max, _GRID_POINTS), strikes,
                                  [far])))  # fmt: skip
    p = pnl_fn(s)
    tol = _ZERO_REL * dollar_scale
    p = np.where(np.abs(p) <= tol, 0.0, p)
    slope = 0.0 if abs(slope_at_infinity) * k_max <= tol else slope_at_infinity
    gain_x, gain = _refine(pnl_fn, s, p, 1.0)
    loss_x, loss = _refine(pnl_fn, s, p, -1.0)

    def scalar(x: float) -> float:
        return float(pnl_fn(np.array([x]))[0])

    roots: list[float] = []
    pos = p > 0
    for i in np.flatnonzero(pos[1:] != pos[:-1]):
        a, b = float(s[i]), float(s[i + 1])
        if p[i] == 0.0 or p[i + 1] == 0.0:  # a node exactly on zero is the breakeven
            roots.append(a if p[i] == 0.0 else b)
        else:
            roots.append(float(brentq(scalar, a, b, xtol=1e-12 * k_max, rtol=1e-14)))
    edges = [lo, *roots, math.inf]
    ranges: list[tuple[float, float | None]] = []
    for a, b in itertools.pairwise(edges):
        mid = 0.5 * (a + b) if math.isfinite(b) else far
        if scalar(mid) > tol:
            ranges.append((0.0 if a == lo else a, None if not math.isfinite(b) else b))
    merged = _merge(ranges)
    return ExpiryProfile(
        max_gain=None if slope > 0 else gain,
        max_gain_unlimited=slope > 0,
        max_gain_at=None if slope > 0 else gain_x,
        max_loss=None if slope < 0 else loss,
        max_loss_unlimited=slope < 0,
        max_loss_at=None if slope < 0 else loss_x,
        breakevens=_breakevens(merged),
        profitable_ranges=tuple(merged),
        slope_at_infinity=slope,
        method=METHOD_NUMERIC,
    )
