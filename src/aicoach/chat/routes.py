"""The chat API: sessions, paginated messages, the streaming turn, stop, search.

The streaming protocol is written down in ``chat.stream``. Every route is scoped to the
logged-in user: another user's chat answers 404, exactly like a missing one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import IntegrityError

from aicoach.accounts.deps import CurrentUser
from aicoach.chat.deps import ChatDep
from aicoach.chat.errors import ChatBusyError, ChatRateLimitedError
from aicoach.chat.interruptions import is_interrupted, mark_interrupted
from aicoach.chat.models import ChatMessageRow, ChatSession, MessageRole, MessageStatus
from aicoach.chat.replay import replay_events, turn_for
from aicoach.chat.repository import ChatRepository
from aicoach.chat.schemas import (
    MessageCreate,
    MessagePage,
    MessageRead,
    SearchHitRead,
    SessionCreate,
    SessionRead,
    SessionUpdate,
    StopRead,
)
from aicoach.chat.search import search_messages
from aicoach.chat.service import ChatRuntime, TurnRunner
from aicoach.chat.stream import HEADERS, MEDIA_TYPE, encode
from aicoach.chat.title import heuristic_title
from aicoach.chat.turns import Turn
from aicoach.kit.orm import utcnow
from aicoach.web.deps import RowId, SessionDep

router = APIRouter(prefix="/api/chat", tags=["chat"])

RATE_WINDOW = timedelta(minutes=1)


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
async def create_session(
    user: CurrentUser, session: SessionDep, body: SessionCreate | None = None
) -> SessionRead:
    """A new, empty chat. Without a title it is named from its first message."""
    title = body.title if body is not None and body.title else ""
    row = await ChatRepository(session).create_session(user.id, title, utcnow())
    return SessionRead.of(row)


@router.get("/sessions")
async def list_sessions(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[SessionRead]:
    """The user's chats, most recently active first."""
    rows = await ChatRepository(session).list_sessions(user.id, limit, offset)
    return [SessionRead.of(r) for r in rows]


@router.get("/sessions/{session_id}")
async def get_session(session_id: RowId, user: CurrentUser, session: SessionDep) -> SessionRead:
    return SessionRead.of(await ChatRepository(session).get_session(user.id, session_id))


@router.patch("/sessions/{session_id}")
async def rename_session(
    session_id: RowId, body: SessionUpdate, user: CurrentUser, session: SessionDep
) -> SessionRead:
    row = await ChatRepository(session).get_session(user.id, session_id)
    row.title = body.title
    row.title_auto = False
    await session.flush()
    return SessionRead.of(row)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_session(
    session_id: RowId, user: CurrentUser, session: SessionDep, runtime: ChatDep
) -> Response:
    repo = ChatRepository(session)
    row = await repo.get_session(user.id, session_id)
    await runtime.turns.stop(session_id)
    runtime.turns.forget_session(session_id)
    await repo.delete_session(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions/{session_id}/messages")
async def list_messages(
    session_id: RowId,
    user: CurrentUser,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    """A page of messages older than ``before`` (the newest page without it), oldest first."""
    repo = ChatRepository(session)
    await repo.get_session(user.id, session_id)
    rows, has_more = await repo.messages_page(session_id, before, limit)
    return MessagePage(
        items=[MessageRead.of(r) for r in rows],
        has_more=has_more,
        next_before=rows[0].id if has_more and rows else None,
    )


@router.post(
    "/sessions/{session_id}/messages",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPE: {}}, "description": "The turn as SSE events"}},
)
async def post_message(
    session_id: RowId,
    body: MessageCreate,
    user: CurrentUser,
    session: SessionDep,
    runtime: ChatDep,
) -> StreamingResponse:
    """Send a message; the answer streams back as Server-Sent Events (see ``chat.stream``).

    Idempotent on ``client_message_id``: a re-post (or a concurrent duplicate) of a message
    already sent follows its turn — attached to the running or lingering log in this process,
    else replayed from the database — and is never stored or answered twice. A re-post after a
    retryable failure answers the stored question again.
    """
    repo = ChatRepository(session)
    user_id = user.id
    client_id = str(body.client_message_id)
    stale = timedelta(seconds=runtime.settings.chat_interrupted_after_seconds)
    for _ in range(_MAX_ROUNDS):
        chat = await repo.get_session(user_id, session_id)
        question = await repo.by_client_id(session_id, client_id)
        if question is not None and question.role is not MessageRole.USER:
            question = None
        reply = await repo.reply_to(question.id) if question is not None else None
        # No await from here to the decision. The process-local state is read *after* the
        # stored rows: a turn whose rows were committed while they were being read is seen as
        # running — or, between its commit and its start, as reserved — never mistaken for a
        # reply written elsewhere and replayed half-empty.
        turn = runtime.turns.find(session_id, client_id)
        if turn is None and reply is not None and is_interrupted(reply, utcnow(), stale):
            mark_interrupted(reply, utcnow())  # its writer died: settled here, then retried
        retry = reply is not None and _retryable(reply)
        if turn is not None and not (retry and turn.done):
            return _stream(turn.subscribe())
        holder = runtime.turns.holder(session_id)
        if holder == client_id:
            # The same message is being set up by a concurrent request here: wait until its
            # turn starts (then attach to it) or its set-up gives up (then take over). End this
            # transaction first, so no lock or snapshot of ours holds the other request up.
            await session.commit()
            if not await runtime.turns.wait_reservation(session_id, client_id, SETUP_WAIT):
                raise ChatBusyError()
            continue
        if question is not None and not retry:
            # Settled: replay it. Still ``streaming`` with no turn here: it is being written by
            # another instance (or that instance died); the replay says so.
            return _stream(_replay(replay_events(question, reply)))
        if holder is not None:
            raise ChatBusyError()
        runtime.turns.reserve(session_id, client_id)
        try:
            if question is not None and reply is not None:
                return await _retry_failed(runtime, repo, question, reply)
            started = await _begin_turn(runtime, repo, chat, body.content, client_id)
        finally:
            runtime.turns.release(session_id, client_id)  # no-op once the turn has started
        if started is not None:
            return started
        # Another instance stored the same message first: follow its rows on the next round.
    raise ChatBusyError()


