"""Account jobs: the periodic clean-up of dead sessions and stale log-in throttles."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from sqlalchemy import delete

from aicoach.accounts.models import LoginThrottle
from aicoach.accounts.repository import AccountRepository
from aicoach.kit.orm import utcnow
from aicoach.worker.jobs import JobContext, JobSpec


async def purge_sessions(ctx: JobContext) -> dict[str, int]:
    """Delete expired or revoked sessions and throttles idle for a day; returns the counts."""
    now = utcnow()
    sessions = await AccountRepository(ctx.session).purge_dead_sessions(now)
    result = await ctx.session.execute(
        delete(LoginThrottle).where(LoginThrottle.updated_at < now - timedelta(days=1))
    )
    return {"sessions": sessions, "throttles": int(getattr(result, "rowcount", 0) or 0)}


JOBS = [JobSpec("accounts.purge_sessions", purge_sessions, schedule=crontab(minute="17"))]
