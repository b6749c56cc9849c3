"""The whole dashboard payload for one filter, in one vectorised pass: :func:`dashboard`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aicoach.journal.analytics.arrays import IntArray, TradeArrays
from aicoach.journal.analytics.curves import (
    R_EDGES,
    DailyPnl,
    Drawdown,
    EquityCurve,
    Heatmap,
    Histogram,
    Holding,
    RiskRatios,
    daily,
    drawdown,
    equity_curve,
    heatmap,
    histogram,
    holding,
    risk_ratios,
)
from aicoach.journal.analytics.filters import (
    DELTA_BUCKETS,
    DTE_BUCKETS,
    IV_RANK_BUCKETS,
    TradeFilter,
    mask,
)
from aicoach.journal.analytics.stats import GroupStats, Summary, breakdown, summary, tag_breakdown

DIRECTION_NAMES = ("short premium", "even", "long premium")  # direction code + 1


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Every figure of the journal dashboard for ``filter`` (see :mod:`.stats`, :mod:`.curves`).

    ``breakdowns`` maps a dimension (``account``, ``symbol``, ``strategy``, ``tag``,
    ``premium``, ``dte``, ``iv_rank``, ``delta``, ``level``) to its groups."""

    filter: TradeFilter | None
    summary: Summary
    equity: EquityCurve
    drawdown: Drawdown
    daily: DailyPnl
    risk: RiskRatios
    r_histogram: Histogram
    holding: Holding
    heatmap: Heatmap
    breakdowns: dict[str, tuple[GroupStats, ...]]

    def to_dict(self) -> dict[str, object]:
        return {
            "summary": self.summary.to_dict(),
            "equity": self.equity.to_dict(),
            "drawdown": self.drawdown.to_dict(),
            "daily": self.daily.to_dict(),
            "risk": self.risk.to_dict(),
            "r_histogram": self.r_histogram.to_dict(),
            "holding": self.holding.to_dict(),
            "heatmap": self.heatmap.to_dict(),
            "breakdowns": {k: [g.to_dict() for g in v] for k, v in self.breakdowns.items()},
        }


def dashboard(
    a: TradeArrays, f: TradeFilter | None = None, *, session_days: IntArray | None = None
) -> Dashboard:
    """All metrics of the closed trades ``f`` keeps. ``session_days`` (New York dates as days
    since 1970-01-01) switches Sharpe/Sortino to every trading session (see :mod:`.curves`)."""
    keep = mask(a, f)
    x, r = a.net_pnl, a.r
    curve = equity_curve(a, keep)
    days = daily(a, keep)
    dte_names, ivr_names = DTE_BUCKETS.labels[:-1], IV_RANK_BUCKETS.labels[:-1]
    delta_names = DELTA_BUCKETS.labels[:-1]
    breakdowns = {
        "account": breakdown(a.account, a.account_names, keep, x, r),
        "symbol": breakdown(a.symbol, a.symbol_names, keep, x, r),
        "strategy": breakdown(a.strategy, a.strategy_names, keep, x, r),
        "tag": tag_breakdown(a.tags, a.tag_names, keep, x, r),
        "premium": breakdown(a.direction + 1, DIRECTION_NAMES, keep, x, r),
        "dte": breakdown(DTE_BUCKETS.codes(a.dte), dte_names, keep, x, r),
        "iv_rank": breakdown(IV_RANK_BUCKETS.codes(a.iv_rank), ivr_names, keep, x, r),
        "delta": breakdown(DELTA_BUCKETS.codes(np.abs(a.delta)), delta_names, keep, x, r),
        "level": breakdown(a.level, a.level_names, keep, x, r),
    }
    return Dashboard(
        filter=f,
        summary=summary(keep, x, r),
        equity=curve,
        drawdown=drawdown(curve),
        daily=days,
        risk=risk_ratios(days, session_days),
        r_histogram=histogram(r[keep], R_EDGES),
        holding=holding(a, keep),
        heatmap=heatmap(a, keep),
        breakdowns=breakdowns,
    )
