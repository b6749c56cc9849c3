"""Listing rules of the simulated option market: which expirations and strikes exist, and how a
day's volume and the open interest spread over them. Pure functions of the calendar, the
symbol's program and a price; no randomness here.

Expirations (all real XNYS sessions; a holiday Friday moves to the session before it):

* **dailies** (SPY, QQQ, IWM): every session of the next two weeks, today's included (0DTE);
* **weeklies**: each Friday for the next 8 weeks (ETFs with dailies) or 6 (other liquid names);
  the mid-cap has none;
* **standard monthlies**: the third Friday (Thursday when that Friday is a holiday), consecutively
  for the next 12 months (ETFs), 6 (liquid stocks) or 2 (the mid-cap);
* **quarterly-cycle monthlies**: the March/June/September/December monthlies out to 24 months
  (ETFs) or 12 months (stocks; the mid-cap: 9);
* **quarter-ends** (ETFs): the last session of March/June/September/December, next 4 quarters;
* **LEAPS**: the January monthlies of the next two years, and of the third from September on.

Strikes, for an expiration ``T`` years out, with ``sd = sigma_atm sqrt(T)`` and ``A`` the
anchor price (the previous session's close, so the ladder stands still through the day):

* the **range** widens with the expiration's kind and with time: dailies +/- ``3 sd`` held within
  5-10 %; weeklies ``-4 sd`` (10-25 %) / ``+3.5 sd`` (8-20 %); monthlies and beyond at least
  ``-(40 + 25 min(T, 1)) %`` / ``+(40 + 30 min(T, 1)) %`` for stocks (ETFs: ``-(35 + 15 T)`` /
  ``+(15 + 15 T)`` %, their upside is tighter), widened to ``4.5 sd`` down / ``4 sd`` up,
  capped at 10 % and 300 % of ``A``;
* **increments** by zone of ``|K / A - 1|``: near (within ``1.5 sd``, held within 5-12 %), mid
  (to ``max(2 x near, 20 %)``) and far, by price band: ETFs $1 / $5 / $10; stocks under $25
  $0.5 / $1 / $2.5, $25-100 $1 / $2.5 / $5, $100-300 $2.5 / $5 / $10, $300-1000 $5 / $10 /
  $25, above $10 / $25 / $50. Beyond a year (LEAPS) every step is one notch coarser; dailies use
  the near step throughout. Every strike is a multiple of its zone's step.

Activity: a day's option volume (contracts, the symbol's ``option_volume``) is shared over the
listed expirations by ``boost / (1 + days)^0.8`` (monthly x3, quarter-end x1.5): the front
expiration, 0DTE above all, trades most. Open interest totals ``2.5`` days of volume, shared by
``boost (days + 3)^0.25 e^{-days/500}`` (monthly x4, quarter-end x2.5, weekly x1, daily x0.3):
monthlies hold the positions, dailies little. How each expiration's share spreads over strikes
is :func:`aicoach.simulation.options_surface.price_chain`'s business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.marketdata.calendar import MarketCalendar

FloatArray = npt.NDArray[np.float64]

OI_DAYS_OF_VOLUME: Final = 2.5
_DAILY_SESSIONS: Final = 10


class ExpirationKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTER_END = "quarter-end"


@dataclass(frozen=True, slots=True)
class OptionProgram:
    """How a symbol's options are listed (see the module docstring)."""

    etf: bool
    dailies: bool = False
    weeklies: int = 6
    monthlies: int = 6
    quarterly_months: int = 12  # March/June/September/December monthlies this far out
    quarter_ends: bool = False

    @classmethod
    def index_etf(cls, *, dailies: bool) -> OptionProgram:
        return cls(etf=True, dailies=dailies, weeklies=8 if dailies else 6, monthlies=12,
                   quarterly_months=24, quarter_ends=True)  # fmt: skip

    @classmethod
    def liquid_stock(cls) -> OptionProgram:
        return cls(etf=False)

    @classmethod
    def mid_cap(cls) -> OptionProgram:
        return cls(etf=False, weeklies=0, monthlies=2, quarterly_months=9)


