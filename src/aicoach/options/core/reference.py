"""Slow, obvious scalar Black-Scholes-Merton: the reference the vectorised core is tested against.

Pure ``math``, one option at a time, written straight from the textbook formulas (Hull, ch. 19;
Haug, *The Complete Guide to Option Pricing Formulas*, 2nd ed., 2.1 and 2.3) so that it shares no
code with :mod:`aicoach.options.core.pricing`. Same units as there: theta and charm per calendar
day,
vega and rho per 1 point (0.01). Requires ``sigma * sqrt(t) > 0``.
"""

from __future__ import annotations

import math


def norm_cdf(x: float) -> float:
    """Standard normal CDF via ``erfc`` (accurate in both tails)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def norm_pdf(x: float) -> float:
    """Standard normal density."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _d1_d2(s: float, k: float, t: float, r: float, q: float, sigma: float) -> tuple[float, float]:
    d1 = (math.log(s / k) + (r - q + 0.5 * sigma * sigma) * t) / (sigma * math.sqrt(t))
    return d1, d1 - sigma * math.sqrt(t)


def price(is_call: bool, s: float, k: float, t: float, r: float, q: float, sigma: float) -> float:
    """Generalised BSM price of one European option."""
    d1, d2 = _d1_d2(s, k, t, r, q, sigma)
    if is_call:
        return s * math.exp(-q * t) * norm_cdf(d1) - k * math.exp(-r * t) * norm_cdf(d2)
    return k * math.exp(-r * t) * norm_cdf(-d2) - s * math.exp(-q * t) * norm_cdf(-d1)


def greeks(
    is_call: bool, s: float, k: float, t: float, r: float, q: float, sigma: float
) -> dict[str, float]:
    """All Greeks of one option, keyed by the field names of ``pricing.Greeks``."""
    d1, d2 = _d1_d2(s, k, t, r, q, sigma)
    dq, dr = math.exp(-q * t), math.exp(-r * t)
    sq = math.sqrt(t)
    nd1 = norm_pdf(d1)
    gamma = dq * nd1 / (s * sigma * sq)
    vega = s * dq * nd1 * sq
    vanna = -dq * nd1 * d2 / sigma
    charm_common = dq * nd1 * (2.0 * (r - q) * t - d2 * sigma * sq) / (2.0 * t * sigma * sq)
    if is_call:
        delta = dq * norm_cdf(d1)
        theta = (
            -s * dq * nd1 * sigma / (2.0 * sq)
            - r * k * dr * norm_cdf(d2)
            + q * s * dq * norm_cdf(d1)
        )
        rho = k * t * dr * norm_cdf(d2)
        charm = q * dq * norm_cdf(d1) - charm_common
    else:
        delta = -dq * norm_cdf(-d1)
        theta = (
            -s * dq * nd1 * sigma / (2.0 * sq)
            + r * k * dr * norm_cdf(-d2)
            - q * s * dq * norm_cdf(-d1)
        )
        rho = -k * t * dr * norm_cdf(-d2)
        charm = -q * dq * norm_cdf(-d1) - charm_common
    return {
        "delta": delta,
        "gamma": gamma,
        "theta_per_day": theta / 365.0,
        "vega_per_vol_point": vega / 100.0,
        "rho_per_rate_point": rho / 100.0,
        "vanna": vanna,
        "charm_per_day": charm / 365.0,
    }
