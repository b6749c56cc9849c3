"""``GET /api/levels/{symbol}``: the payload the coach's ``get_key_levels`` tool returns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from aicoach.web.deps import CurrentUser, LevelsDep

router = APIRouter(prefix="/api/levels", tags=["levels"])

Symbol = Annotated[str, Path(min_length=1, max_length=20, examples=["SPY"])]


@router.get("/{symbol}")
async def key_levels(symbol: Symbol, _: CurrentUser, levels: LevelsDep) -> dict[str, Any]:
    """Current price, nearest support and resistance, ATR, VWAP and every level grouped.

    Distances are level minus price (positive: above), in dollars, percent and ATR multiples;
    ``tests_today`` counts how often price came within the tolerance and whether it held or broke.
    """
    return (await levels.key_levels(symbol)).to_dict()
