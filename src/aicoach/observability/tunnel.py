"""``POST /monitoring/tunnel``: browser Sentry envelopes, relayed through our own origin.

Ad blockers drop requests to Sentry's host; the browser SDK's ``tunnel`` option posts envelopes
here instead. The route is *not* an open proxy:

* the destination is built only from our configured DSN (``SENTRY_BROWSER_DSN``, else
  ``SENTRY_DSN``) — never from the request — as ``{scheme}://{host}/api/{project}/envelope/``;
* the envelope header's ``dsn`` must name that same host (port, path prefix) and project id,
  otherwise 403; a body that is not an envelope is a 400; over :data:`MAX_BODY_BYTES` (or over
  :data:`MAX_DECODED_BYTES` once a ``gzip``/``deflate``/``br`` body is decoded) is a 413;
* ``event``, ``transaction`` and ``replay_event`` items are scrubbed like server events (known
  secrets, the tunnel request's own cookie values, sensitive keys and patterns) before they go on.

* each client address may send ``SENTRY_TUNNEL_PER_CLIENT_PER_MINUTE`` envelopes a minute and all
  together ``SENTRY_TUNNEL_PER_MINUTE``; past that a 429 with ``Retry-After`` (an anonymous route
  must not let one page in a loop, or a script, flood our Sentry quota).

With no DSN configured the route answers 404 "monitoring is not configured". The settings come
from ``app.state.container.settings`` or ``app.state.settings`` (see :func:`get_settings`); the HTTP
client is ``app.state.sentry_tunnel_client`` if set, else created on first use and stored there
(close it with :func:`close_tunnel_client`).
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from typing import Annotated, Any

import brotli
import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from aicoach.config import Settings
from aicoach.observability.envelope import (
    EnvelopeError,
    parse_dsn,
    parse_envelope,
    serialize_envelope,
)
from aicoach.observability.scrub import SECRET_HEADERS, Scrubber, expand_raw_secrets
from aicoach.observability.sentry import settings_secrets
from aicoach.observability.throttle import SlidingWindow

TUNNEL_PATH = "/monitoring/tunnel"
MAX_BODY_BYTES = 1_000_000
MAX_DECODED_BYTES = 4_000_000
UPSTREAM_TIMEOUT_S = 5.0
_SCRUBBED_ITEMS = frozenset({"event", "transaction", "replay_event"})
_CLIENT_ATTR = "sentry_tunnel_client"
_THROTTLE_ATTR = "sentry_tunnel_throttle"

_log = logging.getLogger(__name__)

tunnel_router = APIRouter()


def get_settings(request: Request) -> Settings:
    """The app's settings: ``app.state.container.settings`` (the container built in the
    lifespan), else ``app.state.settings``."""
    state = request.app.state
    settings = getattr(getattr(state, "container", None), "settings", None)
    if settings is None:
        settings = getattr(state, "settings", None)
    if not isinstance(settings, Settings):
        raise RuntimeError("no Settings on app.state; the Sentry tunnel needs them")
    return settings


class _TunnelError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TunnelError(413, "envelope too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TunnelError(413, "envelope too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes, encoding: str) -> bytes:
    """Undo ``Content-Encoding``, refusing anything that inflates past the decoded limit."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("", "identity"):
            return body
        if encoding in ("gzip", "x-gzip", "deflate"):
            wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
            inflater = zlib.decompressobj(wbits)
            out = inflater.decompress(body, MAX_DECODED_BYTES + 1)
            if len(out) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
                raise _TunnelError(413, "envelope too large once decoded")
            return out
        if encoding == "br":
            return _unbrotli(body)
    except (zlib.error, gzip.BadGzipFile, brotli.error) as exc:
        raise _TunnelError(400, f"body is not valid {encoding}") from exc
    raise _TunnelError(415, f"unsupported content encoding {encoding!r}")


def _unbrotli(body: bytes) -> bytes:
    # output_buffer_limit stops a brotli bomb from inflating past the limit inside one call.
    decompressor = brotli.Decompressor()
    parts: list[bytes] = []
    size = 0
    chunk = decompressor.process(body, output_buffer_limit=MAX_DECODED_BYTES + 1)
    while True:
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_DECODED_BYTES:
            raise _TunnelError(413, "envelope too large once decoded")
        if decompressor.is_finished() or decompressor.can_accept_more_data():
            break
        chunk = decompressor.process(b"", output_buffer_limit=MAX_DECODED_BYTES + 1)
    if not decompressor.is_finished():
        raise _TunnelError(400, "body is not valid br")
    return b"".join(parts)


