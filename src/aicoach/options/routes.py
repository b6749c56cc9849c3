"""Options API: expirations, chains with IV and Greeks, and position analysis.

* ``GET /api/options/{symbol}/expirations`` — listed expirations with days left and cycle;
* ``GET /api/options/{symbol}/chain?expiration=YYYY-MM-DD[&strike_min=&strike_max=]`` — calls
  and puts by strike (shapes and units in :mod:`aicoach.options.schemas`); an expired
  expiration is a 422, one that is not listed a 404, both naming the nearest listed ones;
* ``POST /api/options/analyze`` — ``{"position_ids": [...]}`` (your saved legs) or
  ``{"legs": [...]}``, plus an optional ``scenario``; shapes in
  :mod:`aicoach.options.analysis_schemas`, inputs in :mod:`aicoach.options.service`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from aicoach.accounts.deps import CurrentUser
from aicoach.errors import ValidationFailedError
from aicoach.kit.timebounds import BoundedDate
from aicoach.options.analysis_schemas import (
    AnalysisRead,
    AnalyzeRequest,
    analysis_read,
    leg_specs,
    to_scenario,
)
from aicoach.options.deps import AnalysisDep, ChainsDep, SavedLegsDep
from aicoach.options.schemas import ChainRead, ExpirationRead, ExpirationsRead
from aicoach.web.deps import SessionDep

router = APIRouter(prefix="/api/options", tags=["options"])

Symbol = Annotated[str, Path(min_length=1, max_length=20, examples=["SPY"])]
StrikeBound = Annotated[
    float | None, Query(gt=0, le=10_000_000, allow_inf_nan=False, description="Dollars.")
]
_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "Unknown symbol or expiration (message lists the nearest listed)."},
    422: {"description": "Invalid input or an expired expiration."},
}


@router.get("/{symbol}/expirations", responses=_ERRORS)
async def expirations(symbol: Symbol, _: CurrentUser, chains: ChainsDep) -> ExpirationsRead:
    """Expirations listed now, nearest first, with calendar days and years (ACT/365) left."""
    listed, as_of, stale = await chains.expirations(symbol)
    return ExpirationsRead(
        symbol=symbol.strip().upper(),
        as_of=as_of,
        source=chains.market.source,
        stale=stale,
        expirations=[ExpirationRead.of(e) for e in listed],
    )


@router.get("/{symbol}/chain", response_model=ChainRead, responses=_ERRORS)
async def chain(
    symbol: Symbol,
    _: CurrentUser,
    chains: ChainsDep,
    expiration: Annotated[BoundedDate, Query(description="Expiration session, YYYY-MM-DD.")],
    strike_min: StrikeBound = None,
    strike_max: StrikeBound = None,
) -> Response:
    """Calls and puts by strike: quotes, mid, IV from the mid, Greeks, moneyness.

    Units: prices in dollars per share, IV annual decimal, theta per calendar day, vega per
    +1 IV point; ``r`` and ``q`` continuous annual decimals. Null fields carry
    ``unavailable_reason``.
    """
    if strike_min is not None and strike_max is not None and strike_min > strike_max:
        raise ValidationFailedError("strike_min must not exceed strike_max")
    table = await chains.chain(symbol, expiration)
    key = (table.symbol, table.expiration, table.as_of, table.underlying_price, table.stale,
           table.r, table.q, strike_min, strike_max)  # fmt: skip
    body = chains.rendered.get(key)
    if body is None:
        body = ChainRead.of(table, strike_min, strike_max).model_dump_json().encode()
        chains.remember_rendered(key, body)
    return Response(content=body, media_type="application/json")


@router.post("/analyze", responses=_ERRORS)
async def analyze(
    body: AnalyzeRequest,
    user: CurrentUser,
    session: SessionDep,
    analysis: AnalysisDep,
    saved: SavedLegsDep,
) -> AnalysisRead:
    """P&L now, at expiry and on chosen dates, the date x price grid, Greeks per leg and in
    dollars, max gain/loss, breakevens, probability of profit and the P&L at key levels."""
    if body.position_ids is not None:
        specs = await saved.leg_specs(session, user.id, body.position_ids)
    else:
        specs = leg_specs(body.legs or [])
    outcome = await analysis.analyze(specs, to_scenario(body.scenario, analysis.close_of))
    return analysis_read(outcome)
