"""The Options workspace the way OptionStrat users expect it, in a real browser on the simulated
market: every strategy template fills the builder at the money with the chain's strike spacing
and draws its risk graph (labels horizontal, none overlapping); the unsaved builder survives a
reload (and a broken stored draft is dropped quietly); the date × price P&L table and its
heatmap; saved positions with P&L, DTE and Greeks, closed at a price with the realized P&L
shown; the whole strike ladder; and the Options tab on a phone."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_options_tab import analysis_ready, chain_ready
from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser

NY = ZoneInfo("America/New_York")


async def open_options(page: Any, email: str | None = None) -> Any:
    await sign_up_in_browser(page, email)
    await page.get_by_role("tab", name="Options").click()
    return await chain_ready(page)


async def pick_monthly(page: Any, min_days: int = 12) -> str:
    """Select the first monthly expiration at least ``min_days`` out; its date."""
    listed = (await (await page.request.get("/api/options/SPY/expirations")).json())["expirations"]
    exp: str = next(
        e["expiration"] for e in listed if e["is_monthly"] and e["days_to_expiry"] >= min_days
    )
    select = page.locator("[data-opt-expiration]")
    if await select.input_value() != exp:
        await select.select_option(exp)
    await chain_ready(page, exp)
    return exp


async def builder_legs(page: Any) -> list[dict[str, Any]]:
    """The builder's legs, as the draft in localStorage holds them."""
    legs: list[dict[str, Any]] = await page.evaluate(
        """() => {
            const key = Object.keys(localStorage)
                .find((k) => k.startsWith('aicoach-options-draft:'));
            return key ? JSON.parse(localStorage.getItem(key)).legs : [];
        }"""
    )
    return legs


def boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


async def assert_labels_legible(page: Any) -> int:
    """The risk graph's labels: horizontal, inside the graph, none overlapping another."""
    labels = page.locator("[data-opt-risk-labels] [data-risk-label]:not([hidden])")
    boxes = [await labels.nth(i).bounding_box() for i in range(await labels.count())]
    wrap = await page.locator("[data-opt-pane='graph']").bounding_box()
    assert boxes, "no label on the risk graph"
    for i, a in enumerate(boxes):
        assert a["width"] > a["height"] and a["height"] <= 18, a  # horizontal text
        assert wrap["x"] - 1 <= a["x"] and a["x"] + a["width"] <= wrap["x"] + wrap["width"] + 1
        for b in boxes[i + 1 :]:
            assert not boxes_overlap(a, b), (a, b)
    titles = await labels.evaluate_all("els => els.map(e => e.title)")
    assert all(t for t in titles), "every label names itself in full on hover"
    return len(boxes)


