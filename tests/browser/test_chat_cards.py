"""Every card type in a real chat opens its tab on its data, through the workspace bus.

The scripted model calls the real tools, so the cards carry what the tools really send: key
levels and quote open the Chart tab on their symbol (the first click before the Chart tab has
ever loaded, so the bus must keep the symbol until the tab's module registers), the options
chain opens the Options tab on its symbol and expiration, the position and risk graph cards
the saved position's analysis, and the P&L card the Options tab.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.browser.test_chat import api, ask, wait_answered
from tests.chat.chat_helpers import ScriptedLLM, answer, calls, use_llm
from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture
async def scripted(app_factory: Any) -> AsyncIterator[tuple[str, FastAPI]]:
    from tests.helpers.live import live_server

    application: FastAPI = app_factory(chat_rate_limit_per_minute=1000)
    with live_server(application) as url:
        yield url, application


@pytest.fixture
async def cpage(browser: Any, scripted: tuple[str, FastAPI]) -> AsyncIterator[Any]:
    url, _ = scripted
    from tests.helpers.live import browser_page

    async with browser_page(browser, url, timeout_ms=20_000) as pg:
        yield pg


async def saved_spy_call(page: Any) -> tuple[str, int]:
    """Save one SPY call at the money, ≥ 7 days out; returns (expiration, its position id)."""
    listed = await (await page.request.get("/api/options/SPY/expirations")).json()
    exp = next(e for e in listed["expirations"] if e["days_to_expiry"] >= 7)["expiration"]
    chain = await (await page.request.get(f"/api/options/SPY/chain?expiration={exp}")).json()
    spot = chain["underlying_price"]
    strike = min((r["strike"] for r in chain["strikes"]), key=lambda k: abs(k - spot))
    leg = {"symbol": "SPY", "kind": "call", "strike": strike, "expiration": exp,
           "quantity": 1, "entry_price": 5.0}  # fmt: skip
    saved = await api(page, "POST", "/api/positions", {"legs": [leg], "label": "card test"})
    assert saved["status"] == 201, saved
    position_id: int = json.loads(saved["text"])["legs"][0]["id"]
    return exp, position_id


async def selected_tab(page: Any) -> str:
    tab: str = await page.locator('[data-tabs] [role="tab"][aria-selected="true"]').get_attribute(
        "data-tab"
    )
    return tab


async def click_card(page: Any, card_type: str) -> None:
    await page.locator(f".ccard-{card_type} .ccard-body").click()


async def test_each_card_type_opens_its_tab_with_its_data(
    cpage: Any, scripted: tuple[str, FastAPI], screenshot: Any
) -> None:
    page = cpage
    _, application = scripted
    await sign_up_in_browser(page, "cards-user@example.com")
    exp, position_id = await saved_spy_call(page)
    use_llm(
        application,
        ScriptedLLM(
            [
                calls(
                    ("get_key_levels", {"symbol": "QQQ"}),
                    ("get_quote", {"symbol": "IWM"}),
                    ("get_options_chain", {"symbol": "SPY", "expiration": exp}),
                    ("analyze_position", {"position_ids": [position_id]}),
                    ("get_positions", {}),
                ),
                answer("Here is everything."),
            ]
        ),
    )
    await ask(page, "Show me everything")
    await wait_answered(page)
    kinds = ["key_levels", "quote", "options_chain", "position_summary", "risk_graph"]
    for kind in [*kinds, "pnl_tracker"]:
        await page.locator(f".msg-assistant .ccard-{kind}").wait_for()

    # Reopen the conversation on the Options tab: the Chart tab's module has not loaded yet.
    await page.evaluate("location.hash = 'tab=options'")
    await page.reload()
    await page.locator(".msg-assistant .ccard-key_levels").wait_for()
    assert await selected_tab(page) == "options"
    assert await page.locator("[data-chart-tab]").count() == 0

    await click_card(page, "key_levels")
    assert await selected_tab(page) == "chart"
    await page.wait_for_function(
        "() => { const el = document.querySelector('[data-chart]');"
        " return el && el.dataset.state === 'ready' && el.dataset.symbol === 'QQQ'; }"
    )
    await screenshot(page, "key-levels-opened-chart")

    await click_card(page, "quote")  # the Chart tab is listening now
    await page.wait_for_function(
        "() => document.querySelector('[data-chart]').dataset.symbol === 'IWM'"
    )

    await click_card(page, "options_chain")
    assert await selected_tab(page) == "options"
    await page.wait_for_function(
        """(exp) => { const el = document.querySelector('[data-opt-chain]');
            return el && el.dataset.state === 'ready' && el.dataset.symbol === 'SPY'
                && el.dataset.expiration === exp; }""",
        arg=exp,
    )

    await click_card(page, "position_summary")
    await page.wait_for_function(
        """() => { const el = document.querySelector('[data-opt-analysis]');
            return el && el.dataset.state === 'ready' && el.dataset.strategy === 'long_call'; }"""
    )
    assert await page.locator("[data-opt-analysis-src]").inner_text() == "Saved"
    assert f"opos={position_id}" in page.url
    await screenshot(page, "position-opened-options")

    for kind in ("risk_graph", "pnl_tracker"):
        await page.get_by_role("tab", name="Chart").click()
        await click_card(page, kind)
        assert await selected_tab(page) == "options", kind
