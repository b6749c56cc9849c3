"""The trades: a filtered, sorted page; one trade's detail; the trader's notes, tags and planned
risk on it; and a trade entered by hand (written as executions of a "manual" import, so it goes
through the same round-trip builder as an imported one)."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

from aicoach.journal.core.executions import AssetKind, Effect, Execution, Instrument
from aicoach.journal.errors import AccountNotFoundError, TradeNotFoundError
from aicoach.journal.models import JournalImport, TradeAnnotation, TradeRow
from aicoach.journal.repository import JournalRepository
from aicoach.journal.schemas import (
    CampaignRead,
    CampaignTrade,
    Enrichment,
    ManualTrade,
    TagRead,
    TradeDetail,
    TradeItem,
    TradeList,
    TradeListParams,
    TradePatch,
)
from aicoach.journal.service.codec import StoredExecution, execution_values, money, money_or_none
from aicoach.journal.service.filters import to_query
from aicoach.journal.service.ledger import Ledger
from aicoach.kit.orm import utcnow
from aicoach.marketdata.models import OptionRight


def r_text(r: Decimal | None) -> str | None:
    return None if r is None else f"{r:.2f}"


def _base(
    t: TradeRow, account: str, risk: Decimal | None, r: Decimal | None, notes: str
) -> dict[str, Any]:
    return {
        "id": t.id, "account_id": t.account_id, "account": account, "underlying": t.underlying,
        "strategy": t.strategy, "strategy_label": t.strategy_label, "status": t.status,
        "direction": t.direction, "opened_at": t.opened_at, "closed_at": t.closed_at,
        "quantity_label": t.quantity_label, "gross": money(t.gross), "costs": money(t.costs),
        "net": money(t.net), "realized_gross": money(t.realized_gross),
        "realized_net": money(t.realized_net), "r_multiple": r_text(r),
        "planned_risk": money_or_none(risk), "campaign_id": t.campaign_id,
        "has_notes": bool(notes.strip()),
    }  # fmt: skip


def _effective(t: TradeRow, note: TradeAnnotation | None) -> tuple[Decimal | None, Decimal | None]:
    """(planned risk, R) with the trader's override applied."""
    override = note.planned_risk if note is not None else None
    if override is None or override <= 0:
        return t.planned_risk, t.r_multiple
    r = (t.realized_net / override).quantize(Decimal("0.0001")) if t.status == "closed" else None
    return override, r


