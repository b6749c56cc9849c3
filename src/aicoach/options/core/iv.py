"""Implied volatility of a whole chain at once (Black-Scholes-Merton, European exercise).

Method (after Jäckel, "Let's Be Rational", 2015, sections 2-4, simplified):

1. Normalise. With ``F = S e^{(r-q)T}``, ``x = ln(F/K)`` and the undiscounted price divided by
   ``sqrt(F K)``, a call is ``b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2)`` in the
   total standard deviation ``s = sigma sqrt(T)``; a put at ``x`` is a call at ``-x``.
2. Go out of the money. An in-the-money price minus its normalised intrinsic
   ``|e^{x/2} - e^{-x/2}|`` is (put-call parity) the out-of-the-money price at ``x0 = -|x|``, so
   every solve is an OTM call whose value is pure time value: no cancellation against intrinsic.
3. Split at the inflection point ``s_c = sqrt(2|x0|)`` of ``b(s)`` and pick per element an
   objective that is nearly linear in ``s`` so Halley's method converges in a few steps:

   * low  ``beta < b(s_c)``:           ``1 / sqrt(-ln b(s))``       (``-ln b ~ x^2 / 2s^2``)
   * mid  ``beta <= b_max / 2``:       ``b(s)``                     (concave on ``[s_c, inf)``)
   * high ``beta > b_max / 2``:        ``sqrt(-ln(b_max - b(s)))``  (``b_max - b ~ e^{-s^2/8}``)

   with ``b_max = e^{x0/2}``; ``b_max - b`` is evaluated directly as
   ``e^{x0/2} N(-d1) + e^{-x0/2} N(d2)``, never as a difference.
4. Safeguard. Every iterate keeps a bracket ``[lo, hi]`` that holds the root; a step that leaves
   it (or is not finite) is replaced by bisection, so the solve cannot diverge.

Iteration stops after a Halley step smaller than ``1e-4 s`` (cubic convergence: the result is then
within ~1e-12 s of the root), or once a step or the bracket is below ``1e-12 s``. Every element ends
with a reason; ``iv`` is NaN exactly where ``ok`` is false.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from aicoach.options.core.pricing import BoolArray, BoolLike, FloatArray, FloatLike, as_float_arrays

_INV_SQRT_2PI = 0.3989422804014327
_MAX_ITERATIONS = 100
_REL_STEP_TOL = 1e-12  # bisection or tiny steps: the bracket pins s to 1e-12 (relative)
# A Halley step of relative size e leaves an error ~ c e^3 with c of order 1 for these near-linear
# objectives: stopping after a step <= 1e-4 leaves ~1e-12 relative in s (the round-trip tests
# measure <= 1e-11 absolute in vol over the whole domain), saving the confirming round.
_HALLEY_STEP_TOL = 1e-4

ObjectArray: TypeAlias = npt.NDArray[np.object_]


class IVFailure(StrEnum):
    """Why an implied volatility was (not) found."""

    OK = "ok"
    INVALID_INPUT = "invalid-input"  # non-finite, S <= 0, K <= 0, T < 0 or price < 0
    NO_TIME_VALUE = "no-time-value"  # T == 0, or the price equals intrinsic: any vol fits
    BELOW_INTRINSIC = "below-intrinsic"  # below the discounted forward intrinsic: no vol fits
    ABOVE_UPPER_BOUND = "above-upper-bound"  # at/above S e^{-qT} (call) or K e^{-rT} (put)
    NOT_CONVERGED = "not-converged"


_REASONS: ObjectArray = np.array(list(IVFailure), dtype=object)
_CODE = {reason: i for i, reason in enumerate(IVFailure)}


@dataclass(frozen=True, slots=True)
class IVResult:
    """Implied vols (annual, decimal) with a reason per element; ``iv`` is NaN where not ``ok``."""

    iv: FloatArray
    ok: BoolArray
    reason: ObjectArray  # IVFailure members, same shape as ``iv``
    iterations: int  # Newton/bisection rounds the slowest element needed

    def count(self, reason: IVFailure) -> int:
        """How many elements ended with ``reason``."""
        return int(np.count_nonzero(self.reason == reason))


def _otm_call(
    x0: FloatArray, s: FloatArray, up: FloatArray, down: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Normalised OTM call ``b``, ``b'``, ``b''`` in ``s``, and ``d1``.

    ``up = e^{x0/2}``, ``down = e^{-x0/2}``; ``b' = e^{x0/2} n(d1)`` and
    ``b'' = b' (x0^2 / s^3 - s / 4)``. The gap to the bound is :func:`_gap` (one more ``ndtr``,
    only needed on the high branch).
    """
    d1 = x0 / s + 0.5 * s
    b = up * ndtr(d1)
    b -= down * ndtr(d1 - s)
    np.maximum(b, 0.0, out=b)
    vega = d1 * d1
    vega *= -0.5
    np.exp(vega, out=vega)
    vega *= up * _INV_SQRT_2PI
    volga = x0 * x0 / (s * s * s) - 0.25 * s
    volga *= vega
    return b, vega, volga, d1


