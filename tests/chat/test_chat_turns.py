"""The tool loop over HTTP with a scripted in-process LLM: streaming, grounding, storage,
history, limits, errors, stop, idempotent re-posts and rate limiting."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from aicoach.chat.models import ChatSession, ChatUsage
from aicoach.chat.replay import turn_for
from aicoach.chat.repository import ChatRepository
from aicoach.chat.service import TurnRunner
from aicoach.db import transaction
from aicoach.kit.orm import utcnow
from aicoach.llm.errors import LLMAuthError, LLMStreamInterruptedError, LLMUnavailableError
from aicoach.llm.messages import ChatMessage, Role, TextDelta
from tests.chat.chat_helpers import (
    ScriptedLLM,
    answer,
    app_with,
    calls,
    first,
    names,
    new_chat,
    rows_of,
    send,
    text_of,
    use_llm,
)
from tests.helpers.users import UserClient
from tests.helpers.wait import wait_until


def tool_payload(messages: list[ChatMessage], name: str) -> dict[str, Any]:
    msg = next(m for m in messages if m.role is Role.TOOL and m.name == name)
    data: dict[str, Any] = json.loads(msg.content)
    return data


async def test_question_tool_answer_stored_and_reloaded(app: FastAPI, alice: UserClient) -> None:
    def grounded(messages: list[ChatMessage]) -> list[Any]:
        quote = tool_payload(messages, "get_quote")
        return answer("SPY last traded at ", f"${quote['last']}", usage=(1000, 500))

    llm = ScriptedLLM([calls(("get_quote", {"symbol": "SPY"}), text="Checking."), grounded])
    use_llm(app, llm)
    chat = await new_chat(alice)
    status, events, response = await send(alice, chat["id"], "Where is SPY trading?")
    assert status == 200 and response.headers["content-type"].startswith("text/event-stream")
    assert names(events) == [
        "user_message", "assistant_start", "delta", "tool_started", "tool_finished", "card",
        "delta", "delta", "delta", "done",
    ]  # fmt: skip
    quote = tool_payload(llm.seen[1][0], "get_quote")
    assert text_of(events) == f"Checking.\n\nSPY last traded at ${quote['last']}"
    # The chip's progress phrase is the tool's own declaration, filled from the arguments.
    assert first(events, "tool_started")["phrase"] == "Getting the SPY quote"
    finished = first(events, "tool_finished")
    assert finished["ok"] and finished["citations"][0]["label"] == "SPY quote"
    card = first(events, "card")
    assert card["type"] == "quote" and card["data"]["last"] == quote["last"]
    done = first(events, "done")
    assert done["finish_reason"] == "stop" and done["status"] == "complete"
    # gpt-4o-mini list price: $0.15 / $0.60 per million tokens
    assert done["usage"] == {"input_tokens": 1000, "output_tokens": 500, "cost_usd": 0.00045}
    assert done["citations"] == finished["citations"]

    # The model saw the system prompt, the question, and the tool result fed back.
    convo, tools = llm.seen[1]
    assert convo[0].role is Role.SYSTEM and "Never state a number" in convo[0].content
    assert convo[1] == ChatMessage.user("Where is SPY trading?")
    assert convo[2].tool_calls[0].name == "get_quote"
    assert "_citations" in tool_payload(convo, "get_quote")
    assert {t.name for t in tools} >= {"get_quote", "get_key_levels"}

    page = (await alice.get(f"/api/chat/sessions/{chat['id']}/messages")).json()
    user_msg, reply = page["items"]
    assert user_msg["content"] == "Where is SPY trading?" and user_msg["role"] == "user"
    assert reply["content"] == text_of(events) and reply["status"] == "complete"
    assert reply["cards"] == [card] and reply["citations"] == done["citations"]
    assert reply["tool_calls"][0]["name"] == "get_quote" and reply["tool_calls"][0]["ok"]
    assert reply["tool_calls"][0]["phrase"] == "Getting the SPY quote"
    assert reply["usage"]["cost_usd"] == pytest.approx(0.00045)
    assert reply["id"] == first(events, "assistant_start")["message_id"]
    listed = (await alice.get("/api/chat/sessions")).json()
    assert listed[0]["title"] == "Where is SPY trading?"
    async with transaction(app.state.container.sessions) as s:
        usage = (await s.scalars(select(ChatUsage))).all()
    assert [(u.messages, u.input_tokens, u.output_tokens) for u in usage] == [(1, 1000, 500)]


async def test_history_is_sent_on_the_next_turn(app: FastAPI, alice: UserClient) -> None:
    llm = ScriptedLLM([answer("First answer."), answer("Second answer.")])
    use_llm(app, llm)
    chat = await new_chat(alice, "Kept title")
    await send(alice, chat["id"], "one")
    await send(alice, chat["id"], "two")
    convo = llm.seen[1][0]
    assert [(m.role.value, m.content) for m in convo[1:]] == [
        ("user", "one"), ("assistant", "First answer."), ("user", "two"),
    ]  # fmt: skip
    assert (await alice.get(f"/api/chat/sessions/{chat['id']}")).json()["title"] == "Kept title"


async def test_tool_failure_reaches_the_model_not_the_user(app: FastAPI, alice: UserClient) -> None:
    def saw_error(messages: list[ChatMessage]) -> list[Any]:
        return answer(f"Error was: {tool_payload(messages, 'get_quote')['error']}")

    use_llm(app, ScriptedLLM([calls(("get_quote", {"symbol": "NOT A TICKER"})), saw_error]))
    chat = await new_chat(alice)
    status, events, _ = await send(alice, chat["id"], "quote garbage")
    assert status == 200
    assert first(events, "tool_finished")["ok"] is False
    assert "not a valid ticker" in text_of(events)
    assert first(events, "done")["status"] == "complete"


async def test_tool_rounds_are_bounded(app_factory: Any) -> None:
    async with app_with(app_factory, chat_max_tool_rounds=2) as (app, carol):
        forever = [calls(("get_market_status", {})) for _ in range(4)]
        llm = ScriptedLLM(forever)
        use_llm(app, llm)
        chat = await new_chat(carol)
        status, events, _ = await send(carol, chat["id"], "loop")
        assert status == 200
        assert first(events, "done")["finish_reason"] == "tool_rounds"
        assert len(llm.seen) == 4  # 2 rounds of tools, 1 refused round, 1 last call
        refused = [json.loads(m.content) for m in llm.seen[3][0] if m.role is Role.TOOL][-1]
        assert "limit reached" in refused["error"]
        finished = [d for e, d in events if e == "tool_finished"]
        assert [f["ok"] for f in finished] == [True, True, False]


async def test_provider_down_keeps_the_users_message(app: FastAPI, alice: UserClient) -> None:
    use_llm(app, ScriptedLLM([LLMUnavailableError("The AI provider is down.", retry_after=5)]))
    chat = await new_chat(alice)
    status, events, _ = await send(alice, chat["id"], "hello?")
    assert status == 200
    assert names(events) == ["user_message", "assistant_start", "error"]
    error = first(events, "error")
    assert error["code"] == "llm_unavailable" and error["retryable"] is True
    rows = await rows_of(app, chat["id"])
    assert [(r.role.value, r.status.value) for r in rows] == [
        ("user", "complete"), ("assistant", "error"),
    ]  # fmt: skip
    assert rows[1].error == {
        "code": "llm_unavailable", "message": "The AI provider is down.", "retryable": True,
    }  # fmt: skip

    use_llm(app, ScriptedLLM([LLMAuthError("Bad key.")]))
    _, events, _ = await send(alice, chat["id"], "again")
    assert first(events, "error")["retryable"] is False


async def test_interrupted_stream_keeps_partial_text(app: FastAPI, alice: UserClient) -> None:
    broken = [TextDelta("Half an ans"), LLMStreamInterruptedError("broke off", retry_after=2)]
    use_llm(app, ScriptedLLM([broken]))  # type: ignore[list-item]
    chat = await new_chat(alice)
    _, events, _ = await send(alice, chat["id"], "talk")
    assert names(events)[-1] == "error"
    rows = await rows_of(app, chat["id"])
    assert rows[1].content == "Half an ans" and rows[1].status.value == "error"


async def test_stop_mid_stream_keeps_partial_text(app: FastAPI, alice: UserClient) -> None:
    slow = [TextDelta(f"word{i} ") for i in range(200)]
    llm = ScriptedLLM([slow], delay=0.02)  # type: ignore[list-item]
    use_llm(app, llm)
    chat = await new_chat(alice)
    sending = asyncio.create_task(send(alice, chat["id"], "talk a lot"))
    await asyncio.wait_for(llm.started.wait(), 5)
    # Stop once the answer has begun: the turn has handled its first words.
    await wait_until(lambda: llm.consumed >= 2, what="the first words of the answer")
    stop = await alice.post(f"/api/chat/sessions/{chat['id']}/stop")
    assert stop.status_code == 200 and stop.json()["stopped"] is True
    _, events, _ = await asyncio.wait_for(sending, 10)
    done = first(events, "done")
    assert done["finish_reason"] == "stopped" and done["status"] == "stopped"
    partial = text_of(events)
    assert partial.startswith("word0 word1 ") and len(partial.split()) < 200
    rows = await rows_of(app, chat["id"])
    assert rows[1].content == partial and rows[1].status.value == "stopped"
    again = await alice.post(f"/api/chat/sessions/{chat['id']}/stop")
    assert again.json() == {"stopped": False, "message_id": None}


async def test_repost_same_client_id_never_duplicates(app: FastAPI, alice: UserClient) -> None:
    llm = ScriptedLLM([[TextDelta(f"part{i} ") for i in range(20)] + answer("end.")], delay=0.01)
    use_llm(app, llm)
    chat = await new_chat(alice)
    cid = str(uuid.uuid4())
    # Two posts of the same message while it is being answered: the second attaches.
    a, b = await asyncio.gather(
        send(alice, chat["id"], "same", cid), send(alice, chat["id"], "same", cid)
    )
    assert a[0] == b[0] == 200
    assert text_of(a[1]) == text_of(b[1]) and text_of(a[1]).endswith("end.")
    # Once done, a re-post gets the same turn again (the lingering log here; see the next test
    # for the replay from the database).
    status, replay, _ = await send(alice, chat["id"], "same", cid)
    assert status == 200
    assert replay == a[1]
    assert text_of(replay) == text_of(a[1])
    assert first(replay, "user_message")["id"] == first(a[1], "user_message")["id"]
    rows = await rows_of(app, chat["id"])
    assert [r.role.value for r in rows] == ["user", "assistant"]
    assert len(llm.seen) == 1


def _spy_reservation_waits(turns: Any, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set when a request starts waiting on a chat's reservation (the duplicate post
    has reached the wait), so a test need not guess how long the request takes to get there."""
    entered = asyncio.Event()
    original = turns.wait_reservation

    async def spying(*args: Any, **kwargs: Any) -> bool:
        entered.set()
        result: bool = await original(*args, **kwargs)
        return result

    monkeypatch.setattr(turns, "wait_reservation", spying)
    return entered


