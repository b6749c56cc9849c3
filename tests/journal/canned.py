"""Canned results of the journal tools, built with their result models (so they cannot drift from
what the tools return), for the offline coach's tests at Wed 2026-11-25 15:00 ET."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from aicoach.journal.tools import (
    FindingLine,
    GroupLine,
    JournalStatsResult,
    Period,
    TradeHistoryResult,
    TradeLine,
    TradePatternsResult,
    period_label,
)

JOURNAL_TOOLS = ("get_trade_history", "get_journal_stats", "get_trade_patterns")


def _period(args: dict[str, Any]) -> Period:
    start = date.fromisoformat(args["from"]) if args.get("from") else None
    end = date.fromisoformat(args["to"]) if args.get("to") else None
    return Period(start=start, end=end, label=period_label(start, end))


def _line(i: str, und: str, label: str, opened: datetime, closed: datetime | None,
          net: float, r: float | None = None) -> TradeLine:  # fmt: skip
    return TradeLine(
        id=i, underlying=und, strategy=label.lower().replace(" ", "_"), strategy_label=label,
        status="closed" if closed else "open", opened_at=opened, closed_at=closed,
        realized_net=net, r_multiple=r,
    )  # fmt: skip


BEST = _line("b1", "TSLA", "Short put", datetime(2026, 10, 6, 14, 40, tzinfo=UTC),
             datetime(2026, 10, 14, 19, 5, tzinfo=UTC), 640.0, 1.28)  # fmt: skip
WORST = _line("w1", "NVDA", "Iron condor", datetime(2026, 10, 9, 15, 2, tzinfo=UTC),
              datetime(2026, 10, 22, 17, 30, tzinfo=UTC), -410.25, -0.82)  # fmt: skip


def stats(args: dict[str, Any]) -> dict[str, Any]:
    strategy = args.get("strategy")
    condors = strategy in ("iron_condor", "condor")
    by_strategy = [
        GroupLine(key="iron condor", trades=5, wins=3, losses=2, net_pnl=310.5, win_rate=0.6),
        GroupLine(key="short put", trades=7, wins=4, losses=3, net_pnl=924.0, win_rate=0.5714),
    ]
    if condors:
        by_strategy = by_strategy[:1]
    result = JournalStatsResult(
        period=_period(args), symbol=args.get("symbol"), strategy=strategy,
        trades=5 if condors else 12, open_trades=2, wins=3 if condors else 7,
        losses=2 if condors else 5, scratches=0, win_rate=0.6 if condors else 0.5833,
        net_pnl=310.5 if condors else 1234.5, gross_profit=2400.0, gross_loss=1165.5,
        profit_factor=2.0592, expectancy=62.1 if condors else 102.88, expectancy_r=0.21,
        average_win=342.86, average_loss=-233.1, payoff_ratio=1.4709, largest_win=640.0,
        largest_loss=-410.25, max_drawdown=520.0, best=BEST, worst=WORST,
        by_strategy=by_strategy, by_symbol=[], reasons={},
    )  # fmt: skip
    return result.model_dump(mode="json")


def history(args: dict[str, Any]) -> dict[str, Any]:
    symbol = args.get("symbol")
    lines = [
        _line("t3", "TSLA", "Short put", datetime(2026, 11, 3, 15, 0, tzinfo=UTC), None, 0.0),
        _line("t2", "TSLA", "Bull put spread", datetime(2026, 10, 20, 14, 31, tzinfo=UTC),
              datetime(2026, 10, 30, 18, 45, tzinfo=UTC), 185.4, 0.46),
        BEST,
    ]  # fmt: skip
    if symbol and symbol != "TSLA":
        lines = []
    result = TradeHistoryResult(
        period=_period(args), total=len(lines), shown=len(lines),
        closed=sum(t.status == "closed" for t in lines),
        realized_net=round(sum(t.realized_net for t in lines), 2), trades=lines,
    )  # fmt: skip
    return result.model_dump(mode="json")


def patterns(args: dict[str, Any]) -> dict[str, Any]:
    findings = [
        FindingLine(kind="best_hour", sentence="Your best entry hour is 10 am–11 am New York: "
                    "+$96 per trade over 14 trades (won 71%).", n=14, caution=False,
                    tone="strength", numbers={"entry hour": "10 am–11 am New York",
                                              "per_trade": 96.2, "win_rate": 0.7143, "n": 14}),
        FindingLine(kind="worst_hour", sentence="Your worst entry hour is 3 pm–4 pm New York: "
                    "−$58 per trade over 9 trades (won 33%) (small sample).", n=9, caution=True,
                    tone="weakness", numbers={"entry hour": "3 pm–4 pm New York",
                                              "per_trade": -57.8, "win_rate": 0.3333, "n": 9}),
        FindingLine(kind="worst_weekday", sentence="Your worst weekday is Friday: −$41 per trade "
                    "over 11 trades (won 36%).", n=11, caution=False, tone="weakness",
                    numbers={"weekday": "Friday", "per_trade": -41.0, "win_rate": 0.3636,
                             "n": 11}),
        FindingLine(kind="holding", sentence="You hold losing trades 2.4× as long as winners "
                    "(median 3.1 days vs 1.3 days; 15 losers, 26 winners).", n=41,
                    caution=False, tone="weakness",
                    numbers={"ratio": 2.4, "losers": 15, "winners": 26, "n": 41}),
    ]  # fmt: skip
    result = TradePatternsResult(period=_period(args), trades=41, findings=findings)
    return result.model_dump(mode="json")


CANNED = {"get_journal_stats": stats, "get_trade_history": history,
          "get_trade_patterns": patterns}  # fmt: skip


def content(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return CANNED[name](args)
