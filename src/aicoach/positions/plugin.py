"""The positions slice: the trader's saved multi-leg positions and portfolio Greeks."""

from __future__ import annotations

from aicoach.chat.tools.options import get_portfolio_greeks, get_positions
from aicoach.plugin import CardSpec, Manifest
from aicoach.positions import routes

MANIFEST = Manifest(
    name="positions",
    routers=(routes.router,),
    tools=(get_positions, get_portfolio_greeks),
    cards=(
        CardSpec("position_summary", "positions/cards/position_summary.js", tab="options"),
        CardSpec("pnl_tracker", "positions/cards/pnl_tracker.js", tab="options"),
    ),
    models=("aicoach.positions.models",),
)
