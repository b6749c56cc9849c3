"""Dependencies of the options slice: the chain and analysis services, built once per app.

They live in ``AppState.services`` (created on first use), so ``main.py`` needs no wiring and the
chain cache is shared by every request, job and coach tool of the process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aicoach.options.chain import ChainService
from aicoach.options.service import AnalysisService
from aicoach.web.state import AppState

_CHAINS = "options.chains"


def get_chain_service(state: AppState) -> ChainService:
    """The process-wide :class:`ChainService` (for code holding the app state: tools, jobs)."""
    service = state.services.get(_CHAINS)
    if not isinstance(service, ChainService):
        service = ChainService(state.market, state.settings.risk_free_rate)
        state.services[_CHAINS] = service
    return service


async def _chains_dep(request: Request) -> ChainService:
    # async and reading the app state directly: a sync dependency costs a thread hop per
    # request, which shows at 100 concurrent chain reads.
    state: AppState = request.app.state.aicoach
    return get_chain_service(state)


ChainsDep = Annotated[ChainService, Depends(_chains_dep)]


async def _analysis_dep(request: Request, chains: ChainsDep) -> AnalysisService:
    state: AppState = request.app.state.aicoach
    return AnalysisService(state.market, chains, state.levels, state.settings.risk_free_rate)


AnalysisDep = Annotated[AnalysisService, Depends(_analysis_dep)]
