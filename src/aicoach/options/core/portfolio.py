"""Portfolio Greeks: net exposure per underlying, in total, and beta-weighted to SPY.

Inputs are the :class:`~aicoach.options.core.analysis.PositionGreeks` of each position with its
underlying's spot. Per underlying ``u`` (sums over its positions)::

    delta_shares_u, gamma_shares_per_dollar_u, theta_dollars_per_day_u, vega_dollars_per_vol_point_u
    delta_dollars_u          = delta_shares_u * S_u
    gamma_dollars_per_pct_u  = gamma_shares_per_dollar_u * S_u^2 / 100
                               (change of delta_dollars_u when S_u moves +1 %)

Beta-weighted delta expresses every underlying's delta as SPY shares that move the same dollars
for a market move, with ``beta_u`` the underlying's beta to SPY (SPY itself has beta 1)::

    beta_weighted_delta (SPY shares) = sum_u delta_shares_u * beta_u * S_u / S_SPY
    beta_weighted_delta_dollars      = beta_weighted_delta * S_SPY = sum_u beta_u * delta_dollars_u

Shares and gamma of different underlyings do not add up, so totals are in dollars: delta dollars,
gamma dollars per 1 %, theta dollars per day, vega dollars per vol point (every IV +1 point).
An underlying without a known beta is left out of the beta-weighted sums and listed in
``unweighted`` so the UI can say so, rather than guessing a beta.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aicoach.errors import ValidationFailedError
from aicoach.options.core.analysis import PositionGreeks

BENCHMARK = "SPY"


class PortfolioInputError(ValidationFailedError):
    code = "portfolio_input_invalid"


@dataclass(frozen=True, slots=True)
class PositionExposure:
    """One position's Greeks and the spot of its underlying (dollars) when they were computed."""

    underlying: str
    spot: float
    greeks: PositionGreeks


@dataclass(frozen=True, slots=True)
class UnderlyingGreeks:
    underlying: str
    spot: float
    beta: float | None
    delta_shares: float
    delta_dollars: float
    gamma_shares_per_dollar: float
    gamma_dollars_per_pct: float
    theta_dollars_per_day: float
    vega_dollars_per_vol_point: float
    beta_weighted_delta: float | None

    def to_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class PortfolioGreeks:
    """Per-underlying rows plus dollar totals and the SPY beta-weighted delta."""

    underlyings: tuple[UnderlyingGreeks, ...]
    spy_price: float
    delta_dollars: float
    gamma_dollars_per_pct: float
    theta_dollars_per_day: float
    vega_dollars_per_vol_point: float
    beta_weighted_delta: float
    beta_weighted_delta_dollars: float
    unweighted: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {name: getattr(self, name) for name in self.__slots__}
        out["underlyings"] = [row.to_dict() for row in self.underlyings]
        out["unweighted"] = list(self.unweighted)
        return out


def portfolio_greeks(
    positions: Sequence[PositionExposure], betas: Mapping[str, float], spy_price: float
) -> PortfolioGreeks:
    """Aggregate ``positions`` per underlying and in total (formulas in the module docstring).

    ``betas`` maps underlying to beta vs SPY; ``spy_price`` is SPY's spot in dollars.
    """
    if not (math.isfinite(spy_price) and spy_price > 0):
        raise PortfolioInputError(f"SPY price must be positive, got {spy_price}")
    groups: dict[str, list[PositionExposure]] = {}
    for pos in positions:
        if not (math.isfinite(pos.spot) and pos.spot > 0):
            raise PortfolioInputError(f"{pos.underlying}: spot must be positive, got {pos.spot}")
        groups.setdefault(pos.underlying, []).append(pos)
    rows: list[UnderlyingGreeks] = []
    unweighted: list[str] = []
    for name in sorted(groups):
        members = groups[name]
        spot = members[-1].spot
        if any(not math.isclose(p.spot, spot, rel_tol=1e-9) for p in members):
            raise PortfolioInputError(f"{name}: positions were valued at different spots")
        beta = 1.0 if name == BENCHMARK else betas.get(name)
        delta = sum(p.greeks.delta_shares for p in members)
        gamma = sum(p.greeks.gamma_shares_per_dollar for p in members)
        if beta is None:
            unweighted.append(name)
        rows.append(UnderlyingGreeks(
            underlying=name, spot=spot, beta=beta, delta_shares=delta,
            delta_dollars=delta * spot, gamma_shares_per_dollar=gamma,
            gamma_dollars_per_pct=gamma * spot * spot / 100.0,
            theta_dollars_per_day=sum(p.greeks.theta_dollars_per_day for p in members),
            vega_dollars_per_vol_point=sum(p.greeks.vega_dollars_per_vol_point for p in members),
            beta_weighted_delta=None if beta is None else delta * beta * spot / spy_price,
        ))  # fmt: skip
    bwd = sum(r.beta_weighted_delta for r in rows if r.beta_weighted_delta is not None)
    return PortfolioGreeks(
        underlyings=tuple(rows),
        spy_price=spy_price,
        delta_dollars=sum(r.delta_dollars for r in rows),
        gamma_dollars_per_pct=sum(r.gamma_dollars_per_pct for r in rows),
        theta_dollars_per_day=sum(r.theta_dollars_per_day for r in rows),
        vega_dollars_per_vol_point=sum(r.vega_dollars_per_vol_point for r in rows),
        beta_weighted_delta=bwd,
        beta_weighted_delta_dollars=bwd * spy_price,
        unweighted=tuple(unweighted),
    )
