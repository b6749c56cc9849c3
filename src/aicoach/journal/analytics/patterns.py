"""Plain-language findings about a trader's habits: :func:`find_patterns`.

Every finding is a :class:`Finding` with the sentence, the sample size ``n``, a ``caution`` flag
(``n`` — or the smaller side of a comparison — ``< 10``: the sentence ends in
"(small sample)") and ``numbers``: every number the sentence
cites, unrounded (the sentence shows dollars to the dollar, R to 0.1, ratios to 0.1×, rates in
whole percent), so the coach can ground each one. Groups of fewer than 3 trades are never
ranked. "Per trade" is the mean net P&L in dollars (costs included); "R" the mean R-multiple,
used instead of dollars where every trade of the group has one.

Findings (closed trades the filter keeps, unless said otherwise):

* ``best_hour`` / ``worst_hour``, ``best_weekday`` / ``worst_weekday``: New York entry hour and
  weekday with the highest / lowest P&L per trade;
* ``best_strategy`` / ``worst_strategy``, ``best_setup`` / ``worst_setup`` (tags): likewise;
* ``holding``: median holding time of losers vs winners (ratio = losers / winners);
* ``size_after_loss``: mean size of the trades opened right after a losing vs a winning trade
  (the last trade *closed* before the entry); size = planned risk when every one of them has
  one, else the premium/notional at entry;
* ``trades_after_loss_day``: trades opened per active day after a losing vs a winning day (the
  previous day with closed trades); ``busy_days``: P&L per trade on days with at least twice the
  median number of entries (and ≥ 3) vs the other days;
* ``iv_rank``: per option strategy, the best and the worst IV-rank bucket at entry;
* ``level``: level contexts at entry where at least 60 % of the trades lost (or won).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from aicoach.journal.analytics.arrays import BoolArray, FloatArray, IntArray, TradeArrays
from aicoach.journal.analytics.filters import IV_RANK_BUCKETS, TradeFilter, mask
from aicoach.journal.analytics.stats import group_sums
from aicoach.kit.words import count

SMALL_SAMPLE = 10
MIN_GROUP = 3
LEVEL_RATE = 0.6
SIZE_RATIO_FLAG = 1.25
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
IVR_PHRASES = (
    "with IV rank below 30",
    "with IV rank 30–50",
    "with IV rank 50–70",
    "with IV rank 70 or above",
    "with IV rank unknown",
)
Number = float | int | str
_STOCK_ONLY = ("long_stock", "short_stock")


class Tone(StrEnum):
    STRENGTH = "strength"
    WEAKNESS = "weakness"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: ``kind`` (module docstring), the ``sentence``, its sample size ``n``,
    ``caution`` when ``n < 10``, and ``numbers`` — each number the sentence cites, unrounded."""

    kind: str
    sentence: str
    n: int
    caution: bool
    tone: Tone
    numbers: Mapping[str, Number] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "sentence": self.sentence,
            "n": self.n,
            "caution": self.caution,
            "tone": self.tone.value,
            "numbers": dict(self.numbers),
        }


def _finding(
    kind: str,
    text: str,
    n: int,
    tone: Tone,
    numbers: dict[str, Number],
    smallest: int | None = None,
) -> Finding:
    """``smallest``: the smaller side of a comparison, which decides the caution (else ``n``)."""
    caution = (n if smallest is None else smallest) < SMALL_SAMPLE
    sentence = text + (" (small sample)." if caution else ".")
    return Finding(kind, sentence, n, caution, tone, {**numbers, "n": n})


def money(x: float) -> str:
    """``+$84`` / ``−$52`` (whole dollars, a real minus sign)."""
    sign = "−" if round(x) < 0 else "+"
    return f"{sign}${abs(x):,.0f}"


def r_text(x: float) -> str:
    return f"{'−' if round(x, 1) < 0 else '+'}{abs(x):.1f}R"


def duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return count(seconds / 86400, "day", decimals=1)


@dataclass(frozen=True, slots=True)
class _Group:
    label: str
    n: int
    wins: int
    losses: int
    per_trade: float  # dollars
    r: float | None  # mean R when every trade has one
    net: float


def _groups(codes: IntArray, labels: tuple[str, ...], x: FloatArray, r: FloatArray) -> list[_Group]:
    s = group_sums(codes, len(labels), x, r)
    out = []
    for i in map(int, np.flatnonzero(s.n >= MIN_GROUP)):
        n = int(s.n[i])
        mean_r = float(s.r_sum[i]) / n if int(s.r_n[i]) == n else None
        out.append(
            _Group(
                labels[i],
                n,
                int(s.wins[i]),
                int(s.losses[i]),
                float(s.net[i]) / n,
                mean_r,
                float(s.net[i]),
            )
        )
    return out


def _score(g: _Group, use_r: bool) -> float:
    return g.r if use_r and g.r is not None else g.per_trade


def _result(g: _Group, use_r: bool) -> str:
    if use_r and g.r is not None:
        return f"{r_text(g.r)} on average"
    return f"{money(g.per_trade)} per trade"


