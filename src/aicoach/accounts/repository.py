"""Account queries. Every query for a user's own rows takes the user id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.accounts.models import ApiToken, Invite, LoginThrottle, User, UserSession


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # users ----------------------------------------------------------------------------------
    async def user_by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def user_by_id(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def count_users(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)

    async def list_users(self) -> Sequence[User]:
        return (await self.session.scalars(select(User).order_by(User.id))).all()

    # sessions -------------------------------------------------------------------------------
    async def live_session(self, token_hash: str, now: datetime) -> UserSession | None:
        return await self.session.scalar(
            select(UserSession).where(
                UserSession.token_hash == token_hash,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
        )

    async def user_sessions(self, user_id: int, now: datetime) -> Sequence[UserSession]:
        query = (
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .order_by(UserSession.last_seen_at.desc())
        )
        return (await self.session.scalars(query)).all()

    async def user_session(self, user_id: int, session_id: int) -> UserSession | None:
        return await self.session.scalar(
            select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id)
        )

    async def revoke_sessions(self, user_id: int, now: datetime, *, except_id: int | None) -> int:
        query = update(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
        )
        if except_id is not None:
            query = query.where(UserSession.id != except_id)
        result = await self.session.execute(query.values(revoked_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_dead_sessions(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(UserSession).where(
                or_(UserSession.expires_at <= now, UserSession.revoked_at.is_not(None))
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # API tokens -----------------------------------------------------------------------------
    async def live_token(self, token_hash: str, now: datetime) -> ApiToken | None:
        return await self.session.scalar(
            select(ApiToken).where(
                ApiToken.token_hash == token_hash,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
        )

    async def user_tokens(self, user_id: int) -> Sequence[ApiToken]:
        query = (
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
        return (await self.session.scalars(query)).all()

    async def user_token(self, user_id: int, token_id: int) -> ApiToken | None:
        return await self.session.scalar(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
        )

    # invites --------------------------------------------------------------------------------
    async def invites(self) -> Sequence[Invite]:
        return (await self.session.scalars(select(Invite).order_by(Invite.created_at.desc()))).all()

    async def invite_by_id(self, invite_id: int) -> Invite | None:
        return await self.session.get(Invite, invite_id)

    async def invite_by_code(self, code: str) -> Invite | None:
        return await self.session.scalar(
            select(Invite).where(Invite.code == code).with_for_update()
        )

    # throttles ------------------------------------------------------------------------------
    async def throttles(self, keys: list[str]) -> Sequence[LoginThrottle]:
        return (
            await self.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
        ).all()

    async def throttle(self, key: str) -> LoginThrottle | None:
        return await self.session.get(LoginThrottle, key)

    async def clear_throttle(self, key: str) -> None:
        await self.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
