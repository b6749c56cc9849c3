"""Work that must wait for the transaction to land: deleting stored uploads the committed rows
no longer need (a rolled-back commit still needs its file, and keeps it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once, right after ``session``'s next commit (never after a rollback:
    the listener then waits for a commit that in a request's session never comes). It runs on
    the committing thread inside the commit call: keep it small (unlinking a file)."""

    def fire(_session: Any) -> None:
        callback()

    event.listen(session.sync_session, "after_commit", fire, once=True)
