"""OpenAICompatibleLLM against the local fake OpenAI server: streaming, tool calls, the tool
round trip's wire shapes, usage, and the quirks of OpenAI-compatible servers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aicoach.llm import (
    ChatMessage,
    Finished,
    FinishReason,
    LLMEvent,
    LLMRequestRejectedError,
    OpenAICompatibleLLM,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    ToolSpec,
    Usage,
)
from tests.fakes.llm_script import ScriptItem, Turn, call, text_turn, tool_turn
from tests.fakes.openai_server import serve_openai

KEY = "sk-test-0123456789abcdef"
QUOTE_TOOL = ToolSpec(
    "get_quote",
    "Latest quote for a symbol.",
    {"type": "object", "properties": {"symbol": {"type": "string"}}, "required": ["symbol"]},
)


def make_llm(base_url: str, key: str | None = KEY, **kw: Any) -> OpenAICompatibleLLM:
    kw.setdefault("backoff_base", 0.01)
    return OpenAICompatibleLLM(base_url, key, "gpt-4o-mini", timeout=5.0, **kw)


async def collect(
    llm: OpenAICompatibleLLM, messages: list[ChatMessage], **kw: Any
) -> list[LLMEvent]:
    tools = kw.pop("tools", [QUOTE_TOOL])
    return [
        ev
        async for ev in llm.stream(
            messages,
            tools,
            temperature=kw.get("temperature", 0.2),
            max_tokens=kw.get("max_tokens", 300),
        )
    ]


async def test_text_streams_in_order_with_usage() -> None:
    with serve_openai(
        [text_turn("SPY ", "is ", "up.", input_tokens=42, output_tokens=3)], api_key=KEY
    ) as server:
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.system("Be brief."), ChatMessage.user("SPY?")])
        await llm.aclose()
    assert events == [
        TextDelta("SPY "),
        TextDelta("is "),
        TextDelta("up."),
        Usage(42, 3),
        Finished(FinishReason.STOP),
    ]
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body is not None
    assert body["model"] == "gpt-4o-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 300  # a compatible server: max_tokens, not max_completion_tokens
    assert body["temperature"] == 0.2
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "SPY?"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_quote",
                "description": "Latest quote for a symbol.",
                "parameters": QUOTE_TOOL.parameters,
            },
        }
    ]
    assert server.problems == []


async def test_tool_call_is_assembled_from_fragments() -> None:
    args = {"symbol": "SPY", "expiries": ["2026-01-16", "2026-02-20"], "strikes": {"min": 580.5}}
    turn = tool_turn(call("get_quote", args, id="call_abc", fragments=7), output_tokens=21)
    with serve_openai([turn]) as server:
        llm = make_llm(server.base_url, key=None)  # local servers need no key
        events = await collect(llm, [ChatMessage.user("chain?")])
        await llm.aclose()
    assert events == [
        ToolCallRequested(ToolCall("call_abc", "get_quote", args)),
        Usage(10, 21),
        Finished(FinishReason.TOOL_CALLS),
    ]
    assert "authorization" not in server.requests[0].headers


async def test_two_turn_tool_loop_sends_the_right_wire_shapes() -> None:
    def answer_from_tool_result(body: dict[str, Any]) -> Turn:
        result = json.loads(body["messages"][-1]["content"])
        return text_turn(f"SPY last {result['last']}.")

    script: list[ScriptItem] = [
        tool_turn(call("get_quote", {"symbol": "SPY"}), text=("Checking. ",)),
        answer_from_tool_result,
    ]
    with serve_openai(script, api_key=KEY) as server:
        llm = make_llm(server.base_url)
        conversation = [ChatMessage.system("coach"), ChatMessage.user("Where is SPY?")]
        first = await collect(llm, conversation)
        calls = [e.call for e in first if isinstance(e, ToolCallRequested)]
        text = "".join(e.text for e in first if isinstance(e, TextDelta))
        assert text == "Checking. "
        assert first[-1] == Finished(FinishReason.TOOL_CALLS)
        conversation.append(ChatMessage.assistant(text, tuple(calls)))
        conversation += [
            ChatMessage.tool_result(c.id, json.dumps({"last": 601.25}), name=c.name) for c in calls
        ]
        second = await collect(llm, conversation)
        await llm.aclose()
    assert "".join(e.text for e in second if isinstance(e, TextDelta)) == "SPY last 601.25."
    assert second[-1] == Finished(FinishReason.STOP)
    sent = server.bodies[1]["messages"]
    assert sent[2] == {
        "role": "assistant",
        "content": "Checking. ",
        "tool_calls": [
            {
                "id": calls[0].id,
                "type": "function",
                "function": {"name": "get_quote", "arguments": '{"symbol": "SPY"}'},
            }
        ],
    }
    assert sent[3] == {"role": "tool", "tool_call_id": calls[0].id, "content": '{"last": 601.25}'}
    assert server.problems == []


async def test_parallel_tool_calls_come_in_index_order_and_results_go_back() -> None:
    script = [
        tool_turn(call("get_quote", {"symbol": "SPY"}), call("get_quote", {"symbol": "QQQ"})),
        text_turn("Both fetched."),
    ]
    with serve_openai(script) as server:
        llm = make_llm(server.base_url)
        conversation = [ChatMessage.user("SPY and QQQ?")]
        first = await collect(llm, conversation)
        calls = tuple(e.call for e in first if isinstance(e, ToolCallRequested))
        assert [c.arguments["symbol"] for c in calls] == ["SPY", "QQQ"]
        assert len({c.id for c in calls}) == 2
        conversation.append(ChatMessage.assistant("", calls))
        conversation += [ChatMessage.tool_result(c.id, "{}") for c in calls]
        second = await collect(llm, conversation)
        await llm.aclose()
    assert second[0] == TextDelta("Both fetched.")
    assistant = server.bodies[1]["messages"][1]
    assert assistant["content"] is None  # null next to tool calls, as OpenAI sends it
    assert server.problems == []


async def test_missing_tool_result_is_what_the_fake_rejects() -> None:
    """The fake enforces OpenAI's rule, so the shape tests above can fail."""
    with serve_openai([text_turn("never")]) as server:
        llm = make_llm(server.base_url)
        calls = (ToolCall("call_1", "get_quote", {"symbol": "SPY"}),)
        broken = [ChatMessage.user("x"), ChatMessage.assistant("", calls), ChatMessage.user("y")]
        with pytest.raises(LLMRequestRejectedError, match=r"HTTP 400.*tool_call_id"):
            await collect(llm, broken)
        await llm.aclose()
    assert server.problems
    assert server.turns_served == 0
    assert len(server.requests) == 1  # a 400 is never retried


