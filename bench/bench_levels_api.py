"""``GET /api/levels/{symbol}`` under load: p50/p99 at 100 concurrent requests, warm cache.

The real app (``create_app``: middleware, SQLite database, simulated market behind the market
data cache) is served by uvicorn on a free loopback port through ``tests.helpers.live``; a user
signs up through the real form and creates an API token, and every request authenticates with
``Authorization: Bearer`` (a token lookup in the database per request, as for any API client).

Load: ``CONCURRENCY`` asyncio workers, each on its own pre-opened keep-alive connection, send
``REQUESTS`` requests in all, cycling through ``SYMBOLS``, after a warm-up that fills the
market-data cache for each symbol. The same load against ``/healthz`` on the same server is the
baseline: the ratio says how much of the latency is the levels work (token lookup, cached market
data, the engine — reused for 1 s per symbol by ``LevelsService``) rather than HTTP and the event
loop. The client shares this process's GIL with the server thread, and at a fixed concurrency
latency is concurrency / throughput (Little's law), so the p99 goal needs > 2,000 requests/s.

Goal: p99 < 50 ms.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.harness import Report, percentile

CONCURRENCY = 100
REQUESTS = 3000
WARMUP = 300
SYMBOLS = ("SPY", "QQQ", "IWM", "AAPL", "NVDA")
GOAL_P99_MS = 50.0


def _app(data_dir: Path) -> object:
    from aicoach.config import Settings
    from aicoach.main import create_app

    settings = Settings.model_validate(
        {
            "env": "test",
            "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
            "data_dir": data_dir,
            "database_url": f"sqlite+aiosqlite:///{data_dir / 'bench.db'}",
            "migrate_on_start": True,
            "run_jobs_in_process": False,
            "log_level": "WARNING",
        }
    )
    return create_app(settings)


async def _token(base_url: str) -> str:
    from tests.helpers.users import signup_user

    async with httpx.AsyncClient(base_url=base_url) as http:
        user = await signup_user(http, "bench@example.com", "a long enough passphrase")
        return await user.new_token("bench")


async def _load(base_url: str, token: str, paths: list[str], total: int) -> list[float]:
    """``total`` requests over ``CONCURRENCY`` pre-opened keep-alive connections (a minimal
    HTTP/1.1 client: httpx's own per-request cost would dominate, since it shares the GIL with
    the server thread); returns each request's latency in seconds."""
    host, port = base_url.removeprefix("http://").split(":")
    requests = [
        f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Accept: application/json\r\n\r\n".encode()
        for p in paths
    ]
    conns = [await asyncio.open_connection(host, int(port)) for _ in range(CONCURRENCY)]
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in counter:
            t0 = time.perf_counter()
            writer.write(requests[i % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line[15:]) for line in head.split(b"\r\n")
                if line[:15].lower() == b"content-length:"
            )  # fmt: skip
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if head[9:12] != b"200":
                raise RuntimeError(f"{paths[i % len(paths)]} → {head[9:12].decode()}")

    try:
        await asyncio.gather(*(worker(r, w) for r, w in conns))
    finally:
        for _, writer in conns:
            writer.close()
    return latencies


def run(report: Report) -> None:
    from tests.helpers.live import live_server

    with tempfile.TemporaryDirectory() as tmp, live_server(_app(Path(tmp))) as url:  # type: ignore[arg-type]
        token = asyncio.run(_token(url))
        levels = [f"/api/levels/{s}" for s in SYMBOLS]

        async def measure() -> tuple[list[float], list[float], float]:
            await _load(url, token, levels, WARMUP)  # warm: market data cached, DB pages hot
            await _load(url, token, ["/healthz"], WARMUP)
            t0 = time.perf_counter()
            ours = await _load(url, token, levels, REQUESTS)
            elapsed = time.perf_counter() - t0
            base = await _load(url, token, ["/healthz"], REQUESTS)
            return ours, base, elapsed

        ours, base, elapsed = asyncio.run(measure())
    p99 = percentile(ours, 99) * 1e3
    verdict = "meets" if p99 < GOAL_P99_MS else "MISSES"
    report.latency(
        f"levels_api.levels c={CONCURRENCY}", ours, goal=f"p99 < {GOAL_P99_MS:.0f} ms ({verdict})"
    )
    report.latency(f"levels_api.healthz c={CONCURRENCY}", base)
    report.ratio(
        "levels_api.p50 levels/healthz", percentile(ours, 50), percentile(base, 50), "healthz"
    )
    report.ratio(
        "levels_api.p99 levels/healthz", percentile(ours, 99), percentile(base, 99), "healthz"
    )
    report.figure("levels_api.throughput", f"{len(ours) / elapsed:,.0f} levels requests/s")
