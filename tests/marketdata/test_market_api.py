"""Market-data API on the simulated market: status, sessions, quotes, bars, search, watchlist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers.users import UserClient


async def test_status_and_the_thanksgiving_early_close(alice: UserClient) -> None:
    status = (await alice.get("/api/market/status")).json()
    assert status["phase"] in {"pre-market", "regular", "after-hours", "closed"}
    assert status["source"] == "simulated"
    sessions = (await alice.get("/api/market/sessions?start=2026-11-25&end=2026-11-30")).json()
    assert [s["date"] for s in sessions] == ["2026-11-25", "2026-11-27", "2026-11-30"]
    friday = sessions[1]
    assert friday["early_close"] is True
    assert friday["close_at"].startswith("2026-11-27T18:00:00")  # 13:00 ET


async def test_quote_carries_source_and_freshness(alice: UserClient) -> None:
    quote = (await alice.get("/api/market/aapl/quote")).json()
    assert quote["symbol"] == "AAPL" and quote["source"] == "simulated" and quote["stale"] is False
    assert quote["last"] > 0 and quote["as_of"]


async def test_bars_for_every_timeframe(alice: UserClient) -> None:
    for tf in ("1m", "5m", "15m", "30m", "1h", "1d", "1w", "1mo"):
        response = await alice.get(f"/api/market/SPY/bars?timeframe={tf}")
        assert response.status_code == 200, (tf, response.text)
        bars = response.json()["bars"]
        assert bars, tf
        times = [b["time"] for b in bars]
        assert times == sorted(times)
        assert all(
            b["low"] <= min(b["open"], b["close"]) <= max(b["open"], b["close"]) <= b["high"]
            for b in bars
        )


async def test_bad_bar_requests_are_422_with_a_reason(alice: UserClient) -> None:
    bad_tf = await alice.get("/api/market/SPY/bars?timeframe=7m")
    assert bad_tf.status_code == 422
    assert "Timeframe must be one of" in bad_tf.json()["error"]["message"]
    now = datetime.now(UTC)
    backwards = await alice.get(
        "/api/market/SPY/bars",
        params={
            "timeframe": "1d",
            "start": now.isoformat(),
            "end": (now - timedelta(days=5)).isoformat(),
        },
    )
    assert backwards.status_code == 422 and "empty" in backwards.json()["error"]["message"]
    too_long = await alice.get(
        "/api/market/SPY/bars",
        params={
            "timeframe": "1m",
            "start": (now - timedelta(days=90)).isoformat(),
            "end": now.isoformat(),
        },
    )
    assert too_long.status_code == 422 and "at most" in too_long.json()["error"]["message"]
    naive = await alice.get(
        "/api/market/SPY/bars?timeframe=1d&start=2026-01-01T00:00:00&end=2026-02-01T00:00:00"
    )
    assert naive.status_code == 422
    unknown = await alice.get("/api/market/NOPE/bars")
    assert unknown.status_code == 404


async def test_search(alice: UserClient) -> None:
    found = (await alice.get("/api/market/search?q=nvid")).json()
    assert any(s["symbol"] == "NVDA" for s in found)


async def test_watchlist_is_per_user(alice: UserClient, bob: UserClient) -> None:
    assert (await alice.get("/api/watchlist")).json()["symbols"][:3] == ["SPY", "QQQ", "IWM"]
    added = await alice.post("/api/watchlist", json={"symbol": "msft"})
    assert added.status_code == 201 and added.json()["symbols"][-1] == "MSFT"
    assert (await alice.post("/api/watchlist", json={"symbol": "MSFT"})).status_code == 409
    assert (await alice.post("/api/watchlist", json={"symbol": "NOPE"})).status_code == 404
    assert "MSFT" not in (await bob.get("/api/watchlist")).json()["symbols"]
    assert (await bob.delete("/api/watchlist/MSFT")).status_code == 404
    assert (await alice.delete("/api/watchlist/MSFT")).status_code == 204
    assert "MSFT" not in (await alice.get("/api/watchlist")).json()["symbols"]
