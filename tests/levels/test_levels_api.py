"""``/api/levels/{symbol}`` on the simulated market, checked against the bars it serves."""

from __future__ import annotations

import json
from datetime import date

import numpy as np

from tests.helpers.users import UserClient


async def test_levels_payload_is_complete_and_json_safe(alice: UserClient) -> None:
    response = await alice.get("/api/levels/spy")
    assert response.status_code == 200, response.text
    body = response.json()
    json.dumps(body, allow_nan=False)  # no NaN or Infinity anywhere
    assert body["symbol"] == "SPY" and body["source"] == "simulated"
    price = body["price"]
    assert body["nearest_support"]["price"] <= price <= body["nearest_resistance"]["price"]
    assert body["atr_daily"] > 0
    for level in (lv for group in body["groups"].values() for lv in group):
        assert abs(level["distance_dollars"] - (level["price"] - price)) < 1e-9
        assert abs(level["distance_atr"] - level["distance_dollars"] / body["atr_daily"]) < 1e-9
    assert {"prior_periods", "pivots", "swing"} <= set(body["groups"])


async def test_classic_pivots_equal_a_hand_computation_from_the_returned_bars(
    alice: UserClient,
) -> None:
    levels = (await alice.get("/api/levels/SPY")).json()
    bars = (await alice.get("/api/market/SPY/bars?timeframe=1d")).json()["bars"]
    session = date.fromisoformat(levels["session_date"])
    days = [np.datetime64(b["time"], "s").astype("datetime64[D]").astype(date) for b in bars]
    prior = [b for b, d in zip(bars, days, strict=True) if d < session][-1]
    h, lo, c = prior["high"], prior["low"], prior["close"]
    p = (h + lo + c) / 3
    classic = levels["pivot_table"]["day"]["classic"]
    assert abs(classic["P"] - p) < 1e-9
    assert abs(classic["R1"] - (2 * p - lo)) < 1e-9
    assert abs(classic["S1"] - (2 * p - h)) < 1e-9
    assert abs(classic["R2"] - (p + (h - lo))) < 1e-9
    assert abs(classic["S2"] - (p - (h - lo))) < 1e-9
    woodie = levels["pivot_table"]["day"]["woodie"]
    assert abs(woodie["P"] - (h + lo + 2 * c) / 4) < 1e-9
    cam = levels["pivot_table"]["day"]["camarilla"]
    assert abs(cam["R3"] - (c + (h - lo) * 1.1 / 4)) < 1e-9
    prior_day = {lv["label"]: lv["price"] for lv in levels["groups"]["prior_periods"]}
    for label, value in (("Prior day high", h), ("Prior day low", lo), ("Prior day close", c)):
        if label in prior_day:  # it may have merged into a confluence level instead
            assert abs(prior_day[label] - value) < 1e-9


async def test_unknown_symbol_is_404_and_bad_symbol_is_422(alice: UserClient) -> None:
    unknown = await alice.get("/api/levels/ZZZZ")
    assert unknown.status_code == 404 and "ZZZZ" in unknown.json()["error"]["message"]
    bad = await alice.get("/api/levels/%24%24%24")
    assert bad.status_code == 422


async def test_levels_need_a_login(client) -> None:  # type: ignore[no-untyped-def]
    assert (await client.get("/api/levels/SPY")).status_code == 401
