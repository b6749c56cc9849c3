"""A large import commits in the background job: the commit answers ``committing`` at once, the
job reports its progress as it goes (visible to a poll from another connection), then writes
every row in one transaction; a failure rolls all of it back and says why."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from aicoach.config import Settings
from aicoach.db import transaction
from aicoach.journal import tasks
from aicoach.journal.deps import COMMIT_JOB, background_rows
from aicoach.journal.models import ExecutionRow, JournalImport
from aicoach.journal.service.ledger import Ledger
from aicoach.main import create_app
from aicoach.worker.jobs import JobContext
from aicoach.worker.outbox import OutboxMessage
from tests.factories import signed_up
from tests.helpers.users import UserClient
from tests.journal.api import new_account, tasty_round_trips, trades, upload

PAIRS = 40


@pytest.fixture
def small_threshold(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[background_rows] = lambda: 10
    yield
    app.dependency_overrides.pop(background_rows)


async def _queued(user: UserClient) -> dict[str, Any]:
    account = await new_account(user)
    shown = (await upload(user, account["id"], tasty_round_trips(PAIRS))).json()
    assert shown["rows"]["parsed"] == 2 * PAIRS
    response = await user.post(f"/api/journal/imports/{shown['id']}/commit")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _poll(user: UserClient, import_id: int, within: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        body: dict[str, Any] = (await user.get(f"/api/journal/imports/{import_id}")).json()
        if body["status"] in ("committed", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"the import is still {body['status']} after {within}s")
        await asyncio.sleep(0.05)


async def _executions(app: FastAPI) -> int:
    async with transaction(app.state.container.sessions) as session:
        return int(await session.scalar(select(func.count()).select_from(ExecutionRow)) or 0)


async def test_the_commit_is_queued_then_the_worker_commits_it(settings: Settings) -> None:
    in_process = settings.model_copy(update={"run_jobs_in_process": True})
    application = create_app(in_process)
    application.dependency_overrides[background_rows] = lambda: 10
    async with application.router.lifespan_context(application), signed_up(application) as user:
        account = await new_account(user)
        shown = (await upload(user, account["id"], tasty_round_trips(PAIRS))).json()
        queued = (await user.post(f"/api/journal/imports/{shown['id']}/commit")).json()
        assert queued["status"] == "committing"
        assert queued["progress"]["total"] == 2 * PAIRS
        async with transaction(application.state.container.sessions) as session:
            row = await session.scalar(select(OutboxMessage).where(
                OutboxMessage.key == f"{COMMIT_JOB}:{queued['id']}"))  # fmt: skip
            assert row is not None and row.args == [queued["id"]]
        again = await user.post(f"/api/journal/imports/{queued['id']}/commit")
        assert again.status_code == 409 and "being committed" in again.json()["error"]["message"]
        done = await _poll(user, queued["id"])  # the in-process consumer relays and runs it
        assert done["status"] == "committed", done["error"]
        assert done["added"] == 2 * PAIRS
        assert done["progress"] == {"done": 2 * PAIRS, "total": 2 * PAIRS, "phase": "done"}
        listed = await trades(user)
        assert len(listed) == PAIRS
        assert sum(Decimal(t["realized_net"]) for t in listed) == Decimal("98.72") * PAIRS


async def test_the_job_reports_progress_that_a_poll_sees_while_it_runs(
    app: FastAPI, alice: UserClient, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = await _queued(alice)
    sessions = app.state.container.sessions
    reported: list[tuple[int, int, str]] = []
    seen: list[tuple[int, str]] = []
    write = tasks.ProgressWriter.__call__

    async def recording(self: tasks.ProgressWriter, done: int, total: int, phase: str) -> None:
        await write(self, done, total, phase)
        reported.append((done, total, phase))
        async with transaction(sessions) as other:  # another connection, like the page's poll
            row = await other.get(JournalImport, queued["id"])
            assert row is not None
            seen.append((row.progress_done, row.progress_phase))

    monkeypatch.setattr(tasks.ProgressWriter, "__call__", recording)
    async with transaction(sessions) as session:
        outcome = await tasks.commit_import(JobContext(app.state.container, session), queued["id"])
    assert outcome == "committed"
    phases = [p for _, _, p in reported]
    assert phases[0] == "reading" and phases[-1] == "writing"
    assert {"matching", "enriching"} <= set(phases)
    dones = [d for d, _, _ in reported]
    assert dones == sorted(dones) and dones[-1] < 2 * PAIRS  # the write itself is one step
    assert seen == [(d, p) for d, _, p in reported]
    final = (await alice.get(f"/api/journal/imports/{queued['id']}")).json()
    assert (final["status"], final["progress"]["done"]) == ("committed", 2 * PAIRS)


async def test_a_job_that_fails_mid_write_leaves_nothing_and_says_why(
    app: FastAPI, alice: UserClient, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = await _queued(alice)

    async def broken(self: Ledger, account_id: int, derived: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Ledger, "write", broken)
    async with transaction(app.state.container.sessions) as session:
        outcome = await tasks.commit_import(JobContext(app.state.container, session), queued["id"])
    assert outcome == "failed"
    body = (await alice.get(f"/api/journal/imports/{queued['id']}")).json()
    assert body["status"] == "failed" and "failed unexpectedly" in body["error"]
    assert await _executions(app) == 0 and await trades(alice) == []
    retry = await alice.post(f"/api/journal/imports/{queued['id']}/commit")
    assert retry.status_code == 409 and "Upload the file again" in retry.json()["error"]["message"]


async def test_a_redelivered_job_does_nothing_twice(
    app: FastAPI, alice: UserClient, small_threshold: None
) -> None:
    queued = await _queued(alice)
    for expected in ("committed", "nothing to do"):
        async with transaction(app.state.container.sessions) as session:
            ctx = JobContext(app.state.container, session)
            assert await tasks.commit_import(ctx, queued["id"]) == expected
    assert await _executions(app) == 2 * PAIRS


def test_the_job_is_declared() -> None:
    assert [j.name for j in tasks.JOBS] == [COMMIT_JOB]
    assert tasks.JOBS[0].retries == 0  # a failed commit is marked failed, never re-run
