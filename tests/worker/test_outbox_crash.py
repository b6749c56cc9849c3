"""A crash loses nothing and fires nothing twice — with real processes, killed with SIGKILL.

Each test kills a child process at one of the outbox's dangerous moments (see
``tests/worker/crash_child.py``), then starts a fresh ``aicoach worker`` process and checks the
job ran exactly once: one row it wrote, one ``job_runs`` row, nothing left in Huey. Runs on
SQLite and on PostgreSQL (the ``settings`` fixture); Huey's queue is a SQLite file in the test's
data folder in both cases, so other checkouts sharing Redis cannot take these tasks.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from huey import Huey
from sqlalchemy.ext.asyncio import AsyncEngine

from aicoach.config import Settings
from aicoach.db import create_engine, session_factory, transaction
from aicoach.worker.jobs import build_huey
from aicoach.worker.outbox import Outbox
from tests.worker import support
from tests.worker.support import CRASH_IN_JOB, effects, job_runs, outbox_row, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: Generous: a child imports the whole app first, on a machine other test runs share.
CHILD_SECONDS = 120.0


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    await support.create_effects(engine)
    try:
        yield engine
    finally:
        await support.drop_effects(engine)
        await engine.dispose()


@pytest.fixture
def huey(settings: Settings) -> Huey:
    """The children's queue, read from here (the same SQLite file)."""
    return build_huey(settings)


def _spawn(
    scenario: str, settings: Settings, key: str, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    args = [settings.effective_database_url, str(settings.data_dir), key]
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.worker.crash_child", scenario, *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


async def _exit_code(child: subprocess.Popen[bytes], log: Path) -> int:
    try:
        return await asyncio.to_thread(child.wait, CHILD_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise AssertionError(f"child did not exit:\n{_text(log)}") from None


async def _write_row(engine: AsyncEngine, key: str) -> None:
    """A request elsewhere: the change and its outbox row, committed together."""
    async with transaction(session_factory(engine)) as session:
        await session.execute(support.EFFECTS.insert().values(note="change", pid=0))
        await Outbox({"testjobs.record"}).enqueue(session, "testjobs.record", "job", key=key)


async def _consume_until_settled(
    settings: Settings, engine: AsyncEngine, huey: Huey, key: str, log: Path, *, done: bool = False
) -> str:
    """Run a fresh consumer until the key ran, its row is relayed (``done``: and settled by the
    sweep) and Huey is empty, stop it gracefully (running tasks finish), return its log."""
    child = _spawn("consume", settings, key, log)
    try:

        async def settled() -> bool:
            if child.poll() is not None:
                raise AssertionError(f"the consumer died:\n{_text(log)}")
            row = await outbox_row(engine, key)
            return (
                await job_runs(engine, key) == 1
                and row.relayed_at is not None
                and (row.done_at is not None or not done)
                and huey.pending_count() == 0
            )

        await wait_until(settled, "the fresh consumer to run the job", seconds=CHILD_SECONDS)
        child.send_signal(signal.SIGINT)  # Huey's graceful stop
        assert await _exit_code(child, log) == 0, _text(log)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return _text(log)


async def _assert_ran_once(engine: AsyncEngine, huey: Huey, key: str) -> None:
    assert await effects(engine, "change") == 1
    assert await effects(engine, "job") == 1
    assert await job_runs(engine, key) == 1
    assert huey.pending_count() == 0
    assert huey.scheduled_count() == 0


async def test_a_request_killed_right_after_its_commit_loses_nothing(
    settings: Settings, engine: AsyncEngine, huey: Huey, tmp_path: Path
) -> None:
    key = "crash:after-commit"
    writer_log = tmp_path / "writer.log"
    writer = _spawn("commit-then-die", settings, key, writer_log)
    assert await _exit_code(writer, writer_log) == -signal.SIGKILL, _text(writer_log)

    row = await outbox_row(engine, key)
    assert row is not None, _text(writer_log)  # committed with the change...
    assert row.relayed_at is None  # ...and never relayed: the process died first
    assert await effects(engine, "change") == 1
    assert await effects(engine, "job") == 0
    assert huey.pending_count() == 0

    await _consume_until_settled(settings, engine, huey, key, tmp_path / "consumer.log")
    await _assert_ran_once(engine, huey, key)
    assert (await outbox_row(engine, key)).deliveries == 1


async def test_a_relay_killed_between_hand_off_and_commit_runs_the_job_once(
    settings: Settings, engine: AsyncEngine, huey: Huey, tmp_path: Path
) -> None:
    key = "crash:after-hand-off"
    await _write_row(engine, key)
    relay_log = tmp_path / "relay.log"
    relay = _spawn("relay-then-die", settings, key, relay_log)
    assert await _exit_code(relay, relay_log) == -signal.SIGKILL, _text(relay_log)

    row = await outbox_row(engine, key)
    assert row.relayed_at is None and row.deliveries == 0  # its commit never happened...
    assert huey.pending_count() == 1, _text(relay_log)  # ...but Huey holds the task
    assert await effects(engine, "job") == 0

    log = await _consume_until_settled(settings, engine, huey, key, tmp_path / "consumer.log")
    await _assert_ran_once(engine, huey, key)
    assert (await outbox_row(engine, key)).deliveries == 1  # relayed again, committed this time
    # Two deliveries of one key reached the jobs: one ran, the other was a no-op.
    assert "duplicate delivery skipped" in log or "ran concurrently elsewhere" in log, log


async def test_a_consumer_killed_mid_job_redelivers_and_runs_the_job_once(
    settings: Settings, engine: AsyncEngine, huey: Huey, tmp_path: Path
) -> None:
    key = "crash:mid-job"
    await _write_row(engine, key)
    first_log = tmp_path / "first-consumer.log"
    first = _spawn("consume", settings, key, first_log, env={CRASH_IN_JOB: "job"})
    assert await _exit_code(first, first_log) == -signal.SIGKILL, _text(first_log)

    row = await outbox_row(engine, key)
    assert row.relayed_at is not None and row.deliveries == 1  # handed off and committed...
    assert huey.pending_count() == 0  # ...taken by the worker that died with it: lost
    assert await effects(engine, "job") == 0  # the job's write died uncommitted
    assert await job_runs(engine, key) == 0

    await _consume_until_settled(settings, engine, huey, key, tmp_path / "consumer.log", done=True)
    await _assert_ran_once(engine, huey, key)
    row = await outbox_row(engine, key)
    assert row.deliveries == 2  # the sweep found the lost delivery and handed it off again
    assert row.done_at is not None  # and, once the run record was there, settled the row


async def test_a_rolled_back_request_leaves_nothing_for_a_consumer(
    settings: Settings, engine: AsyncEngine, huey: Huey
) -> None:
    async def failing_request() -> None:
        async with transaction(session_factory(engine)) as session:
            await session.execute(support.EFFECTS.insert().values(note="change", pid=0))
            await Outbox({"testjobs.record"}).enqueue(
                session, "testjobs.record", "job", key="crash:rolled-back"
            )
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert await outbox_row(engine, "crash:rolled-back") is None
    assert await effects(engine, "change") == 0
    assert huey.pending_count() == 0
