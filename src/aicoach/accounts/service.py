"""Account use cases: sign-up, log-in with throttling, sessions, API tokens, invites.

Services flush but never commit; the request dependency commits. The one exception is the log-in
throttle: a failed log-in raises (so the request rolls back) yet the failure must be remembered,
so ``LoginThrottler`` writes through its own short transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aicoach.accounts import security
from aicoach.accounts.errors import (
    AdminRequiredError,
    EmailTakenError,
    InvalidCredentialsError,
    InviteRequiredError,
    LoginThrottledError,
    WeakPasswordError,
)
from aicoach.accounts.models import ApiToken, Invite, LoginThrottle, Role, User, UserSession
from aicoach.accounts.repository import AccountRepository
from aicoach.accounts.schemas import ApiTokenCreate, InviteCreate, SignupIn
from aicoach.config import Settings
from aicoach.db import transaction
from aicoach.errors import NotFoundError
from aicoach.kit.orm import utcnow

_COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password123", "1234567890", "qwertyuiop", "letmein123",
     "iloveyou12", "trustno1234", "welcome123", "0987654321", "abcdefghij", "passw0rd12"}
)  # fmt: skip
_MAX_LOCKOUT = timedelta(hours=1)


def check_password_policy(password: str, *, min_length: int, email: str = "") -> None:
    """Reject passwords that are short, trivially guessable, or the email itself."""
    if len(password) < min_length:
        raise WeakPasswordError(f"Password must be at least {min_length} characters long.")
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(password)) < 4:
        raise WeakPasswordError("That password is too easy to guess; choose a less common one.")
    if email and lowered == email.lower():
        raise WeakPasswordError("Password must not be your email address.")
    if re.fullmatch(r"\d+", password):
        raise WeakPasswordError("Password must not be digits only.")


@dataclass(frozen=True)
class NewSession:
    session: UserSession
    token: str


class LoginThrottler:
    """Backoff per account and per address after repeated failures.

    After ``max_failures`` consecutive failures a key is locked for ``base * 2**(extra)`` seconds
    (capped at one hour), doubling with each further failure; a success clears the account key.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._factory = factory
        self._max = settings.login_max_failures
        self._base = settings.login_lockout_base_seconds

    @staticmethod
    def keys(email: str, ip: str) -> list[str]:
        return [f"email:{email.strip().lower()}", f"ip:{ip}"]

    async def check(self, email: str, ip: str, now: datetime) -> None:
        async with transaction(self._factory) as session:
            rows = await AccountRepository(session).throttles(self.keys(email, ip))
        waits = [(row.locked_until - now).total_seconds() for row in rows if row.locked_until]
        wait = max([w for w in waits if w > 0], default=0.0)
        if wait > 0:
            raise LoginThrottledError(
                f"Too many failed log-ins. Try again in {int(wait) + 1} seconds.", retry_after=wait
            )

    async def record_failure(self, email: str, ip: str, now: datetime) -> None:
        async with transaction(self._factory) as session:
            repo = AccountRepository(session)
            for key in self.keys(email, ip):
                row = await repo.throttle(key)
                if row is None:
                    row = LoginThrottle(key=key, failures=0, updated_at=now)
                    session.add(row)
                row.failures += 1
                row.updated_at = now
                extra = row.failures - self._max
                if extra >= 0:
                    lock = min(timedelta(seconds=self._base * 2**extra), _MAX_LOCKOUT)
                    row.locked_until = now + lock

    async def record_success(self, email: str) -> None:
        async with transaction(self._factory) as session:
            await AccountRepository(session).clear_throttle(self.keys(email, "")[0])


