"""Simulated option chains: listed expirations, strike grids, a volatility surface and quotes.

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
``η (1 + |ρ|) ≤ 2`` keeps each smile free of butterfly arbitrage. Prices are Black–Scholes–Merton
(:func:`aicoach.options.core.pricing.bsm_price`) at that IV; quotes put a bid/ask around the model
price that widens away from the money and for illiquid strikes, on the exchange's ticks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.options.core.pricing import bsm_price

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


def strike_grid(spot: float, t_years: float, atm_vol: float, etf: bool) -> FloatArray:
    """Listed strikes: fine steps near the money, coarse ones further out.

    Near step: $1 for ETFs, $0.5/$1/$2.5/$5 for stocks by price ($25/$100/$250 breaks); far step
    $5 for ETFs and the next coarser step for stocks, used everywhere past three months. Near is
    ``±max(5 %, 1 sd)``; the grid spans ``±max(8 %, 4 sd)`` (sd = ``σ √T``), within 0.3x–2.5x spot.
    """
    if etf:
        near_step, far_step = 1.0, 5.0
    else:
        steps = ((25.0, 0.5, 1.0), (100.0, 1.0, 2.5), (250.0, 2.5, 5.0), (math.inf, 5.0, 10.0))
        near_step, far_step = next((n, f) for cap, n, f in steps if spot < cap)
    if t_years > 0.25 and not etf:
        near_step = far_step
    sd = atm_vol * math.sqrt(max(t_years, 1e-6))
    near = max(0.05, sd)
    wide = max(0.08, 4.0 * sd)
    lo_near, hi_near = spot * math.exp(-near), spot * math.exp(near)
    lo, hi = max(spot * math.exp(-wide), 0.3 * spot), min(spot * math.exp(wide), 2.5 * spot)
    fine = (
        np.arange(math.ceil(lo_near / near_step), math.floor(hi_near / near_step) + 1) * near_step
    )
    coarse = np.arange(math.ceil(lo / far_step), math.floor(hi / far_step) + 1) * far_step
    coarse = coarse[(coarse < fine[0]) | (coarse > fine[-1])] if fine.size else coarse
    strikes = np.unique(np.round(np.concatenate((fine, coarse)), 2))
    return np.asarray(strikes[strikes > 0], dtype=np.float64)


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


def _quote(theo: FloatArray, liquidity: FloatArray, penny: bool, etf: bool
           ) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Bid and ask on the tick grid around ``theo``; the width grows with price and illiquidity."""
    c0, c1 = (0.01, 0.004) if etf else (0.03, 0.012)
    width = c0 + c1 * theo * (1.0 + 4.0 * (1.0 - liquidity))
    tick = _ticks(theo, penny)
    width = np.maximum(width, tick)
    bid = np.floor(np.round((theo - width / 2) / tick, 6)) * tick
    ask = np.ceil(np.round((theo + width / 2) / tick, 6)) * tick
    bid = np.where(bid < tick, 0.0, bid)  # nobody bids for a worthless far wing
    ask = np.maximum(ask, bid + tick)
    ask = np.maximum(ask, 0.01 if penny else 0.05)
    return np.round(bid, 2), np.round(ask, 2)


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
    contracts_per_day: float,
    day_fraction: float,
    monthly: bool,
    rng: np.random.Generator,
) -> ChainQuotes:
    """Model prices and market-looking quotes for one expiration."""
    fwd = spot * math.exp((r - q) * t_years)
    k = np.log(strikes / fwd)
    iv = surface.implied_vol(k, t_years, event_var)
    t = max(t_years, 1e-9)
    call = bsm_price(True, spot, strikes, t, r, q, iv)
    put = bsm_price(False, spot, strikes, t, r, q, iv)
    sd = surface.atm_vol(t, event_var) * math.sqrt(t)
    liquidity = np.exp(-0.125 * (k / sd) ** 2)
    cents = np.round(strikes * 100).astype(np.int64)
    roundness = np.where(cents % 5000 == 0, 2.0, np.where(cents % 1000 == 0, 1.5,
                         np.where(cents % 500 == 0, 1.2, 1.0)))  # fmt: skip
    call_bid, call_ask = _quote(call, liquidity, penny, etf)
    put_bid, put_ask = _quote(put, liquidity, penny, etf)

    n = strikes.shape[0]
    noise = np.exp(0.5 * rng.standard_normal((6, n)) - 0.125)
    weight = liquidity**2 * roundness
    weight = weight / max(float(weight.sum()), 1e-12)
    oi_mult = 12.0 * (3.0 if monthly else 1.0)
    # Puts trade more below spot, calls above (hedgers and call buyers).
    call_share = np.where(strikes >= spot, 0.6, 0.4)
    day_total = contracts_per_day * day_fraction
    call_vol = np.floor(day_total * weight * call_share * noise[0])
    put_vol = np.floor(day_total * weight * (1.0 - call_share) * noise[1])
    call_oi = np.floor(contracts_per_day * oi_mult * weight * call_share * noise[2])
    put_oi = np.floor(contracts_per_day * oi_mult * weight * (1.0 - call_share) * noise[3])

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
    """Expirations listed on ``today`` (New York date), oldest first, all real sessions.

    Weeklies (each Friday session, or the session before a Friday holiday) for the next 8 weeks
    (12 for symbols with dailies), the next 9 standard monthlies (third Friday rules), quarterly
    months out 15 months, January LEAPS two years out (three from September), and for symbols with
    dailies every session of the next two weeks (0DTE included).
    """
    last = calendar.last_date
    found: set[date] = set(calendar.weekly_expirations(today, 12 if daily else 8))
    found.update(calendar.monthly_expirations(today, 9))
    year, month = today.year, today.month
    for ahead in range(16):
        y, m = year + (month - 1 + ahead) // 12, (month - 1 + ahead) % 12 + 1
        if m in (3, 6, 9, 12) and date(y, m, 28) <= last:
            found.add(calendar.monthly_expiration(y, m))
    for y in range(year + 1, year + (4 if month >= 9 else 3)):
        if date(y, 1, 31) <= last:
            found.add(calendar.monthly_expiration(y, 1))
    if daily:
        first = calendar.session_on_or_before(today)
        d = first.date if first.date == today else calendar.next_session(today).date
        for _ in range(10):
            found.add(d)
            d = calendar.next_session(d).date
    return sorted(e for e in found if e >= today)
