"""The HTTP transport of the Massive adapter: auth, retries, error translation, pagination.

Why plain ``httpx`` and not the vendor's client: see ``docs/adr/0002-massive-client.md``.

Error translation (every raise chains the cause with ``from exc``)::

    HTTP 429               → retried (Retry-After honoured, else exponential backoff + jitter),
                             then ProviderRateLimitedError(retry_after)
    HTTP 5xx, timeouts,
    connection errors      → retried the same way, then ProviderUnavailableError(retry_after)
    HTTP 401 / 403         → ProviderAuthError (never retried: the key will not get better)
    HTTP 404               → SymbolNotFoundError when the request is about one symbol
    other 4xx, bad JSON,
    a body that is not an
    object                 → ProviderResponseError

The API key travels only in the ``Authorization: Bearer`` header. ``next_url`` links may carry an
``apiKey`` query parameter and always name Massive's public host: we strip the key and rebase the
link onto the configured ``base_url``, so a page link can neither leak the key into logs nor send
it to a host we were not configured for. No message we raise contains the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from aicoach.kit.backoff import RetryPolicy, parse_retry_after
from aicoach.marketdata.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimitedError,
    ProviderResponseError,
    ProviderUnavailableError,
    SymbolNotFoundError,
)

log = logging.getLogger(__name__)

JSONObject = dict[str, Any]
Params = Mapping[str, str | int | float | bool]

#: Safety net against a vendor that keeps handing out next_url links (a cursor loop).
MAX_PAGES = 500


class MassiveHTTP:
    """GETs JSON from the Massive REST API with retries and our error tree.

    ``max_retries`` is the number of *re*-tries after the first attempt, paced by
    ``aicoach.kit.backoff``: a ``Retry-After`` longer than ``backoff_max`` is not slept through
    but passed on in ``retry_after``, so the caller's 503 tells the browser when to come back.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        max_retries: int = 3,
        timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        if not api_key:
            raise ValueError("a Massive API key is required")
        self._key = api_key
        self.base_url = base_url.rstrip("/")
        self._own_client = http is None
        self._client = http or httpx.AsyncClient(timeout=timeout)
        self._retry = RetryPolicy(max(0, max_retries), backoff_base, backoff_max)
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": "aicoach (+massive adapter)",
        }

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()

    # --- public ---------------------------------------------------------------------------

    async def get_json(
        self, path: str, params: Params | None = None, *, symbol: str | None = None
    ) -> JSONObject:
        """GET ``base_url + path`` and return the decoded JSON object.

        ``symbol`` names the ticker the request is about, so that a 404 becomes
        ``SymbolNotFoundError(symbol)``; without it a 404 is a ``ProviderResponseError``.
        """
        return await self._get(self.base_url + path, dict(params or {}), symbol)

    async def paginate(
        self, path: str, params: Params | None = None, *, symbol: str | None = None
    ) -> AsyncIterator[JSONObject]:
        """Yield each page of a paginated endpoint, following ``next_url`` until it is absent."""
        url = self.base_url + path
        query: dict[str, Any] = dict(params or {})
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = await self._get(url, query, symbol)
            yield page
            next_url = page.get("next_url")
            if not next_url:
                return
            if not isinstance(next_url, str):
                raise ProviderResponseError("Massive sent a next_url that is not a string.")
            url, query = self._rebase(next_url)
            fingerprint = url + "?" + urlencode(sorted(query.items()))
            if fingerprint in seen:
                raise ProviderResponseError("Massive pagination looped back to an earlier page.")
            seen.add(fingerprint)
        raise ProviderResponseError(f"Massive pagination exceeded {MAX_PAGES} pages.")

    # --- internals ------------------------------------------------------------------------

    def _rebase(self, next_url: str) -> tuple[str, dict[str, Any]]:
        """Keep a page link's path and query, drop its host and any ``apiKey``."""
        parts = urlsplit(next_url)
        query = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "apiKey"}
        return self.base_url + parts.path, query

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***")

    async def _get(self, url: str, params: dict[str, Any], symbol: str | None) -> JSONObject:
        path = urlsplit(url).path  # what our messages name: never the query, never the key
        attempt = 0
        while True:
            try:
                response = await self._client.get(url, params=params, headers=self._headers)
            except httpx.TimeoutException as exc:
                failure: ProviderError = ProviderUnavailableError(
                    f"Massive did not answer in time ({path}).", retry_after=5.0
                )
                cause: BaseException = exc
                server_wait: float | None = None
            except httpx.TransportError as exc:
                failure = ProviderUnavailableError(
                    f"Cannot reach Massive ({type(exc).__name__}, {path}).", retry_after=5.0
                )
                cause = exc
                server_wait = None
            else:
                status = response.status_code
                if status < 400:
                    return self._decode(response, path)
                retryable = status == 429 or status >= 500
                if not retryable:
                    self._raise_for_client_error(response, path, symbol)
                server_wait = parse_retry_after(response.headers.get("Retry-After"))
                cause = httpx.HTTPStatusError(
                    f"HTTP {status} from Massive {path}",
                    request=response.request,
                    response=response,
                )
                wait_hint = self._retry.wait_hint(attempt, server_wait)
                if status == 429:
                    failure = ProviderRateLimitedError(
                        "Massive rate limit reached; try again shortly.", retry_after=wait_hint
                    )
                else:
                    failure = ProviderUnavailableError(
                        f"Massive is unavailable (HTTP {status}).", retry_after=wait_hint
                    )
            delay = self._retry.delay_before_retry(attempt, server_wait)
            if delay is None:
                raise failure from cause
            log.info(
                "massive retry",
                extra={"path": path, "attempt": attempt + 1, "delay_s": round(delay, 3)},
            )
            await asyncio.sleep(delay)
            attempt += 1

    def _raise_for_client_error(
        self, response: httpx.Response, path: str, symbol: str | None
    ) -> None:
        status = response.status_code
        cause = httpx.HTTPStatusError(
            f"HTTP {status} from Massive {path}", request=response.request, response=response
        )
        detail = self._redact(_vendor_message(response))
        if status in (401, 403):
            raise ProviderAuthError(
                f"Massive refused the API key or plan for {path} (HTTP {status}): {detail}"
            ) from cause
        if status == 404 and symbol is not None:
            raise SymbolNotFoundError(symbol) from cause
        raise ProviderResponseError(
            f"Massive rejected the request {path} (HTTP {status}): {detail}"
        ) from cause

    def _decode(self, response: httpx.Response, path: str) -> JSONObject:
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProviderResponseError(f"Massive sent a body that is not JSON ({path}).") from exc
        if not isinstance(body, dict):
            raise ProviderResponseError(f"Massive sent JSON that is not an object ({path}).")
        if body.get("status") == "ERROR":
            detail = self._redact(str(body.get("error") or body.get("message") or "unknown"))
            raise ProviderResponseError(f"Massive reported an error ({path}): {detail}")
        return body


def _vendor_message(response: httpx.Response) -> str:
    """Massive error bodies carry ``error`` or ``message``; keep it short for the user."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.reason_phrase or "no detail"
    if isinstance(body, dict):
        text = body.get("error") or body.get("message") or body.get("status")
        if isinstance(text, str) and text:
            return text[:200]
    return response.reason_phrase or "no detail"