def _gap(d1: FloatArray, s: FloatArray, up: FloatArray, down: FloatArray) -> FloatArray:
    """``b_max - b = e^{x0/2} N(-d1) + e^{-x0/2} N(d2)``, free of the difference's cancellation."""
    gap: FloatArray = up * ndtr(-d1)
    gap += down * ndtr(d1 - s)
    return gap


def _low_branch_guess(x0: FloatArray, beta: FloatArray, s_c: FloatArray, b_c: FloatArray,
                      vega_c: FloatArray) -> FloatArray:  # fmt: skip
    """Initial ``s`` for ``beta < b(s_c)``.

    Far below the inflection point the Mills-ratio asymptote ``b ~ n(x/s) s^3 / x^2`` holds, i.e.
    ``-ln b = x^2/(2 s^2) - 3 ln s + 2 ln|x| + ln sqrt(2 pi)``: solved for ``w = -2 ln s`` by a few
    Newton steps (convex in ``w``). Nearer to ``s_c`` a cubic Hermite interpolation of the inverse
    of ``h(s) = 1/sqrt(-ln b)`` between ``h(0) = 0`` (slope ``|x|/sqrt 2``) and ``h(s_c)`` is used.
    """
    ax = -x0
    neg_log_beta = -np.log(beta)
    const = 2.0 * np.log(ax) + 0.5 * np.log(2.0 * np.pi)
    w = np.log(2.0 * neg_log_beta / (ax * ax))
    for _ in range(4):
        e_w = 0.5 * ax * ax * np.exp(w)
        w = w - (e_w + 1.5 * w + const - neg_log_beta) / (e_w + 1.5)
    asymptotic = np.exp(-0.5 * w)
    neg_log_bc = -np.log(b_c)
    h_c = 1.0 / np.sqrt(neg_log_bc)
    dh_c = 0.5 * h_c / neg_log_bc * vega_c / b_c
    y = np.sqrt(1.0 / neg_log_beta) / h_c
    m0 = ax / np.sqrt(2.0) * h_c / s_c
    m1 = 1.0 / dh_c * h_c / s_c
    hermite = s_c * ((y**3 - 2 * y**2 + y) * m0 + (3 * y**2 - 2 * y**3) + (y**3 - y**2) * m1)
    guess = np.where(asymptotic < 0.3 * s_c, asymptotic, hermite)
    return np.where((guess > 0) & (guess < s_c), guess, 0.5 * s_c)


