"""Failure behaviour of both adapters against their fakes: what is retried (only before the
stream starts), what each failure becomes in our error tree, and that no message ever carries
the API key."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest

from aicoach.errors import ServiceUnavailableError
from aicoach.llm import (
    AnthropicLLM,
    ChatMessage,
    Finished,
    FinishReason,
    LLMAuthError,
    LLMBadResponseError,
    LLMError,
    LLMEvent,
    LLMRateLimitedError,
    LLMRequestRejectedError,
    LLMStreamInterruptedError,
    LLMTimeoutError,
    LLMUnavailableError,
    OpenAICompatibleLLM,
    TextDelta,
)
from tests.fakes.anthropic_server import serve_anthropic
from tests.fakes.llm_script import FakeLLMServer, ScriptItem, text_turn
from tests.fakes.openai_server import serve_openai

KEY = "sk-secret-KEY-0123456789abcdefXYZ"
LLMFactory = Callable[..., OpenAICompatibleLLM | AnthropicLLM]


@dataclass
class Vendor:
    name: str
    serve: Callable[..., AbstractContextManager[FakeLLMServer]]
    llm: LLMFactory


def _openai(base_url: str, key: str | None = KEY, **kw: Any) -> OpenAICompatibleLLM:
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("timeout", 5.0)
    return OpenAICompatibleLLM(base_url, key, "gpt-4o-mini", **kw)


def _anthropic(base_url: str, key: str | None = KEY, **kw: Any) -> AnthropicLLM:
    kw.setdefault("backoff_base", 0.01)
    kw.setdefault("timeout", 5.0)
    return AnthropicLLM(base_url, key, "claude-haiku-4-5", **kw)


VENDORS = [
    Vendor("openai", serve_openai, _openai),
    Vendor("anthropic", serve_anthropic, _anthropic),
]


@pytest.fixture(params=VENDORS, ids=lambda v: v.name)
def vendor(request: pytest.FixtureRequest) -> Vendor:
    v: Vendor = request.param
    return v


def served(vendor: Vendor, script: list[ScriptItem]) -> AbstractContextManager[FakeLLMServer]:
    return vendor.serve(script, api_key=KEY)


async def drain(stream: AsyncIterator[LLMEvent], seen: list[LLMEvent]) -> None:
    async for event in stream:
        seen.append(event)


async def run(llm: OpenAICompatibleLLM | AnthropicLLM, seen: list[LLMEvent] | None = None) -> None:
    try:
        stream = llm.stream([ChatMessage.user("hi")], [], temperature=0.0, max_tokens=50)
        await drain(stream, seen if seen is not None else [])
    finally:
        await llm.aclose()


def assert_key_absent(exc: BaseException) -> None:
    """Neither the error nor anything in its cause chain shows the key (nor its tail)."""
    seen: BaseException | None = exc
    while seen is not None:
        for text in (str(seen), repr(seen), getattr(seen, "message", "")):
            assert KEY not in text
            assert KEY[-10:] not in text
        seen = seen.__cause__ or seen.__context__


async def test_429_is_retried_then_the_answer_streams(vendor: Vendor) -> None:
    with served(vendor, [text_turn("after ", "retry")]) as server:
        server.fail(429, times=2, retry_after="0")
        seen: list[LLMEvent] = []
        await run(vendor.llm(server.base_url, max_retries=2), seen)
    assert [e.text for e in seen if isinstance(e, TextDelta)] == ["after ", "retry"]
    assert seen[-1] == Finished(FinishReason.STOP)
    assert len(server.requests) == 3


async def test_429_forever_gives_up_with_retry_after(vendor: Vendor) -> None:
    with served(vendor, [text_turn("never")]) as server:
        server.fail(429, times=-1, retry_after="0")
        with pytest.raises(LLMRateLimitedError) as info:
            await run(vendor.llm(server.base_url, max_retries=2))
    assert len(server.requests) == 3  # first try + 2 retries
    assert info.value.retry_after == 0.0
    assert info.value.status_code == 503
    assert isinstance(info.value, ServiceUnavailableError)
    assert "rate-limiting us" in info.value.message
    assert_key_absent(info.value)


async def test_long_retry_after_is_passed_on_not_slept_through(vendor: Vendor) -> None:
    with served(vendor, [text_turn("never")]) as server:
        server.fail(429, times=-1, retry_after="20")
        started = time.monotonic()
        with pytest.raises(LLMRateLimitedError) as info:
            await run(vendor.llm(server.base_url, max_retries=3))
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 1
    assert info.value.retry_after == 20.0
    assert "try again in 20 s" in info.value.message
    assert info.value.headers() == {"Retry-After": "20"}


async def test_server_error_is_retried_then_raised(vendor: Vendor) -> None:
    with served(vendor, [text_turn("x")]) as server:
        server.fail(500, times=-1)
        with pytest.raises(LLMUnavailableError, match=r"unavailable \(HTTP 500\)") as info:
            await run(vendor.llm(server.base_url, max_retries=1))
    assert len(server.requests) == 2
    assert info.value.retry_after is not None
    assert_key_absent(info.value)


async def test_one_server_error_then_success(vendor: Vendor) -> None:
    with served(vendor, [text_turn("fine")]) as server:
        server.fail(503)
        seen: list[LLMEvent] = []
        await run(vendor.llm(server.base_url), seen)
    assert seen[0] == TextDelta("fine")
    assert server.problems == []


async def test_anthropic_overloaded_529_is_retried() -> None:
    with serve_anthropic([text_turn("ok")], api_key=KEY) as server:
        server.fail(529, times=1)
        seen: list[LLMEvent] = []
        await run(_anthropic(server.base_url), seen)
    assert seen[0] == TextDelta("ok")
    assert len(server.requests) == 2


async def test_wrong_key_is_an_auth_error_never_retried_never_quoted(vendor: Vendor) -> None:
    with (
        vendor.serve([text_turn("x")], api_key="sk-the-right-one") as server,
        pytest.raises(LLMAuthError, match="refused our API key") as info,
    ):
        await run(vendor.llm(server.base_url, key=KEY, max_retries=3))
    assert len(server.requests) == 1
    assert_key_absent(info.value)  # the fake's 401 text quotes the key it got


async def test_rejection_text_is_quoted_with_the_key_redacted(vendor: Vendor) -> None:
    with served(vendor, [text_turn("x")]) as server:
        server.fail(400, message=f"context too long for key {KEY} (sk-abcd****wxyz)")
        with pytest.raises(LLMRequestRejectedError, match="context too long") as info:
            await run(vendor.llm(server.base_url))
    assert "***" in info.value.message
    assert "sk-abcd" not in info.value.message
    assert_key_absent(info.value)


async def test_garbage_event_data_is_a_bad_response(vendor: Vendor) -> None:
    with served(vendor, [text_turn("x")]) as server:
        server.garbage()
        with pytest.raises(LLMBadResponseError, match="not JSON"):
            await run(vendor.llm(server.base_url))
    assert len(server.requests) == 1


async def test_html_page_instead_of_a_stream_is_a_bad_response(vendor: Vendor) -> None:
    with served(vendor, [text_turn("x")]) as server:
        server.garbage(body=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        with pytest.raises(
            LLMBadResponseError, match=r"did not answer with an event stream \(text/html\)"
        ):
            await run(vendor.llm(server.base_url))


async def test_non_sse_text_is_a_bad_response(vendor: Vendor) -> None:
    with served(vendor, [text_turn("x")]) as server:
        server.garbage(body=b"hello\nthis is not an event stream\n", content_type="text/plain")
        with pytest.raises(LLMBadResponseError, match="did not answer with an event stream"):
            await run(vendor.llm(server.base_url))


async def test_stream_cut_mid_way_raises_without_duplicating_text(vendor: Vendor) -> None:
    chunks = ["one ", "two ", "three ", "four"]
    with served(vendor, [text_turn(*chunks), text_turn("should not be fetched")]) as server:
        server.cut(after_events=4)
        seen: list[LLMEvent] = []
        with pytest.raises(LLMStreamInterruptedError, match="broke off") as info:
            await run(vendor.llm(server.base_url, max_retries=3), seen)
    text = [e.text for e in seen if isinstance(e, TextDelta)]
    assert text, "some text arrived before the cut"
    assert text == chunks[: len(text)]  # a prefix, in order, nothing repeated
    assert len(text) < len(chunks)
    assert not any(isinstance(e, Finished) for e in seen)
    assert len(server.requests) == 1  # never re-sent once streaming began
    assert isinstance(info.value, LLMUnavailableError)


async def test_slow_first_byte_is_a_timeout(vendor: Vendor) -> None:
    with served(vendor, [text_turn("late")]) as server:
        server.delay(3.0)
        started = time.monotonic()
        with pytest.raises(LLMTimeoutError, match=r"did not answer within 0.3 s"):
            await run(vendor.llm(server.base_url, timeout=0.3, max_retries=3))
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 1  # a timeout already cost the trader; not retried


async def test_stall_mid_stream_is_a_timeout_after_partial_text(vendor: Vendor) -> None:
    with served(vendor, [text_turn("a", "b", "c", "d", "e")]) as server:
        server.stall(3.0, after_events=4)
        seen: list[LLMEvent] = []
        with pytest.raises(LLMTimeoutError):
            await run(vendor.llm(server.base_url, timeout=0.3), seen)
    assert [e.text for e in seen if isinstance(e, TextDelta)] in (
        ["a"],
        ["a", "b"],
        ["a", "b", "c"],
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_nothing_listening_is_unavailable_after_retries(vendor: Vendor) -> None:
    llm = vendor.llm(f"http://127.0.0.1:{_closed_port()}", max_retries=1)
    with pytest.raises(LLMUnavailableError, match="Cannot reach the AI provider") as info:
        await run(llm)
    assert isinstance(info.value, LLMError)
    assert_key_absent(info.value)


async def test_closing_the_stream_early_releases_the_connection(vendor: Vendor) -> None:
    with served(vendor, [text_turn("a", "b", "c"), text_turn("again")]) as server:
        llm = vendor.llm(server.base_url)
        stream = llm.stream([ChatMessage.user("hi")], [], temperature=0.0, max_tokens=50)
        first = await anext(stream)
        await stream.aclose()  # the trader pressed "stop"
        seen: list[LLMEvent] = []
        await run(llm, seen)  # the same adapter still works afterwards
    assert first == TextDelta("a")
    assert seen[0] == TextDelta("again")


def test_fakes_stop_cleanly_even_with_a_hanging_request() -> None:
    """A fault still sleeping when the test ends must not hold up the suite."""
    started = time.monotonic()
    with serve_openai([text_turn("x")]) as server:
        server.delay(60)
        import httpx

        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                server.base_url + "/chat/completions",
                json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]},
                timeout=0.2,
            )
    assert time.monotonic() - started < 5.0


async def test_cancelling_the_consumer_is_not_turned_into_an_llm_error(vendor: Vendor) -> None:
    """The chat's "stop" cancels the task iterating the stream; the adapter must let the
    CancelledError through (closing the response), not report a provider failure."""
    import asyncio

    with served(vendor, [text_turn("a", "b", "c"), text_turn("next")]) as server:
        server.stall(30.0, after_events=4)
        llm = vendor.llm(server.base_url, timeout=30.0)
        seen: list[LLMEvent] = []
        stream = llm.stream([ChatMessage.user("hi")], [], temperature=0.0, max_tokens=50)
        first_text = asyncio.Event()

        async def consume() -> None:
            async for event in stream:
                seen.append(event)
                first_text.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first_text.wait(), timeout=5.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=2.0)
        after: list[LLMEvent] = []
        await run(llm, after)
    assert seen[0] == TextDelta("a")
    assert after[0] == TextDelta("next")


SHAPELESS = {
    "openai": 'data: {"choices": ["not an object"]}\n\n',
    "anthropic": 'event: message_start\ndata: {"type": "message_start", "message": null}\n\n',
}


async def test_json_of_the_wrong_shape_is_a_bad_response(vendor: Vendor) -> None:
    with served(vendor, []) as server:
        server.respond_raw(SHAPELESS[vendor.name])
        with pytest.raises(LLMBadResponseError, match="cannot read"):
            await run(vendor.llm(server.base_url))
