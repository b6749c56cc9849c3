"""A new user in a real browser on the Chart tab: candles, levels, VWAP, search, watchlist,
timeframes, level toggles, theme — on the simulated market (which follows the real calendar, so
on a holiday or weekend the intraday views show the last session with data)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser


async def chart_ready(page: Any, symbol: str, timeframe: str) -> Any:
    chart = page.locator("[data-chart]")
    await page.wait_for_function(
        """([sym, tf]) => {
            const el = document.querySelector('[data-chart]');
            return el && el.dataset.state === 'ready' && el.dataset.symbol === sym
                && el.dataset.tf === tf;
        }""",
        arg=[symbol, timeframe],
    )
    return chart


async def level_count(page: Any) -> int:
    return int(await page.locator("[data-chart]").get_attribute("data-level-count"))


async def test_chart_tab_as_a_new_trader(page: Any, screenshot: Any) -> None:
    await sign_up_in_browser(page, "chartist@example.com")
    tab = page.get_by_role("tab", name="Chart")
    await tab.click()
    chart = await chart_ready(page, "SPY", "5m")
    assert await page.locator("[data-chart-symbol]").inner_text() == "SPY"
    assert await page.locator("[data-chart-sim]").is_visible(), "simulated data must be labelled"
    assert await page.locator("[data-chart-sim]").inner_text() == "SIMULATED DATA" or (
        "simulated" in (await page.locator("[data-chart-sim]").inner_text()).lower()
    )
    assert await page.locator("[data-chart-stale]").is_hidden()
    assert await chart.locator("canvas").count() > 0
    await screenshot(page, "spy-5m")
    legend = await page.locator("[data-chart-legend]").inner_text()
    assert re.search(r"O [\d,]+\.\d\d", legend) and "Vol" in legend
    # Intraday: the VWAP curve is drawn and the legend reports its value (for a regular-session
    # bar: before the open the last bar is a pre-market one, so point at an earlier session).
    box = await chart.bounding_box()
    for step in range(1, 20):
        if "VWAP" in legend:
            break
        await page.mouse.move(box["x"] + box["width"] * step / 20, box["y"] + box["height"] / 2)
        legend = await page.locator("[data-chart-legend]").inner_text()
    await page.mouse.move(box["x"] + 5, box["y"] + 5)
    assert "VWAP" in legend
    # Key levels are drawn and summarised with the nearest support/resistance and the ATR.
    drawn = await level_count(page)
    assert drawn > 5
    summary = page.locator("[data-chart-summary]")
    assert re.search(r"[\d,]+\.\d\d", await summary.locator('[data-stat="support"]').inner_text())
    assert re.search(
        r"[\d,]+\.\d\d", await summary.locator('[data-stat="resistance"]').inner_text()
    )
    assert re.search(r"[\d,]+\.\d\d", await summary.locator('[data-stat="atr"]').inner_text())
    await screenshot(page, "spy-5m")

    # Toggle a level group off and on: the number of price lines follows.
    swing = page.locator('[data-group="swing"]')
    swing_n = int(await swing.locator("[data-group-count]").inner_text() or "0")
    assert swing_n > 0
    await swing.click()
    assert 0 < await level_count(page) < drawn
    await swing.click()
    assert await level_count(page) == drawn
    # Pivots start hidden; keyboard: focus the checkbox and press Space.
    pivots_box = page.locator('[data-group="pivots"] input')
    assert not await pivots_box.is_checked()
    await pivots_box.focus()
    await page.keyboard.press("Space")
    assert await pivots_box.is_checked()
    assert await level_count(page) > drawn
    await screenshot(page, "spy-5m-pivots")
    await pivots_box.press("Space")

    # Timeframes: 1m shows the last session with data; 1d shows a year of daily candles.
    await page.locator('[data-timeframe="1m"]').click()
    await chart_ready(page, "SPY", "1m")
    assert await page.locator('[data-timeframe="1m"]').get_attribute("aria-pressed") == "true"
    assert "tf=1m" in page.url and "sym=SPY" in page.url
    await screenshot(page, "spy-1m")
    await page.locator('[data-timeframe="1d"]').click()
    await chart_ready(page, "SPY", "1d")
    assert "VWAP" not in await page.locator("[data-chart-legend]").inner_text()
    await screenshot(page, "spy-1d")

    # Symbol search: type, pick from the typeahead with the keyboard.
    search = page.get_by_role("combobox", name="Symbol")
    await search.fill("AAP")
    option = page.get_by_role("option").filter(has_text="AAPL").first
    await option.wait_for()
    while await option.get_attribute("aria-selected") != "true":
        await search.press("ArrowDown")
    await search.press("Enter")
    await chart_ready(page, "AAPL", "1d")
    assert await page.locator("[data-chart-symbol]").inner_text() == "AAPL"

    # Watchlist: the defaults are there; click one to switch; remove one; add the current symbol.
    watch = page.locator("[data-chart-watchlist]")
    await watch.get_by_role("button", name="QQQ", exact=True).click()
    await chart_ready(page, "QQQ", "1d")
    assert "sym=QQQ" in page.url
    await watch.get_by_role("button", name="Remove IWM from watchlist").click()
    await watch.get_by_role("button", name="IWM", exact=True).wait_for(state="detached")
    assert "IWM" not in (await (await page.request.get("/api/watchlist")).json())["symbols"]

    await search.fill("MSFT")
    await search.press("Enter")
    await chart_ready(page, "MSFT", "1d")
    await page.locator("[data-chart-watch-add]").click()
    await watch.get_by_role("button", name="MSFT", exact=True).wait_for()
    assert await page.locator("[data-chart-watch-add]").is_hidden()
    assert "MSFT" in (await (await page.request.get("/api/watchlist")).json())["symbols"]
    await screenshot(page, "msft-1d-watchlist")

    # Another part of the app opens the chart on a symbol, through the workspace bus.
    await page.evaluate(
        """async () => {
            const { workspace } = await import('/static/js/kit/workspace.js');
            workspace.open('chart', { symbol: 'nvda' });
        }"""
    )
    await chart_ready(page, "NVDA", "1d")

    # Light theme re-colours the chart; reload remembers symbol and timeframe.
    await page.locator("[data-theme-toggle]").click()
    await page.locator('[data-timeframe="15m"]').click()
    await chart_ready(page, "NVDA", "15m")
    await screenshot(page, "nvda-15m-light")
    await page.reload()
    await chart_ready(page, "NVDA", "15m")


async def test_unknown_symbol_is_reported_and_the_chart_keeps_working(page: Any) -> None:
    await sign_up_in_browser(page, "typo@example.com")
    await page.get_by_role("tab", name="Chart").click()
    await chart_ready(page, "SPY", "5m")
    search = page.get_by_role("combobox", name="Symbol")
    await search.fill("ZZZZ")
    await search.press("Enter")
    toast = page.locator("#toasts [data-toast]").filter(has_text="ZZZZ")
    await toast.wait_for()
    await chart_ready(page, "SPY", "5m")
    assert await page.locator("[data-chart-symbol]").inner_text() == "SPY"
