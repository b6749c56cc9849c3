"""The Chart tab on daily and weekly bars, in a real browser on the simulated market: only the
levels that belong to the timeframe are drawn (no session levels on 1d/1w), their labels never
collide and leave the price axis readable, hovering a level names it in full; and scrolling back
on the daily chart loads older bars, a page at a time, without moving the view, until the data
starts."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser.test_chart_tab import chart_ready
from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser

LABEL_H = 18  # js/charts/chart.js
SESSION_WORDS = ("VWAP", "Opening range", "Pre-market", "Confluence")


async def open_chart(page: Any, timeframe: str) -> Any:
    await sign_up_in_browser(page)
    await page.get_by_role("tab", name="Chart").click()
    await chart_ready(page, "SPY", "5m")
    await page.locator(f'[data-timeframe="{timeframe}"]').click()
    return await chart_ready(page, "SPY", timeframe)


async def labels(page: Any) -> list[dict[str, Any]]:
    await page.wait_for_timeout(100)  # the labels are laid out on the next animation frame
    raw = await page.locator("[data-chart]").get_attribute("data-level-labels")
    out: list[dict[str, Any]] = json.loads(raw or "[]")
    return out


async def drawn_levels(page: Any) -> list[str]:
    names: list[str] = await page.locator("[data-chart-level-list] li").all_inner_texts()
    return names


def assert_no_collisions(found: list[dict[str, Any]], height: float) -> None:
    ys = sorted(lab["y"] for lab in found if lab["y"] >= 0)
    assert ys, "no level label drawn"
    for a, b in itertools.pairwise(ys):
        assert b - a >= LABEL_H, ys  # no two labels within a label height
    on_axis = [lab for lab in found if lab["axis"]]
    assert len(on_axis) * LABEL_H <= height / 2, "level labels would hide the price axis"


async def test_daily_and_weekly_charts_show_their_own_levels(page: Any, screenshot: Any) -> None:
    chart = await open_chart(page, "1d")
    height = (await chart.bounding_box())["height"]
    names = await drawn_levels(page)
    assert names and not [n for n in names if any(w in n for w in SESSION_WORDS)], names
    assert any("Prior day" in n for n in names) and any("Swing" in n for n in names), names
    found = await labels(page)
    assert_no_collisions(found, height)
    # Merged labels say how many levels they stand for; the toggles say what is session-only.
    assert len(found) < len(names)
    assert any("+" in lab["title"] for lab in found), found
    for group in ("vwap", "opening_range", "premarket", "confluence"):
        toggle = page.locator(f'[data-group="{group}"]')
        assert "is-off-tf" in (await toggle.get_attribute("class") or "")
        assert "intraday" in (await toggle.get_attribute("title") or "")
    assert "is-off-tf" not in (await page.locator('[data-group="swing"]').get_attribute("class"))
    await screenshot(page, "spy-1d")

    # Hover a merged label's line: the full names of the levels there.
    merged = next(lab for lab in found if "+" in lab["title"])
    box = await chart.bounding_box()
    await page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + merged["y"])
    tip = page.locator("[data-chart-level-tip]")
    await tip.wait_for()
    rows = await tip.locator("div").all_inner_texts()
    assert len(rows) >= 2 and all(len(r) > 8 for r in rows), rows
    await screenshot(page, "spy-1d-hover")
    await page.mouse.move(box["x"] + 10, box["y"] + 10)

    # Weekly: not even the day's levels (prior day, ATR bands, daily pivots).
    await page.locator('[data-timeframe="1w"]').click()
    await chart_ready(page, "SPY", "1w")
    weekly = await drawn_levels(page)
    assert weekly and not [n for n in weekly if "Prior day" in n or "ATR" in n or " daily " in n]
    assert not [n for n in weekly if any(w in n for w in SESSION_WORDS)]
    assert_no_collisions(await labels(page), height)
    await screenshot(page, "spy-1w")

    # Back on an intraday chart the session levels return, still without collisions.
    await page.locator('[data-timeframe="5m"]').click()
    await chart_ready(page, "SPY", "5m")
    intraday = await drawn_levels(page)
    assert any("Confluence" in n or "Opening range" in n for n in intraday), intraday
    assert "is-off-tf" not in (await page.locator('[data-group="vwap"]').get_attribute("class"))
    assert_no_collisions(await labels(page), height)
    await screenshot(page, "spy-5m")


async def test_scrolling_back_loads_more_daily_bars(page: Any, screenshot: Any) -> None:
    chart = await open_chart(page, "1d")
    first_count = int(await chart.get_attribute("data-bar-count"))
    first_bar = await chart.get_attribute("data-first-bar")
    assert await chart.get_attribute("data-history") == "more"
    box = await chart.bounding_box()
    y = box["y"] + box["height"] * 0.4

    async def drag_back() -> None:
        await page.mouse.move(box["x"] + 60, y)
        await page.mouse.down()
        await page.mouse.move(box["x"] + box["width"] - 120, y, steps=12)
        await page.mouse.up()
        await page.wait_for_function(
            "() => document.querySelector('[data-chart]').dataset.history !== 'loading'"
        )

    await drag_back()
    await page.wait_for_function(
        "(n) => Number(document.querySelector('[data-chart]').dataset.barCount) > n",
        arg=first_count,
    )
    assert await chart.get_attribute("data-first-bar") < first_bar
    prepend = json.loads(await chart.get_attribute("data-last-prepend"))
    assert prepend["added"] > 200  # a page of daily bars
    assert prepend["before"] == prepend["after"], "the view jumped when older bars came in"
    await screenshot(page, "after-first-page")

    # Keep going: page after page until the data starts (the simulated market's first session).
    now = datetime.now(UTC)
    start = (now - timedelta(days=12 * 366)).isoformat()
    everything = await (
        await page.request.get(
            "/api/market/SPY/bars",
            params={
                "timeframe": "1d",
                "start": start,
                "end": (now + timedelta(days=2)).isoformat(),
            },
        )
    ).json()
    earliest = datetime.fromtimestamp(everything["bars"][0]["time"], UTC).date().isoformat()
    for _ in range(60):
        if await chart.get_attribute("data-history") == "start":
            break
        await drag_back()
    assert await chart.get_attribute("data-history") == "start"
    assert await chart.get_attribute("data-first-bar") == earliest
    count = int(await chart.get_attribute("data-bar-count"))
    await drag_back()  # nothing more is asked for
    assert int(await chart.get_attribute("data-bar-count")) == count
    await screenshot(page, "at-the-start")
