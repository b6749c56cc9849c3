"""The trades API: filters, sorting and paging; the detail; notes, tags and planned risk that
survive every rebuild; manual entry; the stats, patterns and CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from tests.helpers.users import UserClient
from tests.journal.api import fixture, import_file, new_account, trades, upload

TASTY = "tastytrade/transactions_2024.csv"


async def journal(user: UserClient) -> dict[str, Any]:
    account = await new_account(user)
    await import_file(user, account["id"], fixture(TASTY))
    return account


async def test_filters_sorting_and_paging(alice: UserClient) -> None:
    await journal(alice)
    everything = await trades(alice)
    assert [t["opened_at"] for t in everything] == sorted(
        (t["opened_at"] for t in everything), reverse=True
    )
    assert {t["underlying"] for t in await trades(alice, symbol="aapl")} == {"AAPL"}
    assert [t["strategy"] for t in await trades(alice, strategy="iron_condor")] == ["iron_condor"]
    assert {t["strategy"] for t in await trades(alice, strategy="credit_spread")} == {
        "bull_put_spread"}  # fmt: skip
    closed = await trades(alice, status="closed")
    assert {t["status"] for t in closed} == {"closed"} and len(closed) == 3
    assert {t["status"] for t in await trades(alice, status="open")} == {"open"}
    assert {t["direction"] for t in await trades(alice, side="credit")} == {"credit"}
    # dates: a closed trade's close date (New York), an open trade's open date
    march_11 = await trades(alice, **{"from": "2024-03-11", "to": "2024-03-11"})
    assert sorted(t["status"] for t in march_11) == ["closed", "open"]  # the roll, both sides
    assert {t["underlying"] for t in march_11} == {"AAPL"}
    by_net = await trades(alice, sort="net", order="desc", status="closed")
    nets = [Decimal(t["realized_net"]) for t in by_net]
    assert nets == sorted(nets, reverse=True)
    by_r = await trades(alice, sort="r", order="asc")
    assert by_r[-1]["r_multiple"] is None  # unknown R sorts last either way
    page = (await alice.get("/api/journal/trades", params={"limit": 2, "offset": 2})).json()
    assert page["total"] == 6 and [t["id"] for t in page["items"]] == [
        t["id"] for t in everything[2:4]]  # fmt: skip


async def test_notes_tags_and_planned_risk_survive_a_rebuild(alice: UserClient) -> None:
    account = await journal(alice)
    (spy,) = await trades(alice, symbol="SPY")
    url = f"/api/journal/trades/{spy['id']}"
    body = {"notes": "Sold the spread into support.", "planned_risk": "500",
            "tags": [{"name": "Support Bounce", "kind": "setup"},
                     {"name": "early exit", "kind": "mistake"}]}  # fmt: skip
    detail = (await alice.patch(url, json=body)).json()
    assert detail["notes"] == "Sold the spread into support."
    assert {(t["name"], t["kind"]) for t in detail["tags"]} == {
        ("support bounce", "setup"), ("early exit", "mistake")}  # fmt: skip
    assert detail["planned_risk"] == "500.00"
    assert detail["r_multiple"] == "0.29"  # 145.19 / 500
    assert detail["planned_risk_note"] == "your own figure"
    # another import into the account rebuilds its trades: the notes stay on the same id
    await import_file(alice, account["id"], fixture("ibkr_flex/trades_2024_03_envelope.csv"))
    again = (await alice.get(url)).json()
    assert again["notes"] == body["notes"] and len(again["tags"]) == 2
    assert [t["id"] for t in await trades(alice, tag="support bounce")] == [spy["id"]]
    assert (await trades(alice, symbol="SPY", tag="early exit"))[0]["has_notes"] is True
    cleared = (await alice.patch(url, json={"planned_risk": None, "tags": []})).json()
    assert cleared["planned_risk"] == "770.00" and cleared["tags"] == []
    assert cleared["notes"] == body["notes"]  # not sent: unchanged


async def test_the_detail_has_enrichment_states_for_every_field(alice: UserClient) -> None:
    await journal(alice)
    (spy,) = await trades(alice, symbol="SPY")
    enrichment = (await alice.get(f"/api/journal/trades/{spy['id']}")).json()["enrichment"]
    assert set(enrichment) == {
        "dte_at_entry",
        "underlying_price",
        "iv_at_entry",
        "delta_at_entry",
        "iv_rank",
        "expected_move",
        "level_context",
    }
    assert enrichment["dte_at_entry"] == {
        "value": 11,
        "state": "ok",
        "reason": None,
        "source": "your data",
        "as_of": "2024-03-04T15:15:30Z",
        "detail": None,
    }
    assert enrichment["iv_rank"]["state"] == "unavailable"
    assert "IV history" in enrichment["iv_rank"]["reason"]
    for item in enrichment.values():
        assert item["state"] in ("ok", "unavailable")
        assert (item["value"] is None) == (item["state"] == "unavailable")
        assert item["state"] == "ok" or item["reason"]


async def test_a_manual_trade_is_written_as_executions_and_built_like_an_import(
    alice: UserClient,
) -> None:
    account = await new_account(alice)
    legs = [
        {"symbol": "qqq", "kind": "put", "strike": 400, "expiration": "2024-04-19", "quantity": -1,
         "price": "2.50", "opened_at": "2024-03-04T15:00:00Z", "fees": "0.65",
         "closed_at": "2024-03-12T15:00:00Z", "close_price": "1.00"},
        {"symbol": "QQQ", "kind": "put", "strike": 390, "expiration": "2024-04-19", "quantity": 1,
         "price": "1.50", "opened_at": "2024-03-04T15:00:00Z", "fees": "0.65",
         "closed_at": "2024-03-12T15:00:00Z", "close_price": "0.40"},
    ]  # fmt: skip
    response = await alice.post("/api/journal/trades", json={"account_id": account["id"],
                                                             "legs": legs})  # fmt: skip
    assert response.status_code == 201, response.text
    t = response.json()
    # credit 1.00, closed for 0.60: (1.00 − 0.60) · 100 = 40.00, less 1.30 fees
    assert (t["strategy"], t["status"], t["realized_gross"], t["realized_net"]) == (
        "bull_put_spread", "closed", "40.00", "38.70")  # fmt: skip
    assert all(f["import_id"] is not None for leg in t["legs"] for f in leg["fills"])
    imports = (await alice.get("/api/journal/imports")).json()
    assert [(i["format"], i["status"], i["added"]) for i in imports] == [("manual", "committed", 4)]


async def test_stats_and_patterns(alice: UserClient) -> None:
    await journal(alice)
    stats = (await alice.get("/api/journal/stats")).json()
    assert stats["trades"] == {"total": 6, "closed": 3, "open": 3}
    summary = stats["summary"]
    assert (summary["n"], summary["wins"], summary["losses"]) == (3, 3, 0)
    assert round(summary["net_pnl"], 2) == 362.78
    assert summary["profit_factor"]["value"] is None
    assert summary["profit_factor"]["reason"] == "no losing trades"
    assert {g["key"] for g in stats["breakdowns"]["symbol"]} == {"AAPL", "KO", "SPY"}
    assert [round(x, 2) for x in stats["equity"]["equity"]] == [
        123.73,
        217.59,
        362.78,
    ]  # KO and SPY close together
    march = (await alice.get("/api/journal/stats", params={"symbol": "SPY"})).json()
    assert march["summary"]["n"] == 1 and march["filters"] == {"symbol": "SPY"}
    patterns = (await alice.get("/api/journal/patterns")).json()
    assert isinstance(patterns["findings"], list)


async def test_the_export_neutralises_formula_cells(alice: UserClient) -> None:
    await journal(alice)
    (spy,) = await trades(alice, symbol="SPY")
    await alice.patch(f"/api/journal/trades/{spy['id']}",
                      json={"notes": '=HYPERLINK("http://evil","click")'})  # fmt: skip
    response = await alice.get("/api/journal/export.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    row = next(r for r in rows if r["id"] == spy["id"])
    assert row["notes"] == '\'=HYPERLINK("http://evil","click")'
    assert row["realized_net"] == "145.19"
    negative = [r["net"] for r in rows if r["net"].startswith("-")]
    assert negative and all(not n.startswith("'") for n in negative)  # numbers stay numbers


async def test_an_account_delete_removes_its_journal(alice: UserClient) -> None:
    account = await journal(alice)
    other = await new_account(alice, "Second")
    await import_file(alice, other["id"], fixture("ibkr_flex/trades_2024_03_envelope.csv"))
    assert (await alice.delete(f"/api/journal/accounts/{account['id']}")).status_code == 204
    left = await trades(alice)
    assert {t["account_id"] for t in left} == {other["id"]} and len(left) == 3
    assert [i["account_id"] for i in (await alice.get("/api/journal/imports")).json()] == [
        other["id"]]  # fmt: skip


async def test_account_names_are_unique_per_trader(alice: UserClient, bob: UserClient) -> None:
    await new_account(alice, "IBKR main")
    again = await alice.post("/api/journal/accounts", json={"name": "IBKR  main"})
    assert again.status_code == 409 and "already have" in again.json()["error"]["message"]
    assert (await bob.post("/api/journal/accounts", json={"name": "IBKR main"})).status_code == 201
    listed = (await alice.get("/api/journal/accounts")).json()
    assert [(a["name"], a["trades"], a["executions"]) for a in listed] == [("IBKR main", 0, 0)]


async def test_an_upload_can_name_its_format(alice: UserClient) -> None:
    account = await new_account(alice)
    body = fixture(TASTY).read_bytes()
    named = await upload(alice, account["id"], body, format="tastytrade")
    assert named.status_code == 201 and named.json()["format"] == "tastytrade"
