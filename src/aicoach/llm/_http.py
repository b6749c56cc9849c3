"""The HTTP side shared by the LLM adapters: POST a streaming request with retries, parse
Server-Sent Events, translate every failure into our error tree.

Why plain ``httpx`` and no vendor SDK: see ``docs/adr/0003-llm-adapters.md``.

Retries happen only **before the response body starts** — a connection that could not be
opened, HTTP 429 or HTTP 5xx (incl. Anthropic's 529 "overloaded"). Once the provider has begun
to stream, a failure is raised as it is: re-sending the request would show the trader the same
text twice and bill the tokens twice. Waits follow ``aicoach.kit.backoff`` (the server's
``Retry-After`` or ``retry-after-ms`` when given, else jittered exponential backoff; a wait
longer than ``backoff_max`` is handed to the caller as ``retry_after`` instead of slept
through). A read timeout is not retried either: it already cost the trader a full ``timeout``
of silence.

Failure → error (all raised ``from`` the httpx cause)::

    cannot connect / closed before answering  → retried, then LLMUnavailableError
    HTTP 429                                  → retried, then LLMRateLimitedError(retry_after)
    HTTP 5xx, 529                             → retried, then LLMUnavailableError(retry_after)
    HTTP 401, 403                             → LLMAuthError (no vendor text: it may echo the key)
    other HTTP 4xx                            → LLMRequestRejectedError (vendor text, redacted)
    JSON or HTML where SSE was expected       → LLMBadResponseError
    no byte within ``timeout``                → LLMTimeoutError
    connection lost mid-stream                → LLMStreamInterruptedError
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from aicoach.kit.backoff import RetryPolicy, parse_retry_after
from aicoach.llm.errors import (
    LLMAuthError,
    LLMBadResponseError,
    LLMError,
    LLMRateLimitedError,
    LLMRequestRejectedError,
    LLMStreamInterruptedError,
    LLMTimeoutError,
    LLMUnavailableError,
)

log = logging.getLogger(__name__)

#: What vendors put in error texts that looks like a key (OpenAI echoes a masked ``sk-…``).
_KEYLIKE = re.compile(r"\b(?:sk|sk-ant|sk-proj|key)-[A-Za-z0-9_\-*.]{3,}")
_MAX_DETAIL = 200
_MAX_ERROR_BODY = 64 * 1024


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched Server-Sent Event: its ``event:`` name ("" when absent) and joined data."""

    event: str
    data: str