def _best_worst(kind: str, what: str, groups: list[_Group]) -> list[Finding]:
    """``best_<kind>`` and ``worst_<kind>`` among ≥ 2 groups (by R when all groups have it)."""
    if len(groups) < 2:
        return []
    use_r = all(g.r is not None for g in groups)
    ranked = sorted(groups, key=lambda g: (_score(g, use_r), g.label))
    out = []
    for g, side, tone in ((ranked[-1], "best", Tone.STRENGTH), (ranked[0], "worst", Tone.WEAKNESS)):
        text = (
            f"Your {side} {what} is {g.label}: {_result(g, use_r)} over {g.n} trades "
            f"(won {g.wins / g.n:.0%})"
        )
        nums: dict[str, Number] = {
            what: g.label,
            "per_trade": g.per_trade,
            "win_rate": g.wins / g.n,
        }
        if use_r and g.r is not None:
            nums["mean_r"] = g.r
        out.append(_finding(f"{side}_{kind}", text, g.n, tone, nums))
    return out


def _holding(a: TradeArrays, keep: BoolArray) -> list[Finding]:
    h, x = a.holding_s[keep], a.net_pnl[keep]
    win, loss = h[x > 0], h[x < 0]
    if not win.size or not loss.size:
        return []
    mw, ml = float(np.median(win)), float(np.median(loss))
    nums: dict[str, Number] = {
        "median_loser_s": ml,
        "median_winner_s": mw,
        "losers": int(loss.size),
        "winners": int(win.size),
    }
    tail = f"(median {duration(ml)} vs {duration(mw)}; {loss.size} losers, {win.size} winners)"
    n, smallest = int(loss.size + win.size), min(int(loss.size), int(win.size))
    if mw > 0 and ml > mw:
        nums["ratio"] = ml / mw
        text = f"You hold losing trades {ml / mw:.1f}× as long as winners {tail}"
        return [_finding("holding", text, n, Tone.WEAKNESS, nums, smallest)]
    text = f"You close losing trades no later than winners {tail}"
    return [_finding("holding", text, n, Tone.STRENGTH, nums, smallest)]


def _size_after(a: TradeArrays, keep: BoolArray) -> list[Finding]:
    done = np.flatnonzero(keep)
    done = done[np.argsort(a.closed_s[done], kind="stable")]
    if done.size == 0:
        return []
    # the last trade closed before each kept trade opened
    prev = np.searchsorted(a.closed_s[done], a.opened_s[done], side="left") - 1
    has_prev = prev >= 0
    outcome = np.where(has_prev, a.net_pnl[done[np.maximum(prev, 0)]], 0.0)
    after_loss, after_win = has_prev & (outcome < 0), has_prev & (outcome > 0)
    both = after_loss | after_win
    if not after_loss.any() or not after_win.any():
        return []
    risk, premium = a.risk[done], a.size[done]
    use_risk = bool(np.isfinite(risk[both]).all())
    size, what = (risk, "risk") if use_risk else (premium, "premium at entry")
    sl, sw = float(size[after_loss].mean()), float(size[after_win].mean())
    nl, nw = int(after_loss.sum()), int(after_win.sum())
    nums: dict[str, Number] = {
        "mean_after_loss": sl,
        "mean_after_win": sw,
        "after_losses": nl,
        "after_wins": nw,
        "measure": what,
    }
    tail = f"(average {what} ${sl:,.0f} vs ${sw:,.0f}; {nl} after losses, {nw} after wins)"
    if sw > 0 and sl / sw >= SIZE_RATIO_FLAG:
        nums["ratio"] = sl / sw
        text = (
            f"After a losing trade you size up: the next trade is {sl / sw:.1f}× the size "
            f"of one after a win {tail}"
        )
        return [_finding("size_after_loss", text, nl + nw, Tone.WEAKNESS, nums, min(nl, nw))]
    text = f"Your size after a loss stays in line with your size after a win {tail}"
    return [_finding("size_after_loss", text, nl + nw, Tone.STRENGTH, nums, min(nl, nw))]


