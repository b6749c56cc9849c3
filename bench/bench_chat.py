"""Chat: our overhead to the first SSE byte, history paging and search at scale.

Each figure runs the real app (``create_app``, SQLite in a temporary data directory) under
uvicorn on a loopback port, driven by ``httpx`` with a logged-in cookie session:

* ``chat.first_byte.offline`` / ``chat.first_byte.openai_fake``: time from sending
  ``POST /api/chat/sessions/{id}/messages`` to the first byte of the event stream (the
  ``user_message`` event: auth, validation, rate-limit count, two inserts, commit, task start),
  p50 over ``N_TURNS`` sequential turns, each read to its end; with the offline coach and with
  the local fake OpenAI-compatible server. Reported against ``GET /healthz`` on the same server
  (goal: p50 < 50 ms);
* ``chat.history.last_page``: the newest page (50) and the oldest page of a 10,000-message chat
  (keyset pagination: both should cost the same);
* ``chat.search``: full-text search across 100,000 messages of one user (goal < 100 ms).

Messages are seeded with bulk ``INSERT``s (the FTS triggers index them as they go).
"""

from __future__ import annotations

import asyncio
import random
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import insert

from aicoach.chat.models import ChatMessageRow
from aicoach.config import LLMProviderName, Settings
from aicoach.db import create_engine
from aicoach.main import create_app
from aicoach.migrations.runner import upgrade_to_head
from bench.harness import Report, percentile

N_TURNS = 50
N_HISTORY = 10_000
N_SEARCH = 100_000
N_QUERIES = 50
_VOCABULARY = (
    "theta gamma vega delta spread condor butterfly strangle straddle support resistance "
    "breakout pullback earnings expiry premium collar calendar diagonal skew volatility "
    "assignment rollover hedge momentum vwap pivot range trend reversal liquidity"
)
WORDS = tuple(_VOCABULARY.split())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _serve(app: FastAPI) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("bench server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "secret_key": "bench-secret-key-that-is-long-enough-0123456789",
        "data_dir": data_dir,
        "migrate_on_start": False,
        "run_jobs_in_process": False,
        "log_level": "WARNING",
        "chat_rate_limit_per_minute": 10_000,
        **overrides,
    }
    return Settings.model_validate(values)


async def _login(http: httpx.AsyncClient) -> dict[str, str]:
    page = await http.get("/login")
    csrf = page.cookies.get("aicoach_csrf") or http.cookies.get("aicoach_csrf") or ""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    data = {"email": email, "password": "bench passphrase 123", "csrf_token": csrf}
    response = await http.post("/signup", data=data)
    if response.status_code != 303:
        raise RuntimeError(f"sign-up failed: {response.status_code}")
    return {"X-CSRF-Token": http.cookies.get("aicoach_csrf") or csrf}


