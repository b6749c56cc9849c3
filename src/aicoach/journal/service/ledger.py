"""An account's executions and the trades derived from them: load, build, rewrite.

``build_trades`` runs over *all* of the account's executions (a new fill can close a lot opened
months ago, or turn a lone trade into a roll), then the derived table is brought in line: new
trades inserted, changed ones rewritten, vanished ones deleted — the trader's notes and tags
sit in their own tables and are never touched. Whether a trade changed is decided by its digest
(``codec.digest``: its fills, matches, imports and campaign), computed without encoding the
row, so a commit into a large account encodes and writes only the trades it touched. Entry
enrichment is computed for trades that have none and kept across rewrites (an entry never
changes).

The CPU-heavy steps (building round trips, encoding rows) run in a worker thread so the event
loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aicoach.journal.core.roundtrips import AccountExecution, build_trades
from aicoach.journal.core.trades import TradeBook
from aicoach.journal.repository import JournalRepository
from aicoach.journal.service.codec import (
    StoredExecution,
    digest,
    execution_from_row,
    row_infos,
    trade_values,
)
from aicoach.journal.service.cpu import run_cpu
from aicoach.journal.service.enrichment import Enricher, Entry, Progress, columns, entry_of

#: Trade id → (digest, has enrichment), as the table holds them.
Have = Mapping[str, tuple[str, bool]]


def account_key(account_id: int) -> str:
    """The account string the round-trip builder hashes into trade ids (stable per account)."""
    return str(account_id)


def build(account_id: int, stored: Sequence[StoredExecution]) -> TradeBook:
    key = account_key(account_id)
    return build_trades(AccountExecution(key, s.execution) for s in stored)


def encode(
    book: TradeBook, stored: Sequence[StoredExecution], *, user_id: int, account_id: int,
    have: Have | None = None,
) -> tuple[list[dict[str, Any]], set[str]]:  # fmt: skip
    """The rows of the trades that ``have`` lacks, holds with another digest, or holds without
    enrichment (every trade when ``have`` is None), and the ids of all the book's trades."""
    infos = row_infos(stored)
    campaigns = {c.id: c for c in book.campaigns}
    rows = []
    for t in book.trades:
        c = campaigns[t.campaign_id]
        d = digest(t, c, infos)
        held = have.get(t.id) if have is not None else None
        if held is None or held[0] != d or not held[1]:
            rows.append(trade_values(t, c, infos, user_id=user_id, account_id=account_id,
                                     digest_=d))  # fmt: skip
    return rows, {t.id for t in book.trades}


@dataclass(slots=True)
class Derived:
    """A build of one account: the rows to write (new, changed or unenriched trades), the ids of
    every trade it has, and the enrichment computed for trades the table has none for."""

    book: TradeBook
    rows: list[dict[str, Any]]
    ids: set[str]
    have: Have
    enrichment: dict[str, dict[str, Any]] = field(default_factory=dict)


class Ledger:
    def __init__(self, repo: JournalRepository, enricher: Enricher | None) -> None:
        self.repo = repo
        self.enricher = enricher

    async def load(self, account_id: int) -> list[StoredExecution]:
        rows = await self.repo.execution_rows(account_id)
        return await run_cpu(lambda: [execution_from_row(r) for r in rows])

    async def book(self, account_id: int, stored: Sequence[StoredExecution]) -> TradeBook:
        return await run_cpu(build, account_id, stored)

    async def derive(
        self, stored: Sequence[StoredExecution], *, user_id: int, account_id: int,
        enrich: bool = True, progress: Progress | None = None, book: TradeBook | None = None,
    ) -> Derived:  # fmt: skip
        """Build (unless ``book`` is a build of the same executions) and encode what the table
        needs; enrich the trades it has no enrichment for (``enrich=False``: :meth:`write`
        does it)."""
        have = await self.repo.trade_digests(account_id)
        built = book if book is not None else await self.book(account_id, stored)
        rows, ids = await run_cpu(
            encode, built, stored, user_id=user_id, account_id=account_id, have=have
        )
        enrichment: dict[str, dict[str, Any]] = {}
        if enrich and self.enricher is not None:
            todo = [r for r in rows if not have.get(r["id"], ("", False))[1]]
            enrichment = await self.enricher.enrich(entries(todo), progress)
        return Derived(built, rows, ids, have, enrichment)

    async def write(self, account_id: int, derived: Derived) -> None:
        """Bring the account's derived rows in line with ``derived`` (module docstring). The
        table must be as ``derived.have`` saw it: the caller holds the account's lock and has
        checked its revision."""
        have = derived.have
        unenriched = [r for r in derived.rows if not have.get(r["id"], ("", False))[1]]
        missing = [r for r in unenriched if r["id"] not in derived.enrichment]
        computed = dict(derived.enrichment)
        if missing and self.enricher is not None:
            computed.update(await self.enricher.enrich(entries(missing)))
        inserts = [{**r, **_enriched(computed.get(r["id"]))} for r in derived.rows
                   if r["id"] not in have]  # fmt: skip
        updates = [{**r, **_enriched(computed.get(r["id"]))} for r in derived.rows
                   if r["id"] in have]  # fmt: skip
        await self.repo.delete_trades([i for i in have if i not in derived.ids])
        await self.repo.insert_trades(inserts)
        await self.repo.update_trades(updates)

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
