"""Users, server-side sessions, personal API tokens, invites and log-in throttles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from aicoach.kit.orm import Base, CreatedAtMixin, IdMixin


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class User(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.USER,
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class UserSession(IdMixin, CreatedAtMixin, Base):
    """A browser log-in. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(IdMixin, CreatedAtMixin, Base):
    """A personal API token for ``Authorization: Bearer``; shown once, stored as SHA-256."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Space-separated, expanded (see ``accounts.scopes``): "read", "read trade", "read trade admin".
    scopes: Mapped[str] = mapped_column(String(64), default="read", server_default="read")


class Invite(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "invites"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class InstanceClaim(Base):
    """A once-per-instance role, taken by inserting its row: the primary key lets exactly one
    transaction have it (``first_admin``: the first sign-up becomes the administrator)."""

    __tablename__ = "instance_claims"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    claimed_at: Mapped[datetime]


class LoginThrottle(Base):
    """Consecutive failed log-ins for one key (``email:<addr>`` or ``ip:<addr>``)."""

    __tablename__ = "login_throttles"
    __table_args__ = (Index("ix_login_throttles_locked_until", "locked_until"),)

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]
