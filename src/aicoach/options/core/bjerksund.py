"""American options in closed form: the Bjerksund-Stensland (2002) approximation, vectorised.

Model: Black-Scholes-Merton dynamics (see :mod:`aicoach.options.core.pricing`; ``r``, ``q`` and
``sigma`` annual decimals, ``t_years`` ACT/365) with the right to exercise at any time. The
exercise boundary is approximated by a step function, flat at ``I2`` until ``t1`` and at ``I1``
(< ``I2``) from ``t1`` to expiry, and the value of that exercise strategy is summed in closed form
(Bjerksund & Stensland, "Closed form valuation of American options", 2002; Haug, *The Complete
Guide to Option Pricing Formulas*, 2nd ed., 3.1.3). For a call with cost of carry ``b = r - q``::

    t1 = (sqrt 5 - 1) / 2 * T                 s2 = sigma^2
    beta = (1/2 - b/s2) + sqrt((b/s2 - 1/2)^2 + 2 r/s2)
    B_inf = beta / (beta - 1) X               B_0 = max(X, r / (r - b) X)
    I(tau) = B_0 + (B_inf - B_0) (1 - e^{h(tau)}),
        h(tau) = -(b tau + 2 sigma sqrt(tau)) X^2 / ((B_inf - B_0) B_0)
    I1 = I(t1),  I2 = I(T),  alpha_j = (I_j - X) I_j^-beta
    C = alpha2 S^beta - alpha2 phi(S, t1, beta, I2, I2) + phi(S, t1, 1, I2, I2)
        - phi(S, t1, 1, I1, I2) - X phi(S, t1, 0, I2, I2) + X phi(S, t1, 0, I1, I2)
        + alpha1 phi(S, t1, beta, I1, I2) - alpha1 psi(S, T, beta, I1, I2, I1, t1)
        + psi(S, T, 1, I1, I2, I1, t1) - psi(S, T, 1, X, I2, I1, t1)
        - X psi(S, T, 0, I1, I2, I1, t1) + X psi(S, T, 0, X, I2, I1, t1)
    C = S - X  where S >= I2 (exercise now)

``phi`` is a one-barrier knock-out value (normal CDF ``N``), ``psi`` its two-period extension
(bivariate normal CDF ``M(a, b; r)``), with ``m = b + (gamma - 1/2) s2``::

    lambda = -r + gamma b + gamma (gamma - 1) s2 / 2       kappa = 2 b / s2 + 2 gamma - 1
    phi(S, t, gamma, H, I) = e^{lambda t} S^gamma [N(d) - (I/S)^kappa N(d - 2 ln(I/S) / sd)],
        d = -(ln(S/H) + m t) / sd,   sd = sigma sqrt(t)
    psi(S, T, gamma, H, I2, I1, t1) = e^{lambda T} S^gamma [M(-e1, -f1; rho)
        - (I2/S)^kappa M(-e2, -f2; rho) - (I1/S)^kappa M(-e3, -f3; -rho)
        + (I1/I2)^kappa M(-e4, -f4; -rho)],   rho = sqrt(t1 / T)
        e1, e3 = (ln(S/I1) +/- m t1) / (sigma sqrt t1),  e2, e4 = (ln(I2^2/(S I1)) +/- m t1) / (...)
        f1 = (ln(S/H) + m T) / (sigma sqrt T),     f2 = (ln(I2^2/(S H)) + m T) / (...)
        f3 = (ln(I1^2/(S H)) + m T) / (...),       f4 = (ln(S I1^2/(H I2^2)) + m T) / (...)

A put is the call of the put-call transformation (McDonald & Schroder, 1998)::

    P(S, K, T, r, q, sigma) = C(K, S, T, q, r, sigma)      (call spot K, strike S, rate q, yield r)

Where early exercise cannot pay (a call with ``q <= 0``, a put with ``r <= 0``; in call terms
``b >= r``) the American value is the European BSM price, labelled ``bsm-european`` as in
:mod:`aicoach.options.core.american`; with ``sigma sqrt(T) = 0`` it is the best riskless exercise
``max_{0 <= u <= T} (S e^{-qu} - K e^{-ru}, 0)`` (calls; puts mirrored); at ``T = 0`` intrinsic.
Prices are per share in the currency of ``S`` and ``K``. The value reported is ``max(C, European
BSM value, intrinsic)``: all three are lower bounds of the American price, and on short-dated
in-the-money options the flat boundary can exercise too early and fall below the European value
(a 7-day put 15 % in the money at 50 % vol: formula 15.000 = intrinsic, European 15.038). Where
``b tau + 2 sigma sqrt(tau) < 0`` (a strongly negative carry at a tiny vol, e.g. a 2-year put at
``r = 7 %``, ``sigma < 5 %``) the boundary falls below the strike and the formula does not apply:
the European value stands in.

Accuracy. The formula is an approximation: the exercise strategy it values is feasible but not
optimal, so it is a lower bound of the American price. Against a converged finite-difference
price it is within 1e-3 relative on most listed contracts; long-dated in-the-money puts, and
long-dated calls on high-dividend stocks, lose a few 1e-3 (see ``tests/options/test_bjerksund.py``
for the measured map). Where that matters (a position's few legs) use the finite-difference
model of :mod:`aicoach.options.core.american`; this one serves whole chains.

Numerics. ``N`` is ``erfc`` (relative accuracy ~1e-15 in both tails). ``M`` is Genz's (2004)
Gauss-Legendre form of Drezner & Wesolowsky's integral, ``M(h, k; r) = N(h) N(k) +
1/(2 pi) int_0^r exp(-(h^2 - 2 u h k + k^2) / (2 (1 - u^2))) / sqrt(1 - u^2) du`` in
``u = sin(theta)``; ``|rho| = 0.786`` is the same for every option, so the nodes and their
``1/(1 - u^2)`` factors are constants; 12 nodes keep ``|error| < 1e-15`` (measured against
mpmath). Each term's prefactor (``(I/S)^kappa``, ``e^{lambda T} S^gamma``, ``alpha``) is added to
the exponent in log form, so a huge power times a tiny probability never overflows, and a term
whose exponent is below -45 (under 3e-20 of a dollar) is skipped. The kernels are scalar Numba
code run once per contract (~1-2 microseconds per evaluation); without Numba the same functions
run as plain Python, slowly.

:func:`bjerksund_stensland_1993_price` is the earlier one-boundary formula, ``C = alpha S^beta -
alpha phi(S, T, beta, I, I) + phi(S, T, 1, I, I) - phi(S, T, 1, X, I) - X phi(S, T, 0, I, I) +
X phi(S, T, 0, X, I)`` with ``I = I(T)`` and ``h(T) = -(b T + 2 sigma sqrt T) B_0 / (B_inf - B_0)``:
floored at the European value, it is what QuantLib's ``BjerksundStenslandApproximationEngine``
computes (checked to 1e-10), so it links the shared machinery (``phi``, boundary, put-call
transformation) to an independent library.

Greeks (:func:`bjerksund_stensland_greeks`) are finite differences of the price, in the units of
:class:`aicoach.options.core.pricing.Greeks`: delta (per $1) and gamma (delta per $1) from a
central stencil ``S +/- h``, ``h = 0.001 S sigma sqrt(T)`` (exact where the value is linear in
``S``: delta 1, gamma 0 in the exercise region); theta per
calendar day as the change when one calendar day passes, ``V(T - 1 day) - V(T)`` (over the last
day: ``(intrinsic - V) / days left``), the convention of the finite-difference model; vega per
vol point, central +/- 0.01 vol points. An American option is worth at least as much with more
time, so its theta is never positive; it is 0 where the formula says exercise now.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

import numpy as np

from aicoach.options.core.american import AmericanGreeks, AmericanResult, ObjectArray, PricingModel
from aicoach.options.core.pricing import (
    DAYS_PER_YEAR,
    POINT,
    BoolArray,
    BoolLike,
    FloatArray,
    FloatLike,
    as_float_arrays,
    bsm_price_and_greeks,
    check_inputs,
)

F = TypeVar("F", bound=Callable[..., Any])

try:
    _numba: Any = importlib.import_module("numba")
except ImportError:  # pragma: no cover - numba is a dependency; the fallback is plain Python
    _numba = None


def jit(fn: F) -> F:
    """``numba.njit`` (cached on disk, GIL released) when Numba is importable, else ``fn``."""
    if _numba is None:  # pragma: no cover
        return fn
    try:
        return cast(F, _numba.njit(cache=True, nogil=True, error_model="numpy")(fn))
    except RuntimeError:  # pragma: no cover - no writable cache directory anywhere
        return cast(F, _numba.njit(cache=False, nogil=True, error_model="numpy")(fn))


T1_FRACTION: Final = 0.5 * (math.sqrt(5.0) - 1.0)
"""``t1 / T``: the golden-section split of the 2002 paper."""
RHO: Final = math.sqrt(T1_FRACTION)
"""Correlation of the two periods' Brownian paths, ``sqrt(t1 / T)`` (~0.786)."""
_SKIP: Final = -45.0  # log-magnitude under which a term is dropped (e^-45 ~ 3e-20 dollars)
_CLIP: Final = 700.0  # exp() argument cap: beyond it the inputs are meaningless anyway
_S_STEP_SD: Final = 1e-3
_VOL_STEP: Final = 1e-4