def _solve(x0: FloatArray, beta: FloatArray) -> tuple[FloatArray, BoolArray, int]:
    """Total std-dev ``s`` with ``b(x0, s) = beta``; OTM calls: ``x0 <= 0``, ``0 < beta < b_max``.

    Halley steps (cubic convergence) on the branch objective, inside the bracket. Each branch's
    objective and initial guess is evaluated on that branch's elements only.
    """
    n = x0.shape[0]
    up = np.exp(0.5 * x0)
    down = 1.0 / up
    s_c = np.sqrt(-2.0 * x0)
    b_max = up
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        # At the inflection point d1 = x0/s_c + s_c/2 = 0: N(d1) = 1/2 and n(d1) = 1/sqrt(2 pi)
        # (at the money s_c = 0 and this is b_c = 0, as it must be).
        b_c = 0.5 * up - down * ndtr(-s_c)
        low = beta < b_c
        high = ~low & (beta > 0.5 * b_max)
        target = beta.copy()
        lo = s_c.copy()
        hi = np.full(n, np.inf)
        s = np.empty(n)
        li, hgi = np.flatnonzero(low), np.flatnonzero(high)
        upper = np.flatnonzero(~low)
        if li.size:
            target[li] = 1.0 / np.sqrt(-np.log(beta[li]))
            lo[li], hi[li] = 0.0, s_c[li]
            vega_c = up[li] * _INV_SQRT_2PI
            s[li] = _low_branch_guess(x0[li], beta[li], s_c[li], b_c[li], vega_c)
        if hgi.size:
            target[hgi] = np.sqrt(-np.log(b_max[hgi] - beta[hgi]))
        if upper.size:
            # Above it, the at-the-money inversion b_max - b = 2 N(-s/2) with the gap shared by
            # both terms of b_max - b = e^{x0/2} N(-d1) + e^{-x0/2} N(d2) lands near the root.
            ratio = (b_max[upper] - beta[upper]) / (up[upper] + down[upper])
            s[upper] = np.maximum(s_c[upper], -2.0 * ndtri(ratio))
        s = np.where(s > 0, s, np.sqrt(2.0 * np.pi) * beta)
    out = s.copy()
    done = np.zeros(n, dtype=bool)
    active = np.arange(n)
    iterations = 0
    while active.size and iterations < _MAX_ITERATIONS:
        iterations += 1
        sa, lo_a, hi_a = s[active], lo[active], hi[active]
        up_a = up[active]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            b, d_b, dd_b, d1 = _otm_call(x0[active], sa, up_a, down[active])
            # Mid branch: the price itself. The other two overwrite their own elements below, in
            # place: the branches are disjoint and each reads its inputs before writing.
            value, slope, curve = b - target[active], d_b, dd_b
            la = np.flatnonzero(low[active])
            if la.size:  # h = L^{-1/2}, L = -ln b
                bl = b[la]
                big_l = -np.log(bl)
                dl = -d_b[la] / bl
                ddl = -dd_b[la] / bl + dl * dl
                h = 1.0 / np.sqrt(big_l)
                dh = -0.5 * h / big_l * dl
                value[la] = h - target[active[la]]
                slope[la] = dh
                curve[la] = 0.75 * h / (big_l * big_l) * dl * dl - 0.5 * h / big_l * ddl
            ha = np.flatnonzero(high[active])
            if ha.size:  # g = M^{1/2}, M = -ln(b_max - b)
                gap = _gap(d1[ha], sa[ha], up_a[ha], down[active[ha]])
                big_m = -np.log(gap)
                dm = d_b[ha] / gap
                ddm = dd_b[ha] / gap + dm * dm
                g = np.sqrt(big_m)
                value[ha] = g - target[active[ha]]
                slope[ha] = 0.5 * dm / g
                curve[ha] = 0.5 * ddm / g - 0.25 * dm * dm / (g * big_m)
            below = value < 0
            lo_a = np.where(below, np.maximum(lo_a, sa), lo_a)
            hi_a = np.where(below, hi_a, np.minimum(hi_a, sa))
            newton = value / slope
            halley_den = 1.0 - 0.5 * newton * curve / slope
            # Halley where its correction is tame; plain Newton otherwise.
            step = np.where(halley_den > 0.5, newton / halley_den, newton)
            candidate = sa - step
            bisect = np.where(np.isfinite(hi_a), 0.5 * (lo_a + hi_a), 2.0 * np.maximum(sa, lo_a))
            ok_step = np.isfinite(candidate) & (candidate >= lo_a) & (candidate <= hi_a)
            nxt = np.where(ok_step, candidate, bisect)
            moved = np.abs(nxt - sa)
            finished = (ok_step & (moved <= _HALLEY_STEP_TOL * nxt)) | (value == 0)
            finished |= (moved <= _REL_STEP_TOL * nxt) | (hi_a - lo_a <= _REL_STEP_TOL * nxt)
        s[active], lo[active], hi[active] = nxt, lo_a, hi_a
        finished_idx = active[finished]
        out[finished_idx] = nxt[finished]
        done[finished_idx] = True
        active = active[~finished]
    return out, done, iterations


