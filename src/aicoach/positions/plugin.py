"""The positions slice: the trader's saved multi-leg positions and portfolio Greeks."""

from __future__ import annotations

from aicoach.plugin import CardSpec, Manifest
from aicoach.positions import routes, skills, tools

MANIFEST = Manifest(
    name="positions",
    routers=(routes.router,),
    tools=tools.TOOLS,
    skills=skills.SKILLS,
    cards=(
        CardSpec("position_summary", "positions/cards/position_summary.js", tab="options"),
        CardSpec("pnl_tracker", "positions/cards/pnl_tracker.js", tab="options"),
    ),
    models=("aicoach.positions.models",),
)