_x, _w = np.polynomial.legendre.leggauss(12)
_ASR = math.asin(RHO)
_SIN = np.sin(_ASR * (_x + 1.0) / 2.0)
# Node i contributes W_i exp(C_i h k - D_i (h^2 + k^2)/2) (C_i -> -C_i at -rho).
_GL_C: Final = _SIN / (1.0 - _SIN * _SIN)
_GL_D: Final = 1.0 / (1.0 - _SIN * _SIN)
_GL_W: Final = _w * _ASR / (4.0 * math.pi)
_GL_C_MAX: Final = float(_GL_C.max())
_SQRT1_2: Final = 1.0 / math.sqrt(2.0)
# exp(x) = 2^n e^r, |r| <= ln(2)/2: 2^n from this table (n in [-1100, 1023]), e^r by Taylor.
_POW2: Final = np.ldexp(1.0, np.arange(-1100, 1024))
_LN2_HI, _LN2_LO = 0.6931471805599453, 2.3190468138462996e-17
_INV_FACT: Final = tuple(1.0 / math.factorial(j) for j in range(13))


def _gl_sum(hk: float, hs: float, log_coef: float) -> float:
    """``sum_i W_i exp(log_coef + C_i hk - D_i hs)`` over the 12 nodes.

    The exponential is written out (range reduction, degree-12 Taylor, ``2^n`` from a table:
    relative error < 3e-16) so that the compiler vectorises the loop; a libm call per node
    costs 3.5x more, and these sums are most of the formula's time.
    """
    total = 0.0
    f = _INV_FACT
    for i in range(12):
        x = min(max(log_coef + hk * _GL_C[i] - hs * _GL_D[i], -_CLIP), _CLIP)
        n = math.floor(x * 1.4426950408889634 + 0.5)
        r = x - n * _LN2_HI - n * _LN2_LO
        p = f[11] + r * f[12]
        p = f[10] + r * p
        p = f[9] + r * p
        p = f[8] + r * p
        p = f[7] + r * p
        p = f[6] + r * p
        p = f[5] + r * p
        p = f[4] + r * p
        p = f[3] + r * p
        p = f[2] + r * p
        p = 1.0 + r * (1.0 + r * p)
        total += _GL_W[i] * p * _POW2[int(n) + 1100]
    return total


