"""Infrastructure dependencies as ``Annotated`` aliases: ``SessionDep``, ``SettingsDep``, ``RowId``.

The app's parts live in the composition root's container (``request.app.state.container``,
built by ``aicoach.container.build_container``). ``web`` imports no feature slice, so it reads
the container through the narrow :class:`WebParts` protocol; each slice's ``deps.py`` does the
same for its own parts (``MarketDep``, ``LevelsDep``, ``CurrentUser`` ...).

Cost per request matters here (every API call pays it): dependencies are ``async def`` — FastAPI
runs a plain ``def`` dependency in the thread pool, a thread hop each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Protocol

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aicoach.config import Settings
from aicoach.db import transaction

#: A row id in a path: positive and within a 32-bit integer, so no backend overflows on it.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Row id.")]


class WebParts(Protocol):
    """What the web infrastructure reads from the container."""

    @property
    def settings(self) -> Settings: ...
    @property
    def engine(self) -> AsyncEngine: ...
    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...


def container_of(request: Request) -> Any:
    """The app's container, for a slice's dependency to read through its own protocol."""
    return request.app.state.container


def parts_of(request: Request) -> WebParts:
    parts: WebParts = request.app.state.container
    return parts


async def get_settings(request: Request) -> Settings:
    return parts_of(request).settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One request, one transaction: commit at the end, roll back on any error."""
    async with transaction(parts_of(request).sessions) as session:
        yield session


# scope="function": commit BEFORE the response is sent. FastAPI's default ends a yield
# dependency after the response, so a client could read before the commit (a fresh sign-up
# answered 401 on the very next request) and a failed commit would follow a success response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
