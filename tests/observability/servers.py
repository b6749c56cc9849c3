"""Run an ASGI app under a real uvicorn server on a free 127.0.0.1 port, in a thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.types import ASGIApp

from tests.helpers.threaded_server import serve_asgi


@contextmanager
def serve(app: ASGIApp, *, lifespan: str = "off") -> Iterator[str]:
    """Yield the base URL while uvicorn serves ``app``; stop it on exit."""
    with serve_asgi(
        app, name="uvicorn", lifespan=lifespan, access_log=False, ws="none", loop="asyncio"
    ) as url:
        yield url
