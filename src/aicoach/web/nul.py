"""``NulRefusalMiddleware``: one rule on both databases — text never contains NUL.

PostgreSQL refuses U+0000 in text and SQLite stores it, so the same request used to be a 422 on
one and a saved row on the other. The rule is checked once here, before any route runs, on every
JSON and urlencoded-form body (all of its strings and keys) and on the query string: a NUL
anywhere is a 422 "text cannot contain NUL characters" and nothing is stored. Multipart uploads are
left to their readers (the journal importers refuse binary files themselves).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicoach.web.handlers import render_error
from aicoach.web.middleware import read_body

MESSAGE = "text cannot contain NUL characters"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def _body_has_nul(content_type: str, body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if content_type == "application/json" or content_type.endswith("+json"):
        if b"\\u0000" not in body:
            return False
        try:
            return has_nul(json.loads(body))
        except ValueError:
            return False  # not JSON: the route's own validation answers
    if content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        return any("\x00" in k or "\x00" in v for k, v in pairs)
    return False


class NulRefusalMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if b"%00" in query and any("\x00" in k + v for k, v in parse_qsl(query.decode("latin-1"))):
            await self._refuse(scope, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0]
        content_type = content_type.strip().lower()
        checked = content_type.endswith("json") or content_type.endswith("urlencoded")
        if scope["method"] not in _BODY_METHODS or not checked:
            await self.app(scope, receive, send)
            return
        # The body limit middleware outside this one bounds what is buffered here.
        messages, body = await read_body(receive)
        if _body_has_nul(content_type, body):
            await self._refuse(scope, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = render_error(Request(scope), 422, "nul_character", MESSAGE)
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
