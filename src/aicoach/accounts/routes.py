"""Accounts JSON API: the current user, sessions, personal API tokens, admin users and invites.

Everything that manages the account itself (profile, password, sessions, tokens) takes a browser
session (``BrowserPrincipal``): a token, stolen or not, cannot mint tokens or lock its owner out.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from aicoach.accounts.deps import AdminUser, BrowserPrincipal, CurrentUser
from aicoach.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    InviteCreate,
    InviteRead,
    PasswordChangeIn,
    ProfileUpdate,
    SessionRead,
    UserRead,
)
from aicoach.accounts.service import AccountService
from aicoach.kit.orm import utcnow
from aicoach.web.deps import RowId, SessionDep, SettingsDep

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/me")
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me")
async def update_me(data: ProfileUpdate, principal: BrowserPrincipal) -> UserRead:
    principal.user.display_name = data.display_name
    return UserRead.model_validate(principal.user)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    data: PasswordChangeIn, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).change_password(
        principal.user, data.current_password, data.new_password, principal.session_id
    )
    return Response(status_code=204)


@router.get("/sessions")
async def list_sessions(
    principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> list[SessionRead]:
    rows = await AccountService(session, settings).repo.user_sessions(principal.user.id, utcnow())
    return [
        SessionRead.model_validate(row).model_copy(
            update={"current": row.id == principal.session_id}
        )
        for row in rows
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def end_session(
    session_id: RowId, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).end_session(principal.user.id, session_id)
    return Response(status_code=204)


@router.post("/sessions/revoke-others")
async def end_other_sessions(
    principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> dict[str, int]:
    count = await AccountService(session, settings).end_other_sessions(
        principal.user.id, principal.session_id
    )
    return {"revoked": count}


@router.get("/tokens")
async def list_tokens(
    principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> list[ApiTokenRead]:
    rows = await AccountService(session, settings).repo.user_tokens(principal.user.id)
    return [ApiTokenRead.model_validate(row) for row in rows]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(
    data: ApiTokenCreate, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> ApiTokenCreated:
    row, secret = await AccountService(session, settings).create_token(principal.user, data)
    return ApiTokenCreated.model_validate(
        {**ApiTokenRead.model_validate(row).model_dump(), "token": secret}
    )


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(
    token_id: RowId, principal: BrowserPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).revoke_token(principal.user.id, token_id)
    return Response(status_code=204)


@router.get("/admin/users")
async def admin_users(
    admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> list[UserRead]:
    return [
        UserRead.model_validate(u)
        for u in await AccountService(session, settings).list_users(admin)
    ]


@router.get("/admin/invites")
async def admin_invites(
    admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> list[InviteRead]:
    rows = await AccountService(session, settings).list_invites(admin)
    return [InviteRead.model_validate(row) for row in rows]


@router.post("/admin/invites", status_code=status.HTTP_201_CREATED)
async def create_invite(
    data: InviteCreate, admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> InviteRead:
    return InviteRead.model_validate(
        await AccountService(session, settings).create_invite(admin, data)
    )


@router.delete("/admin/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invite(
    invite_id: RowId, admin: AdminUser, session: SessionDep, settings: SettingsDep
) -> Response:
    await AccountService(session, settings).revoke_invite(admin, invite_id)
    return Response(status_code=204)