def _scrub_envelope(body: bytes, scrubber: Scrubber, request_secrets: list[str]) -> bytes:
    envelope = parse_envelope(body)
    changed = False
    for item in envelope.items:
        if item.type not in _SCRUBBED_ITEMS:
            continue
        try:
            payload: Any = item.json()
        except ValueError:
            continue
        scrubbed = scrubber.scrub(payload, request_secrets)
        item.payload = json.dumps(scrubbed, separators=(",", ":")).encode()
        changed = True
    return serialize_envelope(envelope) if changed else body


def _throttled(request: Request, settings: Settings) -> Response | None:
    """A 429 if this client, or the tunnel as a whole, is over its envelopes a minute."""
    state = request.app.state
    limits = getattr(state, _THROTTLE_ATTR, None)
    if limits is None:
        limits = (
            SlidingWindow(settings.sentry_tunnel_per_client_per_minute),
            SlidingWindow(settings.sentry_tunnel_per_minute),
        )
        setattr(state, _THROTTLE_ATTR, limits)
    per_client, overall = limits
    peer = request.client.host if request.client else "unknown"
    wait = per_client.retry_after(peer) or overall.retry_after("all")
    if not wait:
        return None
    return JSONResponse(
        {"detail": "too many error reports; try again later"},
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


def _client(app: FastAPI) -> httpx.AsyncClient:
    client = getattr(app.state, _CLIENT_ATTR, None)
    if isinstance(client, httpx.AsyncClient):
        return client
    client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT_S, follow_redirects=False)
    setattr(app.state, _CLIENT_ATTR, client)
    return client


async def close_tunnel_client(app: FastAPI) -> None:
    """Close the client the tunnel created (call from the lifespan's shutdown)."""
    client = getattr(app.state, _CLIENT_ATTR, None)
    if isinstance(client, httpx.AsyncClient):
        await client.aclose()
        setattr(app.state, _CLIENT_ATTR, None)


@tunnel_router.post(TUNNEL_PATH, include_in_schema=False)
async def sentry_tunnel(
    request: Request, settings: Annotated[Settings, Depends(get_settings)]
) -> Response:
    """Check, scrub and forward one browser envelope; answer with Sentry's status."""
    configured = settings.sentry_browser_dsn or settings.sentry_dsn
    if not configured:
        return _refuse(404, "monitoring is not configured")
    try:
        target = parse_dsn(configured)
    except EnvelopeError:
        _log.error("the configured Sentry DSN is malformed; the tunnel is off")
        return _refuse(404, "monitoring is not configured")
    throttled = _throttled(request, settings)
    if throttled is not None:
        return throttled
    try:
        body = _decode(
            await _read_body(request), request.headers.get("content-encoding", "identity")
        )
        envelope = parse_envelope(body)
        dsn = envelope.header.get("dsn")
        if not isinstance(dsn, str):
            raise _TunnelError(400, "the envelope header has no dsn")
        claimed = parse_dsn(dsn)
        if not claimed.same_project(target):
            raise _TunnelError(403, "this tunnel only forwards to the configured Sentry project")
        secrets = expand_raw_secrets(
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in request.scope["headers"]
            if k in SECRET_HEADERS
        )
        body = _scrub_envelope(body, Scrubber(settings_secrets(settings)), secrets)
    except _TunnelError as exc:
        return _refuse(exc.status, exc.message)
    except EnvelopeError as exc:
        return _refuse(400, str(exc))

    try:
        upstream = await _client(request.app).post(
            target.envelope_url,
            content=body,
            headers={"Content-Type": "application/x-sentry-envelope"},
        )
    except httpx.HTTPError as exc:
        _log.warning("the Sentry tunnel could not reach %s: %s", target.netloc, exc)
        return _refuse(502, "the error monitoring service is unreachable")
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        media_type=upstream.headers.get("content-type", "application/json"),
    )
