"""Random journals as TradeArrays (seeded), for the analytics tests and the bench."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from aicoach.journal.analytics.arrays import EPOCH, TradeArrays
from aicoach.kit.clock import NEW_YORK

START = datetime(2023, 1, 3, 14, 30, tzinfo=UTC).timestamp()
STRATEGIES = (
    "bull_put_spread",
    "iron_condor",
    "long_call",
    "short_put",
    "long_stock",
    "calendar_spread",
)
SYMBOLS = ("AAPL", "IWM", "QQQ", "SPY", "TSLA")
LEVELS = ("above support", "at VWAP", "under resistance", "within 0.3 ATR under resistance")
TAGS = ("breakout", "earnings", "fomo", "plan")


def random_journal(n: int, seed: int = 0, *, span_days: float = 400.0) -> TradeArrays:
    rng = np.random.default_rng(seed)
    opened = START + np.sort(rng.uniform(0, span_days * 86400, n))
    holding = np.where(rng.random(n) < 0.3, rng.uniform(0, 3600, n), rng.exponential(3 * 86400, n))
    closed_mask = rng.random(n) < 0.9
    closed = np.where(closed_mask, opened + holding, np.nan)
    net = np.round(rng.normal(20, 250, n), 2)
    net[rng.random(n) < 0.03] = 0.0  # scratches
    risk = np.where(rng.random(n) < 0.7, np.round(rng.uniform(50, 1000, n), 2), np.nan)
    r = np.where(closed_mask & np.isfinite(risk), np.round(net / risk, 4), np.nan)
    nan_or = lambda p, v: np.where(rng.random(n) < p, np.nan, v)  # noqa: E731
    entries = [datetime.fromtimestamp(s, NEW_YORK) for s in opened]
    closes = [datetime.fromtimestamp(s, NEW_YORK) if np.isfinite(s) else None for s in closed]
    return TradeArrays(
        ids=tuple(f"t{i:06d}" for i in range(n)),
        account=rng.integers(0, 2, n),
        symbol=rng.integers(0, len(SYMBOLS), n),
        strategy=rng.integers(0, len(STRATEGIES), n),
        level=rng.integers(-1, len(LEVELS), n),
        tags=rng.random((n, len(TAGS))) < 0.25,
        direction=rng.choice([-1, 0, 1], n, p=[0.5, 0.02, 0.48]).astype(np.int64),
        closed=closed_mask,
        net_pnl=net,
        r=r,
        risk=risk,
        size=np.round(rng.uniform(50, 5000, n), 2),
        opened_s=opened,
        closed_s=closed,
        entry_hour=np.array([e.hour for e in entries], dtype=np.int64),
        entry_weekday=np.array([e.weekday() for e in entries], dtype=np.int64),
        entry_day=np.array([(e.date() - EPOCH).days for e in entries], dtype=np.int64),
        close_day=np.array([(c.date() - EPOCH).days if c else -1 for c in closes], dtype=np.int64),
        dte=nan_or(0.2, np.floor(rng.uniform(0, 120, n))),
        iv_rank=nan_or(0.2, rng.uniform(0, 100, n)),
        delta=nan_or(0.2, rng.uniform(-1, 1, n)),
        account_names=("IRA", "margin"),
        symbol_names=SYMBOLS,
        strategy_names=STRATEGIES,
        level_names=LEVELS,
        tag_names=TAGS,
    )


def planted(trades: list[dict[str, object]]) -> TradeArrays:
    """TradeArrays from hand-written trades: ``opened`` (aware datetime), ``hold`` seconds
    (default 1 h), ``net`` dollars, and optional ``r``, ``risk``, ``size``, ``strategy``,
    ``tags``, ``ivr``, ``level``, ``symbol``."""
    n = len(trades)
    get = lambda k, d: [t.get(k, d) for t in trades]  # noqa: E731
    opened = np.array([t["opened"].timestamp() for t in trades])  # type: ignore[attr-defined]
    closed = opened + np.array(get("hold", 3600.0), dtype=np.float64)

    def codes(values: list[object]) -> tuple[np.ndarray, tuple[str, ...]]:  # type: ignore[type-arg]
        names = tuple(sorted({str(v) for v in values if v is not None}))
        return np.array([names.index(str(v)) if v is not None else -1 for v in values]), names

    strategy, strategy_names = codes(get("strategy", "short_put"))
    level, level_names = codes(get("level", None))
    symbol, symbol_names = codes(get("symbol", "SPY"))
    tag_names = tuple(sorted({tag for t in trades for tag in t.get("tags", ())}))  # type: ignore[attr-defined]
    tags = np.array(
        [[tag in t.get("tags", ()) for tag in tag_names] for t in trades],  # type: ignore[operator]
        dtype=bool,
    ).reshape(n, len(tag_names))
    nan = float("nan")
    f = lambda k: np.array([nan if v is None else float(v) for v in get(k, None)])  # noqa: E731
    entries = [datetime.fromtimestamp(s, NEW_YORK) for s in opened]
    closes = [datetime.fromtimestamp(s, NEW_YORK) for s in closed]
    return TradeArrays(
        ids=tuple(f"p{i}" for i in range(n)),
        account=np.zeros(n, dtype=np.int64),
        symbol=symbol,
        strategy=strategy,
        level=level,
        tags=tags,
        direction=np.full(n, -1, dtype=np.int64),
        closed=np.ones(n, dtype=bool),
        net_pnl=np.array(get("net", 0.0), dtype=np.float64),
        r=f("r"),
        risk=f("risk"),
        size=np.array(get("size", 100.0), dtype=np.float64),
        opened_s=opened,
        closed_s=closed,
        entry_hour=np.array([e.hour for e in entries], dtype=np.int64),
        entry_weekday=np.array([e.weekday() for e in entries], dtype=np.int64),
        entry_day=np.array([(e.date() - EPOCH).days for e in entries], dtype=np.int64),
        close_day=np.array([(c.date() - EPOCH).days for c in closes], dtype=np.int64),
        dte=np.full(n, nan),
        iv_rank=f("ivr"),
        delta=np.full(n, nan),
        account_names=("A",),
        symbol_names=symbol_names,
        strategy_names=strategy_names,
        level_names=level_names,
        tag_names=tag_names,
    )
