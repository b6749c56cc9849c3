"""The shell page (the AI Coach layout, with the coach's chat plugged in) and the health probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from aicoach.chat.repository import ChatRepository
from aicoach.chat.schemas import SessionRead
from aicoach.migrations.runner import migrations_at_head
from aicoach.web.deps import OptionalPrincipal, SessionDep, StateDep

router = APIRouter(include_in_schema=False)

#: Conversations rendered into the sidebar for the first paint (the page's JS then loads the list).
SIDEBAR_SESSIONS = 50


@router.get("/")
async def shell(
    request: Request, principal: OptionalPrincipal, state: StateDep, session: SessionDep
) -> Response:
    """The workspace. ``?session=<id>`` names the open conversation (the chat's JS opens it)."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    rows = await ChatRepository(session).list_sessions(principal.user.id, SIDEBAR_SESSIONS, 0)
    active = request.query_params.get("session")
    context = {
        "tabs": state.tabs.all(),
        "chat_sessions": [SessionRead.of(r).model_dump(mode="json") for r in rows],
        "active_session_id": int(active) if active and active.isdigit() else None,
        "chat_enabled": True,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "chat/page.html", context
    )
    return response


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers. Touches nothing else on purpose."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: StateDep) -> Response:
    """Ready: the database answers and its schema is at the latest migration."""
    checks: dict[str, str] = {}
    try:
        async with state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            at_head = await conn.run_sync(migrations_at_head)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if at_head else "behind"
    except Exception as exc:  # any failure means not ready; say which
        checks["database"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values()) and len(checks) == 2
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )
