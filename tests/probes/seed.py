"""A trader's book with something in every slice, each text field carrying a marker, and the
row ids the trader's own reads reveal.

The cross-user probe attacks these rows as somebody else; a new slice adds its rows here (the
probe's coverage check names the route that found nothing of the trader's to read).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from tests.factories import create_chat, create_iron_condor, create_stock
from tests.helpers.users import UserClient
from tests.journal.api import fixture, import_file, new_account, preview, trades
from tests.probes.routes import Route, app_routes


@dataclass
class Book:
    """What a seeded trader owns: the marker in every text field, and every row id seen."""

    marker: str
    ids: set[int | str] = field(default_factory=set)


async def seed_book(app: FastAPI, user: UserClient) -> Book:
    mark = f"Zq{uuid.uuid4().hex[:10]}"
    book = Book(mark)
    assert (await user.post("/api/watchlist", json={"symbol": "AMD"})).status_code == 201
    strategy = await create_iron_condor(user, "SPY", label=f"condor {mark}")
    stock = await create_stock(user, "QQQ", 5, 400)
    leg_id = stock["legs"][0]["id"]
    r = await user.patch(f"/api/positions/{leg_id}", json={"notes": f"note {mark}"})
    assert r.status_code == 200, r.text
    assert (await user.patch(f"/api/strategies/{strategy['id']}", json={"label": mark})).is_success

    account = await new_account(user, f"IRA {mark}")
    await import_file(user, account["id"], fixture("tastytrade/transactions_2024.csv"))
    await preview(user, account["id"], fixture("thinkorswim/2024-03-18-AccountStatement.csv"))
    trade = (await trades(user))[0]
    r = await user.patch(f"/api/journal/trades/{trade['id']}", json={"notes": f"why {mark}"})
    assert r.status_code == 200, r.text
    mapping = {"time": "T", "symbol": "S", "quantity": "Q", "price": "P", "quantity_sign": "signed"}
    r = await user.post("/api/journal/mappings", json={"name": f"map {mark}", "mapping": mapping})
    assert r.status_code == 201, r.text

    chat = await create_chat(user, f"chat {mark}")
    r = await user.post(
        f"/api/chat/sessions/{chat['id']}/messages",
        json={"content": f"what does rho mean? {mark}", "client_message_id": str(uuid.uuid4())},
    )
    assert r.status_code == 200, r.text
    r = await user.post("/api/tokens", json={"name": f"token {mark}"})
    assert r.status_code == 201, r.text
    if (await user.get("/api/admin/invites")).status_code == 200:
        r = await user.post("/api/admin/invites", json={"note": f"invite {mark}"})
        assert r.status_code == 201, r.text

    for ids in (await visible_ids(app, user)).values():
        book.ids |= ids
    return book


async def visible_ids(app: FastAPI, user: UserClient) -> dict[str, set[int | str]]:
    """Every row id (a number or an opaque string) the user's own listings show, by the kind of
    row the listing is of (its last path segment: ``sessions``, ``tokens``, ``trades``)."""
    found: dict[str, set[int | str]] = {}
    for route in listing_routes(app):
        response = await user.get(route.path)
        if response.status_code == 200 and "json" in response.headers.get("content-type", ""):
            found.setdefault(route.path.rsplit("/", 1)[-1], set()).update(_ids(response.json()))
    return found


def kind_of_row(route: Route) -> str:
    """The kind of row a path value names: the segment before it (``/api/tokens/{token_id}``)."""
    return route.path.split("/{", 1)[0].rsplit("/", 1)[-1]


def listing_routes(app: FastAPI) -> Iterator[Route]:
    """The JSON reads that need no path value: lists, stats, the caller's own profile."""
    return (r for r in app_routes(app) if r.method == "GET" and r.in_schema and not r.params)


def _ids(payload: Any) -> Iterable[int | str]:
    if isinstance(payload, dict):
        for key, value in payload.items():
            if (key == "id" or key.endswith("_id")) and isinstance(value, int | str):
                if value != "" and not isinstance(value, bool):
                    yield value
            else:
                yield from _ids(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from _ids(item)
