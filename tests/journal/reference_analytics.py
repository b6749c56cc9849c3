"""The slow, obvious dashboard: one dict per trade and plain Python loops, written from the
definitions in the analytics docstrings without looking at the numpy code. The tests compare
the vectorised core against it; the bench times both."""

from __future__ import annotations

import math
import statistics
from datetime import date

from aicoach.journal.analytics.arrays import EPOCH, TradeArrays
from aicoach.journal.analytics.filters import TradeFilter

Row = dict[str, object]
DTE = [
    (0, 1, "0 DTE"),
    (1, 8, "1–7 DTE"),
    (8, 22, "8–21 DTE"),
    (22, 46, "22–45 DTE"),
    (46, 91, "46–90 DTE"),
    (91, math.inf, "91+ DTE"),
]
IVR = [
    (0, 30, "IVR < 30"),
    (30, 50, "IVR 30–50"),
    (50, 70, "IVR 50–70"),
    (70, 100.000001, "IVR ≥ 70"),
]
DELTA = [
    (0, 0.16, "|Δ| < 0.16"),
    (0.16, 0.30, "|Δ| 0.16–0.30"),
    (0.30, 0.50, "|Δ| 0.30–0.50"),
    (0.50, 1.000001, "|Δ| ≥ 0.50"),
]


def rows(a: TradeArrays) -> list[Row]:
    out = []
    for i in range(a.n):
        lvl = int(a.level[i])
        out.append(
            {
                "i": i,
                "account": a.account_names[int(a.account[i])],
                "symbol": a.symbol_names[int(a.symbol[i])],
                "strategy": a.strategy_names[int(a.strategy[i])],
                "level": a.level_names[lvl] if lvl >= 0 else "unknown",
                "tags": [a.tag_names[j] for j in range(len(a.tag_names)) if a.tags[i, j]],
                "direction": int(a.direction[i]),
                "closed": bool(a.closed[i]),
                "net": float(a.net_pnl[i]),
                "r": float(a.r[i]),
                "opened": float(a.opened_s[i]),
                "closed_s": float(a.closed_s[i]),
                "hour": int(a.entry_hour[i]),
                "weekday": int(a.entry_weekday[i]),
                "close_day": int(a.close_day[i]),
                "dte": float(a.dte[i]),
                "ivr": float(a.iv_rank[i]),
                "delta": float(a.delta[i]),
            }
        )
    return out


def _inside(v: float, lo: float, hi: float) -> bool:
    return not math.isnan(v) and lo <= v < hi


def keep(rs: list[Row], f: TradeFilter | None) -> list[Row]:
    out = []
    for t in rs:
        if not t["closed"]:
            continue
        if f is not None:
            day = t["close_day"]
            if f.start is not None and day < (f.start - EPOCH).days:
                continue
            if f.end is not None and day > (f.end - EPOCH).days:
                continue
            checks = [
                (f.accounts, "account"),
                (f.symbols, "symbol"),
                (f.strategies, "strategy"),
                (f.levels, "level"),
            ]
            if any(want is not None and t[k] not in want for want, k in checks):
                continue
            if f.tags is not None and not any(tag in f.tags for tag in t["tags"]):
                continue
            if f.long_premium is not None and t["direction"] != (1 if f.long_premium else -1):
                continue
            ranges = [(f.dte, t["dte"]), (f.iv_rank, t["ivr"]), (f.abs_delta, abs(t["delta"]))]
            if any(rg is not None and not _inside(v, *rg) for rg, v in ranges):
                continue
        out.append(t)
    return out


def group(rs: list[Row]) -> dict[str, object]:
    n = len(rs)
    wins = [t["net"] for t in rs if t["net"] > 0]
    losses = [t["net"] for t in rs if t["net"] < 0]
    rr = [t["r"] for t in rs if not math.isnan(t["r"])]
    total = 0.0
    for t in rs:
        total += t["net"]
    gl = -sum(losses)
    return {
        "n": n,
        "wins": len(wins),
        "losses": len(losses),
        "net": total,
        "win_rate": len(wins) / n if n else None,
        "expectancy": total / n if n else None,
        "profit_factor": sum(wins) / gl if n and gl else None,
        "expectancy_r": sum(rr) / len(rr) if rr else None,
        "average_win": sum(wins) / len(wins) if wins else None,
        "average_loss": sum(losses) / len(losses) if losses else None,
        "largest_win": max(wins) if wins else None,
        "largest_loss": min(losses) if losses else None,
    }


