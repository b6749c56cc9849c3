"""Implied volatility of American options: the vol at which the Bjerksund-Stensland (2002) price
(:mod:`aicoach.options.core.bjerksund`) equals the quote, for a whole chain at once.

For each option (per share; ``r``, ``q`` continuous annual decimals, ``t_years`` ACT/365) the
American price ``A(sigma)`` rises from its riskless value ``A(0) = max_u (S e^{-qu} -
K e^{-ru}, 0)`` (calls; puts mirrored, see ``zero_vol_value``), which is at least intrinsic, towards
the bound ``S`` (call) or ``K`` (put). So a quote ``P`` has an implied vol exactly when::

    max(intrinsic, A(0)) < P < upper bound

and the reasons are those of :class:`aicoach.options.core.iv.IVFailure`: ``below-intrinsic``
(under that floor), ``no-time-value`` (at it, within ``32 eps max(S, K)``: any low vol fits),
``above-upper-bound``, ``not-converged`` (above ``A(16)``, a vol over 1600 %), ``invalid-input``.

Method, per option (a scalar Numba kernel, so each contract stops as soon as it is solved):

1. Start from the European IV of the same quote (:func:`aicoach.options.core.iv.implied_vol`):
   ``A >= BSM`` at every vol, so it is an upper bracket ``hi`` whenever it exists; else ``hi =
   1`` doubled until ``A(hi) > P``. The lower bracket is ``sigma = 0`` with ``A(0) - P < 0``.
2. One Newton step with the European vega at ``hi`` (the early-exercise premium changes little
   with vol), then secant steps on ``A(sigma) - P``; any step leaving ``[lo, hi]`` is replaced
   by bisection, so the bracket always holds the root.
3. Stop once ``|A(sigma) - P| <= 1e-13 max(P, 1)``, or once the next secant step would move
   ``sigma`` by less than ``1e-12 sigma`` (the step is the error's size), or the bracket is below
   ``1e-13 sigma`` (then ``|A - P| <= 1e-9 max(P, 1)`` is required); typically 3-5 evaluations
   of ``A``. A quote whose price does not move with vol (deep in the money, vega ~1e-12) can
   exhaust the 60 evaluations: ``not-converged``.

Where early exercise cannot pay (calls with ``q <= 0``, puts with ``r <= 0``) the American price is
the European one and the European solver's answer is returned as is.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np

from aicoach.options.core.american import AmericanGreeks
from aicoach.options.core.bjerksund import (
    american_value,
    bjerksund_stensland_greeks,
    bjerksund_stensland_price,
    exercise_can_pay,
    jit,
    zero_vol_value,
)
from aicoach.options.core.iv import IVFailure, IVResult, implied_vol
from aicoach.options.core.pricing import (
    BoolLike,
    FloatArray,
    FloatLike,
    as_float_arrays,
    bsm_greeks,
)

_OK, _INVALID, _NO_TIME, _BELOW, _ABOVE, _NOT_CONVERGED = range(6)
assert [IVFailure(x) for x in ("ok", "invalid-input", "no-time-value", "below-intrinsic",
        "above-upper-bound", "not-converged")] == list(IVFailure)  # fmt: skip
_REASONS = np.array(list(IVFailure), dtype=object)
_MAX_VOL: Final = 16.0
_MAX_EVALS: Final = 60
_TOL: Final = 1e-13
_STEP_TOL: Final = 1e-12
_NOISE: Final = 32.0 * float(np.finfo(np.float64).eps)


@jit
def _solve_one(is_call: bool, p: float, s: float, k: float, t: float, r: float, q: float,
               guess: float, guess_vega: float) -> tuple[float, int, int, float]:  # fmt: skip
    """``(iv, reason code, evaluations, A(iv))`` of one American quote (module docstring)."""
    intrinsic = max(s - k, 0.0) if is_call else max(k - s, 0.0)
    upper = s if is_call else k
    floor = max(intrinsic, zero_vol_value(is_call, s, k, t, r, q))
    noise = _NOISE * max(s, k)
    if p >= upper:
        return math.nan, _ABOVE, 0, math.nan
    if p < floor - noise:
        return math.nan, _BELOW, 0, math.nan
    if p <= floor + noise:
        return math.nan, _NO_TIME, 0, math.nan
    tol = _TOL * max(p, 1.0)
    lo, f_lo = 0.0, floor - p
    hi = guess if guess > 0.0 and math.isfinite(guess) else 1.0
    f_hi = american_value(is_call, s, k, t, r, q, hi, 2002) - p
    evals = 1
    while f_hi < 0.0:  # no usable European guess (or A below it): walk up
        if hi >= _MAX_VOL:
            return math.nan, _NOT_CONVERGED, evals, math.nan
        lo, f_lo = hi, f_hi
        hi = min(2.0 * hi, _MAX_VOL)
        f_hi = american_value(is_call, s, k, t, r, q, hi, 2002) - p
        evals += 1
    if f_hi <= tol:
        return hi, _OK, evals, f_hi + p
    x_prev, f_prev = hi, f_hi
    if guess_vega > 0.0 and hi == guess:
        x = hi - f_hi / guess_vega  # Newton with the European vega
    else:
        x = hi - f_hi * (hi - lo) / (f_hi - f_lo)
    while evals < _MAX_EVALS:
        if not (lo < x < hi):
            x = 0.5 * (lo + hi)
        f = american_value(is_call, s, k, t, r, q, x, 2002) - p
        evals += 1
        if f < 0.0:
            lo, f_lo = x, f
        else:
            hi, f_hi = x, f
        if abs(f) <= tol:
            return x, _OK, evals, f + p
        if hi - lo <= _TOL * hi:  # the bracket closed on a root, or on a jump of A
            return (x, _OK, evals, f + p) if abs(f) <= 1e-9 * max(p, 1.0) else (
                math.nan, _NOT_CONVERGED, evals, math.nan)  # fmt: skip
        slope = (f - f_prev) / (x - x_prev)
        x_prev, f_prev = x, f
        if slope > 0.0:
            step = f / slope
            # Superlinear convergence: x is within about one step of the root. A step under
            # 1e-12 x leaves x itself within ~1e-12 (relative) of it: done, without the
            # confirming evaluation.
            if abs(step) <= _STEP_TOL * x and lo < x - step < hi:
                return x, _OK, evals, f + p
            x = x - step
        else:
            x = 0.5 * (lo + hi)
    return math.nan, _NOT_CONVERGED, evals, math.nan


@jit
def _solve_kernel(is_call: Any, p: Any, s: Any, k: Any, t: Any, r: Any, q: Any, guess: Any,
                  vega: Any, iv: Any, code: Any, evals: Any, value: Any) -> None:  # fmt: skip
    for i in range(p.shape[0]):
        out = _solve_one(is_call[i], p[i], s[i], k[i], t[i], r[i], q[i], guess[i], vega[i])
        iv[i], code[i], evals[i], value[i] = out


def _solve(is_call: BoolLike, price: FloatLike, s: FloatLike, k: FloatLike, t_years: FloatLike,
           r: FloatLike, q: FloatLike) -> tuple[IVResult, FloatArray]:  # fmt: skip
    """The IV result and ``A(iv)`` per element (NaN where there is no American solve)."""
    arrays = as_float_arrays(np.asarray(is_call, dtype=np.float64), price, s, k, t_years, r, q)
    shape = arrays[0].shape
    c, p, s_a, k_a, t_a, r_a, q_a = (np.ascontiguousarray(a, dtype=np.float64).ravel()
                                     for a in arrays)  # fmt: skip
    calls = c > 0
    euro = implied_vol(calls, p, s_a, k_a, t_a, r_a, q_a)  # also the invalid / expired checks
    iv = euro.iv.ravel().copy()
    reason = euro.reason.ravel().copy()
    value = np.full(p.shape, np.nan)
    with np.errstate(invalid="ignore"):
        american = exercise_can_pay(calls, r_a, q_a) & (t_a > 0)
    american &= reason != IVFailure.INVALID_INPUT
    idx = np.flatnonzero(american)
    iterations = euro.iterations
    if idx.size:
        guess = np.where(euro.ok.ravel()[idx], iv[idx], np.nan)
        with np.errstate(invalid="ignore"):
            vega = bsm_greeks(calls[idx], s_a[idx], k_a[idx], t_a[idx], r_a[idx], q_a[idx],
                              np.nan_to_num(guess, nan=0.2)).vega_per_vol_point * 100.0  # fmt: skip
        out_iv, out_code = np.empty(idx.size), np.empty(idx.size, dtype=np.int64)
        out_evals, out_value = np.empty(idx.size, dtype=np.int64), np.empty(idx.size)
        cont = np.ascontiguousarray
        _solve_kernel(cont(calls[idx]), cont(p[idx]), cont(s_a[idx]), cont(k_a[idx]),
                      cont(t_a[idx]), cont(r_a[idx]), cont(q_a[idx]), cont(guess), cont(vega),
                      out_iv, out_code, out_evals, out_value)  # fmt: skip
        iv[idx] = out_iv
        reason[idx] = _REASONS[out_code]
        value[idx] = out_value
        iterations = max(iterations, int(out_evals.max()))
    ok = reason == IVFailure.OK
    iv = np.where(ok, iv, np.nan)
    result = IVResult(iv=iv.reshape(shape), ok=ok.reshape(shape), reason=reason.reshape(shape),
                      iterations=iterations)  # fmt: skip
    return result, value.reshape(shape)


def american_implied_vol(is_call: BoolLike, price: FloatLike, s: FloatLike, k: FloatLike,
                         t_years: FloatLike, r: FloatLike, q: FloatLike) -> IVResult:  # fmt: skip
    """Implied vols (annual decimal) of American quotes under the 2002 formula; inputs broadcast.

    ``iterations`` is the largest number of price evaluations any element needed. Reasons and
    method in the module docstring; ``iv`` is NaN exactly where ``ok`` is false.
    """
    return _solve(is_call, price, s, k, t_years, r, q)[0]


def american_iv_and_greeks(is_call: BoolLike, price: FloatLike, s: FloatLike, k: FloatLike,
                           t_years: FloatLike, r: FloatLike, q: FloatLike
                           ) -> tuple[IVResult, AmericanGreeks]:  # fmt: skip
    """:func:`american_implied_vol` and the Greeks at those vols (NaN where there is none) in
    one pass: the solve's last price evaluation is the Greeks' base point."""
    result, value = _solve(is_call, price, s, k, t_years, r, q)
    greeks = bjerksund_stensland_greeks(is_call, s, k, t_years, r, q, result.iv, known_price=value)
    return result, greeks


def warm_up() -> None:
    """Compile (or load from Numba's disk cache) every American closed-form kernel: call it at
    start-up, so that no trader's first chain pays the compilation."""
    american_iv_and_greeks([True, False], [6.0, 6.0], 100.0, 100.0, 0.25, 0.04, 0.01)
    bjerksund_stensland_greeks(False, 100.0, 100.0, 0.25, 0.04, 0.01, 0.3)
    bjerksund_stensland_price(False, 100.0, 100.0, 0.25, 0.04, 0.01, 0.3)