async def _first_byte(base: str, content: str) -> tuple[list[float], list[float]]:
    """(time to first SSE byte, /healthz latency) samples, in seconds."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        headers = await _login(http)
        chat = (await http.post("/api/chat/sessions", json={}, headers=headers)).json()
        url = f"/api/chat/sessions/{chat['id']}/messages"
        ttfb: list[float] = []
        health: list[float] = []
        for i in range(N_TURNS + 5):
            body = {"content": content, "client_message_id": str(uuid.uuid4())}
            t0 = time.perf_counter()
            async with http.stream("POST", url, json=body, headers=headers) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise RuntimeError(f"turn failed: {response.status_code} {response.text}")
                first = True
                async for _ in response.aiter_raw():
                    if first:
                        if i >= 5:  # warm-up turns are not counted
                            ttfb.append(time.perf_counter() - t0)
                        first = False
            t0 = time.perf_counter()
            await http.get("/healthz")
            if i >= 5:
                health.append(time.perf_counter() - t0)
        return ttfb, health


def _report_first_byte(report: Report, name: str, ttfb: list[float], health: list[float]) -> None:
    report.latency(f"chat.first_byte.{name}", ttfb, goal="p50 < 50 ms")
    report.ratio(
        f"chat.first_byte.{name}.vs_healthz",
        percentile(ttfb, 50),
        percentile(health, 50),
        "healthz",
    )


async def _seed(
    settings: Settings, user_id: int, session_id: int, n: int, rng: random.Random
) -> None:
    engine = create_engine(settings)
    start = datetime.now(UTC) - timedelta(days=30)
    try:
        batch = 5_000
        for lo in range(0, n, batch):
            rows = []
            for i in range(lo, min(n, lo + batch)):
                words = rng.choices(WORDS, k=rng.randint(8, 40))
                rows.append(
                    {
                        "session_id": session_id,
                        "user_id": user_id,
                        "role": "user" if i % 2 == 0 else "assistant",
                        "content": " ".join(words),
                        "status": "complete",
                        "client_message_id": uuid.uuid4().hex if i % 2 == 0 else None,
                        "cards": [],
                        "citations": [],
                        "tool_calls": [],
                        "model_label": "",
                        "input_tokens": 0,
                        "output_tokens": 0,
                        "cost_usd": 0.0,
                        "created_at": start + timedelta(seconds=i),
                    }
                )
            async with engine.begin() as conn:
                await conn.execute(insert(ChatMessageRow), rows)
    finally:
        await engine.dispose()


async def _timed_gets(http: httpx.AsyncClient, urls: list[str]) -> list[float]:
    samples = []
    for url in urls:
        t0 = time.perf_counter()
        response = await http.get(url)
        samples.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return samples


async def _history_and_search(report: Report, data_dir: Path) -> None:
    settings = _settings(data_dir)
    await upgrade_to_head(settings)
    rng = random.Random(7)
    with _serve(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            headers = await _login(http)
            me = (await http.get("/api/me")).json()
            deep = (await http.post("/api/chat/sessions", json={}, headers=headers)).json()
            big = (await http.post("/api/chat/sessions", json={}, headers=headers)).json()
            await _seed(settings, me["id"], deep["id"], N_HISTORY, rng)
            base_url = f"/api/chat/sessions/{deep['id']}/messages?limit=50"
            newest = await _timed_gets(http, [base_url] * N_QUERIES)
            first_id = (await http.get(f"{base_url}&limit=1")).json()
            oldest_before = first_id["items"][0]["id"] - N_HISTORY + 51
            oldest = await _timed_gets(http, [f"{base_url}&before={oldest_before}"] * N_QUERIES)
            report.latency("chat.history.newest_page.10k", newest, goal="flat in depth")
            report.latency("chat.history.oldest_page.10k", oldest, goal="flat in depth")

            t0 = time.perf_counter()
            await _seed(settings, me["id"], big["id"], N_SEARCH - N_HISTORY, rng)
            report.figure(
                "chat.search.seed",
                f"{N_SEARCH - N_HISTORY:,} messages inserted in {time.perf_counter() - t0:.1f} s",
            )
            queries = [" ".join(rng.sample(WORDS, 2)) for _ in range(N_QUERIES)]
            rare = [f"{w[:4]}" for w in rng.sample(WORDS, 10)] * (N_QUERIES // 10)
            search = await _timed_gets(http, [f"/api/chat/search?q={q}" for q in queries])
            prefix = await _timed_gets(http, [f"/api/chat/search?q={q}" for q in rare])
            report.latency("chat.search.two_words.100k", search, goal="p50 < 100 ms")
            report.latency("chat.search.prefix.100k", prefix, goal="p50 < 100 ms")


async def _main(report: Report) -> None:
    from tests.fakes.llm_script import text_turn
    from tests.fakes.openai_server import serve_openai

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        offline = _settings(root / "offline")
        await upgrade_to_head(offline)
        with _serve(create_app(offline)) as base:
            ttfb, health = await _first_byte(base, "Is the market open right now?")
        _report_first_byte(report, "offline", ttfb, health)

        script = [text_turn("A short scripted answer.")] * (N_TURNS + 20)
        with serve_openai(script, api_key="sk-bench") as fake:
            openai = _settings(
                root / "openai",
                llm_provider=LLMProviderName.OPENAI,
                openai_base_url=fake.base_url,
                openai_api_key=SecretStr("sk-bench"),
            )
            await upgrade_to_head(openai)
            with _serve(create_app(openai)) as base:
                ttfb, health = await _first_byte(base, "Say something short.")
        _report_first_byte(report, "openai_fake", ttfb, health)

        await _history_and_search(report, root / "search")


def run(report: Report) -> None:
    asyncio.run(_main(report))
