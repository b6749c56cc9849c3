"""``LevelsDep``: the process-wide levels service, from the app's container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from aicoach.levels.service import LevelsService
from aicoach.web.deps import container_of


class LevelsParts(Protocol):
    @property
    def levels(self) -> LevelsService: ...


async def get_levels(request: Request) -> LevelsService:
    parts: LevelsParts = container_of(request)
    return parts.levels


LevelsDep = Annotated[LevelsService, Depends(get_levels)]