if _numba is not None:  # fastmath lets the node loop vectorise; nothing else needs it
    _gl_sum = _numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")(_gl_sum)


@jit
def _ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x * _SQRT1_2)


@jit
def _bvn(h: float, k: float, neg: bool, log_coef: float) -> float:
    """``exp(log_coef) M(h, k; -rho if neg else rho)``, dropping parts below ``e^_SKIP``."""
    if log_coef < _SKIP:
        return 0.0
    hk = -h * k if neg else h * k
    hs = 0.5 * (h * h + k * k)
    quad = 0.0
    if log_coef + max(hk, 0.0) * _GL_C_MAX - hs > _SKIP:  # D_i >= 1 bounds every node's exponent
        quad = _gl_sum(hk, hs, log_coef)
    base = 0.0
    # N(x) <= e^{-x^2/2} / 2 for x <= 0 bounds the product term before any erfc is spent.
    h_lo, k_lo = min(h, 0.0), min(k, 0.0)
    if log_coef - 0.5 * (h_lo * h_lo + k_lo * k_lo) > _SKIP:
        base = math.exp(min(log_coef, _CLIP)) * _ncdf(h) * _ncdf(k)
    return base - quad if neg else base + quad


@jit
def _phi(ls: float, lh: float, li: float, m: float, kap: float, log_coef: float, t: float,
         sd: float) -> float:  # fmt: skip
    """``exp(log_coef) [N(d) - (I/S)^kappa N(d - 2 ln(I/S)/sd)]`` (``log_coef`` holds
    ``lambda t + gamma ln S`` and the term's multiplier)."""
    d = -(ls - lh + m * t) / sd
    d2 = d - 2.0 * (li - ls) / sd
    lo = log_coef - 0.5 * min(d, 0.0) ** 2  # bounds of the log of each term (N(x) <= e^{-x^2/2})
    hi = log_coef + kap * (li - ls) - 0.5 * min(d2, 0.0) ** 2
    out = 0.0
    if lo > _SKIP:
        out += math.exp(min(log_coef, _CLIP)) * _ncdf(d)
    if hi > _SKIP:
        out -= math.exp(min(log_coef + kap * (li - ls), _CLIP)) * _ncdf(d2)
    return out


