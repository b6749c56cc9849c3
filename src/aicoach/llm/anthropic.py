"""Adapter for Anthropic's Messages API.

``POST {base_url}/v1/messages`` with headers ``x-api-key`` and ``anthropic-version: 2023-06-01``
and ``stream: true``. The answer is Server-Sent Events named by type::

    message_start        {"message": {"usage": {"input_tokens": 472, "output_tokens": 2}}}
    content_block_start  {"index": 0, "content_block": {"type": "text", "text": ""}}
    content_block_delta  {"index": 0, "delta": {"type": "text_delta", "text": "Hello"}}
    content_block_stop   {"index": 0}
    content_block_start  {"index": 1, "content_block": {"type": "tool_use", "id": "toolu_01",
                          "name": "get_quote", "input": {}}}
    content_block_delta  {"index": 1, "delta": {"type": "input_json_delta",
                          "partial_json": "{\"symbol\": \"SP"}}          (more fragments)
    content_block_stop   {"index": 1}                → ToolCallRequested (fragments decoded)
    message_delta        {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 89}}
    message_stop         {}
    ping                 keep-alive, anywhere
    error                {"error": {"type": "overloaded_error", "message": "Overloaded"}}

``message_delta.usage.output_tokens`` is cumulative (not an increment). Input tokens include
prompt-cache reads and writes (``cache_*_input_tokens``), which Anthropic counts separately.
Unknown event and block types (e.g. ``thinking``) are skipped, as Anthropic's versioning policy
asks of clients.

Our messages map onto Anthropic's as follows: every system message goes into the top-level
``system`` field (joined by blank lines — Anthropic has no system role); an assistant message
becomes ``text`` + ``tool_use`` blocks; a tool message becomes a ``tool_result`` block in a
*user* message, and consecutive messages of one role are merged (tool results first, as the API
requires), so N tool results answer N ``tool_use`` blocks in one user turn.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from aicoach.llm._adapter import HTTPChatAdapter
from aicoach.llm.messages import (
    ChatMessage,
    Finished,
    FinishReason,
    LLMEvent,
    Role,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    ToolSpec,
    Usage,
)

ANTHROPIC_BASE_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"

_STOP = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "tool_use": FinishReason.TOOL_CALLS,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "refusal": FinishReason.STOP,
    "pause_turn": FinishReason.STOP,
}


@dataclass
class _ToolBlock:
    id: str
    name: str
    start_input: dict[str, Any]
    parts: list[str] = field(default_factory=list)


@dataclass
class _StreamState:
    blocks: dict[int, _ToolBlock] = field(default_factory=dict)  # tool_use blocks by index
    input_tokens: int = 0
    output_tokens: int = 0
    finish: FinishReason | None = None
    unreadable_call: str | None = None
    saw_usage: bool = False
    saw_event: bool = False
    complete: bool = False


class AnthropicLLM(HTTPChatAdapter):
    """``LLM`` over Anthropic's Messages API (or a server speaking it); the constructor is
    ``HTTPChatAdapter``'s."""

    name = "anthropic"
    vendor = "Anthropic"
    official_host = "api.anthropic.com"

    def _vendor_headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def request_body(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        *,
        temperature: float,
        max_tokens: int,
    ) -> dict[str, Any]:
        """The JSON we POST (public so the chat service can log its size, tests its shape)."""
        system, wire = _to_wire(messages)
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,  # required by the Messages API
            "messages": wire,
            "stream": True,
            "temperature": min(1.0, max(0.0, temperature)),  # Anthropic's range is 0..1
        }
        if system:
            body["system"] = system
        if tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in tools
            ]
        return body

    async def stream(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        *,
        temperature: float,
        max_tokens: int,
    ) -> AsyncGenerator[LLMEvent, None]:
        body = self.request_body(messages, tools, temperature=temperature, max_tokens=max_tokens)
        transport = self._transport
        state = _StreamState()
        url = f"{self.base_url}/v1/messages"
        async with transport.open_stream(url, self._headers, body) as response:
            async for sse in transport.events(response):
                payload = transport.decode(sse)
                state.saw_event = True
                try:
                    events = self._read_event(payload.get("type") or sse.event, payload, state)
                except (TypeError, ValueError, AttributeError, KeyError) as exc:
                    # (LLMError is none of these) an event of the wrong shape
                    raise transport.bad_response("sent an event we cannot read") from exc
                for event in events:
                    yield event
                if state.complete:
                    break
        if not state.complete:
            raise transport.ended_early(state.saw_event)
        finish = state.finish or FinishReason.STOP
        if state.unreadable_call is not None and finish is not FinishReason.LENGTH:
            # (a call cut by max_tokens is expected to be broken; Finished(LENGTH) says why)
            raise transport.bad_response(
                f"sent arguments for '{state.unreadable_call}' that are not a JSON object"
            )
        if state.saw_usage:
            yield Usage(state.input_tokens, state.output_tokens)
        yield Finished(finish)

    def _read_event(
        self, kind: str, payload: dict[str, Any], state: _StreamState
    ) -> list[LLMEvent]:
        """The events one SSE event yields; updates ``state``."""
        if kind == "message_start":
            usage = payload["message"].get("usage") or {}
            state.input_tokens = _input_tokens(usage)
            state.output_tokens = int(usage.get("output_tokens") or 0)
            state.saw_usage = state.saw_usage or bool(usage)
        elif kind == "content_block_start":
            block = payload.get("content_block") or {}
            if block.get("type") == "tool_use":
                start = block.get("input")
                state.blocks[int(payload["index"])] = _ToolBlock(
                    str(block.get("id") or ""),
                    str(block.get("name") or ""),
                    start if isinstance(start, dict) else {},
                )
            elif block.get("type") == "text" and block.get("text"):
                return [TextDelta(str(block["text"]))]
        elif kind == "content_block_delta":
            delta = payload.get("delta") or {}
            if delta.get("type") == "text_delta" and delta.get("text"):
                return [TextDelta(str(delta["text"]))]
            tool = state.blocks.get(int(payload["index"]))
            if delta.get("type") == "input_json_delta" and tool is not None:
                tool.parts.append(str(delta.get("partial_json") or ""))
        elif kind == "content_block_stop":
            tool = state.blocks.pop(int(payload["index"]), None)
            if tool is not None:
                call = self._finish_call(tool)
                if call is not None:
                    return [ToolCallRequested(call)]
                state.unreadable_call = tool.name
        elif kind == "message_delta":
            reason = (payload.get("delta") or {}).get("stop_reason")
            if reason:
                state.finish = _STOP.get(str(reason), FinishReason.STOP)
            usage = payload.get("usage") or {}
            if "output_tokens" in usage:  # cumulative: replaces, never adds
                state.output_tokens = int(usage["output_tokens"] or 0)
                state.saw_usage = True
            if usage.get("input_tokens") is not None:
                state.input_tokens = _input_tokens(usage)
        elif kind == "message_stop":
            state.complete = True
        elif kind == "error":
            error = payload.get("error") or {}
            raise self._transport.stream_error(
                str(error.get("type") or ""), str(error.get("message") or "")
            )
        # ping, and event types added after 2023-06-01, need nothing from us
        return []

    def _finish_call(self, tool: _ToolBlock) -> ToolCall | None:
        """The completed call, or ``None`` when its arguments are not a JSON object."""
        raw = "".join(tool.parts).strip()
        if not raw:
            arguments: Any = tool.start_input
        else:
            try:
                arguments = json.loads(raw)
            except ValueError:
                return None
        if not isinstance(arguments, dict) or not tool.name:
            return None
        return ToolCall(tool.id or f"toolu_{uuid.uuid4().hex[:24]}", tool.name, arguments)


def _input_tokens(usage: dict[str, Any]) -> int:
    return sum(
        int(usage.get(key) or 0)
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )


def _to_wire(messages: list[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """Our messages → (top-level system prompt, Anthropic messages); see the module docstring."""
    system: list[str] = []
    wire: list[dict[str, Any]] = []
    for message in messages:
        blocks: list[dict[str, Any]] = []
        if message.role is Role.SYSTEM:
            if message.content:
                system.append(message.content)
            continue
        if message.role is Role.TOOL:
            role = "user"
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": message.tool_call_id,
                    "content": message.content,
                }
            )
        else:
            role = "user" if message.role is Role.USER else "assistant"
            if message.content:  # Anthropic rejects empty text blocks
                blocks.append({"type": "text", "text": message.content})
            blocks.extend(
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in message.tool_calls
            )
        if not blocks:
            continue
        if wire and wire[-1]["role"] == role:
            wire[-1]["content"].extend(blocks)
        else:
            wire.append({"role": role, "content": blocks})
    for turn in wire:
        # tool_result blocks must open a user turn; sorted() is stable, so order is kept
        turn["content"] = sorted(turn["content"], key=lambda b: b["type"] != "tool_result")
    return "\n\n".join(system), wire