class AccountService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repo = AccountRepository(session)

    # sign-up and log-in ---------------------------------------------------------------------
    async def signup(self, data: SignupIn, *, now: datetime | None = None) -> User:
        now = now or utcnow()
        email = data.email.lower()
        check_password_policy(
            data.password, min_length=self.settings.password_min_length, email=email
        )
        first_user = await self.repo.count_users() == 0
        invite: Invite | None = None
        if self.settings.invite_only and not first_user:
            invite = await self._usable_invite(data.invite_code, now)
        if await self.repo.user_by_email(email) is not None:
            raise EmailTakenError("An account with that email already exists.")
        user = User(
            email=email,
            display_name=data.display_name or email.split("@")[0],
            password_hash=security.hash_password(data.password),
            role=Role.ADMIN if first_user else Role.USER,
            password_changed_at=now,
        )
        self.session.add(user)
        await self.session.flush()
        if invite is not None:
            invite.used_by_id, invite.used_at = user.id, now
        return user

    async def authenticate(self, email: str, password: str) -> User:
        user = await self.repo.user_by_email(email.strip())
        ok = security.verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            raise InvalidCredentialsError()
        if security.needs_rehash(user.password_hash):
            user.password_hash = security.hash_password(password)
        return user

    async def change_password(
        self, user: User, current: str, new: str, keep_session_id: int
    ) -> None:
        if not security.verify_password(user.password_hash, current):
            raise WeakPasswordError("Your current password is not correct.")
        check_password_policy(new, min_length=self.settings.password_min_length, email=user.email)
        now = utcnow()
        user.password_hash = security.hash_password(new)
        user.password_changed_at = now
        # A changed password ends every other log-in: the point of changing it is often theft.
        await self.repo.revoke_sessions(user.id, now, except_id=keep_session_id)

    async def create_admin(self, email: str, password: str) -> User:
        user = await self.repo.user_by_email(email)
        check_password_policy(password, min_length=self.settings.password_min_length, email=email)
        if user is None:
            user = User(email=email.lower(), display_name=email.split("@")[0], password_hash="")
            self.session.add(user)
        user.password_hash = security.hash_password(password)
        user.role = Role.ADMIN
        user.is_active = True
        await self.session.flush()
        return user

    # sessions -------------------------------------------------------------------------------
    async def start_session(self, user: User, *, user_agent: str, ip: str) -> NewSession:
        now = utcnow()
        token = security.new_session_token()
        row = UserSession(
            user_id=user.id,
            token_hash=security.digest(token),
            expires_at=now + timedelta(hours=self.settings.session_ttl_hours),
            last_seen_at=now,
            user_agent=user_agent[:300],
            ip_address=ip[:64],
        )
        self.session.add(row)
        await self.session.flush()
        return NewSession(row, token)

    async def end_session(self, user_id: int, session_id: int) -> None:
        row = await self.repo.user_session(user_id, session_id)
        if row is None or row.revoked_at is not None:
            raise NotFoundError("No such session.")
        row.revoked_at = utcnow()

    async def end_other_sessions(self, user_id: int, keep_session_id: int | None) -> int:
        return await self.repo.revoke_sessions(user_id, utcnow(), except_id=keep_session_id)

    # API tokens -----------------------------------------------------------------------------
    async def create_token(self, user: User, data: ApiTokenCreate) -> tuple[ApiToken, str]:
        secret = security.new_api_token()
        expires = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
        row = ApiToken(
            user_id=user.id,
            name=data.name,
            token_hash=security.digest(secret),
            prefix=secret[:8],
            expires_at=expires,
        )
        self.session.add(row)
        await self.session.flush()
        return row, secret

    async def revoke_token(self, user_id: int, token_id: int) -> None:
        row = await self.repo.user_token(user_id, token_id)
        if row is None or row.revoked_at is not None:
            raise NotFoundError("No such API token.")
        row.revoked_at = utcnow()

    # invites (admin) ------------------------------------------------------------------------
    async def create_invite(self, admin: User, data: InviteCreate) -> Invite:
        self._require_admin(admin)
        expires = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
        row = Invite(
            code=security.new_invite_code(),
            note=data.note,
            created_by_id=admin.id,
            expires_at=expires,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def revoke_invite(self, admin: User, invite_id: int) -> None:
        self._require_admin(admin)
        row = await self.repo.invite_by_id(invite_id)
        if row is None or row.revoked_at is not None:
            raise NotFoundError("No such invite.")
        if row.used_at is not None:
            raise InviteRequiredError("That invite has already been used.")
        row.revoked_at = utcnow()

    async def list_invites(self, admin: User) -> list[Invite]:
        self._require_admin(admin)
        return list(await self.repo.invites())

    async def list_users(self, admin: User) -> list[User]:
        self._require_admin(admin)
        return list(await self.repo.list_users())

    async def _usable_invite(self, code: str, now: datetime) -> Invite:
        if not code:
            raise InviteRequiredError("Sign-up is by invitation; enter your invite code.")
        invite = await self.repo.invite_by_code(code)
        usable = (
            invite is not None
            and invite.revoked_at is None
            and invite.used_at is None
            and (invite.expires_at is None or invite.expires_at > now)
        )
        if not usable or invite is None:
            raise InviteRequiredError("That invite code is not valid, used or expired.")
        return invite

    @staticmethod
    def _require_admin(user: User) -> None:
        if not user.is_admin:
            raise AdminRequiredError()
