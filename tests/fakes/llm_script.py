"""What the fake LLM servers share: the script, the fault queue, recording, and the uvicorn
thread. Use it through ``tests.fakes.openai_server.serve_openai`` and
``tests.fakes.anthropic_server.serve_anthropic``; both docstrings show the API.

A **script** is a list of turns, replayed one per successful request, in order:

- ``text_turn("Hello", " world", input_tokens=12, output_tokens=3)`` streams text chunks;
- ``tool_turn(call("get_quote", {"symbol": "SPY"}), text=("Let me look.",))`` streams optional
  text, then each call with its JSON arguments split into ``fragments`` pieces;
- a callable ``(request_body: dict) -> Turn`` decides the turn from what the client sent (e2e
  tests answer with numbers read from the tool results the client sent back).

**Faults** (``fail``, ``garbage``, ``respond_raw``, ``delay``, ``cut``, ``stall``) are queued
and consumed by the next requests in order, before the script: ``fail``, ``garbage`` and
``respond_raw`` answer *instead of* a turn (the turn stays for the retry); ``delay``, ``cut`` and
``stall`` change *how* the next turn is delivered (``cut`` and ``stall`` consume it). A request
that finds the script exhausted gets a 500 and is listed in ``problems``; so is a request the
fake finds malformed (it also gets the vendor's 400), so a test can assert
``server.problems == []``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.helpers.threaded_server import serve_asgi

Finish = Literal["stop", "length", "tool_calls"]


@dataclass(frozen=True)
class ScriptedCall:
    """A tool call the fake model makes; ``id`` None → ``call_<n>`` / ``toolu_<n>``."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    fragments: int = 3


@dataclass(frozen=True)
class Turn:
    """One model answer. ``finish`` None → "tool_calls" when there are calls, else "stop"."""

    text: tuple[str, ...] = ()
    tool_calls: tuple[ScriptedCall, ...] = ()
    input_tokens: int = 10
    output_tokens: int = 5
    finish: Finish | None = None

    @property
    def finish_reason(self) -> Finish:
        if self.finish is not None:
            return self.finish
        return "tool_calls" if self.tool_calls else "stop"


Responder = Callable[[dict[str, Any]], Turn]
ScriptItem = Turn | Responder


def text_turn(
    *chunks: str, input_tokens: int = 10, output_tokens: int = 5, finish: Finish | None = None
) -> Turn:
    return Turn(tuple(chunks), (), input_tokens, output_tokens, finish)


def tool_turn(
    *calls: ScriptedCall,
    text: Sequence[str] = (),
    input_tokens: int = 10,
    output_tokens: int = 5,
    finish: Finish | None = None,
) -> Turn:
    return Turn(tuple(text), tuple(calls), input_tokens, output_tokens, finish)


def call(
    name: str, arguments: dict[str, Any] | None = None, *, id: str | None = None, fragments: int = 3
) -> ScriptedCall:
    return ScriptedCall(name, dict(arguments or {}), id, fragments)


def split_fragments(text: str, pieces: int) -> list[str]:
    """``text`` in ``pieces`` consecutive, roughly equal, non-empty parts (fewer if short)."""
    pieces = max(1, min(pieces, len(text)))
    size, extra = divmod(len(text), pieces)
    out, start = [], 0
    for i in range(pieces):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any] | None  # None when the body was not a JSON object
    raw: bytes


@dataclass
class _Fault:
    kind: Literal["status", "garbage", "delay", "cut", "stall"]
    times: int  # -1 = forever
    status: int = 500
    retry_after: str | None = None
    message: str | None = None
    seconds: float = 0.0
    after_events: int = 0
    body: bytes = b""
    content_type: str = ""