def _label(v: float, table: list[tuple[float, float, str]]) -> str:
    for lo, hi, name in table:
        if _inside(v, lo, hi):
            return name
    return "unknown"


def breakdowns(rs: list[Row]) -> dict[str, dict[str, dict[str, object]]]:
    keyers = {
        "account": lambda t: [t["account"]],
        "symbol": lambda t: [t["symbol"]],
        "strategy": lambda t: [t["strategy"]],
        "tag": lambda t: t["tags"],
        "premium": lambda t: [{-1: "short premium", 0: "even", 1: "long premium"}[t["direction"]]],
        "dte": lambda t: [_label(t["dte"], DTE)],
        "iv_rank": lambda t: [_label(t["ivr"], IVR)],
        "delta": lambda t: [_label(abs(t["delta"]), DELTA)],
        "level": lambda t: [t["level"]],
    }
    out: dict[str, dict[str, dict[str, object]]] = {}
    for dim, keyer in keyers.items():
        groups: dict[str, list[Row]] = {}
        for t in rs:
            for k in keyer(t):
                groups.setdefault(k, []).append(t)
        out[dim] = {k: group(v) for k, v in groups.items()}
    return out


def equity_and_drawdown(rs: list[Row]) -> tuple[list[float], float | None]:
    ordered = sorted(rs, key=lambda t: (t["closed_s"], t["i"]))
    equity, running, peak, worst = [], 0.0, 0.0, 0.0
    for t in ordered:
        running += t["net"]
        equity.append(running)
        peak = max(peak, running)
        worst = max(worst, peak - running)
    return equity, (worst if rs else None)


def daily(rs: list[Row]) -> dict[int, tuple[float, int]]:
    days: dict[int, tuple[float, int]] = {}
    for t in rs:
        pnl, n = days.get(t["close_day"], (0.0, 0))
        days[t["close_day"]] = (pnl + t["net"], n + 1)
    return dict(sorted(days.items()))


def sharpe_sortino(day_pnl: list[float]) -> tuple[float | None, float | None]:
    if len(day_pnl) < 2:
        return None, None
    mean = statistics.fmean(day_pnl)
    sd = statistics.stdev(day_pnl)
    down = math.sqrt(sum(min(d, 0.0) ** 2 for d in day_pnl) / len(day_pnl))
    return (
        mean / sd * math.sqrt(252) if sd else None,
        mean / down * math.sqrt(252) if down else None,
    )


def bin_counts(values: list[float], edges: tuple[float, ...]) -> list[int]:
    counts = [0] * (len(edges) - 1)
    for v in values:
        if math.isnan(v):
            continue
        for i in range(len(edges) - 1):
            if edges[i] <= v < edges[i + 1]:
                counts[i] += 1
                break
    return counts


def heatmap(rs: list[Row]) -> tuple[list[list[int]], list[list[float]]]:
    n = [[0] * 24 for _ in range(7)]
    net = [[0.0] * 24 for _ in range(7)]
    for t in rs:
        n[t["weekday"]][t["hour"]] += 1
        net[t["weekday"]][t["hour"]] += t["net"]
    return n, net


def medians(rs: list[Row]) -> tuple[float | None, float | None]:
    hw = [t["closed_s"] - t["opened"] for t in rs if t["net"] > 0]
    hl = [t["closed_s"] - t["opened"] for t in rs if t["net"] < 0]
    return (statistics.median(hw) if hw else None, statistics.median(hl) if hl else None)


def dashboard(a: TradeArrays, f: TradeFilter | None = None) -> dict[str, object]:
    """Everything :func:`aicoach.journal.analytics.dashboard.dashboard` computes, slowly."""
    from aicoach.journal.analytics.curves import HOLDING_EDGES, R_EDGES

    rs = keep(rows(a), f)
    equity, dd = equity_and_drawdown(rs)
    days = daily(rs)
    sharpe, sortino = sharpe_sortino([p for p, _ in days.values()])
    holding = [t["closed_s"] - t["opened"] for t in rs]
    return {
        "summary": group(rs),
        "equity": equity,
        "max_drawdown": dd,
        "daily": days,
        "sharpe": sharpe,
        "sortino": sortino,
        "r_counts": bin_counts([t["r"] for t in rs], R_EDGES),
        "holding_counts": bin_counts(holding, HOLDING_EDGES),
        "medians": medians(rs),
        "heatmap": heatmap(rs),
        "breakdowns": breakdowns(rs),
    }


def day(d: date) -> int:
    return (d - EPOCH).days
