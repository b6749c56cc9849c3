"""The global error page: an unhandled error shows the user its Sentry event id to quote.

``server_error_handler`` is registered for ``Exception`` (Starlette calls it from its outermost
``ServerErrorMiddleware``, then re-raises so the server logs it). It captures the exception once
(the SDK's own capture of the re-raised exception is deduplicated), and answers 500 with

* JSON ``{"detail", "code": "internal_error", "event_id", "request_id"}`` for API clients
  (``/api/`` paths or ``Accept: application/json``),
* a small self-contained HTML page otherwise (no template, so it works even when templating is
  what broke),

both carrying ``X-Request-ID``. Without Sentry the reference shown is the request id, which is in
every log line of that request. Apps with their own error rendering can call
:func:`describe_server_error` and render :class:`ServerErrorInfo` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from aicoach.observability import context
from aicoach.observability.sentry import capture_exception

MESSAGE = "Something went wrong on our side. The error has been recorded."


@dataclass(frozen=True, slots=True)
class ServerErrorInfo:
    event_id: str | None
    request_id: str | None

    @property
    def reference(self) -> str | None:
        """What the user should quote: the Sentry event id, else the request id."""
        return self.event_id or self.request_id


def describe_server_error(request: Request, exc: BaseException) -> ServerErrorInfo:
    """Capture ``exc`` (once) and return the ids to show the user."""
    rid = getattr(request.state, "request_id", None) or context.current_request_id()
    event_id = capture_exception(exc, method=request.method, path=request.url.path)
    return ServerErrorInfo(event_id=event_id, request_id=rid if isinstance(rid, str) else None)


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def render_error_page(info: ServerErrorInfo) -> str:
    """A standalone HTML page (inline style, escaped ids)."""
    ref = (
        f'<p>Error reference: <code id="error-reference">{escape(info.reference)}</code><br>'
        "<small>Quote this if you contact us.</small></p>"
        if info.reference
        else ""
    )
    rid = (
        f'<p class="rid">Request id: <code>{escape(info.request_id)}</code></p>'
        if info.request_id and info.event_id
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>Something went wrong · AI Coach</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
        "padding:0 1rem;color:#1f2937}code{background:#f3f4f6;padding:.1rem .3rem;"
        "border-radius:4px;user-select:all}.rid{color:#6b7280;font-size:.875rem}</style>"
        "</head><body><h1>Something went wrong</h1>"
        f'<p>{escape(MESSAGE)}</p>{ref}{rid}<p><a href="/">Back to the start page</a></p>'
        "</body></html>"
    )


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler for unhandled errors: 500 with the event id (see module docstring)."""
    info = describe_server_error(request, exc)
    headers = {"X-Request-ID": info.request_id} if info.request_id else {}
    if wants_json(request):
        return JSONResponse(
            {
                "detail": MESSAGE,
                "code": "internal_error",
                "event_id": info.event_id,
                "request_id": info.request_id,
            },
            status_code=500,
            headers=headers,
        )
    return HTMLResponse(render_error_page(info), status_code=500, headers=headers)