def expected_strikes(chain: dict[str, Any], back: dict[str, Any] | None) -> dict[str, list[Any]]:
    """Each template's (kind, strike, quantity, expiration) legs, computed here from the chain:
    the ATM strike (nearest the price, call and put both priced), the most common strike gap
    among the 12 nearest strikes, a width of ~1 % of the price in whole gaps."""
    spot = chain["underlying_price"]
    rows = chain["strikes"]

    def priced(q: dict[str, Any] | None) -> bool:
        return bool(q) and ((q.get("mid") or 0) > 0 or (q.get("ask") or 0) > 0)

    atm = min((r["strike"] for r in rows if priced(r["call"]) and priced(r["put"])),
              key=lambda k: abs(k - spot))  # fmt: skip
    near = sorted(sorted((r["strike"] for r in rows), key=lambda k: (abs(k - spot), k))[:12])
    gaps = Counter(round(b - a, 6) for a, b in itertools.pairwise(near) if b > a)
    step = min(gaps, key=lambda g: (-gaps[g], g))
    width = max(1, round(spot * 0.01 / step)) * step

    def pick(target: float, right: str, above: float = -1e9, below: float = 1e9,
             table: list[dict[str, Any]] = rows) -> float:  # fmt: skip
        ok = [r["strike"] for r in table if above < r["strike"] < below and priced(r[right])]
        return min(ok, key=lambda k: abs(k - target))

    exp = chain["expiration"]
    up, down = pick(atm + width, "call", above=atm), pick(atm - width, "put", below=atm)
    lp, lc = pick(down - width, "put", below=down), pick(up + width, "call", above=up)
    lower = pick(atm - width, "call", below=atm)
    upper = pick(2 * atm - lower, "call", above=atm)
    o = lambda kind, k, q, e=exp: (kind, k, q, e)  # noqa: E731
    stock = ("stock", None, 100, None)
    out: dict[str, list[Any]] = {
        "bull_call_spread": [o("call", atm, 1), o("call", up, -1)],
        "bear_call_spread": [o("call", atm, -1), o("call", up, 1)],
        "bull_put_spread": [o("put", down, 1), o("put", atm, -1)],
        "bear_put_spread": [o("put", down, -1), o("put", atm, 1)],
        "iron_condor": [o("put", lp, 1), o("put", down, -1), o("call", up, -1), o("call", lc, 1)],
        "call_butterfly": [o("call", lower, 1), o("call", atm, -2), o("call", upper, 1)],
        "long_straddle": [o("put", atm, 1), o("call", atm, 1)],
        "short_straddle": [o("put", atm, -1), o("call", atm, -1)],
        "long_strangle": [o("put", down, 1), o("call", up, 1)],
        "short_strangle": [o("put", down, -1), o("call", up, -1)],
        "covered_call": [stock, o("call", up, -1)],
        "collar": [stock, o("put", down, 1), o("call", up, -1)],
    }
    if back is not None:
        bk = pick(atm, "call", table=back["strikes"])
        out["calendar_spread"] = [o("call", atm, -1), o("call", bk, 1, back["expiration"])]
        short = pick(bk + width, "call", above=bk)
        out["diagonal_spread"] = [o("call", short, -1), o("call", bk, 1, back["expiration"])]
    return out


#: What the analysis recognises each template as.
RECOGNISED = {"bull_call_spread": "bull_call_spread", "bear_call_spread": "bear_call_spread",
              "bull_put_spread": "bull_put_spread", "bear_put_spread": "bear_put_spread",
              "iron_condor": "iron_condor", "call_butterfly": "call_butterfly",
              "long_straddle": "long_straddle", "short_straddle": "short_straddle",
              "long_strangle": "long_strangle", "short_strangle": "short_strangle",
              "calendar_spread": "calendar_spread", "diagonal_spread": "diagonal_spread",
              "covered_call": "covered_call", "collar": "collar"}  # fmt: skip


