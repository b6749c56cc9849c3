"""The production layout (``deploy/``) on loopback: real nginx in front of two ``aicoach serve``
instances and an ``aicoach worker`` on PostgreSQL and Redis.

A trader signs up and talks to the coach through nginx in a real browser; both instances serve
the session (it lives in the database, so either one knows the trader); the streamed answer
arrives through nginx; when one instance is killed, nginx sends the trader's reads to the other
with no error; SIGTERM lets an instance finish what it is serving and exit cleanly.

Runs once, in the SQLite pass of ``make test``, on a PostgreSQL database of its own.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.browser.test_chat import ask, wait_answered
from tests.factories import sign_up_in_browser
from tests.helpers.layout import Layout, production_layout
from tests.helpers.live import browser_page
from tests.helpers.users import login_user, signup_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Layout]:
    """One layout for the module (it takes a while to start); a test that stops an instance
    starts it again."""
    with production_layout(tmp_path_factory.mktemp("layout")) as running:
        yield running


async def test_a_trader_uses_the_app_through_nginx_on_two_instances(
    layout: Layout, browser: Any, screenshot: Any
) -> None:
    async with browser_page(browser, layout.url, timeout_ms=40_000) as page:
        email = await sign_up_in_browser(page)
        await ask(page, "what does theta mean?")
        await wait_answered(page)
        text = await page.locator(".msg-assistant .msg-content").last.inner_text()
        assert "theta" in text.lower()
        await page.reload()
        await page.locator(".msg-assistant").first.wait_for()
        await screenshot(page, "through-nginx")
    for _ in range(10):  # a few more page loads, so the balancer spreads them
        async with httpx.AsyncClient(base_url=layout.url) as http:
            assert (await http.get("/login")).status_code == 200
    served = [instance.served("/login") + instance.served("/") for instance in layout.web]
    assert all(n > 0 for n in served), f"requests per instance: {served}"

    # One session, either instance: log in through nginx, then ask each instance directly.
    async with httpx.AsyncClient(base_url=layout.url) as http:
        assert (await login_user(http, email, PASSWORD)).status_code == 303
        cookies = dict(http.cookies)
    for instance in layout.web:
        async with httpx.AsyncClient(base_url=instance.url, cookies=cookies) as direct:
            me = await direct.get("/api/me")
            assert me.status_code == 200 and me.json()["email"] == email, instance.name


async def test_a_killed_instance_costs_the_trader_no_read(layout: Layout) -> None:
    async with httpx.AsyncClient(base_url=layout.url) as http:
        await signup_user(http, "survivor@example.com", PASSWORD)
        layout.kill(layout.web[0], signal.SIGKILL)
        try:
            codes = [(await http.get("/api/me")).status_code for _ in range(20)]
            codes += [(await http.get("/api/levels/SPY")).status_code for _ in range(5)]
        finally:
            layout.start(layout.web[0])
            await asyncio.to_thread(layout.wait_ready, layout.web[0])
    assert codes == [200] * 25, codes


async def test_sigterm_finishes_the_request_in_flight_then_exits(layout: Layout) -> None:
    """A deploy restarts instances with SIGTERM: the answer being served completes."""
    victim = layout.web[1]
    async with httpx.AsyncClient(base_url=victim.url, timeout=60) as http:
        await signup_user(http, "deploy@example.com", PASSWORD)
        # A heavy read (two weeks of 1-minute bars) in flight while SIGTERM lands.
        start = (datetime.now(UTC) - timedelta(days=14)).isoformat()
        pending = asyncio.create_task(
            http.get("/api/market/SPY/bars", params={"timeframe": "1m", "start": start})
        )
        await asyncio.sleep(0.05)
        assert victim.process is not None
        victim.process.send_signal(signal.SIGTERM)
        response = await pending
        code = await asyncio.to_thread(victim.process.wait, 60)
    layout.start(victim)
    await asyncio.to_thread(layout.wait_ready, victim)
    assert response.status_code == 200, response.text[:300]
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status says SIGTERM.
    assert code in (0, -signal.SIGTERM)
    assert "Application shutdown complete." in victim.log.read_text()
