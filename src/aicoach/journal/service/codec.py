"""Between the pure core's dataclasses and the journal's rows: executions to and from columns, a
built trade to its derived row (money as 2-decimal strings in the JSON the detail view reads).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from aicoach.journal.core.executions import (
    AssetKind,
    Effect,
    Execution,
    ExecutionKind,
    Instrument,
)
from aicoach.journal.core.lots import ZERO, Fill
from aicoach.journal.core.trades import R_QUANTUM, Campaign, Trade, TradeLeg
from aicoach.marketdata.models import OptionRight

CENT = Decimal("0.01")


def money(x: Decimal) -> str:
    """Dollars as the API writes them: two decimals, half-even (``"-142.50"``; never "-0.00")."""
    text = str(x.quantize(CENT, rounding=ROUND_HALF_EVEN))  # exponent −2: never scientific
    return "0.00" if text == "-0.00" else text


def price_text(x: Decimal) -> str:
    """A per-share price: at least two decimals, more when the fill had them (``"0.0125"``)."""
    if x == x.quantize(CENT):
        return money(x)
    return format(x.normalize(), "f")


def qty_text(x: Decimal) -> str:
    """A quantity without exponent or trailing zeros (``"100"``, ``"-2"``, ``"0.5"``)."""
    return format(x.normalize(), "f") if x != 0 else "0"


def money_or_none(x: Decimal | None) -> str | None:
    return None if x is None else money(x)


# --- executions ----------------------------------------------------------------------------------


def execution_values(
    e: Execution, *, user_id: int, account_id: int, import_id: int | None
) -> dict[str, Any]:
    """The insert row of one execution."""
    ins = e.instrument
    return {
        "user_id": user_id,
        "account_id": account_id,
        "import_id": import_id,
        "row": e.row,
        "raw": e.raw[:4000],
        "fingerprint": e.fingerprint,
        "executed_at": e.executed_at,
        "asset_kind": ins.kind.value,
        "underlying": ins.underlying,
        "root": ins.root,
        "expiration": ins.expiration,
        "strike": ins.strike,
        "right": ins.right.value if ins.right is not None else None,
        "multiplier": ins.multiplier,
        "quantity": e.quantity,
        "price": e.price,
        "commission": e.commission,
        "fees": e.fees,
        "effect": e.effect.value,
        "kind": e.kind.value,
        "order_id": e.order_id,
        "time_known": e.time_known,
    }


def _instrument(
    kind: str, underlying: str, root: str, expiration: date | None, strike: Decimal | None,
    right: str | None, multiplier: int,
) -> Instrument:  # fmt: skip
    if kind == AssetKind.STOCK.value:
        return Instrument(AssetKind.STOCK, underlying, multiplier=multiplier)
    return Instrument(
        AssetKind.OPTION,
        underlying,
        root=root,
        expiration=expiration,
        strike=strike.normalize() if strike is not None else None,
        right=OptionRight(right) if right is not None else None,
        multiplier=multiplier,
    )


@dataclass(frozen=True, slots=True)
class StoredExecution:
    """An execution read back, with the import it came from."""

    execution: Execution
    import_id: int | None


def execution_from_row(r: Any) -> StoredExecution:
    """An execution from the columns of ``repository.EXECUTION_COLUMNS`` (the stored
    fingerprint is kept: it is the row's identity, never recomputed)."""
    (fp, at, kind, und, root, exp, strike, right, mult, qty, price, comm, fees, effect, ek,
     order_id, known, row, raw, import_id) = r  # fmt: skip
    ins = _instrument(kind, und, root, exp, strike, right, mult)
    e = Execution(
        executed_at=at,
        instrument=ins,
        quantity=qty.normalize(),
        price=price.normalize(),
        commission=comm.normalize(),
        fees=fees.normalize(),
        effect=Effect(effect),
        kind=ExecutionKind(ek),
        order_id=order_id,
        time_known=known,
        row=row,
        raw=raw,
        fingerprint=fp,
    )
    return StoredExecution(e, import_id)


# --- trades --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowInfo:
    """What a fill's detail shows of the execution it came from."""

    quantity: Decimal
    commission: Decimal
    fees: Decimal
    effect: str
    import_id: int | None
    time_known: bool


def row_infos(stored: Sequence[StoredExecution]) -> dict[str, RowInfo]:
    return {
        s.execution.fingerprint: RowInfo(
            s.execution.quantity, s.execution.commission, s.execution.fees,
            s.execution.effect.value, s.import_id, s.execution.time_known,
        )
        for s in stored
    }  # fmt: skip


def _fill(f: Fill, info: RowInfo | None) -> dict[str, Any]:
    commission, fees = f.costs, Decimal(0)
    if info is not None:
        total = info.commission + info.fees
        if f.quantity == info.quantity or total == 0:
            commission, fees = (info.commission, info.fees) if total else (f.costs, Decimal(0))
        else:  # part of a row split across lots: its share of each, in cents, adding up
            commission = (f.costs * info.commission / total).quantize(CENT, ROUND_HALF_EVEN)
            fees = f.costs - commission
    return {
        "executed_at": f.executed_at.isoformat(),
        "quantity": qty_text(f.quantity),
        "price": price_text(f.price),
        "commission": money(commission),
        "fees": money(fees),
        "costs": money(f.costs),
        "kind": f.kind.value,
        "effect": info.effect if info is not None else "unknown",
        "row": f.row,
        "import_id": info.import_id if info is not None else None,
        "time_known": info.time_known if info is not None else True,
    }


def _leg_kind(ins: Instrument) -> str:
    if not ins.is_option:
        return "stock"
    return "call" if ins.right is OptionRight.CALL else "put"


@dataclass(slots=True)
class Sums:
    """A leg's (or a trade's) money, each summed once (the core's properties re-sum the fills
    on every access, and a row reads each several times)."""

    gross: Decimal = ZERO
    costs: Decimal = ZERO
    realized_gross: Decimal = ZERO
    realized_net: Decimal = ZERO
    opening_gross: Decimal = ZERO
    open_cash: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.costs

    def add(self, other: Sums) -> None:
        self.gross += other.gross
        self.costs += other.costs
        self.realized_gross += other.realized_gross
        self.realized_net += other.realized_net
        self.opening_gross += other.opening_gross
        self.open_cash += other.open_cash


def leg_sums(leg: TradeLeg) -> Sums:
    s = Sums()
    for f in leg.opening:
        s.gross += f.gross
        s.costs += f.costs
        s.opening_gross += f.gross
    for f in leg.closing:
        s.gross += f.gross
        s.costs += f.costs
    for m in leg.matches:
        s.realized_gross += m.gross
        s.realized_net += m.net
    s.open_cash = leg.open_gross - leg.open_costs
    return s


def leg_json(
    leg: TradeLeg, infos: Mapping[str, RowInfo], sums: Sums | None = None
) -> dict[str, Any]:
    ins = leg.instrument
    s = sums or leg_sums(leg)
    fills = [
        _fill(f, infos.get(f.fingerprint)) for f in sorted(
            (*leg.opening, *leg.closing), key=lambda f: (f.executed_at, f.row))
    ]  # fmt: skip
    opened = sum((f.quantity for f in leg.opening), ZERO)
    return {
        "instrument": ins.key,
        "symbol": ins.underlying,
        "root": ins.root,
        "kind": _leg_kind(ins),
        "right": ins.right.value if ins.right is not None else None,
        "strike": price_text(ins.strike) if ins.strike is not None else None,
        "expiration": ins.expiration.isoformat() if ins.expiration is not None else None,
        "multiplier": ins.multiplier,
        "opened_quantity": qty_text(opened),
        "closed_quantity": qty_text(leg.closed_quantity),
        "open_quantity": qty_text(leg.open_quantity),
        "average_open_price": price_text(leg.average_open_price),
        "gross": money(s.gross),
        "costs": money(s.costs),
        "net": money(s.net),
        "realized_net": money(s.realized_net),
        "fills": fills,
    }


def campaign_json(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "trade_ids": list(c.trade_ids),
        "cumulative_net": [money(x) for x in c.cumulative_net],
        "net": money(c.net),
        "realized_net": money(c.realized_net),
        "is_closed": c.is_closed,
        "breakeven": price_text(c.breakeven.price) if c.breakeven.price is not None else None,
        "breakeven_note": c.breakeven.reason or "",
        "links": [{"kind": k.kind.value, "from": k.from_trade, "to": k.to_trade} for k in c.links],
    }


def quantity_label(t: Trade) -> str:
    """How big the trade is, in a trader's words: "2 contracts", "3× 4 legs", "100 shares"."""
    options = [abs(leg.opened_quantity) for leg in t.legs if leg.instrument.is_option]
    shares = sum((abs(leg.opened_quantity) for leg in t.legs if not leg.instrument.is_option),
                 Decimal(0))  # fmt: skip
    parts: list[str] = []
    if shares:
        parts.append(f"{qty_text(shares)} shares")
    if len(options) == 1:
        n = options[0]
        parts.append(f"{qty_text(n)} contract{'' if n == 1 else 's'}")
    elif options:
        whole = [int(q) for q in options if q == q.to_integral_value()]
        lots = math.gcd(*whole) if len(whole) == len(options) else 1
        parts.append(f"{lots}× {len(options)} legs")
    return " + ".join(parts) or "—"


#: Bumped whenever ``trade_values`` writes a row differently: every stored digest then
#: differs, so the next rebuild of an account rewrites all its rows.
ENCODING = "1"


def digest(t: Trade, campaign: Campaign, infos: Mapping[str, RowInfo]) -> str:
    """A fingerprint of what a trade's row is made from — its fills and FIFO matches (each a
    row fingerprint, which stands for that row's whole content, with the quantity and costs
    this trade holds of it), the import each came from and its campaign — computed without
    encoding the row, so a rebuild encodes and rewrites only the trades whose digest moved."""
    cumulative = ",".join(map(str, campaign.cumulative_net))
    parts = [ENCODING, t.id, campaign.id, ",".join(campaign.trade_ids),
             str(campaign.breakeven.price), cumulative]  # fmt: skip
    for leg in t.legs:
        for f in (*leg.opening, *leg.closing):
            info = infos.get(f.fingerprint)
            parts.append(f"{f.fingerprint}:{f.quantity}:{f.costs}:{info.import_id if info else ''}")
        parts.extend(
            f"{m.open_fingerprint}>{m.close_fingerprint}:{m.quantity}" for m in leg.matches
        )
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()


def trade_values(
    t: Trade, campaign: Campaign, infos: Mapping[str, RowInfo], *, user_id: int, account_id: int,
    digest_: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The derived row of one built trade (enrichment excluded: it is kept across rebuilds)."""
    per_leg = [leg_sums(leg) for leg in t.legs]
    total = Sums()
    for one in per_leg:
        total.add(one)
    values: dict[str, Any] = {
        "underlying": t.underlying,
        "strategy": t.strategy.value,
        "strategy_label": t.strategy_label[:120],
        "status": t.status.value,
        "direction": t.direction.value,
        "origin": t.origin.value,
        "opened_at": t.opened_at,
        "closed_at": t.closed_at,
        "period_at": t.closed_at or t.opened_at,
        "quantity_label": quantity_label(t)[:60],
        "campaign_id": t.campaign_id,
        "gross": total.gross,
        "costs": total.costs,
        "net": total.net,
        "realized_gross": total.realized_gross,
        "realized_net": total.realized_net,
        "open_cash": total.open_cash,
        "opening_gross": total.opening_gross,
        "planned_risk": t.planned_risk,
        "planned_risk_note": t.planned_risk_note[:300],
        "r_multiple": (
            (total.realized_net / t.planned_risk).quantize(R_QUANTUM)
            if t.is_closed and t.planned_risk is not None
            else None
        ),
        "legs": [leg_json(leg, infos, one) for leg, one in zip(t.legs, per_leg, strict=True)],
        "campaign": campaign_json(campaign),
    }
    values.update({"id": t.id, "user_id": user_id, "account_id": account_id,
                   "digest": digest_ or digest(t, campaign, infos)})  # fmt: skip
    return values


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
