"""Time-shaped analytics of closed trades: equity curve, drawdown, daily P&L, Sharpe/Sortino,
distributions and the entry-time heatmap. All vectorised; money in dollars.

* **Equity curve**: cumulative net P&L after each trade, trades ordered by close time (ties:
  the journal's trade order). It starts from 0 before the first trade.
* **Max drawdown**: ``max_t (peak_t − equity_t)`` with ``peak_t = max(0, equity_0 … equity_t)``,
  dollars ≥ 0; with the close times of the peak and the trough (peak time ``None`` when the
  peak is the starting 0).
* **Daily P&L**: net P&L summed per New York close date.
* **Sharpe / Sortino of daily P&L**: over the **days with at least one closed trade** by
  default, or over the caller's full list of trading sessions (``session_days``, e.g. from the
  exchange calendar, which this pure core does not load) with 0 on days without closes::

      Sharpe  = mean(d) / std(d, ddof=1) · √252
      Sortino = mean(d) / sqrt(mean(min(d, 0)²)) · √252      (target 0, over every day)

  These are ratios of *dollar* P&L (no account equity is known here). ``None`` with a reason
  when there are fewer than 2 days, the deviation is 0, or (Sortino) no day lost money.
* **Histograms**: counts in half-open bins ``[e_i, e_{i+1})``; R-multiples of the trades that
  have one; holding times in seconds.
* **Heatmap**: 7 × 24 (Monday = row 0, hour 0–23) of New York *entry* time: trades, net P&L
  and wins per cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aicoach.journal.analytics.arrays import BoolArray, FloatArray, IntArray, TradeArrays
from aicoach.journal.analytics.stats import Value, value

TRADING_DAYS_PER_YEAR = 252
R_EDGES = (-math.inf, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf)
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
HOLDING_EDGES = (0.0, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY, math.inf)
HOLDING_LABELS = (
    "< 5 min",
    "5–30 min",
    "30 min–2 h",
    "2 h–1 day",
    "1–3 days",
    "3–7 days",
    "7–30 days",
    "30+ days",
)


def _list(a: FloatArray | IntArray) -> list[float] | list[int]:
    out: list[float] | list[int] = a.tolist()
    return out


@dataclass(frozen=True, slots=True)
class EquityCurve:
    """``closed_s`` close times (UTC epoch s), ``equity`` cumulative dollars, ``index`` trade
    index in the arrays, all in close order."""

    closed_s: FloatArray
    equity: FloatArray
    index: IntArray

    def to_dict(self) -> dict[str, object]:
        return {"closed_s": _list(self.closed_s), "equity": _list(self.equity)}


def equity_curve(a: TradeArrays, keep: BoolArray) -> EquityCurve:
    idx = np.flatnonzero(keep)
    order = idx[np.argsort(a.closed_s[idx], kind="stable")]
    return EquityCurve(a.closed_s[order], np.cumsum(a.net_pnl[order]), order)


@dataclass(frozen=True, slots=True)
class Drawdown:
    max_drawdown: Value  # dollars, ≥ 0
    peak_s: float | None
    trough_s: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "max_drawdown": self.max_drawdown.to_dict(),
            "peak_s": self.peak_s,
            "trough_s": self.trough_s,
        }


def drawdown(curve: EquityCurve) -> Drawdown:
    if curve.equity.size == 0:
        return Drawdown(Value(None, "no closed trades"), None, None)
    peak = np.maximum.accumulate(np.maximum(curve.equity, 0.0))
    dd = peak - curve.equity
    i = int(np.argmax(dd))
    if dd[i] <= 0:
        return Drawdown(Value(0.0), None, None)
    at_peak = np.flatnonzero(curve.equity[: i + 1] == peak[i])
    peak_s = float(curve.closed_s[at_peak[-1]]) if at_peak.size and peak[i] > 0 else None
    return Drawdown(value(float(dd[i])), peak_s, float(curve.closed_s[i]))


@dataclass(frozen=True, slots=True)
class DailyPnl:
    """``day`` New York dates (days since 1970-01-01), ``pnl`` dollars, ``n`` trades closed."""

    day: IntArray
    pnl: FloatArray
    n: IntArray

    def to_dict(self) -> dict[str, object]:
        return {"day": _list(self.day), "pnl": _list(self.pnl), "n": _list(self.n)}


def daily(a: TradeArrays, keep: BoolArray) -> DailyPnl:
    days, inverse = np.unique(a.close_day[keep], return_inverse=True)
    pnl = np.bincount(inverse, weights=a.net_pnl[keep], minlength=days.size).astype(np.float64)
    n = np.bincount(inverse, minlength=days.size).astype(np.int64)
    return DailyPnl(days.astype(np.int64), pnl, n)


@dataclass(frozen=True, slots=True)
class RiskRatios:
    sharpe: Value
    sortino: Value
    days: int
    basis: str  # "days with closed trades" or "trading sessions"

    def to_dict(self) -> dict[str, object]:
        return {
            "sharpe": self.sharpe.to_dict(),
            "sortino": self.sortino.to_dict(),
            "days": self.days,
            "basis": self.basis,
        }


def risk_ratios(d: DailyPnl, session_days: IntArray | None = None) -> RiskRatios:
    """Sharpe and Sortino of daily P&L (module docstring), annualised with √252."""
    x, basis = d.pnl, "days with closed trades"
    if session_days is not None:
        basis = "trading sessions"
        all_days = np.union1d(np.asarray(session_days, dtype=np.int64), d.day)
        x = np.zeros(all_days.size)
        x[np.searchsorted(all_days, d.day)] = d.pnl
    n = int(x.size)
    if n < 2:
        why = "fewer than 2 days"
        return RiskRatios(Value(None, why), Value(None, why), n, basis)
    scale = math.sqrt(TRADING_DAYS_PER_YEAR)
    mean, std = float(x.mean()), float(x.std(ddof=1))
    sharpe = value(mean / std * scale) if std > 0 else Value(None, "daily P&L does not vary")
    downside = math.sqrt(float(np.mean(np.minimum(x, 0.0) ** 2)))
    sortino = value(mean / downside * scale) if downside > 0 else Value(None, "no losing day")
    return RiskRatios(sharpe, sortino, n, basis)


@dataclass(frozen=True, slots=True)
class Histogram:
    edges: tuple[float, ...]
    counts: IntArray
    labels: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        edges = [e if math.isfinite(e) else None for e in self.edges]
        return {"edges": edges, "counts": _list(self.counts), "labels": list(self.labels)}


def histogram(
    values: FloatArray, edges: tuple[float, ...], labels: tuple[str, ...] = ()
) -> Histogram:
    """Counts of the finite ``values`` in ``[e_i, e_{i+1})``; values outside are not counted."""
    v = values[np.isfinite(values)]
    idx = np.searchsorted(np.asarray(edges), v, side="right") - 1
    idx = idx[(idx >= 0) & (idx < len(edges) - 1)]
    counts = np.bincount(idx, minlength=len(edges) - 1).astype(np.int64)
    if not labels:
        labels = tuple(f"[{edges[i]:g}, {edges[i + 1]:g})" for i in range(len(edges) - 1))
    return Histogram(edges, counts, labels)


@dataclass(frozen=True, slots=True)
class Holding:
    """Holding-time distribution and the median holding (seconds) of winners and losers."""

    histogram: Histogram
    median_s: Value
    median_win_s: Value
    median_loss_s: Value

    def to_dict(self) -> dict[str, object]:
        return {
            "histogram": self.histogram.to_dict(),
            "median_s": self.median_s.to_dict(),
            "median_win_s": self.median_win_s.to_dict(),
            "median_loss_s": self.median_loss_s.to_dict(),
        }


def _median(x: FloatArray, reason: str) -> Value:
    return value(float(np.median(x))) if x.size else Value(None, reason)


def holding(a: TradeArrays, keep: BoolArray) -> Holding:
    h, x = a.holding_s[keep], a.net_pnl[keep]
    return Holding(
        histogram(h, HOLDING_EDGES, HOLDING_LABELS),
        _median(h, "no closed trades"),
        _median(h[x > 0], "no winning trades"),
        _median(h[x < 0], "no losing trades"),
    )


@dataclass(frozen=True, slots=True)
class Heatmap:
    """7 × 24 arrays by New York entry weekday (Monday = 0) and hour."""

    n: IntArray
    net_pnl: FloatArray
    wins: IntArray

    def to_dict(self) -> dict[str, object]:
        return {"n": self.n.tolist(), "net_pnl": self.net_pnl.tolist(), "wins": self.wins.tolist()}


def heatmap(a: TradeArrays, keep: BoolArray) -> Heatmap:
    cell = a.entry_weekday[keep] * 24 + a.entry_hour[keep]
    x = a.net_pnl[keep]
    n = np.bincount(cell, minlength=168).astype(np.int64).reshape(7, 24)
    net = np.bincount(cell, weights=x, minlength=168).astype(np.float64).reshape(7, 24)
    wins = np.bincount(cell[x > 0], minlength=168).astype(np.int64).reshape(7, 24)
    return Heatmap(n, net, wins)
