"""Black-Scholes-Merton prices and Greeks, vectorised with numpy broadcasting.

Model: the underlying follows ``dS = (r - q) S dt + sigma S dW`` under the pricing measure, with a
continuous risk-free rate ``r`` and a continuous dividend yield ``q`` (both annual, decimal:
0.05 = 5 %), volatility ``sigma`` (annual, decimal: 0.20 = 20 %) and time to expiry ``t_years``
(ACT/365 years, see :mod:`aicoach.options.core.expiry`). With ``phi = +1`` for a call, ``-1`` for a
put::

    Dq = exp(-q T)          Dr = exp(-r T)          v = sigma sqrt(T)
    d1 = (ln(S/K) + (r - q + sigma^2/2) T) / v      d2 = d1 - v
    price = phi (S Dq N(phi d1) - K Dr N(phi d2))

Greeks and their UNITS (every one in currency per unit of the named bump, per 1 share):

====================  ===================================================  ======================
name                  formula                                              unit
====================  ===================================================  ======================
delta                 phi Dq N(phi d1)                                     per $1 of spot
gamma                 Dq n(d1) / (S v)                                     delta per $1 of spot
theta_per_day         [-S Dq n(d1) sigma / (2 sqrt T) - phi r K Dr N(phi d2)
                      + phi q S Dq N(phi d1)] / 365                        per calendar day passing
vega_per_vol_point    S Dq n(d1) sqrt(T) / 100                             per +1 vol point (0.01)
rho_per_rate_point    phi K T Dr N(phi d2) / 100                           per +1 rate point (0.01)
vanna                 -Dq n(d1) d2 / sigma  (= d delta / d sigma)          delta per 1.00 of sigma
charm_per_day         [phi q Dq N(phi d1)
                      - Dq n(d1) ((r - q)/v - d2/(2T))] / 365              delta per calendar day
====================  ===================================================  ======================

``theta_per_day`` and ``charm_per_day`` are the change as one calendar day passes (``-d/dT``), so
a long option's theta is usually negative.

Degenerate points ``v = sigma sqrt(T) = 0`` (at expiry, or zero volatility) are exact limits, not
NaN: the price is the discounted forward intrinsic ``max(phi (S Dq - K Dr), 0)``, delta is the step
``phi Dq`` in the money, ``0`` out of it, ``phi Dq / 2`` exactly at the forward; gamma, vanna,
charm and theta's volatility term have a Dirac/infinite part there that is reported as ``0``.
NaN inputs give NaN outputs for those elements (a NaN vol from a failed IV stays visible); any
other invalid input (S <= 0, K <= 0, T < 0, sigma < 0, infinities) raises
:class:`InvalidPricingInputError` rather than producing a silent NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from aicoach.errors import ValidationFailedError

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
FloatLike: TypeAlias = float | npt.ArrayLike
BoolLike: TypeAlias = bool | npt.ArrayLike

DAYS_PER_YEAR = 365.0
"""Calendar days per year: theta and charm are per calendar day (ACT/365)."""
POINT = 100.0
"""One vol point or one rate point is 1/100 of the decimal unit."""
_INV_SQRT_2PI = 0.3989422804014327  # 1/sqrt(2 pi)


class InvalidPricingInputError(ValidationFailedError):
    """Raised for finite-but-impossible inputs (S <= 0, K <= 0, T < 0, sigma < 0) or infinities."""

    code = "invalid_pricing_input"


@dataclass(frozen=True, slots=True)
class Greeks:
    """BSM sensitivities, per 1 share; units in the field names (see the module docstring)."""

    delta: FloatArray
    gamma: FloatArray
    theta_per_day: FloatArray
    vega_per_vol_point: FloatArray
    rho_per_rate_point: FloatArray
    vanna: FloatArray
    charm_per_day: FloatArray


def as_float_arrays(*values: FloatLike) -> list[FloatArray]:
    """Convert to float64 arrays broadcast to one common shape (read-only views, no copies)."""
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    return list(np.broadcast_arrays(*arrays))


def phi_sign(is_call: BoolLike) -> FloatArray:
    """``+1.0`` where ``is_call`` is true, ``-1.0`` otherwise."""
    return np.where(np.asarray(is_call, dtype=bool), 1.0, -1.0)


def check_inputs(s: FloatArray, k: FloatArray, t: FloatArray, sigma: FloatArray) -> None:
    """Raise :class:`InvalidPricingInputError` on impossible values; NaNs pass through."""
    with np.errstate(invalid="ignore"):
        bad = (s <= 0) | (k <= 0) | (t < 0) | (sigma < 0)
        bad |= np.isinf(s) | np.isinf(k) | np.isinf(t) | np.isinf(sigma)
    if np.any(bad):
        where = np.argwhere(bad)
        first = tuple(int(i) for i in where[0]) if bad.ndim else ()
        raise InvalidPricingInputError(
            f"{len(where)} option(s) have impossible inputs (need S > 0, K > 0, T >= 0, "
            f"sigma >= 0, all finite); first at index {first}"
        )


@dataclass(frozen=True, slots=True)
class _Core:
    """Shared d1/d2/CDF work for one broadcast set of inputs."""

    phi: FloatArray
    s: FloatArray
    k: FloatArray
    t: FloatArray
    r: FloatArray
    q: FloatArray
    sigma: FloatArray
    sqrt_t: FloatArray
    v: FloatArray
    d1: FloatArray
    d2: FloatArray
    s_dq: FloatArray  # S exp(-qT)
    k_dr: FloatArray  # K exp(-rT)
    cdf1: FloatArray  # N(phi d1)
    cdf2: FloatArray  # N(phi d2)
    degenerate: BoolArray | None  # v == 0 elements, None when there are none (the fast path)


def _core(
    is_call: BoolLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
    sigma: FloatLike,
) -> _Core:
    phi_in = phi_sign(is_call)
    phi, s_a, k_a, t_a, r_a, q_a, sig_a = as_float_arrays(phi_in, s, k, t_years, r, q, sigma)
    check_inputs(s_a, k_a, t_a, sig_a)
    sqrt_t = np.sqrt(t_a)
    v = sig_a * sqrt_t
    s_dq = s_a * np.exp(-q_a * t_a)
    k_dr = k_a * np.exp(-r_a * t_a)
    # ln(F/K) = ln(S/K) + (r - q) T; dividing S/K first keeps it exact for S == K.
    log_fk = np.log(s_a / k_a) + (r_a - q_a) * t_a
    zero_v = v == 0
    degenerate: BoolArray | None = zero_v if bool(np.any(zero_v)) else None
    if degenerate is None:
        d1 = log_fk / v + 0.5 * v
    else:
        # The v -> 0 limit of d1 (and d2) is +inf above the forward, -inf below, 0 at it.
        with np.errstate(divide="ignore", invalid="ignore"):
            d1 = np.where(degenerate, 0.0, log_fk / np.where(degenerate, 1.0, v) + 0.5 * v)
        limit = np.where(log_fk > 0, np.inf, np.where(log_fk < 0, -np.inf, 0.0))
        d1 = np.where(degenerate, limit, d1)
    d2 = d1 - v
    cdf1 = ndtr(phi * d1)
    cdf2 = ndtr(phi * d2)
    return _Core(phi, s_a, k_a, t_a, r_a, q_a, sig_a, sqrt_t, v, d1, d2, s_dq, k_dr, cdf1, cdf2,
                 degenerate)  # fmt: skip


def _price(c: _Core) -> FloatArray:
    price: FloatArray = c.phi * (c.s_dq * c.cdf1 - c.k_dr * c.cdf2)
    # Cancellation can leave a -1e-17 for far-out-of-the-money options; a price is never negative.
    return np.maximum(price, 0.0)


def _greeks(c: _Core) -> Greeks:
    pdf1 = _INV_SQRT_2PI * np.exp(-0.5 * c.d1 * c.d1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if c.degenerate is None:
            v, sigma, t, sqrt_t = c.v, c.sigma, c.t, c.sqrt_t
        else:  # harmless denominators; the affected terms are zeroed below
            v = np.where(c.degenerate, 1.0, c.v)
            sigma = np.where(c.sigma == 0, 1.0, c.sigma)
            t = np.where(c.t == 0, 1.0, c.t)
            sqrt_t = np.where(c.t == 0, 1.0, c.sqrt_t)
        dq_pdf = c.s_dq / c.s * pdf1  # Dq n(d1)
        delta = c.phi * (c.s_dq / c.s) * c.cdf1
        gamma = dq_pdf / (c.s * v)
        vega = c.s_dq * pdf1 * c.sqrt_t
        vol_theta = -c.s_dq * pdf1 * sigma / (2.0 * sqrt_t)
        theta = c.phi * (c.q * c.s_dq * c.cdf1 - c.r * c.k_dr * c.cdf2)
        rho = c.phi * c.k_dr * c.t * c.cdf2
        vanna = -dq_pdf * c.d2 / sigma
        charm_pdf = -dq_pdf * ((c.r - c.q) / v - c.d2 / (2.0 * t))
        charm = c.phi * c.q * (c.s_dq / c.s) * c.cdf1
    if c.degenerate is not None:
        zero = c.degenerate
        gamma = np.where(zero, 0.0, gamma)
        vanna = np.where(zero, 0.0, vanna)
        vol_theta = np.where(zero, 0.0, vol_theta)
        charm_pdf = np.where(zero, 0.0, charm_pdf)
    return Greeks(
        delta=delta,
        gamma=gamma,
        theta_per_day=(theta + vol_theta) / DAYS_PER_YEAR,
        vega_per_vol_point=vega / POINT,
        rho_per_rate_point=rho / POINT,
        vanna=vanna,
        charm_per_day=(charm + charm_pdf) / DAYS_PER_YEAR,
    )


def bsm_price(
    is_call: BoolLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
    sigma: FloatLike,
) -> FloatArray:
    """BSM price per share, in the currency of ``s`` and ``k``; inputs broadcast together.

    ``price = phi (S e^{-qT} N(phi d1) - K e^{-rT} N(phi d2))``; at ``sigma sqrt(T) = 0`` the
    discounted forward intrinsic ``max(phi (S e^{-qT} - K e^{-rT}), 0)``.
    """
    return _price(_core(is_call, s, k, t_years, r, q, sigma))


def bsm_greeks(
    is_call: BoolLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
    sigma: FloatLike,
) -> Greeks:
    """BSM Greeks per share; formulas and units in the module docstring."""
    return _greeks(_core(is_call, s, k, t_years, r, q, sigma))


def bsm_price_and_greeks(
    is_call: BoolLike,
    s: FloatLike,
    k: FloatLike,
    t_years: FloatLike,
    r: FloatLike,
    q: FloatLike,
    sigma: FloatLike,
) -> tuple[FloatArray, Greeks]:
    """Price and Greeks from one shared d1/d2/N(.) evaluation: the fast path for whole chains."""
    core = _core(is_call, s, k, t_years, r, q, sigma)
    return _price(core), _greeks(core)
