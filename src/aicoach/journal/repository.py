"""Queries for the journal, always scoped by the owner's ``user_id`` (or by an account the caller
has already checked belongs to them).

Bulk paths read and write plain column tuples and dicts, not ORM objects: a commit of 100,000
executions would spend seconds building and tracking ORM instances it never needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from aicoach.journal.models import (
    BrokerAccount,
    ExecutionRow,
    JournalImport,
    SavedMapping,
    TradeAnnotation,
    TradeRow,
    TradeTag,
)
from aicoach.kit.orm import add_unless_taken

#: Rows per statement for ``IN (...)`` look-ups and multi-row inserts (under SQLite's and
#: asyncpg's bind-parameter limits for the widest row).
CHUNK = 1000
EXECUTION_COLUMNS = (
    ExecutionRow.fingerprint, ExecutionRow.executed_at, ExecutionRow.asset_kind,
    ExecutionRow.underlying, ExecutionRow.root, ExecutionRow.expiration, ExecutionRow.strike,
    ExecutionRow.right, ExecutionRow.multiplier, ExecutionRow.quantity, ExecutionRow.price,
    ExecutionRow.commission, ExecutionRow.fees, ExecutionRow.effect, ExecutionRow.kind,
    ExecutionRow.order_id, ExecutionRow.time_known, ExecutionRow.row, ExecutionRow.raw,
    ExecutionRow.import_id,
)  # fmt: skip
SortKey = Literal["opened_at", "closed_at", "net", "symbol", "r"]


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True, slots=True)
class TradeQuery:
    """Which trades a list, the stats or an export covers. ``start``/``end`` bound the trade's
    ``period_at`` (its close time once closed, else its open time) as UTC instants."""

    account_id: int | None = None
    symbols: frozenset[str] | None = None
    strategies: frozenset[str] | None = None
    tag: str | None = None
    status: Literal["open", "closed"] | None = None
    side: Literal["credit", "debit"] | None = None
    start: datetime | None = None
    end: datetime | None = None


def effective_risk() -> ColumnElement[Any]:
    """The trader's planned-risk override when set, else the structure's."""
    return func.coalesce(TradeAnnotation.planned_risk, TradeRow.planned_risk)


def effective_r() -> ColumnElement[Any]:
    """R of a closed trade against the effective planned risk (the stored R when no override)."""
    override = and_(
        TradeAnnotation.planned_risk.is_not(None),
        TradeAnnotation.planned_risk > 0,
        TradeRow.status == "closed",
    )
    return case(
        (override, TradeRow.realized_net / TradeAnnotation.planned_risk),
        else_=TradeRow.r_multiple,
    )


_ANNOTATION_JOIN = and_(
    TradeAnnotation.account_id == TradeRow.account_id, TradeAnnotation.trade_id == TradeRow.id
)


class JournalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # --- accounts ------------------------------------------------------------------------------

    async def accounts(self, user_id: int) -> list[tuple[BrokerAccount, int, int]]:
        """Each account with its trade and execution counts, by name."""
        trades = (
            select(func.count()).where(TradeRow.account_id == BrokerAccount.id).scalar_subquery()
        )
        executions = (
            select(func.count())
            .where(ExecutionRow.account_id == BrokerAccount.id)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(BrokerAccount, trades, executions)
            .where(BrokerAccount.user_id == user_id)
            .order_by(BrokerAccount.name, BrokerAccount.id)
        )
        return [(a, int(t or 0), int(e or 0)) for a, t, e in rows]

    async def account_versions(self, user_id: int) -> list[tuple[int, str, int, datetime]]:
        """(id, name, revision, created_at) of each account: what the analytics cache is keyed
        on. ``created_at`` tells two accounts apart that had the same id: ids can come back
        after a deletion (SQLite reuses the highest rowid) or a restore."""
        rows = await self.session.execute(
            select(
                BrokerAccount.id, BrokerAccount.name, BrokerAccount.revision,
                BrokerAccount.created_at,
            )
            .where(BrokerAccount.user_id == user_id)
            .order_by(BrokerAccount.id)
        )  # fmt: skip
        return [(int(i), str(n), int(r), c) for i, n, r, c in rows]

    async def account(self, user_id: int, account_id: int) -> BrokerAccount | None:
        return await self.session.scalar(
            select(BrokerAccount).where(
                BrokerAccount.user_id == user_id, BrokerAccount.id == account_id
            )
        )

    async def account_named(self, user_id: int, name: str) -> BrokerAccount | None:
        return await self.session.scalar(
            select(BrokerAccount).where(
                BrokerAccount.user_id == user_id, BrokerAccount.name == name
            )
        )

    async def account_counts(self, account_id: int) -> tuple[int, int]:
        trades = await self.session.scalar(
            select(func.count()).select_from(TradeRow).where(TradeRow.account_id == account_id)
        )
        executions = await self.session.scalar(
            select(func.count())
            .select_from(ExecutionRow)
            .where(ExecutionRow.account_id == account_id)
        )
        return int(trades or 0), int(executions or 0)

    async def bump_revision(self, account_id: int) -> int:
        """Take the account's write lock for this transaction; the revision before the bump."""
        new = await self.session.scalar(
            update(BrokerAccount)
            .where(BrokerAccount.id == account_id)
            .values(revision=BrokerAccount.revision + 1)
            .returning(BrokerAccount.revision)
        )
        if new is None:
            raise LookupError(f"account {account_id} is gone")
        return int(new) - 1

    async def revision(self, account_id: int) -> int:
        value = await self.session.scalar(
            select(BrokerAccount.revision).where(BrokerAccount.id == account_id)
        )
        return int(value or 0)

    async def upload_paths(self, account_id: int) -> list[str]:
        rows = await self.session.scalars(
            select(JournalImport.stored_path).where(
                JournalImport.account_id == account_id, JournalImport.stored_path.is_not(None)
            )
        )
        return [p for p in rows if p]

    async def add(self, row: Any) -> None:
        self.session.add(row)
        await self.session.flush()

    async def add_unless_taken(self, row: Any) -> bool:
        return await add_unless_taken(self.session, row)

    async def delete(self, row: Any) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def delete_account(self, account_id: int) -> None:
        """The account and everything in it (foreign keys cascade on both backends, but the
        derived and annotation tables are removed explicitly so the order never matters)."""
        for table in (TradeTag, TradeAnnotation, TradeRow, ExecutionRow, JournalImport):
            await self.session.execute(delete(table).where(table.account_id == account_id))
        await self.session.execute(delete(BrokerAccount).where(BrokerAccount.id == account_id))

    # --- imports -------------------------------------------------------------------------------

    async def import_(self, user_id: int, import_id: int) -> JournalImport | None:
        return await self.session.scalar(
            select(JournalImport).where(
                JournalImport.user_id == user_id, JournalImport.id == import_id
            )
        )

    async def import_by_id(self, import_id: int) -> JournalImport | None:
        """For the background job (it runs on behalf of the import's owner)."""
        return await self.session.get(JournalImport, import_id)

    async def imports(self, user_id: int, limit: int = 200) -> list[JournalImport]:
        rows = await self.session.scalars(
            select(JournalImport)
            .where(JournalImport.user_id == user_id)
            .order_by(JournalImport.created_at.desc(), JournalImport.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def claim_import(self, import_id: int, *, from_status: str, to_status: str) -> bool:
        """Move an import between states only if it is in ``from_status`` (one conditional
        UPDATE, so two commits of one import can never both start)."""
        result = await self.session.execute(
            update(JournalImport)
            .where(JournalImport.id == import_id, JournalImport.status == from_status)
            .values(status=to_status)
            .returning(JournalImport.id)
        )
        return result.first() is not None

    async def set_import(self, import_id: int, **values: Any) -> None:
        await self.session.execute(
            update(JournalImport).where(JournalImport.id == import_id).values(**values)
        )

    # --- executions ----------------------------------------------------------------------------

    async def known_fingerprints(self, account_id: int, fingerprints: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(list(fingerprints)):
            rows = await self.session.scalars(
                select(ExecutionRow.fingerprint).where(
                    ExecutionRow.account_id == account_id, ExecutionRow.fingerprint.in_(part)
                )
            )
            found.update(rows)
        return found

    async def execution_rows(self, account_id: int) -> Sequence[Any]:
        """Every execution of the account as column tuples (``EXECUTION_COLUMNS``)."""
        result = await self.session.execute(
            select(*EXECUTION_COLUMNS)
            .where(ExecutionRow.account_id == account_id)
            .order_by(ExecutionRow.executed_at, ExecutionRow.id)
        )
        return result.all()

    async def insert_executions(self, values: Sequence[dict[str, Any]]) -> None:
        """Insert, skipping a fingerprint the account already has (a concurrent import of an
        overlapping file lands each row once)."""
        if not values:
            return
        table = ExecutionRow.__table__
        assert isinstance(table, Table)
        # On the table, not the entity: Core's executemany, without the ORM's bulk bookkeeping.
        ins = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)
        stmt = ins.on_conflict_do_nothing(index_elements=["account_id", "fingerprint"])
        for part in _chunks(values):
            await self.session.execute(stmt, list(part))

    async def count_import_executions(self, import_id: int) -> int:
        n = await self.session.scalar(
            select(func.count())
            .select_from(ExecutionRow)
            .where(ExecutionRow.import_id == import_id)
        )
        return int(n or 0)

    # --- trades (the derived table) ------------------------------------------------------------

    async def trade_digests(self, account_id: int) -> dict[str, tuple[str, bool]]:
        """Trade id → (digest, has enrichment) for one account."""
        rows = await self.session.execute(
            select(TradeRow.id, TradeRow.digest, TradeRow.enrichment.is_not(None)).where(
                TradeRow.account_id == account_id
            )
        )
        return {i: (d, bool(e)) for i, d, e in rows}

    async def insert_trades(self, values: Sequence[dict[str, Any]]) -> None:
        # Core insert (executemany): the ORM's bulk path would rebuild every dict first.
        table = TradeRow.__table__
        assert isinstance(table, Table)
        for part in _chunks(values, 500):
            await self.session.execute(insert(table), list(part))

    async def update_trades(self, values: Sequence[dict[str, Any]]) -> None:
        """Rewrite changed trades by primary key (an ORM bulk UPDATE: one executemany)."""
        for part in _chunks(values, 500):
            await self.session.execute(update(TradeRow), list(part))

    async def delete_trades(self, ids: Sequence[str]) -> None:
        for part in _chunks(list(ids)):
            await self.session.execute(delete(TradeRow).where(TradeRow.id.in_(part)))

    async def set_enrichment(self, values: Sequence[dict[str, Any]]) -> None:
        await self.update_trades(values)

    async def trade_entries(
        self, user_id: int | None, account_id: int | None = None
    ) -> Sequence[Any]:
        """(id, underlying, opened_at, legs) of trades to enrich (a user's, an account's, all)."""
        q = select(TradeRow.id, TradeRow.underlying, TradeRow.opened_at, TradeRow.legs)
        if user_id is not None:
            q = q.where(TradeRow.user_id == user_id)
        if account_id is not None:
            q = q.where(TradeRow.account_id == account_id)
        return (await self.session.execute(q.order_by(TradeRow.opened_at))).all()

    def _filtered(self, q: Select[Any], user_id: int, f: TradeQuery) -> Select[Any]:
        q = q.where(TradeRow.user_id == user_id)
        if f.account_id is not None:
            q = q.where(TradeRow.account_id == f.account_id)
        if f.symbols is not None:
            q = q.where(TradeRow.underlying.in_(sorted(f.symbols)))
        if f.strategies is not None:
            q = q.where(TradeRow.strategy.in_(sorted(f.strategies)))
        if f.status == "closed":
            q = q.where(TradeRow.status == "closed")
        elif f.status == "open":
            q = q.where(TradeRow.status != "closed")
        if f.side is not None:
            q = q.where(TradeRow.direction == f.side)
        if f.start is not None:
            q = q.where(TradeRow.period_at >= f.start)
        if f.end is not None:
            q = q.where(TradeRow.period_at < f.end)
        if f.tag is not None:
            q = q.where(
                exists().where(
                    TradeTag.account_id == TradeRow.account_id,
                    TradeTag.trade_id == TradeRow.id,
                    TradeTag.name == f.tag,
                )
            )
        return q

    async def count_trades(self, user_id: int, f: TradeQuery) -> int:
        q = self._filtered(select(func.count()).select_from(TradeRow), user_id, f)
        return int(await self.session.scalar(q) or 0)

    async def trade_page(
        self, user_id: int, f: TradeQuery, *, sort: SortKey, descending: bool, limit: int,
        offset: int,
    ) -> Sequence[Any]:  # fmt: skip
        """(TradeRow, account name, effective risk, effective R, notes) per trade of the page.

        Two steps: the page's ids are sorted on narrow rows (sorting whole rows would drag
        every trade's legs JSON through the sorter), then those trades are read in full."""
        r = effective_r()
        keys: dict[str, Any] = {
            "opened_at": TradeRow.opened_at, "closed_at": TradeRow.closed_at,
            "net": TradeRow.realized_net, "symbol": TradeRow.underlying, "r": r,
        }  # fmt: skip
        key = keys[sort]
        ordered = key.desc() if descending else key.asc()
        q = select(TradeRow.id)
        if sort == "r":
            q = q.outerjoin(TradeAnnotation, _ANNOTATION_JOIN)
        q = self._filtered(q, user_id, f)
        if sort in ("closed_at", "r"):  # unknown values (open, no R) sort last either way
            q = q.order_by(key.is_(None), ordered, TradeRow.opened_at.desc(), TradeRow.id)
        elif sort == "opened_at":  # never null: the (user, opened_at) index serves the page
            q = q.order_by(ordered, TradeRow.id.desc() if descending else TradeRow.id)
        else:
            q = q.order_by(ordered, TradeRow.opened_at.desc(), TradeRow.id)
        ids = list(await self.session.scalars(q.limit(limit).offset(offset)))
        if not ids:
            return []
        full = (
            select(
                TradeRow,
                BrokerAccount.name,
                effective_risk(),
                r,
                func.coalesce(TradeAnnotation.notes, literal("")),
            )
            .join(BrokerAccount, BrokerAccount.id == TradeRow.account_id)
            .outerjoin(TradeAnnotation, _ANNOTATION_JOIN)
        )
        rows: list[Any] = []
        for part in _chunks(ids):
            result = await self.session.execute(full.where(TradeRow.id.in_(list(part))))
            rows.extend(result.all())
        at = {row[0].id: row for row in rows}
        return [at[i] for i in ids if i in at]

    async def analytics_rows(self, user_id: int, f: TradeQuery) -> Sequence[Any]:
        """The columns the analytics read, for every trade ``f`` keeps (open ones included:
        the analytics keep closed trades themselves). Money comes as floats and times as the
        driver returns them (text on SQLite), parsed in bulk by the caller: per-value
        ``Decimal`` and datetime conversion was most of a 10,000-trade read."""

        def real(col: Any) -> Any:
            return cast(col, Float).label(getattr(col, "key", None) or "value")

        q = select(
            TradeRow.id, TradeRow.account_id, TradeRow.underlying, TradeRow.strategy,
            TradeRow.direction, TradeRow.status, real(TradeRow.realized_net),
            cast(effective_r(), Float).label("r_effective"),
            cast(effective_risk(), Float).label("risk_effective"), real(TradeRow.opening_gross),
            type_coerce(TradeRow.opened_at, String).label("opened_at"),
            type_coerce(TradeRow.closed_at, String).label("closed_at"),
            TradeRow.dte_at_entry, TradeRow.iv_rank_at_entry, TradeRow.delta_at_entry,
            TradeRow.level_context, TradeRow.strategy_label,
        ).outerjoin(TradeAnnotation, _ANNOTATION_JOIN)  # fmt: skip
        q = self._filtered(q, user_id, f).order_by(TradeRow.opened_at, TradeRow.id)
        return (await self.session.execute(q)).all()

    async def trade(self, user_id: int, trade_id: str) -> TradeRow | None:
        return await self.session.scalar(
            select(TradeRow).where(TradeRow.user_id == user_id, TradeRow.id == trade_id)
        )

    async def trades_by_ids(self, user_id: int, ids: Sequence[str]) -> list[TradeRow]:
        if not ids:
            return []
        rows = await self.session.scalars(
            select(TradeRow).where(TradeRow.user_id == user_id, TradeRow.id.in_(list(ids)))
        )
        found = {t.id: t for t in rows}
        return [found[i] for i in ids if i in found]

    # --- annotations and tags ------------------------------------------------------------------

    async def annotation(self, account_id: int, trade_id: str) -> TradeAnnotation | None:
        return await self.session.get(TradeAnnotation, (account_id, trade_id))

    async def tags_of(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], list[TradeTag]]:
        """Tags per ``(account_id, trade_id)``, by name."""
        out: dict[tuple[int, str], list[TradeTag]] = {}
        by_account: dict[int, list[str]] = {}
        for account_id, trade_id in keys:
            by_account.setdefault(account_id, []).append(trade_id)
        for account_id, ids in by_account.items():
            for part in _chunks(ids):
                rows = await self.session.scalars(
                    select(TradeTag)
                    .where(TradeTag.account_id == account_id, TradeTag.trade_id.in_(part))
                    .order_by(TradeTag.name)
                )
                for tag in rows:
                    out.setdefault((tag.account_id, tag.trade_id), []).append(tag)
        return out

    async def user_tags(self, user_id: int) -> Sequence[Any]:
        """(account_id, trade_id, name) of every tag of the user."""
        result = await self.session.execute(
            select(TradeTag.account_id, TradeTag.trade_id, TradeTag.name).where(
                TradeTag.user_id == user_id
            )
        )
        return result.all()

    async def replace_tags(
        self, user_id: int, account_id: int, trade_id: str, tags: Sequence[tuple[str, str]]
    ) -> None:
        await self.session.execute(
            delete(TradeTag).where(TradeTag.account_id == account_id, TradeTag.trade_id == trade_id)
        )
        for name, kind in tags:
            self.session.add(
                TradeTag(account_id=account_id, trade_id=trade_id, name=name, kind=kind,
                         user_id=user_id)
            )  # fmt: skip
        await self.session.flush()

    # --- mappings ------------------------------------------------------------------------------

    async def mappings(self, user_id: int) -> list[SavedMapping]:
        rows = await self.session.scalars(
            select(SavedMapping)
            .where(SavedMapping.user_id == user_id)
            .order_by(SavedMapping.name, SavedMapping.id)
        )
        return list(rows)

    async def mapping(self, user_id: int, mapping_id: int) -> SavedMapping | None:
        return await self.session.scalar(
            select(SavedMapping).where(
                SavedMapping.user_id == user_id, SavedMapping.id == mapping_id
            )
        )

    async def mapping_named(self, user_id: int, name: str) -> SavedMapping | None:
        return await self.session.scalar(
            select(SavedMapping).where(SavedMapping.user_id == user_id, SavedMapping.name == name)
        )