#: Rounds of ``post_message``: each further one follows a concurrent request that held the
#: message (started it, gave up, or won the insert on another instance).
_MAX_ROUNDS = 5
#: How long a duplicate post waits for the request setting up the same message (seconds): more
#: than SQLite's 30 s busy timeout, the longest that set-up can legitimately wait for a lock.
SETUP_WAIT = 40.0


def _retryable(reply: ChatMessageRow) -> bool:
    return reply.status is MessageStatus.ERROR and bool((reply.error or {}).get("retryable"))


async def _begin_turn(
    runtime: ChatRuntime,
    repo: ChatRepository,
    chat: ChatSession,
    content: str,
    client_id: str,
) -> StreamingResponse | None:
    """Store the question and an empty ``streaming`` reply, commit, start the turn, and stream
    it; ``None`` if another instance stored the same ``client_message_id`` first."""
    session = repo.session
    now = utcnow()
    await _check_rate(repo, chat.user_id, now, runtime.settings.chat_rate_limit_per_minute)
    is_first = not (await repo.messages_page(chat.id, None, 1))[0]
    if is_first and chat.title_auto:
        chat.title = heuristic_title(content)
    try:
        user_row, reply = await repo.add_turn(chat, content, client_id, runtime.llm.label, now)
    except IntegrityError:
        await session.rollback()
        return None
    turn = turn_for(user_row, reply, runtime.llm.label)
    # Commit before the turn starts: its task reads and rewrites these rows in its own units of
    # work (and may run before this request's dependency ends the transaction), a duplicate post
    # must find the rows once the turn is findable, and SQLite's write lock is released before
    # the first token.
    await session.commit()
    _start(runtime, turn, content, is_first)
    return _stream(turn.subscribe())


async def _retry_failed(
    runtime: ChatRuntime, repo: ChatRepository, question: ChatMessageRow, reply: ChatMessageRow
) -> StreamingResponse:
    """Answer the stored question again after a retryable failure (provider down, stream cut),
    reusing its rows: the user's message is never stored twice."""
    reply.content, reply.status, reply.error = "", MessageStatus.STREAMING, None
    reply.cards, reply.citations, reply.tool_calls = [], [], []
    reply.finish_reason, reply.completed_at, reply.heartbeat_at = None, None, utcnow()
    reply.model_label = runtime.llm.label
    turn = turn_for(question, reply, runtime.llm.label)
    await repo.session.commit()  # as in _begin_turn
    _start(runtime, turn, question.content, first=False)
    return _stream(turn.subscribe())


def _start(runtime: ChatRuntime, turn: Turn, content: str, first: bool) -> None:
    runner = TurnRunner(runtime, content, first_message=first)
    runtime.turns.start(turn, runner.run)


async def _check_rate(repo: ChatRepository, user_id: int, now: datetime, per_minute: int) -> None:
    """At most ``per_minute`` messages in any sliding minute, counted in the database (so every
    app instance agrees); the wait until the oldest of them leaves the window is Retry-After.
    The user's row is locked first, until the turn's rows are committed: parallel posts are
    counted one after the other."""
    await repo.lock_user_for_rate(user_id)
    count, oldest = await repo.user_messages_since(user_id, now - RATE_WINDOW)
    if count < per_minute:
        return
    wait = max(1.0, ((oldest or now) + RATE_WINDOW - now).total_seconds())
    raise ChatRateLimitedError(
        f"You can send {per_minute} messages a minute to the coach; try again in {round(wait)} s.",
        retry_after=wait,
    )


async def _replay(events: list[tuple[str, dict[str, object]]]) -> AsyncIterator[bytes]:
    for name, data in events:
        yield encode(name, dict(data))


def _stream(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type=MEDIA_TYPE, headers=dict(HEADERS))


_REMOTE_STOP_WAIT_SECONDS = 10.0


@router.post("/sessions/{session_id}/stop")
async def stop_generation(
    session_id: RowId, user: CurrentUser, session: SessionDep, runtime: ChatDep
) -> StopRead:
    """Stop the answer being written in this chat; its partial text is kept ("stopped").

    The answer may be written by another instance of the app: then the stop is broadcast to
    it, and this waits (up to 10 s) until that instance has stored the partial answer."""
    repo = ChatRepository(session)
    await repo.get_session(user.id, session_id)
    turn = await runtime.turns.stop(session_id)
    if turn is not None or not runtime.stops.shared:
        return StopRead(stopped=turn is not None, message_id=turn.message_id if turn else None)
    message_id = await repo.streaming_reply(session_id)
    if message_id is None:
        return StopRead(stopped=False, message_id=None)
    await runtime.stops.publish(session_id)
    deadline = time.monotonic() + _REMOTE_STOP_WAIT_SECONDS
    while await repo.message_status(message_id) == MessageStatus.STREAMING:
        if time.monotonic() > deadline:
            return StopRead(stopped=False, message_id=message_id)
        await asyncio.sleep(0.1)
    return StopRead(stopped=True, message_id=message_id)


@router.get("/search")
async def search(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find")],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[SearchHitRead]:
    """The user's messages containing the words, newest first, with ``<mark>`` snippets."""
    hits = await search_messages(session, user.id, q, limit)
    return [SearchHitRead.of(h) for h in hits]
