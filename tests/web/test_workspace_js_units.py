"""The Options workspace's pure JS, run inside Chromium against the static files: strategy
templates (strike step, width, ATM, every structure's legs and prices), the builder's draft
(round trip, stale and malformed drafts dropped, per user), label layout (staggered rows, merged
clusters), the P&L grid's columns, rows and cell text, the profit/loss zones, the strike filter
and the close form's realized P&L — each checked against values computed here."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import pytest

pytestmark = pytest.mark.browser

SPOT = 101.3


def chain(expiration: str = "2026-12-18", spot: float = SPOT, step: float = 1.0) -> dict[str, Any]:
    """A synthetic chain: strikes every `step` from 80 to 120 (every 5 outside 90..110), both
    sides quoted with bid < ask, except one unbid far put and one strike with no call."""
    strikes = sorted(
        {float(k) for k in range(80, 121, 5)}
        | {round(90 + i * step, 6) for i in range(int(20 / step) + 1)}
    )
    rows = []
    for k in strikes:
        call_mid = max(0.05, spot - k) + 2.0 * math.exp(-abs(k - spot) / 8)
        put_mid = max(0.05, k - spot) + 2.0 * math.exp(-abs(k - spot) / 8)

        def q(mid: float, k: float = k) -> dict[str, Any]:
            return {"bid": round(mid - 0.05, 2), "ask": round(mid + 0.05, 2),
                    "mid": round(mid, 2), "iv": 0.2 + abs(k - spot) / 500}  # fmt: skip

        rows.append({"strike": k, "call": None if k == 95.0 else q(call_mid), "put": q(put_mid)})
    return {"symbol": "XYZ", "expiration": expiration, "underlying_price": spot, "strikes": rows}


async def build(
    js: Any, key: str, front: dict[str, Any], back: Any = None, fill: str = "mid"
) -> Any:
    return await js.evaluate(
        """async ([key, front, back, fill]) => {
            const { buildTemplate } = await import('/static/js/options/templates.js');
            try { return buildTemplate(key, { front, back, fill }); }
            catch (e) { return { error: e.message }; }
        }""",
        [key, front, back, fill],
    )


async def test_strike_step_width_and_atm(js: Any) -> None:
    got = await js.evaluate(
        """async ([a, b, c]) => {
            const t = await import('/static/js/options/templates.js');
            return [
                t.strikeStep(a.strikes, a.underlying_price),
                t.strikeStep(b.strikes, b.underlying_price),
                t.strikeStep(c.strikes, 512), t.defaultWidth(1, 704), t.defaultWidth(5, 200),
                t.defaultWidth(2.5, 60), t.atmStrike(a), t.pickStrike(a.strikes, 95.2, 'call'),
            ];
        }""",
        [chain(), chain(step=2.5), {"strikes": [{"strike": 500 + 10 * i} for i in range(5)]}],
    )
    # ~1 % of the price in whole steps: 704 → 7 × $1; 200 → 1 × $5 (0.4 rounds up to one step).
    assert got == [1.0, 2.5, 10.0, 7.0, 5.0, 2.5, 101.0, 96.0]  # 95 has no call: 96 is nearest


async def test_every_template_on_a_synthetic_chain(js: Any) -> None:
    front, back = chain(), chain("2027-01-15")
    rows = {r["strike"]: r for r in front["strikes"]}
    atm, w = 101.0, 1.0  # ATM and one $1 step (1 % of 101.3 → 1 step)

    def leg(kind: str, k: float | None, qty: int, exp: str | None = "2026-12-18") -> Any:
        return (kind, k, qty, exp)

    expected = {
        "bull_call_spread": [leg("call", atm, 1), leg("call", atm + w, -1)],
        "bear_call_spread": [leg("call", atm, -1), leg("call", atm + w, 1)],
        "bull_put_spread": [leg("put", atm - w, 1), leg("put", atm, -1)],
        "bear_put_spread": [leg("put", atm - w, -1), leg("put", atm, 1)],
        "iron_condor": [leg("put", atm - 2 * w, 1), leg("put", atm - w, -1),
                        leg("call", atm + w, -1), leg("call", atm + 2 * w, 1)],
        "call_butterfly": [leg("call", atm - w, 1), leg("call", atm, -2), leg("call", atm + w, 1)],
        "long_straddle": [leg("put", atm, 1), leg("call", atm, 1)],
        "short_straddle": [leg("put", atm, -1), leg("call", atm, -1)],
        "long_strangle": [leg("put", atm - w, 1), leg("call", atm + w, 1)],
        "short_strangle": [leg("put", atm - w, -1), leg("call", atm + w, -1)],
        "calendar_spread": [leg("call", atm, -1), leg("call", atm, 1, "2027-01-15")],
        "diagonal_spread": [leg("call", atm + w, -1), leg("call", atm, 1, "2027-01-15")],
        "covered_call": [leg("stock", None, 100, None), leg("call", atm + w, -1)],
        "collar": [leg("stock", None, 100, None), leg("put", atm - w, 1), leg("call", atm + w, -1)],
    }  # fmt: skip
    for key, want in expected.items():
        legs = await build(js, key, front, back)
        assert [(x["kind"], x["strike"], x["quantity"], x["expiration"]) for x in legs] == want, key
        for x in legs:
            assert x["symbol"] == "XYZ"
            if x["kind"] == "stock":
                assert x["entry_price"] == SPOT
            elif x["expiration"] == "2026-12-18":
                assert x["entry_price"] == rows[x["strike"]][x["kind"]]["mid"]
                assert x["iv"] == rows[x["strike"]][x["kind"]]["iv"]
    # Natural fills: buy at the ask, sell at the bid.
    natural = await build(js, "iron_condor", front, None, "natural")
    for x in natural:
        q = rows[x["strike"]][x["kind"]]
        assert x["entry_price"] == (q["ask"] if x["quantity"] > 0 else q["bid"])
    # A wider ladder: $2.50 strikes around a $250 stock → a one-step ($2.50) wing.
    wide = chain(spot=100.0, step=2.5)
    condor = await build(js, "iron_condor", wide)
    assert [x["strike"] for x in condor] == [95.0, 97.5, 102.5, 105.0]


async def test_templates_refuse_what_the_chain_cannot_hold(js: Any) -> None:
    no_back = await build(js, "calendar_spread", chain(), None)
    assert "needs a later expiration" in no_back["error"]
    empty = await build(js, "iron_condor", {**chain(), "strikes": []})
    assert empty["error"] == "Load a chain first."
    # Nothing beyond the money on the call side: the wing cannot be placed.
    top = chain()
    top["strikes"] = [r for r in top["strikes"] if r["strike"] <= 101]
    assert "no priced call" in (await build(js, "bull_call_spread", top))["error"]
    assert (await build(js, "nonsense", chain()))["error"] == 'Unknown template "nonsense".'
    got = await js.evaluate(
        """async () => {
            const { nextExpiration } = await import('/static/js/options/templates.js');
            const listed = ['2026-12-24', '2026-12-18', '2027-01-15']
                .map((expiration) => ({ expiration }));
            return [nextExpiration(listed, '2026-12-18'), nextExpiration(listed, '2027-01-15')];
        }"""
    )
    assert got == ["2026-12-24", None]


DRAFT_LEGS = [
    {"symbol": "SPY", "kind": "put", "strike": 690.0, "expiration": "2026-12-18",
     "quantity": 1, "entry_price": 3.1, "iv": 0.18},
    {"symbol": "SPY", "kind": "stock", "strike": None, "expiration": None,
     "quantity": 100, "entry_price": 704.1},
]  # fmt: skip
SCENARIO = {"valuation": "2026-12-08", "iv": 4, "pins": ["2026-12-10"], "pinsTouched": True}


async def test_the_draft_round_trips_per_user(js: Any) -> None:
    got = await js.evaluate(
        """async ([legs, scenario]) => {
            const { draftStore, draftKey } = await import('/static/js/options/draft.js');
            localStorage.clear();
            const a = draftStore('7'), b = draftStore('8');
            a.save({ symbol: 'SPY', expiration: '2026-12-18', legs, scenario }, '2026-12-03');
            return { a: a.load('2026-12-04'), b: b.load('2026-12-04'),
                     keys: Object.keys(localStorage), key: draftKey('7') };
        }""",
        [DRAFT_LEGS, SCENARIO],
    )
    assert got["a"] == {"symbol": "SPY", "expiration": "2026-12-18", "legs": DRAFT_LEGS,
                        "scenario": SCENARIO}  # fmt: skip
    assert got["b"] is None, "another user's draft is never read"
    assert got["keys"] == [got["key"]] == ["aicoach-options-draft:7"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"version": 2}, "another version"),
        ({"symbol": "spy!"}, "not a symbol"),
        ({"saved_on": "2026-10-01"}, "older than 30 days"),
        ({"saved_on": "2027-01-01"}, "from the future"),
        ({"expiration": "2026-11-20"}, "expired expiration"),
        ({"legs": [{**DRAFT_LEGS[0], "expiration": "2026-12-01"}]}, "an expired leg"),
        ({"legs": [{**DRAFT_LEGS[0], "quantity": 0}]}, "zero quantity"),
        ({"legs": [{**DRAFT_LEGS[0], "quantity": 1.5}]}, "fractional quantity"),
        ({"legs": [{**DRAFT_LEGS[0], "entry_price": -1}]}, "negative price"),
        ({"legs": [{**DRAFT_LEGS[0], "strike": "690"}]}, "a strike as text"),
        ({"legs": [{**DRAFT_LEGS[0], "kind": "future"}]}, "an unknown kind"),
        ({"legs": [{**DRAFT_LEGS[0], "symbol": "QQQ"}]}, "another underlying"),
        ({"legs": "all"}, "legs not a list"),
    ],
)
async def test_stale_or_malformed_drafts_are_dropped(
    js: Any, change: dict[str, Any], why: str
) -> None:
    raw = {"version": 1, "saved_on": "2026-12-03", "symbol": "SPY", "expiration": "2026-12-18",
           "legs": DRAFT_LEGS, "scenario": SCENARIO, **change}  # fmt: skip
    got = await js.evaluate(
        """async (raw) => {
            const d = await import('/static/js/options/draft.js');
            localStorage.setItem(d.draftKey('9'), JSON.stringify(raw));
            const loaded = d.draftStore('9').load('2026-12-04');
            const left = localStorage.getItem(d.draftKey('9'));
            return { loaded, left, parsed: d.parseDraft(raw, '2026-12-04') };
        }""",
        raw,
    )
    assert got == {"loaded": None, "left": None, "parsed": None}, why


async def test_draft_scenario_parts_in_the_past_fall_back(js: Any) -> None:
    past = {"valuation": "2026-12-02", "iv": 9999, "pins": ["2026-12-01", "2026-12-09"]}
    raw = {"version": 1, "saved_on": "2026-12-01", "symbol": "SPY", "expiration": "2026-12-18",
           "legs": DRAFT_LEGS, "scenario": past}  # fmt: skip
    got = await js.evaluate(
        """async (raw) => {
            const { parseDraft } = await import('/static/js/options/draft.js');
            return [parseDraft(raw, '2026-12-04').scenario, parseDraft('junk'), parseDraft(null)];
        }""",
        raw,
    )
    assert got == [{"valuation": None, "iv": 0, "pins": ["2026-12-09"], "pinsTouched": False},
                   None, None]  # fmt: skip


async def test_staggered_labels_never_overlap(js: Any) -> None:
    rng = random.Random(11)
    width, rows, gap = 600.0, 3, 4.0
    items = [{"x": rng.uniform(-20, 620), "w": rng.uniform(30, 90), "priority": rng.randint(0, 3)}
             for _ in range(40)]  # fmt: skip
    laid = await js.evaluate(
        """async ([items, width, rows, gap]) => {
            const { staggerLabels } = await import('/static/js/kit/label-layout.js');
            return staggerLabels(items, { width, rows, gap });
        }""",
        [items, width, rows, gap],
    )
    assert len(laid) == len(items)
    shown = [x for x in laid if x["row"] >= 0]
    assert shown and len(shown) < len(items)
    for x in shown:
        assert x["left"] >= 0 and x["left"] + min(x["w"], width) <= width + 1e-9
        assert 0 <= x["x"] <= width and x["row"] < rows
    for i, a in enumerate(shown):
        for b in shown[i + 1 :]:
            if a["row"] == b["row"]:
                assert (
                    a["left"] + a["w"] + gap <= b["left"] or b["left"] + b["w"] + gap <= a["left"]
                )
    # The most important label is always placed (in row 0) when it is inside the plot.
    first = await js.evaluate(
        """async () => {
            const { staggerLabels } = await import('/static/js/kit/label-layout.js');
            const many = Array.from({ length: 9 }, (_, i) => ({ x: 300, w: 80, priority: 5 + i }));
            const all = [...many, { x: 300, w: 80, priority: -1 }];
            return staggerLabels(all, { width: 600, rows: 3 });
        }"""
    )
    assert first[-1]["row"] == 0 and sum(x["row"] >= 0 for x in first) == 3


async def test_labels_within_a_label_height_merge(js: Any) -> None:
    rng = random.Random(5)
    items = [{"y": rng.uniform(0, 400), "name": f"L{i}"} for i in range(30)]
    got = await js.evaluate(
        """async (items) => {
            const { mergeNearby } = await import('/static/js/kit/label-layout.js');
            return mergeNearby(items, 16);
        }""",
        items,
    )
    heads = [c["y"] for c in got]
    assert heads == sorted(heads)
    assert all(b - a >= 16 for a, b in itertools.pairwise(heads))
    names = [m["name"] for c in got for m in c["members"]]
    assert sorted(names) == sorted(i["name"] for i in items)
    for c in got:
        assert c["members"][0]["y"] == c["y"]  # the strongest (first given) heads its cluster
        assert all(abs(m["y"] - c["y"]) < 16 for m in c["members"])


def grid(days: list[str], prices: list[float]) -> dict[str, Any]:
    return {"prices": prices, "dates": days,
            "pnl": [[(p - 100) * (i + 1) for p in prices] for i in range(len(days))]}  # fmt: skip


async def test_pnl_grid_columns_rows_and_cells(js: Any) -> None:
    # Instants in UTC: two on Dec 3 (New York), two on Dec 4, the expiry close on Dec 18.
    dates = ["2026-12-03T14:00:00Z", "2026-12-03T20:00:00Z", "2026-12-04T15:00:00Z",
             "2026-12-04T21:00:00Z", "2026-12-18T21:00:00Z"]  # fmt: skip
    prices = [80 + 0.5 * i for i in range(81)]
    got = await js.evaluate(
        """async ([dates, prices]) => {
            const g = await import('/static/js/options/pnl-grid.js');
            return {
                cols: g.dayColumns(dates),
                zeroDte: g.dayColumns(['14', '17', '21'].map((h) => `2026-12-18T${h}:00:00Z`)),
                rows: g.priceRows(prices, { lo: 90, hi: 110, spot: 101.3,
                                            breakevens: [95.1, 104.8, 150], maxRows: 12 }),
                money: [258.4, -1234, -0.2, 12345, null].map(g.cellMoney),
                title: g.cellTitle('SPY', '2026-12-10', 705, -120, 400),
                risk: [g.maxRisk({ expiry: { max_loss: -259.5 }, grid: { pnl: [[1]] } }),
                       g.maxRisk({ expiry: { max_loss: null, max_loss_unlimited: true },
                                   grid: { pnl: [[5, -80], [-300, 2]] } })],
                intensity: [50, -400, null].map((x) => g.intensity(x, 200)),
            };
        }""",
        [dates, prices],
    )
    assert got["cols"] == [{"index": 0, "day": "2026-12-03"}, {"index": 3, "day": "2026-12-04"},
                           {"index": 4, "day": "2026-12-18"}]  # fmt: skip
    assert got["zeroDte"] == [{"index": 0, "day": "2026-12-18"}, {"index": 2, "day": "2026-12-18"}]
    rows = got["rows"]
    chosen = [prices[i] for i in rows["rows"]]
    assert chosen == sorted(chosen, reverse=True) and all(90 <= p <= 110 for p in chosen)
    assert len(chosen) <= 12
    assert prices[rows["spot"]] == 101.5
    assert [prices[i] for i in rows["breakevens"]] == [95.0, 105.0, 110.0]
    assert rows["spot"] in rows["rows"] and set(rows["breakevens"]) <= set(rows["rows"])
    assert got["money"] == ["+$258", "−$1.2k", "$0", "+$12k", "—"]
    assert got["title"] == "Thu Dec 10 · SPY 705.00 · P&L −$120.00 · −30% of max risk"
    assert got["risk"] == [259.5, 300]
    assert got["intensity"] == [0.25, 1, 0]


async def test_profit_and_loss_zones(js: Any) -> None:
    got = await js.evaluate(
        """async () => {
            const { pnlZones } = await import('/static/js/options/risk-graph.js');
            return [
                pnlZones([[95, 105]], 80, 120),
                pnlZones([[null, 90], [110, null]], 80, 120),
                pnlZones([], 80, 120),
                pnlZones([[70, 75]], 80, 120),
            ];
        }"""
    )
    assert got == [
        [[80, 95, False], [95, 105, True], [105, 120, False]],
        [[80, 90, True], [90, 110, False], [110, 120, True]],
        [[80, 120, False]],
        [[80, 120, False]],
    ]


async def test_strike_filter_and_realized_pnl(js: Any) -> None:
    rows = [{"strike": float(k)} for k in range(80, 121)]
    got = await js.evaluate(
        """async (rows) => {
            const { visibleStrikes } = await import('/static/js/options/chain.js');
            const { realizedPnl } = await import('/static/js/options/close-form.js');
            const { daysToExpiry } = await import('/static/js/options/portfolio.js');
            const legs = [
                { id: 1, kind: 'call', quantity: 2, multiplier: 100, entry_price: 3.1 },
                { id: 2, kind: 'call', quantity: -2, multiplier: 100, entry_price: 1.05 },
                { id: 3, kind: 'stock', quantity: -30, multiplier: 100, entry_price: 50.25 },
            ];
            const n = (o) => visibleStrikes(rows, 101.3, o).map((r) => r.strike);
            return {
                around: n({ around: 2 }), all: n({ around: null }).length,
                range: n({ range: { lo: 118, hi: 200 } }),
                flipped: n({ range: { lo: 83, hi: 81 } }),
                open: n({ range: { lo: null, hi: 82 } }),
                empty: n({ range: { lo: null, hi: null }, around: 1 }),
                pnl: realizedPnl(legs, { 1: 4.35, 2: 0.4, 3: 49.1 }),
                missing: realizedPnl(legs, { 1: 4 }),
                dte: [daysToExpiry([{ expiration: '2026-12-18' }, { expiration: '2026-12-11' }],
                                   '2026-12-03'),
                      daysToExpiry([{ expiration: null }], '2026-12-03')],
            };
        }""",
        rows,
    )
    assert got["around"] == [99.0, 100.0, 101.0, 102.0, 103.0]
    assert got["all"] == len(rows)
    assert got["range"] == [118.0, 119.0, 120.0]
    assert got["flipped"] == [81.0, 82.0, 83.0]
    assert got["open"] == [80.0, 81.0, 82.0]
    assert got["empty"] == [100.0, 101.0, 102.0]
    # (4.35 − 3.10)·2·100 + (0.40 − 1.05)·(−2)·100 + (49.10 − 50.25)·(−30) = 250 + 130 + 34.5
    assert got["pnl"] == pytest.approx(414.5)
    assert got["missing"] is None
    assert got["dte"] == [8, None]
