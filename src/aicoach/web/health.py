"""The health probes: ``/healthz`` (alive) and ``/readyz`` (the database answers, at head)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from aicoach.migrations.runner import migrations_at_head
from aicoach.web.deps import parts_of

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers. Touches nothing else on purpose."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready: the database answers and its schema is at the latest migration."""
    checks: dict[str, str] = {}
    try:
        async with parts_of(request).engine.connect() as conn:
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
