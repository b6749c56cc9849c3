"""position close: when a strategy was closed, each leg's close price, the realized P&L

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-03 10:00:00.000000

Only nullable columns are added (``NULL`` = still open), so existing rows need no backfill and
no table is rebuilt. It depends on nothing but the positions tables of 0003: when it is rebased
onto a later head, only ``down_revision`` changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import aicoach.kit.orm

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "strategies",
        sa.Column("closed_at", aicoach.kit.orm.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "strategies", sa.Column("realized_pnl", sa.Numeric(precision=18, scale=6), nullable=True)
    )
    op.add_column(
        "positions",
        sa.Column("closed_at", aicoach.kit.orm.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "positions", sa.Column("close_price", sa.Numeric(precision=18, scale=6), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_column("close_price")
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("strategies", schema=None) as batch_op:
        batch_op.drop_column("realized_pnl")
        batch_op.drop_column("closed_at")
