"""The watchlist slice: the trader's symbols, shown beside the chart."""

from __future__ import annotations

from aicoach.plugin import Manifest
from aicoach.watchlist import routes

MANIFEST = Manifest(
    name="watchlist", routers=(routes.router,), models=("aicoach.watchlist.models",)
)
