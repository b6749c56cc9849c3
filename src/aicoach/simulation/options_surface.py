"""Simulated option chains: a volatility surface, American prices, quotes, volume and open
interest (which expirations and strikes are listed: :mod:`.listings`).

Volatility surface (annual, decimal). ATM total variance ``θ(T) = σ_atm(T)² T`` follows a
mean-reverting variance term structure plus known event variance (earnings gaps)::

    σ_atm(T)² = σ_L² + (σ_S² − σ_L²) (1 − e^{−T/τ}) / (T/τ)        τ = 0.25 y
    θ(T)      = σ_atm(T)² T + Σ_{earnings before expiry} σ_earn²

``σ_S`` is tied to the symbol's recent realised volatility (a 10 % variance risk premium on the
average of the 20-session realised and the conditional GARCH vol); ``σ_L`` to its long-run
volatility. ``θ`` is increasing in ``T`` (so no calendar arbitrage) and upward sloping
(contango) whenever ``σ_S < σ_L``, the normal state. Across strikes the SSVI smile of Gatheral &
Jacquier (2014), in log-moneyness ``k = ln(K/F)``, ``F = S e^{(r−q)T}``::

    w(k, θ) = θ/2 · (1 + ρ φ k + √((φ k + ρ)² + 1 − ρ²)),   φ(θ) = η / (θ^γ (1 + θ)^{1−γ})
    IV(k, T) = √(w / T)

``ρ < 0`` gives the put skew (higher IV at lower strikes), the square root gives the wings;
``η (1 + |ρ|) ≤ 2`` keeps each smile free of butterfly arbitrage.

Prices. The listed roots are American-style (stocks, ETFs), so the model price at that IV is the
Bjerksund–Stensland (2002) American value (:mod:`aicoach.options.core.bjerksund`), which is never
below intrinsic; a European-style root would take Black–Scholes–Merton. Quotes put a bid/ask around
the model price that widens away from the money, for illiquid strikes and for thinly traded
names, on the exchange's ticks; the ask is then raised, if need be, so that the mid is never
below the no-arbitrage floor ``max(intrinsic, riskless exercise value)`` a buyer could lock in.

Volume and open interest. An expiration's share (:func:`.listings.activity`) spreads over its
strikes by ``w(K) = shape(z) x round(K) x sqrt(step / near step)`` with ``z = ln(K/F) / width``:
``shape = e^{-z^2/2} + c / (1 + (z/3)^2)`` (a Gaussian core, a fat tail of hedges and lottery
tickets: ``c = 0.08`` for open interest, ``0.02`` for volume), ``width = max(sd, 2 %)`` for open
interest (positions opened as the price moved) and ``0.7 max(sd, 1 %)`` for today's volume;
``round = 3`` on multiples of ``10u``, ``2`` of ``5u``, ``1.4`` of ``u``, ``1.1`` of ``u/2`` with
``u = 10^(floor(log10 S) - 1)`` (SPY at 685: 700 > 650 > 690 > 685). Puts take
``put_ratio x 0.65`` of a strike below the forward and ``put_ratio x 0.35`` above (calls the
mirror, then normalised), ``put_ratio`` 1.4 for index ETFs (hedging) and 0.75 for stocks. Every
contract gets a lognormal factor (``sigma = 0.45``, held within 0.4x-2.5x), drawn once per
session: open interest is what the clearing house published that morning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.options.core.bjerksund import bjerksund_stensland_price, riskless_value
from aicoach.options.core.pricing import bsm_price
from aicoach.simulation.listings import Activity, OptionProgram
from aicoach.simulation.listings import listed_expirations as _listed

FloatArray = npt.NDArray[np.float64]

TAU_YEARS: Final = 0.25
VRP: Final = 1.10  # implied over realised volatility
LONG_RUN_PREMIUM: Final = 1.12
SSVI_GAMMA: Final = 0.45


@dataclass(frozen=True, slots=True)
class Surface:
    """One symbol's surface at one instant (see module docstring for the formulas)."""

    sigma_short: float
    sigma_long: float
    rho: float
    eta: float

    def atm_total_variance(self, t_years: FloatArray | float, event_var: float = 0.0) -> FloatArray:
        t = np.maximum(np.asarray(t_years, dtype=np.float64), 1e-9)
        x = t / TAU_YEARS
        avg = (1.0 - np.exp(-x)) / x
        var = self.sigma_long**2 + (self.sigma_short**2 - self.sigma_long**2) * avg
        return np.asarray(var * t + event_var, dtype=np.float64)

    def atm_vol(self, t_years: float, event_var: float = 0.0) -> float:
        t = max(t_years, 1e-9)
        return float(math.sqrt(float(self.atm_total_variance(t, event_var)) / t))

    def implied_vol(self, log_moneyness: FloatArray, t_years: float, event_var: float = 0.0
                    ) -> FloatArray:  # fmt: skip
        t = max(t_years, 1e-9)
        theta = float(self.atm_total_variance(t, event_var))
        phi = self.eta / (theta**SSVI_GAMMA * (1.0 + theta) ** (1.0 - SSVI_GAMMA))
        k = log_moneyness
        rho = self.rho
        w = 0.5 * theta * (1.0 + rho * phi * k + np.sqrt((phi * k + rho) ** 2 + 1.0 - rho**2))
        return np.asarray(np.sqrt(w / t), dtype=np.float64)


