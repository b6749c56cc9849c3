"""The market-data slice: quotes, bars, market status and the exchange calendar."""

from __future__ import annotations

from aicoach.chat.tools.market import get_chart_data, get_market_status, get_quote
from aicoach.marketdata import routes
from aicoach.plugin import CardSpec, Manifest

MANIFEST = Manifest(
    name="marketdata",
    routers=(routes.router,),
    tools=(get_quote, get_chart_data, get_market_status),
    cards=(CardSpec("quote", "marketdata/cards/quote.js", tab="chart"),),
)