@jit
def _psi(ls: float, lh: float, l1: float, l2: float, m: float, kap: float, log_coef: float,
         t1: float, t: float, sd1: float, sd2: float) -> float:  # fmt: skip
    """``exp(log_coef) [M(-e1, -f1; rho) - (I2/S)^kappa M(-e2, -f2; rho) - ...]``."""
    a1, a2 = (ls - l1) / sd1, (2.0 * l2 - ls - l1) / sd1
    mt1 = m * t1 / sd1
    mt = m * t
    f1 = (ls - lh + mt) / sd2
    f2 = (2.0 * l2 - ls - lh + mt) / sd2
    f3 = (2.0 * l1 - ls - lh + mt) / sd2
    f4 = (ls + 2.0 * l1 - lh - 2.0 * l2 + mt) / sd2
    return (_bvn(-(a1 + mt1), -f1, False, log_coef)
            - _bvn(-(a2 + mt1), -f2, False, log_coef + kap * (l2 - ls))
            - _bvn(-(a1 - mt1), -f3, True, log_coef + kap * (l1 - ls))
            + _bvn(-(a2 - mt1), -f4, True, log_coef + kap * (l1 - l2)))  # fmt: skip


@jit
def _beta_b0_binf(x: float, r: float, b: float, s2: float) -> tuple[float, float, float]:
    bv = b / s2
    beta = (0.5 - bv) + math.sqrt((bv - 0.5) ** 2 + 2.0 * r / s2)
    return beta, max(x, r / (r - b) * x), beta / (beta - 1.0) * x


