"""Massive's streaming API: handshake, subscription, event parsing, reconnects, auth failure."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

import pytest

from aicoach.marketdata.errors import ProviderAuthError, ProviderUnavailableError
from aicoach.marketdata.models import DataSource, Trade
from aicoach.marketdata.providers.massive import MassiveMarketData
from tests.fakes.massive_server import serve_massive_ws

KEY = "ws-key-never-in-messages"

# The trade is the example event from the fixtures README; the rest follow its documented shape.
FRAMES: list[list[dict[str, Any]]] = [
    [
        {"ev": "T", "sym": "AAPL", "p": 161.87, "s": 300, "t": 1651684192462},
        {"ev": "T", "sym": "MSFT", "p": 280.0, "s": 10, "t": 1651684192463},  # not subscribed
    ],
    [{"ev": "Q", "sym": "AAPL", "bp": 161.86, "bs": 2, "ap": 161.88, "as": 5, "t": 1651684192500}],
    [{"ev": "T", "sym": "SPY", "p": 412.5, "s": 100, "t": 1651684193000}],
]


def provider(ws_url: str, *, key: str = KEY, realtime: bool = True) -> MassiveMarketData:
    return MassiveMarketData(
        key, "http://127.0.0.1:9", ws_url, realtime, None,
        backoff_base=0.001, backoff_max=0.01, ws_max_reconnects=2,
    )  # fmt: skip


async def take(p: MassiveMarketData, symbols: list[str], n: int) -> list[Trade]:
    stream = p.stream(symbols)
    assert isinstance(stream, AsyncGenerator)
    out: list[Trade] = []
    async with asyncio.timeout(5), aclosing(stream):
        async for trade in stream:
            out.append(trade)
            if len(out) == n:
                break
    return out


async def test_handshake_subscribe_and_events() -> None:
    async with serve_massive_ws(FRAMES, api_key=KEY) as server:
        p = provider(server.url)
        trades = await take(p, ["aapl", "SPY"], 3)
        await p.aclose()
    assert server.auth_params == [KEY]
    assert server.subscriptions == ["T.AAPL,Q.AAPL,T.SPY,Q.SPY"]
    trade, quote, spy = trades
    assert (trade.symbol, trade.price, trade.size) == ("AAPL", 161.87, 300.0)
    assert trade.at == datetime(2022, 5, 4, 17, 9, 52, 462000, tzinfo=UTC)  # t is ms
    assert trade.source is DataSource.REAL_TIME
    assert (quote.bid, quote.ask, quote.size) == (161.86, 161.88, 0.0)
    assert quote.price == pytest.approx(161.87)
    assert quote.extra == {"bid_size": 2.0, "ask_size": 5.0}
    assert (spy.symbol, spy.price) == ("SPY", 412.5)


async def test_reconnects_after_a_drop_and_resubscribes() -> None:
    async with serve_massive_ws(FRAMES, api_key=KEY, drop_after_frames=1) as server:
        p = provider(server.url, realtime=False)
        trades = await take(p, ["AAPL", "SPY"], 3)
        await p.aclose()
    assert server.connections == 2
    assert len(server.subscriptions) == 2  # sent again on the new connection
    assert [t.symbol for t in trades] == ["AAPL", "AAPL", "SPY"]
    assert trades[0].source is DataSource.DELAYED


async def test_auth_failure_raises_and_does_not_retry() -> None:
    async with serve_massive_ws(FRAMES, api_key=KEY) as server:
        p = provider(server.url, key="wrong-ws-key")
        with pytest.raises(ProviderAuthError) as caught:
            await take(p, ["AAPL"], 1)
        await p.aclose()
    assert server.connections == 1
    assert "wrong-ws-key" not in str(caught.value)


async def test_gives_up_after_max_reconnects() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    p = provider(f"ws://127.0.0.1:{port}/stocks")
    with pytest.raises(ProviderUnavailableError) as caught:
        await take(p, ["AAPL"], 1)
    await p.aclose()
    assert caught.value.retry_after is not None
    assert isinstance(caught.value.__cause__, OSError)
