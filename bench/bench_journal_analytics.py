"""Journal analytics benchmark: the full dashboard payload of a 10,000-trade journal.

1. ``dashboard(arrays).to_dict()`` (summary, equity curve, drawdown, daily calendar, Sharpe and
   Sortino, R and holding-time histograms, hour × weekday heatmap, nine breakdowns), ours
   (vectorised numpy) against the slow obvious reference the tests check it with (one dict per
   trade, plain Python loops), both on the same seeded journal, unfiltered and with a filter.
   Both sides are first checked to agree. Goal: well under 100 ms for ours.
2. ``find_patterns`` on the same journal (figure only).
3. ``build_trades`` on 20,000 executions (figure only): the Decimal round-trip builder.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from aicoach.journal.analytics.dashboard import dashboard
from aicoach.journal.analytics.filters import TradeFilter
from aicoach.journal.analytics.patterns import find_patterns
from aicoach.journal.core.executions import Effect, Execution
from aicoach.journal.core.roundtrips import AccountExecution, build_trades
from bench.harness import Report, best_seconds
from tests.journal import reference_analytics as ref
from tests.journal.factory import T0, call, put, stock
from tests.journal.journals import random_journal
from tests.journal.test_analytics import check

N_TRADES, N_EXECUTIONS = 10_000, 20_000


def _executions(n: int, seed: int = 3) -> list[AccountExecution]:
    rnd = random.Random(seed)
    pool = [stock("SPY"), stock("QQQ"), put(500), put(490), call(510), call(520)]
    rows, t = [], T0
    for i in range(n):
        t += timedelta(seconds=rnd.choice([1, 20, 90, 600, 3600]))
        e = Execution(
            executed_at=t,
            instrument=rnd.choice(pool),
            quantity=Decimal(rnd.choice([-3, -2, -1, 1, 2, 3])),
            price=Decimal(rnd.randint(1, 2000)) / 100,
            commission=Decimal("0.65"),
            effect=Effect.UNKNOWN,
            row=i + 1,
        )
        rows.append(AccountExecution(rnd.choice("AB"), e))
    return rows


def run(report: Report) -> None:
    arrays = random_journal(N_TRADES, seed=7)
    filtered = TradeFilter(
        start=date(2023, 3, 1),
        strategies=frozenset({"bull_put_spread", "iron_condor"}),
        long_premium=False,
    )
    for f in (None, filtered):
        check(dashboard(arrays, f), ref.dashboard(arrays, f))  # same numbers first
        ours = best_seconds(lambda f=f: dashboard(arrays, f).to_dict(), repeat=7)
        slow = best_seconds(lambda f=f: ref.dashboard(arrays, f), repeat=2)
        label = "all" if f is None else "filtered"
        report.ratio(
            f"journal.dashboard {N_TRADES:,} trades ({label})",
            ours,
            slow,
            "python-loops",
            "ours < 100 ms",
        )
    patterns_s = best_seconds(lambda: find_patterns(arrays), repeat=5)
    report.figure(
        f"journal.find_patterns {N_TRADES:,} trades",
        f"{patterns_s * 1e3:.1f} ms for {len(find_patterns(arrays))} findings",
    )
    rows = _executions(N_EXECUTIONS)
    build_s = best_seconds(lambda: build_trades(rows), repeat=2)
    book = build_trades(rows)
    report.figure(
        f"journal.build_trades {N_EXECUTIONS:,} executions",
        f"{build_s * 1e3:.0f} ms for {len(book.trades):,} trades "
        f"({build_s / N_EXECUTIONS * 1e6:.0f} µs per execution)",
    )
