"""Massive's streaming API (WebSocket) → ``Trade`` updates.

Protocol (Massive stocks feeds, e.g. ``wss://delayed.massive.com/stocks``)::

    server: [{"ev":"status","status":"connected","message":"Connected Successfully"}]
    client: {"action":"auth","params":"<key>"}
    server: [{"ev":"status","status":"auth_success","message":"authenticated"}]
            (or "auth_failed" → ProviderAuthError, never retried)
    client: {"action":"subscribe","params":"T.SPY,Q.SPY"}
    server: JSON arrays of events: {"ev":"T","sym","p","s","t" ms}, {"ev":"Q","sym","bp","bs",
            "ap","as","t" ms}, and further {"ev":"status"} notes.

A dropped connection is re-opened with exponential backoff + jitter (the subscription is sent
again); ``max_reconnects`` consecutive failures without a single event end the stream with
``ProviderUnavailableError``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from aicoach.kit.backoff import jittered_backoff
from aicoach.marketdata.errors import (
    ProviderAuthError,
    ProviderResponseError,
    ProviderUnavailableError,
)
from aicoach.marketdata.models import DataSource, Trade
from aicoach.marketdata.providers import massive_mapping as mapping

log = logging.getLogger(__name__)


class MassiveStream:
    """Connection settings for one ``stream(symbols)`` call; see the module docstring."""

    def __init__(
        self,
        api_key: str,
        ws_url: str,
        source: DataSource,
        *,
        channels: tuple[str, ...] = ("T", "Q"),
        max_reconnects: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 15.0,
        handshake_timeout: float = 10.0,
    ) -> None:
        self._key = api_key
        self.ws_url = ws_url
        self.source = source
        self.channels = channels
        self.max_reconnects = max_reconnects
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.handshake_timeout = handshake_timeout

    async def trades(self, symbols: list[str]) -> AsyncIterator[Trade]:
        topics = ",".join(f"{ch}.{s.upper()}" for s in symbols for ch in self.channels)
        if not topics:
            return
        failures = 0
        while True:
            cause: BaseException | None = None
            try:
                async with connect(
                    self.ws_url, open_timeout=self.handshake_timeout, close_timeout=1.0
                ) as ws:
                    await self._handshake(ws, topics)
                    async for raw in ws:
                        for trade in self._parse(raw):
                            failures = 0  # the link works: a later drop starts counting anew
                            yield trade
                    # the server closed cleanly (Massive does on maintenance): reconnect
            except (ConnectionClosed, OSError, InvalidHandshake, TimeoutError) as exc:
                cause = exc
            except InvalidURI as exc:
                raise ProviderUnavailableError("Massive stream URL is invalid.") from exc
            failures += 1
            if failures > self.max_reconnects:
                raise ProviderUnavailableError(
                    "Massive stream keeps dropping; giving up for now.", retry_after=30.0
                ) from cause
            delay = jittered_backoff(failures - 1, base=self.backoff_base, cap=self.backoff_max)
            log.info("massive stream reconnect", extra={"attempt": failures, "delay_s": delay})
            await asyncio.sleep(delay)

    async def _handshake(self, ws: ClientConnection, topics: str) -> None:
        async with asyncio.timeout(self.handshake_timeout):
            await self._await_status(ws, {"connected"})
            await ws.send(json.dumps({"action": "auth", "params": self._key}))
            status = await self._await_status(ws, {"auth_success", "auth_failed"})
            if status == "auth_failed":
                raise ProviderAuthError("Massive refused the API key for the streaming feed.")
            await ws.send(json.dumps({"action": "subscribe", "params": topics}))

    async def _await_status(self, ws: ClientConnection, wanted: set[str]) -> str:
        while True:
            for event in _events(await ws.recv()):
                status = event.get("status")
                if event.get("ev") == "status" and status in wanted:
                    return str(status)

    def _parse(self, raw: str | bytes) -> list[Trade]:
        out: list[Trade] = []
        for event in _events(raw):
            if event.get("ev") == "status":
                if event.get("status") == "auth_failed":
                    raise ProviderAuthError("Massive revoked the streaming session.")
                log.debug("massive stream status", extra={"status": event.get("status")})
                continue
            trade = mapping.stream_event(event, self.source)
            if trade is not None:
                out.append(trade)
        return out


def _events(raw: str | bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderResponseError("Massive stream sent a frame that is not JSON.") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ProviderResponseError("Massive stream sent a frame that is not a list of events.")
    return [e for e in data if isinstance(e, dict)]