def _months_ahead(today: date, n: int) -> list[tuple[int, int]]:
    return [(today.year + (today.month - 1 + i) // 12, (today.month - 1 + i) % 12 + 1)
            for i in range(n + 1)]  # fmt: skip


def quarter_end(calendar: MarketCalendar, year: int, month: int) -> date:
    """The last session of the month (the quarter-end expiration of March, June, ...)."""
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return calendar.session_on_or_before(first_next - timedelta(days=1)).date


def listed_expirations(calendar: MarketCalendar, today: date, program: OptionProgram) -> list[date]:
    """Expirations listed on ``today`` (New York date), ascending (module docstring)."""
    last = calendar.last_date - timedelta(days=40)
    found: set[date] = set()
    if program.dailies:
        d = calendar.session_on_or_before(today).date
        d = d if d == today else calendar.next_session(today).date
        for _ in range(_DAILY_SESSIONS):
            found.add(d)
            d = calendar.next_session(d).date
    if program.weeklies:
        found.update(calendar.weekly_expirations(today, program.weeklies))
    found.update(calendar.monthly_expirations(today, program.monthlies))
    for y, m in _months_ahead(today, program.quarterly_months):
        if m % 3 == 0 and date(y, m, 1) <= last:
            found.add(calendar.monthly_expiration(y, m))
    if program.quarter_ends:
        for y, m in _months_ahead(today, 12):
            if m % 3 == 0 and date(y, m, 1) <= last:
                found.add(quarter_end(calendar, y, m))
    for y in range(today.year + 1, today.year + (4 if today.month >= 9 else 3)):
        if date(y, 1, 1) <= last:
            found.add(calendar.monthly_expiration(y, 1))
    return sorted(e for e in found if e >= today)


def expiration_kind(calendar: MarketCalendar, d: date) -> ExpirationKind:
    """Monthly (third Friday rule) before weekly (the week's Friday session), quarter-end, daily."""
    if calendar.is_monthly_expiration(d):
        return ExpirationKind.MONTHLY
    if calendar.weekly_expiration(d) == d:
        return ExpirationKind.WEEKLY
    if d.month % 3 == 0 and quarter_end(calendar, d.year, d.month) == d:
        return ExpirationKind.QUARTER_END
    return ExpirationKind.DAILY


@dataclass(frozen=True, slots=True)
class StrikeSteps:
    """Strike increments in dollars: near the money, further out, far out."""

    near: float
    mid: float
    far: float


_STOCK_BANDS: Final = ((25.0, 0.5, 1.0, 2.5), (100.0, 1.0, 2.5, 5.0), (300.0, 2.5, 5.0, 10.0),
                       (1000.0, 5.0, 10.0, 25.0), (math.inf, 10.0, 25.0, 50.0))  # fmt: skip


def strike_steps(price: float, etf: bool, t_years: float) -> StrikeSteps:
    """Increments by price band; one notch coarser beyond a year (module docstring)."""
    if etf:
        near, mid, far = 1.0, 5.0, 10.0
    else:
        near, mid, far = next((n, m, f) for cap, n, m, f in _STOCK_BANDS if price < cap)
    if t_years > 1.0:
        near, mid, far = mid, far, 2.0 * far
    return StrikeSteps(near, mid, far)


def strike_range(kind: ExpirationKind, t_years: float, sd: float, etf: bool
                 ) -> tuple[float, float]:  # fmt: skip
    """``(down, up)``: the listed strikes span ``A (1 - down)`` to ``A (1 + up)``."""
    if kind is ExpirationKind.DAILY:
        half = min(max(3.0 * sd, 0.05), 0.10)
        return half, half
    if kind is ExpirationKind.WEEKLY or (kind is ExpirationKind.QUARTER_END and t_years < 0.1):
        return min(max(4.0 * sd, 0.10), 0.25), min(max(3.5 * sd, 0.08), 0.20)
    years = min(t_years, 1.0)
    down_floor, up_floor = (0.35 + 0.15 * years, 0.15 + 0.15 * years) if etf else (
        0.40 + 0.25 * years, 0.40 + 0.30 * years)  # fmt: skip
    down = min(max(down_floor, 1.0 - math.exp(-4.5 * sd)), 0.90)
    up = min(max(up_floor, math.exp(3.0 * sd) - 1.0), 1.0 if etf else 1.5)
    return down, up


def strike_ladder(anchor: float, t_years: float, atm_vol: float, kind: ExpirationKind,
                  etf: bool) -> FloatArray:  # fmt: skip
    """The listed strikes (dollars, ascending) of one expiration (module docstring)."""
    sd = atm_vol * math.sqrt(max(t_years, 1.0 / 365.0))
    down, up = strike_range(kind, t_years, sd, etf)
    steps = strike_steps(anchor, etf, t_years)
    near = min(max(2.5 * sd, 0.05), 0.15) if etf else min(max(1.5 * sd, 0.05), 0.12)
    mid = max(2.0 * near, 0.25)
    if kind is ExpirationKind.DAILY:
        near = mid = max(down, up)
    zones = ((0.0, near, steps.near), (near, mid, steps.mid), (mid, math.inf, steps.far))
    lo_all, hi_all = anchor * (1.0 - down), anchor * (1.0 + up)
    parts = []
    for inner, outer, step in zones:
        for lo, hi in ((anchor * (1.0 - outer), anchor * (1.0 - inner)),
                       (anchor * (1.0 + inner), anchor * (1.0 + outer))):  # fmt: skip
            lo, hi = max(lo, lo_all), min(hi, hi_all)
            if hi >= lo:
                parts.append(np.arange(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
                                       + 1) * step)  # fmt: skip
    strikes = np.unique(np.round(np.concatenate(parts), 2))
    return np.asarray(strikes[strikes > 0], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Activity:
    """One expiration's share of the symbol's trading: contracts today, contracts open."""

    volume: float
    open_interest: float


_VOLUME_BOOST: Final = {ExpirationKind.DAILY: 1.0, ExpirationKind.WEEKLY: 1.0,
                        ExpirationKind.MONTHLY: 3.0, ExpirationKind.QUARTER_END: 1.5}  # fmt: skip
_OI_BOOST: Final = {ExpirationKind.DAILY: 0.3, ExpirationKind.WEEKLY: 1.0,
                    ExpirationKind.MONTHLY: 4.0, ExpirationKind.QUARTER_END: 2.5}  # fmt: skip


def activity(calendar: MarketCalendar, today: date, listed: list[date], expiration: date,
             option_volume: float) -> Activity:  # fmt: skip
    """``expiration``'s share of a day's ``option_volume`` and of the open interest."""
    vol_w, oi_w = {}, {}
    for e in listed:
        kind, days = expiration_kind(calendar, e), max((e - today).days, 0)
        vol_w[e] = _VOLUME_BOOST[kind] / (1.0 + days) ** 0.8
        oi_w[e] = _OI_BOOST[kind] * (days + 3.0) ** 0.25 * math.exp(-days / 500.0)
    if expiration not in vol_w:
        return Activity(0.0, 0.0)
    volume = option_volume * vol_w[expiration] / sum(vol_w.values())
    oi = OI_DAYS_OF_VOLUME * option_volume * oi_w[expiration] / sum(oi_w.values())
    return Activity(volume, oi)
