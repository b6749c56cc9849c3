"""Errors of the chat slice (all in the tree of ``aicoach.errors``)."""

from __future__ import annotations

from aicoach.errors import ConflictError, NotFoundError, RateLimitedError


class ChatSessionNotFoundError(NotFoundError):
    """No such chat for this user (another user's chat is reported the same way)."""

    code = "chat_not_found"

    def __init__(self) -> None:
        super().__init__("That chat does not exist (or was deleted).")


class ChatBusyError(ConflictError):
    code = "chat_busy"

    def __init__(self) -> None:
        super().__init__(
            "The coach is still answering in this chat; wait for it or press stop, then send."
        )


class ChatRateLimitedError(RateLimitedError):
    code = "chat_rate_limited"
