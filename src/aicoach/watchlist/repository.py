"""Watchlist queries, always scoped to one user."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.watchlist.models import WatchlistItem


class WatchlistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def symbols(self, user_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(WatchlistItem.symbol)
            .where(WatchlistItem.user_id == user_id)
            .order_by(WatchlistItem.position, WatchlistItem.id)
        )
        return list(rows)

    async def add_all(self, user_id: int, symbols: Sequence[str], first_position: int) -> bool:
        """Insert ``symbols`` in order; ``False`` (and nothing inserted) when one is already
        there — a concurrent request added it: the unique constraint decides, in a savepoint,
        so the request's transaction goes on."""
        try:
            async with self.session.begin_nested():
                for i, symbol in enumerate(symbols):
                    self.session.add(
                        WatchlistItem(user_id=user_id, symbol=symbol, position=first_position + i)
                    )
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def remove(self, user_id: int, symbol: str) -> bool:
        result = await self.session.execute(
            delete(WatchlistItem).where(
                WatchlistItem.user_id == user_id, WatchlistItem.symbol == symbol
            )
        )
        return bool(getattr(result, "rowcount", 0))
