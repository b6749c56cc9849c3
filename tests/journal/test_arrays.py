"""Trades → TradeArrays: units, codes, New York times and the enrichment context."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from aicoach.journal.analytics.arrays import TradeContext, day_to_date, trade_arrays
from aicoach.journal.analytics.dashboard import dashboard
from aicoach.journal.analytics.filters import TradeFilter
from aicoach.journal.core.executions import Effect, ExecutionKind
from aicoach.journal.core.roundtrips import build_trades
from tests.journal.factory import acct, at, call, ex, put, stock


def test_columns_from_real_trades() -> None:
    rows = acct(
        # bull put spread, closed 10 days later: net 274.64, risk 1580, R 0.1738
        ex(put(500), -2, "3.20", at(0), comm="1.30", fees="0.04", effect=Effect.OPEN, order="o1"),
        ex(put(490), 2, "1.10", at(0), comm="1.30", fees="0.04", effect=Effect.OPEN, order="o1"),
        ex(put(500), 2, "1.00", at(days=10), comm="1.30", fees="0.04", order="o2"),
        ex(put(490), -2, "0.30", at(days=10), comm="1.30", fees="0.04", order="o2"),
        # long call, still open
        ex(call(520), 1, "2.00", at(60), order="o3"),
    ) + acct(
        ex(stock("AAPL"), -10, "200", at(days=1)),
        ex(stock("AAPL"), 10, "190", at(days=2), kind=ExecutionKind.TRADE),
        account="B",
    )
    book = build_trades(rows)
    spread, single, short_stock = book.trades
    ctx = {
        spread.id: TradeContext(
            tags=("plan", "income"),
            iv_rank_at_entry=42.0,
            dte_at_entry=45.0,
            delta_at_entry=-0.3,
            level_context="above support",
        )
    }
    a = trade_arrays(book.trades, ctx)
    assert a.ids == (spread.id, single.id, short_stock.id)
    assert a.account_names == ("A1", "B") and a.account.tolist() == [0, 0, 1]
    assert a.symbol_names == ("AAPL", "SPY") and a.symbol.tolist() == [1, 1, 0]
    assert [a.strategy_names[i] for i in a.strategy] == [
        "bull_put_spread",
        "long_call",
        "short_stock",
    ]
    assert a.direction.tolist() == [-1, 1, -1]
    assert a.closed.tolist() == [True, False, True]
    assert a.net_pnl.tolist() == [274.64, 0.0, 100.0]
    assert a.r[0] == 0.1738 and math.isnan(a.r[1]) and math.isnan(a.r[2])
    assert a.risk.tolist()[0] == 1580.0 and a.size.tolist() == [420.0, 200.0, 2000.0]
    # T0 = Monday 2025-03-03 15:00 UTC = 10:00 New York (EST)
    assert a.entry_hour.tolist() == [10, 11, 10] and a.entry_weekday.tolist() == [0, 0, 1]
    assert day_to_date(int(a.close_day[0])) == date(2025, 3, 13) and a.close_day[1] == -1
    assert a.holding_s[0] == 10 * 86400 and math.isnan(a.holding_s[1])
    assert a.tag_names == ("income", "plan") and a.tags.tolist() == [
        [True, True],
        [False, False],
        [False, False],
    ]
    assert a.level_names == ("above support",) and a.level.tolist() == [0, -1, -1]
    assert a.iv_rank[0] == 42.0 and np.isnan(a.iv_rank[1:]).all()
    d = dashboard(a, TradeFilter(tags=frozenset({"plan"})))
    assert d.summary.overall.n == 1 and d.summary.overall.expectancy_r.value == 0.1738
    assert dashboard(a).summary.overall.n == 2  # open trades are never in the P&L metrics
