"""instance claims: the first sign-up's admin role, claimed atomically

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00

An instance that already has accounts has had its first admin: the claim is recorded for it, so
no later sign-up becomes an admin.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import aicoach.kit.orm

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_claims",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("claimed_at", aicoach.kit.orm.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_claims")),
    )
    op.execute(
        "INSERT INTO instance_claims (name, claimed_at) "
        "SELECT 'first_admin', MIN(created_at) FROM users HAVING COUNT(*) > 0"
    )


def downgrade() -> None:
    op.drop_table("instance_claims")
