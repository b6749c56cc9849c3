"""Position analysis: P&L now / at expiry / on chosen dates, Greeks in dollars, risk graph, PoP.

Pure and vectorised: every leg at every price and date is one broadcast pricing call.

Valuation. Leg ``i`` is worth ``V_i(S, t_i)`` per share: the stock ``S``; an option its model price
with ``t_i`` years left (ACT/365, to the exchange close of its expiration), volatility
``sigma_i = iv_i + (iv_shift_points + leg_iv_shift_points_i) / 100``, rate ``r`` and dividend
yield ``q``. The model is chosen per leg (:class:`PricingModel`): European BSM by default
(European-style index options), American finite differences (American-style: stocks, ETFs), or
the American closed form of Bjerksund-Stensland (2002); an expired leg (``t_i = 0``) is worth
its intrinsic value under all three. The position's P&L in DOLLARS is::

    P&L(S, when) = sum_i units_i * (V_i(S, t_i(when)) - entry_i),  units = quantity * multiplier

"At expiry" means at the close of the FIRST expiration: legs expiring then are at intrinsic value,
later legs keep ``t_i - t_first`` years and are valued by their model.

Greeks (``PositionGreeks``), with ``g_i`` the per-share Greek of leg ``i``:

==============================  ==============================  ==================================
field                           formula                         meaning
==============================  ==============================  ==================================
delta_shares                    sum units_i delta_i             share-equivalent exposure
delta_dollars                   delta_shares * S                $ exposure; x 0.01 = $ per +1 % move
gamma_shares_per_dollar         sum units_i gamma_i             change of delta_shares per +$1
theta_dollars_per_day           sum units_i theta_per_day_i     $ P&L as one calendar day passes
vega_dollars_per_vol_point      sum units_i vega_per_vol_point  $ P&L per +1 IV point on every leg
rho_dollars_per_rate_point      sum units_i rho_per_rate_point  $ per +1 rate point (None if any
                                                                leg is American: not computed)
==============================  ==============================  ==================================

Time inputs: ``MarketInputs.time_to_expiry`` is either a function ``(when, expiration) -> t_years``
(the caller closes over the exchange calendar) or the per-leg ``t_years`` at ``valuation_at``; in
the second form later instants use ``t_i(when) = max(t_i - (when - valuation_at) / 365 days, 0)``,
exact for ACT/365 counted in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from aicoach.errors import ValidationFailedError
from aicoach.options.core.american import PricingModel, american_greeks, american_price_grid
from aicoach.options.core.bjerksund import bjerksund_stensland_greeks, bjerksund_stensland_price
from aicoach.options.core.expiry import SECONDS_PER_YEAR
from aicoach.options.core.legs import Leg, LegArrays
from aicoach.options.core.payoff import (
    ExpiryProfile,
    exact_expiry_profile,
    finite_or_none,
    numeric_expiry_profile,
)
from aicoach.options.core.pricing import FloatArray, bsm_price, bsm_price_and_greeks
from aicoach.options.core.probability import ProbabilityResult, probability_of_profit
from aicoach.options.core.strategies import StrategyRecognition, recognize

TimeToExpiry = Callable[[datetime, date], float]
"""``(when, expiration) -> t_years`` to that expiration's exchange close."""


class AnalysisInputError(ValidationFailedError):
    code = "analysis_input_invalid"


class MissingVolatilityError(AnalysisInputError):
    code = "leg_missing_iv"


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """Market and scenario: spot (dollars), when, ``r`` and ``q`` (annual, continuous, decimal)."""

    spot: float
    valuation_at: datetime
    r: float
    q: float
    time_to_expiry: TimeToExpiry | Sequence[float]
    iv_shift_points: float = 0.0
    leg_iv_shift_points: Sequence[float] | None = None
    default_iv: float | None = None
    pricing_models: Sequence[PricingModel] | None = None


