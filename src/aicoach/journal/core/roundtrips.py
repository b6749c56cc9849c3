"""Round trips from executions: :func:`build_trades`.

1. **Order.** Rows are processed by ``(executed_at, account, row, fingerprint)``, so the result
   does not depend on the input order, and ids are stable: a trade's id is
   ``sha256(account | fingerprint of its first opening row)``.
2. **Lots.** Per (account, instrument key), FIFO lot matching with partial closes, flips and
   unmatched closes (:mod:`aicoach.journal.core.lots`). A closing fill belongs to the trade
   that owns the lot it closes.
3. **Trades.** An opening fill joins the trade of its broker order id (per account and
   underlying); without one, the trade of the same account and underlying whose last opening
   fill was at most ``group_window`` earlier and that has not closed anything since (fills that
   open together), else it starts a new trade. The stock opened by an assignment/exercise is a
   trade of its own.
4. **Names, risk.** The opening legs are named by ``options.core.strategies.recognize`` and given
   a planned risk (:mod:`aicoach.journal.core.structure`).
5. **Campaigns.** Rolls and assignment/exercise links join trades into campaigns
   (:mod:`aicoach.journal.core.campaigns`) with their cumulative net cash and true breakeven.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from aicoach.journal.core.campaigns import RollView, UnionFind, find_rolls, pair_assignments
from aicoach.journal.core.executions import ExecutionKind, Instrument
from aicoach.journal.core.grouping import LINKED, AccountExecution, Builder, TradeBuild, in_account
from aicoach.journal.core.lots import ZERO
from aicoach.journal.core.structure import PositionLeg, breakeven, name_structure, planned_risk
from aicoach.journal.core.trades import (
    BookWarning,
    Campaign,
    CampaignLink,
    Direction,
    LinkKind,
    Trade,
    TradeBook,
    TradeLeg,
    TradeStatus,
    WarningCode,
)
from aicoach.options.core.strategies import StrategyName

GROUP_WINDOW = timedelta(seconds=60)
ROLL_WINDOW = timedelta(minutes=5)

__all__ = ["GROUP_WINDOW", "ROLL_WINDOW", "AccountExecution", "build_trades", "in_account"]


def build_trades(
    executions: Iterable[AccountExecution],
    *,
    group_window: timedelta = GROUP_WINDOW,
    roll_window: timedelta = ROLL_WINDOW,
) -> TradeBook:
    """Trades, campaigns and warnings from executions (module docstring for every rule).

    Fingerprints must be unique per account — the journal's own key for an execution (an
    importer numbers identical rows apart, see ``content_fingerprint``); a repeated one is a
    ``ValueError``, since trade ids and FIFO lots are named by it."""
    executions = list(executions)
    seen: set[tuple[str, str]] = set()
    for a in executions:
        key = (a.account, a.execution.fingerprint)
        if key in seen:
            raise ValueError(f"execution fingerprint repeated in account {a.account!r}: {key[1]}")
        seen.add(key)
    rows = sorted(
        executions,
        key=lambda a: (
            a.execution.executed_at,
            a.account,
            a.execution.row,
            a.execution.fingerprint,
        ),
    )
    pairs = pair_assignments([(a.account, a.execution) for a in rows])
    b = Builder(group_window, pairs)
    for a in rows:
        b.add(a.account, a.execution)
    b.settle()
    for a in rows:
        ex = a.execution
        unpaired = (a.account, ex.fingerprint) not in pairs
        if not ex.instrument.is_option and ex.kind in LINKED and unpaired:
            message = f"{ex.kind.value} of {ex.instrument.key} with no matching option row"
            b.warnings.append(BookWarning(WarningCode.ASSIGNMENT_UNLINKED, message, a.account, ex))
    named = {t.id: _name(t, b.warnings) for t in b.trades.values()}
    links = _links(b, rows, named, roll_window)
    return _assemble(b, named, links)


def _opening_legs(t: TradeBuild) -> list[PositionLeg]:
    out = []
    for leg in t.legs.values():
        if leg.opening:
            units = sum((abs(f.quantity) for f in leg.opening), ZERO)
            price = sum((abs(f.quantity) * f.price for f in leg.opening), ZERO) / units
            qty = sum((f.quantity for f in leg.opening), ZERO)
            out.append(PositionLeg(leg.instrument, qty, price))
    return out


@dataclass(frozen=True, slots=True)
class _Named:
    strategy: StrategyName
    label: str
    risk: Decimal | None
    risk_note: str


def _name(t: TradeBuild, warnings: list[BookWarning]) -> _Named:
    legs = _opening_legs(t)
    name, label, problem = name_structure(legs)
    if problem is not None:
        warnings.append(
            BookWarning(WarningCode.UNRECOGNISED_LEGS, f"trade {t.id}: {problem}", t.account, None)
        )
    premium = sum((f.gross for leg in t.legs.values() for f in leg.opening), ZERO)
    risk, note = planned_risk(legs, premium)
    return _Named(name, label, risk, note)


def _right(ins: Instrument) -> str:
    return ins.right.value if ins.right is not None else "stock"


def _links(
    b: Builder, rows: list[AccountExecution], named: dict[str, _Named], roll_window: timedelta
) -> list[CampaignLink]:
    views = [
        RollView(
            id=t.id,
            account=t.account,
            underlying=t.underlying,
            strategy=named[t.id].strategy,
            opened_at=t.opened_at,
            order_ids=frozenset(t.order_ids),
            opening=tuple(
                (k, _right(leg.instrument), sum((f.quantity for f in leg.opening), ZERO))
                for k, leg in t.legs.items()
                if leg.opening
            ),
            closing=tuple(
                (k, _right(leg.instrument), f) for k, leg in t.legs.items() for f in leg.closing
            ),
        )
        for t in b.trades.values()
    ]
    links = [CampaignLink(LinkKind.ROLL, a, c) for a, c in find_rolls(views, roll_window)]
    kinds = {(a.account, a.execution.fingerprint): a.execution.kind for a in rows}
    for (account, stock_fp), option_fp in b.pairs.items():
        assigned = kinds[account, stock_fp] is ExecutionKind.ASSIGNMENT
        kind = LinkKind.ASSIGNMENT if assigned else LinkKind.EXERCISE
        for src in dict.fromkeys(b.touched.get((account, option_fp), [])):
            for dst in dict.fromkeys(b.touched.get((account, stock_fp), [])):
                if src != dst:
                    links.append(CampaignLink(kind, src, dst))
    return links


def _freeze(t: TradeBuild, named: _Named, campaign_id: str) -> Trade:
    legs = tuple(
        TradeLeg(
            leg.instrument,
            tuple(leg.opening),
            tuple(leg.closing),
            tuple(leg.matches),
            leg.open_quantity,
            leg.open_gross,
            leg.open_costs,
        )
        for _, leg in sorted(t.legs.items())
    )
    closings = [f.executed_at for leg in legs for f in leg.closing]
    if all(leg.open_quantity == 0 for leg in legs):
        status = TradeStatus.CLOSED
    else:
        status = TradeStatus.PARTIALLY_CLOSED if closings else TradeStatus.OPEN
    premium = sum((leg.opening_gross for leg in legs), ZERO)
    direction = (
        Direction.CREDIT if premium > 0 else Direction.DEBIT if premium < 0 else Direction.EVEN
    )
    return Trade(
        id=t.id,
        account=t.account,
        underlying=t.underlying,
        legs=legs,
        strategy=named.strategy,
        strategy_label=named.label,
        status=status,
        direction=direction,
        origin=t.origin,
        opened_at=t.opened_at,
        closed_at=max(closings) if status is TradeStatus.CLOSED else None,
        order_ids=tuple(t.order_ids),
        planned_risk=named.risk,
        planned_risk_note=named.risk_note,
        campaign_id=campaign_id,
    )


def _campaign(cid: str, trades: list[Trade], links: list[CampaignLink]) -> Campaign:
    cumulative: list[Decimal] = []
    running = ZERO
    for t in trades:
        running += t.net
        cumulative.append(running)
    held: dict[str, PositionLeg] = {}
    for t in trades:
        for leg in t.legs:
            if leg.open_quantity != 0:
                prev = held.get(leg.key)
                qty = leg.open_quantity + (prev.quantity if prev else ZERO)
                held[leg.key] = PositionLeg(leg.instrument, qty, ZERO)
    open_legs = [p for p in held.values() if p.quantity != 0]
    return Campaign(
        id=cid,
        account=trades[0].account,
        underlying=trades[0].underlying,
        trade_ids=tuple(t.id for t in trades),
        links=tuple(links),
        cumulative_net=tuple(cumulative),
        realized_net=sum((t.realized_net for t in trades), ZERO),
        is_closed=all(t.is_closed for t in trades),
        breakeven=breakeven(open_legs, running),
    )


def _assemble(b: Builder, named: dict[str, _Named], links: list[CampaignLink]) -> TradeBook:
    order = sorted(b.trades, key=lambda i: (b.trades[i].opened_at, i))
    uf = UnionFind(order)
    for link in links:
        uf.union(link.from_trade, link.to_trade)
    groups = uf.groups()  # members in `order`, so each group's first member opened first
    campaign_of = {i: group[0] for group in groups for i in group}
    frozen = {i: _freeze(b.trades[i], named[i], campaign_of[i]) for i in order}
    links_of: dict[str, list[CampaignLink]] = {}
    for link in links:
        links_of.setdefault(campaign_of[link.from_trade], []).append(link)
    campaigns = [
        _campaign(group[0], [frozen[i] for i in group], links_of.get(group[0], []))
        for group in groups
    ]
    return TradeBook(tuple(frozen[i] for i in order), tuple(campaigns), tuple(b.warnings))
