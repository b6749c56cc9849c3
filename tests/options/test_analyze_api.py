"""``POST /api/options/analyze`` and ``GET /api/portfolio/greeks`` on the simulated market.

The expiry figures of a saved iron condor are checked against a brute-force evaluation of the
returned expiry series and of the legs' payoffs; leg IVs against the chain endpoint.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from tests.factories import create_iron_condor, create_stock, create_strategy
from tests.helpers.users import UserClient
from tests.positions.chains import iron_condor_legs, monthly_chain


@pytest.fixture
async def app(app_factory: Any) -> AsyncIterator[FastAPI]:
    """Chains stay cached for the test, so the IVs the test reads are the ones analysed."""
    application: FastAPI = app_factory(cache_ttl_seconds=3600.0)
    async with application.router.lifespan_context(application):
        yield application


def strict(text: str) -> dict[str, Any]:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    body: dict[str, Any] = json.loads(text, parse_constant=refuse)
    return body


def payoff(legs: list[dict[str, Any]], s: float) -> float:
    """Dollar P&L at expiry, leg by leg."""
    total = 0.0
    for leg in legs:
        k, units = float(leg["strike"]), leg["quantity"] * 100
        value = max(s - k, 0.0) if leg["kind"] == "call" else max(k - s, 0.0)
        total += units * (value - float(leg["entry_price"]))
    return total


async def _analyze(user: UserClient, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = await user.post("/api/options/analyze", json=body)
    assert response.status_code == status, response.text
    return strict(response.text)


async def test_saved_iron_condor_matches_brute_force(alice: UserClient) -> None:
    legs = await iron_condor_legs(alice)
    saved = await create_strategy(alice, legs)
    body = await _analyze(alice, {"position_ids": [leg["id"] for leg in saved["legs"]]})
    assert body["strategy"]["name"] == "iron_condor" and body["symbol"] == "SPY"
    # SPY options are American-style: a position's legs are valued by finite differences.
    assert body["models"] == ["crank-nicolson-fd-american"]
    assert [leg["model"] for leg in body["legs"]] == ["crank-nicolson-fd-american"] * 4
    prices, expiry = body["risk_graph"]["prices"], body["risk_graph"]["expiry"]
    assert len(prices) == len(expiry) == 200
    # The expiry series is the legs' payoff, price by price.
    for s, p in zip(prices, expiry, strict=True):
        assert p == pytest.approx(payoff(legs, s), abs=1e-6)
    ex = body["expiry"]
    credit = -sum(leg["quantity"] * 100 * float(leg["entry_price"]) for leg in legs)
    assert not ex["max_gain_unlimited"] and not ex["max_loss_unlimited"]
    assert ex["max_gain"] == pytest.approx(max(expiry), abs=1e-6)
    assert ex["max_gain"] == pytest.approx(credit, abs=1e-6)
    assert ex["max_loss"] == pytest.approx(min(expiry), abs=1e-6)
    strikes = sorted(float(leg["strike"]) for leg in legs)
    widest = max(strikes[1] - strikes[0], strikes[3] - strikes[2])
    assert ex["max_loss"] == pytest.approx(credit - 100 * widest)
    # Every sign change of the series brackets exactly one breakeven, and P&L there is zero.
    changes = [(prices[i], prices[i + 1]) for i in range(len(prices) - 1)
               if (expiry[i] > 0) != (expiry[i + 1] > 0)]  # fmt: skip
    assert len(changes) == len(ex["breakevens"]) == 2
    for (lo, hi), be in zip(changes, ex["breakevens"], strict=True):
        assert lo <= be <= hi
        assert payoff(legs, be) == pytest.approx(0.0, abs=1e-6)
    prob = body["probability"]
    assert 0 < prob["pop"] < 1 and "lognormal" in prob["model"]
    assert prob["expected_move"] == pytest.approx(
        body["spot"] * prob["sigma"] * math.sqrt(prob["t_years"])
    )
    # Grid: dates x prices, first row today, last row first expiry.
    grid = body["grid"]
    assert len(grid["pnl"]) == len(grid["dates"]) == 30 and len(grid["pnl"][0]) == 200
    assert grid["pnl"][-1] == pytest.approx(expiry) and grid["pnl"][0] == pytest.approx(
        body["risk_graph"]["today"]
    )
    # Key levels at expiry are the payoff at the level's price.
    assert body["levels"]
    for level in body["levels"]:
        assert level["pnl_at_expiry"] == pytest.approx(payoff(legs, level["price"]), abs=1e-6)
    g = body["greeks"]
    assert g["vega_dollars_per_vol_point"] < 0 and g["theta_dollars_per_day"] > 0
    assert "a day from theta" in body["phrases"]["theta"]
    assert body["warnings"] == []


async def test_leg_ivs_come_from_the_chain_and_shift_with_the_scenario(alice: UserClient) -> None:
    legs = await iron_condor_legs(alice)
    exp, chain = await monthly_chain(alice)
    ivs = {(row["strike"], side): row[side]["iv"] for row in chain["strikes"]
           for side in ("call", "put")}  # fmt: skip
    base = await _analyze(alice, {"legs": legs})
    for leg, row in zip(legs, base["legs"], strict=True):
        assert row["iv_source"] == "chain"
        assert row["sigma"] == pytest.approx(ivs[(leg["strike"], leg["kind"])], abs=1e-12)
    valuation = datetime.now(UTC) + timedelta(days=2)
    line = date.fromisoformat(exp) - timedelta(days=3)
    shifted = await _analyze(alice, {"legs": legs, "scenario": {
        "iv_shift_points": 5, "leg_iv_shift_points": {"1": 2}, "underlying_price": 650,
        "rate": 0.05, "valuation_date": valuation.isoformat(), "dates": [line.isoformat()],
        "grid": {"prices": 50, "dates": 5}}})  # fmt: skip
    for i, (leg, row) in enumerate(zip(legs, shifted["legs"], strict=True)):
        extra = 0.07 if i == 1 else 0.05
        assert row["sigma"] == pytest.approx(ivs[(leg["strike"], leg["kind"])] + extra)
    assert shifted["spot"] == 650 and shifted["r"] == 0.05
    assert datetime.fromisoformat(shifted["valuation_at"]) == valuation
    assert len(shifted["risk_graph"]["prices"]) == 50 and len(shifted["grid"]["dates"]) == 5
    (dl,) = shifted["risk_graph"]["dates"]
    assert datetime.fromisoformat(dl["at"]).date() == line and len(dl["pnl"]) == 50
    assert shifted["pnl_now"] == pytest.approx(sum(row["pnl"] for row in shifted["legs"]))


async def test_fallback_and_input_ivs_are_reported(alice: UserClient) -> None:
    exp, chain = await monthly_chain(alice)
    k = chain["strikes"][len(chain["strikes"]) // 2]["strike"]
    legs = [
        {"symbol": "SPY", "kind": "call", "strike": k + 0.37, "expiration": exp, "quantity": 1,
         "entry_price": 3.0},
        {"symbol": "SPY", "kind": "put", "strike": k, "expiration": exp, "quantity": 1,
         "entry_price": 3.0, "iv": 0.42},
    ]  # fmt: skip
    body = await _analyze(alice, {"legs": legs})
    assert [row["iv_source"] for row in body["legs"]] == ["chain-atm", "input"]
    assert body["legs"][1]["sigma"] == pytest.approx(0.42)
    assert len(body["warnings"]) == 1 and "at-the-money IV" in body["warnings"][0]


async def test_single_stocks_are_priced_american(alice: UserClient) -> None:
    exp, chain = await monthly_chain(alice, "AAPL")
    row = min(chain["strikes"], key=lambda r: abs(r["strike"] - chain["underlying_price"]))
    legs = [{"symbol": "AAPL", "kind": "put", "strike": row["strike"], "expiration": exp,
             "quantity": -1, "entry_price": row["put"]["mid"]}]  # fmt: skip
    body = await _analyze(alice, {"legs": legs, "scenario": {"grid": {"prices": 20, "dates": 2}}})
    assert body["legs"][0]["model"] == "crank-nicolson-fd-american"
    assert body["models"] == ["crank-nicolson-fd-american"]
    assert body["strategy"]["name"] == "short_put"
    assert body["expiry"]["max_gain"] == pytest.approx(100 * row["put"]["mid"])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "exactly one of position_ids or legs"),
        ({"position_ids": [1], "legs": []}, "Legs"),
        ({"legs": "x"}, "Legs"),
        ({"legs": [{"symbol": "SPY", "kind": "call", "quantity": 1, "entry_price": 1}]},
         "needs a strike"),
        ({"legs": [{"symbol": "SPY", "kind": "stock", "quantity": 0, "entry_price": 1}]},
         "non-zero"),
        ({"legs": [{"symbol": "SPY", "kind": "stock", "quantity": 1, "entry_price": 0}]},
         "must be more than 0."),
        ({"legs": [{"symbol": "SPY", "kind": "stock", "quantity": 10, "entry_price": 500}]},
         "at least one option leg"),
        ({"legs": [{"symbol": "SPY", "kind": "put", "strike": 500, "expiration": "2024-01-19",
                    "quantity": 1, "entry_price": 1}]}, "expired"),
        ({"legs": [{"symbol": "SPY", "kind": "put", "strike": 500, "expiration": "2030-01-19",
                    "quantity": 1, "entry_price": 1}]}, "not a trading session"),
    ],
)  # fmt: skip
async def test_bad_requests_are_422_with_what_is_wrong(
    alice: UserClient, body: dict[str, Any], words: str
) -> None:
    error = (await _analyze(alice, body, 422))["error"]
    assert words in error["message"], error


async def test_scenario_errors_and_mixed_underlyings(alice: UserClient) -> None:
    legs = await iron_condor_legs(alice)
    mixed = [*legs, {"symbol": "QQQ", "kind": "stock", "quantity": 1, "entry_price": 1}]
    error = (await _analyze(alice, {"legs": mixed}, 422))["error"]
    assert "one underlying" in error["message"]
    error = (await _analyze(alice, {"legs": legs, "scenario": {
        "leg_iv_shift_points": {"7": 1}}}, 422))["error"]  # fmt: skip
    assert "leg index 7" in error["message"]
    error = (await _analyze(alice, {"legs": legs, "scenario": {
        "valuation_date": "2031-12-01"}}, 422))["error"]  # fmt: skip
    assert "expired" in error["message"]
    error = (await _analyze(alice, {"legs": legs, "scenario": {
        "dates": ["2031-12-01"]}}, 422))["error"]  # fmt: skip
    assert "scenario.dates" in error["message"]
    error = (await _analyze(alice, {"legs": legs, "scenario": {
        "valuation_date": "2026-12-01T10:00:00"}}, 422))["error"]  # fmt: skip
    assert "timezone" in error["message"]
    assert (await alice.post("/api/options/analyze", json={"position_ids": [999]})).status_code \
        == 404  # fmt: skip


async def test_portfolio_greeks_sum_per_underlying_and_beta_weight(alice: UserClient) -> None:
    saved = await create_iron_condor(alice)
    await create_stock(alice, "AAPL", quantity=100, entry_price=180)
    response = await alice.get("/api/portfolio/greeks")
    assert response.status_code == 200, response.text
    body = strict(response.text)
    rows = {row["underlying"]: row for row in body["underlyings"]}
    assert set(rows) == {"AAPL", "SPY"}
    aapl, spy = rows["AAPL"], rows["SPY"]
    assert aapl["delta_shares"] == 100 and aapl["theta_dollars_per_day"] == 0
    assert aapl["beta"] is not None and spy["beta"] == 1.0
    for row in (aapl, spy):
        assert row["delta_dollars"] == pytest.approx(row["delta_shares"] * row["spot"])
        assert row["beta_weighted_delta"] == pytest.approx(
            row["delta_shares"] * row["beta"] * row["spot"] / body["spy_price"]
        )
    assert body["beta_weighted_delta"] == pytest.approx(
        aapl["beta_weighted_delta"] + spy["beta_weighted_delta"]
    )
    assert body["theta_dollars_per_day"] == pytest.approx(spy["theta_dollars_per_day"])
    analysed = await _analyze(alice, {"position_ids": [leg["id"] for leg in saved["legs"]]})
    # Same legs, same chain IVs: the same theta (up to the spot moving between the two calls).
    assert spy["theta_dollars_per_day"] == pytest.approx(
        analysed["greeks"]["theta_dollars_per_day"], rel=0.05
    )
    assert "SPY shares" in body["phrases"]["beta_weighted_delta"]


async def test_empty_portfolio_is_all_zero(alice: UserClient) -> None:
    body = strict((await alice.get("/api/portfolio/greeks")).text)
    assert body["underlyings"] == [] and body["delta_dollars"] == 0
