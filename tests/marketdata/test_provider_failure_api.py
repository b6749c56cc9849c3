"""The provider-failure contract over HTTP, and the files provider end to end.

"The provider down or rate-limited → 503 with Retry-After and, where a cached value exists,
that value marked stale — never a 500": the app runs on the ``massive`` provider pointed at the
local fake Massive server (recorded vendor responses), which is then told to fail.

The files provider: the real S&P 500 daily series written as CSV; ``/api/levels`` computes
levels as of the data's end (2018-12-31), checked against TA-Lib's ATR and the raw bars.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import arch.data.sp500
import numpy as np
import pandas as pd
import pytest
import talib
from pydantic import SecretStr

from aicoach.config import MarketDataProviderName
from tests.factories import signed_up
from tests.fakes.massive_server import FakeMassive, massive_fixtures_dir, serve_massive
from tests.helpers.users import UserClient

KEY = "test-massive-key"
#: The recorded daily aggregates: Massive's range 2005-04-01/2005-04-04, asked for in our terms.
BARS = "/api/market/AAPL/bars?timeframe=1d&start=2005-04-02T00:00:00Z&end=2005-04-05T00:00:00Z"
QUOTE_TTL_SECONDS = 2.0  # the cache's fixed freshness for quotes (DEFAULT_OP_TTL_SECONDS)


@asynccontextmanager
async def massive_app(
    app_factory: Any, **overrides: Any
) -> AsyncIterator[tuple[UserClient, FakeMassive]]:
    async with serve_massive(massive_fixtures_dir(), api_key=KEY, hang_seconds=2) as fake:
        app = app_factory(
            market_data_provider=MarketDataProviderName.MASSIVE,
            massive_api_key=SecretStr(KEY),
            massive_base_url=fake.base_url,
            **overrides,
        )
        async with (
            app.router.lifespan_context(app),
            signed_up(app, "trader@example.com", "a long enough passphrase") as user,
        ):
            yield user, fake


def assert_503(response: Any, retry_after: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == retry_after
    message = response.json()["error"]["message"]
    assert message.startswith("Massive ") and len(message) < 200


async def test_cached_quote_turns_stale_and_uncached_is_503(app_factory: Any) -> None:
    async with massive_app(app_factory) as (alice, fake):
        fresh = await alice.get("/api/market/AAPL/quote")
        assert fresh.status_code == 200, fresh.text
        first = fresh.json()
        assert first["stale"] is False and first["source"] == "delayed"

        fake.fail(503, times=-1, retry_after="30")
        # Ask until the quote's freshness has run out: the cache then asks the vendor again (a
        # real miss, which now fails). The cache clock is real time, so this takes ~2 s.
        asked = len(fake.requests_to("/v2/snapshot"))
        deadline = time.monotonic() + QUOTE_TTL_SECONDS + 30
        while True:
            stale = await alice.get("/api/market/AAPL/quote")
            if len(fake.requests_to("/v2/snapshot")) > asked:
                break
            assert time.monotonic() < deadline, "the cached quote never went past its freshness"
            await asyncio.sleep(0.05)
        assert stale.status_code == 200, stale.text
        body = stale.json()
        assert body["stale"] is True
        assert body["last"] == first["last"] and body["as_of"] == first["as_of"]
        assert fake.requests_to("/v2/snapshot")[-1].path.endswith("/AAPL")  # it did ask again

        # Nothing cached for MSFT: the provider's 503 with its Retry-After, readable, no 500.
        assert_503(await alice.get("/api/market/MSFT/quote"), "30")
        # Levels need daily history that was never cached: 503 as well, never a 500.
        assert_503(await alice.get("/api/levels/AAPL"), "30")


async def test_rate_limited_is_503_and_cached_bars_are_served_stale(app_factory: Any) -> None:
    async with massive_app(app_factory, cache_ttl_seconds=0.0) as (alice, fake):
        fresh = await alice.get(BARS)
        assert fresh.status_code == 200, fresh.text
        bars = fresh.json()["bars"]
        assert len(bars) >= 2 and fresh.json()["stale"] is False

        fake.fail(429, times=-1, retry_after="30")
        stale = await alice.get(BARS)
        assert stale.status_code == 200, stale.text
        assert stale.json()["stale"] is True and stale.json()["bars"] == bars

        rate_limited = await alice.get("/api/market/MSFT/quote")
        assert_503(rate_limited, "30")
        assert "rate limit" in rate_limited.json()["error"]["message"]
        other_range = BARS.replace("2005-04-05", "2005-04-06")
        assert_503(await alice.get(other_range), "30")

        # Recovery: the vendor answers again and the data is fresh once more.
        fake._faults.clear()
        again = await alice.get(BARS)
        assert again.status_code == 200 and again.json()["stale"] is False


# --- the files provider ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return arch.data.sp500.load()


def write_sp500(folder: Path, frame: pd.DataFrame) -> Path:
    (folder / "GSPC").mkdir(parents=True)
    pd.DataFrame(
        {
            "time": pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d"),
            "open": frame["Open"].to_numpy(), "high": frame["High"].to_numpy(),
            "low": frame["Low"].to_numpy(), "close": frame["Close"].to_numpy(),
            "volume": frame["Volume"].to_numpy(),
        }
    ).to_csv(folder / "GSPC" / "1d.csv", index=False)  # fmt: skip
    return folder


async def test_files_provider_levels_come_out_as_of_the_data_end(
    app_factory: Any, tmp_path: Path, sp500: pd.DataFrame
) -> None:
    folder = write_sp500(tmp_path / "market", sp500)
    app = app_factory(market_data_provider=MarketDataProviderName.FILES, files_dir=folder)
    async with (
        app.router.lifespan_context(app),
        signed_up(app, "files@example.com", "a long enough passphrase") as alice,
    ):
        response = await alice.get("/api/levels/gspc")
        assert response.status_code == 200, response.text
        body = response.json()

    assert body["source"] == "files" and body["historical"] is True and body["stale"] is False
    assert body["session_date"] == "2019-01-02"  # the session after the last bar (2018-12-31)
    assert body["as_of"].startswith("2018-12-31")
    last = sp500.iloc[-1]
    assert body["price"] == pytest.approx(last["Close"], rel=1e-12)
    prior = {lv["label"]: lv["price"] for lv in body["groups"]["prior_periods"]}
    assert prior["Prior day high"] == pytest.approx(last["High"], rel=1e-12)
    assert prior["Prior day low"] == pytest.approx(last["Low"], rel=1e-12)
    assert prior["Prior day close"] == pytest.approx(last["Close"], rel=1e-12)
    december = sp500.loc["2018-12"]
    assert prior["Prior month high"] == pytest.approx(december["High"].max(), rel=1e-12)
    assert prior["Prior month low"] == pytest.approx(december["Low"].min(), rel=1e-12)
    # Golden: TA-Lib's 14-day Wilder ATR over the whole series (the engine's shorter look-back
    # converges to it: the seed's weight decays as (13/14)^n).
    h, lo, c = (sp500[k].to_numpy(dtype=np.float64) for k in ("High", "Low", "Close"))
    assert body["atr_daily"] == pytest.approx(float(talib.ATR(h, lo, c, 14)[-1]), rel=1e-6)
    assert body["nearest_support"]["price"] < body["price"] < body["nearest_resistance"]["price"]
    sma20 = next(lv for lv in body["groups"]["moving_averages"] if lv["label"] == "20-day SMA")
    assert sma20["price"] == pytest.approx(float(talib.SMA(c, 20)[-1]), rel=1e-9)
    assert body["vwap"] is None and body["groups"]["opening_range"] == []  # daily data only
