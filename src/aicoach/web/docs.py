"""``/api/docs``: the interactive API reference, served from vendored files so it works offline
(FastAPI's default page loads Swagger UI from a CDN, which is blank here)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)


@router.get("/api/docs")
async def api_docs(request: Request) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, "api_docs.html", {"openapi_url": request.app.openapi_url}
    )
    return response
