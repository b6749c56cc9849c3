"""An account's executions and the trades derived from them: load, build, rewrite.

``build_trades`` runs over *all* of the account's executions (a new fill can close a lot opened
months ago, or turn a lone trade into a roll), then the derived table is brought in line: new
trades inserted, changed ones rewritten (by content digest), vanished ones deleted — the
trader's notes and tags sit in their own tables and are never touched. Entry enrichment is
computed for trades that have none and kept across rewrites (a trade's entry never changes).

The CPU-heavy steps (building round trips, encoding rows) run in a worker thread so the event
loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aicoach.journal.core.roundtrips import AccountExecution, build_trades
from aicoach.journal.core.trades import TradeBook
from aicoach.journal.repository import JournalRepository
from aicoach.journal.service.codec import (
    StoredExecution,
    execution_from_row,
    row_infos,
    trade_values,
)
from aicoach.journal.service.enrichment import Enricher, Entry, Progress, columns, entry_of


def account_key(account_id: int) -> str:
    """The account string the round-trip builder hashes into trade ids (stable per account)."""
    return str(account_id)


def build(account_id: int, stored: Sequence[StoredExecution]) -> TradeBook:
    key = account_key(account_id)
    return build_trades(AccountExecution(key, s.execution) for s in stored)


def encode(
    book: TradeBook, stored: Sequence[StoredExecution], *, user_id: int, account_id: int
) -> list[dict[str, Any]]:
    """The derived rows of every trade of ``book``."""
    infos = row_infos(stored)
    campaigns = {c.id: c for c in book.campaigns}
    return [
        trade_values(t, campaigns[t.campaign_id], infos, user_id=user_id, account_id=account_id)
        for t in book.trades
    ]


def _build_and_encode(
    stored: Sequence[StoredExecution], *, user_id: int, account_id: int
) -> tuple[TradeBook, list[dict[str, Any]]]:
    book = build(account_id, stored)
    return book, encode(book, stored, user_id=user_id, account_id=account_id)


@dataclass(slots=True)
class Derived:
    """A build of one account: its trades' rows and the enrichment computed for new ones."""

    book: TradeBook
    rows: list[dict[str, Any]]
    enrichment: dict[str, dict[str, Any]]


class Ledger:
    def __init__(self, repo: JournalRepository, enricher: Enricher | None) -> None:
        self.repo = repo
        self.enricher = enricher

    async def load(self, account_id: int) -> list[StoredExecution]:
        rows = await self.repo.execution_rows(account_id)
        return await asyncio.to_thread(lambda: [execution_from_row(r) for r in rows])

    async def derive(
        self, stored: Sequence[StoredExecution], *, user_id: int, account_id: int,
        enrich: bool = True, progress: Progress | None = None, book: TradeBook | None = None,
    ) -> Derived:  # fmt: skip
        """Build and encode the account's trades; enrich the ones the table has no enrichment
        for (``enrich=False``: leave that to :meth:`write`). ``book``: a build of the same
        executions to encode again (only the fills' import ids differ)."""
        if book is None:
            built, rows = await asyncio.to_thread(
                _build_and_encode, stored, user_id=user_id, account_id=account_id
            )
        else:
            built = book
            rows = await asyncio.to_thread(
                encode, book, stored, user_id=user_id, account_id=account_id
            )
        enrichment: dict[str, dict[str, Any]] = {}
        if enrich and self.enricher is not None:
            have = await self.repo.trade_digests(account_id)
            todo = [r for r in rows if not have.get(r["id"], ("", False))[1]]
            enrichment = await self.enricher.enrich(entries(todo), progress)
        return Derived(built, rows, enrichment)

    async def write(self, account_id: int, derived: Derived) -> None:
        """Bring the account's derived rows in line with ``derived`` (module docstring)."""
        have = await self.repo.trade_digests(account_id)
        ids = {r["id"] for r in derived.rows}
        fresh = [r for r in derived.rows if r["id"] not in have]
        changed = [r for r in derived.rows if r["id"] in have and have[r["id"]][0] != r["digest"]]
        need = [r for r in derived.rows if not have.get(r["id"], ("", False))[1]]
        missing = [r for r in need if r["id"] not in derived.enrichment]
        computed = dict(derived.enrichment)
        if missing and self.enricher is not None:
            computed.update(await self.enricher.enrich(entries(missing)))
        inserts = [{**r, **_enriched(computed.get(r["id"]))} for r in fresh]
        updates = {r["id"]: dict(r) for r in changed}
        for r in need:  # rows already there without enrichment get it now
            if r["id"] in have and r["id"] in computed:
                updates.setdefault(r["id"], {"id": r["id"]}).update(_enriched(computed[r["id"]]))
        await self.repo.delete_trades([i for i in have if i not in ids])
        await self.repo.insert_trades(inserts)
        await self.repo.update_trades(list(updates.values()))

    async def enrich_all(
        self, trades: Iterable[tuple[str, str, Any, list[dict[str, Any]]]],
        progress: Progress | None = None,
    ) -> int:  # fmt: skip
        """Recompute the enrichment of ``(id, underlying, opened_at, legs)`` trades."""
        if self.enricher is None:
            return 0
        todo = [entry_of(i, und, at, legs) for i, und, at, legs in trades]
        computed = await self.enricher.enrich(todo, progress)
        await self.repo.set_enrichment([{"id": i, **_enriched(e)} for i, e in computed.items()])
        return len(computed)


def entries(rows: Iterable[Mapping[str, Any]]) -> list[Entry]:
    return [entry_of(r["id"], r["underlying"], r["opened_at"], r["legs"]) for r in rows]


def _enriched(enrichment: Mapping[str, Any] | None) -> dict[str, Any]:
    if enrichment is None:
        return {}
    return {"enrichment": dict(enrichment), **columns(enrichment)}
