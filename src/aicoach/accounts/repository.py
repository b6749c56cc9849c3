"""Account queries. Every query for a user's own rows takes the user id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, literal, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.accounts.models import (
    ApiToken,
    InstanceClaim,
    Invite,
    LoginThrottle,
    User,
    UserSession,
)
from aicoach.kit.orm import UTCDateTime


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # users ----------------------------------------------------------------------------------
    async def user_by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def user_by_id(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def add_user(self, user: User) -> bool:
        """Insert ``user``; ``False`` when its email is taken (a concurrent sign-up may have won:
        the unique constraint decides). The transaction is then unusable: roll it back."""
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def claim(self, name: str, now: datetime) -> bool:
        """Take the once-per-instance claim ``name``; ``True`` for the one transaction that gets
        it (one ``INSERT … ON CONFLICT DO NOTHING``: a concurrent claimer waits for us, then
        finds it taken — or free, if we rolled back)."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(InstanceClaim)
            .values(name=name, claimed_at=now)
            .on_conflict_do_nothing(index_elements=[InstanceClaim.name])
            .returning(InstanceClaim.name)
        )
        return (await self.session.execute(stmt)).first() is not None

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

    async def revoke_tokens(self, user_id: int, now: datetime) -> int:
        result = await self.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def user_token(self, user_id: int, token_id: int) -> ApiToken | None:
        return await self.session.scalar(
            select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
        )

    # invites --------------------------------------------------------------------------------
    async def invites(self) -> Sequence[Invite]:
        return (await self.session.scalars(select(Invite).order_by(Invite.created_at.desc()))).all()

    async def invite_by_id(self, invite_id: int) -> Invite | None:
        return await self.session.get(Invite, invite_id)

    async def use_invite(self, code: str, now: datetime) -> int | None:
        """Spend the single-use invite ``code``: one conditional ``UPDATE`` (unused, not revoked,
        not expired), so of parallel sign-ups on one invite exactly one gets its id."""
        stmt = (
            update(Invite)
            .where(
                Invite.code == code,
                Invite.used_at.is_(None),
                Invite.revoked_at.is_(None),
                or_(Invite.expires_at.is_(None), Invite.expires_at > now),
            )
            .values(used_at=now)
            .returning(Invite.id)
            .execution_options(synchronize_session=False)
        )
        invite_id: int | None = await self.session.scalar(stmt)
        return invite_id

    async def set_invite_user(self, invite_id: int, user_id: int) -> None:
        stmt = update(Invite).where(Invite.id == invite_id).values(used_by_id=user_id)
        await self.session.execute(stmt, execution_options={"synchronize_session": False})

    async def revoke_invite(self, invite_id: int, now: datetime) -> bool:
        """Revoke an unused invite (conditional, so it cannot race a sign-up spending it)."""
        stmt = (
            update(Invite)
            .where(Invite.id == invite_id, Invite.used_at.is_(None), Invite.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    # throttles ------------------------------------------------------------------------------
    async def count_attempt(
        self, key: str, max_failures: int, locks: Sequence[datetime], now: datetime
    ) -> bool:
        """Count one log-in attempt on ``key`` unless the key is locked at ``now``; ``True`` when
        it was counted (the attempt may go on), ``False`` when the key is locked.

        One ``INSERT … ON CONFLICT DO UPDATE … WHERE not locked`` statement: concurrent attempts
        never lose a count and never both slip under the limit. The attempt that reaches
        ``max_failures`` sets ``locked_until`` to ``locks[failures - max_failures]`` (the last
        entry beyond the list), so the next one waits unless a success clears the key first.
        """
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        first_lock = locks[0] if max_failures <= 1 else None
        stmt = insert(LoginThrottle).values(
            key=key, failures=1, locked_until=first_lock, updated_at=now
        )
        after = LoginThrottle.failures + 1
        whens: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = [
            (after < max_failures, null())
        ]
        whens += [
            (after == max_failures + k, literal(at, UTCDateTime())) for k, at in enumerate(locks)
        ]
        upsert = stmt.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": after,
                "locked_until": case(*whens, else_=literal(locks[-1], UTCDateTime())),
                "updated_at": now,
            },
            where=or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        ).returning(LoginThrottle.failures)
        return (await self.session.execute(upsert)).first() is not None

    async def locked_until(self, keys: Sequence[str]) -> datetime | None:
        """The latest lock among ``keys`` (``None``: none is locked)."""
        rows = await self.session.scalars(
            select(LoginThrottle.locked_until).where(
                LoginThrottle.key.in_(list(keys)), LoginThrottle.locked_until.is_not(None)
            )
        )
        return max((at for at in rows if at is not None), default=None)

    async def clear_throttles(self, keys: Sequence[str]) -> None:
        await self.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(list(keys))))
