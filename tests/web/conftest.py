"""Fixtures of the in-browser JS unit tests (``test_*_js_units.py``); see
``tests/helpers/js_units.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from aicoach.main import create_app
from tests.conftest import make_settings
from tests.helpers.js_units import js_page, serve_static


@pytest.fixture(scope="session")
def static_site() -> Iterator[str]:
    """The static directory on a loopback port, a bare page at ``/``."""
    with serve_static() as url:
        yield url


@pytest.fixture
async def js(browser: Any, static_site: str) -> AsyncIterator[Any]:
    """A fresh Chromium page on ``static_site``; the test fails on any uncaught JS error."""
    async with js_page(browser, static_site, viewport={"width": 900, "height": 700}) as page:
        yield page


@pytest.fixture(scope="session")
def app_card_map(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The card map the app renders into every page (no database: the app is never started)."""
    data = tmp_path_factory.mktemp("card-map")
    app = create_app(make_settings(f"sqlite+aiosqlite:///{data / 'unused.db'}", data))
    card_map: dict[str, dict[str, str]] = app.state.templates.env.globals["card_map"]
    return card_map


INSTALL_CARD_MAP = """(map) => {
    const el = document.createElement('script');
    el.type = 'application/json';
    el.id = 'card-map';
    el.textContent = JSON.stringify(map);
    document.head.append(el);
}"""


@pytest.fixture
async def card_js(js: Any, app_card_map: dict[str, dict[str, str]]) -> Any:
    """``js`` with the app's card map in the page, as base.html renders it."""
    await js.evaluate(INSTALL_CARD_MAP, app_card_map)
    return js