class FakeLLMServer:
    """A running fake; vendor subclasses render turns, errors and request checks."""

    vendor = "fake"
    route = "/"

    def __init__(self, script: Sequence[ScriptItem], api_key: str | None) -> None:
        self.api_key = api_key
        self.script: list[ScriptItem] = list(script)
        self.requests: list[RecordedRequest] = []
        self.problems: list[str] = []
        self.base_url = ""
        self.turns_served = 0
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._calls_made = 0

    # --- test API -------------------------------------------------------------------------

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies received, in order."""
        return [r.body for r in self.requests if r.body is not None]

    def add(self, *turns: ScriptItem) -> None:
        with self._lock:
            self.script.extend(turns)

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (-1: all) with ``status`` and the vendor's error
        body (``message`` overrides its text)."""
        self._queue(_Fault("status", times, status, retry_after, message))

    def garbage(
        self,
        times: int = 1,
        *,
        body: bytes = b"data: {this is not json\n\n",
        content_type: str = "text/event-stream",
    ) -> None:
        """Answer 200 with ``body`` (default: an event stream whose data is not JSON)."""
        self._queue(_Fault("garbage", times, body=body, content_type=content_type))

    def respond_raw(
        self, body: bytes | str, *, content_type: str = "text/event-stream", times: int = 1
    ) -> None:
        """Answer 200 with exactly ``body`` — a hand-written stream for protocol corner cases
        (quirks of compatible servers, unknown event types, in-stream errors)."""
        data = body.encode() if isinstance(body, str) else body
        self._queue(_Fault("garbage", times, body=data, content_type=content_type))

    def delay(self, seconds: float, times: int = 1) -> None:
        """Wait ``seconds`` before sending the response headers (a slow first byte)."""
        self._queue(_Fault("delay", times, seconds=seconds))

    def cut(self, after_events: int = 2, times: int = 1) -> None:
        """Send the first ``after_events`` events of the next turn, then drop the connection
        without ending the chunked body (the client sees a broken stream)."""
        self._queue(_Fault("cut", times, after_events=after_events))

    def stall(self, seconds: float, after_events: int = 2, times: int = 1) -> None:
        """Go silent for ``seconds`` after ``after_events`` events (a mid-stream timeout)."""
        self._queue(_Fault("stall", times, seconds=seconds, after_events=after_events))

    # --- vendor hooks ---------------------------------------------------------------------

    def check_auth(self, request: Request) -> str | None:
        """Error text when the credentials are wrong, else None."""
        raise NotImplementedError

    def check_request(self, headers: dict[str, str], body: dict[str, Any]) -> str | None:
        """What the real API would reject with 400 (text), else None."""
        raise NotImplementedError

    def error_response(
        self, status: int, message: str | None, headers: dict[str, str] | None = None
    ) -> Response:
        raise NotImplementedError

    def render(self, turn: Turn, body: dict[str, Any], n: int) -> list[str]:
        """The SSE events (each a complete ``...\\n\\n`` string) answering with ``turn``."""
        raise NotImplementedError

    # --- serving --------------------------------------------------------------------------

    def _queue(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def _next_turn(self, body: dict[str, Any]) -> Turn | None:
        with self._lock:
            if not self.script:
                return None
            item = self.script.pop(0)
            self.turns_served += 1
        return item(body) if callable(item) else item

    def next_id(self) -> int:
        with self._lock:
            self._calls_made += 1
            return self._calls_made

    async def sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops (so shutdown never waits on a fault)."""
        deadline = time.monotonic() + seconds
        # polled: the stop flag is set from the test's thread, not this event loop's
        while not self._stopping.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        body = parsed if isinstance(parsed, dict) else None
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.requests.append(RecordedRequest(request.url.path, headers, body, raw))
        denied = self.check_auth(request)
        if denied is not None:
            return self.error_response(401, denied)
        problem = "body is not a JSON object" if body is None else None
        if body is not None:
            problem = self.check_request(headers, body)
        if problem is not None:
            self.problems.append(problem)
            return self.error_response(400, problem)
        assert body is not None
        fault = self._take_fault()
        if fault is not None and fault.kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            return self.error_response(fault.status, fault.message, extra)
        if fault is not None and fault.kind == "garbage":
            return Response(fault.body, 200, media_type=fault.content_type or None)
        if fault is not None and fault.kind == "delay":
            await self.sleep(fault.seconds)
        turn = self._next_turn(body)
        if turn is None:
            self.problems.append("script exhausted")
            return self.error_response(500, "fake script exhausted")
        events = self.render(turn, body, self.turns_served)
        if fault is not None and fault.kind == "cut":
            return _CutStream(events[: fault.after_events])
        stall = fault if fault is not None and fault.kind == "stall" else None
        return StreamingResponse(self._emit(events, stall), media_type="text/event-stream")

    async def _emit(self, events: list[str], stall: _Fault | None) -> AsyncIterator[bytes]:
        for i, event in enumerate(events):
            if stall is not None and i == stall.after_events:
                await self.sleep(stall.seconds)
            yield event.encode()


class _CutStream(Response):
    """Starts a 200 event stream, sends ``events`` and returns without finishing the body:
    uvicorn then closes the connection mid-message (it logs "ASGI callable returned without
    completing response", which is the point)."""

    def __init__(self, events: list[str]) -> None:
        super().__init__(status_code=200, media_type="text/event-stream")
        self._events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        for event in self._events:
            await send({"type": "http.response.body", "body": event.encode(), "more_body": True})


def sse(data: Any, event: str | None = None) -> str:
    """One SSE event: optional ``event:`` line, one ``data:`` line, blank line."""
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


def error_json(status: int, payload: dict[str, Any], headers: dict[str, str] | None) -> Response:
    return JSONResponse(payload, status_code=status, headers=headers or None)


ServerT = TypeVar("ServerT", bound=FakeLLMServer)


def run_server(server: ServerT, base_path: str) -> Iterator[ServerT]:
    """Serve ``server`` on a free 127.0.0.1 port in a thread; yields it with ``base_url`` set."""
    app = Starlette(routes=[Route(server.route, server.handle, methods=["POST"])])
    with serve_asgi(
        app,
        name=f"fake-{server.vendor}",
        access_log=False,
        lifespan="off",
        ws="none",  # uvicorn's websockets impl imports deprecated modules: a warning = a failure
        http="h11",
        loop="asyncio",
        timeout_graceful_shutdown=2,
    ) as url:
        server.base_url = url + base_path
        try:
            yield server
        finally:
            server._stopping.set()  # releases stalled streams before uvicorn waits for them
