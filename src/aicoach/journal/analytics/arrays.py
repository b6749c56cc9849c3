"""The trades as parallel numpy columns (one element per trade): what every metric reads.

Built once per journal (a Python loop over the trades is fine here); everything downstream is
vectorised. Units and codes:

* money: ``net_pnl`` realized net P&L (dollars, float64, costs included), ``risk`` planned
  risk (dollars, NaN when none), ``size`` the premium/notional at entry ``|opening gross|``
  (dollars); ``r`` R-multiple (NaN when there is no planned risk or the trade is open);
* time: ``opened_s``/``closed_s`` UTC epoch seconds (``closed_s`` NaN while open),
  ``holding_s = closed_s − opened_s``; ``entry_hour`` (0–23) and ``entry_weekday`` (Mon = 0)
  of the entry in New York time; ``entry_day``/``close_day`` New York dates as days since
  1970-01-01 (``close_day = −1`` while open);
* categories: ``account``, ``symbol``, ``strategy``, ``level`` are int codes into the
  matching ``*_names`` tuple (``level = −1`` unknown); ``tags`` is an ``(n, len(tag_names))``
  boolean matrix; ``direction`` is ``+1`` long premium (debit), ``−1`` short premium (credit),
  ``0`` even;
* enrichment at entry (NaN when unknown): ``dte`` calendar days to the first expiration,
  ``iv_rank`` 0–100, ``delta`` the caller's entry delta (−1…1 per share; buckets use ``|delta|``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

from aicoach.journal.core.trades import Direction, Trade
from aicoach.kit.clock import NEW_YORK

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
EPOCH = date(1970, 1, 1)
_INTS = ("account", "symbol", "strategy", "level", "direction", "entry_hour", "entry_weekday",
         "entry_day", "close_day")  # fmt: skip
_FLOATS = ("net_pnl", "r", "risk", "size", "opened_s", "closed_s", "dte", "iv_rank", "delta")
_DIRECTION = {Direction.DEBIT: 1, Direction.CREDIT: -1, Direction.EVEN: 0}


@dataclass(frozen=True, slots=True)
class TradeContext:
    """What the service layer knows about a trade beyond its fills (all optional)."""

    tags: tuple[str, ...] = ()
    dte_at_entry: float | None = None
    iv_rank_at_entry: float | None = None
    delta_at_entry: float | None = None
    level_context: str | None = None


@dataclass(frozen=True, slots=True)
class TradeArrays:
    """Parallel columns of ``n`` trades (module docstring for units and codes)."""

    ids: tuple[str, ...]
    account: IntArray
    symbol: IntArray
    strategy: IntArray
    level: IntArray
    tags: BoolArray
    direction: IntArray
    closed: BoolArray
    net_pnl: FloatArray
    r: FloatArray
    risk: FloatArray
    size: FloatArray
    opened_s: FloatArray
    closed_s: FloatArray
    entry_hour: IntArray
    entry_weekday: IntArray
    entry_day: IntArray
    close_day: IntArray
    dte: FloatArray
    iv_rank: FloatArray
    delta: FloatArray
    account_names: tuple[str, ...] = ()
    symbol_names: tuple[str, ...] = ()
    strategy_names: tuple[str, ...] = ()
    level_names: tuple[str, ...] = ()
    tag_names: tuple[str, ...] = ()
    holding_s: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for names, dtype in ((_INTS, np.int64), (_FLOATS, np.float64), (("closed",), np.bool_)):
            for name in names:
                column = np.asarray(getattr(self, name), dtype=dtype)
                if column.shape != (n,):
                    raise ValueError(f"TradeArrays.{name} must have shape ({n},)")
                object.__setattr__(self, name, column)
        tags = np.asarray(self.tags, dtype=np.bool_).reshape(n, len(self.tag_names))
        object.__setattr__(self, "tags", tags)
        object.__setattr__(self, "holding_s", self.closed_s - self.opened_s)

    @property
    def n(self) -> int:
        return len(self.ids)


def _codes(values: Sequence[str | None]) -> tuple[IntArray, tuple[str, ...]]:
    names = tuple(sorted({v for v in values if v is not None}))
    where = {v: i for i, v in enumerate(names)}
    return np.array([where[v] if v is not None else -1 for v in values], dtype=np.int64), names


def _num(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def _ny(at: datetime) -> datetime:
    return at.astimezone(NEW_YORK)


def trade_arrays(
    trades: Sequence[Trade], context: Mapping[str, TradeContext] | None = None
) -> TradeArrays:
    """Columns of ``trades``; ``context`` (by trade id) adds tags and entry enrichment."""
    ctx = context or {}
    none = TradeContext()
    infos = [ctx.get(t.id, none) for t in trades]
    account, account_names = _codes([t.account for t in trades])
    symbol, symbol_names = _codes([t.underlying for t in trades])
    strategy, strategy_names = _codes([t.strategy.value for t in trades])
    level, level_names = _codes([c.level_context for c in infos])
    tag_names = tuple(sorted({tag for c in infos for tag in c.tags}))
    tag_at = {tag: i for i, tag in enumerate(tag_names)}
    tags = np.zeros((len(trades), len(tag_names)), dtype=bool)
    for i, c in enumerate(infos):
        for tag in c.tags:
            tags[i, tag_at[tag]] = True
    entries = [_ny(t.opened_at) for t in trades]
    closes = [_ny(t.closed_at) if t.closed_at is not None else None for t in trades]
    return TradeArrays(
        ids=tuple(t.id for t in trades),
        account=account,
        symbol=symbol,
        strategy=strategy,
        level=level,
        tags=tags,
        direction=np.array([_DIRECTION[t.direction] for t in trades], dtype=np.int64),
        closed=np.array([t.is_closed for t in trades], dtype=bool),
        net_pnl=np.array([float(t.realized_net) for t in trades], dtype=np.float64),
        r=np.array([_num(None if t.r_multiple is None else float(t.r_multiple)) for t in trades]),
        risk=np.array(
            [_num(None if t.planned_risk is None else float(t.planned_risk)) for t in trades],
            dtype=np.float64,
        ),
        size=np.array([abs(float(t.opening_gross)) for t in trades], dtype=np.float64),
        opened_s=np.array([t.opened_at.astimezone(UTC).timestamp() for t in trades]),
        closed_s=np.array([c.timestamp() if c else np.nan for c in closes], dtype=np.float64),
        entry_hour=np.array([e.hour for e in entries], dtype=np.int64),
        entry_weekday=np.array([e.weekday() for e in entries], dtype=np.int64),
        entry_day=np.array([(e.date() - EPOCH).days for e in entries], dtype=np.int64),
        close_day=np.array([(c.date() - EPOCH).days if c else -1 for c in closes], dtype=np.int64),
        dte=np.array([_num(c.dte_at_entry) for c in infos], dtype=np.float64),
        iv_rank=np.array([_num(c.iv_rank_at_entry) for c in infos], dtype=np.float64),
        delta=np.array([_num(c.delta_at_entry) for c in infos], dtype=np.float64),
        account_names=account_names,
        symbol_names=symbol_names,
        strategy_names=strategy_names,
        level_names=level_names,
        tag_names=tag_names,
    )


def day_to_date(day: int) -> date:
    """A ``*_day`` code back to its New York date."""
    return date.fromordinal(EPOCH.toordinal() + int(day))
