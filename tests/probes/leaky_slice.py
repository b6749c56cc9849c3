"""A slice with the bug the cross-user probe exists for: a read that forgets the owner. Plugged
in only by the probe's own test, to prove the probe fails when it should."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from aicoach.accounts.deps import CurrentUser
from aicoach.errors import NotFoundError
from aicoach.plugin import Manifest
from aicoach.positions.models import Position
from aicoach.web.deps import RowId, SessionDep

router = APIRouter(prefix="/api/leaky")


@router.get("/positions/{position_id}")
async def anyones_position(position_id: RowId, user: CurrentUser, session: SessionDep) -> Any:
    position = await session.get(Position, position_id)  # the bug: no ``user_id`` check
    if position is None:
        raise NotFoundError("No such position.")
    return {"id": position.id, "notes": position.notes}


@router.get("/unseeded/{widget_id}")
async def widget(widget_id: RowId, user: CurrentUser) -> Any:
    raise NotFoundError("No such widget.")


LEAKY = Manifest(name="leaky", routers=(router,))
