"""``GET /api/levels/{symbol}`` under load: p50/p99 at 100 concurrent requests, warm cache.

The server runs in a **subprocess** (``uvicorn`` with httptools and uvloop, the production
stack), so the load generator in this process does not share its GIL. Servers measured:

* ``app``: the real ``create_app`` (middleware, SQLite database, simulated market behind the
  market-data cache, JSON access log to a file at INFO as a deployment would) with one worker,
  and ``app_w2`` the same with ``--workers 2`` (two processes sharing the SQLite file);
* ``floor``: a bare ``FastAPI()`` answering a small JSON dict — what uvicorn + FastAPI cost per
  request on this machine with this client, whatever the app does.

Before the servers start, this process migrates each database and stores a user with an API
token; every levels request authenticates with ``Authorization: Bearer`` (a token lookup per
request, as for any API client). ``/healthz`` (no auth, no database) on the same server is the
baseline of each ``app`` server.

Load: ``CONCURRENCY`` pre-opened keep-alive connections share ``REQUESTS`` requests (a minimal
HTTP/1.1 client on asyncio), cycling through ``SYMBOLS``, after ``WARMUP`` requests that fill the
market-data cache for each symbol. At a fixed concurrency latency is concurrency / throughput
(Little's law): the p99 goal needs > 2,000 requests/s. ``ROUNDS`` rounds per server; the round
with the median p99 is reported. **Server CPU per request** (user + system of every server
process, from ``/proc``) does not depend on the client's speed or on the machine's other load.

Goal: p99 < 50 ms.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Report, percentile
from bench.loadgen import (
    cpu_seconds,
    get_request,
    read_response,
    seed_token_user,
    wait_until_listening,
)
from tests.helpers.threaded_server import free_port

CONCURRENCY = 100
REQUESTS = 5000
WARMUP = 1000
ROUNDS = 3
SYMBOLS = ("SPY", "QQQ", "IWM", "AAPL", "NVDA")
GOAL_P99_MS = 50.0
#: The API token each server's database stores (as its SHA-256, like any token).
TOKEN = "aic_bench-levels-token-00000000000000000000000000"
_ROOT = Path(__file__).resolve().parents[1]
_ENV = {
    "AICOACH_ENV": "test",
    "AICOACH_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
    "AICOACH_RUN_JOBS_IN_PROCESS": "false",
    "AICOACH_MIGRATE_ON_START": "false",  # migrated once, before the workers start
    "AICOACH_LOG_JSON": "true",
    "AICOACH_LOG_LEVEL": "INFO",
}

# --- server side (uvicorn factories, imported in the subprocess) ------------------------------


def create_bench_app() -> Any:
    """The real app, configured from ``AICOACH_*`` variables; log lines go to a file."""
    from aicoach.config import Settings
    from aicoach.main import create_app

    settings = Settings()
    app = create_app(settings)
    handler = logging.FileHandler(settings.data_dir / f"bench-{os.getpid()}.log")
    root = logging.getLogger()
    for existing in list(root.handlers):
        handler.setFormatter(existing.formatter)
        root.removeHandler(existing)
    root.addHandler(handler)
    return app


def create_floor_app() -> Any:
    """A bare FastAPI app with one small JSON route: the floor of any endpoint."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/api/levels/{symbol}")
    async def hello(symbol: str) -> dict[str, object]:
        return {"symbol": symbol, "price": 512.34, "levels": [505.0, 510.5, 515.25]}

    return app


async def _seed(data_dir: Path) -> None:
    from aicoach.config import Settings

    settings = Settings.model_validate(
        {"env": "test", "data_dir": data_dir, "secret_key": _ENV["AICOACH_SECRET_KEY"]}
    )
    await seed_token_user(settings, TOKEN)


async def _load(port: int, paths: list[str], total: int) -> tuple[list[float], float]:
    """``total`` requests over ``CONCURRENCY`` keep-alive connections (always ``CONCURRENCY`` in
    flight until the last ones); returns each request's latency in seconds and the wall time."""
    requests = [get_request(f"127.0.0.1:{port}", p, token=TOKEN) for p in paths]
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(CONCURRENCY)]
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in counter:
            t0 = time.perf_counter()
            writer.write(requests[i % len(requests)])
            head = await read_response(reader)
            latencies.append(time.perf_counter() - t0)
            if head[9:12] != b"200":
                raise RuntimeError(f"{paths[i % len(paths)]} → {head[9:12].decode()}")

    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(worker(r, w) for r, w in conns))
    finally:
        for _, writer in conns:
            writer.close()
    return latencies, time.perf_counter() - t0


