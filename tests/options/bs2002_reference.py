"""A slow, obvious scalar Bjerksund-Stensland (1993 and 2002): the golden reference.

Written straight from Haug, *The Complete Guide to Option Pricing Formulas* (2nd ed., 3.1.2 and
3.1.3) in plain ``math``, one option at a time, sharing no code with
:mod:`aicoach.options.core.bjerksund`: no log-space folding, no term skipping, and the bivariate
normal by Owen's T function (scipy's Patefield-Tandy ``owens_t``) instead of Genz's quadrature::

    M(h, k; rho) = (N(h) + N(k)) / 2 - T(h, a_h) - T(k, a_k) - beta,
    a_h = (k - rho h) / (h sqrt(1 - rho^2)),  a_k = (h - rho k) / (k sqrt(1 - rho^2)),
    beta = 0 if h k > 0 or (h k = 0 and h + k >= 0), else 1/2

(Owen, 1956, eq. 3.1; ``h = 0`` or ``k = 0`` take the limit ``T(0, +/-inf) = +/-1/4``, and
``h = k = 0`` is Sheppard's ``1/4 + asin(rho) / (2 pi)``).
"""

from __future__ import annotations

import math

from scipy.special import owens_t


def ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _t(h: float, other: float, rho: float) -> float:
    s = math.sqrt(1.0 - rho * rho)
    if h == 0.0:
        num = other - rho * h
        return 0.25 if num > 0 else (-0.25 if num < 0 else 0.0)
    return float(owens_t(h, (other - rho * h) / (h * s)))


def bvn(h: float, k: float, rho: float) -> float:
    """P(X < h, Y < k) for standard normals with correlation ``rho``."""
    if h == 0.0 and k == 0.0:
        return 0.25 + math.asin(rho) / (2.0 * math.pi)  # Sheppard's formula
    beta = 0.0 if (h * k > 0 or (h * k == 0 and h + k >= 0)) else 0.5
    return 0.5 * (ncdf(h) + ncdf(k)) - _t(h, k, rho) - _t(k, h, rho) - beta


def _phi(s: float, t: float, gamma: float, h: float, i: float, r: float, b: float,
         v: float) -> float:  # fmt: skip
    lam = (-r + gamma * b + 0.5 * gamma * (gamma - 1.0) * v * v) * t
    d = -(math.log(s / h) + (b + (gamma - 0.5) * v * v) * t) / (v * math.sqrt(t))
    kappa = 2.0 * b / (v * v) + 2.0 * gamma - 1.0
    return (
        math.exp(lam)
        * s**gamma
        * (ncdf(d) - (i / s) ** kappa * ncdf(d - 2.0 * math.log(i / s) / (v * math.sqrt(t))))
    )


def _psi(s: float, t2: float, gamma: float, h: float, i2: float, i1: float, t1: float,
         r: float, b: float, v: float) -> float:  # fmt: skip
    mu = b + (gamma - 0.5) * v * v
    sq1, sq2 = v * math.sqrt(t1), v * math.sqrt(t2)
    e1 = (math.log(s / i1) + mu * t1) / sq1
    e2 = (math.log(i2 * i2 / (s * i1)) + mu * t1) / sq1
    e3 = (math.log(s / i1) - mu * t1) / sq1
    e4 = (math.log(i2 * i2 / (s * i1)) - mu * t1) / sq1
    f1 = (math.log(s / h) + mu * t2) / sq2
    f2 = (math.log(i2 * i2 / (s * h)) + mu * t2) / sq2
    f3 = (math.log(i1 * i1 / (s * h)) + mu * t2) / sq2
    f4 = (math.log(s * i1 * i1 / (h * i2 * i2)) + mu * t2) / sq2
    rho = math.sqrt(t1 / t2)
    lam = -r + gamma * b + 0.5 * gamma * (gamma - 1.0) * v * v
    kappa = 2.0 * b / (v * v) + 2.0 * gamma - 1.0
    return (
        math.exp(lam * t2)
        * s**gamma
        * (
            bvn(-e1, -f1, rho)
            - (i2 / s) ** kappa * bvn(-e2, -f2, rho)
            - (i1 / s) ** kappa * bvn(-e3, -f3, -rho)
            + (i1 / i2) ** kappa * bvn(-e4, -f4, -rho)
        )
    )


def _bs_call(s: float, x: float, t: float, r: float, b: float, v: float) -> float:
    """European generalised BSM call (cost of carry ``b``)."""
    d1 = (math.log(s / x) + (b + 0.5 * v * v) * t) / (v * math.sqrt(t))
    d2 = d1 - v * math.sqrt(t)
    return s * math.exp((b - r) * t) * ncdf(d1) - x * math.exp(-r * t) * ncdf(d2)


def call_2002(s: float, x: float, t: float, r: float, b: float, v: float) -> float:
    if b >= r:
        return _bs_call(s, x, t, r, b, v)
    t1 = 0.5 * (math.sqrt(5.0) - 1.0) * t
    beta = (0.5 - b / (v * v)) + math.sqrt((b / (v * v) - 0.5) ** 2 + 2.0 * r / (v * v))
    b_inf = beta / (beta - 1.0) * x
    b0 = max(x, r / (r - b) * x)
    ht1 = -(b * t1 + 2.0 * v * math.sqrt(t1)) * x * x / ((b_inf - b0) * b0)
    ht2 = -(b * t + 2.0 * v * math.sqrt(t)) * x * x / ((b_inf - b0) * b0)
    i1 = b0 + (b_inf - b0) * (1.0 - math.exp(ht1))
    i2 = b0 + (b_inf - b0) * (1.0 - math.exp(ht2))
    if s >= i2:
        return s - x
    a1 = (i1 - x) * i1 ** (-beta)
    a2 = (i2 - x) * i2 ** (-beta)
    return (
        a2 * s**beta
        - a2 * _phi(s, t1, beta, i2, i2, r, b, v)
        + _phi(s, t1, 1.0, i2, i2, r, b, v)
        - _phi(s, t1, 1.0, i1, i2, r, b, v)
        - x * _phi(s, t1, 0.0, i2, i2, r, b, v)
        + x * _phi(s, t1, 0.0, i1, i2, r, b, v)
        + a1 * _phi(s, t1, beta, i1, i2, r, b, v)
        - a1 * _psi(s, t, beta, i1, i2, i1, t1, r, b, v)
        + _psi(s, t, 1.0, i1, i2, i1, t1, r, b, v)
        - _psi(s, t, 1.0, x, i2, i1, t1, r, b, v)
        - x * _psi(s, t, 0.0, i1, i2, i1, t1, r, b, v)
        + x * _psi(s, t, 0.0, x, i2, i1, t1, r, b, v)
    )


def american_2002(is_call: bool, s: float, k: float, t: float, r: float, q: float,
                  v: float) -> float:  # fmt: skip
    """The 2002 value as the core reports it: ``max(formula, European, intrinsic)``; puts by
    ``P(S, K, T, r, q) = C(K, S, T, q, r)`` (call-space carry ``q - r``); intrinsic at expiry."""
    if t <= 0.0:
        return max(s - k, 0.0) if is_call else max(k - s, 0.0)
    if is_call:
        value, euro = call_2002(s, k, t, r, r - q, v), _bs_call(s, k, t, r, r - q, v)
        intrinsic = max(s - k, 0.0)
    else:
        value, euro = call_2002(k, s, t, q, q - r, v), _bs_call(k, s, t, q, q - r, v)
        intrinsic = max(k - s, 0.0)
    return max(value, euro, intrinsic)
