"""ObservabilityMiddleware: request ids, the access log line, the metrics and their labels."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client.parser import text_string_to_metric_families

from aicoach.observability.context import bind_user, current_request_id
from aicoach.observability.logging import configure_logging
from aicoach.observability.metrics import metrics_router, register_queue_depth
from aicoach.observability.middleware import ObservabilityMiddleware, valid_request_id
from tests.observability.conftest import obs_settings


def _sync_user() -> int:
    bind_user(41)  # runs in a worker thread
    return 41


def build_app(static_dir: Path) -> FastAPI:
    app = FastAPI()
    api = APIRouter(prefix="/api")

    @api.get("/levels/{symbol}")
    async def levels(symbol: str, user: Annotated[int, Depends(_sync_user)]) -> dict[str, str]:
        return {"symbol": symbol, "rid": current_request_id() or ""}

    nested = APIRouter(prefix="/chains")

    @nested.get("/{symbol}/{expiry}")
    async def chain(symbol: str, expiry: str) -> dict[str, str]:
        return {"symbol": symbol}

    api.include_router(nested)
    app.include_router(api)
    app.include_router(metrics_router)
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.add_middleware(ObservabilityMiddleware)
    return app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "app.css").write_text("body{}")
    transport = httpx.ASGITransport(app=build_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                out[tuple(sorted(sample.labels.items()))] = sample.value
    return out


async def test_request_id_accepted_echoed_or_generated(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/levels/SPY", headers={"X-Request-ID": "edge-42.a_b-c"})
    assert r.headers["x-request-id"] == "edge-42.a_b-c"
    assert r.json()["rid"] == "edge-42.a_b-c"
    for bad in ("has space", "x" * 129, "semi;colon", "ünïcode"):
        r = await client.get("/api/levels/SPY", headers={b"X-Request-ID": bad.encode()})
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"]), bad
        assert r.json()["rid"] == r.headers["x-request-id"]
    r1 = await client.get("/api/levels/SPY")
    r2 = await client.get("/api/levels/SPY")
    assert r1.headers["x-request-id"] != r2.headers["x-request-id"]


def test_valid_request_id_rules() -> None:
    assert valid_request_id("a" * 128) == "a" * 128
    assert valid_request_id("a" * 129) is None
    assert valid_request_id(b"abc") == "abc"
    assert valid_request_id("") is None
    assert valid_request_id(None) is None


async def test_metrics_use_route_templates(client: httpx.AsyncClient) -> None:
    for path in ("/api/levels/SPY", "/api/levels/QQQ", "/api/chains/SPY/2026-01-16",
                 "/static/app.css", "/nope/123", "/nope/456"):  # fmt: skip
        await client.get(path)
    text = (await client.get("/metrics")).text
    counts = _samples(text, "aicoach_http_requests_total")

    def count(route: str, status: str) -> float:
        return counts.get((("method", "GET"), ("route", route), ("status", status)), 0.0)

    assert count("/api/levels/{symbol}", "200") >= 2
    assert count("/api/chains/{symbol}/{expiry}", "200") >= 1
    assert count("/static/{path}", "200") >= 1
    assert count("<unmatched>", "404") >= 2
    # Never a raw path as a label.
    assert not any("SPY" in dict(k).get("route", "") or "/nope" in dict(k).get("route", "")
                   for k in counts)  # fmt: skip
    hist = _samples(text, "aicoach_http_request_duration_seconds_count")
    assert hist[(("method", "GET"), ("route", "/api/levels/{symbol}"))] >= 2
    assert _samples(text, "aicoach_http_requests_in_flight")[()] == 1.0  # the scrape itself
    after = (await client.get("/metrics")).text
    assert _samples(after, "aicoach_http_requests_in_flight")[()] == 1.0


async def test_queue_depth_gauge_is_read_at_scrape(client: httpx.AsyncClient) -> None:
    depth = [3]
    register_queue_depth(lambda: depth[0])
    text = (await client.get("/metrics")).text
    assert _samples(text, "aicoach_jobs_queue_depth")[()] == 3.0
    depth[0] = 11
    text = (await client.get("/metrics")).text
    assert _samples(text, "aicoach_jobs_queue_depth")[()] == 11.0

    def broken() -> int:
        raise ConnectionError("queue down")

    register_queue_depth(broken)
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert "aicoach_jobs_queue_depth NaN" in r.text


async def test_one_json_access_line_per_request(client: httpx.AsyncClient, tmp_path: Path) -> None:
    stream = io.StringIO()
    configure_logging(obs_settings(tmp_path, log_json=True), stream=stream)
    r = await client.get("/api/levels/SPY?x=1", headers={"X-Request-ID": "log-line-1"})
    assert r.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "aicoach.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "log-line-1"
    assert line["user_id"] == 41  # bound in a thread-pool dependency
    assert line["method"] == "GET"
    assert line["route"] == "/api/levels/{symbol}"
    assert line["path"] == "/api/levels/SPY"
    assert line["status"] == 200
    assert 0 <= line["latency_ms"] < 10_000
    assert line["level"] == "INFO" and line["ts"].endswith("Z")


async def test_access_line_for_an_exception(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/boom/{n}")
    async def boom(n: int) -> None:
        raise LookupError("nope")

    app.add_middleware(ObservabilityMiddleware)
    stream = io.StringIO()
    configure_logging(obs_settings(tmp_path), stream=stream)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        assert (await c.get("/boom/1")).status_code == 500
    access = [json.loads(x) for x in stream.getvalue().splitlines()]
    access = [x for x in access if x["logger"] == "aicoach.access"]
    assert access[0]["status"] == 500 and access[0]["error"] == "LookupError"
    assert access[0]["route"] == "/boom/{n}"
