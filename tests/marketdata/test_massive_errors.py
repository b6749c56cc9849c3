"""Retries and error translation of the Massive adapter, against the local fake server."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from aicoach.marketdata.errors import (
    InvalidBarRangeError,
    ProviderAuthError,
    ProviderRateLimitedError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from aicoach.marketdata.models import Timeframe
from aicoach.marketdata.providers.massive import MassiveMarketData
from tests.fakes.massive_server import FakeMassive, massive_fixtures_dir, serve_massive

KEY = "sk-massive-DO-NOT-LEAK-42"
FIXTURES = massive_fixtures_dir()
SNAPSHOT = "/v2/snapshot/locale/us/markets/stocks/tickers/AAPL"


@asynccontextmanager
async def massive(
    *,
    key: str = KEY,
    max_retries: int = 3,
    http_timeout: float = 5.0,
    overlays: tuple[Path, ...] = (),
) -> AsyncIterator[tuple[MassiveMarketData, FakeMassive]]:
    async with serve_massive(FIXTURES, api_key=KEY, overlays=overlays, hang_seconds=5) as server:
        provider = MassiveMarketData(
            key, server.base_url, "ws://127.0.0.1:9/stocks", False, None,
            max_retries=max_retries, timeout=http_timeout, backoff_base=0.001, backoff_max=0.05,
        )  # fmt: skip
        try:
            yield provider, server
        finally:
            await provider.aclose()


def assert_key_not_leaked(exc: BaseException, key: str = KEY) -> None:
    """Neither our message nor any chained cause may carry the key."""
    seen: BaseException | None = exc
    while seen is not None:
        assert key not in str(seen)
        assert key not in repr(seen)
        seen = seen.__cause__ or seen.__context__


async def test_every_request_carries_the_bearer_key_and_no_query_key() -> None:
    async with massive() as (provider, server):
        await provider.get_quote("AAPL")
        await provider.get_expirations("A")
    assert len(server.requests) == 3
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert "apiKey" not in request.query


async def test_429_then_success_is_retried() -> None:
    async with massive() as (provider, server):
        server.fail(429, times=2, retry_after="0")
        quote = await provider.get_quote("AAPL")
    assert quote.last == 159.99
    assert len(server.requests_to(SNAPSHOT)) == 3


async def test_429_forever_gives_rate_limited_with_retry_after() -> None:
    async with massive(max_retries=2) as (provider, server):
        server.fail(429, times=-1)
        with pytest.raises(ProviderRateLimitedError) as caught:
            await provider.get_quote("AAPL")
    assert len(server.requests_to(SNAPSHOT)) == 3  # first try + 2 retries
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 0
    assert caught.value.status_code == 503
    assert "Retry-After" in caught.value.headers()
    assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
    assert_key_not_leaked(caught.value)


async def test_long_retry_after_is_passed_on_not_slept_through() -> None:
    async with massive() as (provider, server):
        server.fail(429, times=-1, retry_after="120")
        with pytest.raises(ProviderRateLimitedError) as caught:
            await provider.get_quote("AAPL")
    assert len(server.requests_to(SNAPSHOT)) == 1
    assert caught.value.retry_after == 120.0
    assert caught.value.headers() == {"Retry-After": "120"}


async def test_5xx_is_retried_then_unavailable() -> None:
    async with massive() as (provider, server):
        server.fail(503, times=1)
        assert (await provider.get_quote("AAPL")).last == 159.99
    async with massive(max_retries=1) as (provider, server):
        server.fail(500, times=-1)
        with pytest.raises(ProviderUnavailableError) as caught:
            await provider.get_quote("AAPL")
    assert len(server.requests_to(SNAPSHOT)) == 2
    assert not isinstance(caught.value, ProviderRateLimitedError)
    assert caught.value.retry_after is not None
    assert_key_not_leaked(caught.value)


async def test_garbage_json_is_a_response_error_and_not_retried() -> None:
    async with massive() as (provider, server):
        server.garbage(times=1)
        with pytest.raises(ProviderResponseError) as caught:
            await provider.get_quote("AAPL")
    assert len(server.requests) == 1
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)


async def test_unexpected_shape_is_a_response_error(tmp_path: Path) -> None:
    path = tmp_path / "v2/aggs/ticker/SPY/range/1/day/2024-03-04/2024-03-04.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"status": "OK", "results": {"t": 1, "o": 2}}))
    async with massive(overlays=(tmp_path,)) as (provider, _):
        with pytest.raises(ProviderResponseError, match="not a list"):
            await provider.get_bars(
                "SPY", Timeframe.D1,
                datetime(2024, 3, 4, 5, tzinfo=UTC), datetime(2024, 3, 5, 5, tzinfo=UTC),
            )  # fmt: skip


async def test_a_hanging_server_times_out_as_unavailable() -> None:
    async with massive(max_retries=1, http_timeout=0.2) as (provider, server):
        server.hang(times=-1)
        with pytest.raises(ProviderUnavailableError) as caught:
            await provider.get_quote("AAPL")
    assert len(server.requests_to(SNAPSHOT)) == 2
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


async def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = MassiveMarketData(
        KEY, f"http://127.0.0.1:{port}", "ws://127.0.0.1:9", False, None,
        max_retries=1, backoff_base=0.001, backoff_max=0.01,
    )  # fmt: skip
    try:
        with pytest.raises(ProviderUnavailableError) as caught:
            await provider.get_quote("AAPL")
    finally:
        await provider.aclose()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert_key_not_leaked(caught.value)


async def test_wrong_key_is_an_auth_error_not_retried_and_not_leaked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "sk-wrong-key-SHOULD-NOT-APPEAR"
    caplog.set_level(logging.DEBUG)
    async with massive(key=wrong) as (provider, server):
        with pytest.raises(ProviderAuthError) as caught:
            await provider.get_bars(
                "AAPL", Timeframe.D1,
                datetime(2005, 4, 1, 5, tzinfo=UTC), datetime(2005, 4, 5, 4, tzinfo=UTC),
            )  # fmt: skip
    assert len(server.requests) == 1
    assert "Unknown API Key" in caught.value.message
    assert_key_not_leaked(caught.value, wrong)
    assert wrong not in caplog.text


async def test_403_is_an_auth_error() -> None:
    async with massive() as (provider, server):
        server.fail(403, times=-1)
        with pytest.raises(ProviderAuthError):
            await provider.get_last_trade("AAPL")


async def test_retries_log_without_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with massive() as (provider, server):
        server.fail(429, times=1, retry_after="0")
        await provider.get_quote("AAPL")
    assert "massive retry" in caplog.text
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in str(record.__dict__)


async def test_bad_ranges_are_rejected_before_any_request() -> None:
    async with massive() as (provider, server):
        with pytest.raises(InvalidBarRangeError):
            await provider.get_bars(
                "AAPL", Timeframe.D1, datetime(2024, 1, 2), datetime(2024, 1, 3)
            )  # naive
        t = datetime(2024, 1, 2, tzinfo=UTC)
        with pytest.raises(InvalidBarRangeError):
            await provider.get_bars("AAPL", Timeframe.M1, t, t)
    assert server.requests == []
