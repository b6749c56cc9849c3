"""A local OpenAI-compatible server (Chat Completions, streaming) replaying a script.

    from tests.fakes.llm_script import call, text_turn, tool_turn
    from tests.fakes.openai_server import serve_openai

    script = [
        tool_turn(call("get_quote", {"symbol": "SPY"})),        # the model asks for a tool
        lambda body: text_turn(f"Saw {body['messages'][-1]['content']}"),  # answers from it
    ]
    with serve_openai(script, api_key="sk-test") as server:
        llm = OpenAICompatibleLLM(server.base_url, "sk-test", "gpt-4o-mini")
        ...
        server.bodies[1]["messages"]       # what the client sent back
        server.fail(429, times=2, retry_after="0")   # faults: see tests/fakes/llm_script.py
        assert server.problems == []       # no malformed request, script not exhausted

``base_url`` ends in ``/v1`` like OpenAI's; the route is ``POST /v1/chat/completions``. Streams
exactly like OpenAI: a role chunk, content chunks, tool-call chunks (``id``/``name`` in the
first fragment, ``arguments`` in ``fragments`` pieces), a finish chunk, a usage chunk with
``choices: []`` only when ``stream_options.include_usage`` is set (other chunks then carry
``"usage": null``), and ``data: [DONE]``.

With ``api_key`` set, ``Authorization: Bearer <key>`` is required (401 otherwise — and the 401
text quotes the key it got, deliberately worse than OpenAI's masked echo, so tests prove our
errors never repeat it). Requests are checked as OpenAI does: ``stream: true`` (this fake only
streams), known roles, every ``role: tool`` message answering a ``tool_call_id`` of the
preceding assistant ``tool_calls``, every such call answered before the next turn, ``arguments``
a JSON string, tools in the ``{"type": "function", "function": {...}}`` shape.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tests.fakes.llm_script import (
    FakeLLMServer,
    ScriptItem,
    Turn,
    error_json,
    run_server,
    split_fragments,
    sse,
)

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


class FakeOpenAI(FakeLLMServer):
    vendor = "openai"
    route = "/v1/chat/completions"

    def check_auth(self, request: Request) -> str | None:
        if self.api_key is None:
            return None
        sent = request.headers.get("authorization", "")
        if sent == f"Bearer {self.api_key}":
            return None
        return f"Incorrect API key provided: {sent.removeprefix('Bearer ')}."

    def check_request(self, headers: dict[str, str], body: dict[str, Any]) -> str | None:
        if not isinstance(body.get("model"), str) or not body["model"]:
            return "you must provide a model parameter"
        if body.get("stream") is not True:
            return "this fake only serves stream: true"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "'messages' must be a non-empty array"
        open_calls: set[str] = set()
        for i, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if role not in ("system", "developer", "user", "assistant", "tool"):
                return f"messages[{i}].role is not valid"
            if role == "tool":
                if message.get("tool_call_id") not in open_calls:
                    return (
                        f"messages[{i}]: messages with role 'tool' must be a response to a "
                        "preceding message with 'tool_calls'"
                    )
                open_calls.discard(message["tool_call_id"])
                continue
            if open_calls:
                return (
                    "An assistant message with 'tool_calls' must be followed by tool messages "
                    f"responding to each 'tool_call_id'. Missing: {sorted(open_calls)}"
                )
            if role == "assistant" and message.get("tool_calls"):
                for tc in message["tool_calls"]:
                    function = tc.get("function") or {}
                    if tc.get("type") != "function" or not tc.get("id") or not function.get("name"):
                        return f"messages[{i}].tool_calls: each needs id, type and function.name"
                    if not isinstance(function.get("arguments"), str):
                        return f"messages[{i}].tool_calls[].function.arguments must be a string"
                    open_calls.add(tc["id"])
            elif not isinstance(message.get("content"), str):
                return f"messages[{i}].content must be a string"
        tools = body.get("tools")
        if tools is not None:
            if not isinstance(tools, list) or not tools:
                return "'tools' must be a non-empty array when present"
            for tool in tools:
                function = tool.get("function") if isinstance(tool, dict) else None
                if tool.get("type") != "function" or not isinstance(function, dict):
                    return "each tool must be {type: function, function: {...}}"
                if not function.get("name") or not isinstance(function.get("parameters"), dict):
                    return "each tool function needs a name and JSON-schema parameters"
        return None

    def error_response(
        self, status: int, message: str | None, headers: dict[str, str] | None = None
    ) -> Response:
        kind, code = _ERROR_TYPES.get(status, ("server_error", None))
        text = message or {
            429: "Rate limit reached for gpt-4o-mini on requests per min (RPM).",
        }.get(status, "The server had an error while processing your request.")
        payload = {"error": {"message": text, "type": kind, "param": None, "code": code}}
        return error_json(status, payload, headers)

    def render(self, turn: Turn, body: dict[str, Any], n: int) -> list[str]:
        with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base: dict[str, Any] = {
            "id": f"chatcmpl-fake{n}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            payload = {
                **base,
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if with_usage:
                payload["usage"] = None
            return sse(payload)

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": piece}) for piece in turn.text]
        for index, scripted in enumerate(turn.tool_calls):
            call_id = scripted.id or f"call_fake{n}_{index}"
            head = {"name": scripted.name, "arguments": ""}
            events.append(
                chunk(
                    {
                        "tool_calls": [
                            {"index": index, "id": call_id, "type": "function", "function": head}
                        ]
                    }
                )
            )
            for piece in split_fragments(json.dumps(scripted.arguments), scripted.fragments):
                events.append(
                    chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                )
        events.append(chunk({}, turn.finish_reason))
        if with_usage:
            usage = {
                "prompt_tokens": turn.input_tokens,
                "completion_tokens": turn.output_tokens,
                "total_tokens": turn.input_tokens + turn.output_tokens,
            }
            events.append(sse({**base, "choices": [], "usage": usage}))
        events.append(sse("[DONE]"))
        return events


@contextmanager
def serve_openai(
    script: Sequence[ScriptItem] = (), *, api_key: str | None = None
) -> Iterator[FakeOpenAI]:
    """Run a fake OpenAI server on 127.0.0.1; ``base_url`` is ``http://127.0.0.1:<port>/v1``."""
    yield from run_server(FakeOpenAI(script, api_key), "/v1")
