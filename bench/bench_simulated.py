"""The simulated market: cold path generation, warm levels request, quote, chain, 1m session."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aicoach.marketdata.calendar import default_calendar
from aicoach.marketdata.models import Timeframe
from aicoach.simulation.provider import SimulatedMarketData
from aicoach.simulation.universe import UNIVERSE
from bench.harness import Report, best_seconds

NOW = datetime(2026, 11, 24, 11, 17, 33, tzinfo=ZoneInfo("America/New_York"))


def run(report: Report) -> None:
    calendar = default_calendar()
    calendar.session_arrays()  # the shared calendar tables are not ours to time

    sim = SimulatedMarketData(7, calendar, now=lambda: NOW)
    t0 = time.perf_counter()
    for symbol in UNIVERSE:
        sim.bars(symbol, Timeframe.D1, NOW - timedelta(days=5 * 366), NOW)
    cold = time.perf_counter() - t0
    report.figure("simulated.daily_paths_cold", f"{cold * 1e3:.1f} ms for {len(UNIVERSE)} "
                  "symbols x 5 years  goal: < 1000 ms")  # fmt: skip

    def levels() -> None:
        sim.bars("SPY", Timeframe.D1, NOW - timedelta(days=450), NOW)
        sim.bars("SPY", Timeframe.M1, NOW.replace(hour=0, minute=0), NOW)

    report.latency("simulated.levels_request_warm", [best_seconds(levels, repeat=3, number=20)
                   for _ in range(20)], goal="< 5 ms")  # fmt: skip
    report.latency("simulated.quote", [best_seconds(lambda: sim.quote("AAPL"), repeat=3,
                   number=50) for _ in range(20)])  # fmt: skip

    fresh = SimulatedMarketData(7, calendar, now=lambda: NOW)
    fresh.daily(fresh.spec("SPY"))
    days = [NOW - timedelta(days=k) for k in range(1, 40)]
    samples = []
    for d in days:
        t = time.perf_counter()
        fresh.bars("SPY", Timeframe.M1, d.replace(hour=0, minute=0), d.replace(hour=23))
        samples.append(time.perf_counter() - t)
    report.latency("simulated.minute_session_cold", samples)
    exp = sim.expirations("SPY")[5]
    report.latency("simulated.chain_spy", [best_seconds(lambda: sim.chain("SPY", exp), repeat=3)
                   for _ in range(10)])  # fmt: skip
