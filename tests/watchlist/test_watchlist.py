"""The watchlist: defaults without writes, parallel adds of one symbol, owner-only rows."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from aicoach.watchlist.models import WatchlistItem
from aicoach.watchlist.service import DEFAULT_SYMBOLS
from tests.helpers.users import UserClient


async def _rows(app, user_id: int) -> int:  # type: ignore[no-untyped-def]
    async with app.state.container.sessions() as s:
        count = await s.scalar(
            select(func.count()).select_from(WatchlistItem).where(WatchlistItem.user_id == user_id)
        )
        return int(count or 0)


async def test_reading_the_defaults_writes_nothing(app, alice: UserClient) -> None:  # type: ignore[no-untyped-def]
    response = await alice.get("/api/watchlist")
    assert response.json() == {"symbols": list(DEFAULT_SYMBOLS)}
    assert await _rows(app, alice.user_id) == 0


async def test_parallel_adds_of_one_symbol_make_one_row(app, alice: UserClient) -> None:  # type: ignore[no-untyped-def]
    responses = await asyncio.gather(
        *(alice.post("/api/watchlist", json={"symbol": "msft"}) for _ in range(10))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1 and codes.count(409) == 9, codes
    symbols = (await alice.get("/api/watchlist")).json()["symbols"]
    assert symbols == [*DEFAULT_SYMBOLS, "MSFT"]
    assert await _rows(app, alice.user_id) == len(DEFAULT_SYMBOLS) + 1


async def test_removing_a_default_saves_the_rest(alice: UserClient, bob: UserClient) -> None:
    assert (await alice.delete("/api/watchlist/TSLA")).status_code == 204
    assert "TSLA" not in (await alice.get("/api/watchlist")).json()["symbols"]
    assert (await alice.delete("/api/watchlist/TSLA")).status_code == 404
    assert "TSLA" in (await bob.get("/api/watchlist")).json()["symbols"]
