"""The pages under the real Content-Security-Policy in Chromium: sign-up, the shell with every
tab, a coach answer, settings — no refused script, style or connection, no JavaScript error.

(The other browser tests bypass the CSP: Playwright evaluates their string predicates with eval.
This one waits on elements only.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.live import live_server

pytestmark = pytest.mark.browser


@pytest.fixture
def monitored_url(app_factory: Any) -> Iterator[str]:
    """The app with browser monitoring on (the Sentry bundle loads; its tunnel is ours)."""
    with live_server(app_factory(sentry_browser_dsn="http://public@127.0.0.1:9/1")) as url:
        yield url


async def test_the_pages_run_under_the_real_csp(browser: Any, monitored_url: str) -> None:
    context = await browser.new_context(
        base_url=monitored_url, viewport={"width": 1440, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = await context.new_page()
    refused: list[str] = []
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        await page.goto("/login")
        await page.locator("#sentry-config").wait_for(state="attached")
        await page.goto("/signup")
        await page.get_by_label("Email").fill("csp@example.com")
        await page.get_by_label("Password").fill("a long enough passphrase")
        await page.get_by_role("button", name="Create account").click()
        await page.wait_for_url("**/")
        await page.locator(".shell").wait_for()
        await page.locator("[data-chart][data-state=ready]").wait_for()
        tabs = page.locator("[data-tabs] [role=tab]")
        for i in range(await tabs.count()):
            tab = tabs.nth(i)
            await tab.click()
            panel_id = await tab.get_attribute("aria-controls")
            await page.locator(f"#{panel_id}:not([hidden])").wait_for()
            await page.locator(f"#{panel_id} .tabpanel-loading").wait_for(state="detached")
        box = page.get_by_label("Message the coach")
        await box.fill("where are SPY's levels?")
        await box.press("Enter")
        await page.locator(".msg-assistant:not(.is-streaming) .msg-content").first.wait_for()
        # The inline theme script runs (it carries the nonce): a saved light theme applies.
        await page.locator("[data-theme-toggle]").click()
        await page.reload()
        await page.locator("html[data-theme=light]").wait_for(state="attached")
        await page.goto("/settings")
        await page.locator("form[action='/settings/tokens']").wait_for()
    finally:
        await context.close()
    print(f"CSP browser probe: {len(refused)} refusals, {len(errors)} errors")
    assert not refused, refused
    assert not errors, errors