class TradeService:
    def __init__(self, repo: JournalRepository, ledger: Ledger) -> None:
        self.repo = repo
        self.ledger = ledger

    async def page(self, user_id: int, params: TradeListParams) -> TradeList:
        q = to_query(params)
        total = await self.repo.count_trades(user_id, q)
        rows = await self.repo.trade_page(
            user_id, q, sort=params.sort, descending=params.order == "desc",
            limit=params.limit, offset=params.offset,
        )  # fmt: skip
        tags = await self.repo.tags_of([(t.account_id, t.id) for t, *_ in rows])
        items = [
            TradeItem(**_base(t, name, risk, r, notes),
                      tags=[tag.name for tag in tags.get((t.account_id, t.id), [])])
            for t, name, risk, r, notes in rows
        ]  # fmt: skip
        return TradeList(total=total, items=items)

    async def _trade(self, user_id: int, trade_id: str) -> TradeRow:
        found = await self.repo.trade(user_id, trade_id[:64])
        if found is None:
            raise TradeNotFoundError("There is no such trade in your journal.")
        return found

    async def detail(self, user_id: int, trade_id: str) -> TradeDetail:
        t = await self._trade(user_id, trade_id)
        account = await self.repo.account(user_id, t.account_id)
        note = await self.repo.annotation(t.account_id, t.id)
        tags = (await self.repo.tags_of([(t.account_id, t.id)])).get((t.account_id, t.id), [])
        risk, r = _effective(t, note)
        camp = t.campaign
        members = await self.repo.trades_by_ids(user_id, camp.get("trade_ids", [t.id]))
        campaign = CampaignRead(
            id=camp.get("id", t.campaign_id),
            trades=[CampaignTrade(id=m.id, strategy_label=m.strategy_label, opened_at=m.opened_at,
                                  closed_at=m.closed_at, net=money(m.net)) for m in members],
            cumulative_net=camp.get("cumulative_net", []),
            breakeven=camp.get("breakeven"),
            breakeven_note=camp.get("breakeven_note", ""),
        )  # fmt: skip
        notes = note.notes if note is not None else ""
        planned_note = (
            "your own figure" if note is not None and note.planned_risk else t.planned_risk_note
        )
        return TradeDetail(
            **_base(t, account.name if account else "", risk, r, notes),
            tags=[TagRead(name=x.name, kind=x.kind) for x in tags],  # type: ignore[arg-type]
            legs=t.legs,  # type: ignore[arg-type]
            campaign=campaign,
            enrichment=Enrichment.model_validate(t.enrichment or {}),
            notes=notes,
            planned_risk_note=planned_note,
        )

    async def patch(self, user_id: int, trade_id: str, body: TradePatch) -> TradeDetail:
        t = await self._trade(user_id, trade_id)
        sent = body.model_fields_set
        # Tags and planned risk move the analytics: a new revision makes every cached copy old.
        await self.repo.bump_revision(t.account_id)
        if sent & {"notes", "planned_risk"}:
            note = await self.repo.annotation(t.account_id, t.id)
            if note is None:
                note = TradeAnnotation(account_id=t.account_id, trade_id=t.id, user_id=user_id,
                                       notes="", planned_risk=None)  # fmt: skip
                self.repo.session.add(note)
            if "notes" in sent:
                note.notes = body.notes or ""
            if "planned_risk" in sent:
                note.planned_risk = body.planned_risk
            await self.repo.session.flush()
        if "tags" in sent:
            pairs = [(tag.name, tag.kind) for tag in body.tags or []]
            await self.repo.replace_tags(user_id, t.account_id, t.id, pairs)
        return await self.detail(user_id, t.id)

    async def manual(self, user_id: int, body: ManualTrade) -> TradeDetail:
        """A trade entered by hand (module docstring): built, enriched, then written."""
        account = await self.repo.account(user_id, body.account_id)
        if account is None:
            raise AccountNotFoundError("There is no such broker account in your journal.")
        token = secrets.token_hex(8)
        new = _manual_executions(body, token)
        stored = await self.ledger.load(account.id)
        revision = await self.repo.revision(account.id)
        derived = await self.ledger.derive(
            [*stored, *(StoredExecution(e, None) for e in new)], user_id=user_id,
            account_id=account.id,
        )  # fmt: skip
        imp = JournalImport(
            user_id=user_id, account_id=account.id, file_name="manual entry", format="manual",
            format_label="Manual entry", status="committed", rows_total=len(new),
            rows_parsed=len(new), rows_added=len(new), progress_done=len(new),
            progress_total=len(new), progress_phase="done", committed_at=utcnow(),
            options={}, preview={},
        )  # fmt: skip
        await self.repo.add(imp)  # the first write: from here on this transaction holds the lock
        if await self.repo.bump_revision(account.id) != revision:  # another commit landed
            stored = await self.ledger.load(account.id)
            book = None
        else:
            book = derived.book
        mine = [StoredExecution(e, imp.id) for e in new]
        final = await self.ledger.derive(
            [*stored, *mine], user_id=user_id, account_id=account.id, enrich=False, book=book
        )
        final.enrichment = derived.enrichment  # a trade's enrichment depends on its entry only
        await self.repo.insert_executions([
            execution_values(e, user_id=user_id, account_id=account.id, import_id=imp.id)
            for e in new
        ])  # fmt: skip
        await self.ledger.write(account.id, final)
        first = new[0].fingerprint
        trade = next(
            t for t in final.book.trades
            if any(f.fingerprint == first for leg in t.legs for f in leg.opening)
        )  # fmt: skip
        return await self.detail(user_id, trade.id)


def _instrument(symbol: str, kind: str, strike: Decimal | None, expiration: Any) -> Instrument:
    if kind == "stock":
        return Instrument(AssetKind.STOCK, symbol)
    right = OptionRight.CALL if kind == "call" else OptionRight.PUT
    return Instrument(AssetKind.OPTION, symbol, expiration=expiration, strike=strike,
                      right=right, multiplier=100)  # fmt: skip


def _manual_executions(body: ManualTrade, token: str) -> list[Execution]:
    """Opening fills (one order), then closing fills (another), numbered like file rows."""
    opens: list[Execution] = []
    closes: list[Execution] = []
    for i, leg in enumerate(body.legs, start=1):
        ins = _instrument(leg.symbol, leg.kind, leg.strike, leg.expiration)
        raw = json.dumps(leg.model_dump(mode="json"), sort_keys=True)
        opens.append(Execution(
            executed_at=leg.opened_at, instrument=ins, quantity=leg.quantity, price=leg.price,
            fees=leg.fees, effect=Effect.OPEN, order_id=f"manual-{token}", row=i, raw=raw,
        ))  # fmt: skip
        if leg.closed_at is not None and leg.close_price is not None:
            closes.append(Execution(
                executed_at=leg.closed_at, instrument=ins, quantity=-leg.quantity,
                price=leg.close_price, effect=Effect.CLOSE, order_id=f"manual-{token}-close",
                row=len(body.legs) + i, raw=raw,
            ))  # fmt: skip
    return opens + closes
