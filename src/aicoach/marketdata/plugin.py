"""The market-data slice: quotes, bars, market status and the exchange calendar."""

from __future__ import annotations

from aicoach.marketdata import routes, tools
from aicoach.plugin import CardSpec, Manifest

MANIFEST = Manifest(
    name="marketdata",
    routers=(routes.router,),
    tools=tools.TOOLS,  # their skills are the Chart tab's (charts/skills.py)
    cards=(CardSpec("quote", "marketdata/cards/quote.js", tab="chart"),),
)
