"""Adapter for the OpenAI Chat Completions API — and every server that speaks it.

``POST {base_url}/chat/completions`` with ``stream: true``; the answer is Server-Sent Events,
one ``chat.completion.chunk`` JSON per ``data:`` line, ended by ``data: [DONE]``::

    {"choices": [{"index": 0, "delta": {"content": "Hel"}, "finish_reason": null}]}
    {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1",
        "type": "function", "function": {"name": "get_quote", "arguments": ""}}]}, ...}]}
    {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0,
        "function": {"arguments": "{\"sym"}}]}, ...}]}                    (more fragments)
    {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
    {"choices": [], "usage": {"prompt_tokens": 52, "completion_tokens": 18, ...}}
    [DONE]

Tool-call argument fragments are concatenated per ``index`` and decoded once the choice
finishes. The usage chunk comes only because we ask for it (``stream_options.include_usage``).

Leniencies for OpenAI-compatible servers (each seen in the wild): no API key at all (local
servers); ``finish_reason: "stop"`` although tool calls were streamed (→ TOOL_CALLS); a tool call
without ``index`` (a new ``id`` starts a call, none continues the latest); ``arguments`` sent as
an object instead of a JSON string; no ``[DONE]`` after a finish reason. ``max_tokens`` is sent
as ``max_completion_tokens`` to api.openai.com (its current name, required by its reasoning
models) and as ``max_tokens`` elsewhere (what the compatible servers read).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

from aicoach.llm._adapter import HTTPChatAdapter
from aicoach.llm.errors import LLMBadResponseError
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

OPENAI_BASE_URL = "https://api.openai.com/v1"

_FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
    # The filtered text simply ends; the trader sees what was let through.
    "content_filter": FinishReason.STOP,
}


@dataclass
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _StreamState:
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    finish: FinishReason | None = None
    usage: Usage | None = None
    saw_chunk: bool = False


class OpenAICompatibleLLM(HTTPChatAdapter):
    """``LLM`` over the Chat Completions API of OpenAI or any compatible server; the
    constructor is ``HTTPChatAdapter``'s. ``api_key`` may be ``None`` for local servers (no
    ``Authorization`` header is sent)."""

    name = "openai"
    vendor = "OpenAI"
    official_host = "api.openai.com"

    def _vendor_headers(self, api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def request_body(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        *,
        temperature: float,
        max_tokens: int,
    ) -> dict[str, Any]:
        """The JSON we POST (public so the chat service can log its size, tests its shape)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_to_wire(m) for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": min(2.0, max(0.0, temperature)),
            ("max_completion_tokens" if self.is_official else "max_tokens"): max_tokens,
        }
        if tools:  # OpenAI rejects an empty list
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
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
        url = f"{self.base_url}/chat/completions"
        transport = self._transport
        state = _StreamState()
        async with transport.open_stream(url, self._headers, body) as response:
            async for sse in transport.events(response):
                if sse.data.strip() == "[DONE]":
                    break
                chunk = transport.decode(sse)
                state.saw_chunk = True
                try:
                    events = self._read_chunk(chunk, state)
                except (TypeError, ValueError, AttributeError, KeyError) as exc:
                    # (LLMError is none of these) a chunk of the wrong shape, e.g. index: null
                    raise transport.bad_response("sent a chunk we cannot read") from exc
                for event in events:
                    yield event
        if state.finish is None:
            raise transport.ended_early(state.saw_chunk)
        if state.usage is not None:
            yield state.usage
        yield Finished(state.finish)

    def _read_chunk(self, chunk: dict[str, Any], state: _StreamState) -> list[LLMEvent]:
        """The events one ``chat.completion.chunk`` yields; updates ``state``."""
        error = chunk.get("error")
        if error is not None:  # vLLM and others report failures in-stream
            kind, detail = _error_parts(error)
            raise self._transport.stream_error(kind, detail)
        if isinstance(chunk.get("usage"), dict):
            state.usage = _usage(chunk["usage"])
        events: list[LLMEvent] = []
        for choice in chunk.get("choices") or ():
            if (choice.get("index") or 0) != 0:
                continue  # we ask for one choice (n=1)
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                events.append(TextDelta(content))
            for fragment in delta.get("tool_calls") or ():
                _absorb(state.calls, fragment)
            reason = choice.get("finish_reason")
            if reason and state.finish is None:
                finish = _FINISH.get(str(reason), FinishReason.STOP)
                events += [ToolCallRequested(c) for c in self._complete(state.calls, finish)]
                if state.calls and finish is FinishReason.STOP:
                    finish = FinishReason.TOOL_CALLS
                state.finish = finish
        return events

    def _complete(self, calls: dict[int, _PartialCall], finish: FinishReason) -> list[ToolCall]:
        done: list[ToolCall] = []
        for index in sorted(calls):
            partial = calls[index]
            raw = "".join(partial.arguments).strip() or "{}"
            try:
                arguments = json.loads(raw)
            except ValueError as exc:
                if finish is FinishReason.LENGTH:
                    continue  # cut by max_tokens: unusable, and Finished(LENGTH) says why
                raise LLMBadResponseError(
                    f"The AI model sent arguments for '{partial.name}' that are not valid JSON."
                ) from exc
            if not isinstance(arguments, dict):
                raise self._transport.bad_response(
                    f"sent arguments for '{partial.name}' that are not a JSON object"
                )
            if not partial.name:
                raise self._transport.bad_response("sent a tool call without a name")
            call_id = partial.id or f"call_{uuid.uuid4().hex[:24]}"  # some local servers send none
            done.append(ToolCall(call_id, partial.name, arguments))
        return done


def _absorb(calls: dict[int, _PartialCall], fragment: Any) -> None:
    """Add one streamed tool-call fragment to the call it belongs to."""
    if not isinstance(fragment, dict):
        return
    raw_id = fragment.get("id")
    call_id = raw_id if isinstance(raw_id, str) else ""
    index = fragment.get("index")
    if not isinstance(index, int):
        known = {c.id for c in calls.values()}
        if (call_id and call_id not in known) or not calls:
            index = max(calls, default=-1) + 1
        else:
            index = max(calls)
    partial = calls.setdefault(index, _PartialCall())
    if call_id and not partial.id:
        partial.id = call_id
    function = fragment.get("function") or {}
    name = function.get("name")
    if isinstance(name, str) and name and not partial.name:
        partial.name = name  # first wins: some servers repeat the full name in every fragment
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        partial.arguments.append(arguments)
    elif isinstance(arguments, dict):
        partial.arguments = [json.dumps(arguments)]


def _usage(raw: dict[str, Any]) -> Usage:
    return Usage(int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0))


def _error_parts(error: Any) -> tuple[str, str]:
    if isinstance(error, dict):
        return str(error.get("type") or error.get("code") or ""), str(error.get("message") or "")
    return "", str(error)


def _to_wire(message: ChatMessage) -> dict[str, Any]:
    """Our message → a Chat Completions message."""
    if message.role is Role.TOOL:
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    wire: dict[str, Any] = {"role": message.role.value, "content": message.content}
    if message.role is Role.ASSISTANT and message.tool_calls:
        # content null (not "") next to tool calls, as OpenAI itself answers
        wire["content"] = message.content or None
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    if message.name and message.role in (Role.SYSTEM, Role.USER):
        wire["name"] = message.name
    return wire
