"""The journal's tables: broker accounts, imports, executions, the trades built from them, the
trader's notes and tags on those trades, and saved column mappings.

* **Executions are the source of truth** and are immutable: one row per imported fill (or
  expiration/assignment/exercise), with the file's row number and raw text, and a content
  fingerprint that is UNIQUE per account — so re-importing a file, or an export whose range
  overlaps an earlier one, adds nothing twice. Every ``journal.core.Execution`` field is a column;
  money and quantities are ``Numeric(18, 6)`` (``Decimal``).
* **Trades are derived**: ``journal.core.roundtrips.build_trades`` over the account's
  executions, rebuilt for that account in the same transaction as each commit or manual entry.
  The table exists for reads: the Journal tab filters, sorts and pages 10,000 trades per
  request, and the stats read a handful of columns of them — rebuilding round trips from
  100,000 executions on every request would take seconds. A trade's ``id`` is the builder's
  stable id (a hash of the account and the trade's first opening fill), so it survives rebuilds;
  ``digest`` lets a rebuild rewrite only the trades that changed.
* **Annotations and tags** (the trader's words) live in their own tables keyed by
  ``(account_id, trade_id)``, never on the derived rows, so a rebuild can delete and re-create
  trades without losing a note. A note on a trade that a later import no longer forms (rare:
  a corrected fill) is kept, unattached, until the trade comes back.
* **Enrichment at entry** (DTE, underlying price, IV, delta, IV rank, expected move, level
  context) is computed once when the trade first appears and kept across rebuilds; the columns
  the analytics filter on are copied out of the JSON (``dte_at_entry`` …).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from aicoach.kit.orm import Base, CreatedAtMixin, IdMixin

MONEY = Numeric(18, 6, asdecimal=True)
IMPORT_STATUSES = ("previewed", "committing", "committed", "failed")


class BrokerAccount(IdMixin, CreatedAtMixin, Base):
    """A trader's account at a broker, named by the trader ("IBKR main"), unique per trader.

    ``revision`` counts the commits into the account: a commit bumps it first thing in its
    transaction, which also serialises commits into one account (a row lock on PostgreSQL, the
    write lock on SQLite) so two imports never rebuild the trades from different executions."""

    __tablename__ = "journal_accounts"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    broker: Mapped[str] = mapped_column(String(40), default="")
    revision: Mapped[int] = mapped_column(default=0)


class JournalImport(IdMixin, CreatedAtMixin, Base):
    """One uploaded file: previewed, then committed (inline, or by the background job).

    ``stored_path`` is the decoded upload under the data dir (relative to it), kept until the
    commit lands so the commit (or the job) parses exactly what was previewed. ``preview`` is the
    preview body (errors, first executions, trade summary), so polling costs no re-parse."""

    __tablename__ = "journal_imports"
    __table_args__ = (
        CheckConstraint(
            "status IN ('previewed', 'committing', 'committed', 'failed')", name="status_known"
        ),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("journal_accounts.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(40))
    format_label: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="previewed")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_parsed: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)
    rows_error: Mapped[int] = mapped_column(default=0)
    rows_skipped: Mapped[int] = mapped_column(default=0)
    rows_added: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    progress_phase: Mapped[str] = mapped_column(String(20), default="")
    stored_path: Mapped[str | None] = mapped_column(String(500), default=None)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    preview: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    committed_at: Mapped[datetime | None] = mapped_column(default=None)


class ExecutionRow(IdMixin, Base):
    """One imported execution (immutable); the fields of ``journal.core.Execution``."""

    __tablename__ = "journal_executions"
    __table_args__ = (
        UniqueConstraint("account_id", "fingerprint"),
        Index("ix_journal_executions_account_time", "account_id", "executed_at"),
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("journal_accounts.id", ondelete="CASCADE"))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_imports.id", ondelete="SET NULL"), index=True, default=None
    )
    row: Mapped[int] = mapped_column(default=0)
    raw: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    executed_at: Mapped[datetime]
    asset_kind: Mapped[str] = mapped_column(String(8))
    underlying: Mapped[str] = mapped_column(String(20))
    root: Mapped[str] = mapped_column(String(20), default="")
    expiration: Mapped[date | None] = mapped_column(default=None)
    strike: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    right: Mapped[str | None] = mapped_column(String(4), default=None)
    multiplier: Mapped[int] = mapped_column(default=1)
    quantity: Mapped[Decimal] = mapped_column(MONEY)
    price: Mapped[Decimal] = mapped_column(MONEY)
    commission: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    fees: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    effect: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))
    order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    time_known: Mapped[bool] = mapped_column(default=True)


class TradeRow(Base):
    """One round trip as ``build_trades`` made it (module docstring: why it is stored)."""

    __tablename__ = "journal_trades"
    __table_args__ = (
        Index("ix_journal_trades_user_opened", "user_id", "opened_at"),
        Index("ix_journal_trades_user_closed", "user_id", "closed_at"),
        Index("ix_journal_trades_user_underlying", "user_id", "underlying"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("journal_accounts.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(40))
    underlying: Mapped[str] = mapped_column(String(20))
    strategy: Mapped[str] = mapped_column(String(40))
    strategy_label: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The trade's close date for closed trades, else its open date: what date filters use.
    period_at: Mapped[datetime]
    quantity_label: Mapped[str] = mapped_column(String(60))
    campaign_id: Mapped[str] = mapped_column(String(64))
    gross: Mapped[Decimal] = mapped_column(MONEY)
    costs: Mapped[Decimal] = mapped_column(MONEY)
    net: Mapped[Decimal] = mapped_column(MONEY)
    realized_gross: Mapped[Decimal] = mapped_column(MONEY)
    realized_net: Mapped[Decimal] = mapped_column(MONEY)
    open_cash: Mapped[Decimal] = mapped_column(MONEY)
    opening_gross: Mapped[Decimal] = mapped_column(MONEY)
    planned_risk: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    planned_risk_note: Mapped[str] = mapped_column(String(300), default="")
    r_multiple: Mapped[Decimal | None] = mapped_column(MONEY, default=None)
    #: Legs with their fills, and the campaign, as the detail view shows them.
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    campaign: Mapped[dict[str, Any]] = mapped_column(JSON)
    enrichment: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    dte_at_entry: Mapped[float | None] = mapped_column(Float, default=None)
    iv_rank_at_entry: Mapped[float | None] = mapped_column(Float, default=None)
    delta_at_entry: Mapped[float | None] = mapped_column(Float, default=None)
    level_context: Mapped[str | None] = mapped_column(String(80), default=None)


class TradeAnnotation(Base):
    """The trader's notes and planned-risk override on a trade (survives every rebuild)."""

    __tablename__ = "journal_annotations"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("journal_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    trade_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    planned_risk: Mapped[Decimal | None] = mapped_column(MONEY, default=None)


class TradeTag(Base):
    """One tag on a trade: ``kind`` setup | mistake | custom (survives every rebuild)."""

    __tablename__ = "journal_tags"
    __table_args__ = (
        CheckConstraint("kind IN ('setup', 'mistake', 'custom')", name="kind_known"),
        Index("ix_journal_tags_user_name", "user_id", "name"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("journal_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    trade_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8), default="custom")


class SavedMapping(IdMixin, CreatedAtMixin, Base):
    """A generic-CSV column mapping the trader saved under a name (unique per trader)."""

    __tablename__ = "journal_mappings"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
