"""Prometheus metrics and the ``GET /metrics`` route (text exposition format 0.0.4).

All metrics live in our own :data:`REGISTRY` (with the process, platform and GC collectors), so
building several apps in one process (tests) never registers anything twice. Labels are bounded:
``route`` is the route *template* (``/api/levels/{symbol}``) or ``<unmatched>``, never a raw path.

Metrics
    aicoach_http_requests_total{method,route,status}          counter
    aicoach_http_request_duration_seconds{method,route}       histogram, seconds
    aicoach_http_requests_in_flight                           gauge
    aicoach_jobs_queue_depth                                  gauge, evaluated at scrape time
    aicoach_streams_open{kind}                                gauge: SSE answers, WebSockets
Other modules add theirs to :data:`REGISTRY` next to what they measure (``docs/operations.md``
lists them all).
"""

from __future__ import annotations

import hmac
import logging
import math
from collections.abc import Callable
from ipaddress import ip_address

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

_log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

#: Seconds. Dense below 100 ms where API calls live, sparse up to the 30 s of a chat stream.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip

HTTP_REQUESTS = Counter(
    "aicoach_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ("method", "route", "status"),
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "aicoach_http_request_duration_seconds",
    "Time from receiving the request to sending the last body byte, in seconds.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "aicoach_http_requests_in_flight",
    "HTTP requests being served right now.",
    registry=REGISTRY,
)
STREAMS_OPEN = Gauge(
    "aicoach_streams_open",
    "Long-lived responses open right now: kind=sse (a streaming chat answer), kind=websocket.",
    ("kind",),
    registry=REGISTRY,
)
JOBS_QUEUE_DEPTH = Gauge(
    "aicoach_jobs_queue_depth",
    "Jobs waiting in the queue (NaN when the queue cannot be read or is not registered).",
    registry=REGISTRY,
)
JOBS_QUEUE_DEPTH.set_function(lambda: math.nan)


def register_queue_depth(callback: Callable[[], int]) -> None:
    """Have ``aicoach_jobs_queue_depth`` report ``callback()`` at every scrape (replaces any
    previous callback). A callback that raises reports NaN and logs a warning, never a 500."""

    def read() -> float:
        try:
            return float(callback())
        except Exception:
            _log.warning("jobs queue depth could not be read", exc_info=True)
            return math.nan

    JOBS_QUEUE_DEPTH.set_function(read)


class RequestMetrics:
    """Per-label-set children cached in dicts: ``labels()`` takes a lock and builds a tuple on
    every call, which is measurable at a few thousand requests per second."""

    __slots__ = ("_counters", "_histograms")

    def __init__(self) -> None:
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = HTTP_REQUESTS.labels(method, route, str(status))
        counter.inc()
        hkey = (method, route)
        histogram = self._histograms.get(hkey)
        if histogram is None:
            histogram = self._histograms[hkey] = HTTP_DURATION.labels(method, route)
        histogram.observe(seconds)


REQUEST_METRICS = RequestMetrics()


def render_metrics() -> bytes:
    """The current exposition text of :data:`REGISTRY`."""
    return generate_latest(REGISTRY)


metrics_router = APIRouter()


def _is_loopback(host: str) -> bool:
    try:
        return ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _configured_token(request: Request) -> str | None:
    state = request.app.state
    settings = getattr(getattr(state, "container", None), "settings", None)
    if settings is None:
        settings = getattr(state, "settings", None)
    token = getattr(settings, "metrics_token", None)
    return token.get_secret_value() if token is not None else None


def _refusal(request: Request) -> Response | None:
    """Why this scrape is refused, or None. With ``AICOACH_METRICS_TOKEN`` set the bearer token
    is required; without it only a loopback peer may scrape, and not on behalf of a forwarded
    client (a proxy on the same host would otherwise make the public look local)."""
    token = _configured_token(request)
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return None
        return JSONResponse(
            {"detail": "metrics need the bearer token"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    peer = request.client.host if request.client else ""
    forwarded = [h for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    if _is_loopback(peer) and all(_is_loopback(h) for h in forwarded):
        return None
    return JSONResponse({"detail": "metrics are served to this host only"}, status_code=403)


@metrics_router.get("/metrics", include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus scrape target (see :func:`_refusal` for who may scrape)."""
    refused = _refusal(request)
    if refused is not None:
        return refused
    return Response(content=render_metrics(), media_type=CONTENT_TYPE_LATEST)
