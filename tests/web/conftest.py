"""Fixtures of the in-browser JS unit tests (``test_*_js_units.py``); see
``tests/helpers/js_units.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

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
