"""``ObservabilityMiddleware``: request ids, one access-log line and metrics per request.

A *pure* ASGI middleware (no ``BaseHTTPMiddleware``: that one runs the app in a second task,
copies the context and costs tens of microseconds per request). Per HTTP request it

1. takes a sane inbound ``X-Request-ID`` (1–128 characters of ``[A-Za-z0-9._-]``) or makes one
   (32 random hex digits, like ``uuid4().hex``), binds it (contextvar, ``request.state.request_id``,
   Sentry tag) and echoes it on the response;
2. remembers the raw values of the secret-bearing headers (cookie, authorization, CSRF, API key)
   while Sentry is on, so that an event of this request can be scrubbed of exactly those values;
3. times the request (``time.perf_counter``, from the call to the end of the response body) and
   at the end writes one ``aicoach.access`` log line (method, path, route template, status,
   ``latency_ms``; the formatter adds request and user ids) and updates the HTTP metrics.

The route label is the matched route's template, ``<mount>/{path}`` for mounted apps, or
``<unmatched>``; never the raw path (cardinality). When the app raises, Starlette's outermost
``ServerErrorMiddleware`` sends the 500 itself, outside this middleware: the line then says 500,
and the error handler (:mod:`aicoach.observability.errorpage`) sets ``X-Request-ID``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time

import sentry_sdk
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicoach.observability import context
from aicoach.observability.metrics import HTTP_IN_FLIGHT, REQUEST_METRICS, STREAMS_OPEN
from aicoach.observability.scrub import SECRET_HEADERS
from aicoach.observability.sentry import ACCESS_LOGGER

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED = "<unmatched>"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._\-]{1,128}")
_SSE = b"text/event-stream"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_access = logging.getLogger(ACCESS_LOGGER)


def valid_request_id(value: str | bytes | None) -> str | None:
    """``value`` if it is an acceptable request id (≤ 128 chars of ``[A-Za-z0-9._-]``)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        if len(value) > 128:
            return None
        value = value.decode("latin-1")
    return value if _REQUEST_ID_RE.fullmatch(value) else None


def route_template(scope: Scope, root_path_before: str = "") -> str:
    """The template of the route that served ``scope`` (read after the app ran).

    FastAPI ≥ 0.16x keeps the full template (router prefixes included) in its effective route
    context; older versions and plain Starlette put the route in ``scope["route"]``. Mounts add
    the part of ``root_path`` they consumed.
    """
    path: str | None = None
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        effective = fastapi_scope.get("effective_route_context")
        path = getattr(effective, "path_format", None) or None
    route = scope.get("route")
    if path is None and route is not None:
        path = getattr(route, "path_format", None) or getattr(route, "path", None) or None
        if path is not None and isinstance(route, Mount):
            path = ""  # the mount's own prefix is already in root_path
    root_path = scope.get("root_path", "") or ""
    prefix = root_path[len(root_path_before) :] if root_path.startswith(root_path_before) else ""
    if path:
        return prefix + path
    if prefix:
        return prefix + "/{path}"
    return UNMATCHED


class ObservabilityMiddleware:
    """See the module docstring. ``app.add_middleware(ObservabilityMiddleware)``."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return

        sentry_on = sentry_sdk.get_client().is_active()
        inbound: bytes | None = None
        raw_secrets: list[tuple[str, str]] = []
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                inbound = value
            elif sentry_on and name in SECRET_HEADERS:
                raw_secrets.append((name.decode("latin-1"), value.decode("latin-1")))
        rid = valid_request_id(inbound) or os.urandom(16).hex()
        state = context.begin_request(rid)
        state.raw_secrets.extend(raw_secrets)
        scope_state = scope.setdefault("state", {})
        scope_state["request_id"] = rid

        if kind == "websocket":
            STREAMS_OPEN.labels("websocket").inc()
            try:
                await self.app(scope, receive, send)
            finally:
                STREAMS_OPEN.labels("websocket").dec()
            return

        rid_header = (b"x-request-id", rid.encode("ascii"))
        status = 0

        streaming = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", ())
                if any(k == b"content-type" and v.startswith(_SSE) for k, v in headers):
                    streaming = True
                    STREAMS_OPEN.labels("sse").inc()
                message = {**message, "headers": [*headers, rid_header]}
            await send(message)

        root_path_before: str = scope.get("root_path", "") or ""
        error: str | None = None
        started = time.perf_counter()
        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except asyncio.CancelledError:
            if status == 0:
                status = 499  # the client went away before an answer (nginx's convention)
            error = "CancelledError"
            raise
        except BaseException as exc:
            if status == 0:
                status = 500
            error = type(exc).__name__
            raise
        finally:
            elapsed = time.perf_counter() - started
            HTTP_IN_FLIGHT.dec()
            if streaming:
                STREAMS_OPEN.labels("sse").dec()
            method = scope["method"]
            if method not in _KNOWN_METHODS:
                method = "OTHER"
            route = route_template(scope, root_path_before)
            REQUEST_METRICS.observe(method, route, status, elapsed)
            if self.access_log and _access.isEnabledFor(logging.INFO):
                _log_access(method, scope["path"], route, status, elapsed, error)


def _log_access(
    method: str, path: str, route: str, status: int, elapsed: float, error: str | None
) -> None:
    # Built by hand: Logger.info() would walk the stack for the caller (findCaller) on every
    # request, which costs more than everything else this middleware does.
    record = logging.LogRecord(
        ACCESS_LOGGER, logging.INFO, __file__, 0, "%s %s %d", (method, route, status), None
    )
    record.method = method
    record.path = path
    record.route = route
    record.status = status
    record.latency_ms = round(elapsed * 1000.0, 3)
    if error is not None:
        record.error = error
    _access.handle(record)
