"""Simulated option chains: expirations on the real calendar, the surface's skew and term
structure (checked through implied vols recovered by an independent library, vollib), quotes."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from vollib.black_scholes_merton.implied_volatility import implied_volatility

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.errors import ExpirationNotFoundError
from aicoach.marketdata.models import DataSource, OptionChain, OptionRight
from aicoach.options.core.expiry import t_years
from aicoach.simulation.listings import ExpirationKind, strike_ladder
from aicoach.simulation.options_surface import Surface, occ_symbol
from aicoach.simulation.provider import SimulatedMarketData

ET = ZoneInfo("America/New_York")
CAL = MarketCalendar()
FRIDAY_BEFORE = datetime(2026, 11, 20, 14, 5, tzinfo=ET)


def sim_at(at: datetime) -> SimulatedMarketData:
    return SimulatedMarketData(7, CAL, now=lambda: at)


@pytest.fixture(scope="module")
def sim() -> SimulatedMarketData:
    return sim_at(FRIDAY_BEFORE)


def mid_iv(chain: OptionChain, strike: float, right: OptionRight, now: datetime) -> float:
    c = next(c for c in chain.contracts if c.strike == strike and c.right == right)
    assert c.bid is not None
    assert c.ask is not None
    assert c.bid > 0
    t = t_years(now, CAL.expiration_close(chain.expiration))
    flag = "c" if right == OptionRight.CALL else "p"
    mid = 0.5 * (c.bid + c.ask)
    return float(implied_volatility(mid, chain.underlying_price, strike, t, 0.04,
                                    chain.dividend_yield, flag))  # fmt: skip


def test_expirations_follow_the_real_calendar(sim: SimulatedMarketData) -> None:
    spy = sim.expirations("SPY")
    aapl = sim.expirations("AAPL")
    for e in spy + aapl:
        assert CAL.is_session(e)
    # Thanksgiving week: Friday 2026-11-27 is an early-close session and the weekly expiration.
    assert date(2026, 11, 27) in spy
    assert date(2026, 11, 27) in aapl
    assert date(2026, 11, 26) not in spy
    assert CAL.expiration_close(date(2026, 11, 27)) == datetime(2026, 11, 27, 13, tzinfo=ET)
    # 0DTE and dailies for SPY, not for AAPL.
    assert spy[0] == date(2026, 11, 20)
    assert date(2026, 11, 24) in spy
    assert date(2026, 11, 24) not in aapl
    # Monthlies (third Friday; Thursday when it is a holiday) and January LEAPS ~2 years out.
    assert date(2026, 12, 18) in aapl
    assert date(2027, 6, 17) in aapl
    assert date(2026, 12, 24) in aapl  # Christmas Friday: the weekly moves to Thursday
    assert date(2028, 1, 21) in aapl
    assert max(aapl) >= date(2028, 1, 1)


def test_expiry_counts_to_the_early_close() -> None:
    before, after = (
        datetime(2026, 11, 27, 12, 59, tzinfo=ET),
        datetime(2026, 11, 27, 13, 1, tzinfo=ET),
    )
    assert date(2026, 11, 27) in sim_at(before).expirations("SPY")
    assert date(2026, 11, 27) not in sim_at(after).expirations("SPY")
    with pytest.raises(ExpirationNotFoundError):
        sim_at(after).chain("SPY", date(2026, 11, 27))


def test_chain_is_well_formed(sim: SimulatedMarketData) -> None:
    chain = sim.chain("AAPL", date(2026, 12, 18))
    assert chain.source is DataSource.SIMULATED
    assert chain.underlying_price == sim.quote("AAPL").last
    assert chain.dividend_yield == pytest.approx(0.005)
    pattern = re.compile(r"^AAPL261218[CP]\d{8}$")
    strikes = sorted({c.strike for c in chain.contracts})
    assert len(chain.contracts) == 2 * len(strikes)
    for c in chain.contracts:
        assert pattern.match(c.contract)
        assert c.iv is None
        assert c.greeks_from_provider is False
        assert c.bid is not None
        assert c.ask is not None
        assert 0 <= c.bid < c.ask
        tick = 0.01 if c.ask < 3 else 0.05
        assert math.isclose(round(c.ask / tick) * tick, c.ask, abs_tol=1e-9)
        assert c.volume is not None
        assert c.open_interest is not None
        assert c.open_interest >= 0
    spot = chain.underlying_price
    steps = np.diff([k for k in strikes if abs(k / spot - 1) < 0.04])
    assert set(np.round(steps, 2)) <= {2.5, 5.0}
    far_calls = [
        c for c in chain.contracts if c.right == OptionRight.CALL and c.strike > 1.3 * spot
    ]
    assert far_calls
    assert far_calls[-1].bid == 0.0
    # Spreads widen away from the money; activity peaks near it.
    calls = [c for c in chain.contracts if c.right == OptionRight.CALL]
    atm = min(calls, key=lambda c: abs(c.strike - spot))
    otm = min(calls, key=lambda c: abs(c.strike - 1.12 * spot))
    assert atm.bid is not None
    assert atm.ask is not None
    assert otm.bid is not None
    assert otm.ask is not None
    assert atm.ask - atm.bid < 0.6
    assert (otm.ask - otm.bid) / max(otm.ask, 0.01) > (atm.ask - atm.bid) / atm.ask

    def mean_oi(lo: float, hi: float) -> float:
        return float(np.mean([c.open_interest or 0.0 for c in chain.contracts
                              if lo <= abs(c.strike / spot - 1) < hi]))  # fmt: skip

    assert mean_oi(0.0, 0.03) > 3 * mean_oi(0.15, 9.0)


def test_spy_strikes_are_one_dollar_near_the_money(sim: SimulatedMarketData) -> None:
    chain = sim.chain("SPY", date(2026, 11, 27))
    spot = chain.underlying_price
    strikes = sorted({c.strike for c in chain.contracts})
    near = [k for k in strikes if abs(k / spot - 1) < 0.03]
    far = [k for k in strikes if abs(k / spot - 1) > 0.06]
    assert set(np.diff(near)) == {1.0}
    assert far
    assert all(k % 5 == 0 for k in far)
    assert occ_symbol("SPY", date(2026, 11, 27), True, 600) == "SPY261127C00600000"
    assert occ_symbol("NFLX", date(2027, 1, 15), False, 92.5) == "NFLX270115P00092500"


def test_put_skew_in_the_quoted_prices(sim: SimulatedMarketData) -> None:
    for symbol in ("SPY", "AAPL"):
        chain = sim.chain(symbol, date(2026, 12, 18))
        spot = chain.underlying_price
        strikes = sorted({c.strike for c in chain.contracts})
        put_k = min(strikes, key=lambda k: abs(k - spot * 0.93))
        call_k = min(strikes, key=lambda k: abs(k - spot * spot / put_k))
        put_iv = mid_iv(chain, put_k, OptionRight.PUT, FRIDAY_BEFORE)
        call_iv = mid_iv(chain, call_k, OptionRight.CALL, FRIDAY_BEFORE)
        assert put_iv > call_iv + 0.01, symbol
        atm_k = min(strikes, key=lambda k: abs(k - spot))
        atm_iv = mid_iv(chain, atm_k, OptionRight.CALL, FRIDAY_BEFORE)
        assert put_iv > atm_iv


def test_term_structure_in_the_quoted_prices(sim: SimulatedMarketData) -> None:
    ivs = []
    for exp in (date(2026, 12, 18), date(2027, 3, 19), date(2027, 12, 17)):
        chain = sim.chain("SPY", exp)
        f = chain.underlying_price * math.exp((0.04 - chain.dividend_yield) * t_years(
            FRIDAY_BEFORE, CAL.expiration_close(exp)))  # fmt: skip
        strikes = sorted({c.strike for c in chain.contracts})
        k = min(strikes, key=lambda s: abs(s - f))
        ivs.append(mid_iv(chain, k, OptionRight.CALL, FRIDAY_BEFORE))
    assert ivs[0] < ivs[1] < ivs[2]  # contango: this market is calm (realised < long run)
    assert 0.08 < ivs[0] < 0.35


def test_surface_formulas() -> None:
    calm = Surface(sigma_short=0.12, sigma_long=0.20, rho=-0.7, eta=1.15)
    stressed = Surface(sigma_short=0.45, sigma_long=0.20, rho=-0.7, eta=1.15)
    ts = np.array([1 / 365, 7 / 365, 30 / 365, 0.25, 1.0, 2.0])
    calm_atm = [calm.atm_vol(float(t)) for t in ts]
    stressed_atm = [stressed.atm_vol(float(t)) for t in ts]
    assert np.all(np.diff(calm_atm) > 0)
    assert np.all(np.diff(stressed_atm) < 0)
    # Total variance increases with T in both states (no calendar arbitrage).
    assert np.all(np.diff(calm.atm_total_variance(ts)) > 0)
    assert np.all(np.diff(stressed.atm_total_variance(ts)) > 0)
    # ATM of the smile is the term-structure vol; smile has skew and wings.
    k = np.array([-0.3, -0.1, 0.0, 0.1, 0.3])
    iv = calm.implied_vol(k, 0.25)
    assert iv[2] == pytest.approx(calm.atm_vol(0.25), rel=1e-12)
    assert iv[0] > iv[1] > iv[2]
    assert iv[4] > iv[3]
    # Earnings add their variance to every expiry after the event.
    assert calm.atm_total_variance(0.1, 0.05**2) == pytest.approx(
        float(calm.atm_total_variance(0.1)) + 0.0025)  # fmt: skip


def test_strike_ladder_increments() -> None:
    monthly = ExpirationKind.MONTHLY
    small = strike_ladder(94.0, 30 / 365, 0.4, monthly, etf=False)
    assert set(np.round(np.diff(small[(small > 90) & (small < 98)]), 2)) == {1.0}
    big = strike_ladder(660.0, 30 / 365, 0.4, monthly, etf=False)
    assert set(np.round(np.diff(big[(big > 640) & (big < 680)]), 2)) == {5.0}
    leaps = strike_ladder(271.0, 2.0, 0.3, monthly, etf=False)
    # Beyond a year every step is a notch coarser: $5 near the money, $20 far out.
    assert set(np.round(np.diff(leaps[(leaps > 250) & (leaps < 290)]), 2)) == {5.0}
    assert set(np.round(np.diff(leaps[leaps > 500]), 2)) == {20.0}
    assert leaps[0] < 150 < 450 < leaps[-1]


def test_zero_dte_chain_and_volume_grows_through_the_day() -> None:
    morning = datetime(2026, 11, 24, 10, tzinfo=ET)
    early = sim_at(morning).chain("SPY", date(2026, 11, 24))
    late = sim_at(morning + timedelta(hours=5)).chain("SPY", date(2026, 11, 24))
    assert sum(c.volume or 0 for c in late.contracts) > sum(c.volume or 0 for c in early.contracts)
    assert all(c.bid is not None and c.ask is not None and c.bid < c.ask for c in late.contracts)