async def test_every_template_fills_the_builder_at_the_money(page: Any, screenshot: Any) -> None:
    await open_options(page)
    exp = await pick_monthly(page)
    chain = await (await page.request.get(f"/api/options/SPY/chain?expiration={exp}")).json()
    listed = (await (await page.request.get("/api/options/SPY/expirations")).json())["expirations"]
    back_exp = min(e["expiration"] for e in listed if e["expiration"] > exp)
    back = await (await page.request.get(f"/api/options/SPY/chain?expiration={back_exp}")).json()
    expected = expected_strikes(chain, back)
    quotes = {(r["strike"], side): r[side] for r in chain["strikes"] for side in ("call", "put")}
    options = await page.locator("[data-opt-template] option").evaluate_all(
        "os => os.map(o => o.value).filter(Boolean)"
    )
    assert sorted(options) == sorted(RECOGNISED)
    for key in options:
        await page.locator("[data-opt-template]").select_option(key)
        want = expected[key]
        await page.wait_for_function(
            """([key, n]) => {
                const b = document.querySelector('[data-opt-builder]');
                return b.dataset.template === key && b.dataset.legCount === String(n);
            }""",
            arg=[key, len(want)],
        )
        await analysis_ready(page, RECOGNISED[key])
        legs = await builder_legs(page)
        got = [(leg["kind"], leg["strike"], leg["quantity"], leg["expiration"]) for leg in legs]
        assert got == want, key
        for leg in legs:  # priced from the chain: the mid of the contract, shares at the price
            if leg["kind"] == "stock":
                assert leg["entry_price"] == chain["underlying_price"]
            elif leg["expiration"] == exp:
                assert leg["entry_price"] == quotes[(leg["strike"], leg["kind"])]["mid"]
        assert await page.locator("[data-opt-risk] canvas").count() > 0
        assert await assert_labels_legible(page) >= 2
        pop = await page.locator("[data-opt-pop]").bounding_box()
        wrap = await page.locator("[data-opt-pane='graph']").bounding_box()
        assert (
            pop and pop["x"] >= wrap["x"] and pop["x"] + pop["width"] <= wrap["x"] + wrap["width"]
        )
        assert re.search(
            r"Chance of profit \d+%", await page.locator("[data-opt-pop]").inner_text()
        )
        if key in ("iron_condor", "calendar_spread", "collar", "call_butterfly"):
            await page.locator("[data-opt-analysis]").screenshot(
                path=str(await screenshot(page, f"template-{key}"))
            )
    # Natural prices: the long legs at the ask, the short ones at the bid.
    await page.locator("[data-opt-fill]").select_option("natural")
    await page.locator("[data-opt-template]").select_option("bull_call_spread")
    await page.wait_for_function(
        "() => document.querySelector('[data-opt-builder]').dataset.legCount === '2'"
    )
    await analysis_ready(page, "bull_call_spread")
    long, short = await builder_legs(page)
    assert long["entry_price"] == quotes[(long["strike"], "call")]["ask"]
    assert short["entry_price"] == quotes[(short["strike"], "call")]["bid"]
    # Every leg stays adjustable: one more of the short call makes it a ratio spread.
    await page.locator('[data-opt-legs] tr[data-leg="1"] [data-act="more"]').click()
    await analysis_ready(page, "custom")
    assert [leg["quantity"] for leg in await builder_legs(page)] == [1, -2]


async def test_the_unsaved_builder_survives_a_reload(page: Any, screenshot: Any) -> None:
    await open_options(page)
    exp = await pick_monthly(page)
    await page.locator("[data-opt-template]").select_option("iron_condor")
    await analysis_ready(page, "iron_condor")
    await page.locator('[data-opt-legs] tr[data-leg="0"] [data-act="more"]').click()
    await analysis_ready(page, "custom")
    await page.locator("[data-opt-iv]").fill("4")
    await page.locator("[data-opt-date]").fill("3")
    await page.wait_for_function(
        """() => {
            const key = Object.keys(localStorage)
                .find((k) => k.startsWith('aicoach-options-draft:'));
            const d = key && JSON.parse(localStorage.getItem(key));
            return d && d.scenario.iv === 4 && d.scenario.valuation;
        }"""
    )
    before = await builder_legs(page)
    date_out = await page.locator("[data-opt-date-out]").inner_text()
    await page.reload()
    await chain_ready(page, exp)
    await analysis_ready(page, "custom")
    assert await builder_legs(page) == before
    assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "4"
    assert await page.locator("[data-opt-iv-out]").inner_text() == "+4 pts"
    assert await page.locator("[data-opt-date-out]").inner_text() == date_out
    assert await page.locator("[data-opt-expiration]").input_value() == exp
    await screenshot(page, "after-reload")

    # A broken or stale draft is dropped without a word (the page fails on any JS error).
    junks = [
        '{"version": 1, "symbol": "SPY", "legs": [{"kind": "call"}]}',
        "not json",
        '{"version": 1, "symbol": "SPY", "saved_on": "2026-01-02", "legs": []}',
    ]
    for junk in junks:
        await page.evaluate(
            """(junk) => {
                const key = Object.keys(localStorage)
                    .find((k) => k.startsWith('aicoach-options-draft:'));
                localStorage.setItem(key, junk);
            }""",
            junk,
        )
        await page.reload()
        await chain_ready(page)
        await page.locator('[data-opt-analysis][data-state="empty"]').wait_for()
        assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "0"
        assert await page.locator("#toasts [data-toast]").count() == 0

    # Saving clears the draft.
    await page.locator("[data-opt-template]").select_option("bull_put_spread")
    await analysis_ready(page, "bull_put_spread")
    assert await builder_legs(page)
    await page.locator("[data-opt-save-button]").click()
    await page.locator('[data-opt-saved][data-state="ready"]').wait_for()
    assert await builder_legs(page) == []
    await page.reload()
    await chain_ready(page)
    assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "0"


