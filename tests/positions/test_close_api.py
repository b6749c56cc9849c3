"""``POST /api/strategies/{id}/close`` on the simulated market: the realized P&L to the cent
against a hand computation (the trader's prices, and the current mids by default), a second close
refused with a 409, closed legs read-only and out of the portfolio Greeks but still listed, other
users' strategies untouchable, and bad input answered with a 422 a trader can read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import create_iron_condor, create_stock
from tests.helpers.users import UserClient, assert_owner_only

CENT = Decimal("0.01")
# 15:45 New York tomorrow: after the legs were opened (now), whatever the clock says.
CLOSED_AT = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=1)).replace(
    hour=15, minute=45, second=0, microsecond=0
)


def hand_pnl(legs: list[dict[str, Any]], prices: dict[int, Decimal]) -> Decimal:
    """(close − entry) × quantity × 100 per option leg (× 1 per share), summed, in Decimal."""
    total = Decimal(0)
    for leg in legs:
        per = 1 if leg["kind"] == "stock" else leg["multiplier"]
        entry = Decimal(str(leg["entry_price"]))
        total += (prices[leg["id"]] - entry) * leg["quantity"] * per
    return total


async def test_close_at_the_traders_prices_records_the_realized_pnl(alice: UserClient) -> None:
    condor = await create_iron_condor(alice, label="to close")
    legs = condor["legs"]
    # Prices a trader might get: each leg a few cents away from its entry, one at zero.
    moves = [Decimal("-0.37"), Decimal("0.12"), Decimal("-1.05"), Decimal("0.40")]
    prices = {
        leg["id"]: max(Decimal(0), Decimal(str(leg["entry_price"])) + move)
        for leg, move in zip(legs, moves, strict=True)
    }
    prices[legs[0]["id"]] = Decimal(0)  # the long put expired worthless, say
    body = {"legs": [{"position_id": i, "close_price": str(p)} for i, p in prices.items()],
            "closed_at": CLOSED_AT.isoformat()}  # fmt: skip
    response = await alice.post(f"/api/strategies/{condor['id']}/close", json=body)
    assert response.status_code == 200, response.text
    closed = response.json()
    expected = hand_pnl(legs, prices)
    assert Decimal(str(closed["realized_pnl"])).quantize(CENT) == expected.quantize(CENT)
    assert closed["realized_pnl"] == pytest.approx(float(expected), abs=1e-9)
    assert closed["status"] == "closed"
    assert closed["closed_at"].startswith(CLOSED_AT.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    assert closed["label"] == "to close" and closed["name"] == "iron_condor"
    for leg in closed["legs"]:
        assert Decimal(str(leg["close_price"])) == prices[leg["id"]]
        own = hand_pnl([leg], prices)
        assert Decimal(str(leg["realized_pnl"])).quantize(CENT) == own.quantize(CENT)
        assert leg["closed_at"] == closed["closed_at"]
    # It reads back the same, listed as closed.
    again = (await alice.get(f"/api/strategies/{condor['id']}")).json()
    assert again["realized_pnl"] == closed["realized_pnl"] and again["status"] == "closed"
    listed = (await alice.get("/api/strategies")).json()
    assert [s["status"] for s in listed] == ["closed"]
    assert (await alice.get("/api/strategies?status=open")).json() == []
    assert [s["id"] for s in (await alice.get("/api/strategies?status=closed")).json()] == [
        condor["id"]
    ]


async def test_close_defaults_to_the_current_mids(alice: UserClient) -> None:
    condor = await create_iron_condor(alice)
    stock = await create_stock(alice, "SPY", quantity=-7, entry_price=480)
    exp = condor["legs"][0]["expiration"]
    chain = (await alice.get(f"/api/options/SPY/chain?expiration={exp}")).json()
    rows = {row["strike"]: row for row in chain["strikes"]}
    # One leg priced by the trader, the other three at the chain's mid.
    first = condor["legs"][0]
    response = await alice.post(
        f"/api/strategies/{condor['id']}/close",
        json={"legs": [{"position_id": first["id"], "close_price": 0.05}]},
    )
    assert response.status_code == 200, response.text
    closed = response.json()
    prices = {first["id"]: Decimal("0.05")}
    for leg in condor["legs"][1:]:
        mid = rows[leg["strike"]][leg["kind"]]["mid"]
        got = next(x for x in closed["legs"] if x["id"] == leg["id"])["close_price"]
        assert got == pytest.approx(mid, abs=5e-7)
        prices[leg["id"]] = Decimal(str(got))
    assert Decimal(str(closed["realized_pnl"])).quantize(CENT) == hand_pnl(
        condor["legs"], prices
    ).quantize(CENT)
    # A stock leg closes at the quote's bid/ask mid; an empty body closes everything.
    quote = (await alice.get("/api/market/SPY/quote")).json()
    done = await alice.post(f"/api/strategies/{stock['id']}/close")
    assert done.status_code == 200, done.text
    (leg,) = done.json()["legs"]
    mid = (quote["bid"] + quote["ask"]) / 2 if quote["bid"] and quote["ask"] else quote["last"]
    assert leg["close_price"] == pytest.approx(mid, abs=0.05)  # the simulated quote moves
    assert leg["realized_pnl"] == pytest.approx((leg["close_price"] - 480) * -7, abs=1e-6)


async def test_a_second_close_is_a_409_and_closed_legs_are_read_only(alice: UserClient) -> None:
    condor = await create_iron_condor(alice)
    sid = condor["id"]
    assert (await alice.get("/api/portfolio/greeks")).json()["underlyings"]
    first = await alice.post(f"/api/strategies/{sid}/close", json={})
    assert first.status_code == 200, first.text
    second = await alice.post(f"/api/strategies/{sid}/close", json={})
    assert second.status_code == 409, second.text
    error = second.json()["error"]
    assert error["code"] == "strategy_closed"
    assert "already closed" in error["message"] and "realized P&L" in error["message"]
    assert (await alice.get(f"/api/strategies/{sid}")).json()["realized_pnl"] == first.json()[
        "realized_pnl"
    ]
    # Closed legs leave the portfolio's exposure but stay in the list.
    greeks = (await alice.get("/api/portfolio/greeks")).json()
    assert greeks["underlyings"] == [] and greeks["delta_dollars"] == 0
    leg = condor["legs"][1]
    patched = await alice.patch(f"/api/positions/{leg['id']}", json={"quantity": -2})
    assert patched.status_code == 409 and "closed" in patched.json()["error"]["message"]
    assert (await alice.delete(f"/api/positions/{leg['id']}")).status_code == 409
    assert (await alice.get(f"/api/positions/{leg['id']}")).json()["closed_at"]
    # The label can still change; deleting the whole strategy removes the history.
    relabel = await alice.patch(f"/api/strategies/{sid}", json={"label": "done"})
    assert relabel.status_code == 200 and relabel.json()["status"] == "closed"
    assert (await alice.delete(f"/api/strategies/{sid}")).status_code == 204
    assert (await alice.get("/api/strategies")).json() == []


async def test_only_the_owner_can_close(alice: UserClient, bob: UserClient) -> None:
    async def create(user: UserClient) -> dict[str, Any]:
        return await create_stock(user, "SPY", 10, 500)

    mine = await assert_owner_only(
        alice, bob, create=create, item_url=lambda item: f"/api/strategies/{item['id']}",
        list_url="/api/strategies", update=("PATCH", {"label": "mine now"}),
    )  # fmt: skip
    stolen = await bob.post(f"/api/strategies/{mine['id']}/close", json={})
    assert stolen.status_code == 404, stolen.text
    assert (await alice.get(f"/api/strategies/{mine['id']}")).json()["status"] == "open"
    # Bob's own strategy cannot name Alice's leg either.
    his = await create_stock(bob, "SPY", 1, 500)
    body = {"legs": [{"position_id": mine["legs"][0]["id"], "close_price": 1}]}
    crossed = await bob.post(f"/api/strategies/{his['id']}/close", json=body)
    assert crossed.status_code == 422 and "not a leg of this strategy" in crossed.text
    assert (await alice.get(f"/api/strategies/{mine['id']}")).json()["status"] == "open"


@pytest.mark.parametrize(
    ("legs", "words"),
    [
        ([{"close_price": -1}], "Leg 1 close price must be 0 or more."),
        ([{"close_price": "abc"}], "close price must be a number"),
        ([{"close_price": "1.1234567"}], "decimal places"),
        ([{"close_price": 1, "price": 2}], "Leg 1 price is not a field this accepts."),
        ([{}, {}], "listed twice"),
        ("all", "Legs: input should be a valid list."),
    ],
)
async def test_bad_close_input_is_a_readable_422(alice: UserClient, legs: Any, words: str) -> None:
    strategy = await create_stock(alice, "SPY", 10, 500)
    pid = strategy["legs"][0]["id"]
    body = {"legs": [{"position_id": pid, **leg} for leg in legs] if isinstance(legs, list)
            else legs}  # fmt: skip
    response = await alice.post(f"/api/strategies/{strategy['id']}/close", json=body)
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert words.lower() in message.lower(), message
    assert "Value error" not in message and "Input should" not in message
    assert (await alice.get(f"/api/strategies/{strategy['id']}")).json()["status"] == "open"


async def test_unknown_legs_and_times_name_the_field(alice: UserClient) -> None:
    strategy = await create_stock(alice, "SPY", 10, 500)
    url = f"/api/strategies/{strategy['id']}/close"
    stranger = await alice.post(url, json={"legs": [{"position_id": 999999, "close_price": 1}]})
    assert stranger.status_code == 422
    assert stranger.json()["error"]["message"].startswith("legs[0].position_id: position 999999")
    naive = await alice.post(url, json={"closed_at": "2026-12-03T15:45:00"})
    assert naive.status_code == 422 and "timezone" in naive.json()["error"]["message"]
    early = await alice.post(url, json={"closed_at": "2000-01-03T15:45:00Z"})
    assert early.status_code == 422 and "before the position was opened" in early.text
    assert (await alice.post("/api/strategies/999999/close", json={})).status_code == 404
