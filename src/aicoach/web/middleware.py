"""Small pure-ASGI middlewares: the CSRF cookie and the request body limit."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicoach.web.cookies import cookie_name
from aicoach.web.csrf import CSRF_COOKIE, new_csrf_token


class CSRFCookieMiddleware:
    """Makes sure every browser has a CSRF cookie (``aicoach_csrf``, ``__Host-aicoach_csrf`` on
    an https base URL) and exposes it to templates as ``request.state.csrf_token`` (the check
    itself is the ``csrf_protect`` dependency). Secure when the base URL is https or the request
    came over HTTPS; a response that sets the cookie itself (a log-in's new token) wins."""

    def __init__(self, app: ASGIApp, *, https_base: bool) -> None:
        self.app = app
        self.secure = https_base
        self.name = cookie_name(CSRF_COOKIE, https_base=https_base)
        self._prefix = f"{self.name}=".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _cookie(scope, self.name)
        fresh = not token
        if fresh:
            token = new_csrf_token()
        scope.setdefault("state", {})["csrf_token"] = token
        https = self.secure or scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(k == b"set-cookie" and v.startswith(self._prefix) for k, v in headers):
                    attrs = f"{self.name}={token}; Path=/; HttpOnly; SameSite=Lax"
                    if https:
                        attrs += "; Secure"
                    headers.append((b"set-cookie", attrs.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


class BodyLimitMiddleware:
    """Refuses request bodies over the limit with 413, whether announced or streamed: file
    uploads (``multipart/form-data``: a broker export) may be up to ``max_upload_bytes``, every
    other body up to ``max_bytes``. The route reading an upload applies its own, tighter limit
    while it streams."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max(max_upload_bytes or max_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        content_type = _header(scope, b"content-type") or ""
        upload = content_type.startswith("multipart/form-data")
        limit = self.max_upload_bytes if upload else self.max_bytes
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _reject(send, limit)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _reject(send, limit)


class _TooLarge(Exception):
    pass


async def _reject(send: Send, max_bytes: int) -> None:
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": f"Request body over {max_bytes} bytes."}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _cookie(scope: Scope, name: str) -> str:
    """One cookie's value by a plain split: ``SimpleCookie`` parses every cookie (~12 µs) and our
    values are URL-safe tokens that never need unquoting."""
    raw = _header(scope, b"cookie")
    if not raw:
        return ""
    prefix = name + "="
    for part in raw.split(";"):
        part = part.strip()
        if part.startswith(prefix):
            return part[len(prefix) :]
    return ""


async def read_body(receive: Receive) -> tuple[list[Message], bytes]:
    """The whole request body, and the messages it came in (to replay to the app after a look).
    The body limit middleware outside the callers bounds what is buffered."""
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return messages, body
