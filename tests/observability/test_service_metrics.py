"""The metrics operators watch move when the thing they measure happens: cache hits and misses,
provider calls, job runs and failures, the outbox backlog, open SSE streams, and the model's
latency, tokens and cost. (Read from the registry; ``/metrics`` renders the same registry.)"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from aicoach.db import transaction
from aicoach.llm.messages import Usage
from aicoach.llm.metered import MeteredLLM
from aicoach.observability.metrics import REGISTRY
from aicoach.observability.middleware import ObservabilityMiddleware
from aicoach.observability.sentry import route_sampler
from aicoach.worker.consumer import run_job
from aicoach.worker.jobs import JobSpec
from aicoach.worker.outbox import Relay
from tests.chat.chat_helpers import ScriptedLLM, answer
from tests.helpers.users import UserClient


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_chain_cache_and_provider_calls_are_counted(app: FastAPI, alice: UserClient) -> None:
    expirations = (await alice.get("/api/options/QQQ/expirations")).json()["expirations"]
    url = f"/api/options/QQQ/chain?expiration={expirations[3]['expiration']}"
    hits = _value("aicoach_cache_lookups_total", cache="option_chains", result="hit")
    misses = _value("aicoach_cache_lookups_total", cache="option_chains", result="miss")
    provider = app.state.container.market.provider.name
    calls = _value("aicoach_provider_request_duration_seconds_count", provider=provider, op="chain")
    assert (await alice.get(url)).status_code == 200
    assert (await alice.get(url)).status_code == 200
    assert _value("aicoach_cache_lookups_total", cache="option_chains", result="miss") >= misses + 1
    assert _value("aicoach_cache_lookups_total", cache="option_chains", result="hit") >= hits + 1
    after = _value("aicoach_provider_request_duration_seconds_count", provider=provider, op="chain")
    assert after >= calls + 1


async def test_job_runs_and_failures_are_counted_by_job(app: FastAPI) -> None:
    async def works(ctx: Any) -> str:
        return "done"

    async def breaks(ctx: Any) -> None:
        raise RuntimeError("the broker file vanished")

    container = app.state.container
    ran = _value("aicoach_job_duration_seconds_count", job="test.works")
    failed = _value("aicoach_job_failures_total", job="test.breaks")
    assert await run_job(container, JobSpec("test.works", works), None, (), final=True) == "done"
    with pytest.raises(RuntimeError):
        await run_job(container, JobSpec("test.breaks", breaks), None, (), final=True)
    assert _value("aicoach_job_duration_seconds_count", job="test.works") == ran + 1
    assert _value("aicoach_job_failures_total", job="test.breaks") == failed + 1


async def test_the_relay_samples_the_outbox_backlog(app: FastAPI) -> None:
    container = app.state.container
    job = next(iter(container.jobs.on_demand))
    async with transaction(container.sessions) as session:
        await container.outbox.enqueue(session, job, key="metrics-test-key")
    relay = Relay(container.engine, container.sessions, container.jobs)
    await relay.sample_backlog()
    assert _value("aicoach_outbox_backlog") >= 1
    assert _value("aicoach_outbox_oldest_age_seconds") >= 0


async def test_an_open_event_stream_is_counted_while_it_streams() -> None:
    seen: list[float] = []

    async def events() -> Any:
        yield b"data: one\n\n"
        seen.append(_value("aicoach_streams_open", kind="sse"))
        yield b"data: two\n\n"

    async def stream(request: Any) -> StreamingResponse:
        return StreamingResponse(events(), media_type="text/event-stream")

    app = ObservabilityMiddleware(Starlette(routes=[Route("/s", stream)]), access_log=False)
    before = _value("aicoach_streams_open", kind="sse")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/s")).text == "data: one\n\ndata: two\n\n"
    assert seen == [before + 1]
    assert _value("aicoach_streams_open", kind="sse") == before


async def test_model_calls_report_latency_tokens_cost_and_outcome() -> None:
    inner = ScriptedLLM([answer("Rho is ", "rate sensitivity.", usage=(1200, 80)), answer("x")])
    llm = MeteredLLM(inner, lambda model, usage: usage.input_tokens * 1e-6)
    labels = {"provider": "scripted", "model": "gpt-4o-mini"}
    ok = _value("aicoach_llm_requests_total", **labels, outcome="ok")
    tokens = _value("aicoach_llm_tokens_total", **labels, kind="input")
    cost = _value("aicoach_llm_cost_usd_total", **labels)
    first = _value("aicoach_llm_first_token_seconds_count", **labels)
    events = [e async for e in llm.stream([], [], temperature=0, max_tokens=100)]
    assert any(isinstance(e, Usage) for e in events)
    assert _value("aicoach_llm_requests_total", **labels, outcome="ok") == ok + 1
    assert _value("aicoach_llm_tokens_total", **labels, kind="input") == tokens + 1200
    assert _value("aicoach_llm_cost_usd_total", **labels) == pytest.approx(cost + 0.0012)
    assert _value("aicoach_llm_first_token_seconds_count", **labels) == first + 1
    cancelled = _value("aicoach_llm_requests_total", **labels, outcome="cancelled")
    stream = llm.stream([], [], temperature=0, max_tokens=100)
    await anext(stream)
    await stream.aclose()  # the trader pressed Stop
    assert _value("aicoach_llm_requests_total", **labels, outcome="cancelled") == cancelled + 1
    assert (llm.name, llm.model, llm.label) == (inner.name, inner.model, inner.label)


def test_traces_are_sampled_by_the_longest_matching_route_prefix() -> None:
    sample = route_sampler(0.1, {"/api/": 0.2, "/api/chat/": 1.0, "/healthz": 0.0})

    def rate(path: str) -> float:
        return sample({"asgi_scope": {"type": "http", "path": path}})

    assert rate("/api/chat/sessions/3/messages") == 1.0
    assert rate("/api/options/SPY/chain") == 0.2
    assert rate("/healthz") == 0.0
    assert rate("/journal") == 0.1
    assert sample({}) == 0.1
