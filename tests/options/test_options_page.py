"""The Options tab's partial and its place in the shell (the browser journey is in
tests/browser/test_options_tab.py)."""

from __future__ import annotations

import re

import httpx

from aicoach.container import Registries
from aicoach.main import SLICES
from aicoach.options.pages import CHAIN_COLUMNS, TAB
from tests.helpers.users import UserClient


def test_registered_after_the_chart_tab() -> None:
    tabs = [t.id for t in Registries.of(SLICES).tabs]
    assert tabs.index("options") == tabs.index("chart") + 1
    assert (TAB.order, TAB.icon, TAB.url) == (20, "options", "/tabs/options")


async def test_shell_lists_the_tab_and_the_partial_renders(alice: UserClient) -> None:
    shell = await alice.get("/")
    assert 'data-tab="options"' in shell.text and 'data-tab-url="/tabs/options"' in shell.text
    page = await alice.get("/tabs/options")
    assert page.status_code == 200
    html = page.text
    assert "data-opt-tab" in html and 'data-default-symbol="SPY"' in html
    # ECharts is loaded by this partial only, from the vendored copy (cache-busted).
    assert re.search(r'data-echarts-src="/static/vendor/echarts/echarts\.min\.js\?v=\w+"', html)
    assert "echarts" not in shell.text
    for column in CHAIN_COLUMNS:
        checked = f'value="{column.key}" checked' in html
        assert checked is column.on, column.key
    assert 'src="/static/js/options/tab.js?v=' in html


async def test_static_modules_are_served(alice: UserClient) -> None:
    for name in ("tab", "chain", "builder", "risk-graph", "greeks-charts", "position-form",
                 "portfolio", "analysis-view", "charts", "legs"):  # fmt: skip
        res = await alice.get(f"/static/js/options/{name}.js")
        assert res.status_code == 200, name
        assert "javascript" in res.headers["content-type"]
    css = await alice.get("/static/css/options.css")
    assert css.status_code == 200 and ".opt-chain" in css.text


async def test_needs_a_session(client: httpx.AsyncClient) -> None:
    res = await client.get("/tabs/options", headers={"Accept": "application/json"})
    assert res.status_code == 401