def _floats(values: npt.ArrayLike) -> list[float | None]:
    return [finite_or_none(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


class PositionValuer:
    """Values one validated position under one :class:`MarketInputs`; reused by every output."""

    def __init__(self, legs: Sequence[Leg], market: MarketInputs) -> None:
        self.arr = arr = LegArrays.from_legs(legs)
        self.market = market
        if not (math.isfinite(market.spot) and market.spot > 0):
            raise AnalysisInputError(f"spot must be a positive price, got {market.spot}")
        if market.valuation_at.tzinfo is None:
            raise AnalysisInputError("valuation_at must be timezone-aware")
        if not arr.expirations:
            raise AnalysisInputError("analysis needs at least one option leg")
        n = arr.n
        models = market.pricing_models or [PricingModel.BSM_EUROPEAN] * n
        shifts = market.leg_iv_shift_points or [0.0] * n
        if len(models) != n or len(shifts) != n:
            raise AnalysisInputError(f"pricing_models and leg_iv_shift_points need {n} entries")
        self.models = tuple(PricingModel(m) for m in models)
        american_models = (PricingModel.FD_AMERICAN, PricingModel.BS2002_AMERICAN)
        self.american = np.array([m in american_models for m in self.models]) & arr.is_option
        self.closed_form = (
            np.array([m is PricingModel.BS2002_AMERICAN for m in self.models]) & arr.is_option
        )
        sigma = np.full(n, np.nan)
        for i, leg in enumerate(arr.legs):
            if not leg.is_option:
                continue
            iv = leg.iv if leg.iv is not None else market.default_iv
            if iv is None:
                raise MissingVolatilityError(
                    f"leg {i + 1} ({leg.kind.value} {leg.strike:g}) has no implied volatility"
                )
            sigma[i] = iv + (market.iv_shift_points + shifts[i]) / 100.0
            if not sigma[i] > 0:
                raise AnalysisInputError(f"leg {i + 1}: shifted volatility {sigma[i]:.4f} <= 0")
        self.sigma = sigma
        self.t0 = self.t_at(market.valuation_at)
        self.t_first = float(np.min(self.t0[arr.is_option]))

    def t_at(self, when: datetime) -> FloatArray:
        """Years left for every leg at ``when`` (0 for stock legs and expired options)."""
        tte, arr = self.market.time_to_expiry, self.arr
        if callable(tte):
            t = [tte(when, leg.expiration) if leg.expiration else 0.0 for leg in arr.legs]
        else:
            if len(tte) != arr.n:
                raise AnalysisInputError(f"time_to_expiry needs {arr.n} per-leg values")
            elapsed = (when - self.market.valuation_at).total_seconds() / SECONDS_PER_YEAR
            t = [float(x) - elapsed for x in tte]
        out = np.where(arr.is_option, np.maximum(np.asarray(t, dtype=np.float64), 0.0), 0.0)
        if not np.all(np.isfinite(out)):
            raise AnalysisInputError("time to expiry must be finite")
        return out

    def t_at_first_expiry(self) -> FloatArray:
        return np.maximum(self.t0 - self.t_first, 0.0) * self.arr.is_option

    def leg_values(self, s: npt.ArrayLike, t: FloatArray) -> FloatArray:
        """Per-share values, shape ``(n_legs, *t.shape[1:], *s.shape)``; ``t`` is ``(n, ...)``."""
        s_arr = np.asarray(s, dtype=np.float64)
        arr, mk = self.arr, self.market
        t = np.asarray(t, dtype=np.float64)
        shape = (arr.n, *t.shape[1:], *s_arr.shape)
        t_b = t.reshape(t.shape + (1,) * s_arr.ndim)
        col = (slice(None),) + (np.newaxis,) * (len(shape) - 1)
        euro = arr.is_option & ~self.american
        if np.all(euro):  # the common case: one broadcast call, no masking copies
            return bsm_price(arr.is_call[col], s_arr, arr.strike[col], t_b, mk.r, mk.q,
                             self.sigma[col])  # fmt: skip
        out = np.broadcast_to(s_arr, shape).copy()  # stock legs are worth S
        if np.any(euro):
            out[euro] = bsm_price(arr.is_call[col][euro], s_arr, arr.strike[col][euro],
                                  t_b[euro], mk.r, mk.q, self.sigma[col][euro])  # fmt: skip
        fd = self.american & ~self.closed_form
        if np.any(fd):
            out[fd] = self._american(arr.is_call[fd], s_arr, arr.strike[fd], t[fd], self.sigma[fd])
        cf = self.closed_form
        if np.any(cf):
            out[cf] = bjerksund_stensland_price(
                arr.is_call[col][cf], s_arr, arr.strike[col][cf], t_b[cf], mk.r, mk.q,
                self.sigma[col][cf]).price  # fmt: skip
        return out

    def _american(self, is_call: npt.NDArray[np.bool_], s: FloatArray, k: FloatArray,
                  t: FloatArray, sigma: FloatArray) -> FloatArray:  # fmt: skip
        """American values, shape ``(k_legs, *t.shape[1:], *s.shape)``: one FD solve per leg
        marches through every time left in ``t`` (:func:`american_price_grid`)."""
        mk = self.market
        return american_price_grid(is_call, k, sigma, t, s, mk.r, mk.q).price

    def pnl(self, s: npt.ArrayLike, t: FloatArray) -> FloatArray:
        """Position P&L in dollars, shape ``(*t.shape[1:], *s.shape)``."""
        values = self.leg_values(s, t)
        col = (slice(None),) + (np.newaxis,) * (values.ndim - 1)
        total: FloatArray = np.sum(self.arr.units[col] * (values - self.arr.entry_price[col]), 0)
        return total

    def asymptotic_slope(self) -> float:
        """dP/dS as S -> inf at first expiry: calls ``units * e^{-q tau}`` (American: 1), stock."""
        tau = self.t_at_first_expiry()
        carry = np.where(self.american, 1.0, np.exp(-self.market.q * tau))
        weight = np.where(self.arr.is_stock, 1.0, np.where(self.arr.is_call, carry, 0.0))
        return float(np.sum(self.arr.units * weight))


@dataclass(frozen=True, slots=True)
class PositionGreeks:
    """Position Greeks in shares and dollars (see the module docstring table)."""

    delta_shares: float
    delta_dollars: float
    gamma_shares_per_dollar: float
    theta_dollars_per_day: float
    vega_dollars_per_vol_point: float
    rho_dollars_per_rate_point: float | None

    def to_dict(self) -> dict[str, object]:
        return {name: finite_or_none(getattr(self, name)) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class LegAnalysis:
    """One leg now: per-share value and Greeks from ``model``, and its dollar P&L."""

    index: int
    label: str
    units: int
    model: PricingModel | None
    sigma: float | None
    t_years: float
    value_per_share: float
    pnl: float
    delta: float
    gamma: float
    theta_per_day: float
    vega_per_vol_point: float
    rho_per_rate_point: float | None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.__slots__:
            v = getattr(self, name)
            out[name] = finite_or_none(v) if isinstance(v, float) else v
        out["model"] = self.model.value if self.model else "stock"
        return out


@dataclass(frozen=True, slots=True)
class DateLine:
    """P&L (dollars) over the risk-graph prices at one instant."""

    at: datetime
    pnl: FloatArray

    def to_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "pnl": _floats(self.pnl)}


@dataclass(frozen=True, slots=True)
class PnlGrid:
    """``pnl[d, j]``: dollars at ``dates[d]`` and ``prices[j]``; the last date is first expiry."""

    prices: FloatArray
    dates: tuple[datetime, ...]
    pnl: FloatArray

    def to_dict(self) -> dict[str, object]:
        return {
            "prices": _floats(self.prices),
            "dates": [d.isoformat() for d in self.dates],
            "pnl": [_floats(row) for row in self.pnl],
        }


@dataclass(frozen=True, slots=True)
class LevelPnl:
    label: str
    price: float
    pnl_now: float
    pnl_at_expiry: float

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "price": self.price,
                "pnl_now": finite_or_none(self.pnl_now),
                "pnl_at_expiry": finite_or_none(self.pnl_at_expiry)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PositionAnalysis:
    """Everything the risk view and the coach say about one position (dollars unless named)."""

    strategy: StrategyRecognition
    spot: float
    valuation_at: datetime
    first_expiration: date
    t_first_years: float
    entry_cost: float
    value_now: float
    pnl_now: float
    legs: tuple[LegAnalysis, ...]
    greeks: PositionGreeks
    expiry: ExpiryProfile
    probability: ProbabilityResult
    prices: FloatArray
    expiry_line: FloatArray
    today_line: FloatArray
    date_lines: tuple[DateLine, ...]
    grid: PnlGrid
    levels: tuple[LevelPnl, ...]
    models: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "strategy": self.strategy.to_dict(),
            "spot": self.spot,
            "valuation_at": self.valuation_at.isoformat(),
            "first_expiration": self.first_expiration.isoformat(),
            "t_first_years": self.t_first_years,
            "entry_cost": self.entry_cost,
            "value_now": finite_or_none(self.value_now),
            "pnl_now": finite_or_none(self.pnl_now),
            "legs": [leg.to_dict() for leg in self.legs],
            "greeks": self.greeks.to_dict(),
            "expiry": self.expiry.to_dict(),
            "probability": self.probability.to_dict(),
            "risk_graph": {
                "prices": _floats(self.prices),
                "expiry": _floats(self.expiry_line),
                "today": _floats(self.today_line),
                "dates": [line.to_dict() for line in self.date_lines],
            },
            "grid": self.grid.to_dict(),
            "levels": [lvl.to_dict() for lvl in self.levels],
            "models": list(self.models),
        }


def leg_greeks(valuer: PositionValuer) -> list[LegAnalysis]:
    """Per-leg value, P&L and per-share Greeks at ``valuation_at`` and spot (full FD accuracy)."""
    arr, mk, t0 = valuer.arr, valuer.market, valuer.t0
    s = mk.spot
    out: list[LegAnalysis] = []
    price, g = bsm_price_and_greeks(arr.is_call, s, np.nan_to_num(arr.strike, nan=s), t0, mk.r,
                                    mk.q, np.nan_to_num(valuer.sigma, nan=0.2))  # fmt: skip
    amer = valuer.american
    american_rows: dict[int, tuple[float, float, float, float, float, float | None]] = {}
    for mask, greeks_of in ((amer & ~valuer.closed_form, american_greeks),
                            (valuer.closed_form, bjerksund_stensland_greeks)):  # fmt: skip
        if np.any(mask):
            ag = greeks_of(arr.is_call[mask], s, arr.strike[mask], t0[mask], mk.r, mk.q,
                           valuer.sigma[mask])  # fmt: skip
            for j, i in enumerate(np.flatnonzero(mask).tolist()):
                american_rows[i] = (float(ag.price[j]), float(ag.delta[j]), float(ag.gamma[j]),
                                    float(ag.theta_per_day[j]),
                                    float(ag.vega_per_vol_point[j]), None)  # fmt: skip
    fields: tuple[float, float, float, float, float, float | None]
    for i, leg in enumerate(arr.legs):
        if not leg.is_option:
            fields = (s, 1.0, 0.0, 0.0, 0.0, 0.0)
        elif amer[i]:
            fields = american_rows[i]
        else:
            fields = (float(price[i]), float(g.delta[i]), float(g.gamma[i]),
                      float(g.theta_per_day[i]), float(g.vega_per_vol_point[i]),
                      float(g.rho_per_rate_point[i]))  # fmt: skip
        value, delta, gamma, theta, vega, rho = fields
        what = (
            leg.kind.value
            if not leg.is_option
            else f"{leg.kind.value} {leg.strike:g} {leg.expiration}"
        )
        out.append(LegAnalysis(
            index=i, label=f"{leg.quantity:+d} {what}", units=leg.units,
            model=valuer.models[i] if leg.is_option else None,
            sigma=float(valuer.sigma[i]) if leg.is_option else None, t_years=float(t0[i]),
            value_per_share=float(value), pnl=leg.units * (float(value) - leg.entry_price),
            delta=delta, gamma=gamma, theta_per_day=theta, vega_per_vol_point=vega,
            rho_per_rate_point=rho,
        ))  # fmt: skip
    return out


def position_greeks(legs: Sequence[LegAnalysis], spot: float) -> PositionGreeks:
    """Sum per-share Greeks times units into shares and dollars (module docstring table)."""
    delta = sum(leg.units * leg.delta for leg in legs)
    rhos = [leg.rho_per_rate_point for leg in legs]
    rho = None if any(r is None for r in rhos) else sum(
        leg.units * (leg.rho_per_rate_point or 0.0) for leg in legs)  # fmt: skip
    return PositionGreeks(
        delta_shares=delta,
        delta_dollars=delta * spot,
        gamma_shares_per_dollar=sum(leg.units * leg.gamma for leg in legs),
        theta_dollars_per_day=sum(leg.units * leg.theta_per_day for leg in legs),
        vega_dollars_per_vol_point=sum(leg.units * leg.vega_per_vol_point for leg in legs),
        rho_dollars_per_rate_point=rho,
    )


def expiry_profile(valuer: PositionValuer) -> ExpiryProfile:
    """Exact for one expiry; dense grid + Brent for several (:mod:`aicoach.options.core.payoff`)."""
    arr = valuer.arr
    if arr.single_expiry:
        return exact_expiry_profile(arr)
    t_exp = valuer.t_at_first_expiry()
    strikes = np.unique(arr.strike[arr.is_option])
    if np.any(valuer.american):
        # An FD solve per Brent probe would be slow: American legs are tabulated once.
        table_s = np.geomspace(1e-6 * strikes[0], 60.0 * strikes[-1], 6001)
        table = valuer.leg_values(table_s, t_exp)

        def pnl_fn(s: FloatArray) -> FloatArray:
            vals = np.array([np.interp(np.log(s), np.log(table_s), row) for row in table])
            return np.asarray(np.sum(arr.units[:, None] * (vals - arr.entry_price[:, None]), 0))
    else:

        def pnl_fn(s: FloatArray) -> FloatArray:
            return valuer.pnl(s, t_exp)

    scale = float(np.sum(np.abs(arr.units))) * float(strikes[-1])
    return numeric_expiry_profile(pnl_fn, strikes, valuer.asymptotic_slope(), scale)


def default_prices(valuer: PositionValuer, n: int = 200) -> FloatArray:
    """``n`` prices covering spot +/- 4 expected moves and every strike +/- 10 %."""
    s, strikes = valuer.market.spot, valuer.arr.strike[valuer.arr.is_option]
    sigma = float(np.nanmean(valuer.sigma))
    move = s * sigma * math.sqrt(valuer.t_first)
    lo = max(min(s - 4.0 * move, 0.9 * float(np.min(strikes))), 0.01 * s)
    hi = max(s + 4.0 * move, 1.1 * float(np.max(strikes)))
    return np.linspace(lo, hi, n)


def analyze_position(
    legs: Sequence[Leg],
    market: MarketInputs,
    *,
    prices: npt.ArrayLike | None = None,
    n_prices: int = 200,
    n_dates: int = 30,
    chosen_dates: Sequence[datetime] = (),
    levels: Sequence[tuple[str, float]] = (),
    cash_collateral: float | None = None,
    pop_sigma: float | None = None,
) -> PositionAnalysis:
    """Full analysis of one position (see the module docstring for every definition).

    ``prices`` (or ``n_prices`` defaults) are the risk-graph/grid prices; the grid has ``n_dates``
    instants evenly from ``valuation_at`` to the first expiry close; ``chosen_dates`` add lines
    to the risk graph; ``levels`` are ``(label, price)`` pairs valued now and at expiry.
    """
    valuer = PositionValuer(legs, market)
    arr, s = valuer.arr, market.spot
    first = arr.expirations[0]
    leg_rows = leg_greeks(valuer)
    px = default_prices(valuer, n_prices) if prices is None else np.asarray(prices, np.float64)
    if px.ndim != 1 or px.size == 0 or not np.all(px > 0):
        raise AnalysisInputError("prices must be a non-empty list of positive prices")
    n_dates = max(n_dates, 2)
    elapsed = np.linspace(0.0, valuer.t_first, n_dates)
    dates = tuple(market.valuation_at + timedelta(seconds=float(e) * SECONDS_PER_YEAR)
                  for e in elapsed)  # fmt: skip
    t_grid = np.stack([valuer.t_at(d) for d in dates[:-1]] + [valuer.t_at_first_expiry()], 1)
    grid = valuer.pnl(px, t_grid)
    chosen = tuple(DateLine(d, valuer.pnl(px, valuer.t_at(d)[:, None])[0]) for d in chosen_dates)
    level_px = np.array([p for _, p in levels], dtype=np.float64)
    if level_px.size and not np.all(level_px > 0):
        raise AnalysisInputError("level prices must be positive")
    now_lv = valuer.pnl(level_px, valuer.t0[:, None])[0] if level_px.size else []
    exp_lv = valuer.pnl(level_px, valuer.t_at_first_expiry()[:, None])[0] if (
        level_px.size) else []  # fmt: skip
    profile = expiry_profile(valuer)
    sigma = pop_sigma if pop_sigma is not None else float(np.nanmean(valuer.sigma))
    value_now = sum(row.units * row.value_per_share for row in leg_rows)
    return PositionAnalysis(
        strategy=recognize(arr.legs, cash_collateral=cash_collateral),
        spot=s, valuation_at=market.valuation_at, first_expiration=first,
        t_first_years=valuer.t_first, entry_cost=arr.entry_cost, value_now=value_now,
        pnl_now=value_now - arr.entry_cost, legs=tuple(leg_rows),
        greeks=position_greeks(leg_rows, s), expiry=profile,
        probability=probability_of_profit(s, profile.profitable_ranges, valuer.t_first,
                                          market.r, market.q, sigma),
        prices=px, expiry_line=grid[-1], today_line=grid[0], date_lines=chosen,
        grid=PnlGrid(prices=px, dates=dates, pnl=grid),
        levels=tuple(LevelPnl(lbl, float(p), float(a), float(b))
                     for (lbl, p), a, b in zip(levels, now_lv, exp_lv, strict=True)),
        models=tuple(sorted({m.value for m, o in zip(valuer.models, arr.is_option, strict=True)
                             if o})),
    )  # fmt: skip
