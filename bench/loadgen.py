"""Shared plumbing for the HTTP benchmarks: a raw keep-alive load generator (httpx costs about
as much as the server it measures), server start-up waiting, per-process CPU from ``/proc``,
and a bench user with a known API token."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from typing import Any


def get_request(host: str, path: str, *, token: str | None = None, extra: str = "") -> bytes:
    """A keep-alive ``GET`` as raw bytes; ``extra`` is further header lines ending in CRLF."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}{extra}"
        "Accept: application/json\r\nUser-Agent: bench\r\n\r\n"
    ).encode()


async def read_response(reader: asyncio.StreamReader) -> bytes:
    """Read one response; returns its status line head (``HTTP/1.1 200 ...``) for checking."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return head


async def keepalive_client(
    host: str, port: int, request: bytes, count: int, out: list[float] | None
) -> None:
    """Send ``request`` ``count`` times back to back on one connection; append each latency
    (seconds) to ``out``. Any status but 200 stops the run: a fast error is not a figure."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            writer.write(request)
            head = await read_response(reader)
            if head[9:12] != b"200":
                raise RuntimeError(f"unexpected status {head[:40]!r}")
            if out is not None:
                out.append(time.perf_counter() - t0)
    finally:
        writer.close()
        await writer.wait_closed()


def wait_until_listening(port: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the bench server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError("the bench server did not start")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` and its live children (uvicorn workers), all
    threads; ``None`` where ``/proc`` is missing (not Linux)."""
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        return None
    total = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat", "rb") as f:
                # After the ")" closing the command name, utime/stime are fields 12 and 13.
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def seed_token_user(settings: Any, token: str) -> None:
    """Migrate the database and store a bench user who authenticates with ``token``."""
    from aicoach.accounts import security
    from aicoach.accounts.models import ApiToken, User
    from aicoach.db import create_engine, session_factory, transaction
    from aicoach.migrations.runner import upgrade_to_head

    await upgrade_to_head(settings)
    engine = create_engine(settings)
    try:
        async with transaction(session_factory(engine)) as session:
            user = User(email="bench@example.com", display_name="bench", password_hash="x")
            session.add(user)
            await session.flush()
            digest = security.digest(token)
            session.add(
                ApiToken(user_id=user.id, name="bench", token_hash=digest, prefix=token[:8])
            )
    finally:
        await engine.dispose()
