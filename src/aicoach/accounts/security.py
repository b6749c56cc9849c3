"""Password hashing (argon2id), random tokens and their stored digests."""

from __future__ import annotations

import hashlib
import secrets

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
