"""End to end over HTTP against the local OpenAI-compatible and Anthropic fake servers:
question → tool call → streamed answer with cards and citations → stored → reloaded; provider
failures; and a dropped browser connection on a live uvicorn server."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from aicoach.chat.stream import decode
from aicoach.config import LLMProviderName
from aicoach.llm.messages import Finished, FinishReason, TextDelta
from tests.chat.chat_helpers import (
    ScriptedLLM,
    app_with,
    first,
    names,
    new_chat,
    rows_of,
    send,
    text_of,
    use_llm,
)
from tests.fakes.anthropic_server import serve_anthropic
from tests.fakes.llm_script import Turn, call, text_turn, tool_turn
from tests.fakes.openai_server import serve_openai
from tests.helpers.live import live_server
from tests.helpers.users import signup_user


def tool_content_openai(body: dict[str, Any]) -> dict[str, Any]:
    msg = next(m for m in body["messages"] if m["role"] == "tool")
    data: dict[str, Any] = json.loads(msg["content"])
    return data


def tool_content_anthropic(body: dict[str, Any]) -> dict[str, Any]:
    for message in body["messages"]:
        if message["role"] != "user" or not isinstance(message["content"], list):
            continue
        for block in message["content"]:
            if block.get("type") == "tool_result":
                content = block["content"]
                text = content if isinstance(content, str) else content[0]["text"]
                data: dict[str, Any] = json.loads(text)
                return data
    raise AssertionError("no tool_result sent back")


Serve = Callable[..., AbstractContextManager[Any]]
PROVIDERS: dict[str, tuple[Serve, Callable[..., Any], dict[str, Any]]] = {
    "openai": (serve_openai, tool_content_openai, {}),
    "anthropic": (serve_anthropic, tool_content_anthropic, {}),
}  # fmt: skip


def provider_settings(kind: str, server: Any) -> dict[str, Any]:
    if kind == "openai":
        return {"llm_provider": LLMProviderName.OPENAI, "openai_base_url": server.base_url,
                "openai_api_key": SecretStr("sk-test"), "openai_model": "gpt-4o-mini",
                "llm_max_retries": 0}  # fmt: skip
    return {"llm_provider": LLMProviderName.ANTHROPIC, "anthropic_base_url": server.base_url,
            "anthropic_api_key": SecretStr("sk-ant-test"), "anthropic_model": "claude-haiku-4-5",
            "llm_max_retries": 0}  # fmt: skip


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_tool_call_answer_cards_citations_history(app_factory: Any, kind: str) -> None:
    serve, tool_content, _ = PROVIDERS[kind]

    def grounded(body: dict[str, Any]) -> Turn:
        levels = tool_content(body)
        support = levels["nearest_support"]["price"]
        return text_turn("Nearest support is ", f"${support}", ".",
                         input_tokens=1200, output_tokens=40)  # fmt: skip

    script = [
        tool_turn(call("get_key_levels", {"symbol": "SPY"}), text=("Let me check.",)),
        grounded,
        text_turn("SPY support levels"),  # the model's title for the chat
    ]
    key = "sk-test" if kind == "openai" else "sk-ant-test"
    with serve(script, api_key=key) as server:
        async with app_with(app_factory, **provider_settings(kind, server)) as (_, carol):
            chat = await new_chat(carol)
            status, events, _ = await send(carol, chat["id"], "Where is support for SPY?")
            assert status == 200, events
            assert server.problems == []
        assert names(events)[:2] == ["user_message", "assistant_start"]
        assert "tool_started" in names(events) and names(events)[-2:] == ["done", "title"]
        levels = tool_content(server.bodies[1])
        support = levels["nearest_support"]["price"]
        assert text_of(events) == f"Let me check.\n\nNearest support is ${support}."
        card = first(events, "card")
        assert card["type"] == "key_levels" and card["data"]["nearest_support"]["price"] == support
        cite = first(events, "tool_finished")["citations"][0]
        assert cite["source"] == "simulated" and cite["label"] == "SPY key levels"
        done = first(events, "done")
        assert done["usage"]["input_tokens"] >= 1200 and done["usage"]["cost_usd"] > 0
        assert first(events, "title")["title"] == "SPY support levels"
        # The request carried the system prompt and our tools in the vendor's shape.
        first_body = server.bodies[0]
        if kind == "openai":
            assert first_body["messages"][0]["role"] == "system"
            assert any(t["function"]["name"] == "get_key_levels" for t in first_body["tools"])
        else:
            assert "Never state a number" in first_body["system"]
            assert any(t["name"] == "get_key_levels" for t in first_body["tools"])
        assert levels["_citations"][0]["label"] == "SPY key levels"

    # Reload from the database through a new app (a restart): the turn is all there.
    async with app_with(app_factory) as (app3, _):
        rows = await rows_of(app3, chat["id"])
    assert [r.role.value for r in rows] == ["user", "assistant"]
    assert rows[1].content == text_of(events) and rows[1].cards == [card]
    assert rows[1].citations == done["citations"] and rows[1].status.value == "complete"


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
async def test_provider_failure_is_an_error_event(app_factory: Any, kind: str) -> None:
    serve, _, _ = PROVIDERS[kind]
    key = "sk-test" if kind == "openai" else "sk-ant-test"
    with serve([text_turn("never")], api_key=key) as server:
        server.fail(500, times=1)
        async with app_with(app_factory, **provider_settings(kind, server)) as (app, carol):
            chat = await new_chat(carol)
            status, events, _ = await send(carol, chat["id"], "hello")
            assert status == 200
            error = first(events, "error")
            assert error["retryable"] is True and "unavailable" in error["message"]
            rows = await rows_of(app, chat["id"])
            assert [(r.role.value, r.status.value) for r in rows] == [
                ("user", "complete"), ("assistant", "error"),
            ]  # fmt: skip
        with serve([text_turn("x")], api_key="wrong-key") as bad:
            async with app_with(app_factory, **provider_settings(kind, bad)) as (app, carol2):
                chat = await new_chat(carol2)
                _, events, _ = await send(carol2, chat["id"], "hello")
                error = first(events, "error")
                assert error["retryable"] is False and key not in json.dumps(events)


@pytest.fixture
def live_app(app_factory: Any) -> Iterator[tuple[FastAPI, str]]:
    app = app_factory()
    with live_server(app) as url:
        yield app, url


async def test_dropped_connection_neither_loses_nor_duplicates(
    live_app: tuple[FastAPI, str],
) -> None:
    app, url = live_app
    words = [TextDelta(f"w{i} ") for i in range(40)]
    llm = ScriptedLLM([[*words, Finished(FinishReason.STOP)]], delay=0.02)
    async with httpx.AsyncClient(base_url=url) as http:
        user = await signup_user(http, "dora@example.com", "dropped connections")
        use_llm(app, llm)
        chat = await new_chat(user)
        cid = str(uuid.uuid4())
        body = {"content": "long answer please", "client_message_id": cid}
        url_msgs = f"/api/chat/sessions/{chat['id']}/messages"
        seen = ""
        async with http.stream(
            "POST", url_msgs, json=body, headers={"X-CSRF-Token": user.csrf}
        ) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_text():
                seen += chunk
                if "event: delta" in seen:
                    break  # the browser tab closes mid-answer
        assert "event: done" not in seen
        for _ in range(100):  # the answer goes on and is stored without any listener
            page = (await user.get(f"/api/chat/sessions/{chat['id']}/messages")).json()
            if page["items"][-1]["status"] == "complete":
                break
            await asyncio.sleep(0.05)
        stored = page["items"][-1]
        assert stored["status"] == "complete" and stored["content"].strip().endswith("w39")
        # Reconnecting with the same client_message_id replays; nothing is stored twice.
        again = await user.post(url_msgs, json=body)
        events = decode(again.text)
        assert text_of(events) == stored["content"] and names(events)[-1] == "done"
        page = (await user.get(f"/api/chat/sessions/{chat['id']}/messages")).json()
        assert [m["role"] for m in page["items"]] == ["user", "assistant"]
        assert len(llm.seen) == 1
