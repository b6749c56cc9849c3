"""Account use cases: sign-up, log-in with throttling, sessions, API tokens, invites.

Services flush but never commit; the request dependency commits. The one exception is the log-in
throttle: an attempt must be counted whatever its outcome, so ``LoginThrottler.attempt`` commits
its count at once — in the request's own session, never through a second connection.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.accounts import scopes, security
from aicoach.accounts.errors import (
    AdminRequiredError,
    EmailTakenError,
    InvalidCredentialsError,
    InviteRequiredError,
    LoginThrottledError,
    TokenScopeError,
    WeakPasswordError,
)
from aicoach.accounts.models import ApiToken, Invite, Role, User, UserSession
from aicoach.accounts.repository import AccountRepository
from aicoach.accounts.schemas import ApiTokenCreate, InviteCreate, SignupIn
from aicoach.accounts.scopes import Scope
from aicoach.config import Settings
from aicoach.errors import NotFoundError
from aicoach.kit.orm import utcnow

_COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password123", "1234567890", "qwertyuiop", "letmein123",
     "iloveyou12", "trustno1234", "welcome123", "0987654321", "abcdefghij", "passw0rd12"}
)  # fmt: skip
_MAX_LOCKOUT = timedelta(hours=1)
#: The claim the first sign-up takes: it makes that account the instance's administrator.
FIRST_ADMIN = "first_admin"


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
    """Backoff after repeated failed log-ins, per account *and address*, and per address.

    Two keys per attempt: ``acct:<email>|<address>`` (locks after ``login_max_failures``) and
    the looser ``ip:<address>`` (after ``login_address_max_failures``, so one address cannot try
    password after password across many accounts). An account locked from one address still
    opens from another: a lock-out is not a denial of service on its owner.

    Every attempt is counted *before* its password is checked, by one atomic statement per key
    (:meth:`AccountRepository.count_attempt`) in the request's own session, committed at once:
    parallel attempts never lose a count, and only the first ``max`` of them are checked. The
    attempt that reaches the limit locks its key for ``base * 2**extra`` seconds (``extra``:
    failures beyond the limit; capped at one hour); a locked key refuses attempts without
    counting them (they check no password). A success clears both keys.
    """

    def __init__(self, settings: Settings) -> None:
        self._account_max = settings.login_max_failures
        self._address_max = settings.login_address_max_failures
        self._base = settings.login_lockout_base_seconds
        self._serial = _KeyedLocks()

    @staticmethod
    def keys(email: str, ip: str) -> tuple[str, str]:
        """``(account+address key, address key)``."""
        return f"acct:{email.strip().lower()}|{ip}", f"ip:{ip}"

    def _locks(self, now: datetime) -> list[datetime]:
        """``now + base * 2**k`` for k = 0, 1, ... up to the first that reaches the cap."""
        locks: list[datetime] = []
        for extra in range(64):
            lock = min(timedelta(seconds=self._base * 2**extra), _MAX_LOCKOUT)
            locks.append(now + lock)
            if lock >= _MAX_LOCKOUT:
                break
        return locks

    @asynccontextmanager
    async def attempt(self, session: AsyncSession, email: str, ip: str) -> AsyncIterator[None]:
        """Around one log-in attempt: count it, or raise :class:`LoginThrottledError` (with
        ``Retry-After``) when a key is locked; the body checks the password and, when it is
        right, calls :meth:`succeeded`.

        The count is committed at once: it must stand whatever the password check says, and no
        row lock is held while the password is hashed. In this process, attempts on one
        account+address run one at a time (the next one sees the previous one's outcome): so
        parallel correct log-ins all succeed while parallel wrong ones stop at the limit. Across
        processes the atomic count alone bounds the attempts checked.
        """
        account_key, address_key = self.keys(email, ip)
        async with self._serial.hold(account_key):
            repo, now = AccountRepository(session), utcnow()
            locks = self._locks(now)
            # Account key first, then address key: every transaction takes the two row locks in
            # the same order, so concurrent attempts cannot deadlock.
            allowed = await repo.count_attempt(account_key, self._account_max, locks, now)
            if allowed:
                allowed = await repo.count_attempt(address_key, self._address_max, locks, now)
            until = None if allowed else await repo.locked_until([account_key, address_key])
            await session.commit()
            if not allowed:
                wait = max(1.0, ((until or now) - now).total_seconds())
                raise LoginThrottledError(
                    f"Too many failed log-ins. Try again in {int(wait) + 1} seconds.",
                    retry_after=wait,
                )
            yield
            await session.commit()  # the success's clean-up, before the next attempt reads it

    async def succeeded(self, session: AsyncSession, email: str, ip: str) -> None:
        """A correct password from this address clears both keys (in the request's session)."""
        await AccountRepository(session).clear_throttles(self.keys(email, ip))


class _KeyedLocks:
    """One :class:`asyncio.Lock` per key, dropped when no one holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class AccountService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repo = AccountRepository(session)

    # sign-up and log-in ---------------------------------------------------------------------
    async def signup(self, data: SignupIn, *, now: datetime | None = None) -> User:
        """A new account. Atomic against parallel sign-ups: the first admin is a claim row
        (exactly one sign-up takes it), the invite is spent by a conditional update (exactly
        one sign-up per invite), the email is decided by its unique constraint. On any error
        the caller must roll the transaction back (the claim and the invite go back with it)."""
        now = now or utcnow()
        email = data.email.lower()
        check_password_policy(
            data.password, min_length=self.settings.password_min_length, email=email
        )
        password_hash = await self._hash(data.password)  # before the transaction starts
        first_user = await self.repo.claim(FIRST_ADMIN, now)
        invite_id: int | None = None
        if self.settings.invite_only and not first_user:
            if not data.invite_code:
                raise InviteRequiredError("Sign-up is by invitation; enter your invite code.")
            invite_id = await self.repo.use_invite(data.invite_code, now)
            if invite_id is None:
                raise InviteRequiredError("That invite code is not valid, used or expired.")
        user = User(
            email=email,
            display_name=data.display_name or email.split("@")[0],
            password_hash=password_hash,
            role=Role.ADMIN if first_user else Role.USER,
            password_changed_at=now,
        )
        if await self.repo.user_by_email(email) is not None or not await self.repo.add_user(user):
            raise EmailTakenError("An account with that email already exists.")
        if invite_id is not None:
            await self.repo.set_invite_user(invite_id, user.id)
        return user

    async def authenticate(self, email: str, password: str) -> User:
        user = await self.repo.user_by_email(email.strip())
        await self._release_connection()
        ok = await self._verify(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            raise InvalidCredentialsError()
        if security.needs_rehash(user.password_hash):
            user.password_hash = await self._hash(password)
        return user

    async def change_password(
        self, user: User, current: str, new: str, keep_session_id: int | None
    ) -> None:
        await self._release_connection()
        if not await self._verify(user.password_hash, current):
            raise WeakPasswordError("Your current password is not correct.")
        check_password_policy(new, min_length=self.settings.password_min_length, email=user.email)
        new_hash = await self._hash(new)
        now = utcnow()
        user.password_hash = new_hash
        user.password_changed_at = now
        # A changed password ends every other log-in and every API token: the point of changing
        # it is often theft, and a token minted by the thief would outlive the new password.
        await self.repo.revoke_sessions(user.id, now, except_id=keep_session_id)
        await self.repo.revoke_tokens(user.id, now)

    async def create_admin(self, email: str, password: str) -> User:
        user = await self.repo.user_by_email(email)
        check_password_policy(password, min_length=self.settings.password_min_length, email=email)
        if user is None:
            user = User(email=email.lower(), display_name=email.split("@")[0], password_hash="")
            self.session.add(user)
        user.password_hash = await self._hash(password)
        user.role = Role.ADMIN
        user.is_active = True
        await self.session.flush()
        await self.repo.claim(FIRST_ADMIN, utcnow())  # no later sign-up becomes an admin
        return user

    # password hashing -----------------------------------------------------------------------
    async def _hash(self, password: str) -> str:
        return await security.hash_password_async(
            password, concurrency=self.settings.password_hash_concurrency
        )

    async def _verify(self, password_hash: str | None, password: str) -> bool:
        return await security.verify_password_async(
            password_hash, password, concurrency=self.settings.password_hash_concurrency
        )

    async def _release_connection(self) -> None:
        """End the read-only transaction so far, handing its connection back to the pool while
        a password is hashed (the one place a service commits: a burst of log-ins must not hold
        the pool through tens of milliseconds of argon2 each)."""
        if self.session.in_transaction():
            await self.session.commit()

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
        if Scope.ADMIN in data.scopes and not user.is_admin:
            raise TokenScopeError("Only an administrator can grant a token the admin scope.")
        secret = security.new_api_token()
        expires = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
        row = ApiToken(
            user_id=user.id,
            name=data.name,
            token_hash=security.digest(secret),
            prefix=secret[:8],
            expires_at=expires,
            scopes=scopes.encode(data.scopes),
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
        if row.used_at is not None or not await self.repo.revoke_invite(invite_id, utcnow()):
            raise InviteRequiredError("That invite has already been used.")

    async def list_invites(self, admin: User) -> list[Invite]:
        self._require_admin(admin)
        return list(await self.repo.invites())

    async def list_users(self, admin: User) -> list[User]:
        self._require_admin(admin)
        return list(await self.repo.list_users())

    @staticmethod
    def _require_admin(user: User) -> None:
        if not user.is_admin:
            raise AdminRequiredError()
