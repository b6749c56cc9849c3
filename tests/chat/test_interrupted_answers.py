"""An answer whose instance died mid-way never stays ``streaming``: swept by its stale heartbeat
(at start-up and on a schedule) to a retryable ``answer_interrupted``, and Retry answers again."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import update

from aicoach.chat.interruptions import sweep
from aicoach.chat.models import ChatMessageRow, MessageRole, MessageStatus
from aicoach.kit.orm import utcnow
from aicoach.llm.messages import TextDelta
from tests.chat.chat_helpers import (
    ScriptedLLM,
    answer,
    app_with,
    first,
    names,
    new_chat,
    rows_of,
    send,
    text_of,
    use_llm,
)
from tests.helpers.users import UserClient

LIMIT = timedelta(seconds=30)


async def _crash_mid_answer(app: FastAPI, session_id: int, silent_for: timedelta) -> None:
    """As after ``kill -9``: the reply back to ``streaming`` with nothing written, its last
    heartbeat ``silent_for`` ago, and no turn in this process."""
    async with app.state.container.sessions() as s:
        await s.execute(
            update(ChatMessageRow)
            .where(ChatMessageRow.session_id == session_id)
            .where(ChatMessageRow.role == MessageRole.ASSISTANT)
            .values(
                status=MessageStatus.STREAMING,
                content="",
                completed_at=None,
                error=None,
                heartbeat_at=utcnow() - silent_for,
            )
        )
        await s.commit()
    app.state.container.chat.turns.forget_session(session_id)


async def _asked_once(app: FastAPI, alice: UserClient) -> tuple[int, str]:
    use_llm(app, ScriptedLLM([answer("First answer.")]))
    chat = await new_chat(alice)
    cid = str(uuid.uuid4())
    assert (await send(alice, chat["id"], "what is SPY doing?", cid))[0] == 200
    return chat["id"], cid


async def test_the_sweep_settles_silent_answers_and_spares_live_ones(
    app: FastAPI, alice: UserClient
) -> None:
    dead, _ = await _asked_once(app, alice)
    live, _ = await _asked_once(app, alice)
    await _crash_mid_answer(app, dead, silent_for=LIMIT * 2)
    await _crash_mid_answer(app, live, silent_for=timedelta(seconds=1))
    assert await sweep(app.state.container.sessions, LIMIT) == 1
    [_, swept] = await rows_of(app, dead)
    assert swept.status is MessageStatus.ERROR and swept.error is not None
    assert swept.error["code"] == "answer_interrupted" and swept.error["retryable"] is True
    [_, beating] = await rows_of(app, live)
    assert beating.status is MessageStatus.STREAMING
    print("swept 1 interrupted answer, spared 1 with a fresh heartbeat")


async def test_retry_answers_an_interrupted_question_again(app: FastAPI, alice: UserClient) -> None:
    session_id, cid = await _asked_once(app, alice)
    await _crash_mid_answer(app, session_id, silent_for=LIMIT * 2)
    await sweep(app.state.container.sessions, LIMIT)
    listed = await alice.get(f"/api/chat/sessions/{session_id}/messages")  # what a reload sees
    reply = listed.json()["items"][-1] if "items" in listed.json() else listed.json()[-1]
    assert reply["status"] == "error", reply
    assert "interrupted" in str(reply).lower() and "Retry" in str(reply)
    use_llm(app, ScriptedLLM([answer("Second answer.")]))
    status, retried, _ = await send(alice, session_id, "what is SPY doing?", cid)
    assert status == 200 and names(retried)[-1] == "done"
    assert text_of(retried) == "Second answer."
    rows = await rows_of(app, session_id)
    assert [(r.role.value, r.status.value, r.content) for r in rows] == [
        ("user", "complete", "what is SPY doing?"), ("assistant", "complete", "Second answer."),
    ]  # fmt: skip


async def test_retry_before_the_sweep_settles_a_silent_answer_itself(
    app: FastAPI, alice: UserClient
) -> None:
    session_id, cid = await _asked_once(app, alice)
    await _crash_mid_answer(app, session_id, silent_for=LIMIT * 2)
    use_llm(app, ScriptedLLM([answer("Answered after the crash.")]))
    status, retried, _ = await send(alice, session_id, "what is SPY doing?", cid)
    assert status == 200 and text_of(retried) == "Answered after the crash."


async def test_an_answer_still_beating_elsewhere_is_not_retried(
    app: FastAPI, alice: UserClient
) -> None:
    session_id, cid = await _asked_once(app, alice)
    await _crash_mid_answer(app, session_id, silent_for=timedelta(seconds=1))
    _, replay, _ = await send(alice, session_id, "what is SPY doing?", cid)
    assert first(replay, "error")["code"] == "answer_unavailable"  # being written elsewhere
    assert len(await rows_of(app, session_id)) == 2


async def test_a_long_answer_keeps_its_heartbeat_and_is_never_swept(app_factory: Any) -> None:
    async with app_with(app_factory, chat_interrupted_after_seconds=0.6) as (app, carol):
        llm = ScriptedLLM([[TextDelta("x")] * 20 + answer("")], delay=0.1)  # ~2 s, > 3 limits
        use_llm(app, llm)
        chat = await new_chat(carol)
        sending = asyncio.create_task(send(carol, chat["id"], "long one"))
        limit = timedelta(seconds=0.6)
        swept = 0
        while not sending.done():
            swept += await sweep(app.state.container.sessions, limit)
            await asyncio.sleep(0.1)
        status, events, _ = await sending
        assert swept == 0 and status == 200 and names(events)[-1] == "done"
        assert text_of(events) == "x" * 20
