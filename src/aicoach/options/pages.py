"""The Options tab's HTMX partial and its registration in the shell's tab registry.

The partial is static markup wired by ``data-*`` attributes; ``static/js/options/tab.js`` and its
widgets do the rest against the JSON APIs (``/api/options/...``, ``/api/positions``,
``/api/strategies``, ``/api/portfolio/greeks``, ``/api/market/{symbol}/quote``,
``/api/levels/{symbol}``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aicoach.accounts.deps import CurrentUser
from aicoach.plugin import Tab

router = APIRouter(include_in_schema=False)

TAB = Tab(id="options", title="Options", url="/tabs/options", order=20, icon="options")
DEFAULT_SYMBOL = "SPY"


@dataclass(frozen=True, slots=True)
class ChainColumn:
    """An optional chain column: ``key`` names the contract field the JS reads."""

    key: str
    label: str  # column heading
    title: str  # what the heading means, with units (tooltip and screen readers)
    on: bool  # shown until the trader changes it (remembered in localStorage)


CHAIN_COLUMNS: tuple[ChainColumn, ...] = (
    ChainColumn("iv", "IV", "Implied volatility from the mid, %", True),
    ChainColumn("delta", "Δ", "Delta: option price change per $1 move of the underlying", True),
    ChainColumn("gamma", "Γ", "Gamma: delta change per $1 move of the underlying", False),
    ChainColumn("theta_per_day", "Θ", "Theta: $ per share lost per calendar day", False),
    ChainColumn("vega_per_vol_point", "Vega", "Vega: $ per share per +1 IV point", False),
    ChainColumn("open_interest", "OI", "Open interest: contracts open", True),
    ChainColumn("volume", "Vol", "Contracts traded today", False),
)

#: IV shift slider bounds, in vol points (the analysis API accepts -100..500).
IV_SHIFT_POINTS = 20


@router.get("/tabs/options")
async def options_tab(request: Request, _: CurrentUser) -> Response:
    context = {
        "default_symbol": DEFAULT_SYMBOL,
        "columns": CHAIN_COLUMNS,
        "iv_shift_points": IV_SHIFT_POINTS,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "options/_tab.html", context
    )
    return response
