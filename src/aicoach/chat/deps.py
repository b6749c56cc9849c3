"""``ChatDep``: the chat's runtime (model, tools, running turns), from the app's container."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Depends, Request

from aicoach.chat.service import ChatRuntime
from aicoach.web.deps import container_of


class ChatRuntimeParts(Protocol):
    @property
    def chat(self) -> ChatRuntime: ...


async def get_chat(request: Request) -> ChatRuntime:
    parts: ChatRuntimeParts = container_of(request)
    return parts.chat


ChatDep = Annotated[ChatRuntime, Depends(get_chat)]