@jit
def call_2002(s: float, x: float, t: float, r: float, b: float, sigma: float) -> float:
    """The 2002 call (module docstring) for ``b < r``, ``t > 0``, ``sigma > 0``."""
    s2 = sigma * sigma
    t1 = T1_FRACTION * t
    sd1, sd2 = sigma * math.sqrt(t1), sigma * math.sqrt(t)
    beta, b0, b_inf = _beta_b0_binf(x, r, b, s2)
    span = b_inf - b0
    scale = x * x / (span * b0)
    i1 = b0 - span * math.expm1(-(b * t1 + 2.0 * sd1) * scale)
    i2 = b0 - span * math.expm1(-(b * t + 2.0 * sd2) * scale)
    if not (i1 > x and i2 > x):  # b tau + 2 sigma sqrt(tau) < 0: the boundary formula fails
        return 0.0
    if s >= i2:
        return s - x
    ls, lx, l1, l2 = math.log(s), math.log(x), math.log(i1), math.log(i2)
    a1 = math.log(i1 - x) + beta * (ls - l1)  # log(alpha1 S^beta)
    a2 = math.log(i2 - x) + beta * (ls - l2)
    lam_b, lam_1, lam_0 = -r + beta * b + 0.5 * beta * (beta - 1.0) * s2, b - r, -r
    m_b, m_1, m_0 = b + (beta - 0.5) * s2, b + 0.5 * s2, b - 0.5 * s2
    k0 = 2.0 * b / s2
    k_b, k_1, k_0 = k0 + 2.0 * beta - 1.0, k0 + 1.0, k0 - 1.0
    value = math.exp(min(a2, _CLIP))
    value += -_phi(ls, l2, l2, m_b, k_b, a2 + lam_b * t1, t1, sd1)
    value += _phi(ls, l2, l2, m_1, k_1, ls + lam_1 * t1, t1, sd1)
    value += -_phi(ls, l1, l2, m_1, k_1, ls + lam_1 * t1, t1, sd1)
    value += -_phi(ls, l2, l2, m_0, k_0, lx + lam_0 * t1, t1, sd1)
    value += _phi(ls, l1, l2, m_0, k_0, lx + lam_0 * t1, t1, sd1)
    value += _phi(ls, l1, l2, m_b, k_b, a1 + lam_b * t1, t1, sd1)
    value += -_psi(ls, l1, l1, l2, m_b, k_b, a1 + lam_b * t, t1, t, sd1, sd2)
    value += _psi(ls, l1, l1, l2, m_1, k_1, ls + lam_1 * t, t1, t, sd1, sd2)
    value += -_psi(ls, lx, l1, l2, m_1, k_1, ls + lam_1 * t, t1, t, sd1, sd2)
    value += -_psi(ls, l1, l1, l2, m_0, k_0, lx + lam_0 * t, t1, t, sd1, sd2)
    value += _psi(ls, lx, l1, l2, m_0, k_0, lx + lam_0 * t, t1, t, sd1, sd2)
    return value


@jit
def call_1993(s: float, x: float, t: float, r: float, b: float, sigma: float) -> float:
    """The 1993 one-boundary call (module docstring) for ``b < r``, ``t > 0``, ``sigma > 0``."""
    s2 = sigma * sigma
    sd = sigma * math.sqrt(t)
    beta, b0, b_inf = _beta_b0_binf(x, r, b, s2)
    span = b_inf - b0
    i = b0 - span * math.expm1(-(b * t + 2.0 * sd) * b0 / span)
    if not i > x:  # QuantLib refuses these ("not applicable"): the European floor decides
        return 0.0
    if s >= i:
        return s - x
    ls, lx, li = math.log(s), math.log(x), math.log(i)
    a = math.log(i - x) + beta * (ls - li)
    lam_b, lam_1, lam_0 = -r + beta * b + 0.5 * beta * (beta - 1.0) * s2, b - r, -r
    m_b, m_1, m_0 = b + (beta - 0.5) * s2, b + 0.5 * s2, b - 0.5 * s2
    k0 = 2.0 * b / s2
    k_b, k_1, k_0 = k0 + 2.0 * beta - 1.0, k0 + 1.0, k0 - 1.0
    value = math.exp(min(a, _CLIP))
    value += -_phi(ls, li, li, m_b, k_b, a + lam_b * t, t, sd)
    value += _phi(ls, li, li, m_1, k_1, ls + lam_1 * t, t, sd)
    value += -_phi(ls, lx, li, m_1, k_1, ls + lam_1 * t, t, sd)
    value += -_phi(ls, li, li, m_0, k_0, lx + lam_0 * t, t, sd)
    value += _phi(ls, lx, li, m_0, k_0, lx + lam_0 * t, t, sd)
    return value


