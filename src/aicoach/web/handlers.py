"""Errors → JSON for the API and HTMX, a page for browsers. Nothing leaves as a bare 500 trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sentry_sdk
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from aicoach.errors import AICoachError
from aicoach.observability.context import current_request_id
from aicoach.observability.sentry import capture_exception
from aicoach.web.htmx import wants_json
from aicoach.web.validation import readable, summary

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "Too large",
    422: "Invalid input",
    429: "Slow down",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


def _describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    problems = readable(exc.errors())
    details = [{"field": p.field, "message": p.message, "type": p.type} for p in problems]
    return summary(problems), details


def render_error(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    event_id: str | None = None,
) -> Response:
    request_id = current_request_id()
    if wants_json(request):
        body: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
        if details:
            body["details"] = details
        if event_id:
            body["event_id"] = event_id
        return JSONResponse({"error": body}, status_code=status, headers=dict(headers or {}))
    if status == 401 and request.method == "GET":
        return Response(status_code=303, headers={"Location": f"/login?next={request.url.path}"})
    templates = request.app.state.templates
    context = {
        "status_code": status,
        "title": _TITLES.get(status, "Error"),
        "message": message,
        "event_id": event_id,
    }
    page: Response = templates.TemplateResponse(
        request, "errors/error.html", context, status_code=status, headers=dict(headers or {})
    )
    return page


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AICoachError)
    return render_error(request, exc.status_code, exc.code, exc.message, headers=exc.headers())


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    message, details = _describe_validation(exc)
    return render_error(request, 422, "validation_failed", message, details=details)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {404: "Nothing lives at this address.", 405: "That method is not allowed here."}
    message = messages.get(exc.status_code) or str(exc.detail)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return render_error(request, exc.status_code, code, message, headers=exc.headers)


#: What a client is told to wait when the database is away (seconds).
OUTAGE_RETRY_AFTER = 5
#: SQLSTATE classes of a connection lost or refused: 08 (connection exception), 57P0x (the server
#: shutting down, crashed, or not yet accepting connections), 53 (out of resources).
_OUTAGE_SQLSTATES = ("08", "57P0", "53")
#: SQLite says "operational error" for a lock held too long or a file it cannot open — and for
#: a typo in SQL, which is a bug (500): only these messages are outages.
_OUTAGE_MESSAGES = (
    "database is locked",
    "unable to open database",
    "disk i/o error",
    "database or disk is full",
    "connection is closed",
    "cannot operate on a closed database",
)


def _driver_outages() -> tuple[type[BaseException], ...]:
    try:
        from asyncpg import exceptions as pg
    except ImportError:  # pragma: no cover - asyncpg is a dependency; SQLite-only installs
        return ()
    return (
        pg.CannotConnectNowError,
        pg.ConnectionDoesNotExistError,
        pg.PostgresConnectionError,
        pg.InterfaceError,
    )


_OUTAGES: tuple[type[BaseException], ...] = (
    PoolTimeoutError,  # the pool had no connection to give within its timeout
    InterfaceError,  # the connection is closed or broken
    ConnectionError,  # refused, reset, aborted (asyncpg's connect raises these bare)
    TimeoutError,
    *_driver_outages(),
)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it wraps) means the database cannot be reached right now,
    rather than that this request was wrong: such errors are a 503 with ``Retry-After``."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        err = stack.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, _OUTAGES):
            return True
        if isinstance(err, DBAPIError) and err.connection_invalidated:
            return True
        sqlstate = str(getattr(err, "sqlstate", "") or getattr(err, "pgcode", "") or "")
        if sqlstate.startswith(_OUTAGE_SQLSTATES):
            return True
        if isinstance(err, OperationalError) and str(err.orig).lower().startswith(_OUTAGE_MESSAGES):
            return True
        orig = getattr(err, "orig", None)
        stack += [orig if isinstance(orig, BaseException) else None, err.__cause__, err.__context__]
    return False


async def _outage(request: Request, exc: Exception) -> Response:
    """The database (or its pool) is away: 503, come back in a few seconds. Logged once, as a
    warning: it is an outage to watch, not a bug to report per request."""
    log.warning("database unavailable: %s: %s", type(exc).__name__, str(exc)[:300])
    return render_error(
        request,
        503,
        "database_unavailable",
        "The database is not answering right now; nothing was saved. Please try again in a few "
        "seconds.",
        headers={"Retry-After": str(OUTAGE_RETRY_AFTER)},
    )


async def _connection_error(request: Request, exc: Exception) -> Response:
    if is_outage(exc):
        return await _outage(request, exc)
    return await _unhandled(request, exc)


async def _database_error(request: Request, exc: Exception) -> Response:
    """Values the database refuses as data (SQLSTATE class 22: a NUL character, a number out of
    range, text too long) came from the request: a 422, not a 500. The transaction already rolled
    back, so nothing was half-written. Anything else is a real server error."""
    assert isinstance(exc, DBAPIError)
    if is_outage(exc):
        return await _outage(request, exc)
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "") or "")
    if not sqlstate.startswith("22"):
        return await _unhandled(request, exc)
    message = (
        "Some input could not be stored: it contains a character or value the database cannot "
        "hold (for example a NUL character, or a number or text that is too large)."
    )
    return render_error(request, 422, "unstorable_input", message)


async def _unhandled(request: Request, exc: Exception) -> Response:
    # Sentry's integration may have captured it already; dedupe keeps one event either way.
    # capture_exception also writes the log line (on a logger Sentry ignores).
    event_id = capture_exception(exc) or sentry_sdk.last_event_id()
    return render_error(
        request,
        500,
        "internal_error",
        "Something went wrong on our side. It has been reported.",
        event_id=event_id,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(AICoachError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    for outage in (PoolTimeoutError, ConnectionError, TimeoutError, *_driver_outages()):
        app.add_exception_handler(outage, _connection_error)
    app.add_exception_handler(Exception, _unhandled)
