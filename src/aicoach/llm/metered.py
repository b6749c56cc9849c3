"""``MeteredLLM``: any :class:`~aicoach.llm.ports.LLM` with Prometheus metrics around each call —
what an operator watches of the model: latency to the first token and to the end, outcomes,
tokens and estimated cost, by provider and model (both bounded: they come from settings).

Metrics
    aicoach_llm_requests_total{provider,model,outcome}       counter (ok, error, cancelled)
    aicoach_llm_first_token_seconds{provider,model}          histogram
    aicoach_llm_duration_seconds{provider,model}             histogram, whole call
    aicoach_llm_tokens_total{provider,model,kind}            counter (input, output)
    aicoach_llm_cost_usd_total{provider,model}               counter, estimated
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Final

from prometheus_client import Counter, Histogram

from aicoach.llm.messages import (
    ChatMessage,
    LLMEvent,
    TextDelta,
    ToolCallRequested,
    ToolSpec,
    Usage,
)
from aicoach.llm.ports import LLM
from aicoach.observability.metrics import LATENCY_BUCKETS, REGISTRY

_LABELS = ("provider", "model")
LLM_REQUESTS: Final = Counter(
    "aicoach_llm_requests", "Model calls by outcome (ok, error, cancelled).",
    (*_LABELS, "outcome"), registry=REGISTRY,
)  # fmt: skip
LLM_FIRST_TOKEN: Final = Histogram(
    "aicoach_llm_first_token_seconds", "Time to the first text or tool call, in seconds.",
    _LABELS, buckets=LATENCY_BUCKETS, registry=REGISTRY,
)  # fmt: skip
LLM_DURATION: Final = Histogram(
    "aicoach_llm_duration_seconds", "Whole model calls, in seconds.",
    _LABELS, buckets=LATENCY_BUCKETS, registry=REGISTRY,
)  # fmt: skip
LLM_TOKENS: Final = Counter(
    "aicoach_llm_tokens", "Tokens billed, by kind (input, output).",
    (*_LABELS, "kind"), registry=REGISTRY,
)  # fmt: skip
LLM_COST: Final = Counter(
    "aicoach_llm_cost_usd", "Estimated cost of model calls in US dollars.",
    _LABELS, registry=REGISTRY,
)  # fmt: skip


class MeteredLLM:
    """Wraps ``inner`` (same ``name``, ``model``, ``label``); ``cost`` prices one call's usage."""

    def __init__(self, inner: LLM, cost: Callable[[str, Usage], float]) -> None:
        self.inner = inner
        self.name, self.model, self.label = inner.name, inner.model, inner.label
        self._cost = cost

    async def stream(
        self, messages: list[ChatMessage], tools: list[ToolSpec], *, temperature: float,
        max_tokens: int,
    ) -> AsyncIterator[LLMEvent]:  # fmt: skip
        labels = (self.name, self.model)
        started = time.perf_counter()
        first = True
        outcome = "error"
        try:
            async for event in self.inner.stream(
                messages, tools, temperature=temperature, max_tokens=max_tokens
            ):
                if first and isinstance(event, TextDelta | ToolCallRequested):
                    first = False
                    LLM_FIRST_TOKEN.labels(*labels).observe(time.perf_counter() - started)
                if isinstance(event, Usage):
                    LLM_TOKENS.labels(*labels, "input").inc(event.input_tokens)
                    LLM_TOKENS.labels(*labels, "output").inc(event.output_tokens)
                    LLM_COST.labels(*labels).inc(self._cost(self.model, event))
                yield event
            outcome = "ok"
        except (asyncio.CancelledError, GeneratorExit):
            outcome = "cancelled"  # the trader pressed Stop, or left
            raise
        finally:
            LLM_DURATION.labels(*labels).observe(time.perf_counter() - started)
            LLM_REQUESTS.labels(*labels, outcome).inc()

    async def aclose(self) -> None:
        await self.inner.aclose()
