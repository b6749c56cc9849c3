"""The per-user watchlist. A new account starts with the index ETFs and a few large names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from aicoach.accounts.deps import CurrentUser
from aicoach.errors import ConflictError, NotFoundError, ValidationFailedError
from aicoach.marketdata.deps import MarketDep
from aicoach.marketdata.service import normalize_symbol
from aicoach.watchlist.models import WatchlistItem
from aicoach.web.deps import SessionDep

router = APIRouter(prefix="/api/watchlist", tags=["watchlist"])

DEFAULT_SYMBOLS = ("SPY", "QQQ", "IWM", "AAPL", "NVDA", "TSLA")
MAX_ITEMS = 100


class WatchlistAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(min_length=1, max_length=20)


class WatchlistRead(BaseModel):
    symbols: list[str]


async def _symbols(session: SessionDep, user_id: int) -> list[str]:
    rows = await session.scalars(
        select(WatchlistItem.symbol)
        .where(WatchlistItem.user_id == user_id)
        .order_by(WatchlistItem.position, WatchlistItem.id)
    )
    return list(rows)


@router.get("")
async def get_watchlist(user: CurrentUser, session: SessionDep) -> WatchlistRead:
    symbols = await _symbols(session, user.id)
    if not symbols:  # a new (or emptied) watchlist starts from the defaults
        for i, sym in enumerate(DEFAULT_SYMBOLS):
            session.add(WatchlistItem(user_id=user.id, symbol=sym, position=i))
        await session.flush()
        symbols = list(DEFAULT_SYMBOLS)
    return WatchlistRead(symbols=symbols)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_symbol(
    data: WatchlistAdd, user: CurrentUser, session: SessionDep, market: MarketDep
) -> WatchlistRead:
    symbol = (await market.symbol(normalize_symbol(data.symbol))).value.symbol  # 404 if unknown
    await get_watchlist(user, session)
    symbols = await _symbols(session, user.id)
    if symbol in symbols:
        raise ConflictError(f"{symbol} is already on your watchlist.")
    if len(symbols) >= MAX_ITEMS:
        raise ValidationFailedError(f"A watchlist holds at most {MAX_ITEMS} symbols.")
    session.add(WatchlistItem(user_id=user.id, symbol=symbol, position=len(symbols)))
    await session.flush()
    return WatchlistRead(symbols=[*symbols, symbol])


@router.delete("/{symbol}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_symbol(
    symbol: Annotated[str, Path(min_length=1, max_length=20)],
    user: CurrentUser,
    session: SessionDep,
) -> Response:
    item = await session.scalar(
        select(WatchlistItem).where(
            WatchlistItem.user_id == user.id, WatchlistItem.symbol == symbol.strip().upper()
        )
    )
    if item is None:
        raise NotFoundError(f"{symbol.strip().upper()} is not on your watchlist.")
    await session.delete(item)
    return Response(status_code=204)
