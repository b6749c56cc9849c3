"""The analytics cache never answers for an account that is gone: a new account that gets the
old one's id back (SQLite reuses the highest rowid; a restore or a test's truncation reuses
them on PostgreSQL) and reaches the same revision is still a new account."""

from __future__ import annotations

from tests.helpers.users import UserClient
from tests.journal.api import fixture, import_file, new_account


async def _total(user: UserClient) -> int:
    response = await user.get("/api/journal/stats")
    assert response.status_code == 200, response.text
    total: int = response.json()["trades"]["total"]
    return total


async def test_a_reused_account_id_is_not_served_the_old_accounts_numbers(
    alice: UserClient,
) -> None:
    first = await new_account(alice, "First")
    await import_file(alice, first["id"], fixture("tastytrade/transactions_2024.csv"))
    before = await _total(alice)
    assert (await alice.delete(f"/api/journal/accounts/{first['id']}")).status_code == 204
    second = await new_account(alice, "Second")
    await import_file(alice, second["id"], fixture("thinkorswim/2024-03-18-AccountStatement.csv"))
    listed = (await alice.get("/api/journal/trades", params={"limit": 500})).json()["total"]
    assert await _total(alice) == listed != before