def surface_for(kind_is_etf: bool, realized: float, conditional: float, long_run: float) -> Surface:
    """The surface from volatilities (annual): index ETFs skew harder than single stocks."""
    short = VRP * 0.5 * (realized + conditional)
    if kind_is_etf:
        return Surface(short, LONG_RUN_PREMIUM * long_run, rho=-0.7, eta=1.15)
    return Surface(short, LONG_RUN_PREMIUM * long_run, rho=-0.35, eta=1.3)


def occ_symbol(root: str, expiration: date, is_call: bool, strike: float) -> str:
    """OCC contract symbol, e.g. ``SPY261127C00600000`` (strike in thousandths, 8 digits)."""
    return f"{root}{expiration:%y%m%d}{'C' if is_call else 'P'}{round(strike * 1000):08d}"


@dataclass(frozen=True, slots=True)
class ChainQuotes:
    """Per strike (calls then puts share the ``strikes`` array): quotes in USD per share."""

    strikes: FloatArray
    call_theo: FloatArray
    put_theo: FloatArray
    call_bid: FloatArray
    call_ask: FloatArray
    put_bid: FloatArray
    put_ask: FloatArray
    call_last: FloatArray  # NaN: no trade yet
    put_last: FloatArray
    call_volume: FloatArray
    put_volume: FloatArray
    call_oi: FloatArray
    put_oi: FloatArray


def _ticks(price: FloatArray, penny: bool) -> FloatArray:
    return np.where(penny | (price < 3.0), 0.01, 0.05)