async def test_pnl_table_and_heatmap(page: Any, screenshot: Any) -> None:
    await open_options(page)
    await pick_monthly(page)

    def analysis(response: Any) -> bool:
        body = response.request.post_data_json or {}
        return response.url.endswith("/api/options/analyze") and "legs" in body

    async with page.expect_response(analysis) as answer:
        await page.locator("[data-opt-template]").select_option("iron_condor")
    a = await (await answer.value).json()
    await analysis_ready(page, "iron_condor")
    await page.get_by_role("tab", name="P&L table").click()
    table = page.locator("[data-opt-grid]")
    await table.locator("table").wait_for()
    assert await page.locator("[data-opt-risk]").is_hidden()
    # Columns: one per New York day of the grid (now … the expiration); rows: prices, high first.
    days = list(
        dict.fromkeys(datetime.fromisoformat(d).astimezone(NY).date() for d in a["grid"]["dates"])
    )
    heads = await table.locator("thead th").all_inner_texts()
    assert len(heads) == 1 + len(days) == 1 + int(await table.get_attribute("data-cols"))
    assert heads[1] == "Now" and heads[-1].endswith("exp")
    rows = table.locator("tbody tr")
    n = await rows.count()
    assert 10 <= n <= 25 and n == int(await table.get_attribute("data-rows"))
    prices = [float(t.replace(",", "").replace("SPY", "").replace("BE", ""))
              for t in await rows.locator("th").all_inner_texts()]  # fmt: skip
    assert prices == sorted(prices, reverse=True)
    for i in range(n):
        assert await rows.nth(i).locator("td").count() == len(days)
    # The current price's row and one row per breakeven are marked.
    spot_row = table.locator("tr[data-spot]")
    assert await spot_row.count() == 1
    spot_price = float((await spot_row.locator("th").inner_text()).replace("SPY", ""))
    assert abs(spot_price - a["spot"]) <= max(abs(p - q) for p, q in itertools.pairwise(prices))
    assert await table.locator("tr[data-be]").count() == len(a["expiry"]["breakevens"]) == 2
    # Colour: the best cell is green, the worst red; the tooltip says date, price, P&L, % of risk.
    cells = table.locator("tbody td")
    texts = await cells.all_inner_texts()
    values = [float(t.replace("−", "-").replace("$", "").replace("+", "").replace("k", "e3"))
              for t in texts]  # fmt: skip
    best, worst = values.index(max(values)), values.index(min(values))
    green = await cells.nth(best).evaluate("el => getComputedStyle(el).backgroundColor")
    red = await cells.nth(worst).evaluate("el => getComputedStyle(el).backgroundColor")
    rgb = lambda s: [float(x) for x in re.findall(r"[\d.]+", s)[:3]]  # noqa: E731
    assert rgb(green)[1] > rgb(green)[0] and rgb(red)[0] > rgb(red)[1], (green, red)
    title = await cells.nth(worst).get_attribute("title")
    assert re.fullmatch(r"\w{3} \w{3} \d+ · SPY [\d,]+\.\d\d · P&L −\$[\d,.]+ · −\d+% of max risk",
                        title or ""), title  # fmt: skip
    await page.locator("[data-opt-analysis]").scroll_into_view_if_needed()
    await page.locator("[data-opt-analysis]").screenshot(path=str(await screenshot(page, "table")))

    # The heatmap: the same grid, drawn by ECharts.
    await page.get_by_role("tab", name="Heatmap").click()
    heat = page.locator("[data-opt-heat]")
    await page.wait_for_function(
        "() => Number(document.querySelector('[data-opt-heat]').dataset.cells) > 0"
    )
    assert int(await heat.get_attribute("data-cols")) == len(days)
    assert int(await heat.get_attribute("data-cells")) == len(days) * int(
        await heat.get_attribute("data-rows")
    )
    assert await heat.locator("canvas").count() > 0
    assert await table.is_hidden()
    await page.locator("[data-opt-analysis]").screenshot(
        path=str(await screenshot(page, "heatmap"))
    )
    # The choice is remembered; the risk graph is one click away.
    await page.reload()
    await chain_ready(page)
    assert await page.get_by_role("tab", name="Heatmap").get_attribute("aria-selected") == "true"
    await page.get_by_role("tab", name="Risk graph").click()
    assert await page.locator("[data-opt-risk]").is_visible()