async def test_length_finish_and_no_tools_sent_when_none() -> None:
    with serve_openai([text_turn("cut sh", finish="length")]) as server:
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("long")], tools=[], max_tokens=2)
        await llm.aclose()
    assert events[-1] == Finished(FinishReason.LENGTH)
    assert "tools" not in server.bodies[0]  # OpenAI rejects an empty tools array


async def test_official_host_gets_max_completion_tokens_and_label() -> None:
    llm = OpenAICompatibleLLM("https://api.openai.com/v1/", "sk-x", "gpt-4o-mini")
    body = llm.request_body([ChatMessage.user("hi")], [], temperature=3.0, max_tokens=50)
    await llm.aclose()
    assert body["max_completion_tokens"] == 50 and "max_tokens" not in body
    assert body["temperature"] == 2.0  # clamped to OpenAI's range
    assert llm.label == "OpenAI · gpt-4o-mini"
    local = OpenAICompatibleLLM("http://127.0.0.1:11434/v1", None, "llama3.1")
    assert local.label == "llama3.1 · 127.0.0.1:11434"
    assert "sk-" not in repr(llm)
    await local.aclose()


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    payload = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n"


async def test_quirks_of_compatible_servers() -> None:
    """No index on tool-call fragments, arguments as an object, finish "stop" despite a tool
    call, CRLF line endings, comment lines, and no [DONE] (each seen from some server)."""
    stream = (
        ": keep-alive\n\n"
        + _chunk({"role": "assistant"})
        + _chunk(
            {"tool_calls": [{"id": "a1", "function": {"name": "get_quote", "arguments": '{"sym'}}]}
        )
        + _chunk({"tool_calls": [{"function": {"arguments": 'bol": "IWM"}'}}]})
        + _chunk(
            {
                "tool_calls": [
                    {"id": "a2", "function": {"name": "get_quote", "arguments": {"symbol": "DIA"}}}
                ]
            }
        )
        + _chunk({}, "stop")
    ).replace("\n", "\r\n")
    with serve_openai() as server:
        server.respond_raw(stream)
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("x")])
        await llm.aclose()
    assert events == [
        ToolCallRequested(ToolCall("a1", "get_quote", {"symbol": "IWM"})),
        ToolCallRequested(ToolCall("a2", "get_quote", {"symbol": "DIA"})),
        Finished(FinishReason.TOOL_CALLS),
    ]


async def test_multiline_data_and_ids_generated_when_missing() -> None:
    payload = {
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [{"index": 0, "function": {"name": "scan", "arguments": ""}}]
                },
                "finish_reason": None,
            }
        ]
    }
    text = json.dumps(payload, indent=1)  # spans lines: each one a data: line of one event
    stream = "".join(f"data: {line}\n" for line in text.splitlines()) + "\n"
    stream += _chunk({}, "tool_calls") + "data: [DONE]\n\n"
    with serve_openai() as server:
        server.respond_raw(stream)
        llm = make_llm(server.base_url)
        events = await collect(llm, [ChatMessage.user("x")])
        await llm.aclose()
    (requested, finished) = events
    assert isinstance(requested, ToolCallRequested)
    assert requested.call.name == "scan" and requested.call.arguments == {}
    assert requested.call.id.startswith("call_")
    assert finished == Finished(FinishReason.TOOL_CALLS)
