"""The journal's background job: the commit of a large import (``journal.commit_import``).

The request that commits a file of more than ``BACKGROUND_ROWS`` new rows marks the import
``committing`` and writes this job's outbox row in the same transaction (``aicoach.worker``:
relayed to Huey, run at most once per import). The job parses, matches and
enriches before its write transaction — reporting progress in short transactions of their own
(on a separate connection, so the page polling the import sees it) — then writes every row in
the job's one transaction. A failure rolls all of it back and marks the import ``failed`` with
the reason; the job is not retried (the trader uploads again, and nothing was half-written).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aicoach.db import transaction
from aicoach.errors import AICoachError
from aicoach.journal.deps import COMMIT_JOB
from aicoach.journal.repository import JournalRepository
from aicoach.journal.service.enrichment import Enricher
from aicoach.journal.service.imports import ImportService
from aicoach.journal.service.ledger import Ledger
from aicoach.observability.sentry import capture_exception
from aicoach.worker.jobs import JobContext, JobSpec

log = logging.getLogger(__name__)


class ProgressWriter:
    """Writes an import's progress in a transaction of its own, so polls see it at once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], import_id: int) -> None:
        self.sessions = sessions
        self.import_id = import_id
        self.last: tuple[int, str] | None = None

    async def __call__(self, done: int, total: int, phase: str) -> None:
        if self.last == (done, phase):
            return
        self.last = (done, phase)
        async with transaction(self.sessions) as session:
            await JournalRepository(session).set_import(
                self.import_id, progress_done=done, progress_total=total, progress_phase=phase
            )


async def commit_import(ctx: JobContext, import_id: int) -> str:
    """Commit import ``import_id`` (module docstring); returns what happened."""
    repo = JournalRepository(ctx.session)
    container = ctx.container
    enricher = Enricher(container.market, risk_free_rate=ctx.settings.risk_free_rate)
    service = ImportService(repo, Ledger(repo, enricher), data_dir=ctx.settings.data_dir)
    progress = ProgressWriter(container.sessions, import_id)
    try:
        done = await service.run_background(import_id, progress)
    except Exception as exc:
        await ctx.session.rollback()  # nothing of the commit stays
        if isinstance(exc, AICoachError):
            reason = exc.message
            log.warning("journal import %s failed: %s", import_id, reason)
        else:
            capture_exception(exc, job=COMMIT_JOB, import_id=import_id)
            reason = "the commit failed unexpectedly; the error was reported"
        await repo.set_import(import_id, status="failed", error=reason[:2000],
                              progress_phase="failed")  # fmt: skip
        return "failed"
    return "committed" if done else "nothing to do"


JOBS = [JobSpec(COMMIT_JOB, commit_import, retries=0)]
