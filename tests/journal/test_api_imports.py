"""Every broker fixture through the API (preview, commit): the round trips it forms and the
realized P&L per underlying, gross and net, to the cent — hand-computed below from the files.

The fixtures tell one March 2024 story in each broker's layout: a SPY 500/495 bull put spread
(2 lots, one closed on Mar 8 for a 0.80 debit, one expired), an AAPL 170 call rolled to the
172.5 (the first trade closed, the roll open), a KO 60 put assigned (the put's premium is
realized; the 100 shares are a trade of their own), an IWM iron condor still open. Per lot the
spread's opening credit is 3.10 − 1.95 = 1.15, so the spread's realized gross is
(1.15 − 0.80) · 100 + 1.15 · 100 = 150.00; AAPL 2.05 − 0.80 = 125.00; KO 95.00. Each broker's
costs differ, so the nets differ (the costs of every fill of a closed lot count).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.users import UserClient
from tests.journal.api import (
    commit,
    fixture,
    import_file,
    new_account,
    preview,
    realized_by_underlying,
    trades,
    upload,
)

D = Decimal
GENERIC_MAPPING: dict[str, Any] = {
    "time": "Executed (ET)", "symbol": "Symbol", "side": "Action", "quantity": "Qty",
    "price": "Fill Price", "commission": "Commission", "fees": "Reg Fees",
    "order_id": "Order Ref", "effect": "Open/Close", "kind": "Event",
}  # fmt: skip


def pnl(**by: tuple[str, str]) -> dict[str, tuple[Decimal, Decimal]]:
    return {k.replace("_", "."): (D(g), D(n)) for k, (g, n) in by.items()}


#: fixture → (realized (gross, net) per underlying, trades, closed trades). The nets:
#: tastytrade SPY 150 − (2.26 + 2.28 + 0.14 + 0.13) = 145.19; AAPL 125 − (1.14 + 0.13);
#: KO 95 − 1.14. thinkorswim SPY 150 − (1.33 + 1.32 + 0.66 + 0.66), AAPL 125 − 2 · 0.66,
#: KO 95 − 0.66 (and a 0.2-share KO buy on Mar 13 opens a trade of its own). IBKR SPY
#: 150 − (1.30 + 1.30 + 0.65 + 0.65) … Robinhood's regulatory fees are 0.03 a contract.
CASES: list[tuple[str, dict[str, tuple[Decimal, Decimal]], int, int]] = [
    ("tastytrade/transactions_2024.csv",
     pnl(SPY=("150.00", "145.19"), AAPL=("125.00", "123.73"), KO=("95.00", "93.86"),
         IWM=("0.00", "0.00")), 6, 3),
    ("thinkorswim/2024-03-18-AccountStatement.csv",
     pnl(SPY=("150.00", "146.03"), AAPL=("125.00", "123.68"), KO=("95.00", "94.34"),
         IWM=("0.00", "0.00")), 7, 3),
    ("ibkr/activity_statement_2024_03.csv",
     pnl(SPY=("150.00", "146.10"), AAPL=("125.00", "123.70"), KO=("95.00", "94.35"),
         IWM=("0.00", "0.00")), 6, 3),
    ("ibkr_flex/trades_2024_03.xml",
     pnl(SPY=("150.00", "146.09"), AAPL=("125.00", "123.70"), KO=("95.00", "94.35"),
         IWM=("0.00", "0.00")), 6, 3),
    # Both lots of the spread expire: 2 · 1.15 · 100 = 230.00 − 2.60 costs.
    ("ibkr_flex/trades_2024_03_envelope.csv",
     pnl(SPY=("230.00", "227.40"), KO=("95.00", "94.35")), 3, 2),
    ("schwab/Individual_XXX123_Transactions.csv",
     pnl(SPY=("150.00", "146.04"), AAPL=("125.00", "123.68"), KO=("95.00", "94.34"),
         IWM=("0.00", "0.00")), 6, 3),
    # Two identical TSLA call buys stay two fills of one open trade.
    ("robinhood/account_activity.csv",
     pnl(SPY=("150.00", "149.82"), AAPL=("125.00", "124.94"), KO=("95.00", "94.97"),
         IWM=("0.00", "0.00"), TSLA=("0.00", "0.00")), 7, 3),
    # 100 KO bought at 60.05, 40 sold at 61.00: 40 · 0.95 = 38.00 realized, the rest open.
    ("webull/Webull_Orders_Records.csv",
     pnl(KO=("38.00", "38.00"), BRK_B=("0.00", "0.00")), 2, 0),
    # No costs in Webull's orders file, and no expirations or assignments (orders only): the
    # spread's second lot and the KO put stay open. 3 TSLA calls bought at 1.00, 2 sold at 1.40.
    ("webull/Webull_Orders_Records_Options.csv",
     pnl(SPY=("35.00", "35.00"), AAPL=("125.00", "125.00"), TSLA=("80.00", "80.00"),
         KO=("0.00", "0.00"), IWM=("0.00", "0.00")), 6, 1),
]  # fmt: skip


IDS = [c[0].split("/")[0] + ":" + Path(c[0]).stem for c in CASES]


@pytest.mark.parametrize(("name", "expected", "n_trades", "n_closed"), CASES, ids=IDS)
async def test_broker_file_to_round_trips_and_realized_pnl(
    alice: UserClient, name: str, expected: dict[str, tuple[Decimal, Decimal]], n_trades: int,
    n_closed: int,
) -> None:  # fmt: skip
    account = await new_account(alice)
    done = await import_file(alice, account["id"], fixture(name))
    assert done["status"] == "committed"
    assert done["added"] == done["rows"]["parsed"] > 0
    listed = await trades(alice)
    assert realized_by_underlying(listed) == expected
    assert len(listed) == n_trades
    assert sum(t["status"] == "closed" for t in listed) == n_closed
    total = sum((net for _, net in expected.values()), D(0))
    assert D(done["trades"]["realized_net"]) == total  # the preview said the same


async def test_generic_csv_with_a_saved_mapping(alice: UserClient) -> None:
    account = await new_account(alice)
    body = {"name": "My CSV", "mapping": GENERIC_MAPPING}
    saved = await alice.post("/api/journal/mappings", json=body)
    assert saved.status_code == 201, saved.text
    done = await import_file(
        alice, account["id"], fixture("generic/fills.csv"), mapping_id=saved.json()["id"]
    )
    assert done["format"] == "generic" and done["rows"]["errors"] == 1
    # KO: the put's 95.00 plus 10 assigned shares sold a dollar higher (fees 0.01).
    assert realized_by_underlying(await trades(alice)) == pnl(
        SPY=("150.00", "145.98"), AAPL=("125.00", "123.66"), KO=("105.00", "104.32"),
        IWM=("0.00", "0.00"),
    )  # fmt: skip


async def test_the_spread_and_its_legs_in_detail(alice: UserClient) -> None:
    account = await new_account(alice)
    await import_file(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    (spy,) = await trades(alice, symbol="SPY")
    assert (spy["strategy"], spy["direction"], spy["status"]) == ("bull_put_spread", "credit",
                                                                  "closed")  # fmt: skip
    assert spy["planned_risk"] == "770.00"  # (5.00 width − 1.15 credit) · 100 · 2 lots
    detail = (await alice.get(f"/api/journal/trades/{spy['id']}")).json()
    legs = {leg["strike"]: leg for leg in detail["legs"]}
    assert set(legs) == {"495.00", "500.00"}
    short = legs["500.00"]
    assert (short["opened_quantity"], short["closed_quantity"], short["open_quantity"]) == (
        "-2", "2", "0")  # fmt: skip
    assert [f["kind"] for f in short["fills"]] == ["trade", "trade", "expiration"]
    assert [f["row"] for f in short["fills"]] == [16, 10, 4]
    assert detail["campaign"]["trades"][0]["id"] == spy["id"]


async def test_reimporting_the_same_file_adds_nothing(alice: UserClient) -> None:
    account = await new_account(alice)
    path = fixture("tastytrade/transactions_2024.csv")
    await import_file(alice, account["id"], path)
    before = await trades(alice)
    again = await preview(alice, account["id"], path)
    assert again["rows"]["duplicates"] == again["rows"]["parsed"] == 16
    assert all(e["duplicate"] for e in again["executions"])
    assert again["trades"]["count"] == 0
    done = await commit(alice, again["id"])
    assert done["added"] == 0
    assert await trades(alice) == before
    acc = (await alice.get(f"/api/journal/accounts/{account['id']}")).json()
    assert (acc["executions"], acc["trades"]) == (16, 6)


async def test_an_overlapping_export_adds_only_the_new_rows(alice: UserClient) -> None:
    account = await new_account(alice)
    lines = fixture("tastytrade/transactions_2024.csv").read_text("utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    older = "\n".join([header, *rows[9:]]) + "\n"  # Mar 5 and before
    newer = "\n".join([header, *rows[:12]]) + "\n"  # Mar 4 and after: overlaps Mar 4–5
    r1 = await upload(alice, account["id"], older.encode())
    await commit(alice, r1.json()["id"])
    r2 = await upload(alice, account["id"], newer.encode())
    shown = r2.json()
    assert shown["rows"]["duplicates"] == 3  # the three Mar 4–5 rows already in
    done = await commit(alice, shown["id"])
    assert done["added"] == shown["rows"]["parsed"] - 3
    assert realized_by_underlying(await trades(alice))["SPY"] == (D("150.00"), D("145.19"))


async def test_broken_rows_are_listed_and_never_committed(alice: UserClient) -> None:
    account = await new_account(alice)
    shown = await preview(alice, account["id"], fixture("tastytrade/broken_rows.csv"))
    errors = {e["row"]: e["reason"] for e in shown["errors"]}
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "spreadsheet formula" in errors[5] and "'2O' is not a number" in errors[2]
    assert all(e["raw"] for e in shown["errors"])
    done = await commit(alice, shown["id"])
    assert done["added"] == shown["rows"]["parsed"] == 1
    rows = [f["row"] for t in await trades(alice)
            for leg in (await alice.get(f"/api/journal/trades/{t['id']}")).json()["legs"]
            for f in leg["fills"]]  # fmt: skip
    assert not set(rows) & set(errors)


@pytest.mark.parametrize("broker", ["thinkorswim", "ibkr", "robinhood", "schwab", "webull"])
async def test_every_brokers_broken_rows_are_previewed_with_numbers(
    alice: UserClient, broker: str
) -> None:
    account = await new_account(alice)
    shown = await preview(alice, account["id"], fixture(f"{broker}/broken_rows.csv"))
    assert shown["format"] == broker
    assert shown["rows"]["errors"] == len(shown["errors"]) >= 4
    assert all(e["row"] >= 1 and e["reason"] for e in shown["errors"])
    done = await commit(alice, shown["id"])
    assert done["added"] == shown["rows"]["parsed"]


async def test_imports_are_listed_newest_first_and_a_second_commit_is_409(
    alice: UserClient,
) -> None:
    account = await new_account(alice)
    a = await import_file(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    b = await preview(alice, account["id"], fixture("ibkr/activity_statement_2024_03.csv"))
    listed = (await alice.get("/api/journal/imports")).json()
    assert [i["id"] for i in listed] == [b["id"], a["id"]]
    again = await alice.post(f"/api/journal/imports/{a['id']}/commit")
    assert again.status_code == 409
    assert "already committed" in again.json()["error"]["message"]
