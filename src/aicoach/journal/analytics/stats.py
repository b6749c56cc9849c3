"""Trade statistics of a set of closed trades, overall and per group, vectorised with bincount.

Definitions (``x`` = net P&L of each trade in dollars, costs included; a trade with ``x > 0`` is
a win, ``x < 0`` a loss, ``x = 0`` a scratch, counted in ``n`` but neither):

====================  ===================================================  =================
win rate              wins / n                                             fraction 0–1
profit factor         Σ wins / |Σ losses|                                  ratio
expectancy            Σ x / n                                              dollars per trade
expectancy (R)        Σ R / n_R over trades with an R-multiple             R per trade
average win / loss    Σ wins / wins,  Σ losses / losses  (loss negative)    dollars
payoff ratio          average win / |average loss|                         ratio
largest win / loss    max x (> 0),  min x (< 0)                            dollars
====================  ===================================================  =================

A number that cannot be computed is a :class:`Value` with ``value=None`` and the reason (no
trades, no losses for a profit factor …), never NaN or inf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aicoach.journal.analytics.arrays import BoolArray, FloatArray, IntArray


@dataclass(frozen=True, slots=True)
class Value:
    """A finite number, or ``None`` with the reason it has none."""

    value: float | None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"value": self.value, "reason": self.reason}


def value(x: float) -> Value:
    x = float(x)
    return Value(x) if math.isfinite(x) else Value(None, "not finite")


def ratio(num: float, den: float, reason: str) -> Value:
    """``num / den``, or ``None`` with ``reason`` when ``den`` is 0."""
    return value(num / den) if den != 0 else Value(None, reason)


NO_TRADES = "no closed trades"


@dataclass(frozen=True, slots=True)
class GroupSums:
    """Per-group sums (arrays of length ``k``) from which every statistic follows."""

    n: IntArray
    wins: IntArray
    losses: IntArray
    net: FloatArray
    gross_profit: FloatArray
    gross_loss: FloatArray  # Σ |losses|, ≥ 0
    r_sum: FloatArray
    r_n: IntArray


def group_sums(codes: IntArray, k: int, x: FloatArray, r: FloatArray) -> GroupSums:
    """Sums by group code ``0 … k−1`` (one ``bincount`` each): no loop over trades."""
    win, loss = x > 0, x < 0
    has_r = np.isfinite(r)

    def count(w: BoolArray) -> IntArray:
        out: IntArray = np.bincount(codes[w], minlength=k).astype(np.int64)
        return out

    def total(w: FloatArray) -> FloatArray:
        out: FloatArray = np.bincount(codes, weights=w, minlength=k).astype(np.float64)
        return out

    return GroupSums(
        n=np.bincount(codes, minlength=k).astype(np.int64),
        wins=count(win),
        losses=count(loss),
        net=total(x),
        gross_profit=total(np.where(win, x, 0.0)),
        gross_loss=total(np.where(loss, -x, 0.0)),
        r_sum=total(np.where(has_r, r, 0.0)),
        r_n=count(has_r),
    )


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Statistics of one group (module docstring)."""

    key: str
    n: int
    wins: int
    losses: int
    net_pnl: float
    win_rate: Value
    expectancy: Value
    profit_factor: Value
    expectancy_r: Value
    n_r: int

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "n": self.n,
            "wins": self.wins,
            "losses": self.losses,
            "net_pnl": self.net_pnl,
            "win_rate": self.win_rate.to_dict(),
            "expectancy": self.expectancy.to_dict(),
            "profit_factor": self.profit_factor.to_dict(),
            "expectancy_r": self.expectancy_r.to_dict(),
            "n_r": self.n_r,
        }


