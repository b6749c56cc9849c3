"""The chat API: sessions, paginated messages, the streaming turn, stop, search.

The streaming protocol is written down in ``chat.stream``. Every route is scoped to the
logged-in user: another user's chat answers 404, exactly like a missing one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import IntegrityError

from aicoach.chat.errors import ChatBusyError, ChatRateLimitedError
from aicoach.chat.models import ChatSession, MessageRole, MessageStatus
from aicoach.chat.repository import ChatRepository
from aicoach.chat.runtime import runtime_of
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
from aicoach.chat.service import ChatRuntime, TurnRunner, replay_events, turn_for
from aicoach.chat.stream import HEADERS, MEDIA_TYPE, encode
from aicoach.chat.title import heuristic_title
from aicoach.chat.turns import Turn
from aicoach.kit.orm import utcnow
from aicoach.web.deps import CurrentUser, RowId, SessionDep, StateDep
from aicoach.web.state import AppState

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
    session_id: RowId, user: CurrentUser, session: SessionDep, state: StateDep
) -> Response:
    repo = ChatRepository(session)
    row = await repo.get_session(user.id, session_id)
    runtime = runtime_of(state)
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
    state: StateDep,
) -> StreamingResponse:
    """Send a message; the answer streams back as Server-Sent Events (see ``chat.stream``)."""
    runtime = runtime_of(state)
    repo = ChatRepository(session)
    chat = await repo.get_session(user.id, session_id)
    client_id = str(body.client_message_id)
    retried = await _retry_failed(runtime, repo, chat, client_id)
    if retried is not None:
        return retried
    known = await _attach_or_replay(runtime, repo, session_id, client_id)
    if known is not None:
        return known
    holder = runtime.turns.holder(session_id)
    if holder == client_id:  # the same message is being set up by a concurrent request
        known = await _attach_or_replay(runtime, repo, session_id, client_id, wait=True)
        if known is not None:
            return known
    if holder is not None:
        raise ChatBusyError()
    runtime.turns.reserve(session_id, client_id)
    try:
        return await _begin_turn(runtime, repo, chat, body.content, client_id, state)
    finally:
        runtime.turns.release(session_id, client_id)  # no-op once the turn has started


async def _begin_turn(
    runtime: ChatRuntime,
    repo: ChatRepository,
    chat: ChatSession,
    content: str,
    client_id: str,
    state: AppState,
) -> StreamingResponse:
    session = repo.session
    now = utcnow()
    await _check_rate(repo, chat.user_id, now, state.settings.chat_rate_limit_per_minute)
    is_first = not (await repo.messages_page(chat.id, None, 1))[0]
    if is_first and chat.title_auto:
        chat.title = heuristic_title(content)
    try:
        user_row, reply = await repo.add_turn(chat, content, client_id, runtime.llm.label, now)
    except IntegrityError:
        # The same client_message_id raced in through another instance and won: follow its
        # turn instead of storing the message twice.
        await session.rollback()
        known = await _attach_or_replay(runtime, repo, chat.id, client_id, wait=True)
        if known is None:
            raise
        return known
    turn = turn_for(user_row, reply, runtime.llm.label)
    # The stream outlives this request's transaction (its dependency exits after the response),
    # so commit now: the generation task reads these rows in its own units of work, and SQLite's
    # write lock is released before the first token.
    await session.commit()
    _start(runtime, turn, content, is_first)
    return _stream(turn.subscribe())


async def _attach_or_replay(
    runtime: ChatRuntime,
    repo: ChatRepository,
    session_id: int,
    client_id: str,
    *,
    wait: bool = False,
) -> StreamingResponse | None:
    """The stream for a message already sent: attach to its running turn, else replay it from
    the database; ``None`` if it was never stored. With ``wait``, a reply still marked
    ``streaming`` is given up to 2 s for its turn to appear in this process."""
    attempts = 40 if wait else 1
    for attempt in range(attempts):
        attached = runtime.turns.find(session_id, client_id)
        if attached is not None:
            return _stream(attached.subscribe())
        existing = await repo.by_client_id(session_id, client_id)
        if existing is None or existing.role is not MessageRole.USER:
            if not wait:
                return None
            await asyncio.sleep(0.05)
            repo.session.expire_all()
            continue
        reply = await repo.reply_to(existing.id)
        settled = reply is None or reply.status is not MessageStatus.STREAMING
        if settled or attempt == attempts - 1:
            # (a reply still streaming here is written by another instance: replay says so)
            return _stream(_replay(replay_events(existing, reply)))
        await asyncio.sleep(0.05)
        repo.session.expire_all()
    return None


async def _retry_failed(
    runtime: ChatRuntime, repo: ChatRepository, chat: ChatSession, client_id: str
) -> StreamingResponse | None:
    """Retry after a retryable failure (provider down, stream cut) answers the stored question
    again, reusing its rows: the user's message is never stored twice. ``None`` otherwise."""
    question = await repo.by_client_id(chat.id, client_id)
    if question is None or question.role is not MessageRole.USER:
        return None
    reply = await repo.reply_to(question.id)
    if reply is None or reply.status is not MessageStatus.ERROR:
        return None
    if not (reply.error or {}).get("retryable"):
        return None
    if runtime.turns.holder(chat.id) is not None:
        raise ChatBusyError()
    reply.content, reply.status, reply.error = "", MessageStatus.STREAMING, None
    reply.cards, reply.citations, reply.tool_calls = [], [], []
    reply.finish_reason, reply.completed_at = None, None
    reply.model_label = runtime.llm.label
    turn = turn_for(question, reply, runtime.llm.label)
    await repo.session.commit()  # as in _begin_turn: the stream outlives this transaction
    _start(runtime, turn, question.content, first=False)
    return _stream(turn.subscribe())


def _start(runtime: ChatRuntime, turn: Turn, content: str, first: bool) -> None:
    runner = TurnRunner(runtime, content, first_message=first)
    runtime.turns.start(turn, runner.run)


async def _check_rate(repo: ChatRepository, user_id: int, now: datetime, per_minute: int) -> None:
    """At most ``per_minute`` messages in any sliding minute, counted in the database (so every
    app instance agrees); the wait until the oldest of them leaves the window is Retry-After."""
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


@router.post("/sessions/{session_id}/stop")
async def stop_generation(
    session_id: RowId, user: CurrentUser, session: SessionDep, state: StateDep
) -> StopRead:
    """Stop the answer being written in this chat; its partial text is kept ("stopped")."""
    await ChatRepository(session).get_session(user.id, session_id)
    turn = await runtime_of(state).turns.stop(session_id)
    return StopRead(stopped=turn is not None, message_id=turn.message_id if turn else None)


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
