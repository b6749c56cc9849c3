"""Every journal route shows and changes only the caller's rows: another trader's id is a 404,
lists and analytics leave it out, and the owner's row survives the attempts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers.users import UserClient, assert_owner_only
from tests.journal.api import fixture, import_file, new_account, preview, trades

MAPPING = {"time": "T", "symbol": "S", "quantity": "Q", "price": "P", "quantity_sign": "signed"}


async def _account(user: UserClient) -> dict[str, Any]:
    return await new_account(user, "Owner's account")


async def _import(user: UserClient) -> dict[str, Any]:
    account = await new_account(user, "Imports")
    return await preview(user, account["id"], fixture("tastytrade/transactions_2024.csv"))


async def _mapping(user: UserClient) -> dict[str, Any]:
    response = await user.post("/api/journal/mappings", json={"name": "m", "mapping": MAPPING})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _trade(user: UserClient) -> dict[str, Any]:
    account = await new_account(user, "Trades")
    await import_file(user, account["id"], fixture("tastytrade/transactions_2024.csv"))
    return (await trades(user, symbol="SPY"))[0]


async def test_accounts(alice: UserClient, bob: UserClient) -> None:
    await assert_owner_only(alice, bob, create=_account,
                            item_url=lambda a: f"/api/journal/accounts/{a['id']}",
                            list_url="/api/journal/accounts")  # fmt: skip


async def test_imports(alice: UserClient, bob: UserClient) -> None:
    item = await assert_owner_only(alice, bob, create=_import,
                                   item_url=lambda i: f"/api/journal/imports/{i['id']}",
                                   list_url="/api/journal/imports", delete=False)  # fmt: skip
    assert (await bob.post(f"/api/journal/imports/{item['id']}/commit")).status_code == 404
    assert (await alice.get(f"/api/journal/imports/{item['id']}")).json()["status"] == "previewed"


async def test_mappings(alice: UserClient, bob: UserClient) -> None:
    await assert_owner_only(alice, bob, create=_mapping,
                            item_url=lambda m: f"/api/journal/mappings/{m['id']}",
                            list_url="/api/journal/mappings")  # fmt: skip


async def test_trades(alice: UserClient, bob: UserClient) -> None:
    trade = await assert_owner_only(
        alice, bob, create=_trade, item_url=lambda t: f"/api/journal/trades/{t['id']}",
        list_url="/api/journal/trades", update=("PATCH", {"notes": "mine now"}), delete=False,
    )  # fmt: skip
    detail = (await alice.get(f"/api/journal/trades/{trade['id']}")).json()
    assert detail["notes"] == ""  # bob's PATCH changed nothing


async def test_manual_entry_into_someone_elses_account(alice: UserClient, bob: UserClient) -> None:
    account = await _account(alice)
    leg = {"symbol": "SPY", "kind": "stock", "quantity": 10, "price": "500",
           "opened_at": "2024-03-04T15:15:30Z"}  # fmt: skip
    response = await bob.post("/api/journal/trades", json={"account_id": account["id"],
                                                           "legs": [leg]})  # fmt: skip
    assert response.status_code == 404
    assert await trades(alice) == []


async def test_analytics_and_export_cover_only_your_trades(
    alice: UserClient, bob: UserClient
) -> None:
    await _trade(alice)
    stats = (await bob.get("/api/journal/stats")).json()
    assert stats["trades"] == {"total": 0, "closed": 0, "open": 0}
    assert (await bob.get("/api/journal/patterns")).json() == {"findings": []}
    csv = (await bob.get("/api/journal/export.csv")).text
    assert csv.count("\n") == 1  # the header only
    mine = (await alice.get("/api/journal/stats")).json()
    assert mine["trades"]["total"] == 6


async def test_deleting_someone_elses_account_deletes_nothing(
    alice: UserClient, bob: UserClient
) -> None:
    trade = await _trade(alice)
    assert (await bob.delete(f"/api/journal/accounts/{trade['account_id']}")).status_code == 404
    assert len(await trades(alice)) == 6


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/journal/accounts"), ("POST", "/api/journal/accounts"),
     ("GET", "/api/journal/imports"), ("POST", "/api/journal/imports"),
     ("GET", "/api/journal/trades"), ("POST", "/api/journal/trades"),
     ("GET", "/api/journal/trades/abc"), ("GET", "/api/journal/stats"),
     ("GET", "/api/journal/patterns"), ("GET", "/api/journal/export.csv"),
     ("GET", "/api/journal/mappings"), ("POST", "/api/journal/imports/1/commit")],
)  # fmt: skip
async def test_every_route_needs_a_login(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, headers={"Accept": "application/json"})
    assert response.status_code in (401, 403), (path, response.status_code)


async def test_the_tab_needs_a_login_and_renders_for_the_trader(
    client: httpx.AsyncClient, alice: UserClient
) -> None:
    anonymous = await client.get("/tabs/journal")
    assert anonymous.status_code in (303, 401)
    page = await alice.get("/tabs/journal")
    assert page.status_code == 200 and "journal" in page.text.lower()
