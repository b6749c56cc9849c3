"""Pure payload mapping: edge cases of real payloads, varied one field at a time."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from aicoach.marketdata.errors import ProviderResponseError
from aicoach.marketdata.models import DataSource, MarketPhase, OptionRight
from aicoach.marketdata.providers import massive_mapping as mapping
from tests.fakes.massive_server import massive_fixtures_dir

FIXTURES = massive_fixtures_dir()


def load(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / relative).read_text())
    return data


CONTRACT = load("v3/snapshot/options/AAPL.json")["results"][0]
SNAPSHOT = load("v2/snapshot/locale/us/markets/stocks/tickers/AAPL.json")
STATUS = load("v1/marketstatus/now.json")


def variant(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(CONTRACT)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def test_zero_or_missing_iv_drops_vendor_greeks() -> None:
    for raw in (variant(implied_volatility=0), variant(implied_volatility=None)):
        q = mapping.option_quote("AAPL", raw)
        assert q.iv is None
        assert q.delta is None
        assert q.theta is None
        assert not q.greeks_from_provider
        assert q.bid == 28.9  # prices survive


def test_implausible_greeks_are_dropped() -> None:
    put_with_call_delta = copy.deepcopy(CONTRACT)
    put_with_call_delta["details"]["contract_type"] = "put"  # delta 0.64 cannot be a put's
    q = mapping.option_quote("AAPL", put_with_call_delta)
    assert q.right is OptionRight.PUT
    assert not q.greeks_from_provider
    assert q.delta is None
    assert not mapping.option_quote("AAPL", variant(implied_volatility=55.0)).greeks_from_provider
    assert not mapping.option_quote("AAPL", variant(greeks={})).greeks_from_provider


def test_option_without_quote_or_trade_has_none_prices() -> None:
    q = mapping.option_quote("AAPL", variant(last_quote=None, last_trade=None, day=None))
    assert (q.bid, q.ask, q.last, q.volume) == (None, None, None, None)
    assert q.open_interest == 8133.0


def test_option_without_details_is_a_response_error() -> None:
    with pytest.raises(ProviderResponseError):
        mapping.option_quote("AAPL", variant(details=None))


def test_snapshot_before_the_open_uses_previous_close_and_no_day() -> None:
    early = copy.deepcopy(SNAPSHOT)
    early["ticker"]["day"] = {"c": 0, "h": 0, "l": 0, "o": 0, "v": 0, "vw": 0}
    del early["ticker"]["lastTrade"]
    q = mapping.snapshot_quote("AAPL", early, DataSource.DELAYED)
    assert q.last == 163.64  # prevDay.c
    assert (q.day_open, q.day_high, q.day_volume) == (None, None, None)


def test_snapshot_without_any_price_is_a_response_error() -> None:
    with pytest.raises(ProviderResponseError):
        mapping.snapshot_quote("AAPL", {"ticker": {"ticker": "AAPL"}}, DataSource.DELAYED)


@pytest.mark.parametrize(
    ("changes", "phase"),
    [
        ({}, MarketPhase.AFTER_HOURS),  # the recorded file
        ({"afterHours": False, "earlyHours": True}, MarketPhase.PRE_MARKET),
        ({"market": "open", "afterHours": False}, MarketPhase.REGULAR),
        ({"market": "closed", "afterHours": False}, MarketPhase.CLOSED),
    ],
)
def test_market_phase(changes: dict[str, Any], phase: MarketPhase) -> None:
    assert mapping.market_phase({**STATUS, **changes}) is phase


def test_stream_events() -> None:
    assert mapping.stream_event({"ev": "status", "status": "success"}, DataSource.DELAYED) is None
    assert mapping.stream_event({"ev": "AM", "sym": "AAPL"}, DataSource.DELAYED) is None
    one_sided = mapping.stream_event(
        {"ev": "Q", "sym": "X", "bp": 0, "ap": 2.5, "as": 1, "t": 1000}, DataSource.DELAYED
    )
    assert one_sided is not None
    assert (one_sided.bid, one_sided.ask, one_sided.price) == (None, 2.5, 2.5)
    assert one_sided.at == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
    with pytest.raises(ProviderResponseError):
        mapping.stream_event({"ev": "T", "sym": "X", "p": 1.0}, DataSource.DELAYED)  # no time
