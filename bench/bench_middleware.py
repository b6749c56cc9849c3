"""Overhead of the middleware stack on one JSON endpoint, over loopback.

Two apps serve the same ``GET /bench/json`` endpoint under uvicorn (httptools, uvloop when
installed), each in its own **subprocess** so that the server and the load generator don't share
a GIL:

* ``bare``: a plain ``FastAPI()`` with the endpoint;
* ``ours``: the real ``create_app(settings)`` (Sentry initialised with a DSN pointing at a local
  envelope receiver, ``traces_sample_rate=0``; JSON logging to a file; metrics; request ids; the
  CSRF-cookie and body-limit middlewares; the lifespan with its database) plus the endpoint.

Two more servers split the cost: ``ours_no_sentry`` (the same app without a DSN) and
``sentry_only`` (the bare app with the Sentry SDK initialised).

The load generator is a small asyncio HTTP/1.1 client on keep-alive connections (``CONCURRENCY``
connections, ``REQUESTS`` requests per round after a warm-up), fast enough that the server is
the bottleneck, which makes the ratio honest. Rounds alternate bare/ours; the best round of each
is reported. Figures: ``ours/bare`` mean latency (goal ≤ 1.15×) and throughput ratio.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import Report

CONCURRENCY = 50
REQUESTS = 3000
WARMUP = 500
ROUNDS = 3
KINDS = ("bare", "ours", "ours_no_sentry", "sentry_only")
PATH = "/bench/json"
SESSION_COOKIE = (
    "aicoach_session=bench-session-token-value-000000000000000; "
    "aicoach_csrf=bench-csrf-0000000000000000000000000000000"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- server side (runs in the subprocess) -----------------------------------------------------


async def _payload() -> dict[str, object]:
    return {"symbol": "SPY", "price": 512.34, "levels": [505.0, 510.5, 515.25], "ok": True}


def _bare_app() -> object:
    from fastapi import FastAPI

    app = FastAPI()
    app.add_api_route(PATH, _payload, methods=["GET"])
    return app


def _our_app(dsn: str, data_dir: str) -> object:
    import logging

    from aicoach.config import Settings
    from aicoach.main import create_app

    settings = Settings.model_validate(
        {
            "env": "test",
            "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
            "data_dir": data_dir,
            "sentry_dsn": dsn,
            "sentry_traces_sample_rate": 0.0,
            "sentry_environment": "bench",
            "log_json": True,
            "run_jobs_in_process": False,
        }
    )
    app = create_app(settings)
    # JSON lines go to a file, as a deployment would ship them, not to the terminal.
    handler = logging.FileHandler(Path(data_dir) / "bench.log")
    for existing in logging.getLogger().handlers:
        handler.setFormatter(existing.formatter)
        logging.getLogger().removeHandler(existing)
    logging.getLogger().addHandler(handler)
    app.add_api_route(PATH, _payload, methods=["GET"])
    # First in the table, as in the bare app: this measures the middleware, not how long the
    # router takes to walk ~40 routes to reach one added last.
    routes = app.router.routes
    routes.insert(0, routes.pop())
    return app


def _sentry_only_app(dsn: str, data_dir: str) -> object:
    from aicoach.config import Settings
    from aicoach.observability.sentry import init_sentry

    init_sentry(Settings.model_validate({"data_dir": data_dir, "sentry_dsn": dsn}))
    return _bare_app()


def _serve(kind: str, port: int, dsn: str, data_dir: str) -> None:
    import uvicorn

    if kind == "bare":
        app = _bare_app()
    elif kind == "sentry_only":
        app = _sentry_only_app(dsn, data_dir)
    elif kind == "ours_no_sentry":
        app = _our_app("", data_dir)
    else:
        app = _our_app(dsn, data_dir)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        log_config=None,
        http="httptools",
        lifespan="on",
    )


# --- load generator ------------------------------------------------------------------------


async def _connection(port: int, count: int, request: bytes, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            status = head[9:12]
            if status != b"200":
                raise RuntimeError(f"unexpected status {status!r}")
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()
        await writer.wait_closed()


async def _load(port: int, total: int) -> tuple[list[float], float]:
    request = (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        f"Cookie: {SESSION_COOKIE}\r\nUser-Agent: bench\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    per = total // CONCURRENCY
    t0 = time.perf_counter()
    await asyncio.gather(*(_connection(port, per, request, latencies) for _ in range(CONCURRENCY)))
    return latencies, time.perf_counter() - t0


def _wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the bench server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the bench server did not start")


def run(report: Report) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.fakes.sentry_receiver import SentryReceiver

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "src")])}
    with SentryReceiver() as receiver, tempfile.TemporaryDirectory() as tmp:
        procs: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
        try:
            for kind in KINDS:
                port = _free_port()
                code = (
                    "import sys; from bench.bench_middleware import _serve; "
                    "_serve(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])"
                )
                args = [sys.executable, "-c", code, kind, str(port), receiver.dsn(1), tmp]
                procs[kind] = (port, subprocess.Popen(args, env=env, cwd=root))
            for port, proc in procs.values():
                _wait_up(port, proc)
            best: dict[str, tuple[float, float, list[float]]] = {}
            for _ in range(ROUNDS):
                for kind, (port, _proc) in procs.items():
                    asyncio.run(_load(port, WARMUP))
                    latencies, elapsed = asyncio.run(_load(port, REQUESTS))
                    mean = statistics.fmean(latencies)
                    if kind not in best or mean < best[kind][0]:
                        best[kind] = (mean, len(latencies) / elapsed, latencies)
        finally:
            for _port, proc in procs.values():
                proc.terminate()
                proc.wait(timeout=10)
        bare_mean, bare_rps, bare_lat = best["bare"]
        ours_mean, ours_rps, ours_lat = best["ours"]
        report.ratio("middleware.stack_mean_latency", ours_mean, bare_mean, "bare", goal="<= 1.15x")
        report.figure(
            "middleware.throughput",
            f"ours {ours_rps:,.0f} req/s, bare {bare_rps:,.0f} req/s, "
            f"ours/bare = {ours_rps / bare_rps:.3f} (c={CONCURRENCY}, n={REQUESTS})",
        )
        # Where the time goes: the same stack without Sentry, and Sentry alone on the bare app.
        report.ratio(
            "middleware.stack_without_sentry", best["ours_no_sentry"][0], bare_mean, "bare"
        )
        report.ratio("middleware.sentry_sdk_alone", best["sentry_only"][0], bare_mean, "bare")
        report.latency("middleware.ours_latency", ours_lat)
        report.latency("middleware.bare_latency", bare_lat)
        report.figure(
            "middleware.sentry_events",
            f"{len(receiver.events)} events sent during the run (expected 0: no errors)",
        )
