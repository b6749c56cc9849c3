"""Dependencies of the options slice: the chain and analysis services, built once per app by
the composition root (``aicoach.container``) and shared by every request, job and coach tool of
the process (so the chain cache is one)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from aicoach.options.chain import ChainService
from aicoach.options.ports import SavedLegs
from aicoach.options.service import AnalysisService
from aicoach.web.deps import container_of


class OptionsParts(Protocol):
    @property
    def chains(self) -> ChainService: ...
    @property
    def analysis(self) -> AnalysisService: ...
    @property
    def saved_legs(self) -> SavedLegs: ...


# async and reading the container directly: a sync dependency costs a thread hop per request,
# which shows at 100 concurrent chain reads.
async def _chains_dep(request: Request) -> ChainService:
    parts: OptionsParts = container_of(request)
    return parts.chains


ChainsDep = Annotated[ChainService, Depends(_chains_dep)]


async def _analysis_dep(request: Request) -> AnalysisService:
    parts: OptionsParts = container_of(request)
    return parts.analysis


AnalysisDep = Annotated[AnalysisService, Depends(_analysis_dep)]


async def _saved_legs_dep(request: Request) -> SavedLegs:
    parts: OptionsParts = container_of(request)
    return parts.saved_legs


SavedLegsDep = Annotated[SavedLegs, Depends(_saved_legs_dep)]
