"""The levels slice: key levels (the pure engine in ``levels/core``) over the market data."""

from __future__ import annotations

from aicoach.chat.tools.market import get_key_levels
from aicoach.levels import routes
from aicoach.plugin import CardSpec, Manifest

MANIFEST = Manifest(
    name="levels",
    routers=(routes.router,),
    tools=(get_key_levels,),
    cards=(CardSpec("key_levels", "levels/cards/key_levels.js", tab="chart"),),
)
