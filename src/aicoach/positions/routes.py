"""Positions API: your legs and strategies, and the portfolio's Greeks.

* ``GET/POST /api/positions`` — list legs; create one leg or a strategy ``{legs, label?}``;
* ``GET/PATCH/DELETE /api/positions/{id}`` — one leg (re-recognises its strategy on change);
* ``GET /api/strategies``, ``GET/PATCH/DELETE /api/strategies/{id}`` — legs grouped as opened,
  with the recognised structure (``name``, ``title``) and your ``label``; ``?status=`` open,
  closed or all (the default);
* ``POST /api/strategies/{id}/close`` — close every leg (at your prices, else the current mid):
  records the realized P&L; a second close is a 409. Closed legs are read-only history;
* ``GET /api/portfolio/greeks`` — net delta/gamma/theta/vega per underlying and in total, and
  the delta beta-weighted to SPY (units in :mod:`aicoach.options.core.portfolio`).

Every query is scoped to the caller; another user's ids answer 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Response, status

from aicoach.accounts.deps import CurrentUser
from aicoach.marketdata.deps import MarketDep
from aicoach.options.analysis_schemas import PortfolioGreeksRead
from aicoach.options.deps import AnalysisDep, ChainsDep
from aicoach.positions.repository import PositionRepository
from aicoach.positions.schemas import (
    PositionCreate,
    PositionRead,
    PositionUpdate,
    StrategyClose,
    StrategyRead,
    StrategyUpdate,
)
from aicoach.positions.service import PositionService
from aicoach.web.deps import RowId, SessionDep

router = APIRouter(tags=["positions"])


async def get_position_service(
    session: SessionDep, market: MarketDep, chains: ChainsDep
) -> PositionService:
    return PositionService(PositionRepository(session), market, chains)


ServiceDep = Annotated[PositionService, Depends(get_position_service)]
_422: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid leg; the message starts with the field."}
}


@router.get("/api/positions")
async def list_positions(user: CurrentUser, service: ServiceDep) -> list[PositionRead]:
    return [PositionRead.of(p) for p in await service.repo.positions(user.id)]


@router.post("/api/positions", status_code=status.HTTP_201_CREATED, responses=_422)
async def create_positions(
    body: Annotated[PositionCreate, Body()], user: CurrentUser, service: ServiceDep
) -> StrategyRead:
    """One leg, or a strategy ``{"legs": [...], "label": "..."}``; returns the strategy."""
    return await service.create(user.id, body)


@router.get("/api/positions/{position_id}")
async def get_position(position_id: RowId, user: CurrentUser, service: ServiceDep) -> PositionRead:
    return PositionRead.of(await service.get(user.id, position_id))


@router.patch("/api/positions/{position_id}", responses={**_422, 409: {"description": "Closed."}})
async def update_position(
    position_id: RowId, body: PositionUpdate, user: CurrentUser, service: ServiceDep
) -> PositionRead:
    return PositionRead.of(await service.update(user.id, position_id, body))


@router.delete("/api/positions/{position_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_position(position_id: RowId, user: CurrentUser, service: ServiceDep) -> Response:
    await service.delete(user.id, position_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_409: dict[int | str, dict[str, Any]] = {409: {"description": "The strategy is closed."}}


@router.get("/api/strategies")
async def list_strategies(
    user: CurrentUser,
    service: ServiceDep,
    state: Annotated[
        Literal["open", "closed", "all"],
        Query(alias="status", description="open, closed or all (the default)"),
    ] = "all",
) -> list[StrategyRead]:
    """Your legs grouped as opened together, with the recognised structure; closed ones carry
    ``status: "closed"``, ``closed_at`` and ``realized_pnl``."""
    found = await service.strategies(user.id, include_closed=state != "open")
    return [s for s in found if state == "all" or s.status == state]


@router.get("/api/strategies/{strategy_id}")
async def get_strategy(strategy_id: RowId, user: CurrentUser, service: ServiceDep) -> StrategyRead:
    return await service.get_strategy(user.id, strategy_id)


@router.patch("/api/strategies/{strategy_id}")
async def relabel_strategy(
    strategy_id: RowId, body: StrategyUpdate, user: CurrentUser, service: ServiceDep
) -> StrategyRead:
    return await service.relabel(user.id, strategy_id, body.label)


@router.post("/api/strategies/{strategy_id}/close", responses={**_422, **_409})
async def close_strategy(
    strategy_id: RowId,
    user: CurrentUser,
    service: ServiceDep,
    body: Annotated[StrategyClose | None, Body()] = None,
) -> StrategyRead:
    """Close every leg: ``{"legs": [{"position_id": 12, "close_price": "1.25"}, ...]}`` (legs
    left out close at the current mid; an empty body closes all at the mid). Returns the strategy
    with ``realized_pnl`` in dollars."""
    return await service.close_strategy(user.id, strategy_id, body or StrategyClose())


@router.delete("/api/strategies/{strategy_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_strategy(strategy_id: RowId, user: CurrentUser, service: ServiceDep) -> Response:
    await service.delete_strategy(user.id, strategy_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/portfolio/greeks")
async def portfolio_greeks(
    user: CurrentUser, service: ServiceDep, analysis: AnalysisDep
) -> PortfolioGreeksRead:
    """Net Greeks of your open positions per underlying and in total (dollars), and the delta
    beta-weighted to SPY (SPY shares). Expired legs are left out and named in ``warnings``."""
    result = await service.portfolio(user.id, analysis)
    return PortfolioGreeksRead.model_validate(result.body)
