"""Our own market-data models. Adapters map vendor payloads into these; nothing vendor-shaped
passes inward.

Bars travel as a ``BarSeries`` of numpy arrays (the levels engine is vectorised); quotes, symbols
and option chains are frozen dataclasses. All timestamps are UTC; market logic converts to
``America/New_York`` where it needs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
#: Bar open times as ``datetime64[ns]`` in UTC (naive numpy datetimes, UTC by convention).
TimeArray = npt.NDArray[np.datetime64]


class DataSource(StrEnum):
    SIMULATED = "simulated"
    DELAYED = "delayed"
    REAL_TIME = "real-time"
    FILES = "files"


class Timeframe(StrEnum):
    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    D1 = "1d"
    W1 = "1w"
    MO1 = "1mo"

    @property
    def is_intraday(self) -> bool:
        return self in INTRADAY_MINUTES

    @property
    def minutes(self) -> int:
        """Bar length in minutes, for intraday timeframes only."""
        return INTRADAY_MINUTES[self]


INTRADAY_MINUTES: dict[Timeframe, int] = {
    Timeframe.M1: 1,
    Timeframe.M5: 5,
    Timeframe.M15: 15,
    Timeframe.M30: 30,
    Timeframe.H1: 60,
}


class AssetKind(StrEnum):
    STOCK = "stock"
    ETF = "etf"
    INDEX = "index"


class OptionRight(StrEnum):
    CALL = "call"
    PUT = "put"


class MarketPhase(StrEnum):
    PRE_MARKET = "pre-market"
    REGULAR = "regular"
    AFTER_HOURS = "after-hours"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    symbol: str
    name: str
    kind: AssetKind
    dividend_yield: float = 0.0  # continuous annual yield, 0.013 = 1.3 %
    beta: float | None = None  # against SPY, where known
    exchange: str = "XNYS"


@dataclass(frozen=True, slots=True)
class BarSeries:
    """OHLCV bars for one symbol and timeframe, oldest first.

    ``time`` is each bar's open time (UTC). Daily and coarser bars are stamped at the session's
    date at 00:00 UTC, so ``time.astype('datetime64[D]')`` is the session date.
    """

    symbol: str
    timeframe: Timeframe
    time: TimeArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    source: DataSource
    as_of: datetime

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def slice(self, start: int, stop: int | None = None) -> BarSeries:
        sl = slice(start, stop)
        return BarSeries(
            self.symbol, self.timeframe, self.time[sl], self.open[sl], self.high[sl],
            self.low[sl], self.close[sl], self.volume[sl], self.source, self.as_of,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    last: float
    bid: float | None
    ask: float | None
    bid_size: float | None
    ask_size: float | None
    prev_close: float | None
    day_open: float | None
    day_high: float | None
    day_low: float | None
    day_volume: float | None
    as_of: datetime
    source: DataSource

    @property
    def change(self) -> float | None:
        return None if self.prev_close is None else self.last - self.prev_close

    @property
    def change_percent(self) -> float | None:
        if self.prev_close is None or self.prev_close == 0:
            return None
        return (self.last / self.prev_close - 1.0) * 100.0


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """One contract of a chain. Fields a provider does not give are ``None``.

    ``iv`` is annualised (0.25 = 25 %); provider Greeks use the trader's units: theta per calendar
    day, vega per volatility point. ``greeks_from_provider`` says whether iv/Greeks came from the
    vendor (True) or are absent and must be computed by the options engine (False).
    """

    contract: str  # OCC symbol without the "O:" prefix, e.g. AAPL230616C00150000
    underlying: str
    expiration: date
    strike: float
    right: OptionRight
    bid: float | None
    ask: float | None
    last: float | None
    volume: float | None
    open_interest: float | None
    iv: float | None = None
    delta: float | None = None
    gamma: float | None = None
    theta: float | None = None
    vega: float | None = None
    greeks_from_provider: bool = False


@dataclass(frozen=True, slots=True)
class OptionChain:
    underlying: str
    expiration: date
    underlying_price: float
    contracts: tuple[OptionQuote, ...]
    as_of: datetime
    source: DataSource
    dividend_yield: float = 0.0


@dataclass(frozen=True, slots=True)
class Trade:
    """One trade or quote update from a streaming feed."""

    symbol: str
    price: float
    size: float
    at: datetime
    source: DataSource
    bid: float | None = None
    ask: float | None = None
    extra: dict[str, float] = field(default_factory=dict)
