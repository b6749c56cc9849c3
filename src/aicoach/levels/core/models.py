"""Frozen value objects returned by the key-levels engine.

Prices and distances are in dollars unless the name says otherwise; times are timezone-aware UTC
``datetime``. ``to_dict()`` gives JSON-safe dicts: every non-finite float becomes ``None``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class LevelKind(StrEnum):
    PRIOR_DAY_HIGH = "prior_day_high"
    PRIOR_DAY_LOW = "prior_day_low"
    PRIOR_DAY_CLOSE = "prior_day_close"
    PRIOR_WEEK_HIGH = "prior_week_high"
    PRIOR_WEEK_LOW = "prior_week_low"
    PRIOR_MONTH_HIGH = "prior_month_high"
    PRIOR_MONTH_LOW = "prior_month_low"
    PREMARKET_HIGH = "premarket_high"
    PREMARKET_LOW = "premarket_low"
    OPENING_RANGE_HIGH = "opening_range_high"  # label says 5m / 15m / 30m
    OPENING_RANGE_LOW = "opening_range_low"
    PIVOT = "pivot"  # label says method, period and name, e.g. "Classic daily R1"
    VWAP = "vwap"
    VWAP_BAND = "vwap_band"
    ATR_BAND = "atr_band"  # prior close ± k·daily ATR: the day's "expected range"
    MOVING_AVERAGE = "moving_average"  # daily SMA/EMA, label names it
    SWING_SUPPORT = "swing_support"
    SWING_RESISTANCE = "swing_resistance"
    CONFLUENCE = "confluence"


#: Level families, the keys of ``KeyLevels.groups`` (in display order).
GROUPS: tuple[str, ...] = (
    "prior_periods",
    "premarket",
    "opening_range",
    "pivots",
    "vwap",
    "atr",
    "moving_averages",
    "swing",
    "confluence",
)


def finite_or_none(x: float | None) -> float | None:
    """``x`` as a float, or ``None`` when it is missing, NaN or infinite."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


@dataclass(frozen=True, slots=True)
class SessionWindows:
    """Today's session boundaries as timezone-aware UTC datetimes (filled from the exchange
    calendar by the caller): pre-market start (04:00 ET), regular open (09:30 ET) and regular
    close (16:00 ET, 13:00 ET on early-close days)."""

    premarket_start: datetime
    regular_open: datetime
    regular_close: datetime

    def __post_init__(self) -> None:
        for name in ("premarket_start", "regular_open", "regular_close"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"SessionWindows.{name} must be timezone-aware (UTC)")
        if not self.premarket_start <= self.regular_open < self.regular_close:
            raise ValueError("SessionWindows needs premarket_start <= regular_open < regular_close")


@dataclass(frozen=True, slots=True)
class LevelTests:
    """How today's price interacted with a level (definitions: ``aicoach.levels.core.zones``)."""

    touches: int = 0
    held: int = 0
    broke: int = 0
    last_test_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "touches": self.touches,
            "held": self.held,
            "broke": self.broke,
            "last_test_at": _iso(self.last_test_at),
        }


@dataclass(frozen=True, slots=True)
class Level:
    """One key level.

    Distances are signed, level minus price: positive above the current price.
    ``distance_percent`` is in percent of price (1.5 = 1.5 %); ``distance_atr`` in multiples of
    the daily ATR (``None`` when the ATR is unknown). ``strength`` is 0–100. ``members`` lists the
    labels merged into a confluence level (empty otherwise).
    """

    price: float
    kind: LevelKind
    label: str
    strength: float
    distance_dollars: float
    distance_percent: float | None
    distance_atr: float | None
    tests_today: LevelTests = field(default_factory=LevelTests)
    members: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "price": finite_or_none(self.price),
            "kind": self.kind.value,
            "label": self.label,
            "strength": finite_or_none(self.strength),
            "distance_dollars": finite_or_none(self.distance_dollars),
            "distance_percent": finite_or_none(self.distance_percent),
            "distance_atr": finite_or_none(self.distance_atr),
            "tests_today": self.tests_today.to_dict(),
            "members": list(self.members),
        }


@dataclass(frozen=True, slots=True)
class VwapSnapshot:
    """The session VWAP and its volume-weighted σ bands at ``as_of`` (dollars)."""

    vwap: float
    sigma: float
    upper_1: float
    lower_1: float
    upper_2: float
    lower_2: float
    anchored_at: datetime  # session start the sums run from (regular open, or pre-market start)

    def to_dict(self) -> dict[str, Any]:
        return {
            "vwap": finite_or_none(self.vwap),
            "sigma": finite_or_none(self.sigma),
            "upper_1": finite_or_none(self.upper_1),
            "lower_1": finite_or_none(self.lower_1),
            "upper_2": finite_or_none(self.upper_2),
            "lower_2": finite_or_none(self.lower_2),
            "anchored_at": _iso(self.anchored_at),
        }


@dataclass(frozen=True, slots=True)
class KeyLevels:
    """All key levels for one symbol at one moment.

    ``atr_daily`` is the 14-day Wilder ATR (dollars per day); ``atr_intraday`` the 14-bar Wilder
    ATR of today's 1-minute bars (dollars per minute). ``tolerance`` is the dollar band used for
    level tests and confluence. ``nearest_support``/``nearest_resistance`` are the closest levels
    strictly below/above ``price`` among all groups.
    """

    symbol: str
    price: float
    as_of: datetime
    atr_daily: float | None
    atr_intraday: float | None
    rsi_daily: float | None
    tolerance: float | None
    nearest_support: Level | None
    nearest_resistance: Level | None
    vwap: VwapSnapshot | None
    groups: dict[str, list[Level]]

    def all_levels(self) -> list[Level]:
        """Every level of every group, ascending by price."""
        return sorted((lv for g in self.groups.values() for lv in g), key=lambda lv: lv.price)

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "price": finite_or_none(self.price),
            "as_of": _iso(self.as_of),
            "atr_daily": finite_or_none(self.atr_daily),
            "atr_intraday": finite_or_none(self.atr_intraday),
            "rsi_daily": finite_or_none(self.rsi_daily),
            "tolerance": finite_or_none(self.tolerance),
            "nearest_support": _level_dict(self.nearest_support),
            "nearest_resistance": _level_dict(self.nearest_resistance),
            "vwap": None if self.vwap is None else self.vwap.to_dict(),
            "groups": {name: [lv.to_dict() for lv in group] for name, group in self.groups.items()},
        }


def _level_dict(level: Level | None) -> dict[str, Any] | None:
    return None if level is None else level.to_dict()
