"""FastAPI dependencies as ``Annotated`` aliases: ``SessionDep``, ``CurrentUser``, ``AdminUser``...

Identity comes from the session cookie or a Bearer API token — never from request input.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.accounts import security
from aicoach.accounts.errors import AdminRequiredError
from aicoach.accounts.models import User
from aicoach.accounts.repository import AccountRepository
from aicoach.config import Settings
from aicoach.db import transaction
from aicoach.errors import AuthenticationRequiredError, CSRFError
from aicoach.kit.orm import utcnow
from aicoach.levels.service import LevelsService
from aicoach.marketdata.service import MarketDataService
from aicoach.observability.context import bind_user
from aicoach.web.state import AppState

_TOUCH_EVERY = timedelta(minutes=1)

#: A row id in a path: positive and within a 32-bit integer, so no backend overflows on it.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Row id.")]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.aicoach
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_market(state: StateDep) -> MarketDataService:
    return state.market


MarketDep = Annotated[MarketDataService, Depends(get_market)]


def get_levels(state: StateDep) -> LevelsService:
    return state.levels


LevelsDep = Annotated[LevelsService, Depends(get_levels)]


def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """One request, one transaction: commit at the end, roll back on any error."""
    async with transaction(state.sessions) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True, slots=True)
class UserView:
    """A detached snapshot for templates: error pages render after the transaction rolled back."""

    id: int
    email: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    session_id: int | None  # the browser session, when authenticated by cookie
    via_token: bool

    @property
    def view(self) -> UserView:
        u = self.user
        return UserView(u.id, u.email, u.display_name, u.role.value)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def get_principal(request: Request, session: SessionDep) -> Principal | None:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    repo, now = AccountRepository(session), utcnow()
    principal: Principal | None = None
    if (token := bearer_token(request)) is not None:
        row = await repo.live_token(security.digest(token), now)
        if row is None:
            raise AuthenticationRequiredError("That API token is invalid, expired or revoked.")
        user = await repo.user_by_id(row.user_id)
        if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
            row.last_used_at = now
        principal = Principal(user, None, True) if user and user.is_active else None
    elif (cookie := request.cookies.get(security.SESSION_COOKIE)) is not None:
        live = await repo.live_session(security.digest(cookie), now)
        if live is not None:
            if now - live.last_seen_at > _TOUCH_EVERY:
                live.last_seen_at = now
            user = await repo.user_by_id(live.user_id)
            principal = Principal(user, live.id, False) if user and user.is_active else None
    request.state.principal = principal
    request.state.user_view = principal.view if principal else None
    bind_user(principal.user.id if principal else None)
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_principal)]


async def require_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise AuthenticationRequiredError("Please log in.")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


async def require_user(principal: PrincipalDep) -> User:
    return principal.user


CurrentUser = Annotated[User, Depends(require_user)]


async def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise AdminRequiredError()
    return user


AdminUser = Annotated[User, Depends(require_admin)]


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries the CSRF token, unless it is a Bearer-token API call.

    Double-submit: the token in the ``aicoach_csrf`` cookie must equal the ``X-CSRF-Token``
    header (HTMX, fetch) or the ``csrf_token`` form field (plain forms). Bearer requests carry no
    ambient credentials, so they cannot be forged cross-site.
    """
    if request.method in _SAFE_METHODS or bearer_token(request) is not None:
        return
    expected = request.cookies.get(security.CSRF_COOKIE, "")
    sent = request.headers.get("x-csrf-token", "")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not security.tokens_equal(expected, sent):
        raise CSRFError("The form expired or came from elsewhere; reload the page and try again.")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
