"""Probability of profit and expected move to the first expiration, with the model stated.

Model: the price at the first expiry is lognormal under the risk-neutral measure,
``ln S_T ~ N(ln S + (r - q - sigma^2 / 2) t, sigma^2 t)`` with one volatility ``sigma`` for the
whole position. ``sigma`` is the arithmetic mean of the option legs' implied volatilities (after
any scenario shifts): simple, stated, and for the usual structures close to the at-the-money
volatility the market prices the range with. The caller may pass its own ``sigma`` instead.
Then, for the profitable ranges ``(a, b)`` of the expiry P&L (see
:mod:`aicoach.options.core.payoff`)::

    z(x)           = (ln(x / S) - (r - q - sigma^2/2) t) / (sigma sqrt t)
    P(a < S_T < b) = N(z(b)) - N(z(a))        (z(0) = -inf, z(inf) = +inf)
    PoP            = sum over the ranges

Expected move: the one-standard-deviation move ``S sigma sqrt(t)`` (dollars), the convention
traders quote; ``[S - m, S + m]`` is the range shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.special import ndtr

from aicoach.errors import ValidationFailedError

MODEL_DESCRIPTION = (
    "lognormal, risk-neutral drift r-q, one volatility = mean IV of the option legs, "
    "to the first expiration"
)


class ProbabilityInputError(ValidationFailedError):
    code = "probability_input_invalid"


@dataclass(frozen=True, slots=True)
class ProbabilityResult:
    """``pop`` in [0, 1]; ``expected_move`` in dollars (one sigma) over ``t_years``."""

    pop: float
    sigma: float
    t_years: float
    expected_move: float
    expected_low: float
    expected_high: float
    model: str

    def to_dict(self) -> dict[str, object]:
        return {
            "pop": self.pop,
            "sigma": self.sigma,
            "t_years": self.t_years,
            "expected_move": self.expected_move,
            "expected_low": self.expected_low,
            "expected_high": self.expected_high,
            "model": self.model,
        }


def prob_between(
    s: float, lo: float, hi: float | None, t_years: float, r: float, q: float, sigma: float
) -> float:
    """``P(lo < S_T < hi)`` under the lognormal model above; ``hi=None`` means no upper bound."""
    if t_years <= 0 or sigma <= 0:  # no randomness left: S_T = S e^{(r-q)t} = S
        forward = s * math.exp((r - q) * t_years)
        return 1.0 if lo < forward and (hi is None or forward < hi) else 0.0
    sd = sigma * math.sqrt(t_years)
    mu = (r - q - 0.5 * sigma * sigma) * t_years

    def z(x: float) -> float:
        return (math.log(x / s) - mu) / sd

    upper = 1.0 if hi is None else float(ndtr(z(hi)))
    lower = 0.0 if lo <= 0 else float(ndtr(z(lo)))
    return max(upper - lower, 0.0)


def probability_of_profit(
    s: float,
    ranges: Sequence[tuple[float, float | None]],
    t_years: float,
    r: float,
    q: float,
    sigma: float,
) -> ProbabilityResult:
    """PoP over the profitable ``ranges`` and the one-sigma expected move to ``t_years``."""
    if not (s > 0 and math.isfinite(s)) or not (sigma >= 0 and math.isfinite(sigma)):
        raise ProbabilityInputError(f"need spot > 0 and sigma >= 0, got S={s}, sigma={sigma}")
    pop = sum(prob_between(s, lo, hi, t_years, r, q, sigma) for lo, hi in ranges)
    move = s * sigma * math.sqrt(max(t_years, 0.0))
    return ProbabilityResult(
        pop=min(max(pop, 0.0), 1.0),
        sigma=sigma,
        t_years=t_years,
        expected_move=move,
        expected_low=max(s - move, 0.0),
        expected_high=s + move,
        model=MODEL_DESCRIPTION,
    )
