"""Local fakes that speak Massive's protocols, for tests and e2e runs (127.0.0.1, free ports).

``serve_massive(fixtures_dir)`` — an HTTP server serving recorded REST responses::

    async with serve_massive(massive_fixtures_dir(), api_key="k") as massive:
        provider = MassiveMarketData("k", massive.base_url, ...)
        massive.fail(429, times=2, retry_after="0")   # scripted faults, consumed in order
        massive.requests                              # every request seen, for assertions

File lookup follows the fixtures README: the URL path is the file path; a ``:`` in the URL is a
``;`` in the file name; a file ``name&k=v.json`` answers ``name?k=v`` (its recorded query must be
a subset of the request's query; the most specific file wins); a path that is a folder is answered
by its ``index.json``. ``overlays`` are extra folders searched first (tests put synthetic pages
there). The key is checked as Massive does: ``Authorization: Bearer <key>`` or ``?apiKey=``.

``serve_massive_ws(frames)`` — a WebSocket server speaking the stocks-feed handshake
(connected → auth → auth_success/auth_failed → subscribe) and then pushing ``frames`` (each a
list of events), keeping only events whose ``ev.sym`` topic the client subscribed to.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.helpers.threaded_server import BackgroundHTTPServer

FaultKind = Literal["status", "garbage", "hang"]


def repo_root() -> Path:
    """The folder holding ``pyproject.toml``, found by walking up from this file."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError("pyproject.toml not found above tests/fakes")


def massive_fixtures_dir() -> Path:
    """``<repo>/tests/fixtures/massive``: the recorded responses ship inside the repo.

    Resolved from the repo root so any working directory works. A missing folder fails loudly:
    tests that need recorded vendor payloads must not silently skip.
    """
    folder = repo_root() / "tests" / "fixtures" / "massive"
    if not (folder / "README.md").is_file():
        raise FileNotFoundError(f"Massive fixtures missing at {folder}")
    return folder


@dataclass
class RecordedRequest:
    method: str
    path: str  # percent-decoded
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names


@dataclass
class _Fault:
    kind: FaultKind
    times: int  # -1 = forever
    path_prefix: str
    status: int = 500
    retry_after: str | None = None


