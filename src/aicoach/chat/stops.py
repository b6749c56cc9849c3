"""Stop reaches the instance writing the answer.

An answer is written by a task of the one process that took the question (``chat.turns``); with
several instances behind a balancer, the Stop click may land on another one. That instance
stops the turn itself if it runs it, and otherwise broadcasts the chat's id on Redis
(``PUBLISH aicoach:chat:stop``); every instance listens and stops the turn if it is its own.
One process (no Redis) needs no relay: every turn is local.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aicoach.chat.turns import TurnManager
    from aicoach.container import Container

log = logging.getLogger(__name__)
CHANNEL = "aicoach:chat:stop"


class StopRelay(Protocol):
    #: Whether other processes can be running turns (a published stop may reach one).
    shared: bool

    async def publish(self, session_id: int) -> None: ...

    def listen(self) -> AsyncIterator[int]: ...

    async def aclose(self) -> None: ...


class LocalStops:
    """One process: there is nobody to tell."""

    shared = False

    async def publish(self, session_id: int) -> None:
        return None

    async def listen(self) -> AsyncIterator[int]:
        await asyncio.Event().wait()  # never: nothing is ever published
        yield 0  # pragma: no cover

    async def aclose(self) -> None:
        return None


class RedisStops:
    """Stops broadcast on a Redis channel to every instance."""

    shared = True

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis_asyncio

        # Any: the bundled stubs predate redis 5's ``aclose``.
        self._redis: Any = redis_asyncio.Redis.from_url(url, socket_connect_timeout=2)

    async def publish(self, session_id: int) -> None:
        await self._redis.publish(CHANNEL, str(session_id))

    async def listen(self) -> AsyncIterator[int]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(CHANNEL)
        try:
            async for message in pubsub.listen():
                with contextlib.suppress(TypeError, ValueError):
                    yield int(message["data"])
        finally:
            await pubsub.aclose()

    async def aclose(self) -> None:
        await self._redis.aclose()


def stop_relay(redis_url: str | None) -> StopRelay:
    return RedisStops(redis_url) if redis_url else LocalStops()


async def follow_stops(relay: StopRelay, turns: TurnManager) -> None:
    """Stop each broadcast chat's turn if this process runs it; reconnect after a Redis error."""
    while True:
        try:
            async for session_id in relay.listen():
                if turns.running(session_id) is not None:
                    await turns.stop(session_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("chat stop relay lost Redis; listening again in 1 s", exc_info=True)
            await asyncio.sleep(1.0)


@asynccontextmanager
async def stop_listener(container: Container) -> AsyncIterator[None]:
    """The chat slice's lifespan part: follow broadcast stops while the app runs."""
    runtime = container.chat
    task = asyncio.create_task(follow_stops(runtime.stops, runtime.turns), name="chat-stops")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runtime.stops.aclose()
