"""Campaigns: trades linked by rolls and by assignment/exercise, and their cumulative cash.

**Roll.** Trade ``A`` rolls into trade ``B`` when, in one account and on one underlying:

* ``B`` opened after ``A`` and both have the same strategy name;
* some of ``A``'s closing fills belong to ``B``'s opening order, or were executed within
  ``roll_window`` of ``B``'s first opening fill (the *closing event*);
* the closing event closed the same structure ``B`` opens: per instrument ``(right, quantity)``,
  with ``B``'s quantities equal to the event's (negated), as multisets;
* ``B``'s instruments are not ``A``'s (new strikes and/or expiration: a close and re-open of the
  very same contracts is not a roll).

Each trade rolls into at most one successor and from at most one predecessor; among several
candidates the closing event nearest in time to ``B`` wins (then the older ``A``, then its id).

**Assignment/exercise.** The stock row of an assignment or exercise is paired with the option
row it comes from (same account, underlying, kind; stock price = strike; within 4 days; the
exact share count ``|contracts| · multiplier`` preferred, then the nearest in time); the trades
either row touched are linked.

A campaign is a connected set of linked trades (every trade is in exactly one, most alone); its
id is its first trade's id.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from aicoach.journal.core.executions import Execution, ExecutionKind
from aicoach.journal.core.lots import Fill
from aicoach.options.core.strategies import StrategyName

PAIRING_WINDOW = timedelta(days=4)
_LINKED = (ExecutionKind.ASSIGNMENT, ExecutionKind.EXERCISE)


@dataclass(frozen=True, slots=True)
class RollView:
    """What roll detection needs to know of a trade."""

    id: str
    account: str
    underlying: str
    strategy: StrategyName
    opened_at: datetime
    order_ids: frozenset[str]
    opening: tuple[tuple[str, str, Decimal], ...]  # (instrument key, right or "stock", quantity)
    closing: tuple[tuple[str, str, Fill], ...]  # (instrument key, right or "stock", fill)


def _signature(items: Iterable[tuple[str, Decimal]]) -> Counter[tuple[str, Decimal]]:
    return Counter((right, q.normalize()) for right, q in items)


_Signature = Counter[tuple[str, Decimal]]


def _event(a: RollView, b: RollView, window: timedelta) -> tuple[timedelta, _Signature] | None:
    """Nearest time gap and closed structure of ``a``'s closing event for ``b``, if any."""
    picked = [
        (key, right, f)
        for key, right, f in a.closing
        if (f.order_id is not None and f.order_id in b.order_ids)
        or abs(f.executed_at - b.opened_at) <= window
    ]
    if not picked:
        return None
    per_key: dict[str, tuple[str, Decimal]] = {}
    for key, right, f in picked:
        r, q = per_key.get(key, (right, Decimal(0)))
        per_key[key] = (r, q - f.quantity)  # closing fills are opposite to the opening side
    gap = min(abs(f.executed_at - b.opened_at) for _, _, f in picked)
    return gap, _signature(v for v in per_key.values() if v[1] != 0)


def find_rolls(trades: Sequence[RollView], roll_window: timedelta) -> list[tuple[str, str]]:
    """``(from_trade, to_trade)`` for every roll (module docstring), in ``to_trade`` order.

    Candidates come from an index of closing fills by time and by order id, so the cost grows
    with the number of closings near each trade, not with the square of the journal."""
    ordered = sorted(trades, key=lambda t: (t.opened_at, t.id))
    times: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    by_order: dict[tuple[str, str, str], set[int]] = {}
    for i, t in enumerate(ordered):
        place = (t.account, t.underlying)
        for _, _, f in t.closing:
            times.setdefault(place, []).append((f.executed_at, i))
            if f.order_id is not None:
                by_order.setdefault((*place, f.order_id), set()).add(i)
    for v in times.values():
        v.sort()
    used: set[str] = set()
    rolls: list[tuple[str, str]] = []
    for b in ordered:
        place = (b.account, b.underlying)
        near = times.get(place, [])
        lo = bisect_left(near, (b.opened_at - roll_window, -1))
        hi = bisect_right(near, (b.opened_at + roll_window, len(ordered)))
        found = {i for _, i in near[lo:hi]}
        for order in b.order_ids:
            found |= by_order.get((*place, order), set())
        b_keys = {key for key, _, _ in b.opening}
        wanted = _signature((right, q) for _, right, q in b.opening)
        best: tuple[timedelta, datetime, str] | None = None
        for a in (ordered[i] for i in found):
            if a.id in used or a.strategy is not b.strategy or a.opened_at >= b.opened_at:
                continue
            if {key for key, _, _ in a.opening} == b_keys:
                continue
            event = _event(a, b, roll_window)
            if event is None or event[1] != wanted:
                continue
            rank = (event[0], a.opened_at, a.id)
            if best is None or rank < best:
                best = rank
        if best is not None:
            used.add(best[2])
            rolls.append((best[2], b.id))
    return rolls


def pair_assignments(rows: Sequence[tuple[str, Execution]]) -> dict[tuple[str, str], str]:
    """(account, stock assignment/exercise row fingerprint) → the option row's fingerprint.

    ``rows`` are (account, execution) pairs; unpaired stock rows are left out."""
    options = [(acc, e) for acc, e in rows if e.instrument.is_option and e.kind in _LINKED]
    paired: dict[tuple[str, str], str] = {}
    for acc, stock in rows:
        if stock.instrument.is_option or stock.kind not in _LINKED:
            continue
        best: tuple[bool, timedelta, int, str] | None = None
        for o_acc, opt in options:
            ins = opt.instrument
            if (
                o_acc != acc
                or opt.kind is not stock.kind
                or ins.underlying != stock.instrument.underlying
                or ins.strike != stock.price
            ):
                continue
            gap = abs(opt.executed_at - stock.executed_at)
            if gap > PAIRING_WINDOW:
                continue
            exact = abs(opt.quantity) * ins.multiplier == abs(stock.quantity)
            rank = (not exact, gap, opt.row, opt.fingerprint)
            if best is None or rank < best:
                best = rank
        if best is not None:
            paired[acc, stock.fingerprint] = best[3]
    return paired


class UnionFind:
    """Disjoint sets of trade ids; :meth:`groups` lists each set's members in insertion order."""

    def __init__(self, ids: Iterable[str]) -> None:
        self._parent = {i: i for i in ids}

    def find(self, i: str) -> str:
        root = i
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[i] != root:
            self._parent[i], i = root, self._parent[i]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[rb] = ra

    def groups(self) -> list[list[str]]:
        out: dict[str, list[str]] = {}
        for i in self._parent:
            out.setdefault(self.find(i), []).append(i)
        return list(out.values())
