"""The platform's table of ``Idempotency-Key`` requests (see :mod:`aicoach.web.idempotency`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aicoach.kit.orm import Base, CreatedAtMixin, IdMixin


class IdempotentRequest(IdMixin, CreatedAtMixin, Base):
    """One create sent with a key: ``owner`` is the SHA-256 of the caller's credential (session
    cookie or API token), so a key is the caller's own; ``user_id`` is filled once the request
    has run (the row goes with the account). ``status_code`` is ``None`` while it runs."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (
        UniqueConstraint("owner", "key", name="uq_idempotent_requests_owner_key"),
        Index("ix_idempotent_requests_expires_at", "expires_at"),
    )

    owner: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None, index=True
    )
    status_code: Mapped[int | None] = mapped_column(default=None)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(2000), default="")
    body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    expires_at: Mapped[datetime]
