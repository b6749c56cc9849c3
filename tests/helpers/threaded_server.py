"""Local servers on 127.0.0.1 run in a background thread, for the fakes and the live tests.

``serve_asgi`` serves an ASGI app under uvicorn (on its own event loop, so a sync test or
another loop can call it); ``BackgroundHTTPServer`` serves a stdlib request handler. Both bind
before handing out their URL and stop and join their thread on the way out, so no test leaks a
listening socket.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_asgi(app: ASGIApp, *, name: str, **options: Any) -> Iterator[str]:
    """Serve ``app`` under uvicorn on a free 127.0.0.1 port in a daemon thread; yields the base
    URL ``http://127.0.0.1:<port>``. ``options`` go to ``uvicorn.Config`` (``lifespan``, ``ws``,
    ...); the logging stays the app's own. Raises when it has not started within 20 s."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


class BackgroundHTTPServer:
    """A ``ThreadingHTTPServer`` on a free 127.0.0.1 port, serving in a daemon thread.

    Bound on construction (``port``, ``base_url`` are known before ``start``); ``stop`` blocks
    up to ``poll_interval`` seconds, so async callers run it in a thread.
    """

    def __init__(
        self, handler: Callable[..., BaseHTTPRequestHandler], *, poll_interval: float = 0.5
    ) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
        )

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class QuietFileHandler(SimpleHTTPRequestHandler):
    """Serves files like ``python -m http.server``, without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve the files under ``directory``; yields the base URL."""
    with BackgroundHTTPServer(partial(QuietFileHandler, directory=str(directory))) as server:
        yield server.base_url
