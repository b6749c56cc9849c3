"""Password hashing (argon2id), random tokens and their stored digests.

Argon2 is deliberately slow (tens of milliseconds of CPU and 64 MiB per hash): on the event loop
one log-in would stall every other request. The ``*_async`` functions run it on a small thread
pool instead (argon2-cffi releases the GIL), sized by ``PASSWORD_HASH_CONCURRENCY`` — the bound
on hashes computed at once, in the whole process; further ones wait their turn in the pool's
queue, holding no database connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

SESSION_COOKIE = "aicoach_session"
API_TOKEN_PREFIX = "aic_"  # noqa: S105 (a public prefix)

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps both failures equally slow.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-the-same-cost")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(concurrency: int) -> ThreadPoolExecutor:
    """The process's hashing pool for this bound (one per distinct setting; apps share it)."""
    with _pools_lock:
        pool = _pools.get(concurrency)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="argon2")
            _pools[concurrency] = pool
        return pool


async def hash_password_async(password: str, *, concurrency: int) -> str:
    """:func:`hash_password` on the hashing pool (at most ``concurrency`` at once)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(concurrency), hash_password, password)


async def verify_password_async(
    password_hash: str | None, password: str, *, concurrency: int
) -> bool:
    """:func:`verify_password` on the hashing pool (at most ``concurrency`` at once)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(concurrency), verify_password, password_hash, password)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """``aic_`` + 40 URL-safe characters; the prefix lets scanners and scrubbers spot leaks."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(30)


def new_invite_code() -> str:
    return secrets.token_urlsafe(12)


def digest(token: str) -> str:
    """SHA-256 hex of a high-entropy token (a KDF is pointless for 256-bit random values)."""
    return hashlib.sha256(token.encode()).hexdigest()
