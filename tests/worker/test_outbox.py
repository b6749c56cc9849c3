"""The outbox in one process: writes ride the caller's transaction, the relay hands rows to Huey
(woken at commit), keys run once, lost deliveries come back, failures are settled loudly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from aicoach.config import Settings
from aicoach.container import Container, build_container
from aicoach.db import transaction
from aicoach.kit.orm import utcnow
from aicoach.main import SLICES, container_of, create_app
from aicoach.worker.consumer import Consumer, run_job
from aicoach.worker.outbox import (
    JobRun,
    Outbox,
    OutboxMessage,
    Relay,
    RelayTiming,
    UnknownJobError,
)
from tests.worker import support
from tests.worker.support import EFFECTS, effects, job_runs, outbox_count, outbox_row, wait_until

#: So slow that only a wake-up can explain a prompt hand-off.
NO_POLL = RelayTiming(poll=60.0, redeliver_after=3600.0)


@pytest.fixture
async def worker(settings: Settings) -> AsyncIterator[Container]:
    """A container with the test jobs, on the test database and a fresh Huey SQLite file."""
    container = build_container(settings, slices=(*SLICES, support.MANIFEST))
    await support.create_effects(container.engine)
    try:
        yield container
    finally:
        container.jobs.huey.flush()
        await support.drop_effects(container.engine)
        await container.aclose()


async def _consumer(container: Container, timing: RelayTiming = NO_POLL) -> Consumer:
    consumer = Consumer(container, asyncio.get_running_loop(), workers=2, timing=timing)
    consumer.start()
    return consumer


async def test_a_rolled_back_request_enqueues_nothing(worker: Container) -> None:
    async def failing_request() -> None:
        async with transaction(worker.sessions) as session:
            await session.execute(EFFECTS.insert().values(note="change", pid=0))
            await worker.outbox.enqueue(session, "testjobs.record", "job", key="k-rollback")
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError, match="the request failed"):
        await failing_request()
    assert await outbox_count(worker.engine) == 0
    relay = Relay(worker.engine, worker.sessions, worker.jobs)
    assert await relay.relay_once() == 0
    assert worker.jobs.pending() == 0
    assert await effects(worker.engine, "change") == 0


async def test_enqueue_refuses_unknown_jobs_and_non_json_args(worker: Container) -> None:
    async with transaction(worker.sessions) as session:
        with pytest.raises(UnknownJobError):
            await worker.outbox.enqueue(session, "testjobs.nope")
        with pytest.raises(UnknownJobError):  # scheduled: it runs on its tick
            await worker.outbox.enqueue(session, "accounts.purge_sessions")
        with pytest.raises(TypeError):
            await worker.outbox.enqueue(session, "testjobs.record", object())
        with pytest.raises(ValueError, match="longer than"):
            await worker.outbox.enqueue(session, "testjobs.record", "x", key="k" * 201)
    assert await outbox_count(worker.engine) == 0


async def test_commit_wakes_the_relay_and_the_job_runs_once(worker: Container) -> None:
    consumer = await _consumer(worker)
    try:
        async with transaction(worker.sessions) as session:
            await session.execute(EFFECTS.insert().values(note="change", pid=0))
            key = await worker.outbox.enqueue(session, "testjobs.record", "job")
            # The same key again (a retried request, a second monitor): still one row, one run.
            assert await worker.outbox.enqueue(session, "testjobs.record", "job", key=key) == key
        assert key.startswith("testjobs.record:")

        async def ran() -> bool:
            return await job_runs(worker.engine, key) == 1

        # The relay polls once a minute: a prompt run means the commit woke it.
        await wait_until(ran, "the job to run after the commit woke the relay", seconds=10)
    finally:
        await consumer.aclose()
    assert await effects(worker.engine, "change") == 1
    assert await effects(worker.engine, "job") == 1
    row = await outbox_row(worker.engine, key)
    assert row.relayed_at is not None
    assert row.deliveries == 1
    assert await outbox_count(worker.engine) == 1


async def test_notify_wakes_a_relay_in_another_process(
    worker: Container, settings: Settings
) -> None:
    """PostgreSQL: a writer with no in-process relay (another process's outbox) wakes this one
    through NOTIFY, sent in the writing transaction."""
    if not settings.effective_database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite relays are woken in-process")
    consumer = await _consumer(worker)
    elsewhere = Outbox(worker.jobs.on_demand)  # nobody subscribed: only NOTIFY can wake the relay
    try:
        await wait_until(_listening(worker), "the relay to LISTEN", seconds=10)
        async with transaction(worker.sessions) as session:
            key = await elsewhere.enqueue(session, "testjobs.record", "notified")

        async def ran() -> bool:
            return await job_runs(worker.engine, key) == 1

        await wait_until(ran, "the NOTIFY to wake the relay", seconds=10)
    finally:
        await consumer.aclose()
    assert await effects(worker.engine, "notified") == 1


def _listening(container: Container) -> support.Condition:
    async def check() -> bool:
        async with container.engine.connect() as conn:
            count = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                )
            )
            return bool(count)

    return check


async def test_a_second_delivery_of_a_key_is_a_no_op(worker: Container) -> None:
    async with transaction(worker.sessions) as session:
        key = await worker.outbox.enqueue(session, "testjobs.record", "twice")
    spec = worker.jobs.specs["testjobs.record"]
    await run_job(worker, spec, key, ("twice",), final=True)
    await run_job(worker, spec, key, ("twice",), final=True)  # a re-relay after a crash
    assert await effects(worker.engine, "twice") == 1
    assert await job_runs(worker.engine, key) == 1


async def test_racing_deliveries_commit_once(worker: Container) -> None:
    """Both pass the pre-check; the run record's unique key lets one commit, rolls back the
    other (on SQLite the second waits for the write lock, then finds the key)."""
    spec = worker.jobs.specs["testjobs.record"]
    await asyncio.gather(
        *(run_job(worker, spec, "k-race", ("race",), final=True) for _ in range(3))
    )
    assert await effects(worker.engine, "race") == 1
    assert await job_runs(worker.engine, "k-race") == 1


async def test_a_job_that_fails_its_last_retry_is_settled_with_the_error(
    worker: Container,
) -> None:
    consumer = await _consumer(worker)
    try:
        async with transaction(worker.sessions) as session:
            key = await worker.outbox.enqueue(session, "testjobs.fail", "failing")

        async def settled() -> bool:
            row = await outbox_row(worker.engine, key)
            return row.done_at is not None

        await wait_until(settled, "the failed job to be given up", seconds=20)
    finally:
        await consumer.aclose()
    row = await outbox_row(worker.engine, key)
    assert row.last_error == "RuntimeError: failing failed"
    assert await effects(worker.engine, "failing") == 0  # each attempt rolled back
    assert await job_runs(worker.engine, key) == 0


async def test_the_sweep_redelivers_lost_deliveries_and_settles_the_rest(
    worker: Container,
) -> None:
    timing = RelayTiming(poll=60.0, redeliver_after=60.0, max_deliveries=3)
    relay = Relay(worker.engine, worker.sessions, worker.jobs, timing)
    async with transaction(worker.sessions) as session:
        lost = await worker.outbox.enqueue(session, "testjobs.record", "lost")
        ran = await worker.outbox.enqueue(session, "testjobs.record", "ran")
        hopeless = await worker.outbox.enqueue(session, "testjobs.record", "hopeless")
        fresh = await worker.outbox.enqueue(session, "testjobs.record", "fresh")
    assert await relay.relay_once() == 4
    long_ago = utcnow() - timedelta(minutes=5)
    async with transaction(worker.sessions) as session:
        stale = OutboxMessage.key.in_([lost, ran, hopeless])
        await session.execute(update(OutboxMessage).where(stale).values(relayed_at=long_ago))
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.key == hopeless).values(deliveries=3)
        )
        session.add(JobRun(key=ran, job="testjobs.record"))

    assert await relay.sweep() == 1
    assert (await outbox_row(worker.engine, lost)).relayed_at is None  # due again
    assert (await outbox_row(worker.engine, ran)).done_at is not None
    gave_up = await outbox_row(worker.engine, hopeless)
    assert gave_up.done_at is not None
    assert gave_up.last_error == "gave up: every delivery was lost"
    fresh_row = await outbox_row(worker.engine, fresh)
    assert fresh_row.done_at is None and fresh_row.relayed_at is not None  # not stale yet
    assert await relay.relay_once() == 1
    assert (await outbox_row(worker.engine, lost)).deliveries == 2


async def test_rows_naming_unknown_jobs_are_given_up(worker: Container) -> None:
    async with transaction(worker.sessions) as session:
        session.add(OutboxMessage(job="gone.job", args=[], key="k-gone"))
    relay = Relay(worker.engine, worker.sessions, worker.jobs)
    assert await relay.relay_once() == 0
    row = await outbox_row(worker.engine, "k-gone")
    assert row.done_at is not None
    assert row.last_error == "unknown job"
    assert worker.jobs.pending() == 0


async def test_a_failed_hand_off_leaves_the_row_due(
    worker: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with transaction(worker.sessions) as session:
        first = await worker.outbox.enqueue(session, "testjobs.record", "a")
        second = await worker.outbox.enqueue(session, "testjobs.record", "b")

    def broken(name: str, key: str, args: object) -> None:
        raise ConnectionError("Huey storage is down")

    monkeypatch.setattr(worker.jobs, "hand_off", broken)
    relay = Relay(worker.engine, worker.sessions, worker.jobs)
    assert await relay.relay_once() == 0
    for key in (first, second):
        row = await outbox_row(worker.engine, key)
        assert row.relayed_at is None and row.deliveries == 0
    assert (await outbox_row(worker.engine, first)).last_error == (
        "ConnectionError: Huey storage is down"
    )
    monkeypatch.undo()
    assert await relay.relay_once() == 2
    assert worker.jobs.pending() == 2
    assert (await outbox_row(worker.engine, first)).last_error is None


async def test_serve_consumes_in_process_on_the_apps_container(settings: Settings) -> None:
    """``serve`` on SQLite: the lifespan starts the consumer on the app's loop and container; a
    request's commit wakes its relay; shutting down waits for the consumer."""
    app = create_app(
        settings.model_copy(update={"run_jobs_in_process": True}),
        slices=(*SLICES, support.MANIFEST),
    )
    async with app.router.lifespan_context(app):
        container = container_of(app)
        await support.create_effects(container.engine)
        try:
            async with transaction(container.sessions) as session:
                key = await container.outbox.enqueue(session, "testjobs.record", "served")

            async def ran() -> bool:
                return await job_runs(container.engine, key) == 1

            await wait_until(ran, "the in-process consumer to run the job", seconds=10)
            assert await effects(container.engine, "served") == 1
        finally:
            container.jobs.huey.flush()
            await support.drop_effects(container.engine)
    assert not container.jobs.bound  # the consumer let go of the queue
