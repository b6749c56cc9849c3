"""Generation decoupled from the HTTP connection.

A ``Turn`` is one answer being written: an append-only log of encoded SSE events plus a wake-up
signal. The generation runs as an asyncio task owned by the per-process ``TurnManager``; every
HTTP stream is only a *subscriber* that replays the log from the start and then follows it. So a
dropped connection loses nothing (the task goes on and stores the answer), a reconnect with the
same ``client_message_id`` sees every event once more from the top, and ``stop`` cancels the
task (which stores the partial text; see ``chat.service``).

A finished turn lingers for ``linger_seconds`` so a client that reconnects right after the end
still attaches to the log; later, the stored messages are replayed instead.

Scope: one process. With several app instances a reconnect that lands on another instance is
answered from the database (the partial or final message), and a Stop that lands on another
instance is broadcast to the one running the generation (``chat.stops``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aicoach.chat.stream import KEEPALIVE, encode

log = logging.getLogger(__name__)


@dataclass
class Turn:
    session_id: int
    user_id: int
    client_message_id: str
    user_message_id: int
    message_id: int  # the assistant message being written
    events: list[bytes] = field(default_factory=list)
    done: bool = False
    stop_requested: bool = False
    task: asyncio.Task[None] | None = None
    finished_at: float | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def emit(self, event: str, data: dict[str, Any]) -> None:
        self.events.append(encode(event, data))
        self._signal()

    def close(self) -> None:
        self.done = True
        self.finished_at = time.monotonic()
        self._signal()

    def _signal(self) -> None:
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    async def subscribe(self, keepalive_seconds: float = 15.0) -> AsyncIterator[bytes]:
        """Every event from the first, then new ones as they come, until the turn is done; a
        keep-alive comment after ``keepalive_seconds`` of silence (proxies drop idle streams)."""
        sent = 0
        while True:
            while sent < len(self.events):
                yield self.events[sent]
                sent += 1
            if self.done:
                return
            wake = self._wake
            try:
                await asyncio.wait_for(wake.wait(), keepalive_seconds)
            except TimeoutError:
                yield KEEPALIVE


class TurnManager:
    """The running (and recently finished) turns of this process, by chat session."""

    def __init__(self, *, linger_seconds: float = 120.0) -> None:
        self.linger_seconds = linger_seconds
        self._running: dict[int, Turn] = {}
        self._recent: dict[tuple[int, str], Turn] = {}
        self._reserved: dict[int, str] = {}
        # One event per reservation, set when it ends (its turn started, or its set-up gave up).
        self._reservation_ended: dict[int, asyncio.Event] = {}

    def running(self, session_id: int) -> Turn | None:
        return self._running.get(session_id)

    def holder(self, session_id: int) -> str | None:
        """The client message id that occupies the chat (running or about to start), if any."""
        turn = self._running.get(session_id)
        return turn.client_message_id if turn is not None else self._reserved.get(session_id)

    def reserve(self, session_id: int, client_message_id: str) -> None:
        """Claim the chat for a turn that is being set up (checked and claimed with no await
        in between, so two requests cannot both pass the "is it busy?" check)."""
        if self.holder(session_id) is not None:
            raise RuntimeError("the chat is busy")
        self._reserved[session_id] = client_message_id
        self._reservation_ended[session_id] = asyncio.Event()

    def release(self, session_id: int, client_message_id: str) -> None:
        if self._reserved.get(session_id) == client_message_id:
            del self._reserved[session_id]
            self._end_reservation(session_id)

    def _end_reservation(self, session_id: int) -> None:
        ended = self._reservation_ended.pop(session_id, None)
        if ended is not None:
            ended.set()

    async def wait_reservation(
        self, session_id: int, client_message_id: str, timeout_seconds: float
    ) -> bool:
        """Wait until the chat is no longer reserved for this client message: its turn has
        started (``find`` returns it from then on) or its set-up gave up. ``False`` if it was
        still reserved after ``timeout_seconds``."""
        deadline = time.monotonic() + timeout_seconds
        while self._reserved.get(session_id) == client_message_id:
            ended = self._reservation_ended[session_id]
            try:
                await asyncio.wait_for(ended.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                return False
        return True

    def find(self, session_id: int, client_message_id: str) -> Turn | None:
        """The running or lingering turn started by this client message, if any."""
        self._prune()
        turn = self._running.get(session_id)
        if turn is not None and turn.client_message_id == client_message_id:
            return turn
        return self._recent.get((session_id, client_message_id))

    def start(self, turn: Turn, work: Callable[[Turn], Coroutine[Any, Any, None]]) -> Turn:
        """Run ``work(turn)`` as a task owned by the manager (not by any request)."""
        if turn.session_id in self._running:
            raise RuntimeError("a turn is already running in this chat")
        self._reserved.pop(turn.session_id, None)
        self._running[turn.session_id] = turn
        turn.task = asyncio.create_task(self._run(turn, work), name=f"chat-turn-{turn.message_id}")
        self._end_reservation(turn.session_id)  # after ``_running`` is set: waiters find it
        return turn

    async def _run(self, turn: Turn, work: Callable[[Turn], Coroutine[Any, Any, None]]) -> None:
        try:
            await work(turn)
        except BaseException:  # work handles its own errors; this is the last safety net
            log.exception("chat turn crashed", extra={"message_id": turn.message_id})
            raise
        finally:
            turn.close()
            if self._running.get(turn.session_id) is turn:
                del self._running[turn.session_id]
            self._recent[(turn.session_id, turn.client_message_id)] = turn
            self._prune()

    async def stop(self, session_id: int, *, wait_seconds: float = 10.0) -> Turn | None:
        """Cancel the session's running turn and wait until its partial answer is stored."""
        turn = self._running.get(session_id)
        if turn is None or turn.task is None:
            return None
        turn.stop_requested = True
        turn.task.cancel()
        await asyncio.wait({turn.task}, timeout=wait_seconds)
        return turn

    async def aclose(self) -> None:
        """Shut-down: stop every running turn (each stores its partial text)."""
        tasks = []
        for turn in list(self._running.values()):
            if turn.task is not None:
                turn.stop_requested = True
                turn.task.cancel()
                tasks.append(turn.task)
        if tasks:
            await asyncio.wait(tasks, timeout=10.0)

    def _prune(self) -> None:
        cutoff = time.monotonic() - self.linger_seconds
        for key, turn in list(self._recent.items()):
            if turn.finished_at is not None and turn.finished_at < cutoff:
                del self._recent[key]

    def forget_session(self, session_id: int) -> None:
        for key in [k for k in self._recent if k[0] == session_id]:
            del self._recent[key]