@dataclass
class _Result:
    latencies: list[float]
    rps: float
    cpu_per_request: float

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


def _measure(port: int, pid: int, paths: list[str]) -> _Result:
    asyncio.run(_load(port, paths, WARMUP))
    rounds = []
    for _ in range(ROUNDS):
        cpu0 = cpu_seconds(pid)
        latencies, elapsed = asyncio.run(_load(port, paths, REQUESTS))
        cpu1 = cpu_seconds(pid)
        no_proc = cpu0 is None or cpu1 is None  # not Linux: no /proc to read
        cpu = float("nan") if no_proc else (cpu1 - cpu0) / len(latencies)  # type: ignore[operator]
        rounds.append(_Result(latencies, len(latencies) / elapsed, cpu))
    return sorted(rounds, key=lambda r: r.p99)[len(rounds) // 2]


def _start(factory: str, data_dir: Path, workers: int) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    env = {
        **os.environ,
        **_ENV,
        "AICOACH_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.pathsep.join([str(_ROOT), str(_ROOT / "src")]),
    }
    args = [
        *(sys.executable, "-m", "uvicorn", f"bench.bench_levels_api:{factory}", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--http", "httptools", "--loop", "uvloop", "--log-level", "warning", "--no-access-log"),
    ]
    proc = subprocess.Popen(args, env=env, cwd=data_dir)
    wait_until_listening(port, proc)
    return port, proc


def _report_server(report: Report, name: str, levels: _Result, health: _Result) -> None:
    p99 = levels.p99 * 1e3
    verdict = "meets" if p99 < GOAL_P99_MS else "MISSES"
    goal = f"p99 < {GOAL_P99_MS:.0f} ms ({verdict})"
    report.latency(f"levels_api.{name}.levels c={CONCURRENCY}", levels.latencies, goal=goal)
    report.latency(f"levels_api.{name}.healthz c={CONCURRENCY}", health.latencies)
    for pct in (50, 99):
        ours, base = percentile(levels.latencies, pct), percentile(health.latencies, pct)
        report.ratio(f"levels_api.{name}.p{pct} levels/healthz", ours, base, "healthz")
    report.figure(
        f"levels_api.{name}.throughput",
        f"levels {levels.rps:,.0f} req/s, healthz {health.rps:,.0f} req/s; server CPU "
        f"{levels.cpu_per_request * 1e6:.0f} µs/levels request, "
        f"{health.cpu_per_request * 1e6:.0f} µs/healthz request",
    )


def run(report: Report) -> None:
    levels = [f"/api/levels/{s}" for s in SYMBOLS]
    with tempfile.TemporaryDirectory() as tmp:
        servers = {"app": ("create_bench_app", 1), "app_w2": ("create_bench_app", 2)}
        for name in servers:
            (Path(tmp) / name).mkdir()
            asyncio.run(_seed(Path(tmp) / name))
        for name, (factory, workers) in servers.items():
            port, proc = _start(factory, Path(tmp) / name, workers)
            try:
                ours = _measure(port, proc.pid, levels)
                base = _measure(port, proc.pid, ["/healthz"])
            finally:
                proc.terminate()
                proc.wait(timeout=15)
            _report_server(report, name, ours, base)
        (Path(tmp) / "floor").mkdir()
        port, proc = _start("create_floor_app", Path(tmp) / "floor", 1)
        try:
            floor = _measure(port, proc.pid, levels)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    report.latency(f"levels_api.floor.bare_fastapi c={CONCURRENCY}", floor.latencies)
    report.figure(
        "levels_api.floor.throughput",
        f"{floor.rps:,.0f} req/s; server CPU {floor.cpu_per_request * 1e6:.0f} µs/request "
        "(a bare FastAPI JSON route on the same uvicorn, same client: no endpoint can beat it)",
    )
