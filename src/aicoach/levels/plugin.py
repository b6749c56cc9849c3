"""The levels slice: key levels (the pure engine in ``levels/core``) over the market data."""

from __future__ import annotations

from aicoach.levels import routes, skills, tools
from aicoach.plugin import CardSpec, Manifest

MANIFEST = Manifest(
    name="levels",
    routers=(routes.router,),
    tools=tools.TOOLS,
    skills=skills.SKILLS,
    cards=(CardSpec("key_levels", "levels/cards/key_levels.js", tab="chart"),),
)
