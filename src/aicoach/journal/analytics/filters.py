"""Filters (a boolean mask over the trades) and the buckets of the enrichment columns.

A filter keeps **closed** trades only (P&L metrics are on realized P&L) and then, for every
field that is set: close date in ``[start, end]`` (New York dates, inclusive); account, symbol,
strategy, level context in the given names (``"unknown"`` selects trades without a level
context); at least one of the given tags; the premium side;
``dte``, ``iv_rank`` in ``[lo, hi)``; ``|delta|`` in ``[lo, hi)``. A trade whose enrichment value
is unknown (NaN) is dropped by a range filter on that field.

Buckets are half-open ``[edge_i, edge_{i+1})`` intervals; the last label is for unknown (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from aicoach.journal.analytics.arrays import EPOCH, BoolArray, FloatArray, IntArray, TradeArrays

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Buckets:
    """Named half-open ranges over one column; ``labels`` has one more entry: ``unknown``."""

    edges: tuple[float, ...]
    labels: tuple[str, ...]

    def codes(self, values: FloatArray) -> IntArray:
        """Bucket index of each value; ``len(edges) − 1`` (the ``unknown`` label) for NaN."""
        edges = np.asarray(self.edges, dtype=np.float64)
        idx = np.searchsorted(edges, values, side="right") - 1
        nbins = len(self.edges) - 1
        bad = np.isnan(values) | (idx < 0) | (idx >= nbins)
        out: IntArray = np.where(bad, nbins, idx).astype(np.int64)
        return out


DTE_BUCKETS = Buckets(
    (0, 1, 8, 22, 46, 91, np.inf),
    ("0 DTE", "1–7 DTE", "8–21 DTE", "22–45 DTE", "46–90 DTE", "91+ DTE", "unknown"),
)
IV_RANK_BUCKETS = Buckets(
    (0, 30, 50, 70, 100.000001), ("IVR < 30", "IVR 30–50", "IVR 50–70", "IVR ≥ 70", "unknown")
)
DELTA_BUCKETS = Buckets(
    (0, 0.16, 0.30, 0.50, 1.000001),
    ("|Δ| < 0.16", "|Δ| 0.16–0.30", "|Δ| 0.30–0.50", "|Δ| ≥ 0.50", "unknown"),
)


@dataclass(frozen=True, slots=True)
class TradeFilter:
    """Which closed trades a metric covers (module docstring); ``None`` = no restriction."""

    start: date | None = None
    end: date | None = None
    accounts: frozenset[str] | None = None
    symbols: frozenset[str] | None = None
    strategies: frozenset[str] | None = None
    tags: frozenset[str] | None = None
    long_premium: bool | None = None  # True: debit trades, False: credit trades
    dte: tuple[float, float] | None = None
    iv_rank: tuple[float, float] | None = None
    abs_delta: tuple[float, float] | None = None
    levels: frozenset[str] | None = None


def _in(codes: IntArray, names: tuple[str, ...], wanted: frozenset[str]) -> BoolArray:
    allowed = np.array([name in wanted for name in names] + [UNKNOWN in wanted], dtype=bool)
    return allowed[np.where(codes < 0, len(names), codes)]


def _range(values: FloatArray, bounds: tuple[float, float]) -> BoolArray:
    lo, hi = bounds
    with np.errstate(invalid="ignore"):
        out: BoolArray = (values >= lo) & (values < hi)
    return out


def mask(a: TradeArrays, f: TradeFilter | None = None) -> BoolArray:
    """Boolean mask of the trades ``f`` keeps (always closed trades only)."""
    keep = a.closed.copy()
    if f is None:
        return keep
    if f.start is not None:
        keep &= a.close_day >= (f.start - EPOCH).days
    if f.end is not None:
        keep &= a.close_day <= (f.end - EPOCH).days
    if f.accounts is not None:
        keep &= _in(a.account, a.account_names, f.accounts)
    if f.symbols is not None:
        keep &= _in(a.symbol, a.symbol_names, f.symbols)
    if f.strategies is not None:
        keep &= _in(a.strategy, a.strategy_names, f.strategies)
    if f.levels is not None:
        keep &= _in(a.level, a.level_names, f.levels)
    if f.tags is not None:
        cols = np.array([name in f.tags for name in a.tag_names], dtype=bool)
        keep &= a.tags[:, cols].any(axis=1) if cols.any() else False
    if f.long_premium is not None:
        keep &= a.direction == (1 if f.long_premium else -1)
    if f.dte is not None:
        keep &= _range(a.dte, f.dte)
    if f.iv_rank is not None:
        keep &= _range(a.iv_rank, f.iv_rank)
    if f.abs_delta is not None:
        keep &= _range(np.abs(a.delta), f.abs_delta)
    return keep