@jit
def european_value(is_call: bool, s: float, k: float, t: float, r: float, q: float,
                   sigma: float) -> float:  # fmt: skip
    """Scalar BSM price for ``sigma sqrt(t) > 0`` (the formulas of :mod:`.pricing`)."""
    sd = sigma * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q) * t) / sd + 0.5 * sd
    s_dq, k_dr = s * math.exp(-q * t), k * math.exp(-r * t)
    if is_call:
        return max(s_dq * _ncdf(d1) - k_dr * _ncdf(d1 - sd), 0.0)
    return max(k_dr * _ncdf(sd - d1) - s_dq * _ncdf(-d1), 0.0)


@jit
def american_value(is_call: bool, s: float, k: float, t: float, r: float, q: float,
                   sigma: float, variant: int) -> float:  # fmt: skip
    """One American option whose early exercise can pay (``exercise_can_pay``), per share.

    ``variant`` 2002: the formula floored at the European value and at intrinsic (all three are
    lower bounds of the American price; on short-dated in-the-money options the flat boundary
    can exercise too early and fall under the European value). 1993: the formula floored at the
    European value, as QuantLib's engine does.
    """
    intrinsic = max(s - k, 0.0) if is_call else max(k - s, 0.0)
    if t <= 0.0:
        return intrinsic
    if sigma <= 0.0:
        return zero_vol_value(is_call, s, k, t, r, q)
    cs, cx, cr, cb = (s, k, r, r - q) if is_call else (k, s, q, q - r)
    euro = european_value(is_call, s, k, t, r, q, sigma)
    if variant == 1993:
        return max(call_1993(cs, cx, t, cr, cb, sigma), euro)
    return max(call_2002(cs, cx, t, cr, cb, sigma), euro, intrinsic)


@jit
def zero_vol_value(is_call: bool, s: float, k: float, t: float, r: float, q: float) -> float:
    """``max_{0 <= u <= T} (S e^{-qu} - X e^{-ru}, 0)`` in call terms: the riskless path's best
    exercise (``u* = ln(q S / (r X)) / (q - r)`` where the derivative vanishes)."""
    cs, cx, cr, cq = (s, k, r, q) if is_call else (k, s, q, r)
    best = max(cs - cx, cs * math.exp(-cq * t) - cx * math.exp(-cr * t), 0.0)
    if cq > 0.0 and cr > 0.0 and cq != cr:
        u = math.log(cq * cs / (cr * cx)) / (cq - cr)
        if 0.0 < u < t:
            best = max(best, cs * math.exp(-cq * u) - cx * math.exp(-cr * u))
    return best


