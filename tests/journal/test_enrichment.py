"""Enrichment at entry on a simulated market pinned to 2024-03-29 (minute bars for the last 60
sessions, daily bars since 2019): values recovered exactly where the data is there, and
"unavailable" with the reason — never a guess — where it is not."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI

from aicoach.config import Settings
from aicoach.container import Overrides
from aicoach.journal.service.enrichment import Enricher, Entry, EntryLeg, columns
from aicoach.kit.clock import fixed_clock
from aicoach.main import create_app
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.models import Timeframe
from aicoach.marketdata.service import MarketDataService
from aicoach.options.core.expiry import t_years
from aicoach.options.core.pricing import bsm_greeks, bsm_price
from aicoach.simulation.provider import SimulatedMarketData
from tests.factories import signed_up
from tests.journal.api import fixture, import_file, new_account, trades

CAL = MarketCalendar()
NOW = datetime(2024, 3, 29, 21, 0, tzinfo=UTC)
ENTRY = datetime(2024, 3, 12, 15, 40, 20, tzinfo=UTC)  # Tue 11:40:20 New York
EXPIRY = date(2024, 4, 19)
RATE = 0.04


def market() -> MarketDataService:
    return MarketDataService(SimulatedMarketData(7, CAL, now=fixed_clock(NOW)), CAL)


async def spot_before(m: MarketDataService, at: datetime) -> float:
    bars = (await m.bars("SPY", Timeframe.M1, at - timedelta(minutes=30), at)).value
    complete = bars.time.astype("datetime64[ns]") + np.timedelta64(60, "s") <= np.datetime64(
        at.replace(tzinfo=None), "ns"
    )
    return float(bars.close[complete][-1])


def option_leg(kind: str, strike: float, qty: float, price: float) -> EntryLeg:
    key = f"SPY   240419{'C' if kind == 'call' else 'P'}{int(strike * 1000):08d}"
    return EntryLeg(kind, key, strike, EXPIRY, qty, price, 100)


async def test_iv_and_delta_come_back_from_a_fill_priced_at_a_known_vol() -> None:
    m = market()
    s = await spot_before(m, ENTRY)
    k = round(s)
    t = t_years(ENTRY, CAL.expiration_close(EXPIRY))
    price = float(bsm_price(True, s, k, t, RATE, 0.0, 0.25))
    delta = float(bsm_greeks(True, s, k, t, RATE, 0.0, 0.25).delta)
    entry = Entry("t1", "SPY", ENTRY, True, (option_leg("call", k, -3, price),))
    got = (await Enricher(m, risk_free_rate=RATE).enrich([entry]))["t1"]
    assert got["underlying_price"]["state"] == "ok"
    assert got["underlying_price"]["value"] == pytest.approx(s, abs=1e-4)
    assert got["underlying_price"]["source"] == "simulated"
    assert got["iv_at_entry"]["value"] == pytest.approx(0.25, abs=1e-4)
    # a 3-lot short call: per unit of the structure, the sign of the position
    assert got["delta_at_entry"]["value"] == pytest.approx(-delta, abs=1e-4)
    assert got["delta_at_entry"]["detail"]["units"] == 3
    assert got["expected_move"]["value"] == pytest.approx(s * 0.25 * math.sqrt(t), abs=0.01)
    assert got["dte_at_entry"]["value"] == (EXPIRY - date(2024, 3, 12)).days
    assert got["iv_rank"]["state"] == "unavailable"
    assert columns(got) == {"dte_at_entry": 38, "iv_rank_at_entry": None,
                            "delta_at_entry": got["delta_at_entry"]["value"],
                            "level_context": got["level_context"]["value"]}  # fmt: skip


async def test_a_vertical_has_one_weighted_iv_and_its_net_delta() -> None:
    m = market()
    s = await spot_before(m, ENTRY)
    k1, k2 = round(s) - 5, round(s) - 10
    t = t_years(ENTRY, CAL.expiration_close(EXPIRY))
    p1 = float(bsm_price(False, s, k1, t, RATE, 0.0, 0.22))
    p2 = float(bsm_price(False, s, k2, t, RATE, 0.0, 0.26))
    d1 = float(bsm_greeks(False, s, k1, t, RATE, 0.0, 0.22).delta)
    d2 = float(bsm_greeks(False, s, k2, t, RATE, 0.0, 0.26).delta)
    legs = (option_leg("put", k1, -2, p1), option_leg("put", k2, 2, p2))
    got = await Enricher(m, risk_free_rate=RATE).enrich([Entry("v", "SPY", ENTRY, True, legs)])
    iv = got["v"]["iv_at_entry"]
    assert iv["value"] == pytest.approx(0.24, abs=1e-4)  # equal quantities: the mean
    assert [round(x["iv"], 3) for x in iv["detail"]["legs"]] == [0.22, 0.26]
    assert got["v"]["delta_at_entry"]["value"] == pytest.approx(-d1 + d2, abs=1e-4)


async def test_level_context_places_the_entry_between_the_levels_before_it() -> None:
    m = market()
    s = await spot_before(m, ENTRY)
    entry = Entry("x", "SPY", ENTRY, True, (option_leg("call", round(s), 1, 5.0),))
    ctx = (await Enricher(m, risk_free_rate=RATE).enrich([entry]))["x"]["level_context"]
    assert ctx["state"] == "ok"
    assert ctx["value"] in (
        "within 0.5 ATR above support",
        "within 0.5 ATR under resistance",
        "between levels",
        "above every level",
        "below every level",
    )
    support, resistance = ctx["detail"]["nearest_support"], ctx["detail"]["nearest_resistance"]
    assert support is None or (support["price"] <= s and support["distance_atr"] <= 0)
    assert resistance is None or (resistance["price"] >= s and resistance["distance_atr"] >= 0)
    assert ctx["detail"]["atr"] > 0


async def test_missing_data_is_unavailable_with_the_reason() -> None:
    m = market()
    old = datetime(2023, 6, 13, 15, 0, tzinfo=UTC)  # daily bars, but no minute bars that long ago
    leg = EntryLeg("put", "SPY   230616P00430000", 430.0, date(2023, 6, 16), -1, 1.0, 100)
    date_only = Entry("d", "SPY", ENTRY, False, (option_leg("call", 500, 1, 5.0),))
    unknown = Entry("u", "ZZZZZZ", ENTRY, True, (option_leg("call", 500, 1, 5.0),))
    got = await Enricher(m, risk_free_rate=RATE).enrich(
        [Entry("o", "SPY", old, True, (leg,)), date_only, unknown]
    )
    assert "no minute bars" in got["o"]["underlying_price"]["reason"]
    assert got["o"]["dte_at_entry"] == {
        "value": 3,
        "state": "ok",
        "reason": None,
        "source": "your data",
        "as_of": old.isoformat(),
    }
    assert "date, not its time" in got["d"]["underlying_price"]["reason"]
    for trade in ("o", "d", "u"):
        for name in ("underlying_price", "iv_at_entry", "delta_at_entry", "expected_move",
                     "level_context"):  # fmt: skip
            item = got[trade][name]
            assert item["state"] == "unavailable" and item["value"] is None and item["reason"]


async def test_a_stock_trade_has_delta_one_and_no_option_fields() -> None:
    leg = EntryLeg("stock", "SPY", None, None, -50, 500.0, 1)
    got = (await Enricher(market(), risk_free_rate=RATE).enrich(
        [Entry("s", "SPY", ENTRY, True, (leg,))]))["s"]  # fmt: skip
    assert got["delta_at_entry"]["value"] == -1.0
    assert got["dte_at_entry"]["reason"] == "a stock trade has no expiration"
    assert got["iv_at_entry"]["reason"] == "a stock trade has no implied volatility"


@pytest.fixture
async def pinned_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, overrides=Overrides(market=market()))
    async with application.router.lifespan_context(application):
        yield application


async def test_a_commit_enriches_its_new_trades_through_the_api(pinned_app: FastAPI) -> None:
    async with signed_up(pinned_app) as user:
        account = await new_account(user)
        await import_file(user, account["id"], fixture("tastytrade/transactions_2024.csv"))
        (spy,) = await trades(user, symbol="SPY")
        detail = (await user.get(f"/api/journal/trades/{spy['id']}")).json()
        price = detail["enrichment"]["underlying_price"]
        assert price["state"] == "ok" and price["source"] == "simulated"
        at = datetime.fromisoformat(price["as_of"])
        opened = datetime.fromisoformat(spy["opened_at"])
        assert opened - timedelta(minutes=15) <= at <= opened
        # the trade list's analytics read the copied columns
        stats = (await user.get("/api/journal/stats")).json()
        assert sum(g["n"] for g in stats["breakdowns"]["dte"]) == stats["summary"]["n"]


def test_the_pinned_market_is_the_one_the_tests_think(tmp_path: Path) -> None:
    assert CAL.is_session(ENTRY.date()) and CAL.is_session(EXPIRY)
