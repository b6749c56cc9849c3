"""The per-user watchlist API (rules in :mod:`aicoach.watchlist.service`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from aicoach.accounts.deps import CurrentUser
from aicoach.marketdata.deps import MarketDep
from aicoach.marketdata.service import normalize_symbol
from aicoach.watchlist.repository import WatchlistRepository
from aicoach.watchlist.schemas import WatchlistAdd, WatchlistRead
from aicoach.watchlist.service import WatchlistService
from aicoach.web.deps import SessionDep

router = APIRouter(prefix="/api/watchlist", tags=["watchlist"])
_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown symbol, or not on your watchlist."},
    409: {"description": "Already on your watchlist."},
}


@router.get("")
async def get_watchlist(user: CurrentUser, session: SessionDep) -> WatchlistRead:
    """Your symbols in your order (the defaults until you change the list)."""
    service = WatchlistService(WatchlistRepository(session), user.id)
    return WatchlistRead(symbols=await service.symbols())


@router.post("", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def add_symbol(
    data: WatchlistAdd, user: CurrentUser, session: SessionDep, market: MarketDep
) -> WatchlistRead:
    symbol = (await market.symbol(normalize_symbol(data.symbol))).value.symbol  # 404 if unknown
    service = WatchlistService(WatchlistRepository(session), user.id)
    return WatchlistRead(symbols=await service.add(symbol))


@router.delete("/{symbol}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def remove_symbol(
    symbol: Annotated[str, Path(min_length=1, max_length=20)],
    user: CurrentUser,
    session: SessionDep,
) -> Response:
    service = WatchlistService(WatchlistRepository(session), user.id)
    await service.remove(symbol.strip().upper())
    return Response(status_code=204)