def _quote(theo: FloatArray, liquidity: FloatArray, penny: bool, etf: bool, thin: float
           ) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Bid and ask on the tick grid around ``theo``; the width grows with price and illiquidity
    (``thin`` >= 1 widens every quote of a thinly traded name)."""
    c0, c1 = (0.01, 0.004) if etf else (0.03, 0.012)
    width = thin * (c0 + c1 * theo * (1.0 + 4.0 * (1.0 - liquidity)))
    tick = _ticks(theo, penny)
    width = np.maximum(width, tick)
    bid = np.floor(np.round((theo - width / 2) / tick, 6)) * tick
    ask = np.ceil(np.round((theo + width / 2) / tick, 6)) * tick
    bid = np.where(bid < tick, 0.0, bid)  # nobody bids for a worthless far wing
    ask = np.maximum(ask, bid + tick)
    ask = np.maximum(ask, 0.01 if penny else 0.05)
    return np.round(bid, 2), np.round(ask, 2)


def _floor_mid(bid: FloatArray, ask: FloatArray, floor: FloatArray, penny: bool) -> FloatArray:
    """The ask, raised on its tick grid where ``(bid + ask) / 2`` would be below ``floor``."""
    tick = _ticks(ask, penny)
    need = np.ceil(np.round((2.0 * floor - bid) / tick, 6) - 1e-9) * tick
    # The rounded need can still leave the mid a hair under the floor: one more tick then.
    need = np.where(0.5 * (bid + np.round(need, 2)) < floor, need + tick, need)
    raised = np.where(0.5 * (bid + ask) < floor, np.maximum(ask, need), ask)
    return np.asarray(np.round(raised, 2), dtype=np.float64)


def _roundness(strikes: FloatArray, spot: float) -> FloatArray:
    unit = 10.0 ** (math.floor(math.log10(max(spot, 1e-9))) - 1)
    cents = np.round(strikes * 100).astype(np.int64)
    u = max(round(unit * 100), 1)
    out = np.ones(strikes.shape)
    for mult, weight in ((0.5, 1.1), (1, 1.4), (5, 2.0), (10, 3.0)):
        base = max(round(u * mult), 1)
        out = np.where(cents % base == 0, weight, out)
    return out


def _spread(strikes: FloatArray, z: FloatArray, tail: float, roundness: FloatArray) -> FloatArray:
    """Normalised weights of a strike ladder (see the module docstring)."""
    gaps = np.diff(strikes)
    step = np.minimum(np.r_[gaps[:1], gaps], np.r_[gaps, gaps[-1:]]) if strikes.size > 1 else (
        np.ones(strikes.shape))  # fmt: skip
    shape = np.exp(-0.5 * z * z) + tail / (1.0 + (z / 3.0) ** 2)
    w = shape * roundness * np.sqrt(step / step.min())
    return np.asarray(w / max(float(w.sum()), 1e-300), dtype=np.float64)


def price_chain(
    *,
    spot: float,
    strikes: FloatArray,
    t_years: float,
    r: float,
    q: float,
    surface: Surface,
    event_var: float,
    etf: bool,
    penny: bool,
    american: bool,
    activity: Activity,
    day_fraction: float,
    thin: float,
    rng: np.random.Generator,
) -> ChainQuotes:
    """Model prices and market-looking quotes, volume and open interest for one expiration."""
    fwd = spot * math.exp((r - q) * t_years)
    k = np.log(strikes / fwd)
    iv = surface.implied_vol(k, t_years, event_var)
    t = max(t_years, 1e-9)
    if american:
        call = bjerksund_stensland_price(True, spot, strikes, t, r, q, iv).price
        put = bjerksund_stensland_price(False, spot, strikes, t, r, q, iv).price
    else:
        call, put = (
            bsm_price(True, spot, strikes, t, r, q, iv),
            bsm_price(False, spot, strikes, t, r, q, iv),
        )
    sd = surface.atm_vol(t, event_var) * math.sqrt(t)
    liquidity = np.exp(-0.125 * (k / sd) ** 2)
    call_bid, call_ask = _quote(call, liquidity, penny, etf, thin)
    put_bid, put_ask = _quote(put, liquidity, penny, etf, thin)
    if american:  # a buyer could lock in the floor: no mid below it
        call_ask = _floor_mid(call_bid, call_ask, riskless_value(True, spot, strikes, t, r, q),
                              penny)  # fmt: skip
        put_ask = _floor_mid(put_bid, put_ask, riskless_value(False, spot, strikes, t, r, q),
                             penny)  # fmt: skip

    n = strikes.shape[0]
    noise = np.clip(np.exp(0.45 * rng.standard_normal((6, n))), 0.4, 2.5)
    roundness = _roundness(strikes, spot)
    oi_w = _spread(strikes, k / max(sd, 0.02), 0.08, roundness)
    vol_w = _spread(strikes, k / (0.7 * max(sd, 0.01)), 0.02, roundness)
    ratio = 1.4 if etf else 0.75
    put_raw = ratio * np.where(strikes < fwd, 0.65, 0.35)
    put_share = put_raw / (put_raw + np.where(strikes < fwd, 0.35, 0.65))
    day_total = activity.volume * day_fraction
    call_vol = np.floor(day_total * vol_w * (1.0 - put_share) * noise[0])
    put_vol = np.floor(day_total * vol_w * put_share * noise[1])
    call_oi = np.floor(activity.open_interest * oi_w * (1.0 - put_share) * noise[2])
    put_oi = np.floor(activity.open_interest * oi_w * put_share * noise[3])

    def last(theo: FloatArray, bid: FloatArray, ask: FloatArray, vol: FloatArray, oi: FloatArray,
             z: FloatArray) -> FloatArray:  # fmt: skip
        tick = _ticks(theo, penny)
        traded = np.round(np.clip(theo * z**0.1, bid, ask) / tick) * tick
        return np.where((vol + oi) > 0, np.round(np.maximum(traded, tick), 2), np.nan)

    return ChainQuotes(
        strikes=strikes, call_theo=call, put_theo=put,
        call_bid=call_bid, call_ask=call_ask, put_bid=put_bid, put_ask=put_ask,
        call_last=last(call, call_bid, call_ask, call_vol, call_oi, noise[4]),
        put_last=last(put, put_bid, put_ask, put_vol, put_oi, noise[5]),
        call_volume=call_vol, put_volume=put_vol, call_oi=call_oi, put_oi=put_oi,
    )  # fmt: skip


def listed_expirations(calendar: MarketCalendar, today: date, daily: bool) -> list[date]:
    """The expirations of an index ETF with dailies (``daily``) or of a liquid stock: a shorthand
    for :func:`.listings.listed_expirations` kept for callers that think in that one flag."""
    program = OptionProgram.index_etf(dailies=True) if daily else OptionProgram.liquid_stock()
    return _listed(calendar, today, program)
