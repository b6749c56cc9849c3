"""token scopes: api_tokens.scopes (read, trade, admin)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 05:30:00

Tokens made before scopes existed could do everything their owner could, so they keep that:
``read trade`` for every token, ``read trade admin`` for an administrator's. New tokens default
to ``read``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=64), server_default="read", nullable=False)
        )
    op.execute("UPDATE api_tokens SET scopes = 'read trade'")
    op.execute(
        "UPDATE api_tokens SET scopes = 'read trade admin' "
        "WHERE user_id IN (SELECT id FROM users WHERE role = 'admin')"
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")
