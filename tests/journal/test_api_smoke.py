from __future__ import annotations

from decimal import Decimal

from tests.helpers.users import UserClient
from tests.journal.api import fixture, import_file, new_account, realized_by_underlying, trades


async def test_tastytrade_smoke(alice: UserClient) -> None:
    account = await new_account(alice)
    done = await import_file(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    print(done)
    items = await trades(alice)
    for t in items:
        print(t["underlying"], t["strategy"], t["status"], t["realized_gross"], t["realized_net"])
    print(realized_by_underlying(items))
    assert done["status"] == "committed"