class FakeMassive:
    """Handle on a running fake REST server; see the module docstring."""

    def __init__(self, roots: Sequence[Path], api_key: str, hang_seconds: float) -> None:
        self.roots = [Path(r) for r in roots]
        self.api_key = api_key
        self.hang_seconds = hang_seconds
        self.requests: list[RecordedRequest] = []
        self.base_url = ""
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    # --- scripting ------------------------------------------------------------------------

    def fail(
        self, status: int, times: int = 1, *, retry_after: str | None = None, path_prefix: str = ""
    ) -> None:
        """Answer the next ``times`` matching requests (-1: all) with ``status``."""
        with self._lock:
            self._faults.append(_Fault("status", times, path_prefix, status, retry_after))

    def garbage(self, times: int = 1, *, path_prefix: str = "") -> None:
        """Answer 200 with a body that is not JSON."""
        with self._lock:
            self._faults.append(_Fault("garbage", times, path_prefix))

    def hang(self, times: int = 1, *, path_prefix: str = "") -> None:
        """Accept the request and never answer (until the server stops)."""
        with self._lock:
            self._faults.append(_Fault("hang", times, path_prefix))

    def requests_to(self, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    # --- serving --------------------------------------------------------------------------

    def take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times != 0 and path.startswith(fault.path_prefix):
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def resolve(self, path: str, query: dict[str, str]) -> Path | None:
        """The fixture file answering ``path?query``, or ``None``."""
        parts = [p.replace(":", ";") for p in path.strip("/").split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            return None
        for root in self.roots:
            folder = root.joinpath(*parts[:-1])
            name = parts[-1]
            best: tuple[int, Path] | None = None
            index = root.joinpath(*parts) / "index.json"
            if index.is_file():
                best = (0, index)
            if folder.is_dir():
                for candidate in folder.iterdir():
                    stem = candidate.name.removesuffix(".json")
                    if not candidate.is_file() or stem == candidate.name:
                        continue
                    base, _, recorded = stem.partition("&")
                    if base != name:
                        continue
                    wanted = dict(parse_qsl(recorded, keep_blank_values=True))
                    matches = all(query.get(k) == v for k, v in wanted.items())
                    if matches and (best is None or len(wanted) > best[0]):
                        best = (len(wanted), candidate)
            if best is not None:
                return best[1]
        return None


def _handler_for(fake: FakeMassive) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict[str, Any], **headers: str) -> None:
            self._send(status, json.dumps(payload).encode(), headers)

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            path = unquote(split.path)
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            fake.record(
                RecordedRequest("GET", path, query, {k.lower(): v for k, v in self.headers.items()})
            )
            authorization = self.headers.get("Authorization")
            if authorization is None and "apiKey" not in query:
                self._json(401, {"status": "ERROR", "error": "API Key was not provided"})
                return
            if authorization != f"Bearer {fake.api_key}" and query.get("apiKey") != fake.api_key:
                self._json(401, {"status": "ERROR", "error": "Unknown API Key"})
                return
            fault = fake.take_fault(path)
            if fault is not None:
                if fault.kind == "hang":
                    fake.stopping.wait(fake.hang_seconds)
                    self.close_connection = True
                    return
                if fault.kind == "garbage":
                    self._send(200, b'{"status": "OK", "results": [ <html>oops')
                    return
                extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                self._json(
                    fault.status,
                    {"status": "ERROR", "error": f"scripted HTTP {fault.status}"},
                    **extra,
                )
                return
            file = fake.resolve(path, query)
            if file is None:
                self._json(404, {"status": "NOT_FOUND", "message": "Data not found."})
                return
            self._send(200, file.read_bytes())

    return Handler


@asynccontextmanager
async def serve_massive(
    fixtures_dir: Path,
    *,
    api_key: str = "test-massive-key",
    overlays: Sequence[Path] = (),
    hang_seconds: float = 30.0,
) -> AsyncIterator[FakeMassive]:
    """Run the fake REST server on 127.0.0.1 (free port); yields the handle (``.base_url``)."""
    if not await asyncio.to_thread(Path(fixtures_dir).is_dir):
        raise FileNotFoundError(f"Massive fixtures not found at {fixtures_dir}")
    fake = FakeMassive([*overlays, fixtures_dir], api_key, hang_seconds)
    server = BackgroundHTTPServer(_handler_for(fake), poll_interval=0.05).start()
    fake.base_url = server.base_url
    try:
        yield fake
    finally:
        fake.stopping.set()  # releases hanging handlers
        await asyncio.to_thread(server.stop)  # shutdown waits for the serve loop's next poll


# --- WebSocket ----------------------------------------------------------------------------


@dataclass
class FakeMassiveWS:
    """Handle on a running fake stream server."""

    frames: list[list[dict[str, Any]]]
    api_key: str
    drop_after_frames: int | None
    url: str = ""
    connections: int = 0
    auth_params: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    sent_frames: int = 0  # shared cursor: a reconnect resumes after the last frame sent


def _status(status: str, message: str) -> str:
    return json.dumps([{"ev": "status", "status": status, "message": message}])


async def _ws_session(fake: FakeMassiveWS, ws: ServerConnection) -> None:
    fake.connections += 1
    first_connection = fake.connections == 1
    await ws.send(_status("connected", "Connected Successfully"))
    auth = json.loads(await ws.recv())
    fake.auth_params.append(str(auth.get("params")))
    if auth.get("action") != "auth" or auth.get("params") != fake.api_key:
        await ws.send(_status("auth_failed", "authentication failed"))
        await ws.close()
        return
    await ws.send(_status("auth_success", "authenticated"))
    sub = json.loads(await ws.recv())
    if sub.get("action") != "subscribe":
        await ws.close(code=1008)
        return
    topics = {t.strip() for t in str(sub.get("params", "")).split(",") if t.strip()}
    fake.subscriptions.append(str(sub.get("params")))
    await ws.send(
        json.dumps(
            [
                {"ev": "status", "status": "success", "message": f"subscribed to: {t}"}
                for t in topics
            ]
        )
    )
    sent_here = 0
    while fake.sent_frames < len(fake.frames):
        drop = fake.drop_after_frames
        if first_connection and drop is not None and sent_here >= drop:
            await ws.close(code=1011, reason="scripted drop")
            return
        frame = fake.frames[fake.sent_frames]
        fake.sent_frames += 1
        wanted = [e for e in frame if f"{e.get('ev')}.{e.get('sym')}" in topics]
        if wanted:
            await ws.send(json.dumps(wanted))
            sent_here += 1
    await ws.wait_closed()


@asynccontextmanager
async def serve_massive_ws(
    frames: Sequence[Sequence[dict[str, Any]]],
    *,
    api_key: str = "test-massive-key",
    drop_after_frames: int | None = None,
) -> AsyncIterator[FakeMassiveWS]:
    """Run the fake stream on 127.0.0.1 (free port); yields the handle (``.url``).

    ``drop_after_frames``: the first connection is closed with code 1011 after that many
    frames, to exercise the client's reconnect; later connections resume where it stopped.
    """
    fake = FakeMassiveWS([list(f) for f in frames], api_key, drop_after_frames)

    async def handler(ws: ServerConnection) -> None:
        try:
            await _ws_session(fake, ws)
        except ConnectionClosed:
            return

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        fake.url = f"ws://127.0.0.1:{port}/stocks"
        yield fake
