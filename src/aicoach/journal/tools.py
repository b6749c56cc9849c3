"""The coach's journal tools: the trader's closed and open trades, their statistics and their
habits. They run the journal's own services (the numbers the Journal tab shows) on
``ctx.user_id`` only, and cite "your data". Money is dollars rounded to the cent; rates are
fractions (0.5833 = 58.33 %); dates are New York dates, ``from``/``to`` inclusive, on a closed
trade's close date (an open trade's open date).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from aicoach.coach.tools import Card, Citation, IsoDatetime, ToolContext, ToolResult, tool
from aicoach.journal.analytics.arrays import TradeArrays
from aicoach.journal.analytics.dashboard import Dashboard, dashboard
from aicoach.journal.analytics.patterns import find_patterns
from aicoach.journal.analytics.stats import GroupStats, Value
from aicoach.journal.models import TradeRow
from aicoach.journal.repository import JournalRepository
from aicoach.journal.schemas import TradeFilters, TradeListParams
from aicoach.journal.service.analytics import AnalyticsService
from aicoach.journal.service.filters import to_query
from aicoach.journal.service.ledger import Ledger
from aicoach.journal.service.trades import TradeService
from aicoach.marketdata.service import MarketDataService


class JournalToolDeps(Protocol):
    """What the journal tools use (the market calendar, for the citations' session)."""

    @property
    def market(self) -> MarketDataService: ...


Symbol = Annotated[str | None, Field(description="Underlying ticker, e.g. TSLA.", max_length=20)]
Strategy = Annotated[
    str | None,
    Field(
        description="A structure (iron_condor, short_put, bull_put_spread …) or a family "
        "(credit_spread, debit_spread, condor, strangle, spread, call, put, stock).",
        max_length=80,
    ),
]
#: ``from``/``to`` as the model writes them (``from`` is a Python keyword: the aliases).
From = Annotated[date | None, Field(alias="from", description="First New York date, inclusive.")]
To = Annotated[date | None, Field(alias="to", description="Last New York date, inclusive.")]


# --- result models -----------------------------------------------------------------------------


class Period(BaseModel):
    start: date | None = Field(description="First date covered (None: the journal's start).")
    end: date | None = Field(description="Last date covered (None: up to now).")
    label: str = Field(description="The period in words, e.g. 'Oct 1 – Oct 31, 2026'.")


class TradeLine(BaseModel):
    id: str
    underlying: str
    strategy: str
    strategy_label: str
    status: str = Field(description="open | partially_closed | closed")
    opened_at: IsoDatetime
    closed_at: IsoDatetime | None
    realized_net: float = Field(description="Dollars, costs included (0 while open).")
    r_multiple: float | None
    expirations: list[date] = Field(default_factory=list, description="Of the option legs.")


class TradeHistoryResult(BaseModel):
    """``get_trade_history``: the newest matching trades first."""

    period: Period
    total: int = Field(description="Trades matching.")
    shown: int
    closed: int = Field(description="Closed trades among all matching.")
    realized_net: float = Field(description="Σ realized net P&L of the matching closed trades.")
    trades: list[TradeLine]


class GroupLine(BaseModel):
    key: str
    trades: int
    wins: int
    losses: int
    net_pnl: float
    win_rate: float | None


class JournalStatsResult(BaseModel):
    """``get_journal_stats``: closed trades only (realized P&L, costs included)."""

    period: Period
    symbol: str | None
    strategy: str | None
    trades: int = Field(description="Closed trades.")
    open_trades: int
    wins: int
    losses: int
    scratches: int
    win_rate: float | None = Field(description="Fraction of closed trades that made money.")
    net_pnl: float
    gross_profit: float
    gross_loss: float
    profit_factor: float | None
    expectancy: float | None = Field(description="Dollars per trade.")
    expectancy_r: float | None
    average_win: float | None
    average_loss: float | None
    payoff_ratio: float | None
    largest_win: float | None
    largest_loss: float | None
    max_drawdown: float | None = Field(description="Dollars, ≥ 0, on the closed-trade curve.")
    best: TradeLine | None
    worst: TradeLine | None
    by_strategy: list[GroupLine]
    by_symbol: list[GroupLine]
    reasons: dict[str, str] = Field(description="Why a figure above is None.")


class FindingLine(BaseModel):
    kind: str
    sentence: str
    n: int
    caution: bool = Field(description="Small sample (n < 10): say so.")
    tone: str = Field(description="strength | weakness | neutral")
    numbers: dict[str, float | int | str]


class TradePatternsResult(BaseModel):
    """``get_trade_patterns``: plain-language findings with the numbers they cite."""

    period: Period
    trades: int = Field(description="Closed trades looked at.")
    findings: list[FindingLine]


class CardTrade(BaseModel):
    id: str
    label: str
    net: float
    closed_at: IsoDatetime | None


class JournalSummaryCard(BaseModel):
    """The ``journal_summary`` card; ``filters`` reopen the Journal tab on the same trades."""

    period_label: str
    trades: int
    win_rate: float | None
    net: float
    profit_factor: float | None
    expectancy: float | None
    best: CardTrade | None
    worst: CardTrade | None
    filters: dict[str, Any]


class EquityPoint(BaseModel):
    t: IsoDatetime
    equity: float


class EquityCurveCard(BaseModel):
    """The ``equity_curve`` card: cumulative realized net P&L after each closed trade."""

    points: list[EquityPoint]
    max_drawdown: float | None
    net: float
    filters: dict[str, Any]


# --- helpers -----------------------------------------------------------------------------------


def _money(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 2)


def _rate(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


def period_label(start: date | None, end: date | None) -> str:
    def day(d: date, year: bool) -> str:
        return f"{d:%b} {d.day}" + (f", {d.year}" if year else "")

    if start is None and end is None:
        return "all time"
    if start is None:
        assert end is not None
        return f"up to {day(end, True)}"
    if end is None:
        return f"since {day(start, True)}"
    return f"{day(start, start.year != end.year)} – {day(end, True)}"


def _period(start: date | None, end: date | None) -> Period:
    return Period(start=start, end=end, label=period_label(start, end))


def _filters(
    start: date | None, end: date | None, symbol: str | None = None, strategy: str | None = None,
    status: Literal["open", "closed"] | None = None,
) -> TradeFilters:  # fmt: skip
    return TradeFilters.model_validate({
        "from": start, "to": end, "symbol": symbol or None, "strategy": strategy or None,
        "status": status,
    })  # fmt: skip


def _line(t: TradeRow) -> TradeLine:
    return TradeLine(
        id=t.id, underlying=t.underlying, strategy=t.strategy, strategy_label=t.strategy_label,
        status=t.status, opened_at=t.opened_at, closed_at=t.closed_at,
        realized_net=round(float(t.realized_net), 2),
        r_multiple=_rate(float(t.r_multiple)) if t.r_multiple is not None else None,
        expirations=sorted({date.fromisoformat(x["expiration"]) for x in t.legs
                            if x.get("expiration")}),
    )  # fmt: skip


def _group(g: GroupStats) -> GroupLine:
    return GroupLine(key=g.key.replace("_", " "), trades=g.n, wins=g.wins, losses=g.losses,
                     net_pnl=round(g.net_pnl, 2), win_rate=_rate(g.win_rate.value))  # fmt: skip


def _cite(ctx: ToolContext[JournalToolDeps], label: str) -> Citation:
    phase = ctx.deps.market.calendar.phase_at(ctx.now).value
    return Citation("your data", ctx.now, phase, label)


async def _extremes(
    repo: JournalRepository, user_id: int, a: TradeArrays
) -> tuple[TradeRow | None, TradeRow | None]:
    """The closed trades with the best and the worst realized P&L (wins and losses only)."""
    closed = np.flatnonzero(a.closed)
    if not closed.size:
        return None, None
    x = a.net_pnl[closed]
    best_i, worst_i = int(closed[int(np.argmax(x))]), int(closed[int(np.argmin(x))])
    found = {t.id: t for t in await repo.trades_by_ids(user_id, [a.ids[best_i], a.ids[worst_i]])}
    best = found.get(a.ids[best_i]) if a.net_pnl[best_i] > 0 else None
    worst = found.get(a.ids[worst_i]) if a.net_pnl[worst_i] < 0 else None
    return best, worst


def _v(x: Value) -> float | None:
    return x.value


_HOURS = re.compile(r"\b(\d{2}):00–(\d{2}):00 New York")


def _clock(hour: str) -> str:
    h = int(hour)
    return f"{h % 12 or 12} {'am' if h < 12 else 'pm'}"


def readable(text: str) -> str:
    """An entry-hour label in a trader's words: "09:00–10:00 New York" → "9 am–10 am New
    York" (and a clock time the answer can quote as written)."""
    return _HOURS.sub(lambda m: f"{_clock(m.group(1))}–{_clock(m.group(2))} New York", text)


def _finding(f: dict[str, Any]) -> FindingLine:
    numbers = {k: readable(v) if isinstance(v, str) else v for k, v in f["numbers"].items()}
    return FindingLine.model_validate(
        {**f, "sentence": readable(f["sentence"]), "numbers": numbers}
    )


# --- tools -------------------------------------------------------------------------------------


@tool(phrase="Reading your trade history")
async def get_trade_history(
    ctx: ToolContext[JournalToolDeps],
    symbol: Symbol = None,
    strategy: Strategy = None,
    start: From = None,
    end: To = None,
    status: Annotated[Literal["open", "closed"] | None, Field(description="Only these.")] = None,
    limit: Annotated[int, Field(ge=1, le=50, description="Trades to list.")] = 10,
) -> ToolResult[TradeHistoryResult]:
    """The trader's own trades from their journal (imported broker history), newest first:
    underlying, strategy, open/close times and realized P&L, filtered by symbol, strategy,
    dates (New York, inclusive, on the close date) and status."""
    repo = JournalRepository(ctx.session)
    f = _filters(start, end, symbol, strategy, status)
    page = await TradeService(repo, Ledger(repo, None)).page(
        ctx.user_id, TradeListParams.model_validate({**f.model_dump(by_alias=True), "limit": limit})
    )
    rows = await repo.trades_by_ids(ctx.user_id, [t.id for t in page.items])
    a = await AnalyticsService(repo).arrays(ctx.user_id, to_query(f))
    closed = int(a.closed.sum())
    data = TradeHistoryResult(
        period=_period(start, end), total=page.total, shown=len(rows), closed=closed,
        realized_net=round(float(a.net_pnl[a.closed].sum()), 2), trades=[_line(t) for t in rows],
    )  # fmt: skip
    summary = f"{page.total} trades" + (f" on {symbol.upper()}" if symbol else "")
    return ToolResult(data, (_cite(ctx, "Your trade journal"),), (), summary)


@tool(phrase="Adding up your journal")
async def get_journal_stats(
    ctx: ToolContext[JournalToolDeps],
    start: From = None,
    end: To = None,
    symbol: Symbol = None,
    strategy: Strategy = None,
) -> ToolResult[JournalStatsResult]:
    """The trader's results from their journal over a period: closed trades, wins and losses,
    win rate, net P&L, profit factor, expectancy, average win/loss, largest win/loss, max
    drawdown, best and worst trade, by strategy and by symbol."""
    repo = JournalRepository(ctx.session)
    f = _filters(start, end, symbol, strategy)
    a = await AnalyticsService(repo).arrays(ctx.user_id, to_query(f))
    d = dashboard(a)
    best, worst = await _extremes(repo, ctx.user_id, a)
    data = _stats(d, a, _period(start, end), symbol, strategy, best, worst)
    cards = (
        Card("journal_summary", _summary_card(data, f)),
        Card("equity_curve", _equity_card(d, f)),
    )
    summary = f"{data.trades} closed trades, net ${data.net_pnl:,.2f}"
    return ToolResult(data, (_cite(ctx, "Your trade journal"),), cards, summary)


def _stats(
    d: Dashboard, a: TradeArrays, period: Period, symbol: str | None, strategy: str | None,
    best: TradeRow | None, worst: TradeRow | None,
) -> JournalStatsResult:  # fmt: skip
    s = d.summary
    o = s.overall
    values = {
        "win_rate": o.win_rate, "profit_factor": o.profit_factor, "expectancy": o.expectancy,
        "expectancy_r": o.expectancy_r, "average_win": s.average_win,
        "average_loss": s.average_loss, "payoff_ratio": s.payoff_ratio,
        "largest_win": s.largest_win, "largest_loss": s.largest_loss,
        "max_drawdown": d.drawdown.max_drawdown,
    }  # fmt: skip
    reasons = {k: v.reason or "unknown" for k, v in values.items() if v.value is None}
    by_symbol = sorted(d.breakdowns["symbol"], key=lambda g: (-g.n, g.key))[:8]
    return JournalStatsResult(
        period=period, symbol=symbol.upper() if symbol else None, strategy=strategy,
        trades=o.n, open_trades=a.n - int(a.closed.sum()), wins=o.wins, losses=o.losses,
        scratches=s.scratches, win_rate=_rate(_v(o.win_rate)), net_pnl=round(o.net_pnl, 2),
        gross_profit=round(s.gross_profit, 2), gross_loss=round(s.gross_loss, 2),
        profit_factor=_rate(_v(o.profit_factor)), expectancy=_money(_v(o.expectancy)),
        expectancy_r=_rate(_v(o.expectancy_r)), average_win=_money(_v(s.average_win)),
        average_loss=_money(_v(s.average_loss)), payoff_ratio=_rate(_v(s.payoff_ratio)),
        largest_win=_money(_v(s.largest_win)), largest_loss=_money(_v(s.largest_loss)),
        max_drawdown=_money(_v(d.drawdown.max_drawdown)),
        best=_line(best) if best else None, worst=_line(worst) if worst else None,
        by_strategy=[_group(g) for g in d.breakdowns["strategy"]],
        by_symbol=[_group(g) for g in by_symbol], reasons=reasons,
    )  # fmt: skip


def _card_trade(t: TradeLine | None) -> CardTrade | None:
    if t is None:
        return None
    label = f"{t.underlying} {t.strategy_label}"
    return CardTrade(id=t.id, label=label, net=t.realized_net, closed_at=t.closed_at)


def _summary_card(d: JournalStatsResult, f: TradeFilters) -> JournalSummaryCard:
    return JournalSummaryCard(
        period_label=d.period.label, trades=d.trades, win_rate=d.win_rate, net=d.net_pnl,
        profit_factor=d.profit_factor, expectancy=d.expectancy, best=_card_trade(d.best),
        worst=_card_trade(d.worst), filters=f.echo(),
    )  # fmt: skip


def _equity_card(d: Dashboard, f: TradeFilters) -> EquityCurveCard:
    points = [
        EquityPoint(t=datetime.fromtimestamp(float(t), UTC), equity=round(float(e), 2))
        for t, e in zip(d.equity.closed_s, d.equity.equity, strict=True)
    ]
    net = round(float(d.equity.equity[-1]), 2) if d.equity.equity.size else 0.0
    return EquityCurveCard(points=points, max_drawdown=_money(_v(d.drawdown.max_drawdown)),
                           net=net, filters=f.echo())  # fmt: skip


@tool(phrase="Looking for patterns in your trades")
async def get_trade_patterns(
    ctx: ToolContext[JournalToolDeps], start: From = None, end: To = None
) -> ToolResult[TradePatternsResult]:
    """Habits in the trader's journal, in plain words with the numbers behind them: best and
    worst entry hour and weekday, strategy and setup, holding losers longer than winners,
    sizing up after losses, overtrading, IV rank and key-level context at entry."""
    repo = JournalRepository(ctx.session)
    a = await AnalyticsService(repo).arrays(ctx.user_id, to_query(_filters(start, end)))
    found = find_patterns(a)
    data = TradePatternsResult(
        period=_period(start, end), trades=int(a.closed.sum()),
        findings=[_finding(f.to_dict()) for f in found],
    )  # fmt: skip
    return ToolResult(data, (_cite(ctx, "Your trade journal"),), (), f"{len(found)} findings")


#: The slice's coach tools (``Manifest(tools=TOOLS)``).
TOOLS = (get_trade_history, get_journal_stats, get_trade_patterns)