def _overtrading(a: TradeArrays, keep: BoolArray) -> list[Finding]:
    out: list[Finding] = []
    entry_days, per_day = np.unique(a.entry_day[keep], return_counts=True)
    close_days, inverse = np.unique(a.close_day[keep], return_inverse=True)
    day_pnl = np.bincount(inverse, weights=a.net_pnl[keep], minlength=close_days.size)
    if close_days.size:
        k = np.searchsorted(close_days, entry_days, side="left") - 1  # previous closing day
        prev = np.where(k >= 0, day_pnl[np.maximum(k, 0)], 0.0)
        lost, won = (k >= 0) & (prev < 0), (k >= 0) & (prev > 0)
        if lost.any() and won.any():
            cl, cw = float(per_day[lost].mean()), float(per_day[won].mean())
            nl, nw = int(lost.sum()), int(won.sum())
            nums: dict[str, Number] = {
                "trades_per_day_after_loss": cl,
                "trades_per_day_after_win": cw,
                "days_after_loss": nl,
                "days_after_win": nw,
            }
            tail = (
                f"({cl:.1f} vs {cw:.1f} a day; {count(nl, 'day')} after a loss, {nw} after a win)"
            )
            if cw > 0 and cl / cw >= SIZE_RATIO_FLAG:
                nums["ratio"] = cl / cw
                text = f"On a day after a losing day you open {cl / cw:.1f}× as many trades {tail}"
                kind = "trades_after_loss_day"
                out.append(_finding(kind, text, nl + nw, Tone.WEAKNESS, nums, min(nl, nw)))
    threshold = max(MIN_GROUP, 2 * float(np.median(per_day))) if per_day.size else 0
    busy_days = entry_days[per_day >= threshold]
    on_busy = np.isin(a.entry_day, busy_days)
    busy, calm = on_busy & keep, ~on_busy & keep
    if busy.any() and calm.any():
        pb, pc = float(a.net_pnl[busy].mean()), float(a.net_pnl[calm].mean())
        nb = int(busy.sum())
        nums = {
            "busy_days": int(busy_days.size),
            "min_trades": threshold,
            "per_trade_busy": pb,
            "per_trade_other": pc,
            "trades_on_busy_days": nb,
        }
        text = (
            f"On your {busy_days.size} busiest days (≥ {threshold:.0f} trades) you made "
            f"{money(pb)} per trade vs {money(pc)} on other days"
        )
        tone = Tone.WEAKNESS if pb < pc else Tone.NEUTRAL
        out.append(_finding("busy_days", text, nb, tone, nums))
    return out


def _iv_rank(a: TradeArrays, keep: BoolArray) -> list[Finding]:
    out: list[Finding] = []
    bucket = IV_RANK_BUCKETS.codes(a.iv_rank)
    unknown = len(IV_RANK_BUCKETS.labels) - 1
    for s, name in enumerate(a.strategy_names):
        if name in _STOCK_ONLY:  # IV rank speaks to option premium
            continue
        m = keep & (a.strategy == s) & (bucket != unknown)
        groups = _groups(bucket[m], IVR_PHRASES, a.net_pnl[m], a.r[m])
        if len(groups) < 2:
            continue
        use_r = all(g.r is not None for g in groups)
        ranked = sorted(groups, key=lambda g: (_score(g, use_r), g.label))
        label = name.replace("_", " ")
        for g, tone in ((ranked[-1], Tone.STRENGTH), (ranked[0], Tone.WEAKNESS)):
            text = f"Your {label}s entered {g.label} returned {_result(g, use_r)} (n={g.n})"
            nums: dict[str, Number] = {
                "strategy": name,
                "iv_rank_bucket": g.label,
                "per_trade": g.per_trade,
            }
            if use_r and g.r is not None:
                nums["mean_r"] = g.r
            out.append(_finding("iv_rank", text, g.n, tone, nums))
    return out


def _levels(a: TradeArrays, keep: BoolArray) -> list[Finding]:
    m = keep & (a.level >= 0)
    out = []
    for g in _groups(a.level[m], a.level_names, a.net_pnl[m], a.r[m]):
        nums: dict[str, Number] = {
            "level_context": g.label,
            "losses": g.losses,
            "wins": g.wins,
            "net_pnl": g.net,
        }
        if g.losses / g.n >= LEVEL_RATE:
            text = f"Entries {g.label} lost {g.losses} of {g.n} ({money(g.net)} in total)"
            out.append(_finding("level", text, g.n, Tone.WEAKNESS, nums))
        elif g.wins / g.n >= LEVEL_RATE:
            text = f"Entries {g.label} won {g.wins} of {g.n} ({money(g.net)} in total)"
            out.append(_finding("level", text, g.n, Tone.STRENGTH, nums))
    return out


def find_patterns(a: TradeArrays, f: TradeFilter | None = None) -> tuple[Finding, ...]:
    """Every finding (module docstring) on the closed trades ``f`` keeps."""
    keep = mask(a, f)
    x, r = a.net_pnl[keep], a.r[keep]
    hours = tuple(f"{h:02d}:00–{(h + 1) % 24:02d}:00 New York" for h in range(24))
    tag_groups: list[_Group] = []
    for j, tag in enumerate(a.tag_names):
        has = a.tags[keep, j]
        one = np.zeros(int(has.sum()), dtype=np.int64)
        tag_groups += _groups(one, (f"“{tag}”",), x[has], r[has])
    strategies = tuple(n.replace("_", " ") for n in a.strategy_names)
    return (
        *_best_worst("hour", "entry hour", _groups(a.entry_hour[keep], hours, x, r)),
        *_best_worst("weekday", "weekday", _groups(a.entry_weekday[keep], WEEKDAYS, x, r)),
        *_best_worst("strategy", "strategy", _groups(a.strategy[keep], strategies, x, r)),
        *_best_worst("setup", "setup", tag_groups),
        *_holding(a, keep),
        *_size_after(a, keep),
        *_overtrading(a, keep),
        *_iv_rank(a, keep),
        *_levels(a, keep),
    )
