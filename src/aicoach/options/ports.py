"""What the options slice asks of others, as ports (the composition root plugs in adapters).

``SavedLegs`` is how ``POST /api/options/analyze {"position_ids": [...]}`` reads the trader's
saved legs without the options slice importing the positions slice (positions builds on
options, never the other way round): ``aicoach.positions.service.PositionLegs`` implements it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.options.service import LegSpec


class SavedLegs(Protocol):
    async def leg_specs(
        self, session: AsyncSession, user_id: int, ids: Sequence[int]
    ) -> list[LegSpec]:
        """The user's saved legs with these ids, in id order; raises ``NotFoundError`` naming
        the ids the user has no position for (another user's ids are missing, not forbidden)."""
        ...
