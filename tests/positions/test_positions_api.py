"""``/api/positions`` and ``/api/strategies`` on the simulated market: create one leg or a
strategy, validation that names the field, recognition, edits, deletes and isolation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.factories import create_iron_condor, create_stock
from tests.helpers.users import UserClient, assert_owner_only
from tests.positions.chains import iron_condor_legs, monthly_chain


async def test_single_stock_leg_round_trips(alice: UserClient) -> None:
    response = await alice.post(
        "/api/positions",
        json={"symbol": "aapl", "kind": "stock", "quantity": 100, "entry_price": "187.125",
              "notes": "core"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    strategy = response.json()
    assert strategy["name"] == "long_stock" and strategy["underlying"] == "AAPL"
    (leg,) = strategy["legs"]
    assert leg["entry_price"] == 187.125 and leg["strike"] is None and leg["notes"] == "core"
    got = (await alice.get(f"/api/positions/{leg['id']}")).json()
    assert got == leg
    listed = (await alice.get("/api/positions")).json()
    assert [p["id"] for p in listed] == [leg["id"]]


async def test_iron_condor_is_recognised_and_grouped(alice: UserClient) -> None:
    legs = await iron_condor_legs(alice)
    response = await alice.post("/api/positions", json={"legs": legs, "label": "Dec condor"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "iron_condor" and body["label"] == "Dec condor"
    assert "condor" in body["title"].lower()
    assert len(body["legs"]) == 4
    assert {leg["strategy_id"] for leg in body["legs"]} == {body["id"]}
    strategies = (await alice.get("/api/strategies")).json()
    assert [s["id"] for s in strategies] == [body["id"]]
    assert strategies[0]["name"] == "iron_condor"
    # Money is stored exactly (Numeric(18, 6)) and read back as numbers.
    assert [leg["entry_price"] for leg in body["legs"]] == [float(leg["entry_price"])
                                                             for leg in legs]  # fmt: skip


async def test_editing_and_deleting_legs_re_recognises_the_strategy(alice: UserClient) -> None:
    body = await create_iron_condor(alice)
    ids = [leg["id"] for leg in body["legs"]]
    # Drop the two call legs: what is left is a bull put spread.
    calls = [leg["id"] for leg in body["legs"] if leg["kind"] == "call"]
    for pid in calls:
        assert (await alice.delete(f"/api/positions/{pid}")).status_code == 204
    strategy = (await alice.get(f"/api/strategies/{body['id']}")).json()
    assert strategy["name"] == "bull_put_spread"
    puts = [i for i in ids if i not in calls]
    patched = await alice.patch(f"/api/positions/{puts[0]}", json={"quantity": -3, "notes": "x"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["quantity"] == -3 and patched.json()["notes"] == "x"
    assert (await alice.get(f"/api/strategies/{body['id']}")).json()["name"] == "custom"
    relabel = await alice.patch(f"/api/strategies/{body['id']}", json={"label": "hedge"})
    assert relabel.json()["label"] == "hedge"
    for pid in puts:
        assert (await alice.delete(f"/api/positions/{pid}")).status_code == 204
    # The last leg gone, the strategy goes too.
    assert (await alice.get(f"/api/strategies/{body['id']}")).status_code == 404
    assert (await alice.get("/api/strategies")).json() == []


async def test_delete_strategy_removes_its_legs(alice: UserClient) -> None:
    body = await create_iron_condor(alice)
    assert (await alice.delete(f"/api/strategies/{body['id']}")).status_code == 204
    assert (await alice.get("/api/positions")).json() == []


def _option(exp: str, strike: Any, **over: Any) -> dict[str, Any]:
    leg = {"symbol": "SPY", "kind": "call", "strike": strike, "expiration": exp,
           "quantity": 1, "entry_price": "1.25"}  # fmt: skip
    leg.update(over)
    return {k: v for k, v in leg.items() if v is not None}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"quantity": 0}, "quantity", "non-zero"),
        ({"entry_price": "0"}, "entry_price", "entry price must be more than 0."),
        ({"entry_price": -2}, "entry_price", "entry price must be more than 0."),
        ({"strike": None}, "", "needs a strike"),
        ({"expiration": None}, "", "needs an expiration"),
        ({"kind": "banana"}, "kind", "kind must be one of: stock, call or put."),
        ({"entry_price": "1.1234567"}, "entry_price", "decimal places"),
    ],
)
async def test_schema_errors_are_422_naming_the_field(
    alice: UserClient, change: dict[str, Any], field: str, words: str
) -> None:
    exp, chain = await monthly_chain(alice)
    leg = {**_option(exp, chain["strikes"][10]["strike"]), **change}
    leg = {k: v for k, v in leg.items() if v is not None}
    response = await alice.post("/api/positions", json=leg)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert words in error["message"]
    if field:
        assert any(d["field"].endswith(field) for d in error["details"]), error


async def test_stock_leg_with_option_fields_is_422(alice: UserClient) -> None:
    response = await alice.post("/api/positions", json={
        "symbol": "SPY", "kind": "stock", "quantity": 10, "entry_price": 500,
        "strike": 500, "expiration": "2030-01-18"})  # fmt: skip
    assert response.status_code == 422
    assert "stock leg has no strike" in response.json()["error"]["message"]


async def test_domain_errors_name_the_field(alice: UserClient) -> None:
    exp, chain = await monthly_chain(alice)
    strikes = [row["strike"] for row in chain["strikes"]]
    off = strikes[10] + 0.37  # between listed strikes
    bad_strike = await alice.post("/api/positions", json={"legs": [
        _option(exp, strikes[10]), _option(exp, off)]})  # fmt: skip
    assert bad_strike.status_code == 422
    error = bad_strike.json()["error"]
    assert error["code"] == "strike_not_listed"
    assert error["message"].startswith("legs[1].strike:") and "nearest" in error["message"]
    expired = await alice.post("/api/positions", json=_option("2024-01-19", 500))
    assert expired.status_code == 422
    assert "expiration" in expired.json()["error"]["message"]
    assert "expired" in expired.json()["error"]["message"]
    unknown = await alice.post("/api/positions", json=_option("2030-02-13", 500))
    assert unknown.status_code == 422
    assert "no listed expiration" in unknown.json()["error"]["message"]
    mixed = await alice.post("/api/positions", json={"legs": [
        _option(exp, strikes[10]),
        {"symbol": "QQQ", "kind": "stock", "quantity": 5, "entry_price": 400}]})  # fmt: skip
    assert mixed.status_code == 422 and "share an underlying" in mixed.json()["error"]["message"]
    nosym = await alice.post("/api/positions", json={
        "symbol": "ZZZZ", "kind": "stock", "quantity": 5, "entry_price": 4})  # fmt: skip
    assert nosym.status_code == 422 and "symbol" in nosym.json()["error"]["message"]
    assert (await alice.get("/api/positions")).json() == []  # nothing half-saved


@pytest.mark.parametrize(
    "body",
    [
        {"legs": []},
        {"legs": "nope"},
        {"legs": [{"symbol": "SPY"}]},
        [1, 2],
        {
            "legs": [
                {"symbol": "SPY", "kind": "stock", "quantity": 1, "entry_price": 1, "extra": True}
            ]
        },
    ],
)
async def test_malformed_leg_lists_are_422(alice: UserClient, body: Any) -> None:
    response = await alice.post("/api/positions", json=body)
    assert response.status_code == 422, response.text


async def test_patch_validates_like_create(alice: UserClient) -> None:
    exp, chain = await monthly_chain(alice)
    strikes = [row["strike"] for row in chain["strikes"]]
    body = (await alice.post("/api/positions", json=_option(exp, strikes[5]))).json()
    pid = body["legs"][0]["id"]
    assert (await alice.patch(f"/api/positions/{pid}", json={"quantity": 0})).status_code == 422
    bad = await alice.patch(f"/api/positions/{pid}", json={"strike": strikes[5] + 0.37})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "strike_not_listed"
    ok = await alice.patch(f"/api/positions/{pid}", json={"strike": strikes[6],
                                                          "entry_price": "2.5"})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["strike"] == strikes[6]
    assert Decimal(str(ok.json()["entry_price"])) == Decimal("2.5")
    none = await alice.patch(f"/api/positions/{pid}", json={"strike": None})
    assert none.status_code == 422


async def test_another_users_positions_are_invisible_and_untouchable(
    alice: UserClient, bob: UserClient
) -> None:
    async def create(user: UserClient) -> dict[str, Any]:
        leg: dict[str, Any] = (await create_stock(user, "SPY", 10, 500))["legs"][0]
        return leg

    leg = await assert_owner_only(
        alice, bob, create=create, item_url=lambda item: f"/api/positions/{item['id']}",
        list_url="/api/positions", update=("PATCH", {"quantity": 5}),
    )  # fmt: skip

    async def strategy(user: UserClient) -> dict[str, Any]:
        return {"id": leg["strategy_id"]}

    await assert_owner_only(
        alice, bob, create=strategy, item_url=lambda item: f"/api/strategies/{item['id']}",
        list_url="/api/strategies", update=("PATCH", {"label": "mine now"}),
    )  # fmt: skip
    assert (await alice.get(f"/api/positions/{leg['id']}")).json()["quantity"] == 10
    analyze = await bob.post("/api/options/analyze", json={"position_ids": [leg["id"]]})
    assert analyze.status_code == 404
