"""The journal's route dependencies: its services, built per request from the container (read
through :class:`JournalParts`, the narrow protocol of what the slice uses)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.config import Settings
from aicoach.journal.repository import JournalRepository
from aicoach.journal.service.accounts import AccountService, MappingService
from aicoach.journal.service.analytics import AnalyticsService
from aicoach.journal.service.enrichment import Enricher
from aicoach.journal.service.imports import BACKGROUND_ROWS, MAX_IMPORT_BYTES, ImportService
from aicoach.journal.service.ledger import Ledger
from aicoach.journal.service.trades import TradeService
from aicoach.marketdata.service import MarketDataService
from aicoach.web.deps import SessionDep, container_of
from aicoach.worker.outbox import Outbox

#: The background commit job's name (declared in ``tasks.py``).
COMMIT_JOB = "journal.commit_import"


class JournalParts(Protocol):
    """What the journal reads from the container."""

    @property
    def settings(self) -> Settings: ...
    @property
    def market(self) -> MarketDataService: ...
    @property
    def outbox(self) -> Outbox: ...


def parts(request: Request) -> JournalParts:
    found: JournalParts = container_of(request)
    return found


def enricher(p: JournalParts) -> Enricher:
    return Enricher(p.market, risk_free_rate=p.settings.risk_free_rate)


def import_service(
    session: AsyncSession, p: JournalParts, background_rows: int = BACKGROUND_ROWS
) -> ImportService:
    repo = JournalRepository(session)

    async def background(s: AsyncSession, import_id: int) -> None:
        # An outbox row in the request's own transaction: the job exists if and only if the
        # import was marked committing. One key per import: a retried request adds no second.
        await p.outbox.enqueue(s, COMMIT_JOB, import_id, key=f"{COMMIT_JOB}:{import_id}")

    return ImportService(
        repo, Ledger(repo, enricher(p)), data_dir=p.settings.data_dir, background=background,
        background_rows=background_rows,
    )  # fmt: skip


async def background_rows() -> int:
    """New rows above which a commit runs as a background job (tests override this)."""
    return BACKGROUND_ROWS


async def get_import_service(
    request: Request, session: SessionDep, rows: Annotated[int, Depends(background_rows)]
) -> ImportService:
    return import_service(session, parts(request), rows)


async def get_trade_service(request: Request, session: SessionDep) -> TradeService:
    repo = JournalRepository(session)
    return TradeService(repo, Ledger(repo, enricher(parts(request))))


async def get_account_service(request: Request, session: SessionDep) -> AccountService:
    return AccountService(JournalRepository(session), parts(request).settings.data_dir)


async def get_mapping_service(session: SessionDep) -> MappingService:
    return MappingService(JournalRepository(session))


async def get_analytics_service(session: SessionDep) -> AnalyticsService:
    return AnalyticsService(JournalRepository(session))


async def import_limit() -> int:
    """The largest upload an import takes, in bytes (tests override this dependency)."""
    return MAX_IMPORT_BYTES


ImportsDep = Annotated[ImportService, Depends(get_import_service)]
TradesDep = Annotated[TradeService, Depends(get_trade_service)]
AccountsDep = Annotated[AccountService, Depends(get_account_service)]
MappingsDep = Annotated[MappingService, Depends(get_mapping_service)]
AnalyticsDep = Annotated[AnalyticsService, Depends(get_analytics_service)]
ImportLimitDep = Annotated[int, Depends(import_limit)]