async def test_closing_a_saved_position_shows_its_realized_pnl(page: Any, screenshot: Any) -> None:
    await open_options(page)
    await pick_monthly(page)
    await page.locator("[data-opt-template]").select_option("bull_call_spread")
    await analysis_ready(page, "bull_call_spread")
    await page.locator("[data-opt-save-label]").fill("Dec debit spread")
    await page.locator("[data-opt-save-button]").click()
    item = page.locator('.opt-saved-item[data-status="open"]')
    await item.wait_for()
    # Saved positions show their P&L now, days to expiry and Greeks.
    stats = item.locator("[data-saved-stats][data-ready]")
    await stats.wait_for()
    text = await stats.inner_text()
    assert re.search(r"P&L [+−]?\$[\d,.]+", text) and re.search(r"\d+ DTE", text), text
    assert "Δ" in text and "Θ" in text, text
    await page.locator('[data-opt-portfolio][data-state="ready"]').wait_for()

    await item.get_by_role("button", name=re.compile("^Close")).click()
    dialog = page.locator("[data-opt-close-dialog]")
    await page.locator('[data-opt-close-dialog][data-state="ready"]').wait_for()
    inputs = dialog.locator("[data-close-price]")
    assert await inputs.count() == 2
    mids = [float(await inputs.nth(i).input_value()) for i in range(2)]
    assert all(m > 0 for m in mids)
    # The trader's fills: the long call sold at mid + 0.15, the short bought back at its mid.
    saved = (await (await page.request.get("/api/strategies")).json())[0]
    long_leg = next(leg for leg in saved["legs"] if leg["quantity"] > 0)
    short_leg = next(leg for leg in saved["legs"] if leg["quantity"] < 0)
    order = [long_leg, short_leg] if saved["legs"][0] is long_leg else [short_leg, long_leg]
    fills = {long_leg["id"]: round(mids[order.index(long_leg)] + 0.15, 2),
             short_leg["id"]: mids[order.index(short_leg)]}  # fmt: skip
    await inputs.nth(order.index(long_leg)).fill(f"{fills[long_leg['id']]:.2f}")
    expected = sum((fills[leg["id"]] - leg["entry_price"]) * leg["quantity"] * 100
                   for leg in saved["legs"])  # fmt: skip
    total = await dialog.locator("[data-opt-close-total]").inner_text()
    money = f"{'−' if expected < 0 else '+'}${abs(expected):,.2f}"
    assert total == money, (total, money)
    await dialog.screenshot(path=str(await screenshot(page, "close-dialog")))
    await dialog.get_by_role("button", name="Close position").click()
    closed = page.locator('.opt-saved-item[data-status="closed"]')
    await closed.wait_for()
    assert await closed.locator("[data-realized]").inner_text() == money
    assert "Closed" in await closed.inner_text() and "Dec debit spread" in await closed.inner_text()
    assert await page.locator('.opt-saved-item[data-status="open"]').count() == 0
    # Out of the portfolio's Greeks; Close is gone, Delete is left.
    await page.locator('[data-opt-portfolio][data-state="empty"]').wait_for()
    assert await closed.get_by_role("button", name=re.compile("^Close")).count() == 0
    body = (await (await page.request.get("/api/strategies")).json())[0]
    assert body["status"] == "closed" and abs(body["realized_pnl"] - expected) < 0.005
    await page.locator("[data-opt-saved]").scroll_into_view_if_needed()
    await screenshot(page, "closed")


