"""A new trader in a real browser on the Options tab: the SPY chain on the simulated market (today
may be a holiday: the market follows the real calendar, and the chain must still be usable), an
iron condor built from four clicks in the chain, its risk graph with key levels, breakevens and
probability of profit, what-if sliders, saving it, portfolio Greeks, the New position form's
field-level errors from the API, the light theme and deleting the position again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser

MONEY = r"[+−-]?\$[\d,]+(\.\d\d)?"


async def chain_ready(page: Any, expiration: str | None = None) -> Any:
    await page.wait_for_function(
        """(exp) => {
            const el = document.querySelector('[data-opt-chain]');
            return el && el.dataset.state === 'ready' && (!exp || el.dataset.expiration === exp);
        }""",
        arg=expiration,
    )
    return page.locator("[data-opt-chain]")


async def analysis_ready(page: Any, strategy: str) -> Any:
    await page.wait_for_function(
        """(name) => {
            const el = document.querySelector('[data-opt-analysis]');
            return el && el.dataset.state === 'ready' && el.dataset.strategy === name
                && !el.hasAttribute('aria-busy');
        }""",
        arg=strategy,
    )
    return page.locator("[data-opt-analysis]")


async def stat(page: Any, key: str) -> str:
    text: str = await page.locator(f'[data-opt-analysis] [data-stat="{key}"]').inner_text()
    return text


async def test_iron_condor_from_the_chain(page: Any, screenshot: Any) -> None:
    await sign_up_in_browser(page, "condor@example.com")
    await page.get_by_role("tab", name="Options").click()
    chain = await chain_ready(page)
    assert await chain.get_attribute("data-symbol") == "SPY"
    # The quote and the saved positions load alongside the chain: wait for them, not the chain.
    sim = page.locator("[data-opt-sim]")
    await expect(sim).to_be_visible()
    assert "simulated" in (await sim.inner_text()).lower()
    assert re.fullmatch(r"SPY [\d,]+\.\d\d", await page.locator("[data-opt-last]").inner_text())
    await page.locator('[data-opt-portfolio][data-state="empty"]').wait_for()
    await screenshot(page, "1-chain")

    # Expirations: days to expiry and the cycle in every option; pick a later weekly/monthly.
    select = page.locator("[data-opt-expiration]")
    labels = await select.locator("option").all_inner_texts()
    assert len(labels) > 5 and all(re.search(r"· \d+d · [WMD]$", t) for t in labels)
    values = await select.locator("option").evaluate_all("os => os.map(o => o.value)")
    current = await select.input_value()
    weekly_or_monthly = re.compile(r"· (1[0-9]|2[0-9])d · [WM]$")
    later = [v for v, t in zip(values, labels, strict=True) if weekly_or_monthly.search(t)]
    target = next(v for v in later if v != current)
    await select.select_option(target)
    chain = await chain_ready(page, target)
    assert f"oexp={target}" in page.url

    # Narrow the strikes: ±5 around the money → 11 rows, the underlying price shown between two.
    await page.locator("[data-opt-strikes]").select_option("5")
    await page.wait_for_function(
        "() => document.querySelector('[data-opt-chain]').dataset.strikeCount === '11'"
    )
    assert re.fullmatch(
        r"11 of \d+ strikes", await page.locator("[data-opt-strikes-out]").inner_text()
    )
    assert await chain.locator("[data-spot-row]").count() == 1
    assert await chain.locator("tr.opt-atm").count() == 1
    # A Greek column on, one off: the header follows.
    await page.locator("[data-opt-columns-menu] summary").click()
    await page.locator('[data-opt-columns] input[value="theta_per_day"]').check()
    await page.locator('[data-opt-columns] input[value="open_interest"]').uncheck()
    heads = await chain.locator("thead tr:last-child th").all_inner_texts()
    assert "Θ" in heads and "OI" not in heads
    await page.locator("[data-opt-columns-menu] summary").click()
    await screenshot(page, "2-narrowed")

    # Iron condor in four clicks: buy a lower put at the ask, sell a higher put at the bid,
    # sell a call at the bid, buy a higher call at the ask.
    strikes = [
        float(s)
        for s in await chain.locator("[data-strike-row]").evaluate_all(
            "rows => rows.map(r => r.dataset.strikeRow)"
        )
    ]
    above = await chain.locator("[data-spot-row] + tr").get_attribute("data-strike-row")
    i = strikes.index(float(above or 0))
    legs = [("buy", "put", strikes[i - 5]), ("sell", "put", strikes[i - 2]),
            ("sell", "call", strikes[i + 1]), ("buy", "call", strikes[i + 4])]  # fmt: skip
    assert i - 5 >= 0 and i + 4 < len(strikes)
    for side, right, strike in legs:
        button = chain.locator(
            f'button[data-pick="{side}"][data-right="{right}"][data-strike="{strike:g}"]'
        )
        label = await button.get_attribute("aria-label")
        assert label and label.startswith("Buy" if side == "buy" else "Sell")
        await button.click()
    assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "4"
    assert await chain.locator('button[aria-pressed="true"]').count() == 4
    box = await analysis_ready(page, "iron_condor")
    assert "iron condor" in (await page.locator("[data-opt-strategy-name]").inner_text()).lower()
    rows = page.locator("[data-opt-legs] tbody tr")
    assert await rows.count() == 4
    assert [t.strip().lower() for t in await rows.locator(".opt-leg-side").all_inner_texts()] == [
        "buy", "sell", "sell", "buy",
    ]  # fmt: skip
    net = await page.locator("[data-opt-net]").inner_text()
    assert net.startswith("Net credit")

    # The risk graph: drawn, with key levels marked and labelled; the numbers around it.
    assert await box.locator("[data-opt-risk] canvas").count() > 0
    assert int(await box.get_attribute("data-level-marks") or 0) > 0
    aria = await box.locator("[data-opt-risk]").get_attribute("aria-label")
    assert aria and "key levels marked" in aria
    breakevens = re.findall(r"[\d,]+\.\d\d", await stat(page, "breakevens"))
    assert len(breakevens) == 2
    low, high = (float(b.replace(",", "")) for b in breakevens)
    assert strikes[i - 5] < low <= strikes[i - 2]
    assert strikes[i + 1] <= high < strikes[i + 4]
    pop = await stat(page, "pop")
    assert re.match(r"\d{1,3}%", pop) and "lognormal" in pop
    assert re.fullmatch(MONEY, (await stat(page, "max-gain")).strip())
    assert re.fullmatch(MONEY, (await stat(page, "max-loss")).strip())
    assert "Unlimited" not in await stat(page, "max-loss")
    theta = await box.locator("[data-opt-greeks]").inner_text()
    assert re.search(r"earning \$[\d.,]+ a day", theta), theta
    await box.locator("[data-opt-levels-box] summary").click()
    assert await box.locator("[data-opt-levels] tbody tr").count() > 0
    await box.scroll_into_view_if_needed()
    await screenshot(page, "3-risk-graph")

    # What-if: +5 IV points re-runs the analysis (a short condor loses on higher volatility).
    before = await stat(page, "pnl-now")

    def iv_shifted(response: Any) -> bool:  # not the 15 s live refresh's analysis
        request = response.request
        return request.url.endswith("/api/options/analyze") and (
            (request.post_data_json or {}).get("scenario", {}).get("iv_shift_points") == 5
        )

    async with page.expect_response(iv_shifted) as answer:
        await box.locator("[data-opt-iv]").fill("5")
    assert (await answer.value).ok
    await analysis_ready(page, "iron_condor")
    assert await box.locator("[data-opt-iv-out]").inner_text() == "+5 pts"
    after = await stat(page, "pnl-now")
    assert after != before
    await box.locator("[data-opt-reset]").click()
    await analysis_ready(page, "iron_condor")

    # Save it: the saved list names it, the portfolio Greeks appear with SPY's beta-weighted delta.
    await page.locator("[data-opt-save-label]").fill("Thanksgiving condor")
    await page.locator("[data-opt-save-button]").click()
    saved = page.locator('[data-opt-saved][data-state="ready"]')
    await saved.wait_for()
    item = saved.locator(".opt-saved-item")
    assert await item.count() == 1
    assert "Iron condor" in await item.inner_text()
    assert "Thanksgiving condor" in await item.inner_text()
    portfolio = page.locator('[data-opt-portfolio][data-state="ready"]')
    await portfolio.wait_for()
    assert "SPY" in await portfolio.locator("tbody").inner_text()
    assert re.search(r"\d", await portfolio.locator("[data-opt-bwd]").inner_text())
    assert re.search(r"a day from theta", await portfolio.inner_text())
    await analysis_ready(page, "iron_condor")
    assert await page.locator("[data-opt-analysis-src]").inner_text() == "Saved"
    assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "0"
    await portfolio.scroll_into_view_if_needed()
    await screenshot(page, "4-saved-portfolio")

    # New position form: the API's 422 lands next to the field it names.
    await page.locator("[data-opt-new]").click()
    dialog = page.locator("[data-opt-dialog]")
    await dialog.get_by_label("Type").select_option("call")
    await dialog.get_by_label("Entry price").fill("1.25")
    await dialog.get_by_role("button", name="Save position").click()
    strike_error = dialog.locator("#opt-f-strike-err")
    await strike_error.wait_for()
    assert "strike" in (await strike_error.inner_text()).lower()
    assert await dialog.get_by_label("Strike").get_attribute("aria-invalid") == "true"
    await dialog.get_by_label("Strike").fill("123.45")
    await dialog.get_by_role("button", name="Save position").click()
    await page.wait_for_function(
        "() => /not a listed/.test(document.querySelector('#opt-f-strike-err').textContent)"
    )
    await screenshot(page, "5-form-errors")
    await page.keyboard.press("Escape")
    assert not await dialog.is_visible()

    # Light theme: the charts re-colour without errors.
    await page.locator("[data-theme-toggle]").click()
    await page.locator("[data-opt-analysis]").scroll_into_view_if_needed()
    await screenshot(page, "6-light")

    # Delete: the portfolio is empty again.
    page.once("dialog", lambda d: d.accept())
    await item.get_by_role("button", name=re.compile("Delete")).click()
    # The saved list and the portfolio reload independently: wait for each.
    await page.locator('[data-opt-portfolio][data-state="empty"]').wait_for()
    await page.locator('[data-opt-saved][data-state="empty"]').wait_for()


async def test_workspace_open_loads_a_position(page: Any, screenshot: Any) -> None:
    """What a chat card opens lands in the builder, before and after the tab first loads."""
    await sign_up_in_browser(page, "cards@example.com")
    expirations = await (await page.request.get("/api/options/QQQ/expirations")).json()
    exp = next(e for e in expirations["expirations"] if e["days_to_expiry"] >= 7)["expiration"]
    chain = await (await page.request.get(f"/api/options/QQQ/chain?expiration={exp}")).json()
    spot = chain["underlying_price"]
    strike = min((r["strike"] for r in chain["strikes"]), key=lambda k: abs(k - spot))
    leg = {"symbol": "QQQ", "kind": "call", "strike": strike, "expiration": exp, "quantity": 1}
    detail = {"symbol": "QQQ", "expiration": exp, "position_ids": [],
              "legs": [{**leg, "entry_price": 5.0}]}  # fmt: skip
    fire = """async (detail) => {
        const { workspace } = await import('/static/js/kit/workspace.js');
        workspace.open('options', detail);
    }"""
    # Before the tab's module loaded nobody listens: the bus keeps the detail, shows the tab,
    # and hands the detail over when the tab's module registers.
    assert await page.locator("[data-opt-tab]").count() == 0
    await page.evaluate(fire, detail)
    assert await page.get_by_role("tab", name="Options").get_attribute("aria-selected") == "true"
    await analysis_ready(page, "long_call")
    assert await page.locator("[data-opt-chain]").get_attribute("data-symbol") == "QQQ"
    # Once loaded, the tab's handler takes it at once (opened from the Chart tab, say).
    await page.get_by_role("tab", name="Chart").click()
    put = {**detail, "legs": [{**leg, "kind": "put", "quantity": -2, "entry_price": 4.0}]}
    await page.evaluate(fire, put)
    assert await page.get_by_role("tab", name="Options").get_attribute("aria-selected") == "true"
    await chain_ready(page, exp)
    assert await page.locator("[data-opt-chain]").get_attribute("data-symbol") == "QQQ"
    await analysis_ready(page, "short_put")
    assert await page.locator("[data-opt-builder]").get_attribute("data-leg-count") == "1"
    assert "−" in await stat(page, "max-loss")
    assert (await page.locator("[data-opt-legs] .opt-leg-side").inner_text()).lower() == "sell"
    await screenshot(page, "short-put")
