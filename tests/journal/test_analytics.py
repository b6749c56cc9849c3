"""The vectorised dashboard against the slow, obvious reference on seeded random journals."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
import pytest

from aicoach.journal.analytics.arrays import TradeArrays, day_to_date
from aicoach.journal.analytics.dashboard import Dashboard, dashboard
from aicoach.journal.analytics.filters import TradeFilter
from aicoach.journal.analytics.stats import Value
from tests.journal import reference_analytics as ref
from tests.journal.journals import LEVELS, STRATEGIES, SYMBOLS, TAGS, random_journal


def close(v: Value | float | None, want: object) -> bool:
    got = v.value if isinstance(v, Value) else v
    if want is None or got is None:
        return got is None and want is None
    return math.isclose(got, float(want), rel_tol=1e-9, abs_tol=1e-6)  # type: ignore[arg-type]


def random_filter(rng: np.random.Generator) -> TradeFilter | None:
    if rng.random() < 0.3:
        return None

    def pick(names: list[str]) -> frozenset[str]:
        size = rng.integers(1, len(names) + 1)
        return frozenset(rng.choice(names, size, replace=False).tolist())

    def maybe() -> bool:
        return bool(rng.random() < 0.35)

    start = date(2023, 1, 3) + timedelta(days=int(rng.integers(0, 200)))
    return TradeFilter(
        start=start if maybe() else None,
        end=start + timedelta(days=int(rng.integers(0, 300))) if maybe() else None,
        accounts=pick(["IRA", "margin"]) if maybe() else None,
        symbols=pick(list(SYMBOLS)) if maybe() else None,
        strategies=pick(list(STRATEGIES)) if maybe() else None,
        tags=pick(list(TAGS)) if maybe() else None,
        long_premium=bool(rng.random() < 0.5) if maybe() else None,
        dte=(float(rng.integers(0, 30)), float(rng.integers(30, 130))) if maybe() else None,
        iv_rank=(float(rng.uniform(0, 50)), float(rng.uniform(50, 101))) if maybe() else None,
        abs_delta=(0.1, 0.6) if maybe() else None,
        levels=pick([*LEVELS, "unknown"]) if maybe() else None,
    )


def check(d: Dashboard, want: dict[str, object]) -> None:
    s, w = d.summary, want["summary"]
    assert isinstance(w, dict)
    o = s.overall
    assert (o.n, o.wins, o.losses) == (w["n"], w["wins"], w["losses"])
    assert close(o.net_pnl, w["net"])
    for name in ("win_rate", "expectancy", "profit_factor", "expectancy_r"):
        assert close(getattr(o, name), w[name]), name
    for name in ("average_win", "average_loss", "largest_win", "largest_loss"):
        assert close(getattr(s, name), w[name]), name
    equity = want["equity"]
    assert np.allclose(d.equity.equity, equity, rtol=1e-9, atol=1e-6)  # type: ignore[arg-type]
    assert close(d.drawdown.max_drawdown, want["max_drawdown"])
    days = want["daily"]
    assert isinstance(days, dict)
    assert d.daily.day.tolist() == list(days)
    assert np.allclose(d.daily.pnl, [p for p, _ in days.values()]) or not days
    assert d.daily.n.tolist() == [n for _, n in days.values()]
    assert close(d.risk.sharpe, want["sharpe"]) and close(d.risk.sortino, want["sortino"])
    assert d.r_histogram.counts.tolist() == want["r_counts"]
    assert d.holding.histogram.counts.tolist() == want["holding_counts"]
    mw, ml = want["medians"]  # type: ignore[misc]
    assert close(d.holding.median_win_s, mw) and close(d.holding.median_loss_s, ml)
    hn, hnet = want["heatmap"]  # type: ignore[misc]
    assert d.heatmap.n.tolist() == hn and np.allclose(d.heatmap.net_pnl, hnet)
    bd = want["breakdowns"]
    assert isinstance(bd, dict)
    for dim, groups in d.breakdowns.items():
        expected = bd[dim]
        assert {g.key for g in groups} == set(expected), dim
        for g in groups:
            e = expected[g.key]
            assert (g.n, g.wins, g.losses) == (e["n"], e["wins"], e["losses"]), (dim, g.key)
            assert close(g.net_pnl, e["net"])
            for name in ("win_rate", "expectancy", "profit_factor", "expectancy_r"):
                assert close(getattr(g, name), e[name]), (dim, g.key, name)


@pytest.mark.parametrize("seed", range(40))
def test_dashboard_equals_the_reference(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.choice([0, 1, 2, 3, 8, 40, 300, 1500]))
    a = random_journal(n, seed)
    for _ in range(4):
        f = random_filter(rng)
        check(dashboard(a, f), ref.dashboard(a, f))


def test_scratches_and_no_losses_are_typed_not_nan() -> None:
    a = random_journal(50, 3)
    only_wins = TradeArrays(**{**_fields(a), "net_pnl": np.abs(a.net_pnl) + 1.0})
    d = dashboard(only_wins)
    assert d.summary.overall.profit_factor == Value(None, "no losing trades")
    assert d.summary.payoff_ratio.value is None and d.summary.largest_loss.value is None
    assert d.drawdown.max_drawdown == Value(0.0)
    assert d.risk.sortino.reason == "no losing day"
    empty = dashboard(random_journal(0))
    assert empty.summary.overall.win_rate == Value(None, "no closed trades")
    assert empty.drawdown.max_drawdown.value is None and empty.risk.sharpe.value is None
    json.dumps(empty.to_dict(), allow_nan=False)  # JSON without NaN/inf: raises otherwise
    json.dumps(d.to_dict(), allow_nan=False)


def _fields(a: TradeArrays) -> dict[str, object]:
    names = [f for f in TradeArrays.__dataclass_fields__ if f != "holding_s"]
    return {f: getattr(a, f) for f in names}


def test_session_days_include_the_quiet_days() -> None:
    a = random_journal(200, 9)
    d = dashboard(a)
    days = d.daily.day
    sessions = np.arange(days.min(), days.max() + 1)
    sessions = sessions[[day_to_date(int(x)).weekday() < 5 for x in sessions]]
    d2 = dashboard(a, session_days=sessions)
    assert d2.risk.basis == "trading sessions" and d2.risk.days >= d.risk.days
    x = np.zeros(np.union1d(sessions, days).size)
    x[np.searchsorted(np.union1d(sessions, days), days)] = d.daily.pnl
    want = x.mean() / x.std(ddof=1) * math.sqrt(252)
    assert close(d2.risk.sharpe, want)


def test_drawdown_by_hand() -> None:
    a = random_journal(5, 1)
    pnl = np.array([100.0, -30.0, 50.0, -200.0, 40.0])
    closed = np.array([1.0, 2.0, 3.0, 4.0, 5.0]) * 86400 + a.opened_s.max()
    b = TradeArrays(
        **{**_fields(a), "net_pnl": pnl, "closed_s": closed, "closed": np.ones(5, dtype=bool)}
    )
    d = dashboard(b)
    # equity 100, 70, 120, −80, −40: peak 120 → trough −80 = 200
    assert d.equity.equity.tolist() == [100.0, 70.0, 120.0, -80.0, -40.0]
    assert d.drawdown.max_drawdown == Value(200.0)
    assert (d.drawdown.peak_s, d.drawdown.trough_s) == (closed[2], closed[3])
