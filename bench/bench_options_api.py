"""``GET /api/options/{symbol}/chain`` latency under 100 concurrent requests, warm cache.

The real app (``create_app`` on SQLite, simulated market) is served by uvicorn through
``tests.helpers.live.live_server`` on a loopback port, in a **subprocess** so the server and the
load generator do not share a GIL. A user signs up through the real form and authenticates with a
personal API token (``Authorization: Bearer``), so every request pays authentication as in
production. After a warm-up (chain computed and cached), ``CONCURRENCY`` keep-alive connections
each send ``PER_CONNECTION`` requests back to back: 100 requests in flight at all times.
``/healthz`` (no auth, no database) on the same server is the baseline.

Figures: p50/p99 of the chain (goal p99 < 50 ms), of the chain one request at a time (no
queueing), of ``/healthz`` and of ``/api/me`` (authenticated, one token lookup: the floor any
authenticated endpoint pays), and the ratios.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from bench.harness import Report, percentile
from bench.loadgen import get_request, keepalive_client

CONCURRENCY = 100
PER_CONNECTION = 20
WARMUP_PER_CONNECTION = 3
SYMBOL = "SPY"


def _serve(data_dir: str) -> None:
    """Subprocess entry: serve the app, print its URL, run until stdin closes."""
    from aicoach.config import Settings
    from aicoach.main import create_app
    from tests.helpers.live import live_server

    settings = Settings.model_validate(
        {
            "env": "test",
            "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
            "data_dir": data_dir,
            "run_jobs_in_process": False,
            "log_json": True,
            "cache_ttl_seconds": 3600.0,
        }
    )
    app = create_app(settings)
    # Log lines go to a file, as a deployment would ship them, not through a pipe.
    handler = logging.FileHandler(Path(data_dir) / "bench.log")
    root = logging.getLogger()
    for existing in list(root.handlers):
        handler.setFormatter(existing.formatter)
        root.removeHandler(existing)
    root.addHandler(handler)
    with live_server(app) as url:
        print(url, flush=True)
        sys.stdin.read()


async def _token(url: str) -> tuple[str, str]:
    from tests.helpers.users import signup_user

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        user = await signup_user(http, "bench@example.com", "benchmark passphrase 1")
        token = await user.new_token("bench")
        rows = (await user.get(f"/api/options/{SYMBOL}/expirations")).json()["expirations"]
        expiration = next(r["expiration"] for r in rows if r["is_monthly"])
        return token, expiration


async def _load(
    url: str, path: str, token: str | None, concurrency: int = CONCURRENCY
) -> list[float]:
    host, port = url.removeprefix("http://").split(":")
    raw = get_request(host, path, token=token)
    await asyncio.gather(
        *(keepalive_client(host, int(port), raw, WARMUP_PER_CONNECTION, None) for _ in range(10))
    )
    samples: list[float] = []
    await asyncio.gather(
        *(
            keepalive_client(host, int(port), raw, PER_CONNECTION, samples)
            for _ in range(concurrency)
        )
    )
    return samples


def run(report: Report) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "PYTHONPATH": os.getcwd()}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from bench.bench_options_api import _serve; _serve({data_dir!r})",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            if not url.startswith("http://"):
                raise RuntimeError("the bench server did not start")
            token, expiration = asyncio.run(_token(url))
            chain_path = f"/api/options/{SYMBOL}/chain?expiration={expiration}"
            chain = asyncio.run(_load(url, chain_path, token))
            single = asyncio.run(_load(url, chain_path, token, concurrency=1))
            health = asyncio.run(_load(url, "/healthz", None))
            me = asyncio.run(_load(url, "/api/me", token))
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=30)
    report.latency(f"options.chain {SYMBOL} x{CONCURRENCY} concurrent", chain, goal="p99 < 50 ms")
    report.latency(f"options.chain {SYMBOL} one at a time", single)
    report.latency(f"healthz x{CONCURRENCY} concurrent (baseline)", health)
    report.latency(f"/api/me x{CONCURRENCY} concurrent (auth baseline)", me)
    report.ratio(
        "options.chain p50 vs healthz p50",
        percentile(chain, 50),
        percentile(health, 50),
        "healthz",
    )
    report.ratio(
        "options.chain p50 vs /api/me p50",
        percentile(chain, 50),
        percentile(me, 50),
        "api_me",
    )
    report.ratio(
        "options.chain p99 vs healthz p99",
        percentile(chain, 99),
        percentile(health, 99),
        "healthz",
    )