async def test_the_whole_strike_ladder(page: Any) -> None:
    chain_el = await open_options(page)
    exp = await pick_monthly(page)
    chain = await (await page.request.get(f"/api/options/SPY/chain?expiration={exp}")).json()
    total = len(chain["strikes"])
    await page.locator("[data-opt-strikes]").select_option("all")
    await page.wait_for_function(
        "(n) => document.querySelector('[data-opt-chain]').dataset.strikeCount === String(n)",
        arg=total,
    )
    assert total > 41  # more than the old slider could reach
    assert (
        await page.locator("[data-opt-strikes-out]").inner_text() == f"{total} of {total} strikes"
    )

    async def atm_in_view() -> bool:
        visible: bool = await page.evaluate(
            """() => {
                const box = document.querySelector('[data-opt-chain]').getBoundingClientRect();
                const row = document.querySelector('[data-opt-chain] tr.opt-atm')
                    .getBoundingClientRect();
                return row.top >= box.top && row.bottom <= box.bottom;
            }"""
        )
        return visible

    assert await atm_in_view()
    # A strike range: only those strikes, the at-the-money row still in view when it is inside.
    strikes = [r["strike"] for r in chain["strikes"]]
    spot = chain["underlying_price"]
    lo = max(k for k in strikes if k <= spot - 20)
    hi = min(k for k in strikes if k >= spot + 20)
    await page.locator("[data-opt-strikes]").select_option("range")
    await page.locator("[data-opt-range-lo]").fill(f"{lo:g}")
    await page.locator("[data-opt-range-hi]").fill(f"{hi:g}")
    want = len([k for k in strikes if lo <= k <= hi])
    await page.wait_for_function(
        "(n) => document.querySelector('[data-opt-chain]').dataset.strikeCount === String(n)",
        arg=want,
    )
    shown = await chain_el.locator("[data-strike-row]").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.strikeRow))"
    )
    assert shown[0] == lo and shown[-1] == hi
    assert await atm_in_view()
    await page.reload()
    await chain_ready(page, exp)
    assert await page.locator("[data-opt-strikes]").input_value() == "range"
    assert await page.locator("[data-opt-chain]").get_attribute("data-strike-count") == str(want)


async def test_the_options_tab_on_a_phone(browser: Any, live_url: str, screenshot: Any) -> None:
    context = await browser.new_context(
        base_url=live_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        chain = await open_options(page)
        switch = page.locator("[data-opt-side-switch]")
        assert await switch.is_visible()
        table = chain.locator("table")
        # Calls first; the chain fits the phone's width.
        assert await chain.locator("td.opt-ask.opt-c").first.is_visible()
        assert await chain.locator("td.opt-ask.opt-p").first.is_hidden()
        fits = "el => el.scrollWidth <= el.clientWidth + 1"
        assert await chain.evaluate(fits), "the chain scrolls sideways on a phone"
        await screenshot(page, "calls")
        # The put side, one tap away, usable: buy a put from it.
        await switch.get_by_role("button", name="Puts").click()
        assert await chain.get_attribute("data-side") == "put"
        assert await chain.locator("td.opt-ask.opt-c").first.is_hidden()
        put_ask = chain.locator('tr.opt-atm button[data-pick="buy"][data-right="put"]')
        assert await put_ask.is_visible()
        assert await chain.evaluate(fits)
        heads = await table.locator("thead tr:last-child th:visible").all_inner_texts()
        assert heads[0] == "Strike" and "Bid" in heads and "Ask" in heads
        await screenshot(page, "puts")
        await put_ask.click()
        assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "1"
        await analysis_ready(page, "long_put")
        await page.locator("[data-opt-analysis]").scroll_into_view_if_needed()
        await screenshot(page, "risk-graph")
        box = await page.locator("[data-opt-analysis]").bounding_box()
        assert box and box["width"] <= 390
        await assert_labels_legible(page)
    finally:
        await context.close()
    assert not errors, errors
