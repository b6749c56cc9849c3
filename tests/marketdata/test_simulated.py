"""The simulated market: determinism, bar shapes, sessions, intraday consistency, quotes, stream.

Every test pins ``now``; the instants are chosen on the real 2026 calendar (Thanksgiving week:
Thu 2026-11-26 is a holiday, Fri 2026-11-27 closes at 13:00 ET).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.errors import InvalidBarRangeError, SymbolNotFoundError
from aicoach.marketdata.models import AssetKind, BarSeries, DataSource, MarketPhase, Timeframe
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.marketdata.resample import resample
from aicoach.simulation.provider import SimulatedMarketData
from aicoach.simulation.universe import UNIVERSE, stable_hash

ET = ZoneInfo("America/New_York")
CAL = MarketCalendar()
#: Tuesday of Thanksgiving week, mid-morning.
TUESDAY = datetime(2026, 11, 24, 11, 17, 33, tzinfo=ET)


def sim_at(at: datetime, seed: int = 7) -> SimulatedMarketData:
    return SimulatedMarketData(seed, CAL, now=lambda: at)


@pytest.fixture(scope="module")
def sim() -> SimulatedMarketData:
    return sim_at(TUESDAY)


def daily(s: SimulatedMarketData, symbol: str, days: int = 3000) -> BarSeries:
    now = s.now()
    return s.bars(symbol, Timeframe.D1, now - timedelta(days=days), now + timedelta(days=1))


def session_minutes(s: SimulatedMarketData, symbol: str, d: date) -> BarSeries:
    start = datetime(d.year, d.month, d.day, tzinfo=ET)
    return s.bars(symbol, Timeframe.M1, start, start + timedelta(days=1))


def et_times(series: BarSeries) -> list[datetime]:
    return [
        datetime.fromtimestamp(int(t) / 1e9, UTC).astimezone(ET)
        for t in series.time.astype("datetime64[ns]").astype(np.int64)
    ]


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_same_market_and_other_seed_other_market() -> None:
    a, b, c = sim_at(TUESDAY), sim_at(TUESDAY), sim_at(TUESDAY, seed=8)
    da, db, dc = daily(a, "AAPL"), daily(b, "AAPL"), daily(c, "AAPL")
    for field in ("time", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(da, field), getattr(db, field))
    assert not np.array_equal(da.close, dc.close)
    ma = session_minutes(a, "AAPL", date(2026, 11, 20))
    mb = session_minutes(b, "AAPL", date(2026, 11, 20))
    np.testing.assert_array_equal(ma.close, mb.close)
    np.testing.assert_array_equal(ma.volume, mb.volume)
    assert a.quote("SPY") == b.quote("SPY")


def test_symbol_seeding_does_not_use_salted_hash() -> None:
    code = (
        "from datetime import datetime, timezone as tz;"
        "from aicoach.simulation.provider import SimulatedMarketData as S;"
        "from aicoach.simulation.universe import stable_hash;"
        "s = S(7, now=lambda: datetime(2026, 11, 24, 17, tzinfo=tz.utc));"
        "print(stable_hash('NVDA'), s.quote('NVDA').last)"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": salt},
        ).stdout
        for salt in ("1", "2")
    }
    assert len(outs) == 1
    assert outs.pop().split()[0] == str(stable_hash("NVDA"))


def test_the_past_does_not_change_as_time_passes() -> None:
    later = sim_at(TUESDAY + timedelta(days=200))
    now = daily(sim_at(TUESDAY), "MSFT")
    then = daily(later, "MSFT", days=3200)
    n = len(now) - 1  # today's bar is still partial on TUESDAY
    np.testing.assert_array_equal(now.close[:n], then.close[:n])


# --- universe and daily bars ----------------------------------------------------------------


async def test_protocol_symbols_and_search(sim: SimulatedMarketData) -> None:
    assert isinstance(sim, MarketDataProvider)
    assert len(UNIVERSE) >= 12
    assert {"SPY", "QQQ", "IWM", "DIA"} <= {s for s, v in UNIVERSE.items()
                                            if v.info.kind == AssetKind.ETF}  # fmt: skip
    spy, tsla = await sim.get_symbol("spy"), await sim.get_symbol("TSLA")
    assert spy.dividend_yield == pytest.approx(0.013)
    assert tsla.dividend_yield == 0.0
    assert (await sim.get_symbol("NVDA")).beta == pytest.approx(1.8)
    assert [i.symbol for i in await sim.search_symbols("AA")] == ["AAPL"]
    micro = {i.symbol for i in await sim.search_symbols("micro")}
    assert micro == {"MSFT", "AMD"}
    assert len(await sim.search_symbols("", 5)) == 0
    with pytest.raises(SymbolNotFoundError):
        await sim.get_symbol("NOPE")
    with pytest.raises(SymbolNotFoundError):
        await sim.get_quote("NOPE")
    with pytest.raises(SymbolNotFoundError):
        await sim.get_bars("NOPE", Timeframe.D1, TUESDAY - timedelta(days=5), TUESDAY)
    with pytest.raises(SymbolNotFoundError):
        await sim.get_chain("NOPE", date(2026, 11, 27))
    with pytest.raises(SymbolNotFoundError):
        sim.stream(["SPY", "NOPE"])
    with pytest.raises(InvalidBarRangeError):
        await sim.get_bars("SPY", Timeframe.D1, TUESDAY, TUESDAY - timedelta(days=1))


@pytest.mark.parametrize("symbol", sorted(UNIVERSE))
def test_daily_bars_are_consistent_and_realistic(sim: SimulatedMarketData, symbol: str) -> None:
    d = daily(sim, symbol)
    assert d.source is DataSource.SIMULATED
    assert len(d) >= 5 * 252
    assert np.all(d.low <= np.minimum(d.open, d.close))
    assert np.all(d.high >= np.maximum(d.open, d.close))
    assert np.all(d.low > 0)
    assert np.all(d.volume > 0)
    np.testing.assert_array_equal(np.round(d.close, 2), d.close)  # cents
    # Price levels near the anchor (first session of 2026) are the realistic ones.
    anchor = int(np.searchsorted(d.time, np.datetime64("2026-01-02")))
    assert d.close[anchor] == pytest.approx(UNIVERSE[symbol].anchor_price, rel=0.02)
    # Gaps: opens differ from the previous close on most days.
    assert np.mean(d.open[1:] != d.close[:-1]) > 0.9
    # Daily ranges are a realistic fraction of the price.
    rng_pct = np.median((d.high - d.low) / d.close)
    assert 0.003 < rng_pct < 0.06


def test_daily_sessions_match_the_calendar_and_stop_today(sim: SimulatedMarketData) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    d = sim.bars("SPY", Timeframe.D1, start, TUESDAY + timedelta(days=30))
    days = d.time.astype("datetime64[D]")
    expected = [s.date for s in CAL.sessions_in_range(date(2024, 1, 1), date(2026, 11, 24))]
    assert [x.astype(object) for x in days] == expected
    assert np.datetime64("2025-12-25") not in days
    assert np.datetime64("2025-07-04") not in days
    assert days[-1] == np.datetime64("2026-11-24")  # today's partial bar, nothing later


def test_volatility_clusters_tails_are_fat_and_beta_holds(sim: SimulatedMarketData) -> None:
    spy = daily(sim, "SPY")
    r = np.diff(np.log(spy.close))
    sq = r**2 - np.mean(r**2)
    n = r.shape[0]
    acf = [float(np.sum(sq[k:] * sq[:-k]) / np.sum(sq * sq)) for k in (1, 2, 3, 4, 5)]
    # Under no clustering each acf is ~N(0, 1/n); their sum would be ~N(0, 5/n).
    assert sum(acf) > 4 * np.sqrt(5 / n)
    kurtosis = float(np.mean((r - r.mean()) ** 4) / np.var(r) ** 2)
    assert kurtosis > 4.0
    assert 0.10 < np.std(r) * np.sqrt(252) < 0.30
    nvda = np.diff(np.log(daily(sim, "NVDA").close))
    beta = np.cov(nvda, r)[0, 1] / np.var(r, ddof=1)
    assert beta == pytest.approx(1.8, abs=0.35)


# --- intraday -------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 11, 20), date(2026, 11, 25), date(2026, 11, 27)])
def test_regular_minutes_aggregate_exactly_to_the_daily_bar(day: date) -> None:
    s = sim_at(datetime(2026, 11, 30, 3, tzinfo=ET))
    minutes = session_minutes(s, "AAPL", day)
    agg = resample(minutes, Timeframe.D1, CAL)
    bar = s.bars("AAPL", Timeframe.D1, datetime(day.year, day.month, day.day, tzinfo=UTC),
                 datetime(day.year, day.month, day.day, 23, tzinfo=UTC))  # fmt: skip
    assert len(agg) == len(bar) == 1
    for field in ("open", "high", "low", "close", "volume"):
        assert getattr(agg, field)[0] == getattr(bar, field)[0], field


def test_todays_partial_bars_agree_with_each_other_and_the_quote(sim: SimulatedMarketData) -> None:
    minutes = session_minutes(sim, "SPY", TUESDAY.date())
    assert et_times(minutes)[-1] == TUESDAY.replace(second=0)  # current minute, partial
    today = resample(minutes, Timeframe.D1, CAL)
    bar = daily(sim, "SPY", days=5)
    q = sim.quote("SPY")
    assert q.last == today.close[-1] == bar.close[-1] == minutes.close[-1]
    assert (q.day_open, q.day_high, q.day_low) == (bar.open[-1], bar.high[-1], bar.low[-1])
    assert q.day_volume == bar.volume[-1] == today.volume[-1]
    assert today.high[-1] == bar.high[-1]
    assert today.low[-1] == bar.low[-1]


def test_sessions_have_extended_hours_and_early_closes() -> None:
    s = sim_at(datetime(2026, 11, 30, 3, tzinfo=ET))
    normal = et_times(session_minutes(s, "SPY", date(2026, 11, 25)))
    assert normal[0].time().isoformat() == "04:00:00"
    assert normal[-1].time().isoformat() == "19:59:00"
    assert len(normal) == 330 + 390 + 240
    early = session_minutes(s, "SPY", date(2026, 11, 27))
    times = et_times(early)
    assert times[-1].time().isoformat() == "16:59:00"  # after-hours ends 17:00 ET
    regular = [t for t in times if t.hour >= 9 and (t.hour, t.minute) >= (9, 30) and t.hour < 13]
    assert len(regular) == 210
    assert regular[-1].time().isoformat() == "12:59:00"
    assert not session_minutes(s, "SPY", date(2026, 11, 26)).time.size  # Thanksgiving
    assert np.all(early.low <= np.minimum(early.open, early.close))
    assert np.all(early.high >= np.maximum(early.open, early.close))


def test_intraday_volume_is_u_shaped_and_extended_hours_thin() -> None:
    s = sim_at(datetime(2026, 11, 30, 3, tzinfo=ET))
    first, mid, last, ext, reg = [], [], [], 0.0, 0.0
    for d in CAL.sessions_in_range(date(2026, 10, 1), date(2026, 11, 25)):
        m = session_minutes(s, "MSFT", d.date)
        v = m.volume[330:720]
        first.append(v[:30].mean())
        mid.append(v[150:240].mean())
        last.append(v[-30:].mean())
        ext += m.volume[:330].sum() + m.volume[720:].sum()
        reg += v.sum()
    assert np.mean(first) > 1.5 * np.mean(mid)
    assert np.mean(last) > 1.5 * np.mean(mid)
    assert 0.02 < ext / reg < 0.15


@pytest.mark.parametrize("tf", [Timeframe.M5, Timeframe.M15, Timeframe.M30, Timeframe.H1])
def test_coarser_intraday_bars_align_to_the_open(sim: SimulatedMarketData, tf: Timeframe) -> None:
    start = datetime(2026, 11, 23, tzinfo=ET)
    bars = sim.bars("QQQ", tf, start, start + timedelta(days=1))
    times = et_times(bars)
    assert any(t.hour == 9 and t.minute == 30 for t in times)
    minutes = session_minutes(sim, "QQQ", date(2026, 11, 23))
    assert bars.volume.sum() == minutes.volume.sum()
    assert bars.high.max() == minutes.high.max()


def test_weekly_and_monthly_bars(sim: SimulatedMarketData) -> None:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    d = sim.bars("IWM", Timeframe.D1, start, TUESDAY)
    w = sim.bars("IWM", Timeframe.W1, start, TUESDAY)
    mo = sim.bars("IWM", Timeframe.MO1, start, TUESDAY)
    assert [x.astype(object) for x in mo.time.astype("datetime64[D]")] == [
        date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 2)]  # fmt: skip
    assert mo.close[-1] == w.close[-1] == d.close[-1]
    assert mo.volume.sum() == d.volume.sum()
    # Weeks are stamped at their first session (the week of 2026-08-31 starts before ``start``;
    # the next one starts on Tuesday after Labor Day).
    assert w.time[0].astype("datetime64[D]") == np.datetime64("2026-09-08")
    assert len(w) == 12


# --- quotes ---------------------------------------------------------------------------------


def test_quote_ticks_during_hours() -> None:
    base = sim_at(TUESDAY)
    prices = [base.quote("SPY", TUESDAY + timedelta(seconds=5 * k)).last for k in range(8)]
    assert len(set(prices)) >= 5
    a, b = base.quote("TSLA", TUESDAY), base.quote("TSLA", TUESDAY + timedelta(seconds=3))
    assert a.last != b.last
    for q in (a, b):
        assert q.bid is not None
        assert q.ask is not None
        assert q.bid < q.ask
        assert q.bid <= q.last <= q.ask
    spy = base.quote("SPY", TUESDAY)
    assert spy.ask is not None
    assert spy.bid is not None
    assert spy.ask - spy.bid <= 0.021
    assert base.phase(TUESDAY) is MarketPhase.REGULAR


def test_quote_is_frozen_over_the_weekend_at_fridays_last_print() -> None:
    saturday = datetime(2026, 11, 28, 10, tzinfo=ET)
    s = sim_at(saturday)
    sat, sun = s.quote("NVDA"), s.quote("NVDA", datetime(2026, 11, 29, 15, tzinfo=ET))
    assert sat == sun
    friday = session_minutes(s, "NVDA", date(2026, 11, 27))
    assert sat.last == friday.close[-1]  # after-hours last print (17:00 ET on this early close)
    assert sat.as_of == datetime(2026, 11, 27, 17, tzinfo=ET)
    # The weekend's reference session is Monday's: its prior close is Friday's (the last) close.
    assert sat.prev_close == daily(s, "NVDA", 10).close[-1]
    assert s.phase() is MarketPhase.CLOSED
    # After-hours prints move; pre-market too, with no regular-session stats yet.
    ah = s.quote("NVDA", datetime(2026, 11, 27, 14, tzinfo=ET))
    ah2 = s.quote("NVDA", datetime(2026, 11, 27, 15, 30, tzinfo=ET))
    assert ah.last != ah2.last
    assert ah.day_open == daily(s, "NVDA", 10).open[-1]  # the finished regular session
    pre = s.quote("NVDA", datetime(2026, 11, 27, 7, tzinfo=ET))
    assert pre.day_open is None
    assert pre.prev_close == daily(s, "NVDA", 10).close[-2]


async def test_stream_yields_ticks_during_hours() -> None:
    clock = [TUESDAY]

    def now() -> datetime:
        clock[0] += timedelta(seconds=1)
        return clock[0]

    s = SimulatedMarketData(7, CAL, now=now, tick_seconds=0.0)
    trades = []
    async for trade in s.stream(["SPY", "AAPL"]):
        trades.append(trade)
        if len(trades) == 20:
            break
    assert {t.symbol for t in trades} == {"SPY", "AAPL"}
    assert all(t.source is DataSource.SIMULATED and t.size > 0 for t in trades)
    spy = [t.price for t in trades if t.symbol == "SPY"]
    assert len(set(spy)) > 3
    assert all(t.bid is not None and t.ask is not None and t.bid < t.ask for t in trades)


def test_levels_request_is_fast_when_warm(sim: SimulatedMarketData) -> None:
    def levels() -> None:
        sim.bars("SPY", Timeframe.D1, TUESDAY - timedelta(days=450), TUESDAY)
        sim.bars("SPY", Timeframe.M1, TUESDAY.replace(hour=0, minute=0), TUESDAY)
        sim.quote("SPY")

    levels()
    best = min(_timed(levels) for _ in range(20))
    assert best < 0.005


def test_cold_daily_paths_for_the_universe_are_cheap() -> None:
    s = sim_at(TUESDAY)
    s.grid  # the calendar tables are shared and built elsewhere; time the paths only
    t0 = time.perf_counter()
    for symbol in UNIVERSE:
        daily(s, symbol)
    assert time.perf_counter() - t0 < 1.0


def _timed(fn: object) -> float:
    assert callable(fn)
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
