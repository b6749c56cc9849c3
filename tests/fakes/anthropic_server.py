"""A local Anthropic Messages API server (streaming) replaying a script.

    from tests.fakes.anthropic_server import serve_anthropic
    from tests.fakes.llm_script import call, text_turn, tool_turn

    with serve_anthropic([tool_turn(call("get_quote", {"symbol": "SPY"})), text_turn("Done.")],
                         api_key="sk-ant-test") as server:
        llm = AnthropicLLM(server.base_url, "sk-ant-test", "claude-haiku-4-5")
        ...
        server.bodies[1]["messages"][-1]["content"][0]["type"] == "tool_result"

Same script and fault API as the OpenAI fake (``tests/fakes/llm_script.py``). The route is
``POST /v1/messages`` and ``base_url`` has no path, like ``https://api.anthropic.com``. Streams
exactly like Anthropic: ``message_start`` (input tokens), ``ping``, a text block
(``content_block_start``/``text_delta``s/``content_block_stop``), one ``tool_use`` block per
call (``input_json_delta`` fragments, starting with an empty one as the API does),
``message_delta`` (``stop_reason`` end_turn/tool_use/max_tokens, cumulative output tokens) and
``message_stop``. Errors use Anthropic's body ``{"type": "error", "error": {"type", "message"}}``
(429 → rate_limit_error, 529 → overloaded_error, ...).

Checked as Anthropic does: ``x-api-key`` (when ``api_key`` is set; a wrong key gets 401 with
the key quoted back, deliberately), ``anthropic-version`` present, ``max_tokens`` present,
roles only user/assistant starting with user (a ``system`` role is an error: the prompt goes in
the top-level ``system``), every ``tool_use`` answered by a ``tool_result`` in the very next
user message, tool results first in that message and answering only that assistant's calls,
tools shaped ``{name, description, input_schema}``.
"""

from __future__ import annotations

import json
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
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}
_STOP = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}


class FakeAnthropic(FakeLLMServer):
    vendor = "anthropic"
    route = "/v1/messages"

    def check_auth(self, request: Request) -> str | None:
        if self.api_key is None:
            return None
        sent = request.headers.get("x-api-key", "")
        return None if sent == self.api_key else f"invalid x-api-key: {sent}"

    def check_request(self, headers: dict[str, str], body: dict[str, Any]) -> str | None:
        if not headers.get("anthropic-version"):
            return "anthropic-version: header is required"
        if not isinstance(body.get("model"), str) or not body["model"]:
            return "model: Field required"
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
            return "max_tokens: Field required"
        if body.get("stream") is not True:
            return "this fake only serves stream: true"
        if "system" in body and not isinstance(body["system"], (str, list)):
            return "system: must be a string or a list of text blocks"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "messages: at least one message is required"
        pending: set[str] = set()  # tool_use ids of the previous assistant turn
        previous_role = ""
        for i, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if role not in ("user", "assistant"):
                return f"messages.{i}.role: Input should be 'user' or 'assistant'"
            if i == 0 and role != "user":
                return 'messages: first message must use the "user" role'
            content = message.get("content")
            blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
            if not isinstance(blocks, list) or not blocks:
                return f"messages.{i}.content: must be a non-empty string or list"
            if role == previous_role:
                return f"messages.{i}: roles must alternate between user and assistant"
            previous_role = role
            kinds = [b.get("type") for b in blocks]
            if role == "user":
                results = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
                if pending and set(results) != pending:
                    return (
                        f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                        f"immediately after: {sorted(pending - set(results))}"
                    )
                if set(results) - pending:
                    return f"messages.{i}: unexpected `tool_use_id` in `tool_result` blocks"
                if results and kinds[: len(results)] != ["tool_result"] * len(results):
                    return f"messages.{i}: tool_result blocks must come first"
                pending = set()
            else:
                if pending:
                    return f"messages.{i}: tool_use blocks were not answered"
                for block in blocks:
                    if block.get("type") == "tool_use":
                        if not block.get("id") or not isinstance(block.get("input"), dict):
                            return f"messages.{i}: tool_use needs an id and an input object"
                        pending.add(block["id"])
            for block in blocks:
                if block.get("type") == "text" and not block.get("text"):
                    return f"messages.{i}: text content blocks must be non-empty"
        for tool in body.get("tools") or ():
            if not tool.get("name") or not isinstance(tool.get("input_schema"), dict):
                return "tools: each tool needs a name and an input_schema"
        return None

    def error_response(
        self, status: int, message: str | None, headers: dict[str, str] | None = None
    ) -> Response:
        kind = _ERROR_TYPES.get(status, "api_error")
        text = message or {
            429: "Number of requests has exceeded your rate limit.",
            529: "Overloaded",
        }.get(status, "Internal server error")
        return error_json(
            status, {"type": "error", "error": {"type": kind, "message": text}}, headers
        )

    def render(self, turn: Turn, body: dict[str, Any], n: int) -> list[str]:
        start = {
            "type": "message_start",
            "message": {
                "id": f"msg_fake{n}",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": body["model"],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": turn.input_tokens, "output_tokens": 1},
            },
        }
        events = [sse(start, "message_start"), sse({"type": "ping"}, "ping")]
        blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        if turn.text:
            deltas = [{"type": "text_delta", "text": piece} for piece in turn.text]
            blocks.append(({"type": "text", "text": ""}, deltas))
        for k, scripted in enumerate(turn.tool_calls):
            head = {
                "type": "tool_use",
                "id": scripted.id or f"toolu_fake{n}_{k}",
                "name": scripted.name,
                "input": {},
            }
            pieces = ["", *split_fragments(json.dumps(scripted.arguments), scripted.fragments)]
            blocks.append((head, [{"type": "input_json_delta", "partial_json": p} for p in pieces]))
        for index, (head, deltas) in enumerate(blocks):
            events.append(_event("content_block_start", index=index, content_block=head))
            events += [_event("content_block_delta", index=index, delta=d) for d in deltas]
            events.append(_event("content_block_stop", index=index))
        final = {
            "type": "message_delta",
            "delta": {"stop_reason": _STOP[turn.finish_reason], "stop_sequence": None},
            "usage": {"output_tokens": turn.output_tokens},
        }
        events.append(sse(final, "message_delta"))
        events.append(sse({"type": "message_stop"}, "message_stop"))
        return events


def _event(kind: str, **fields: Any) -> str:
    return sse({"type": kind, **fields}, kind)


@contextmanager
def serve_anthropic(
    script: Sequence[ScriptItem] = (), *, api_key: str | None = None
) -> Iterator[FakeAnthropic]:
    """Run a fake Anthropic server on 127.0.0.1; ``base_url`` is ``http://127.0.0.1:<port>``."""
    yield from run_server(FakeAnthropic(script, api_key), "")
