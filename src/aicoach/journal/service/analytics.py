"""The dashboard, the patterns and the CSV export, read from the derived trades table.

The analytics core (``journal.analytics``) works on parallel numpy columns; they are filled
here straight from the table's columns (one query, no round-trip rebuild), with the trader's
planned-risk overrides applied to risk and R, and the tags from their own table.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import numpy as np

from aicoach.journal.analytics.arrays import EPOCH, TradeArrays
from aicoach.journal.analytics.dashboard import Dashboard, dashboard
from aicoach.journal.analytics.patterns import Finding, find_patterns
from aicoach.journal.repository import JournalRepository, TradeQuery
from aicoach.journal.schemas import TradeFilters
from aicoach.journal.service.codec import money, money_or_none
from aicoach.journal.service.filters import to_query
from aicoach.journal.service.trades import r_text
from aicoach.kit.clock import NEW_YORK

_DIRECTION: Final = {"debit": 1, "credit": -1, "even": 0}
_NUMBER: Final = re.compile(r"[+-]?\d+(?:\.\d+)?")
#: Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection").
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
EXPORT_COLUMNS: Final = (
    "id", "account", "underlying", "strategy", "strategy_label", "status", "direction",
    "opened_at", "closed_at", "quantity", "gross", "costs", "net", "realized_net",
    "planned_risk", "r_multiple", "tags", "notes",
)  # fmt: skip


def _codes(
    values: Sequence[str | None],
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], tuple[str, ...]]:
    names = tuple(sorted({v for v in values if v is not None}))
    where = {v: i for i, v in enumerate(names)}
    return np.array([where[v] if v is not None else -1 for v in values], dtype=np.int64), names


def _f(x: Decimal | float | None) -> float:
    return float("nan") if x is None else float(x)


def arrays_of(
    rows: Sequence[Any], accounts: dict[int, str], tags: dict[tuple[int, str], list[str]]
) -> TradeArrays:
    """``TradeArrays`` from ``repository.analytics_rows`` (units as in ``analytics.arrays``)."""
    n = len(rows)
    entries = [r.opened_at.astimezone(NEW_YORK) for r in rows]
    closes = [r.closed_at.astimezone(NEW_YORK) if r.closed_at is not None else None for r in rows]
    account, account_names = _codes([accounts.get(r.account_id, str(r.account_id)) for r in rows])
    symbol, symbol_names = _codes([r.underlying for r in rows])
    strategy, strategy_names = _codes([r.strategy for r in rows])
    level, level_names = _codes([r.level_context for r in rows])
    row_tags = [tags.get((r.account_id, r.id), []) for r in rows]
    tag_names = tuple(sorted({t for ts in row_tags for t in ts}))
    tag_at = {t: i for i, t in enumerate(tag_names)}
    matrix = np.zeros((n, len(tag_names)), dtype=bool)
    for i, ts in enumerate(row_tags):
        for t in ts:
            matrix[i, tag_at[t]] = True
    closed = np.array([r.status == "closed" for r in rows], dtype=bool)
    r_col = np.array([_f(r.r_effective) for r in rows], dtype=np.float64)
    return TradeArrays(
        ids=tuple(r.id for r in rows),
        account=account, symbol=symbol, strategy=strategy, level=level, tags=matrix,
        direction=np.array([_DIRECTION.get(r.direction, 0) for r in rows], dtype=np.int64),
        closed=closed,
        net_pnl=np.array([float(r.realized_net) for r in rows], dtype=np.float64),
        r=np.where(closed, r_col, np.nan),
        risk=np.array([_f(r.risk_effective) for r in rows], dtype=np.float64),
        size=np.array([abs(float(r.opening_gross)) for r in rows], dtype=np.float64),
        opened_s=np.array([r.opened_at.astimezone(UTC).timestamp() for r in rows],
                          dtype=np.float64),
        closed_s=np.array([c.timestamp() if c else np.nan for c in closes], dtype=np.float64),
        entry_hour=np.array([e.hour for e in entries], dtype=np.int64),
        entry_weekday=np.array([e.weekday() for e in entries], dtype=np.int64),
        entry_day=np.array([(e.date() - EPOCH).days for e in entries], dtype=np.int64),
        close_day=np.array([(c.date() - EPOCH).days if c else -1 for c in closes], dtype=np.int64),
        dte=np.array([_f(r.dte_at_entry) for r in rows], dtype=np.float64),
        iv_rank=np.array([_f(r.iv_rank_at_entry) for r in rows], dtype=np.float64),
        delta=np.array([_f(r.delta_at_entry) for r in rows], dtype=np.float64),
        account_names=account_names, symbol_names=symbol_names, strategy_names=strategy_names,
        level_names=level_names, tag_names=tag_names,
    )  # fmt: skip


def _neutral(cell: str) -> str:
    """A text cell a spreadsheet would execute gets a leading quote; plain numbers (``-52.00``)
    stay numbers — a spreadsheet does not run those."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class AnalyticsService:
    def __init__(self, repo: JournalRepository) -> None:
        self.repo = repo

    async def arrays(self, user_id: int, q: TradeQuery) -> tuple[TradeArrays, Sequence[Any]]:
        rows = await self.repo.analytics_rows(user_id, q)
        accounts = {a.id: a.name for a, _, _ in await self.repo.accounts(user_id)}
        wanted = {(r.account_id, r.id) for r in rows}
        tags: dict[tuple[int, str], list[str]] = {}
        for account_id, trade_id, name in await self.repo.user_tags(user_id):
            if (account_id, trade_id) in wanted:
                tags.setdefault((account_id, trade_id), []).append(name)
        return arrays_of(rows, accounts, tags), rows

    async def dashboard(self, user_id: int, f: TradeFilters) -> tuple[Dashboard, TradeArrays]:
        a, _ = await self.arrays(user_id, to_query(f))
        return dashboard(a), a

    async def stats(self, user_id: int, f: TradeFilters) -> dict[str, Any]:
        d, a = await self.dashboard(user_id, f)
        closed = int(a.closed.sum())
        return {
            "filters": f.echo(),
            "trades": {"total": a.n, "closed": closed, "open": a.n - closed},
            **d.to_dict(),
        }

    async def patterns(self, user_id: int, f: TradeFilters) -> tuple[Finding, ...]:
        a, _ = await self.arrays(user_id, to_query(f))
        return find_patterns(a)

    async def export_csv(self, user_id: int, f: TradeFilters) -> str:
        """Every trade ``f`` keeps, newest first, one row each (formula cells neutralised)."""
        q = to_query(f)
        rows = await self.repo.trade_page(user_id, q, sort="opened_at", descending=True,
                                          limit=1_000_000, offset=0)  # fmt: skip
        tags = await self.repo.tags_of([(t.account_id, t.id) for t, *_ in rows])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for t, account, risk, r, notes in rows:
            cells = [
                t.id, account, t.underlying, t.strategy, t.strategy_label, t.status,
                t.direction, _iso(t.opened_at), _iso(t.closed_at), t.quantity_label,
                money(t.gross), money(t.costs), money(t.net), money(t.realized_net),
                money_or_none(risk) or "", r_text(r) or "",
                " ".join(x.name for x in tags.get((t.account_id, t.id), [])), notes,
            ]  # fmt: skip
            writer.writerow([_neutral(str(c)) for c in cells])
        return out.getvalue()


def _iso(at: datetime | None) -> str:
    return "" if at is None else at.isoformat()
