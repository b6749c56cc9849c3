"""Queries for positions and strategies, always scoped by the owner's ``user_id``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.positions.models import Position, Strategy


class PositionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def positions(self, user_id: int, *, open_only: bool = False) -> list[Position]:
        query = select(Position).where(Position.user_id == user_id)
        if open_only:
            query = query.where(Position.closed_at.is_(None))
        rows = await self.session.scalars(query.order_by(Position.id))
        return list(rows)

    async def position(self, user_id: int, position_id: int) -> Position | None:
        return await self.session.scalar(
            select(Position).where(Position.user_id == user_id, Position.id == position_id)
        )

    async def positions_by_ids(self, user_id: int, ids: Sequence[int]) -> list[Position]:
        """The caller's positions among ``ids``, in the order of ``ids`` (missing ones left out)."""
        rows = await self.session.scalars(
            select(Position).where(Position.user_id == user_id, Position.id.in_(list(ids)))
        )
        found = {p.id: p for p in rows}
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    async def strategies(self, user_id: int, *, open_only: bool = False) -> list[Strategy]:
        query = select(Strategy).where(Strategy.user_id == user_id)
        if open_only:
            query = query.where(Strategy.closed_at.is_(None))
        rows = await self.session.scalars(query.order_by(Strategy.id))
        return list(rows)

    async def strategy(self, user_id: int, strategy_id: int) -> Strategy | None:
        return await self.session.scalar(
            select(Strategy).where(Strategy.user_id == user_id, Strategy.id == strategy_id)
        )

    async def legs_of(self, strategy_id: int) -> list[Position]:
        rows = await self.session.scalars(
            select(Position).where(Position.strategy_id == strategy_id).order_by(Position.id)
        )
        return list(rows)

    async def count_legs(self, strategy_id: int) -> int:
        n = await self.session.scalar(
            select(func.count()).select_from(Position).where(Position.strategy_id == strategy_id)
        )
        return int(n or 0)

    async def add(self, row: Strategy | Position) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, row: Strategy | Position) -> None:
        await self.session.delete(row)
        await self.session.flush()
