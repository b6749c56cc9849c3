"""The dashboard, the patterns and the CSV export, read from the derived trades table.

The analytics core (``journal.analytics``) works on parallel numpy columns; they are filled
here straight from the table's columns (one query, no round-trip rebuild), with the trader's
planned-risk overrides applied to risk and R, and the tags from their own table.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pandas as pd

from aicoach.journal.analytics.arrays import EPOCH, TradeArrays
from aicoach.journal.analytics.dashboard import Dashboard, dashboard
from aicoach.journal.analytics.patterns import Finding, find_patterns
from aicoach.journal.repository import JournalRepository, TradeQuery
from aicoach.journal.schemas import TradeFilters
from aicoach.journal.service.codec import money, money_or_none
from aicoach.journal.service.filters import to_query
from aicoach.journal.service.trades import r_text
from aicoach.kit.clock import NEW_YORK
from aicoach.observability.cache_metrics import CacheMeter

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


def _floats(values: Sequence[Decimal | float | None]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _epochs(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """UTC epoch seconds of stored times — text on SQLite (naive UTC), datetimes on PostgreSQL
    — parsed in one call; None → NaN."""
    if not values:
        return np.zeros(0, dtype=np.float64)
    stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="mixed")
    ns = stamps.to_numpy("datetime64[ns]").astype(np.int64).astype(np.float64)
    return np.where(stamps.isna().to_numpy(), np.nan, ns / 1e9)


def _new_york(seconds: np.ndarray[Any, np.dtype[np.float64]]) -> pd.DatetimeIndex:
    """New York wall-clock times of UTC epoch seconds, vectorised (NaN → NaT)."""
    utc = pd.to_datetime(seconds, unit="s", utc=True)
    return pd.DatetimeIndex(utc).tz_convert(NEW_YORK)


def _days(ny: pd.DatetimeIndex) -> np.ndarray[Any, np.dtype[np.int64]]:
    """New York dates as days since 1970-01-01; −1 for NaT (still open)."""
    naive = ny.tz_localize(None).normalize()
    days = (naive.to_numpy("datetime64[D]") - np.datetime64(EPOCH, "D")).astype(np.int64)
    return np.where(naive.isna(), -1, days).astype(np.int64)


def arrays_of(
    rows: Sequence[Any], accounts: dict[int, str], tags: dict[tuple[int, str], list[str]]
) -> TradeArrays:
    """``TradeArrays`` from ``repository.analytics_rows`` (units as in ``analytics.arrays``):
    one pass per column, New York fields vectorised."""
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 17
    (ids, account_ids, underlyings, strategies, directions, statuses, realized, r_eff, risk,
     opening, opened, closed_at, dte, ivr, delta, levels, _labels) = cols  # fmt: skip
    account, account_names = _codes([accounts.get(a, str(a)) for a in account_ids])
    symbol, symbol_names = _codes(underlyings)
    strategy, strategy_names = _codes(strategies)
    level, level_names = _codes(levels)
    row_tags = [tags.get(key, ()) for key in zip(account_ids, ids, strict=True)]
    tag_names = tuple(sorted({t for ts in row_tags for t in ts}))
    tag_at = {t: i for i, t in enumerate(tag_names)}
    matrix = np.zeros((n, len(tag_names)), dtype=bool)
    for i, ts in enumerate(row_tags):
        for t in ts:
            matrix[i, tag_at[t]] = True
    is_closed = np.array([s == "closed" for s in statuses], dtype=bool)
    opened_s, closed_s = _epochs(opened), _epochs(closed_at)
    entry, close = _new_york(opened_s), _new_york(closed_s)
    return TradeArrays(
        ids=tuple(ids),
        account=account, symbol=symbol, strategy=strategy, level=level, tags=matrix,
        direction=np.array([_DIRECTION.get(d, 0) for d in directions], dtype=np.int64),
        closed=is_closed,
        net_pnl=_floats(realized),
        r=np.where(is_closed, _floats(r_eff), np.nan),
        risk=_floats(risk),
        size=np.abs(_floats(opening)),
        opened_s=opened_s,
        closed_s=closed_s,
        entry_hour=np.asarray(entry.hour, dtype=np.int64) if n else np.zeros(0, np.int64),
        entry_weekday=np.asarray(entry.day_of_week, dtype=np.int64) if n else np.zeros(0, np.int64),
        entry_day=_days(entry) if n else np.zeros(0, np.int64),
        close_day=_days(close) if n else np.zeros(0, np.int64),
        dte=_floats(dte), iv_rank=_floats(ivr), delta=_floats(delta),
        account_names=account_names, symbol_names=symbol_names, strategy_names=strategy_names,
        level_names=level_names, tag_names=tag_names,
    )  # fmt: skip


Versions = tuple[tuple[int, int, datetime], ...]


class ArraysCache:
    """The last arrays per (user, query), in this process, valid while the user's accounts
    are the same accounts (id and creation time) at the same revisions: every change that can
    move a number (a commit, a manual trade, notes/tags/planned risk, re-enrichment) bumps its
    account's revision, which the next read sees, so a hit is never stale. Each process keeps
    its own."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[int, TradeQuery], tuple[Versions, TradeArrays]] = (
            OrderedDict()
        )

    def get(self, user_id: int, q: TradeQuery, versions: Versions) -> TradeArrays | None:
        kept = self._kept.get((user_id, q))
        if kept is None or kept[0] != versions:
            return None
        self._kept.move_to_end((user_id, q))
        return kept[1]

    def put(self, user_id: int, q: TradeQuery, versions: Versions, a: TradeArrays) -> None:
        self._kept[(user_id, q)] = (versions, a)
        self._kept.move_to_end((user_id, q))
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


#: This process's analytics arrays.
ARRAYS = ArraysCache()
_METER = CacheMeter("journal_analytics")


def _neutral(cell: str) -> str:
    """A text cell a spreadsheet would execute gets a leading quote; plain numbers (``-52.00``)
    stay numbers — a spreadsheet does not run those."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class AnalyticsService:
    def __init__(self, repo: JournalRepository) -> None:
        self.repo = repo

    async def arrays(self, user_id: int, q: TradeQuery) -> TradeArrays:
        """The columns of the trades ``q`` keeps (cached while nothing changed)."""
        accounts = await self.repo.account_versions(user_id)
        versions = tuple((i, r, created) for i, _, r, created in accounts)
        cached = ARRAYS.get(user_id, q, versions)
        if cached is not None:
            _METER.hit()
            return cached
        _METER.miss()
        rows = await self.repo.analytics_rows(user_id, q)
        tags: dict[tuple[int, str], list[str]] = {}
        for account_id, trade_id, name in await self.repo.user_tags(user_id):
            tags.setdefault((account_id, trade_id), []).append(name)
        names = {i: n for i, n, _, _ in accounts}
        a = await asyncio.to_thread(arrays_of, rows, names, tags)
        ARRAYS.put(user_id, q, versions, a)
        return a

    async def dashboard(self, user_id: int, f: TradeFilters) -> tuple[Dashboard, TradeArrays]:
        a = await self.arrays(user_id, to_query(f))
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
        a = await self.arrays(user_id, to_query(f))
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
