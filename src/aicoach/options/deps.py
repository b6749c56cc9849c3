"""Dependencies of the options slice: the chain and analysis services, built once per app.

They live in ``AppState.services`` (created on first use), so ``main.py`` needs no wiring and the
chain cache is shared by every request of the process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from aicoach.options.chain import ChainService
from aicoach.options.service import AnalysisService
from aicoach.web.deps import StateDep

_CHAINS = "options.chains"


def get_chain_service(state: StateDep) -> ChainService:
    service = state.services.get(_CHAINS)
    if not isinstance(service, ChainService):
        service = ChainService(state.market, state.settings.risk_free_rate)
        state.services[_CHAINS] = service
    return service


ChainsDep = Annotated[ChainService, Depends(get_chain_service)]


def get_analysis_service(state: StateDep, chains: ChainsDep) -> AnalysisService:
    return AnalysisService(state.market, chains, state.levels, state.settings.risk_free_rate)


AnalysisDep = Annotated[AnalysisService, Depends(get_analysis_service)]