class StreamingTransport:
    """POSTs JSON and hands back a streaming 2xx response; see the module docstring.

    ``provider`` is the name used in messages ("OpenAI", "Anthropic", "the AI server at
    localhost:11434"). ``secret`` is redacted from every vendor text we quote. ``timeout`` is the
    longest silence we accept, in seconds: to connect, to the first byte, and between chunks.
    """

    def __init__(
        self,
        *,
        provider: str,
        secret: str | None,
        http: httpx.AsyncClient | None,
        timeout: float,
        max_retries: int,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        self.provider = provider
        self._secret = secret or None
        self._own_client = http is None
        self._timeout = httpx.Timeout(timeout)
        self._timeout_seconds = timeout
        self._client = http or httpx.AsyncClient(timeout=self._timeout)
        self._retry = RetryPolicy(max(0, max_retries), backoff_base, backoff_max)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    # --- request ----------------------------------------------------------------------------

    @asynccontextmanager
    async def open_stream(
        self, url: str, headers: dict[str, str], body: dict[str, Any]
    ) -> AsyncIterator[httpx.Response]:
        """POST ``body`` and yield the 2xx response with its body not yet read."""
        attempt = 0
        while True:
            request = self._client.build_request(
                "POST", url, json=body, headers=headers, timeout=self._timeout
            )
            server_wait: float | None = None
            try:
                response = await self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                if not isinstance(exc, httpx.ConnectTimeout):
                    raise self._timeout_error() from exc
                failure: LLMError = LLMUnavailableError(
                    f"Cannot reach the AI provider ({self.provider}): connection timed out.",
                    retry_after=5.0,
                )
                cause: BaseException = exc
            except httpx.TransportError as exc:
                failure = LLMUnavailableError(
                    f"Cannot reach the AI provider ({self.provider}): {type(exc).__name__}.",
                    retry_after=5.0,
                )
                cause = exc
            else:
                if response.status_code < 300:
                    try:
                        await self._check_content_type(response)
                        yield response
                    finally:
                        await response.aclose()
                    return
                failure, server_wait = await self._status_failure(response, attempt)
                cause = httpx.HTTPStatusError(
                    f"HTTP {response.status_code} from {self.provider}",
                    request=request,
                    response=response,
                )
                if not isinstance(failure, (LLMRateLimitedError, LLMUnavailableError)):
                    raise failure from cause
            delay = self._retry.delay_before_retry(attempt, server_wait)
            if delay is None:
                raise failure from cause
            log.info(
                "llm retry",
                extra={"provider": self.provider, "attempt": attempt + 1, "delay_s": delay},
            )
            await asyncio.sleep(delay)
            attempt += 1

    async def _status_failure(
        self, response: httpx.Response, attempt: int
    ) -> tuple[LLMError, float | None]:
        """The error for a non-2xx answer, and the server's requested wait (seconds) if any."""
        status = response.status_code
        raw = await self._read_error_body(response)
        server_wait = retry_after_seconds(response.headers)
        if status in (401, 403):
            # No vendor text: OpenAI's 401 quotes (a masked form of) the key it was given.
            return LLMAuthError(
                f"The AI provider ({self.provider}) refused our API key (HTTP {status}). "
                "Ask the administrator to check the key and the model access."
            ), None
        if status == 429:
            wait = self._retry.wait_hint(attempt, server_wait)
            return LLMRateLimitedError(
                f"The AI provider ({self.provider}) is rate-limiting us; "
                f"try again in {_seconds(wait)} s.",
                retry_after=wait,
            ), server_wait
        if status >= 500:
            wait = self._retry.wait_hint(attempt, server_wait)
            what = "overloaded" if status == 529 else f"unavailable (HTTP {status})"
            return LLMUnavailableError(
                f"The AI provider ({self.provider}) is {what}; try again in {_seconds(wait)} s.",
                retry_after=wait,
            ), server_wait
        detail = self.redact(vendor_detail(raw) or response.reason_phrase or "no detail")
        return LLMRequestRejectedError(
            f"The AI provider ({self.provider}) rejected the request (HTTP {status}): {detail}"
        ), None

    async def _read_error_body(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= _MAX_ERROR_BODY:
                    break
        except httpx.HTTPError:
            pass  # the status already tells us what happened; the text is a bonus
        finally:
            await response.aclose()
        return b"".join(chunks)

    async def _check_content_type(self, response: httpx.Response) -> None:
        """A JSON or HTML body where an event stream was asked for is a protocol failure.

        (A proxy's HTML error page, or a server that ignored ``stream: true``.) Other types are
        let through: some OpenAI-compatible servers label their event stream loosely.
        """
        ctype = response.headers.get("content-type", "").lower()
        if "json" not in ctype and "html" not in ctype:
            return
        raw = await self._read_error_body(response)
        detail = vendor_detail(raw)
        suffix = f": {self.redact(detail)}" if detail else ""
        raise LLMBadResponseError(
            f"The AI provider ({self.provider}) did not answer with an event stream "
            f"({ctype.split(';')[0] or 'no type'}){suffix}"
        )

    # --- response ---------------------------------------------------------------------------

    async def events(self, response: httpx.Response) -> AsyncIterator[SSEEvent]:
        """Parse the body as Server-Sent Events (WHATWG rules: ``data:`` lines of one event are
        joined by newlines, a blank line dispatches, ``:`` lines are comments, unknown fields are
        ignored). An unterminated event at the end is dropped, except ``[DONE]``."""
        data: list[str] = []
        name = ""
        try:
            async for line in response.aiter_lines():
                if line == "":
                    if data:
                        yield SSEEvent(name, "\n".join(data))
                    data, name = [], ""
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "data":
                    data.append(value)
                elif field == "event":
                    name = value
        except httpx.TimeoutException as exc:
            raise self._timeout_error() from exc
        except httpx.TransportError as exc:
            raise self.interrupted() from exc
        except httpx.DecodingError as exc:
            raise LLMBadResponseError(
                f"The AI provider ({self.provider}) sent a stream we cannot decode."
            ) from exc
        if data and "\n".join(data).strip() == "[DONE]":
            yield SSEEvent(name, "[DONE]")

    def decode(self, event: SSEEvent) -> dict[str, Any]:
        """The event's data as a JSON object, or ``LLMBadResponseError``."""
        try:
            payload = json.loads(event.data)
        except ValueError as exc:
            raise self.bad_response("sent an event that is not JSON") from exc
        if not isinstance(payload, dict):
            raise self.bad_response("sent an event that is not a JSON object")
        return payload

    # --- errors -----------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        if self._secret:
            text = text.replace(self._secret, "***")
        text = _KEYLIKE.sub("***", text)
        return text[:_MAX_DETAIL]

    def bad_response(self, what: str) -> LLMBadResponseError:
        return LLMBadResponseError(f"The AI provider ({self.provider}) {what}.")

    def ended_early(self, saw_any_event: bool) -> LLMError:
        """The error for a stream that stopped before the provider said it was done: a body
        with no event at all was never a stream; one that broke off after some was cut."""
        if not saw_any_event:
            return self.bad_response("did not answer with an event stream")
        return self.interrupted()

    def interrupted(self) -> LLMStreamInterruptedError:
        return LLMStreamInterruptedError(
            f"The answer from the AI provider ({self.provider}) broke off mid-way; "
            "please ask again.",
            retry_after=2.0,
        )

    def stream_error(self, kind: str, message: str) -> LLMError:
        """An error the provider reported inside a stream (both vendors send ``error.type``)."""
        detail = self.redact(message or kind or "no detail")
        kind = kind.lower()
        if "rate_limit" in kind:
            return LLMRateLimitedError(
                f"The AI provider ({self.provider}) is rate-limiting us; try again in 20 s.",
                retry_after=20.0,
            )
        if "overloaded" in kind or "api_error" in kind or "server" in kind:
            return LLMUnavailableError(
                f"The AI provider ({self.provider}) failed mid-answer ({detail}); "
                "please ask again.",
                retry_after=5.0,
            )
        if "authentication" in kind or "permission" in kind:
            return LLMAuthError(f"The AI provider ({self.provider}) refused our API key.")
        return LLMBadResponseError(f"The AI provider ({self.provider}) reported: {detail}")

    def _timeout_error(self) -> LLMTimeoutError:
        return LLMTimeoutError(
            f"The AI provider ({self.provider}) did not answer within "
            f"{self._timeout_seconds:g} s; try again.",
            retry_after=5.0,
        )


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


def vendor_detail(raw: bytes) -> str:
    """The human text of a vendor error body: ``{"error": {"message"}}`` (OpenAI, Anthropic,
    vLLM, llama.cpp), ``{"error": "..."}`` (Ollama) or ``{"message"|"detail": ...}``."""
    try:
        body = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        error = error.get("message") or error.get("type")
    text = error or body.get("message") or body.get("detail")
    return text if isinstance(text, str) else ""


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms`` (OpenAI's, finer), else
    ``Retry-After``; ``None`` when absent or unreadable."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    return parse_retry_after(headers.get("retry-after"))
