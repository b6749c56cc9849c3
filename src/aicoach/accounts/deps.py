"""Who is calling: ``CurrentUser``, ``AdminUser``, ``PrincipalDep``, ``OptionalPrincipal``.

Identity comes from the session cookie or a Bearer API token — never from request input.
Authentication is one indexed query (the token or session row joined to its user), never cached
across requests, so a revoked or expired credential is refused on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from sqlalchemy import bindparam, or_, select, update

from aicoach.accounts import scopes, security
from aicoach.accounts.errors import (
    AdminRequiredError,
    BrowserSessionRequiredError,
    TokenScopeError,
)
from aicoach.accounts.models import ApiToken, User, UserSession
from aicoach.accounts.scopes import Scope
from aicoach.accounts.service import LoginThrottler
from aicoach.errors import AuthenticationRequiredError
from aicoach.kit.orm import utcnow
from aicoach.observability.context import bind_user
from aicoach.web.cookies import read_cookie
from aicoach.web.csrf import bearer_token
from aicoach.web.deps import SessionDep, container_of, get_session

_TOUCH_EVERY = timedelta(minutes=1)


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
    # A Bearer token's scopes; ``None`` for a browser session (everything its user may do).
    scopes: frozenset[Scope] | None = None

    def allows(self, scope: Scope) -> bool:
        return self.scopes is None or scope in self.scopes

    @property
    def view(self) -> UserView:
        u = self.user
        return UserView(u.id, u.email, u.display_name, u.role.value)


# The live credential and its user in one query (``token_hash`` is unique and indexed). Built
# once: the statement's compiled form is then reused from SQLAlchemy's cache.
_LIVE_TOKEN = (
    select(User, ApiToken.id, ApiToken.last_used_at, ApiToken.scopes)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
    )
)
_LIVE_SESSION = (
    select(User, UserSession.id, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now"),
    )
)
_NO_SYNC = {"synchronize_session": False}


async def get_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller, from a Bearer API token or the session cookie (``None``: anonymous).

    One query per request; ``last_used_at`` / ``last_seen_at`` are written at most once a
    minute. An unknown, revoked or expired token is a 401 (an API client must not silently
    become anonymous); an unknown session cookie is anonymous. The user is loaded into the
    request's session, so a route may change it and the request's commit saves it.

    A token's scopes are enforced here, for every route that authenticates (so a route added
    tomorrow is covered): a state-changing method needs ``trade``; see ``require_admin`` and
    ``require_browser_session`` for the rest.

    When the route needs the database for nothing else (e.g. ``/api/levels``), the look-up is
    committed here, which hands the connection back to the pool for the rest of the request.
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    now = utcnow()
    principal: Principal | None = None
    if (token := bearer_token(request)) is not None:
        params = {"token_hash": security.digest(token), "now": now}
        row = (await session.execute(_LIVE_TOKEN, params)).first()
        if row is None:
            raise AuthenticationRequiredError("That API token is invalid, expired or revoked.")
        user, token_id, last_used_at, stored_scopes = row
        token_scopes = scopes.decode(stored_scopes)
        if request.method not in scopes.SAFE_METHODS and Scope.TRADE not in token_scopes:
            raise TokenScopeError(
                "This API token is read-only: it can read your data but not change it. "
                "Create a token with the trade scope in Settings to do that."
            )
        if last_used_at is None or now - last_used_at > _TOUCH_EVERY:
            touch = update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            await session.execute(touch, execution_options=_NO_SYNC)
        principal = Principal(user, None, True, token_scopes) if user.is_active else None
    elif (cookie := read_cookie(request, security.SESSION_COOKIE)) is not None:
        params = {"token_hash": security.digest(cookie), "now": now}
        live = (await session.execute(_LIVE_SESSION, params)).first()
        if live is not None:
            user, session_id, last_seen_at = live
            if now - last_seen_at > _TOUCH_EVERY:
                touch = update(UserSession).where(UserSession.id == session_id)
                await session.execute(touch.values(last_seen_at=now), execution_options=_NO_SYNC)
            principal = Principal(user, session_id, False) if user.is_active else None
    if session.in_transaction() and _auth_only(request):
        await session.commit()
    request.state.principal = principal
    request.state.user_view = principal.view if principal else None
    bind_user(principal.user.id if principal else None)
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_principal)]


def _auth_only(request: Request) -> bool:
    """Whether the matched route uses the request's database session only to authenticate
    (no other dependency asks for :data:`SessionDep`). Worked out once per route."""
    route = request.scope.get("route")
    dependant: Dependant | None = getattr(route, "dependant", None)
    if dependant is None:
        return False
    known: bool | None = getattr(route, "_aicoach_auth_only", None)
    if known is None:
        known = not _uses_session(dependant)
        setattr(route, "_aicoach_auth_only", known)  # noqa: B010 (a private mark on the route)
    return known


def _uses_session(dependant: Dependant) -> bool:
    for sub in dependant.dependencies:
        if sub.call is get_principal:
            continue  # its own use of the session is the authentication itself
        if sub.call is get_session or _uses_session(sub):
            return True
    return False


async def require_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise AuthenticationRequiredError("Please log in.")
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


async def require_user(principal: OptionalPrincipal) -> User:
    # As ``require_principal``, inlined: one dependency fewer on every authenticated route.
    if principal is None:
        raise AuthenticationRequiredError("Please log in.")
    return principal.user


CurrentUser = Annotated[User, Depends(require_user)]


async def require_admin(principal: PrincipalDep) -> User:
    if not principal.user.is_admin:
        raise AdminRequiredError()
    if not principal.allows(Scope.ADMIN):
        raise TokenScopeError("This API token has no admin scope: admin routes need one.")
    return principal.user


AdminUser = Annotated[User, Depends(require_admin)]


async def require_browser_session(principal: PrincipalDep) -> Principal:
    """Sessions, tokens, the password and account settings: a browser session only."""
    if principal.via_token:
        raise BrowserSessionRequiredError()
    return principal


BrowserPrincipal = Annotated[Principal, Depends(require_browser_session)]


class AccountParts(Protocol):
    @property
    def throttler(self) -> LoginThrottler: ...


async def get_throttler(request: Request) -> LoginThrottler:
    parts: AccountParts = container_of(request)
    return parts.throttler


ThrottlerDep = Annotated[LoginThrottler, Depends(get_throttler)]
