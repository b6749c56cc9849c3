"""The shell page: the AI Coach layout, with the coach's chat and the slices' tabs."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from aicoach.accounts.deps import OptionalPrincipal
from aicoach.chat.repository import ChatRepository
from aicoach.chat.schemas import SessionRead
from aicoach.plugin import Tab
from aicoach.web.deps import SessionDep, container_of

router = APIRouter(include_in_schema=False)

#: Conversations rendered into the sidebar for the first paint (the page's JS then loads the list).
SIDEBAR_SESSIONS = 50


class _Registries(Protocol):
    @property
    def tabs(self) -> tuple[Tab, ...]: ...


class ShellParts(Protocol):
    @property
    def registries(self) -> _Registries: ...


@router.get("/")
async def shell(request: Request, principal: OptionalPrincipal, session: SessionDep) -> Response:
    """The workspace. ``?session=<id>`` names the open conversation (the chat's JS opens it)."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    parts: ShellParts = container_of(request)
    rows = await ChatRepository(session).list_sessions(principal.user.id, SIDEBAR_SESSIONS, 0)
    active = request.query_params.get("session")
    context = {
        "tabs": parts.registries.tabs,
        "chat_sessions": [SessionRead.of(r).model_dump(mode="json") for r in rows],
        "active_session_id": _row_id(active),
        "chat_enabled": True,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "chat/page.html", context
    )
    return response


def _row_id(value: str | None) -> int | None:
    """A conversation id from the query string, or ``None`` for anything that is not one
    (``isdigit`` alone accepts "²" and 5,000-digit numbers)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        return number if 0 < number < 2**31 else None
    return None
