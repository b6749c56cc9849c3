"""The simulated option market's listing rules and realism (``simulation.listings``):
expiration calendar, strike ranges and increments, volume and open interest by liquidity, and,
over every listed chain, American-consistent quotes (no mid under intrinsic) with Greeks where a
trader would look."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.models import OptionChain, OptionRight
from aicoach.options.chain import GreeksSource, compute_chain
from aicoach.options.core.bjerksund import riskless_value
from aicoach.options.core.expiry import t_years
from aicoach.simulation.listings import (
    ExpirationKind,
    expiration_kind,
    quarter_end,
    strike_ladder,
    strike_steps,
)
from aicoach.simulation.provider import SimulatedMarketData
from aicoach.simulation.universe import UNIVERSE

ET = ZoneInfo("America/New_York")
CAL = MarketCalendar()
FRIDAY = datetime(2026, 11, 20, 14, 5, tzinfo=ET)  # a monthly expiration day, mid-session
TUESDAY = datetime(2027, 3, 23, 10, 30, tzinfo=ET)  # Good Friday week
R = 0.04


def sim_at(at: datetime, seed: int = 7) -> SimulatedMarketData:
    return SimulatedMarketData(seed, CAL, now=lambda: at)


def strikes_of(chain: OptionChain) -> np.ndarray:
    return np.array(sorted({c.strike for c in chain.contracts}))


def test_expiration_calendar_follows_the_listing_programs() -> None:
    sim = sim_at(TUESDAY)
    today = TUESDAY.date()
    spy, aapl, etsy = sim.expirations("SPY"), sim.expirations("AAPL"), sim.expirations("ETSY")
    for listed in (spy, aapl, etsy):
        assert all(CAL.is_session(e) for e in listed) and listed == sorted(listed)
    # Dailies for SPY: every session of the next two weeks, today (0DTE) first; none for AAPL.
    sessions = [s.date for s in CAL.sessions_in_range(today, today + timedelta(days=20))][:10]
    assert spy[:10] == sessions
    assert date(2027, 3, 24) in spy and date(2027, 3, 24) not in aapl
    # Good Friday 2027-03-26: the week's weekly moves to Thursday; ETSY lists no weeklies.
    assert date(2027, 3, 25) in aapl and date(2027, 3, 26) not in aapl
    assert date(2027, 3, 25) not in etsy
    assert all(expiration_kind(CAL, e) is not ExpirationKind.WEEKLY for e in etsy)
    # Standard monthlies: third Friday, Thursday when it is a holiday (Juneteenth 2027).
    monthly = [e for e in aapl if expiration_kind(CAL, e) is ExpirationKind.MONTHLY]
    assert date(2027, 4, 16) in monthly and date(2027, 6, 17) in monthly
    assert all(CAL.monthly_expiration(e.year, e.month) == e for e in monthly)
    # ETF quarter-ends (last session of the quarter), LEAPS in January of the next two years.
    assert quarter_end(CAL, 2027, 3) == date(2027, 3, 31) and date(2027, 3, 31) in spy
    assert date(2027, 3, 31) not in aapl
    for listed in (spy, aapl, etsy):
        assert {date(2028, 1, 21), date(2029, 1, 19)} <= set(listed)
    assert date(2030, 1, 18) not in aapl  # the third LEAPS year is listed from September
    assert date(2030, 1, 18) in sim_at(datetime(2027, 9, 8, 11, tzinfo=ET)).expirations("AAPL")
    assert len(etsy) < len(aapl) < len(spy)


@pytest.mark.parametrize(
    ("price", "etf", "near"),
    [(20.0, False, 0.5), (60.0, False, 1.0), (187.0, False, 2.5), (483.0, False, 5.0),
     (1500.0, False, 10.0), (685.0, True, 1.0), (248.0, True, 1.0)],
)  # fmt: skip
def test_strike_increments_by_price_band_and_distance(price: float, etf: bool, near: float) -> None:
    steps = strike_steps(price, etf, 30 / 365)
    assert steps.near == near and steps.near < steps.mid < steps.far
    ladder = strike_ladder(price, 30 / 365, 0.3, ExpirationKind.MONTHLY, etf)
    gaps = np.diff(ladder)
    close_in = np.abs(ladder[1:] / price - 1) < 0.04
    assert set(np.round(gaps[close_in], 2)) == {near}
    far = ladder[np.abs(ladder / price - 1) > 0.3]
    assert far.size and np.allclose(np.round(far / steps.far) * steps.far, far)
    assert strike_steps(price, etf, 2.0).near == steps.mid  # LEAPS: a notch coarser


def test_strike_ranges_widen_with_the_expiration() -> None:
    sim = sim_at(FRIDAY)
    spy = sim.expirations("SPY")
    spot = sim.quote("SPY").last
    zero_dte = strikes_of(sim.chain("SPY", date(2026, 11, 23)))  # a Monday daily
    monthly = strikes_of(sim.chain("SPY", date(2026, 12, 18)))
    leaps = strikes_of(sim.chain("SPY", max(spy)))
    lo0, hi0 = zero_dte[0] / spot - 1, zero_dte[-1] / spot - 1
    assert -0.11 <= lo0 <= -0.045 and 0.045 <= hi0 <= 0.11
    assert monthly[0] / spot - 1 <= -0.30 and monthly[-1] / spot - 1 >= 0.15
    assert leaps[0] < monthly[0] and leaps[-1] > monthly[-1]
    # $1 near the money on SPY's monthly, $5 further out, coarser still on LEAPS.
    near = monthly[np.abs(monthly / spot - 1) < 0.04]
    assert set(np.diff(near)) == {1.0}
    assert np.all(monthly[monthly / spot - 1 < -0.25] % 5 == 0)
    assert np.min(np.diff(leaps)) >= 5.0


def _oi(chain: OptionChain, band: float, beyond: float = 0.0) -> np.ndarray:
    s = chain.underlying_price
    return np.array([c.open_interest or 0.0 for c in chain.contracts
                     if beyond <= abs(c.strike / s - 1) < band])  # fmt: skip


def test_open_interest_and_volume_follow_liquidity() -> None:
    sim = sim_at(FRIDAY)
    spy = sim.chain("SPY", date(2026, 12, 18))
    etsy = sim.chain("ETSY", date(2026, 12, 18))
    nvda = sim.chain("NVDA", date(2026, 12, 18))
    spy_all = np.array([c.open_interest for c in spy.contracts])
    assert 1e3 <= np.median(_oi(spy, 0.05)) <= 1e5 and spy_all.max() <= 1e5
    etsy_all = np.array([c.open_interest for c in etsy.contracts])
    assert 1e1 <= np.median(_oi(etsy, 0.10)) <= 1e3 and etsy_all.max() <= 1e3
    assert np.array([c.open_interest for c in nvda.contracts]).max() <= 1e5  # not 4 million
    # Concentrated near the money and on round strikes.
    assert np.mean(_oi(spy, 0.03)) > 5 * np.mean(_oi(spy, 9.0, beyond=0.15))
    s = spy.underlying_price
    near = [c for c in spy.contracts if abs(c.strike / s - 1) < 0.04]
    round_oi = np.mean([c.open_interest or 0 for c in near if c.strike % 10 == 0])
    other_oi = np.mean([c.open_interest or 0 for c in near if c.strike % 5 != 0])
    assert round_oi > 1.8 * other_oi
    # Volume decays with time to expiry: today's expiration trades most, LEAPS least.
    by_exp = [
        sum(c.volume or 0 for c in sim.chain("SPY", e).contracts)
        for e in (date(2026, 11, 20), date(2026, 12, 18), max(sim.expirations("SPY")))
    ]
    assert by_exp[0] > by_exp[1] > by_exp[2] > 0


def test_listing_is_deterministic_and_seeded() -> None:
    a = sim_at(FRIDAY).chain("AAPL", date(2026, 12, 18))
    b = sim_at(FRIDAY).chain("AAPL", date(2026, 12, 18))
    c = sim_at(FRIDAY, seed=8).chain("AAPL", date(2026, 12, 18))
    assert a.contracts == b.contracts
    assert [x.open_interest for x in a.contracts] != [x.open_interest for x in c.contracts]
    # The ladder stands still through the session (listed around the previous close).
    later = sim_at(FRIDAY + timedelta(hours=1)).chain("AAPL", date(2026, 12, 18))
    np.testing.assert_array_equal(strikes_of(later), strikes_of(a))


@pytest.mark.parametrize("at", [FRIDAY, TUESDAY], ids=["friday-monthly-day", "good-friday-week"])
def test_every_listed_chain_is_american_consistent(at: datetime) -> None:
    """All symbols, all expirations: no mid below ``max(intrinsic, riskless exercise value)``,
    and IV and Greeks for the strikes a trader would look at (out of or at the money within one
    standard deviation, in the money within half of one, with a bid)."""
    sim = sim_at(at)
    checked = 0
    for symbol in UNIVERSE:
        q = sim.spec(symbol).info.dividend_yield
        for expiration in sim.expirations(symbol):
            chain = sim.chain(symbol, expiration)
            close = CAL.expiration_close(expiration)
            t, s = t_years(chain.as_of, close), chain.underlying_price
            table = compute_chain(chain, expiration_close=close, r=R, q=q, source="simulated",
                                  stale=False)  # fmt: skip
            assert table.model.value == "bjerksund-stensland-2002"
            strike = np.array([c.strike for c in chain.contracts])
            call = np.array([c.right is OptionRight.CALL for c in chain.contracts])
            intrinsic = np.maximum(np.where(call, s - strike, strike - s), 0.0)
            floor = riskless_value(call, s, strike, t, R, q)
            assert np.all(table.mid >= intrinsic), (symbol, expiration)
            assert np.all(table.mid >= floor - 1e-9), (symbol, expiration)
            assert "below intrinsic" not in table.reason
            atm = table.atm_iv()
            assert atm is not None, (symbol, expiration)
            z = np.log(strike / (s * math.exp((R - q) * t))) / (atm * math.sqrt(t))
            itm = np.where(call, z < 0, z > 0)
            bid = np.array([c.bid or 0.0 for c in chain.contracts])
            liquid = (np.abs(z) <= np.where(itm, 0.5, 1.0)) & (bid >= 0.05)
            for i in np.flatnonzero(liquid):
                assert table.greeks_source[i] is GreeksSource.COMPUTED, (
                    symbol, expiration, chain.contracts[i].contract, table.reason[i])  # fmt: skip
                assert math.isfinite(table.delta[i]) and table.theta_per_day[i] <= 1e-12
            checked += int(liquid.sum())
    assert checked > 10_000