def _stats(key: str, s: GroupSums, i: int) -> GroupStats:
    n = int(s.n[i])
    return GroupStats(
        key=key,
        n=n,
        wins=int(s.wins[i]),
        losses=int(s.losses[i]),
        net_pnl=float(s.net[i]),
        win_rate=ratio(float(s.wins[i]), n, NO_TRADES),
        expectancy=ratio(float(s.net[i]), n, NO_TRADES),
        profit_factor=ratio(float(s.gross_profit[i]), float(s.gross_loss[i]), "no losing trades")
        if n
        else Value(None, NO_TRADES),
        expectancy_r=ratio(float(s.r_sum[i]), int(s.r_n[i]), "no trade has a planned risk"),
        n_r=int(s.r_n[i]),
    )


def breakdown(
    codes: IntArray, names: tuple[str, ...], keep: BoolArray, x: FloatArray, r: FloatArray
) -> tuple[GroupStats, ...]:
    """Stats per name of the kept trades; code ``−1`` (or ``len(names)``) is ``unknown``.
    Groups without trades are left out; order = ``names`` order, ``unknown`` last."""
    k = len(names) + 1
    c = np.where(codes[keep] < 0, len(names), codes[keep])
    s = group_sums(c, k, x[keep], r[keep])
    labels = (*names, "unknown")
    return tuple(_stats(labels[i], s, i) for i in map(int, np.flatnonzero(s.n)))


def tag_breakdown(
    tags: BoolArray, names: tuple[str, ...], keep: BoolArray, x: FloatArray, r: FloatArray
) -> tuple[GroupStats, ...]:
    """Stats per tag (a trade with several tags counts in each): matrix products, no loop."""
    t = tags[keep].astype(np.float64)
    xk, rk = x[keep], r[keep]
    has_r = np.isfinite(rk)
    s = GroupSums(
        n=t.sum(axis=0).astype(np.int64),
        wins=((xk > 0) @ t).astype(np.int64),
        losses=((xk < 0) @ t).astype(np.int64),
        net=xk @ t,
        gross_profit=np.where(xk > 0, xk, 0.0) @ t,
        gross_loss=np.where(xk < 0, -xk, 0.0) @ t,
        r_sum=np.where(has_r, rk, 0.0) @ t,
        r_n=(has_r @ t).astype(np.int64),
    )
    return tuple(_stats(names[i], s, i) for i in map(int, np.flatnonzero(s.n)))


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline statistics of the kept trades (module docstring)."""

    overall: GroupStats
    gross_profit: float
    gross_loss: float
    scratches: int
    average_win: Value
    average_loss: Value
    payoff_ratio: Value
    largest_win: Value
    largest_loss: Value

    def to_dict(self) -> dict[str, object]:
        return {
            **self.overall.to_dict(),
            "gross_profit": self.gross_profit,
            "gross_loss": self.gross_loss,
            "scratches": self.scratches,
            "average_win": self.average_win.to_dict(),
            "average_loss": self.average_loss.to_dict(),
            "payoff_ratio": self.payoff_ratio.to_dict(),
            "largest_win": self.largest_win.to_dict(),
            "largest_loss": self.largest_loss.to_dict(),
        }


def summary(keep: BoolArray, x: FloatArray, r: FloatArray) -> Summary:
    xk = x[keep]
    s = group_sums(np.zeros(xk.size, dtype=np.int64), 1, xk, r[keep])
    overall = _stats("all", s, 0)
    wins, losses = int(s.wins[0]), int(s.losses[0])
    gp, gl = float(s.gross_profit[0]), float(s.gross_loss[0])
    avg_win = ratio(gp, wins, "no winning trades")
    avg_loss = ratio(-gl, losses, "no losing trades")
    if avg_win.value is not None and avg_loss.value is not None:
        payoff = value(avg_win.value / -avg_loss.value)
    else:
        payoff = Value(None, avg_win.reason or avg_loss.reason)
    return Summary(
        overall=overall,
        gross_profit=gp,
        gross_loss=gl,
        scratches=overall.n - wins - losses,
        average_win=avg_win,
        average_loss=avg_loss,
        payoff_ratio=payoff,
        largest_win=value(float(xk.max())) if wins else Value(None, "no winning trades"),
        largest_loss=value(float(xk.min())) if losses else Value(None, "no losing trades"),
    )
