"""``/api/docs`` works offline: every asset is ours, and Swagger UI renders the operations."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest


async def test_the_docs_page_loads_nothing_from_elsewhere(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/docs")
    assert response.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert urls and all(u.startswith("/static/") for u in urls), urls
    for url in urls:
        assert (await client.get(url)).status_code == 200, url


@pytest.mark.browser
async def test_swagger_ui_lists_the_operations(page: Any, live_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    await page.goto("/api/docs")
    await page.locator(".opblock-summary-path", has_text="/api/levels/{symbol}").first.wait_for()
    assert all(u.startswith(live_url) or u.startswith("data:") for u in requests), requests
