"""AnthropicLLM against the local fake Anthropic server: streaming, tool_use assembly, the
tool_result round trip, usage, and the event types a client must tolerate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from aicoach.llm import (
    AnthropicLLM,
    ChatMessage,
    Finished,
    FinishReason,
    LLMEvent,
    LLMRequestRejectedError,
    LLMUnavailableError,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    ToolSpec,
    Usage,
)
from tests.fakes.anthropic_server import serve_anthropic
from tests.fakes.llm_script import ScriptItem, Turn, call, text_turn, tool_turn

KEY = "sk-ant-test-0123456789abcdef"
LEVELS_TOOL = ToolSpec(
    "get_levels",
    "Key support/resistance levels.",
    {"type": "object", "properties": {"symbol": {"type": "string"}}, "required": ["symbol"]},
)


def make_llm(base_url: str, key: str | None = KEY, **kw: Any) -> AnthropicLLM:
    kw.setdefault("backoff_base", 0.01)
    return AnthropicLLM(base_url, key, "claude-haiku-4-5", timeout=5.0, **kw)


async def collect(llm: AnthropicLLM, messages: list[ChatMessage], **kw: Any) -> list[LLMEvent]:
    return [
        ev
        async for ev in llm.stream(
            messages,
            kw.get("tools", [LEVELS_TOOL]),
            temperature=kw.get("temperature", 0.2),
            max_tokens=kw.get("max_tokens", 400),
        )
    ]


async def test_text_streams_in_order_with_usage_and_headers() -> None:
    script = [text_turn("Support ", "at ", "595.", input_tokens=480, output_tokens=7)]
    with serve_anthropic(script, api_key=KEY) as server:
        llm = make_llm(server.base_url)
        events = await collect(
            llm,
            [
                ChatMessage.system("You coach."),
                ChatMessage.system("Be brief."),
                ChatMessage.user("SPY?"),
            ],
            temperature=1.5,
        )
        await llm.aclose()
    assert events == [
        TextDelta("Support "),
        TextDelta("at "),
        TextDelta("595."),
        Usage(480, 7),
        Finished(FinishReason.STOP),
    ]
    (request,) = server.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    body = request.body
    assert body is not None
    assert body["system"] == "You coach.\n\nBe brief."
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "SPY?"}]}]
    assert body["max_tokens"] == 400
    assert body["stream"] is True
    assert body["temperature"] == 1.0  # Anthropic's range is 0..1
    assert body["tools"] == [
        {
            "name": "get_levels",
            "description": "Key support/resistance levels.",
            "input_schema": LEVELS_TOOL.parameters,
        }
    ]
    assert server.problems == []


async def test_tool_use_is_assembled_from_input_json_deltas() -> None:
    args = {"symbol": "QQQ", "lookback_days": 20, "kinds": ["pivot", "swing"]}
    turn = tool_turn(call("get_levels", args, id="toolu_01", fragments=6), text=("Let me check.",))
    with serve_anthropic([turn], api_key=KEY) as server:
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("QQQ levels?")])
        await llm.aclose()
    assert events == [
        TextDelta("Let me check."),
        ToolCallRequested(ToolCall("toolu_01", "get_levels", args)),
        Usage(10, 5),
        Finished(FinishReason.TOOL_CALLS),
    ]


async def test_two_turn_loop_sends_tool_use_and_merged_tool_result_blocks() -> None:
    def answer(body: dict[str, Any]) -> Turn:
        results = [b for b in body["messages"][-1]["content"] if b["type"] == "tool_result"]
        levels = [json.loads(r["content"])["support"] for r in results]
        return text_turn(f"Supports: {levels[0]} and {levels[1]}.", output_tokens=9)

    script: list[ScriptItem] = [
        tool_turn(call("get_levels", {"symbol": "SPY"}), call("get_levels", {"symbol": "IWM"})),
        answer,
    ]
    with serve_anthropic(script, api_key=KEY) as server:
        llm = make_llm(server.base_url)
        conversation = [ChatMessage.system("coach"), ChatMessage.user("Supports for SPY and IWM?")]
        first = await collect(llm, conversation)
        calls = tuple(e.call for e in first if isinstance(e, ToolCallRequested))
        assert [c.arguments for c in calls] == [{"symbol": "SPY"}, {"symbol": "IWM"}]
        conversation.append(ChatMessage.assistant("", calls))
        conversation.append(ChatMessage.tool_result(calls[0].id, '{"support": 595.0}'))
        conversation.append(ChatMessage.tool_result(calls[1].id, '{"support": 221.5}'))
        second = await collect(llm, conversation)
        await llm.aclose()
    assert "".join(e.text for e in second if isinstance(e, TextDelta)) == (
        "Supports: 595.0 and 221.5."
    )
    sent = server.bodies[1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == [
        {"type": "tool_use", "id": calls[0].id, "name": "get_levels", "input": {"symbol": "SPY"}},
        {"type": "tool_use", "id": calls[1].id, "name": "get_levels", "input": {"symbol": "IWM"}},
    ]
    assert sent[2]["content"] == [  # both results in ONE user message
        {"type": "tool_result", "tool_use_id": calls[0].id, "content": '{"support": 595.0}'},
        {"type": "tool_result", "tool_use_id": calls[1].id, "content": '{"support": 221.5}'},
    ]
    assert "system" not in {m["role"] for m in sent}
    assert server.problems == []


async def test_a_user_message_after_tool_results_joins_their_turn() -> None:
    """Anthropic needs alternating roles: results + a new question become one user turn, with
    the tool_result blocks first."""
    call_ = ToolCall("toolu_9", "get_levels", {"symbol": "SPY"})
    messages = [
        ChatMessage.user("SPY?"),
        ChatMessage.assistant("Checking.", (call_,)),
        ChatMessage.tool_result("toolu_9", "{}"),
        ChatMessage.user("And QQQ?"),
    ]
    with serve_anthropic([text_turn("ok")], api_key=KEY) as server:
        llm = make_llm(server.base_url)
        await collect(llm, messages)
        await llm.aclose()
    sent = server.bodies[0]["messages"]
    assert sent[1]["content"][0] == {"type": "text", "text": "Checking."}
    assert [b["type"] for b in sent[2]["content"]] == ["tool_result", "text"]
    assert server.problems == []


async def test_missing_tool_result_is_what_the_fake_rejects() -> None:
    call_ = ToolCall("toolu_1", "get_levels", {"symbol": "SPY"})
    with serve_anthropic([text_turn("never")], api_key=KEY) as server:
        llm = make_llm(server.base_url)
        broken = [ChatMessage.user("x"), ChatMessage.assistant("", (call_,)), ChatMessage.user("y")]
        with pytest.raises(LLMRequestRejectedError, match="tool_result"):
            await collect(llm, broken)
        await llm.aclose()
    assert len(server.requests) == 1 and server.turns_served == 0


async def test_max_tokens_maps_to_length() -> None:
    with serve_anthropic([text_turn("Long ans", finish="length")], api_key=KEY) as server:
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("long")], tools=[], max_tokens=3)
        await llm.aclose()
    assert events[-1] == Finished(FinishReason.LENGTH)
    assert "tools" not in server.bodies[0]


async def drain(stream: AsyncIterator[LLMEvent], seen: list[LLMEvent]) -> None:
    async for event in stream:
        seen.append(event)


def _ev(kind: str, **fields: Any) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **fields})}\n\n"


async def test_thinking_blocks_unknown_events_and_cumulative_usage() -> None:
    stream = (
        _ev(
            "message_start",
            message={
                "usage": {"input_tokens": 100, "cache_read_input_tokens": 900, "output_tokens": 1}
            },
        )
        + _ev("content_block_start", index=0, content_block={"type": "thinking", "thinking": ""})
        + _ev("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "hmm"})
        + _ev("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "x"})
        + _ev("content_block_stop", index=0)
        + _ev("ping")
        + _ev("some_future_event", whatever=1)
        + _ev("content_block_start", index=1, content_block={"type": "text", "text": ""})
        + _ev("content_block_delta", index=1, delta={"type": "text_delta", "text": "Hi"})
        + _ev("content_block_stop", index=1)
        + _ev("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 12})
        + _ev("message_delta", delta={}, usage={"output_tokens": 15})  # cumulative, not added
        + _ev("message_stop")
    )
    with serve_anthropic(api_key=KEY) as server:
        server.respond_raw(stream)
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("hi")])
        await llm.aclose()
    assert events == [TextDelta("Hi"), Usage(1000, 15), Finished(FinishReason.STOP)]


async def test_error_event_mid_stream_is_an_llm_error_after_the_text() -> None:
    stream = (
        _ev("message_start", message={"usage": {"input_tokens": 5, "output_tokens": 1}})
        + _ev("content_block_start", index=0, content_block={"type": "text", "text": ""})
        + _ev("content_block_delta", index=0, delta={"type": "text_delta", "text": "Par"})
        + _ev("error", error={"type": "overloaded_error", "message": "Overloaded"})
    )
    seen: list[LLMEvent] = []
    with serve_anthropic(api_key=KEY) as server:
        server.respond_raw(stream)
        llm = make_llm(server.base_url)
        stream_ = llm.stream([ChatMessage.user("x")], [], temperature=0, max_tokens=9)
        with pytest.raises(LLMUnavailableError, match="failed mid-answer"):
            await drain(stream_, seen)
        await llm.aclose()
    assert seen == [TextDelta("Par")]
    assert len(server.requests) == 1  # never retried once streaming began


async def test_tool_input_given_whole_at_block_start() -> None:
    """Some Anthropic-compatible proxies put the whole input in content_block_start."""
    stream = (
        _ev("message_start", message={"usage": {"input_tokens": 5, "output_tokens": 1}})
        + _ev(
            "content_block_start",
            index=0,
            content_block={
                "type": "tool_use",
                "id": "t1",
                "name": "get_levels",
                "input": {"symbol": "TLT"},
            },
        )
        + _ev("content_block_stop", index=0)
        + _ev("message_delta", delta={"stop_reason": "tool_use"}, usage={"output_tokens": 4})
        + _ev("message_stop")
    )
    with serve_anthropic(api_key=KEY) as server:
        server.respond_raw(stream)
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("x")])
        await llm.aclose()
    assert events[0] == ToolCallRequested(ToolCall("t1", "get_levels", {"symbol": "TLT"}))
    assert events[-1] == Finished(FinishReason.TOOL_CALLS)


async def test_label_and_repr() -> None:
    llm = AnthropicLLM("https://api.anthropic.com/", KEY, "claude-sonnet-4-5")
    assert llm.label == "Anthropic · claude-sonnet-4-5"
    assert KEY not in repr(llm)
    await llm.aclose()