async def test_duplicate_post_waits_for_a_turn_being_set_up(
    app: FastAPI, alice: UserClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window a concurrent duplicate used to fall through: the first request has committed
    # the question and the empty "streaming" reply but has not started the turn yet. The
    # duplicate must wait and attach, not replay that empty reply.
    llm = ScriptedLLM([answer("all ", "of it.")])
    use_llm(app, llm)
    chat = await new_chat(alice)
    cid = str(uuid.uuid4())
    runtime = app.state.container.chat
    runtime.turns.reserve(chat["id"], cid)
    async with transaction(app.state.container.sessions) as s:
        row = await s.get_one(ChatSession, chat["id"])
        question, reply = await ChatRepository(s).add_turn(row, "q", cid, llm.label, utcnow())
        turn = turn_for(question, reply, llm.label)
    waiting = _spy_reservation_waits(runtime.turns, monkeypatch)
    duplicate = asyncio.create_task(send(alice, chat["id"], "q", cid))
    await asyncio.wait_for(waiting.wait(), 10)
    assert not duplicate.done()  # still waiting for the set-up, however long it takes
    runtime.turns.start(turn, TurnRunner(runtime, "q", first_message=True).run)
    status, events, _ = await asyncio.wait_for(duplicate, 10)
    assert status == 200 and text_of(events) == "all of it." and names(events)[-1] == "done"
    assert len(await rows_of(app, chat["id"])) == 2 and len(llm.seen) == 1


async def test_duplicate_post_takes_over_when_the_set_up_gives_up(
    app: FastAPI, alice: UserClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm = ScriptedLLM([answer("answered once.")])
    use_llm(app, llm)
    chat = await new_chat(alice)
    cid = str(uuid.uuid4())
    turns = app.state.container.chat.turns
    turns.reserve(chat["id"], cid)  # a request setting this message up, which will fail
    waiting = _spy_reservation_waits(turns, monkeypatch)
    duplicate = asyncio.create_task(send(alice, chat["id"], "q", cid))
    await asyncio.wait_for(waiting.wait(), 10)
    assert not duplicate.done()
    turns.release(chat["id"], cid)
    status, events, _ = await asyncio.wait_for(duplicate, 10)
    assert status == 200 and text_of(events) == "answered once."
    rows = await rows_of(app, chat["id"])
    assert [(r.role.value, r.content) for r in rows] == [
        ("user", "q"), ("assistant", "answered once."),
    ]  # fmt: skip


async def test_concurrent_retries_answer_once(app: FastAPI, alice: UserClient) -> None:
    slow = [TextDelta(f"w{i} ") for i in range(10)] + answer("back.")
    llm = ScriptedLLM([LLMUnavailableError("The AI provider is down."), slow], delay=0.01)
    use_llm(app, llm)
    chat = await new_chat(alice)
    cid = str(uuid.uuid4())
    _, failed, _ = await send(alice, chat["id"], "hello?", cid)
    assert first(failed, "error")["retryable"] is True
    a, b = await asyncio.gather(
        send(alice, chat["id"], "hello?", cid), send(alice, chat["id"], "hello?", cid)
    )
    assert a[0] == b[0] == 200
    assert text_of(a[1]) == text_of(b[1]) and text_of(a[1]).endswith("back.")
    assert len(llm.seen) == 2
    rows = await rows_of(app, chat["id"])
    assert [(r.role.value, r.status.value) for r in rows] == [
        ("user", "complete"), ("assistant", "complete"),
    ]  # fmt: skip


async def test_replay_after_linger_comes_from_the_database(app: FastAPI, alice: UserClient) -> None:
    use_llm(app, ScriptedLLM([calls(("get_quote", {"symbol": "SPY"})), answer("Done.")]))
    chat = await new_chat(alice)
    cid = str(uuid.uuid4())
    _, live, _ = await send(alice, chat["id"], "q", cid)
    app.state.container.chat.turns.forget_session(chat["id"])
    _, replay, _ = await send(alice, chat["id"], "q", cid)
    assert names(replay) == [*[n for n in names(live) if n != "delta"][:-1], "delta", "done"]
    assert first(replay, "card") == first(live, "card")
    assert first(replay, "tool_started") == first(live, "tool_started")  # phrase included
    assert first(replay, "done")["citations"] == first(live, "done")["citations"]


async def test_busy_chat_refuses_a_second_message(app: FastAPI, alice: UserClient) -> None:
    llm = ScriptedLLM([[TextDelta("x")] * 30 + answer("")], delay=0.02)
    use_llm(app, llm)
    chat = await new_chat(alice)
    sending = asyncio.create_task(send(alice, chat["id"], "first"))
    await asyncio.wait_for(llm.started.wait(), 5)
    status, _, response = await send(alice, chat["id"], "second")
    assert status == 409 and "still answering" in response.json()["error"]["message"]
    await sending


async def test_bad_input(app: FastAPI, alice: UserClient) -> None:
    chat = await new_chat(alice)
    url = f"/api/chat/sessions/{chat['id']}/messages"
    cid = str(uuid.uuid4())
    for content in ("", "   \n ", "x" * 8001):
        r = await alice.post(url, json={"content": content, "client_message_id": cid})
        assert r.status_code == 422, r.text
    r = await alice.post(url, json={"content": "hi", "client_message_id": "not-a-uuid"})
    assert r.status_code == 422
    r = await alice.post(url, json={"content": "hi"})
    assert r.status_code == 422
    r = await alice.post("/api/chat/sessions/999999/messages",
                         json={"content": "hi", "client_message_id": cid})  # fmt: skip
    assert r.status_code == 404
    assert await rows_of(app, chat["id"]) == []


async def test_rate_limit(app_factory: Any) -> None:
    async with app_with(app_factory, chat_rate_limit_per_minute=2) as (app, carol):
        use_llm(app, ScriptedLLM([answer("a"), answer("b")]))
        chat = await new_chat(carol)
        assert (await send(carol, chat["id"], "1"))[0] == 200
        assert (await send(carol, chat["id"], "2"))[0] == 200
        status, _, response = await send(carol, chat["id"], "3")
        assert status == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert "2 messages a minute" in response.json()["error"]["message"]
        assert len(await rows_of(app, chat["id"])) == 4


async def test_retry_after_a_retryable_error_answers_the_same_question_once(
    app: FastAPI, alice: UserClient
) -> None:
    use_llm(app, ScriptedLLM([LLMUnavailableError("The AI provider is down."), answer("Back up.")]))
    chat = await new_chat(alice)
    cid = "7d1c3c9e-2f7b-4c53-9d0e-6f1b2a3c4d5e"
    _, failed, _ = await send(alice, chat["id"], "hello?", client_id=cid)
    assert first(failed, "error")["retryable"] is True
    status, retried, _ = await send(alice, chat["id"], "hello?", client_id=cid)
    assert status == 200 and names(retried)[-1] == "done" and text_of(retried) == "Back up."
    rows = await rows_of(app, chat["id"])
    assert [(r.role.value, r.status.value, r.content) for r in rows] == [
        ("user", "complete", "hello?"), ("assistant", "complete", "Back up."),
    ]  # fmt: skip


async def test_retry_after_a_final_error_replays_it(app: FastAPI, alice: UserClient) -> None:
    use_llm(app, ScriptedLLM([LLMAuthError("Bad key.")]))
    chat = await new_chat(alice)
    cid = "0b9f7c1e-5a4d-4c2b-8e3f-1a2b3c4d5e6f"
    await send(alice, chat["id"], "hello?", client_id=cid)
    _, replayed, _ = await send(alice, chat["id"], "hello?", client_id=cid)
    assert first(replayed, "error")["retryable"] is False
    assert len(await rows_of(app, chat["id"])) == 2


async def test_rate_limit_holds_for_40_parallel_posts(app_factory: Any) -> None:
    """The check and the insert are one locked step: 40 posts at once against a limit of 20 let
    exactly 20 through, the rest are 429s, and none is a server error."""
    async with app_with(app_factory, chat_rate_limit_per_minute=20) as (app, carol):
        use_llm(app, ScriptedLLM([answer(str(n)) for n in range(40)]))
        chats = [(await new_chat(carol))["id"] for _ in range(40)]  # one answer at a time a chat
        results = await asyncio.gather(*(send(carol, c, "q") for c in chats))
        statuses = [status for status, _, _ in results]
        assert statuses.count(200) == 20 and statuses.count(429) == 20, statuses
        users = [r for c in chats for r in await rows_of(app, c) if r.role.value == "user"]
        assert len(users) == 20
