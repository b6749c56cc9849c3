"""The Options tab's pure JS helpers, run inside Chromium against the static files: the API
error → form field mapping, key-level short names and de-crowding, strikes around the money,
the IV smile / ATM IV picks and the builder's net cost — each checked against values computed
here independently.

The static directory is served by a stdlib HTTP server on 127.0.0.1; the page is a bare HTML
document importing the ES modules with ``import()`` in ``page.evaluate``.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

pytestmark = pytest.mark.browser


async def test_api_errors_map_to_fields_and_legs(js: Any) -> None:
    gt0 = "Input should be greater than 0"
    needs = "an option leg needs a strike"
    unlisted = "SPY has no listed expiration on 2026-11-28."
    mixed = "all legs of one strategy share an underlying, got QQQ, SPY"
    cases = [
        # schema error on a strategy leg: the path names the leg and the field
        ({"details": [{"field": "legs.2.strike", "message": gt0}]},
         {"strike": gt0}, {"2": {"strike": gt0}}, []),
        # a model validator: the field is the message's prefix
        ({"details": [{"field": "leg", "message": f"Value error, strike: {needs}"}]},
         {"strike": needs}, {}, []),
        # the service's own message, indexed with brackets
        ({"message": f"legs[1].expiration: {unlisted}"},
         {"expiration": unlisted}, {"1": {"expiration": unlisted}}, []),
        ({"message": "body.symbol: unknown symbol 'ZZZZ'"},
         {"symbol": "unknown symbol 'ZZZZ'"}, {}, []),
        # nothing to pin it on: a form-level message
        ({"message": f"legs: {mixed}"}, {}, {}, [mixed]),
        ({"message": "Something broke"}, {}, {}, ["Something broke"]),
    ]  # fmt: skip
    for error, fields, legs, other in cases:
        got = await js.evaluate(
            """async (error) => {
                const { fieldErrors } = await import('/static/js/options/position-form.js');
                return fieldErrors(error);
            }""",
            error,
        )
        assert got == {"fields": fields, "legs": legs, "other": other}, error


async def test_level_names_and_the_strongest_uncrowded_levels(js: Any) -> None:
    names = await js.evaluate(
        """async (labels) => {
            const { shortLevel } = await import('/static/js/options/risk-graph.js');
            return labels.map(shortLevel);
        }""",
        [
            "Prior day high", "Classic weekly R2", "20-day SMA", "Prior close − 1 ATR",
            "Swing support 683.16–687.17 (3 touches)",
            "Confluence: Prior day low + Classic daily S1 + Swing support 698.75–700.91",
            "Something with a very long name indeed",
        ],
    )  # fmt: skip
    assert names == ["PDH", "R2w", "SMA20", "−1 ATR", "Support", "PDL +2", "Something wit…"]

    rng = random.Random(7)
    levels = [{"label": f"L{i}", "price": round(rng.uniform(90, 130), 2)} for i in range(40)]
    strength = {lv["label"]: rng.uniform(0, 100) for lv in levels}
    lo, hi = 95.0, 125.0
    got = await js.evaluate(
        """async ([levels, strength, lo, hi]) => {
            const { pickLevels } = await import('/static/js/options/risk-graph.js');
            return pickLevels(levels, lo, hi, (l) => strength[l.label]).map((l) => l.label);
        }""",
        [levels, strength, lo, hi],
    )
    # Independent greedy reference: strongest first, at least 3.5 % of the range apart, at most 8.
    gap = (hi - lo) * 0.035
    chosen: list[dict[str, Any]] = []
    for lv in sorted(
        (x for x in levels if lo <= x["price"] <= hi),
        key=lambda x: (-strength[x["label"]], x["price"]),
    ):
        if len(chosen) < 8 and all(abs(c["price"] - lv["price"]) >= gap for c in chosen):
            chosen.append(lv)
    assert got == [c["label"] for c in sorted(chosen, key=lambda c: c["price"])]
    assert 0 < len(got) <= 8


async def test_chain_helpers(js: Any) -> None:
    strikes = [90.0, 95.0, 100.0, 101.0, 102.0, 103.0, 105.0, 110.0]
    rows = [
        {"strike": k,
         "call": {"iv": 0.2 + (100 - k) / 500, "delta": 0.5},
         "put": {"iv": 0.25 + (100 - k) / 400, "delta": -0.5} if k != 101.0 else None}
        for k in strikes
    ]  # fmt: skip
    spot = 101.6
    got = await js.evaluate(
        """async ([rows, spot]) => {
            const { strikesAround, atmIndex } = await import('/static/js/options/chain.js');
            const { otmSmile, atmIv } = await import('/static/js/options/greeks-charts.js');
            return {
                atm: atmIndex(rows, spot),
                around2: strikesAround(rows, spot, 2).map((r) => r.strike),
                all: strikesAround(rows, spot, null).length,
                smile: otmSmile(rows, spot),
                atmIv: atmIv(rows, spot),
            };
        }""",
        [rows, spot],
    )
    atm = min(range(len(strikes)), key=lambda i: abs(strikes[i] - spot))
    assert got["atm"] == atm == 4
    assert got["around2"] == strikes[atm - 2 : atm + 3]
    assert got["all"] == len(strikes)
    expected = [
        [r["strike"], (r["put"] if r["strike"] < spot else r["call"])["iv"] * 100]
        for r in rows
        if (r["put"] if r["strike"] < spot else r["call"]) is not None
    ]
    assert [k for k, _ in got["smile"]] == [k for k, _ in expected]
    assert [iv for _, iv in got["smile"]] == pytest.approx([iv for _, iv in expected])
    # ATM strike 102: mean of its call and put IV.
    assert got["atmIv"] == pytest.approx((0.2 - 2 / 500 + 0.25 - 2 / 400) / 2)


async def test_builder_net_cost(js: Any) -> None:
    legs = [
        {"kind": "put", "quantity": 1, "entry_price": 1.1},
        {"kind": "put", "quantity": -1, "entry_price": 2.05},
        {"kind": "call", "quantity": -2, "entry_price": 1.95},
        {"kind": "call", "quantity": 2, "entry_price": 0.9},
        {"kind": "stock", "quantity": 100, "entry_price": 50.0},
    ]
    got = await js.evaluate(
        """async (legs) => {
            const { netCost } = await import('/static/js/options/builder.js');
            return netCost(legs);
        }""",
        legs,
    )
    expected = 100 * (1.1 - 2.05 - 2 * 1.95 + 2 * 0.9) + 100 * 50.0
    assert got == pytest.approx(expected)
