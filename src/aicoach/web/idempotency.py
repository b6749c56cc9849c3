"""``Idempotency-Key`` on every create: after a crash or a dropped connection the client sends
the same ``POST`` again with the same key and learns what happened, without creating it twice.

How a ``POST`` carrying the header is handled (a caller with neither a session cookie nor an API
token is not keyed: log-in and sign-up are idempotent by their email already):

* the key must be 1-255 printable ASCII characters, else 400;
* a row ``(owner, key)`` is inserted first, ``owner`` being the SHA-256 of the caller's credential;
  the unique constraint makes exactly one of several concurrent requests run it;
* the same key again with the same method, path, query and body replays the stored answer (status,
  body, ``Content-Type``, ``Location``) with ``Idempotent-Replayed: true``; with a different
  request it is a 422; while the first is still running, a 409 with ``Retry-After`` (a run left
  behind by a crashed instance is taken over after :data:`ABANDONED_AFTER`);
* only final answers are kept: 2xx and the 4xx that the same request would get again. A 5xx, 401,
  403, 409, 429 or 503, a streamed answer (server-sent events: the chat keys its turns by
  ``client_message_id``) or one over :data:`MAX_STORED_BYTES` frees the key for a retry;
* keys live :data:`KEEP_FOR` (24 h); expired rows are swept as new keys arrive.

When the database cannot be reached the request runs unkeyed: it then meets the outage itself
and answers 503.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicoach.kit.orm import utcnow
from aicoach.web.cookies import name_for
from aicoach.web.handlers import render_error
from aicoach.web.idempotency_store import IdempotentRequest
from aicoach.web.middleware import read_body

log = logging.getLogger(__name__)

HEADER = "idempotency-key"
KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
MAX_STORED_BYTES = 512 * 1024
SWEEP_EVERY = timedelta(minutes=5)
_KEY = re.compile(r"[\x21-\x7e][\x20-\x7e]{0,254}")
_SESSION_COOKIE = "aicoach_session"
_TRANSIENT = frozenset({401, 403, 408, 409, 429})


def valid_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None and key == key.strip()


def request_hash(scope: Scope, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        h.update(part.encode() + b"\0")
    h.update(body)
    return h.hexdigest()


def keepable(status: int, content_type: str) -> bool:
    if content_type.startswith("text/event-stream"):
        return False
    return 200 <= status < 500 and status not in _TRANSIENT


class IdempotencyMiddleware:
    """See the module docstring. Pure ASGI, inside the body limit (which bounds the buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._swept_at: datetime | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(HEADER.encode())
        if raw is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = raw.decode("latin-1")
        if not valid_key(key):
            message = (
                "The Idempotency-Key header must be 1 to 255 printable ASCII characters "
                "(e.g. a UUID)."
            )
            await _answer(
                render_error(request, 400, "invalid_idempotency_key", message), scope, send
            )
            return
        credential = headers.get(b"authorization", b"").decode("latin-1") or (
            request.cookies.get(name_for(request, _SESSION_COOKIE)) or ""
        )
        sessions = _sessions(scope)
        if not credential or sessions is None:
            await self.app(scope, receive, send)
            return
        messages, body = await read_body(receive)
        owner = hashlib.sha256(credential.encode()).hexdigest()
        digest = request_hash(scope, body)
        try:
            claim = await self._claim(sessions, owner, key, digest)
        except (SQLAlchemyError, OSError):
            log.warning("idempotency store unavailable; running the request unkeyed")
            claim = None
        if isinstance(claim, IdempotentRequest):
            await _answer(_replay_or_refuse(request, claim, digest), scope, send)
            return

        async def replay_body() -> Message:
            return messages.pop(0) if messages else await receive()

        recorder = _Recorder(send)
        try:
            await self.app(scope, replay_body, recorder)
        finally:
            if claim is not None:
                await self._settle(sessions, claim, recorder, scope)

    async def _claim(
        self, sessions: async_sessionmaker[AsyncSession], owner: str, key: str, digest: str
    ) -> int | IdempotentRequest:
        """The new row's id (this request runs), or the existing row (it does not)."""
        now = utcnow()
        async with sessions() as session:
            await self._sweep(session, now)
            row = IdempotentRequest(
                owner=owner, key=key, request_hash=digest, expires_at=now + KEEP_FOR
            )
            session.add(row)
            try:
                await session.commit()
                return row.id
            except IntegrityError:
                await session.rollback()
            found = (
                await session.execute(
                    select(IdempotentRequest).where(
                        IdempotentRequest.owner == owner, IdempotentRequest.key == key
                    )
                )
            ).scalar_one_or_none()
            if found is None:  # freed between our insert and this read: take it next time
                return await self._claim(sessions, owner, key, digest)
            abandoned = found.status_code is None and found.created_at < now - ABANDONED_AFTER
            if abandoned and found.request_hash == digest:
                taken = await session.execute(
                    update(IdempotentRequest)
                    .where(
                        IdempotentRequest.id == found.id,
                        IdempotentRequest.created_at == found.created_at,
                    )
                    .values(created_at=now, expires_at=now + KEEP_FOR)
                )
                await session.commit()
                if getattr(taken, "rowcount", 0) == 1:
                    return found.id
            return found

    async def _sweep(self, session: AsyncSession, now: datetime) -> None:
        if self._swept_at is not None and now - self._swept_at < SWEEP_EVERY:
            return
        self._swept_at = now
        await session.execute(delete(IdempotentRequest).where(IdempotentRequest.expires_at < now))
        await session.commit()

    async def _settle(
        self,
        sessions: async_sessionmaker[AsyncSession],
        row_id: int,
        recorder: _Recorder,
        scope: Scope,
    ) -> None:
        # The caller as the request authenticated them (a plain view: the ORM user is expired).
        user_id = getattr(scope.get("state", {}).get("user_view"), "id", None)
        keep = (
            recorder.complete
            and user_id is not None
            and keepable(recorder.status, recorder.content_type)
            and len(recorder.body) <= MAX_STORED_BYTES
        )
        try:
            async with sessions() as session:
                if keep:
                    await session.execute(
                        update(IdempotentRequest)
                        .where(IdempotentRequest.id == row_id)
                        .values(
                            user_id=user_id,
                            status_code=recorder.status,
                            content_type=recorder.content_type,
                            location=recorder.location,
                            body=bytes(recorder.body),
                        )
                    )
                else:
                    await session.execute(
                        delete(IdempotentRequest).where(IdempotentRequest.id == row_id)
                    )
                await session.commit()
        except (SQLAlchemyError, OSError):
            log.warning("could not settle idempotency key %s", row_id, exc_info=True)


class _Recorder:
    """Passes the response through while keeping a copy of it."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.content_type = ""
        self.location = ""
        self.body = bytearray()
        self.complete = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for name, value in message.get("headers", ()):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
                elif name.lower() == b"location":
                    self.location = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            if len(self.body) <= MAX_STORED_BYTES:
                self.body += message.get("body", b"")
            self.complete = not message.get("more_body", False)
        await self.send(message)


def _replay_or_refuse(request: Request, row: IdempotentRequest, digest: str) -> Any:
    from starlette.responses import Response

    if row.request_hash != digest:
        message = (
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request."
        )
        return render_error(request, 422, "idempotency_key_reused", message)
    if row.status_code is None:
        message = "A request with this Idempotency-Key is still in progress; try again shortly."
        return render_error(
            request, 409, "idempotency_key_in_progress", message, headers={"Retry-After": "1"}
        )
    headers = {"Idempotent-Replayed": "true"}
    if row.location:
        headers["Location"] = row.location
    return Response(
        row.body or b"",
        status_code=row.status_code,
        headers=headers,
        media_type=row.content_type or None,
    )


def _sessions(scope: Scope) -> async_sessionmaker[AsyncSession] | None:
    container = getattr(scope["app"].state, "container", None)
    return getattr(container, "sessions", None)


async def _answer(response: Callable[..., Awaitable[None]], scope: Scope, send: Send) -> None:
    async def no_receive() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_receive, send)
