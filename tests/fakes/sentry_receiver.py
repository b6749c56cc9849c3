"""A local Sentry envelope receiver: a real HTTP server on 127.0.0.1 speaking Sentry's protocol.

``POST /api/<project>/envelope/`` with an identity, ``gzip``, ``deflate`` or ``br`` body is
decoded, parsed with the SDK's own envelope parser (independent of the tunnel's) and recorded;
anything else is a 404. Use as a context manager::

    with SentryReceiver() as receiver:
        settings = Settings(sentry_dsn=receiver.dsn(42))
        ...
        event = receiver.wait_for_events(1)[0]
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import brotli
from sentry_sdk.envelope import Envelope

from tests.helpers.threaded_server import BackgroundHTTPServer

PUBLIC_KEY = "0123456789abcdef0123456789abcdef"
_PATH_RE = re.compile(r"^/api/(\d+)/envelope/?$")


@dataclass
class ReceivedRequest:
    project_id: str
    headers: dict[str, str]
    raw_body: bytes  # as sent (possibly compressed)
    body: bytes  # decoded
    envelope: Envelope
    items: list[tuple[str, Any]] = field(default_factory=list)  # (type, JSON payload or bytes)


def _decode(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        return bytes(brotli.decompress(body))
    raise ValueError(f"unsupported content encoding {encoding!r}")


class SentryReceiver(BackgroundHTTPServer):
    """Records what Sentry SDKs send; ``status`` is what every envelope POST is answered with."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[ReceivedRequest] = []
        self.rejected: list[tuple[str, int]] = []  # (path, status) of refused requests
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                match = _PATH_RE.match(self.path.split("?", 1)[0])
                if match is None:
                    receiver._reject(self.path, 404)
                    self._answer(404, {"detail": "not found"})
                    return
                try:
                    body = _decode(raw, self.headers.get("Content-Encoding", ""))
                    envelope = Envelope.deserialize(body)
                except Exception as exc:
                    receiver._reject(self.path, 400)
                    self._answer(400, {"detail": f"bad envelope: {exc}"})
                    return
                items: list[tuple[str, Any]] = []
                for item in envelope.items:
                    payload_bytes = item.payload.get_bytes()
                    try:
                        payload: Any = json.loads(payload_bytes)
                    except ValueError:
                        payload = payload_bytes
                    items.append((item.type or "", payload))
                request = ReceivedRequest(
                    project_id=match.group(1),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    raw_body=raw,
                    body=body,
                    envelope=envelope,
                    items=items,
                )
                receiver._record(request)
                self._answer(receiver.status, {"id": envelope.headers.get("event_id")})

            def do_GET(self) -> None:
                receiver._reject(self.path, 404)
                self._answer(404, {"detail": "not found"})

        super().__init__(Handler)

    # --- recording -------------------------------------------------------------------------

    def _record(self, request: ReceivedRequest) -> None:
        with self._cond:
            self.requests.append(request)
            self._cond.notify_all()

    def _reject(self, path: str, status: int) -> None:
        with self._cond:
            self.rejected.append((path, status))

    def clear(self) -> None:
        with self._cond:
            self.requests.clear()
            self.rejected.clear()

    # --- views -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.base_url

    def dsn(self, project_id: int = 42, key: str = PUBLIC_KEY) -> str:
        return f"http://{key}@127.0.0.1:{self.port}/{project_id}"

    def items(self, kind: str) -> list[Any]:
        with self._cond:
            return [payload for r in self.requests for (t, payload) in r.items if t == kind]

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.items("event")

    @property
    def transactions(self) -> list[dict[str, Any]]:
        return self.items("transaction")

    def wait_for_events(self, count: int, timeout: float = 5.0, kind: str = "event") -> list[Any]:
        """Block until at least ``count`` items of ``kind`` arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [p for r in self.requests for (t, p) in r.items if t == kind]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._cond.wait(remaining)
