"""The app's outermost layer: security headers on every response, a CSP nonce per request.

It wraps Starlette's own ``ServerErrorMiddleware`` (see ``aicoach.main.AICoachApp``), so even a
500 rendered there carries the headers — pages, API, static files, redirects, 413s and errors
alike:

* ``Content-Security-Policy`` — scripts only from our origin or inline with this request's nonce
  (``request.state.csp_nonce``, given to templates as ``csp_nonce``; an import map is an inline
  script too), no ``unsafe-inline``/``unsafe-eval`` scripts, no plugins, no framing
  (``frame-ancestors 'none'``), forms and fetches to our origin only. Styles allow inline
  ``style`` attributes (the chart libraries set them); scripts are what the policy is about.
  The Swagger page (``/api/docs``) is vendored too, so no origin but ours is ever allowed.
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``,
  ``Permissions-Policy`` (no camera, microphone, geolocation, payment, USB), ``X-Frame-Options``,
  ``Cross-Origin-Opener-Policy``;
* ``Strict-Transport-Security`` when the base URL is ``https://``;
* ``Cache-Control: no-store`` on every response but static files, unless the app set its own: a
  page or API answer can hold a trader's data, and after log-out the browser's Back button must
  not show the app with their name and chat titles from its cache. Static files (no user data,
  fingerprinted URLs) keep the caching :mod:`aicoach.web.frontend` gives them.

Beneath it, :class:`KeepAliveAfterErrorMiddleware`: Starlette's error layer re-raises an error
*after* sending its 500, and uvicorn then closes the connection (and prints the traceback a
second time). Once a response has been sent in full, the error was handled (the handler logged
and reported it): it stops here, and the client's keep-alive connection serves its next request.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicoach.config import Settings

_STATIC_PREFIX = "/static/"
_NO_STORE = (b"cache-control", b"no-store")


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def static_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """The headers that do not change per request."""
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if settings.base_url.startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeadersMiddleware:
    """See the module docstring. Pure ASGI; the app's outermost layer."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.headers = static_headers(settings)
        self._names = {name for name, _ in self.headers} | {b"content-security-policy"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        csp = content_security_policy(nonce).encode()
        dynamic = not str(scope.get("path", "")).startswith(_STATIC_PREFIX)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [h for h in message.get("headers", ()) if h[0].lower() not in self._names]
                added = [*self.headers, (b"content-security-policy", csp)]
                if dynamic and not any(h[0].lower() == b"cache-control" for h in kept):
                    added.append(_NO_STORE)
                message = {**message, "headers": [*kept, *added]}
            await send(message)

        await self.app(scope, receive, send_secured)


class KeepAliveAfterErrorMiddleware:
    """See the module docstring: swallow an error raised after the response was complete."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal complete
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if not complete:
                raise  # half a response: the connection must close


class EdgeApp(FastAPI):
    """FastAPI with :class:`SecurityHeadersMiddleware` around Starlette's outermost layer (the
    ``ServerErrorMiddleware`` that renders 500s), so no response leaves without the headers."""

    def __init__(self, *, edge_settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.edge_settings = edge_settings

    def build_middleware_stack(self) -> ASGIApp:
        inner = KeepAliveAfterErrorMiddleware(super().build_middleware_stack())
        return SecurityHeadersMiddleware(inner, settings=self.edge_settings)
