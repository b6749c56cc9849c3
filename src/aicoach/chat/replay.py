"""Stored turns as stream events (``chat.stream``): what a re-post of the same
``client_message_id`` gets once the answer is done, and the first events of a new turn."""

from __future__ import annotations

from typing import Any

from aicoach.chat.models import ChatMessageRow, MessageStatus
from aicoach.chat.turns import Turn


def replay_events(
    user: ChatMessageRow, reply: ChatMessageRow | None
) -> list[tuple[str, dict[str, Any]]]:
    """A stored turn as stream events (see ``chat.stream``): what a re-post gets once done."""
    events: list[tuple[str, dict[str, Any]]] = [("user_message", user_message_event(user))]
    if reply is None:
        return events
    events.append(("assistant_start", {"message_id": reply.id, "model_label": reply.model_label}))
    for call in reply.tool_calls or []:
        started = {k: call.get(k) for k in ("call_id", "name", "arguments")}
        if call.get("phrase"):  # answers stored before tools declared phrases have none
            started["phrase"] = call["phrase"]
        events.append(("tool_started", started))
        events.append(
            (
                "tool_finished",
                {k: call.get(k) for k in ("call_id", "name", "ok", "summary", "citations")},
            )
        )
    for card in reply.cards or []:
        events.append(("card", card))
    if reply.content:
        events.append(("delta", {"text": reply.content}))
    usage = {
        "input_tokens": reply.input_tokens,
        "output_tokens": reply.output_tokens,
        "cost_usd": round(float(reply.cost_usd or 0.0), 6),
    }
    if reply.status is MessageStatus.ERROR:
        err = reply.error or {}
        events.append(
            (
                "error",
                {
                    "message_id": reply.id,
                    "code": err.get("code", "error"),
                    "message": err.get("message", "The answer failed."),
                    "retryable": bool(err.get("retryable", True)),
                    "status": reply.status.value,
                },
            )
        )
    elif reply.status is MessageStatus.STREAMING:
        # Being written by another process (or it died): report what is stored so far.
        events.append(
            (
                "error",
                {
                    "message_id": reply.id,
                    "code": "answer_unavailable",
                    "message": "This answer is still being written elsewhere or was interrupted;"
                    " reload the chat in a moment.",
                    "retryable": True,
                    "status": reply.status.value,
                },
            )
        )
    else:
        events.append(
            (
                "done",
                {
                    "message_id": reply.id,
                    "finish_reason": reply.finish_reason or "stop",
                    "status": reply.status.value,
                    "usage": usage,
                    "citations": list(reply.citations or []),
                },
            )
        )
    return events


def user_message_event(row: ChatMessageRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "session_id": row.session_id,
        "content": row.content,
        "created_at": row.created_at.isoformat(),
        "client_message_id": row.client_message_id,
    }


def turn_for(user: ChatMessageRow, reply: ChatMessageRow, label: str) -> Turn:
    """A new ``Turn`` whose log starts with ``user_message`` and ``assistant_start``."""
    turn = Turn(
        session_id=user.session_id,
        user_id=user.user_id,
        client_message_id=user.client_message_id or "",
        user_message_id=user.id,
        message_id=reply.id,
    )
    turn.emit("user_message", user_message_event(user))
    turn.emit("assistant_start", {"message_id": reply.id, "model_label": label})
    return turn
