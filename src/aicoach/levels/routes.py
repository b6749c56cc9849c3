"""``GET /api/levels/{symbol}``: the payload the coach's ``get_key_levels`` tool returns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from aicoach.accounts.deps import CurrentUser
from aicoach.levels.deps import LevelsDep

router = APIRouter(prefix="/api/levels", tags=["levels"])

Symbol = Annotated[str, Path(min_length=1, max_length=20, examples=["SPY"])]


# The body is the reused report's JSON, encoded once (``LevelsService.key_levels_json``);
# ``response_model`` documents it as FastAPI would a ``dict[str, Any]`` return.
@router.get("/{symbol}", response_model=dict[str, Any])
async def key_levels(symbol: Symbol, _: CurrentUser, levels: LevelsDep) -> Response:
    """Current price, nearest support and resistance, ATR, VWAP and every level grouped.

    Distances are level minus price (positive: above), in dollars, percent and ATR multiples;
    ``tests_today`` counts how often price came within the tolerance and whether it held or broke.
    """
    return Response(await levels.key_levels_json(symbol), media_type="application/json")
