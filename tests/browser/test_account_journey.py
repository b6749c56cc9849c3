"""A new user in a real browser: sign up, land in the shell, log out, log in, settings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser


async def test_sign_up_land_in_shell_log_out_log_in(page: Any, screenshot: Any) -> None:
    await page.goto("/")
    assert page.url.endswith("/login")
    await page.get_by_role("link", name="Create an account").click()
    await page.get_by_label("Email").fill("trader@example.com")
    await page.get_by_label("Password").fill("short")
    await page.get_by_role("button", name="Create account").click()
    assert "at least 10 characters" in await page.get_by_test_id("form-error").inner_text()
    await page.get_by_label("Password").fill("a long enough passphrase")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url("**/")
    await page.locator(".shell").wait_for()
    await screenshot(page, "shell")
    assert await page.get_by_role("link", name="Admin").is_visible()  # the first account is admin

    await page.get_by_role("button", name="Log out").click()
    await page.wait_for_url("**/login")
    await page.get_by_label("Email").fill("trader@example.com")
    await page.get_by_label("Password").fill("wrong passphrase here")
    await page.get_by_role("button", name="Log in").click()
    assert "Email or password is incorrect." in await page.get_by_test_id("form-error").inner_text()
    await page.get_by_label("Password").fill("a long enough passphrase")
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url("**/")
    await page.locator(".shell").wait_for()


async def test_settings_token_and_theme(page: Any, screenshot: Any) -> None:
    await sign_up_in_browser(page, "t2@example.com")
    await page.goto("/settings")
    await page.get_by_label("Name", exact=True).fill("laptop script")
    await page.get_by_role("button", name="Create token").click()
    token = await page.locator("#new-token-value").inner_text()
    assert token.startswith("aic_")
    await page.reload()
    assert await page.locator("#new-token-value").count() == 0
    assert "laptop script" in await page.get_by_test_id("tokens").inner_text()
    await page.locator("[data-theme-toggle]").click()
    assert await page.evaluate("document.documentElement.dataset.theme") == "light"
    await screenshot(page, "settings-light")
