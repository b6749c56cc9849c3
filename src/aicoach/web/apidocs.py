"""The API documents every status it can answer, and OPTIONS tells which methods a path takes.

Routes declare their own domain errors with ``responses=errors(NotFoundError, ConflictError)``;
``document_errors`` adds, to every operation of the OpenAPI document, what the app's middleware
and handlers can return whatever the route (401, 403, 422, 429, 503; 404 where a path parameter
names a resource; 400/413 where a body is read; 409 on every change; the ``Idempotency-Key``
header on every ``POST``), all with the one error envelope the handlers
render (web.handlers.render_error). Done once here so a route added tomorrow is documented too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from aicoach.errors import AICoachError

ERROR_SCHEMA_NAME = "ErrorEnvelope"
_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
ERROR_ENVELOPE: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {"type": ["string", "null"]},
                "details": {"type": "array", "items": {"type": "object"}},
                "event_id": {"type": "string"},
            },
        }
    },
}
_DESCRIPTIONS = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden (CSRF check failed, or the token lacks the scope)",
    404: "Not found (or not yours)",
    409: (
        "Conflict: it already exists, it changed since you read it, or a request with this "
        "Idempotency-Key is still in progress (see Retry-After)"
    ),
    413: "Body too large",
    422: "Invalid input",
    429: "Too many requests (see Retry-After)",
    503: "Temporarily unavailable (see Retry-After)",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
#: What middleware and handlers can answer on any operation, whatever the route declares.
GENERIC = (401, 403, 422, 429, 503)
_BODY_METHODS = frozenset({"post", "put", "patch"})
_CHANGING_METHODS = frozenset({"post", "put", "patch", "delete"})
IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (1-255 printable ASCII, e.g. a UUID). Sending the same create again "
        "with the same key replays the first answer (header Idempotent-Replayed: true) instead "
        "of creating it twice; the key is yours alone and kept 24 hours. The same key with a "
        "different request is a 422; while the first is running, a 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~][ -~]*$"},
}


def _response(status: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "description": _DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": _REF}},
    }
    if status in (409, 429, 503):
        doc["headers"] = _RETRY_AFTER
    return doc


def errors(*kinds: type[AICoachError]) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the domain errors it raises, in the app's error envelope."""
    return {kind.status_code: _response(kind.status_code) for kind in kinds}


def _complete(operation: dict[str, Any], method: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted = set(GENERIC)
    parameters = operation.get("parameters", [])
    # A path parameter names a resource; a symbol can be one the market does not list.
    if any(p.get("in") == "path" or p.get("name") == "symbol" for p in parameters):
        wanted.add(404)
    if method in _BODY_METHODS or "requestBody" in operation:
        wanted |= {400, 413}
    if method in _CHANGING_METHODS:
        wanted.add(409)
    if method == "post":  # every create takes an Idempotency-Key (web.idempotency)
        wanted.add(400)
        if not any(p.get("name") == "Idempotency-Key" for p in parameters):
            operation["parameters"] = [*parameters, IDEMPOTENCY_PARAMETER]
    for status in sorted(wanted):
        # FastAPI's own 422 describes HTTPValidationError, which this app never sends.
        if str(status) not in responses or status == 422:
            responses[str(status)] = _response(status)


def document_errors(app: FastAPI) -> None:
    """Wrap ``app.openapi`` so every operation lists the generic errors (computed once)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = (
            ERROR_ENVELOPE
        )
        for item in document.get("paths", {}).values():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    _complete(operation, method)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: ASGIApp, scope: Scope) -> set[str]:
    """Every method some route serves on this path (routes sharing a path template combined)."""
    methods: set[str] = set()
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", ()):
        if not isinstance(route, Route) or route.methods is None:
            continue
        match, _ = route.matches({**scope, "method": "GET"})
        if match is not Match.NONE:
            methods |= route.methods
    if methods:
        methods.add("OPTIONS")
        if "GET" in methods:
            methods.add("HEAD")
    return methods


class OptionsMiddleware:
    """OPTIONS on a known path → 204 with the full ``Allow``; unknown paths fall through (404).

    A CORS preflight (Origin + Access-Control-Request-Method) is left to CORS middleware, should
    one be configured. OPTIONS is safe: it changes nothing and the CSRF check skips it.
    """

    def __init__(self, app: ASGIApp, *, routes_of: ASGIApp) -> None:
        self.app = app
        self.routes_of = routes_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS" or _is_preflight(scope):
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(self.routes_of, scope)
        if not methods:
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(methods)).encode()
        headers = [(b"allow", allow), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _is_preflight(scope: Scope) -> bool:
    names = {name for name, _ in scope.get("headers", ())}
    return b"origin" in names and b"access-control-request-method" in names
