"""The chat streaming protocol (server → browser), and its encoder.

``POST /api/chat/sessions/{session_id}/messages`` with ``{"content": str (1..8000 chars, not
blank), "client_message_id": "<uuid>"}`` answers ``200 text/event-stream``. Every event is
``event: <name>\\ndata: <one line of JSON>\\n\\n``; lines starting with ``:`` are keep-alive
comments (sent after 15 s of silence) and carry nothing. Events, in order::

    user_message      {id, session_id, content, created_at, client_message_id}
    assistant_start   {message_id, model_label}
    ( delta           {text}                              the next piece of the answer
    | tool_started    {call_id, name, arguments, phrase}  phrase: "Looking up SPY key levels"
    | tool_finished   {call_id, name, ok, summary, citations: [Citation]}
    | card            {card_id, type, data, citations: [Citation]}
    )*
    done              {message_id, finish_reason, status, usage: {input_tokens, output_tokens,
                       cost_usd}, citations: [Citation]}
  | error             {message_id, code, message, retryable, status}
    title?            {session_id, title}    (after done/error, when the chat got a new title)

    Citation = {source: simulated|delayed|real-time|files|your data, as_of: ISO 8601 UTC,
                market_session: pre-market|regular|after-hours|closed, label}

``finish_reason`` is ``stop`` (answered), ``length`` (hit the token cap), ``tool_rounds`` (the
tool-round limit was reached) or ``stopped`` (``POST /api/chat/sessions/{id}/stop``; the partial
text is kept with ``status: "stopped"``). After ``error`` the user's message is kept and the
assistant message is stored with ``status: "error"`` and whatever text had arrived.
``retryable`` says whether asking again may work (provider busy or unreachable) or not (bad
key, rejected request).

Generation runs apart from the HTTP connection: closing the stream neither stops nor loses the
answer (it is stored when done). Re-posting the same ``client_message_id`` never stores the
message twice: while the answer is being written it re-attaches (every event again from the
start), afterwards it replays the stored turn (``user_message``, ``assistant_start``, the tool
events and cards, the whole text as one ``delta``, then ``done`` or ``error``). Card ids are
``"<message_id>-<n>"``, so a replay yields the same ids.

Refusals before the stream starts are ordinary JSON errors: 404 (no such chat for you), 409 (an
answer is already being written in this chat with another ``client_message_id``), 422 (empty or
longer than 8000 characters), 429 with ``Retry-After`` (too many messages per minute).
"""

from __future__ import annotations

import json
from typing import Any, Final

KEEPALIVE: Final = b": keep-alive\n\n"
MEDIA_TYPE: Final = "text/event-stream"
#: Headers for the streaming response: no caching, no proxy buffering (nginx honours the last).
HEADERS: Final = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}

EVENT_NAMES: Final = frozenset(
    {
        "user_message",
        "assistant_start",
        "delta",
        "tool_started",
        "tool_finished",
        "card",
        "done",
        "error",
        "title",
    }
)


def encode(event: str, data: dict[str, Any]) -> bytes:
    """One SSE event. JSON is dumped on one line (``ensure_ascii`` keeps U+2028 etc. escaped),
    so no ``data:`` line ever contains a raw newline."""
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown chat stream event {event!r}")
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return f"event: {event}\ndata: {payload}\n\n".encode()


def decode(raw: str) -> list[tuple[str, dict[str, Any]]]:
    """Parse a whole stream body back into ``(event, data)`` pairs (tests, the bench, tools)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        name, data = "", []
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if name and data:
            out.append((name, json.loads("\n".join(data))))
    return out
