"""Overhead of the middleware stack over loopback, on a trivial and on a realistic endpoint.

Each app is served by uvicorn (httptools, uvloop when installed) in its own **subprocess**, so
that the server and the load generator don't share a GIL, and with its own data directory:

* ``bare``: a plain ``FastAPI()`` serving ``GET /bench/json`` (a small JSON dict);
* ``ours``: the real ``create_app(settings)`` (Sentry initialised with a DSN pointing at a local
  envelope receiver, ``traces_sample_rate=0``; JSON logging to a file; metrics; request ids; the
  CSRF-cookie and body-limit middlewares; the lifespan with its database) plus the endpoint;
* ``ours_no_sentry`` (the same app without a DSN) and ``sentry_only`` (the bare app with the
  Sentry SDK initialised) split the cost;
* ``bare_me`` / ``ours_me``: the realistic endpoint ``GET /api/me`` with a Bearer API token (a
  database read of the token and the user, a write of ``last_used_at`` once a minute, a commit):
  ``ours_me`` is the full app, ``bare_me`` the same app with no middleware and no Sentry.

The load generator is a small asyncio HTTP/1.1 client on keep-alive connections (``CONCURRENCY``
connections, ``REQUESTS`` requests per round after a warm-up). Rounds alternate between servers;
the best round of each is reported. Figures: ``ours/bare`` mean latency (the headline; goal
≤ 1.15×), throughput, and the **server CPU time per request** read from ``/proc/<pid>/stat``
(user + system, all threads), which does not depend on how fast the client is.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Report
from bench.loadgen import cpu_seconds, keepalive_client, seed_token_user, wait_until_listening
from tests.helpers.threaded_server import free_port

CONCURRENCY = 50
REQUESTS = 3000
WARMUP = 500
ROUNDS = 5
KINDS = ("bare", "ours", "ours_no_sentry", "sentry_only", "bare_me", "ours_me")
PATH = "/bench/json"
ME_PATH = "/api/me"
#: A fixed API token for the realistic endpoint: each ``*_me`` server stores its digest.
ME_TOKEN = "aic_bench-token-0000000000000000000000000000000"
SESSION_COOKIE = (
    "aicoach_session=bench-session-token-value-000000000000000; "
    "aicoach_csrf=bench-csrf-0000000000000000000000000000000"
)


# --- server side (runs in the subprocess) -----------------------------------------------------


async def _payload() -> dict[str, object]:
    return {"symbol": "SPY", "price": 512.34, "levels": [505.0, 510.5, 515.25], "ok": True}


def _bare_app() -> object:
    from fastapi import FastAPI

    app = FastAPI()
    app.add_api_route(PATH, _payload, methods=["GET"])
    return app


def _settings(dsn: str, data_dir: str) -> Any:
    from aicoach.config import Settings

    return Settings.model_validate(
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


def _our_app(dsn: str, data_dir: str, *, middleware: bool = True) -> object:
    import logging

    from aicoach.main import create_app

    app = create_app(_settings(dsn, data_dir))
    if not middleware:
        # The stack is built on the first ASGI call: dropping the entries now serves the same
        # routes, dependencies and lifespan with only FastAPI's own error/exception layers.
        app.user_middleware.clear()
    # JSON lines go to a file, as a deployment would ship them, not to the terminal.
    handler = logging.FileHandler(Path(data_dir) / "bench.log")
    for existing in list(logging.getLogger().handlers):
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
    import asyncio

    import uvicorn

    if kind.endswith("_me"):
        asyncio.run(seed_token_user(_settings("", data_dir), ME_TOKEN))
    if kind == "bare":
        app = _bare_app()
    elif kind == "sentry_only":
        app = _sentry_only_app(dsn, data_dir)
    elif kind == "ours_no_sentry":
        app = _our_app("", data_dir)
    elif kind == "bare_me":
        app = _our_app("", data_dir, middleware=False)
    else:  # "ours", "ours_me"
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


def _request(kind: str, port: int) -> bytes:
    path, extra = PATH, ""
    if kind.endswith("_me"):
        path, extra = ME_PATH, f"Authorization: Bearer {ME_TOKEN}\r\n"
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        f"Cookie: {SESSION_COOKIE}\r\n{extra}User-Agent: bench\r\n\r\n"
    ).encode()


async def _load(port: int, total: int, request: bytes) -> tuple[list[float], float]:
    latencies: list[float] = []
    per = total // CONCURRENCY
    t0 = time.perf_counter()
    await asyncio.gather(
        *(keepalive_client("127.0.0.1", port, request, per, latencies) for _ in range(CONCURRENCY))
    )
    return latencies, time.perf_counter() - t0


@dataclass
class _Best:
    """The best round (lowest mean latency) of one server."""

    mean: float
    rps: float
    latencies: list[float]
    cpu_per_request: float | None


def _round(kind: str, port: int, pid: int) -> _Best:
    request = _request(kind, port)
    asyncio.run(_load(port, WARMUP, request))
    cpu0 = cpu_seconds(pid)
    latencies, elapsed = asyncio.run(_load(port, REQUESTS, request))
    cpu1 = cpu_seconds(pid)
    cpu = (cpu1 - cpu0) / len(latencies) if cpu0 is not None and cpu1 is not None else None
    return _Best(statistics.fmean(latencies), len(latencies) / elapsed, latencies, cpu)


def run(report: Report) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.fakes.sentry_receiver import SentryReceiver

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "src")])}
    with SentryReceiver() as receiver, tempfile.TemporaryDirectory() as tmp:
        procs: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
        try:
            for kind in KINDS:
                port = free_port()
                data_dir = Path(tmp) / kind  # one database each: no migration races
                data_dir.mkdir()
                code = (
                    "import sys; from bench.bench_middleware import _serve; "
                    "_serve(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])"
                )
                args = [sys.executable, "-c", code, kind, str(port), receiver.dsn(1), str(data_dir)]
                procs[kind] = (port, subprocess.Popen(args, env=env, cwd=root))
            for port, proc in procs.values():
                wait_until_listening(port, proc)
            best: dict[str, _Best] = {}
            for _ in range(ROUNDS):
                for kind, (port, proc) in procs.items():
                    result = _round(kind, port, proc.pid)
                    if kind not in best or result.mean < best[kind].mean:
                        best[kind] = result
        finally:
            for _port, proc in procs.values():
                proc.terminate()
                proc.wait(timeout=10)
        _report(report, best, len(receiver.events))


def _report(report: Report, best: dict[str, _Best], events: int) -> None:
    bare, ours = best["bare"], best["ours"]
    report.ratio("middleware.stack_mean_latency", ours.mean, bare.mean, "bare", goal="<= 1.15x")
    report.figure(
        "middleware.throughput",
        f"ours {ours.rps:,.0f} req/s, bare {bare.rps:,.0f} req/s, "
        f"ours/bare = {ours.rps / bare.rps:.3f} (c={CONCURRENCY}, n={REQUESTS})",
    )
    # Where the time goes: the same stack without Sentry, and Sentry alone on the bare app.
    report.ratio("middleware.stack_without_sentry", best["ours_no_sentry"].mean, bare.mean, "bare")
    report.ratio("middleware.sentry_sdk_alone", best["sentry_only"].mean, bare.mean, "bare")
    report.latency("middleware.ours_latency", ours.latencies)
    report.latency("middleware.bare_latency", bare.latencies)
    # The realistic endpoint: a Bearer-token GET /api/me (token + user read, commit).
    bare_me, ours_me = best["bare_me"], best["ours_me"]
    report.ratio("middleware.api_me_mean_latency", ours_me.mean, bare_me.mean, "bare")
    report.figure(
        "middleware.api_me_throughput",
        f"ours {ours_me.rps:,.0f} req/s, bare {bare_me.rps:,.0f} req/s, "
        f"ours/bare = {ours_me.rps / bare_me.rps:.3f}",
    )
    # Server CPU per request: independent of the client's speed (10 ms clock ticks / n).
    cpu = {kind: b.cpu_per_request for kind, b in best.items()}
    if all(v is not None for v in cpu.values()):
        text = ", ".join(f"{kind} {v * 1e6:.0f}" for kind, v in cpu.items() if v is not None)
        report.figure("middleware.server_cpu_us_per_request", text)
    report.figure(
        "middleware.sentry_events", f"{events} events sent during the run (expected 0: no errors)"
    )
