"""Stop on an answer written by another instance: two apps on one database and one Redis (two
``aicoach serve`` behind a balancer); the answer streams from the first, the trader's Stop lands
on the second, and the first stores the partial answer as "stopped"."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI

from aicoach.chat.models import MessageStatus
from tests.chat.chat_helpers import ScriptedLLM, answer, new_chat, rows_of, send, use_llm
from tests.factories import client_for
from tests.helpers.users import UserClient, login_user


async def _on(app: FastAPI, user: UserClient) -> UserClient:
    """The same trader, signed in on another instance."""
    http = client_for(app)
    assert (await login_user(http, user.email, user.password)).status_code == 303
    return UserClient(http, user.email, user.password, user.user_id)


async def test_a_stop_on_one_instance_stops_the_answer_written_by_the_other(
    app_factory: Any, redis_url: str, alice: UserClient
) -> None:
    first: FastAPI = app_factory(redis_url=redis_url)
    second: FastAPI = app_factory(redis_url=redis_url)
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        slow = ScriptedLLM([answer(*(f"word{i} " for i in range(200)))], delay=0.05)
        use_llm(first, slow)
        on_first, on_second = await _on(first, alice), await _on(second, alice)
        chat = await new_chat(on_first)
        writing = asyncio.create_task(send(on_first, chat["id"], "explain gamma at length"))
        await slow.started.wait()
        await asyncio.sleep(0.3)  # a few words in
        stopped = await on_second.post(f"/api/chat/sessions/{chat['id']}/stop")
        assert stopped.status_code == 200, stopped.text
        status, events, _ = await writing
        assert stopped.json()["stopped"] is True
        reply = (await rows_of(first, chat["id"]))[-1]
        assert reply.id == stopped.json()["message_id"]
        assert reply.status == MessageStatus.STOPPED
        assert 0 < len(reply.content) < len("".join(f"word{i} " for i in range(200)))
        assert status == 200 and events[-1][0] in ("done", "stopped")
        for user in (on_first, on_second):
            await user.http.aclose()


async def test_a_stop_with_nothing_being_written_says_so(
    app_factory: Any, redis_url: str, alice: UserClient
) -> None:
    app: FastAPI = app_factory(redis_url=redis_url)
    async with app.router.lifespan_context(app):
        user = await _on(app, alice)
        chat = await new_chat(user)
        response = await user.post(f"/api/chat/sessions/{chat['id']}/stop")
        assert response.json() == {"stopped": False, "message_id": None}
        await user.http.aclose()
