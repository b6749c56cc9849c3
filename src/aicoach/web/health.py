"""The health probes: ``/healthz`` (alive) and ``/readyz`` (the database answers, at head, and
Redis answers when it is configured)."""

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
    """Ready: the database answers and its schema is at the latest migration; Redis (the job
    queue's storage, when configured) answers a PING."""
    parts = parts_of(request)
    checks: dict[str, str] = {}
    expected = 3 if parts.settings.redis_url else 2
    try:
        async with parts.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            at_head = await conn.run_sync(migrations_at_head)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if at_head else "behind"
    except Exception as exc:  # any failure means not ready; say which
        checks["database"] = f"error: {type(exc).__name__}"
    if parts.settings.redis_url:
        checks["redis"] = await _redis_check(parts.settings.redis_url)
    ready = all(v == "ok" for v in checks.values()) and len(checks) == expected
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503
    )


async def _redis_check(url: str) -> str:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
        return "ok"
    except Exception as exc:  # any failure means not ready; say which
        return f"error: {type(exc).__name__}"
    finally:
        await client.aclose()  # type: ignore[attr-defined]  # (redis ≥ 5; older stubs)
