"""MassiveMarketData against a local server serving Massive's recorded REST responses.

Every expected value below is read off the fixture files in tests/fixtures/massive.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from vollib.black_scholes_merton.greeks import analytical as bsm

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.errors import ExpirationNotFoundError, SymbolNotFoundError
from aicoach.marketdata.models import (
    AssetKind,
    DataSource,
    MarketPhase,
    OptionRight,
    Timeframe,
)
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.marketdata.providers.massive import MassiveMarketData
from tests.fakes.massive_server import FakeMassive, massive_fixtures_dir, serve_massive

KEY = "test-key-5ecret"
NY = ZoneInfo("America/New_York")
FIXTURES = massive_fixtures_dir()

XNYS = MarketCalendar()


@asynccontextmanager
async def massive(
    overlays: tuple[Path, ...] = (),
    *,
    realtime: bool = False,
    calendar: MarketCalendar | None = XNYS,
) -> AsyncIterator[tuple[MassiveMarketData, FakeMassive]]:
    async with serve_massive(FIXTURES, api_key=KEY, overlays=overlays) as server:
        provider = MassiveMarketData(
            KEY, server.base_url, "ws://127.0.0.1:9/stocks", realtime, calendar,
            backoff_base=0.001, backoff_max=0.01,
        )  # fmt: skip
        try:
            yield provider, server
        finally:
            await provider.aclose()


def write(root: Path, relative: str, payload: Any) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def test_is_a_market_data_provider() -> None:
    async with massive() as (provider, _):
        assert isinstance(provider, MarketDataProvider)
        assert provider.name == "massive"
        assert provider.source is DataSource.DELAYED
    async with massive(realtime=True) as (provider, _):
        assert provider.source is DataSource.REAL_TIME


async def test_daily_bars_are_stamped_at_the_new_york_session_date() -> None:
    async with massive() as (provider, server):
        bars = await provider.get_bars(
            "aapl", Timeframe.D1, datetime(2005, 4, 1, tzinfo=NY), datetime(2005, 4, 5, tzinfo=NY)
        )
    # Massive stamps 00:00 ET: 1112331600000 (05:00Z, EST) and 1112587200000 (04:00Z, EDT —
    # DST began 2005-04-03). Both must land on their own date at 00:00 UTC.
    assert bars.time.dtype == np.dtype("datetime64[ns]")
    assert list(bars.time.astype("datetime64[D]").astype(str)) == ["2005-04-01", "2005-04-04"]
    assert bars.time[0] == np.datetime64("2005-04-01T00:00:00", "ns")
    np.testing.assert_array_equal(bars.open, [1.5032, 1.4639])
    np.testing.assert_array_equal(bars.high, [1.5064, 1.4754])
    np.testing.assert_array_equal(bars.low, [1.4489, 1.4343])
    np.testing.assert_array_equal(bars.close, [1.4604, 1.4675])
    np.testing.assert_array_equal(bars.volume, [642646396.0, 578172308.0])
    assert bars.symbol == "AAPL"
    assert bars.timeframe is Timeframe.D1
    assert bars.source is DataSource.DELAYED
    (request,) = server.requests
    assert request.path == "/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04"
    assert request.query == {"adjusted": "true", "sort": "asc", "limit": "50000"}


async def test_daily_range_end_is_exclusive() -> None:
    async with massive() as (provider, _):
        bars = await provider.get_bars(
            "AAPL", Timeframe.D1, datetime(2005, 4, 2, tzinfo=NY), datetime(2005, 4, 5, tzinfo=NY)
        )
    # the server answers this path with both recorded bars; 04-01 is before `start`
    assert list(bars.time.astype("datetime64[D]").astype(str)) == ["2005-04-04"]


async def test_intraday_bars_follow_next_url_without_leaking_the_key(tmp_path: Path) -> None:
    start = datetime(2024, 3, 8, 9, 30, tzinfo=NY)
    end = datetime(2024, 3, 8, 9, 34, tzinfo=NY)
    lo, hi = ms(start), ms(end) - 1
    base = f"v2/aggs/ticker/SPY/range/1/minute/{lo}"
    t = [lo + 60_000 * i for i in range(5)]
    bar = {"o": 1.0, "h": 2.0, "l": 0.5, "c": 1.5, "v": 100.0, "vw": 1.2, "n": 3}
    next_url = (
        f"https://api.massive.com/{base}/{hi}?cursor=bGltaXQ9Mg&apiKey=LEAKED-{KEY}"  # host+key
    )
    write(
        tmp_path, f"{base}/{hi}.json",
        {"ticker": "SPY", "status": "OK", "resultsCount": 3, "next_url": next_url,
         "results": [{**bar, "t": t[0]}, {**bar, "t": t[1], "c": 1.6}, {**bar, "t": t[2]}]},
    )  # fmt: skip
    write(
        tmp_path, f"{base}/{hi}&cursor=bGltaXQ9Mg.json",
        {"ticker": "SPY", "status": "OK", "resultsCount": 3,  # overlaps page 1 by one bar
         "results": [{**bar, "t": t[2]}, {**bar, "t": t[3], "c": 1.7}, {**bar, "t": t[4]}]},
    )  # fmt: skip
    async with massive((tmp_path,)) as (provider, server):
        bars = await provider.get_bars("SPY", Timeframe.M1, start, end)
    pages = server.requests_to("/v2/aggs/ticker/SPY")
    assert len(pages) == 2
    assert pages[1].query == {"cursor": "bGltaXQ9Mg"}  # apiKey dropped, rebased on our host
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in pages)
    # 09:30..09:33 ET inside [start, end); the 09:34 bar is at `end` and excluded; the page
    # overlap is de-duplicated.
    assert len(bars) == 4
    assert bars.time[0] == np.datetime64("2024-03-08T14:30:00", "ns")  # 09:30 EST = 14:30Z
    np.testing.assert_array_equal(np.diff(bars.time), np.timedelta64(60, "s"))
    np.testing.assert_array_equal(bars.close, [1.5, 1.6, 1.5, 1.7])


async def test_weekly_and_monthly_bars_land_on_the_first_session(tmp_path: Path) -> None:
    # Massive opens weekly windows on Sunday 00:00 ET and monthly ones on the 1st 00:00 ET.
    sun_jan1, sun_jan8 = 1672549200000, 1673154000000  # 2023-01-01/08 05:00Z
    apr1 = 1680321600000  # 2023-04-01 04:00Z (a Saturday)
    bar = {"o": 1.0, "h": 2.0, "l": 0.5, "c": 1.5, "v": 10.0}
    weekly = [{**bar, "t": sun_jan1}, {**bar, "t": sun_jan8}]
    write(tmp_path, "v2/aggs/ticker/SPY/range/1/week/2023-01-01/2023-01-14.json",
          {"status": "OK", "results": weekly})  # fmt: skip
    write(tmp_path, "v2/aggs/ticker/SPY/range/1/month/2023-04-01/2023-04-30.json",
          {"status": "OK", "results": [{**bar, "t": apr1}]})  # fmt: skip
    async with massive((tmp_path,)) as (provider, _):
        weeks = await provider.get_bars(
            "SPY", Timeframe.W1, datetime(2023, 1, 1, tzinfo=NY), datetime(2023, 1, 15, tzinfo=NY)
        )
        months = await provider.get_bars(
            "SPY", Timeframe.MO1, datetime(2023, 4, 1, tzinfo=NY), datetime(2023, 5, 1, tzinfo=NY)
        )
    # 2023-01-02 was the observed New Year holiday: the first session is Tuesday the 3rd.
    assert list(weeks.time.astype("datetime64[D]").astype(str)) == ["2023-01-03", "2023-01-09"]
    assert list(months.time.astype("datetime64[D]").astype(str)) == ["2023-04-03"]
    async with massive((tmp_path,), calendar=None) as (provider, _):
        weeks = await provider.get_bars(
            "SPY", Timeframe.W1, datetime(2023, 1, 1, tzinfo=NY), datetime(2023, 1, 15, tzinfo=NY)
        )
    assert list(weeks.time.astype("datetime64[D]").astype(str)) == ["2023-01-02", "2023-01-09"]


async def test_previous_close() -> None:
    async with massive() as (provider, _):
        prev = await provider.get_previous_close("AAPL")
    # t = 1651003200000 = 2022-04-26 16:00 ET (the prev endpoint stamps the close)
    assert list(prev.time.astype("datetime64[D]").astype(str)) == ["2022-04-26"]
    assert (prev.open[0], prev.high[0], prev.low[0], prev.close[0]) == (
        162.25,
        162.34,
        156.72,
        156.8,
    )
    assert prev.volume[0] == 95595226.0


async def test_quote_from_snapshot() -> None:
    async with massive() as (provider, server):
        quote = await provider.get_quote("AAPL")
    assert [r.path for r in server.requests] == [
        "/v2/snapshot/locale/us/markets/stocks/tickers/AAPL"
    ]
    assert quote.last == 159.99  # lastTrade.p
    assert (quote.bid, quote.ask) == (159.98, 159.99)  # lastQuote.p / lastQuote.P
    assert (quote.bid_size, quote.ask_size) == (3.0, 5.0)
    assert quote.prev_close == 163.64
    assert (quote.day_open, quote.day_high, quote.day_low) == (161.84, 166.2, 159.8)
    assert quote.day_volume == 68840127.0
    # our derived change agrees with the vendor's own todaysChange / todaysChangePerc
    assert quote.change == pytest.approx(-3.65, abs=1e-9)
    assert quote.change_percent == pytest.approx(-2.231, abs=5e-4)
    assert quote.as_of == datetime(2022, 4, 29, 17, 5, 48, 294080, tzinfo=UTC)  # updated, ns


async def test_quote_falls_back_to_last_trade_nbbo_and_prev_without_snapshot_access() -> None:
    async with massive() as (provider, server):
        server.fail(403, times=-1, path_prefix="/v2/snapshot")
        quote = await provider.get_quote("AAPL")
    assert quote.last == 166.25  # /v2/last/trade
    assert (quote.bid, quote.ask, quote.bid_size, quote.ask_size) == (155.65, 155.66, 1.0, 14.0)
    assert quote.prev_close == 156.8  # /v2/aggs/.../prev
    assert quote.day_open is None
    assert quote.day_volume is None
    assert quote.as_of == datetime(2022, 5, 10, 14, 25, 54, 171838, tzinfo=UTC)  # newest stamp


async def test_batch_quotes_from_the_all_tickers_snapshot() -> None:
    async with massive() as (provider, server):
        quotes = await provider.get_quotes(["bcat"])
    assert server.requests[0].query == {"tickers": "BCAT"}
    bcat = quotes["BCAT"]
    assert (bcat.last, bcat.bid, bcat.ask, bcat.prev_close) == (20.506, 20.5, 20.6, 20.63)
    assert bcat.change == pytest.approx(-0.124, abs=1e-9)  # vendor todaysChange


async def test_last_trade_and_last_quote() -> None:
    async with massive() as (provider, _):
        trade = await provider.get_last_trade("AAPL")
        nbbo = await provider.get_last_quote("AAPL")
    assert (trade.price, trade.size) == (166.25, 2.0)
    assert trade.at == datetime(2022, 4, 28, 20, 55, 19, 310617, tzinfo=UTC)  # t is ns
    assert (nbbo.bid, nbbo.ask) == (155.65, 155.66)
    assert nbbo.price == pytest.approx((155.65 + 155.66) / 2)
    assert nbbo.extra == {"bid_size": 1.0, "ask_size": 14.0}
    assert nbbo.at == datetime(2022, 5, 10, 14, 25, 54, 171838, tzinfo=UTC)


async def test_expirations_follow_the_contracts_cursor() -> None:
    async with massive() as (provider, server):
        expirations = await provider.get_expirations("A")
    assert expirations == [date(2022, 5, 20)]
    first, second = server.requests_to("/v3/reference/options/contracts")
    assert first.query["underlying_ticker"] == "A"
    assert first.query["expired"] == "false"
    assert second.query == {"cursor": "YXA9JTdCJTIySUQlMjIlM0ElMjIy"}


async def test_option_chain_keeps_vendor_greeks() -> None:
    async with massive() as (provider, server):
        chain = await provider.get_chain("AAPL", date(2023, 6, 16))
    assert server.requests[0].query["expiration_date"] == "2023-06-16"
    assert chain.underlying == "AAPL"
    assert chain.expiration == date(2023, 6, 16)
    assert chain.underlying_price == 159.9606
    assert chain.as_of == datetime(2022, 4, 29, 17, 44, 23, 172073, tzinfo=UTC)
    (c,) = chain.contracts
    assert c.contract == "AAPL230616C00150000"
    assert c.right is OptionRight.CALL
    assert (c.strike, c.bid, c.ask, c.last) == (150.0, 28.9, 29.25, 29.25)
    assert (c.volume, c.open_interest) == (8.0, 8133.0)
    assert c.iv == pytest.approx(0.3570277203465058)
    assert c.greeks_from_provider
    assert (c.delta, c.gamma) == (0.6436614934293701, 0.0061735291012820675)
    assert (c.theta, c.vega) == (-0.028227189324641973, 0.6381159723175714)


async def test_vendor_greek_units_match_ours_by_independent_black_scholes() -> None:
    """Golden check with vollib (theta per day, vega per vol point): no rescaling is needed."""
    async with massive() as (provider, _):
        chain = await provider.get_chain("AAPL", date(2023, 6, 16))
    c = chain.contracts[0]
    assert c.iv is not None
    assert c.theta is not None
    assert c.vega is not None
    expiry = datetime(2023, 6, 16, 16, 0, tzinfo=NY)
    t = (expiry - chain.as_of).total_seconds() / (365.0 * 86400.0)
    args = ("c", chain.underlying_price, c.strike, t, 0.0, c.iv, 0.0)
    assert c.delta == pytest.approx(bsm.delta(*args), rel=0.02)
    assert c.gamma == pytest.approx(bsm.gamma(*args), rel=0.02)
    assert c.vega == pytest.approx(bsm.vega(*args), rel=0.02)
    assert c.theta == pytest.approx(bsm.theta(*args), rel=0.05)  # r unknown: looser


async def test_chain_for_an_expiration_without_contracts() -> None:
    async with massive() as (provider, _):
        with pytest.raises(ExpirationNotFoundError):
            await provider.get_chain("AAPL", date(2023, 6, 23))


async def test_single_option_contract_snapshot_path_keeps_the_colon() -> None:
    async with massive() as (provider, server):
        quote = await provider.get_option_quote("AAPL", "AAPL230616C00150000")
    assert server.requests[0].path == "/v3/snapshot/options/AAPL/O:AAPL230616C00150000"
    assert quote.contract == "AAPL230616C00150000"
    assert quote.expiration == date(2023, 6, 16)
    assert quote.greeks_from_provider
    assert quote.bid == 28.9


async def test_market_phase() -> None:
    async with massive() as (provider, _):
        assert await provider.market_phase() is MarketPhase.AFTER_HOURS


async def test_symbol_search_and_lookup(tmp_path: Path) -> None:
    # Shape per Massive's documented /v3/reference/tickers response (no recorded fixture).
    spy = {"ticker": "SPY", "name": "SPDR S&P 500 ETF Trust", "market": "stocks",
           "locale": "us", "primary_exchange": "ARCX", "type": "ETF", "active": True}  # fmt: skip
    spyg = {**spy, "ticker": "SPYG", "name": "SPDR Portfolio S&P 500 Growth ETF"}
    aapl = {"ticker": "AAPL", "name": "Apple Inc.", "market": "stocks", "locale": "us",
            "primary_exchange": "XNAS", "type": "CS", "active": True}  # fmt: skip
    write(tmp_path, "v3/reference/tickers&search=spy.json",
          {"status": "OK", "count": 2, "results": [spyg, spy]})  # fmt: skip
    write(tmp_path, "v3/reference/tickers/AAPL.json", {"status": "OK", "results": aapl})
    async with massive((tmp_path,)) as (provider, server):
        found = await provider.search_symbols("spy", limit=5)
        apple = await provider.get_symbol("aapl")
        with pytest.raises(SymbolNotFoundError):
            await provider.get_symbol("ZZZZ")
    assert [s.symbol for s in found] == ["SPY", "SPYG"]  # the exact ticker first
    assert found[0].kind is AssetKind.ETF
    assert found[0].exchange == "ARCX"
    assert server.requests[0].query["search"] == "spy"
    assert (apple.symbol, apple.name, apple.kind, apple.exchange) == (
        "AAPL", "Apple Inc.", AssetKind.STOCK, "XNAS",
    )  # fmt: skip


async def test_unknown_ticker_is_symbol_not_found(tmp_path: Path) -> None:
    write(tmp_path, "v2/aggs/ticker/ZZZZ/prev.json",
          {"ticker": "ZZZZ", "queryCount": 0, "resultsCount": 0, "status": "OK"})  # fmt: skip
    async with massive((tmp_path,)) as (provider, _):
        with pytest.raises(SymbolNotFoundError) as snap:
            await provider.get_quote("ZZZZ")  # 404 from the snapshot path
        with pytest.raises(SymbolNotFoundError):
            await provider.get_previous_close("ZZZZ")  # 200 with no results
    assert snap.value.symbol == "ZZZZ"
    assert snap.value.__cause__ is not None


async def test_empty_aggregate_range_is_an_empty_series(tmp_path: Path) -> None:
    write(tmp_path, "v2/aggs/ticker/SPY/range/1/day/2024-03-09/2024-03-10.json",
          {"ticker": "SPY", "queryCount": 0, "resultsCount": 0, "status": "OK"})  # fmt: skip
    async with massive((tmp_path,)) as (provider, _):
        bars = await provider.get_bars(
            "SPY", Timeframe.D1, datetime(2024, 3, 9, tzinfo=NY), datetime(2024, 3, 11, tzinfo=NY)
        )
    assert len(bars) == 0
    assert bars.time.dtype == np.dtype("datetime64[ns]")