def riskless_value(is_call: BoolLike, s: FloatLike, k: FloatLike, t_years: FloatLike,
                   r: FloatLike, q: FloatLike) -> FloatArray:  # fmt: skip
    """Vectorised :func:`zero_vol_value`: the American value at zero volatility, per share; a
    quote below it (or below intrinsic, which it includes) has no implied volatility."""
    c, s_a, k_a, t_a, r_a, q_a = as_float_arrays(np.asarray(is_call, dtype=np.float64), s, k,
                                                 t_years, r, q)  # fmt: skip
    call = c > 0
    cs, cx = np.where(call, s_a, k_a), np.where(call, k_a, s_a)
    cr, cq = np.where(call, r_a, q_a), np.where(call, q_a, r_a)
    best = np.maximum(np.maximum(cs - cx, cs * np.exp(-cq * t_a) - cx * np.exp(-cr * t_a)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log(cq * cs / (cr * cx)) / (cq - cr)
    inside = (cq > 0) & (cr > 0) & (cq != cr) & (u > 0) & (u < t_a)
    u = np.where(inside, u, 0.0)
    out: FloatArray = np.maximum(best, np.where(inside, cs * np.exp(-cq * u) - cx * np.exp(-cr * u),
                                                0.0))  # fmt: skip
    return out


@jit
def _price_kernel(is_call: Any, s: Any, k: Any, t: Any, r: Any, q: Any, sigma: Any,
                  variant: int, out: Any) -> None:  # fmt: skip
    for i in range(out.shape[0]):
        out[i] = american_value(is_call[i], s[i], k[i], t[i], r[i], q[i], sigma[i], variant)


@jit
def _greeks_kernel(is_call: Any, s: Any, k: Any, t: Any, r: Any, q: Any, sigma: Any,
                   known: Any, out: Any) -> None:  # fmt: skip
    """``out[:, i]`` = price, delta, gamma, theta per day, vega per point (module docstring);
    ``known[i]``, when not NaN, is the price already computed at these inputs."""
    for i in range(s.shape[0]):
        c, si, ki, ti, ri, qi, vi = is_call[i], s[i], k[i], t[i], r[i], q[i], sigma[i]
        v0 = known[i]
        if math.isnan(v0):  # not known
            v0 = american_value(c, si, ki, ti, ri, qi, vi, 2002)
        h = si * _S_STEP_SD * max(vi * math.sqrt(ti), 1e-4)
        up = american_value(c, si + h, ki, ti, ri, qi, vi, 2002)
        dn = american_value(c, si - h, ki, ti, ri, qi, vi, 2002)
        day = min(1.0 / DAYS_PER_YEAR, ti)
        later = american_value(c, si, ki, ti - day, ri, qi, vi, 2002)
        dv = min(_VOL_STEP, 0.5 * vi)
        hi = american_value(c, si, ki, ti, ri, qi, vi + dv, 2002)
        lo = american_value(c, si, ki, ti, ri, qi, vi - dv, 2002)
        out[0, i] = v0
        out[1, i] = (up - dn) / (2.0 * h)
        out[2, i] = (up - 2.0 * v0 + dn) / (h * h)
        out[3, i] = (later - v0) / (day * DAYS_PER_YEAR) if day > 0.0 else 0.0
        out[4, i] = (hi - lo) / (2.0 * dv) / POINT if dv > 0.0 else 0.0


@dataclass(frozen=True, slots=True)
class _Batch:
    is_call: BoolArray
    s: FloatArray
    k: FloatArray
    t: FloatArray
    r: FloatArray
    q: FloatArray
    sigma: FloatArray
    american: BoolArray  # priced by the formula: early exercise can pay, time and vol left
    shape: tuple[int, ...]

    def take(self, idx: Any) -> tuple[Any, Any, Any, Any, Any, Any, Any]:
        c = np.ascontiguousarray
        return (c(self.is_call[idx]), c(self.s[idx]), c(self.k[idx]), c(self.t[idx]),
                c(self.r[idx]), c(self.q[idx]), c(self.sigma[idx]))  # fmt: skip


def exercise_can_pay(is_call: BoolLike, r: FloatLike, q: FloatLike) -> BoolArray:
    """Where an American option can be worth more than its European twin: puts with ``r > 0``,
    calls with ``q > 0`` (in call terms ``b < r``)."""
    out: BoolArray = np.where(np.asarray(is_call, dtype=bool), np.asarray(q) > 0,
                              np.asarray(r) > 0)  # fmt: skip
    return out


def _batch(is_call: BoolLike, s: FloatLike, k: FloatLike, t_years: FloatLike, r: FloatLike,
           q: FloatLike, sigma: FloatLike) -> _Batch:  # fmt: skip
    arrays = as_float_arrays(np.asarray(is_call, dtype=np.float64), s, k, t_years, r, q, sigma)
    shape = arrays[0].shape
    c, s_a, k_a, t_a, r_a, q_a, v_a = (np.ascontiguousarray(a, dtype=np.float64).ravel()
                                       for a in arrays)  # fmt: skip
    check_inputs(s_a, k_a, t_a, v_a)
    calls = c > 0
    with np.errstate(invalid="ignore"):
        american = exercise_can_pay(calls, r_a, q_a) & (t_a > 0) & np.isfinite(v_a)
        american &= np.isfinite(s_a + k_a + t_a + r_a + q_a)
    return _Batch(calls, s_a, k_a, t_a, r_a, q_a, v_a, american, shape)


def models_of(american: BoolArray) -> ObjectArray:
    """``bjerksund-stensland-2002`` where the formula priced, ``bsm-european`` elsewhere."""
    out: ObjectArray = np.where(american, PricingModel.BS2002_AMERICAN,
                                PricingModel.BSM_EUROPEAN).astype(object)  # fmt: skip
    return out


def _prices(b: _Batch, variant: int) -> FloatArray:
    price, _ = bsm_price_and_greeks(b.is_call, b.s, b.k, b.t, b.r, b.q, b.sigma)
    idx = np.flatnonzero(b.american)
    if idx.size:
        out = np.empty(idx.size)
        _price_kernel(*b.take(idx), variant, out)
        price[idx] = out
    return price


def bjerksund_stensland_price(is_call: BoolLike, s: FloatLike, k: FloatLike,
                              t_years: FloatLike, r: FloatLike, q: FloatLike,
                              sigma: FloatLike) -> AmericanResult:  # fmt: skip
    """American prices per share by the 2002 formula (inputs broadcast; module docstring).

    ``model`` names each element's model: ``bjerksund-stensland-2002`` where early exercise can
    pay, ``bsm-european`` where it cannot (there the American value *is* the BSM value).
    NaN inputs give NaN; impossible ones raise ``InvalidPricingInputError``.
    """
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    return AmericanResult(price=_prices(b, 2002).reshape(b.shape),
                          model=models_of(b.american).reshape(b.shape))  # fmt: skip


def bjerksund_stensland_1993_price(is_call: BoolLike, s: FloatLike, k: FloatLike,
                                   t_years: FloatLike, r: FloatLike, q: FloatLike,
                                   sigma: FloatLike) -> FloatArray:  # fmt: skip
    """The 1993 one-boundary formula: what QuantLib's ``BjerksundStenslandApproximationEngine``
    computes (module docstring)."""
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    return _prices(b, 1993).reshape(b.shape)


def bjerksund_stensland_greeks(is_call: BoolLike, s: FloatLike, k: FloatLike,
                               t_years: FloatLike, r: FloatLike, q: FloatLike,
                               sigma: FloatLike,
                               known_price: FloatLike | None = None) -> AmericanGreeks:  # fmt: skip
    """Price, delta, gamma, theta per calendar day and vega per vol point, per share.

    Finite differences of the 2002 formula where it prices (module docstring); BSM's analytic
    Greeks where the option is worth its European twin. ``known_price`` (NaN: unknown) is the
    formula's price at exactly these inputs when the caller has it (an IV solve ends with it),
    which saves one of the six evaluations.
    """
    b = _batch(is_call, s, k, t_years, r, q, sigma)
    price, g = bsm_price_and_greeks(b.is_call, b.s, b.k, b.t, b.r, b.q, b.sigma)
    delta, gamma = g.delta.copy(), g.gamma.copy()
    theta, vega = g.theta_per_day.copy(), g.vega_per_vol_point.copy()
    idx = np.flatnonzero(b.american)
    if idx.size:
        out = np.empty((5, idx.size))
        known = np.full(b.s.shape, np.nan) if known_price is None else np.broadcast_to(
            np.asarray(known_price, dtype=np.float64), b.shape).ravel()  # fmt: skip
        _greeks_kernel(*b.take(idx), np.ascontiguousarray(known[idx]), out)
        price[idx], delta[idx], gamma[idx], theta[idx], vega[idx] = out
    return AmericanGreeks(price=price.reshape(b.shape), delta=delta.reshape(b.shape),
                          gamma=gamma.reshape(b.shape), theta_per_day=theta.reshape(b.shape),
                          vega_per_vol_point=vega.reshape(b.shape),
                          model=models_of(b.american).reshape(b.shape))  # fmt: skip