def implied_vol(
    is_call: BoolLike,
    price: FloatLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
) -> IVResult:
    """BSM implied volatility (annual, decimal) of European option prices; inputs broadcast.

    ``price`` is per share, in the currency of ``s``/``k``; ``r``, ``q`` continuous annual rates;
    ``t_years`` ACT/365. See the module docstring for the method and :class:`IVFailure` for the
    reasons an element can fail.
    """
    phi, p, s_a, k_a, t_a, r_a, q_a = (
        a.ravel() for a in as_float_arrays(np.where(np.asarray(is_call, dtype=bool), 1.0, -1.0),
                                            price, s, k, t_years, r, q)
    )  # fmt: skip
    shape = np.broadcast_shapes(*(np.shape(a) for a in (is_call, price, s, k, t_years, r, q)))
    code = np.full(p.shape, _CODE[IVFailure.NOT_CONVERGED], dtype=np.int8)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(p) & np.isfinite(s_a) & np.isfinite(k_a) & np.isfinite(t_a)
        finite &= np.isfinite(r_a) & np.isfinite(q_a)
        invalid = ~finite | (s_a <= 0) | (k_a <= 0) | (t_a < 0) | (p < 0)
    code[invalid] = _CODE[IVFailure.INVALID_INPUT]
    expired = ~invalid & (t_a == 0)
    code[expired] = _CODE[IVFailure.NO_TIME_VALUE]
    live = np.flatnonzero(~invalid & ~expired)

    iv = np.full(p.shape, np.nan)
    iterations = 0
    if live.size:
        ph, tl = phi[live], t_a[live]
        x = np.log(s_a[live] / k_a[live]) + (r_a[live] - q_a[live]) * tl
        # Undiscounted price over sqrt(F K) = K e^{x/2}: b = P e^{rT} / (K e^{x/2}).
        b = p[live] * np.exp(r_a[live] * tl) / (k_a[live] * np.exp(0.5 * x))
        intrinsic = np.maximum(ph * (np.exp(0.5 * x) - np.exp(-0.5 * x)), 0.0)
        b_max = np.exp(0.5 * ph * x)
        beta = b - intrinsic  # the out-of-the-money price at x0 = -|x| (put-call parity)
        x0 = -np.abs(x)
        sub = np.full(live.shape, _CODE[IVFailure.NOT_CONVERGED], dtype=np.int8)
        # In the money, the time value is a difference of terms of size S e^{-qT} and K e^{-rT}
        # (normalised: e^{x/2}, e^{-x/2}): one within a few ulps of them is rounding, not
        # information (any vol, or none, reproduces the price), so it counts as no time value.
        # Out of the money beta = b exactly and any positive price is solvable.
        scale = np.exp(0.5 * x) + np.exp(-0.5 * x)
        noise = 32.0 * np.finfo(np.float64).eps * np.where(intrinsic > 0, scale, 0.0)
        sub[beta < -noise] = _CODE[IVFailure.BELOW_INTRINSIC]
        sub[np.abs(beta) <= noise] = _CODE[IVFailure.NO_TIME_VALUE]
        sub[(beta > 0) & (b >= b_max)] = _CODE[IVFailure.ABOVE_UPPER_BOUND]
        solve = np.flatnonzero(sub == _CODE[IVFailure.NOT_CONVERGED])
        if solve.size:
            total_sd, converged, iterations = _solve(x0[solve], beta[solve])
            sub[solve[converged]] = _CODE[IVFailure.OK]
            vols = np.full(live.shape, np.nan)
            vols[solve[converged]] = total_sd[converged] / np.sqrt(tl[solve[converged]])
            iv[live] = vols
        code[live] = sub
    ok = code == _CODE[IVFailure.OK]
    return IVResult(
        iv=iv.reshape(shape),
        ok=ok.reshape(shape),
        reason=_REASONS[code].reshape(shape),
        iterations=iterations,
    )
