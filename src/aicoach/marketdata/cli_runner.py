"""How a CLI command (``aicoach levels``, ``bars``, ``chain``, ``analyze``) uses market data:
one fresh service for the command's one coroutine, closed afterwards, and our errors printed
for a person instead of a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import typer

from aicoach.config import Settings
from aicoach.errors import AICoachError
from aicoach.marketdata.registry import build_market_data
from aicoach.marketdata.service import MarketDataService

T = TypeVar("T")


def run_with_market(
    make: Callable[[MarketDataService], Coroutine[Any, Any, T]], settings: Settings
) -> T:
    """Run ``make(service)`` on a fresh service and close its provider afterwards; an
    ``AICoachError`` prints ``Error: <message>`` on stderr and exits 1."""

    async def main() -> T:
        market = build_market_data(settings)
        try:
            return await make(market)
        finally:
            await market.provider.aclose()

    try:
        return asyncio.run(main())
    except AICoachError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
