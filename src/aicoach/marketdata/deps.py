"""``MarketDep``: the process-wide market-data service, from the app's container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from aicoach.marketdata.service import MarketDataService
from aicoach.web.deps import container_of


class MarketParts(Protocol):
    @property
    def market(self) -> MarketDataService: ...


async def get_market(request: Request) -> MarketDataService:
    parts: MarketParts = container_of(request)
    return parts.market


MarketDep = Annotated[MarketDataService, Depends(get_market)]
