"""API shapes for market data. Every payload says where it came from and how fresh it is."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from pydantic import BaseModel, Field

from aicoach.marketdata.calendar import MarketStatus, Session
from aicoach.marketdata.models import BarSeries, Quote, SymbolInfo


class Provenance(BaseModel):
    source: str = Field(description="simulated | delayed | real-time | files")
    as_of: datetime
    stale: bool = Field(
        False, description="True when the provider failed and this is the last good value"
    )


class SymbolRead(BaseModel):
    symbol: str
    name: str
    kind: str
    dividend_yield: float
    beta: float | None

    @classmethod
    def of(cls, info: SymbolInfo) -> SymbolRead:
        return cls(
            symbol=info.symbol, name=info.name, kind=info.kind.value,
            dividend_yield=info.dividend_yield, beta=info.beta,
        )  # fmt: skip


class QuoteRead(Provenance):
    symbol: str
    last: float
    bid: float | None
    ask: float | None
    prev_close: float | None
    change: float | None
    change_percent: float | None
    day_open: float | None
    day_high: float | None
    day_low: float | None
    day_volume: float | None
    market_phase: str

    @classmethod
    def of(cls, q: Quote, *, stale: bool, phase: str) -> QuoteRead:
        return cls(
            symbol=q.symbol, last=q.last, bid=q.bid, ask=q.ask, prev_close=q.prev_close,
            change=q.change, change_percent=q.change_percent, day_open=q.day_open,
            day_high=q.day_high, day_low=q.day_low, day_volume=q.day_volume,
            source=q.source.value, as_of=q.as_of, stale=stale, market_phase=phase,
        )  # fmt: skip


class Bar(BaseModel):
    time: int = Field(description="Bar open time, unix seconds (UTC); daily bars: the session date")
    open: float
    high: float
    low: float
    close: float
    volume: float


class BarsRead(Provenance):
    symbol: str
    timeframe: str
    bars: list[Bar]

    @classmethod
    def of(cls, series: BarSeries, *, stale: bool, as_of: datetime) -> BarsRead:
        seconds = series.time.astype("datetime64[s]").astype(np.int64).tolist()
        columns = zip(
            seconds, series.open.tolist(), series.high.tolist(), series.low.tolist(),
            series.close.tolist(), series.volume.tolist(), strict=True,
        )  # fmt: skip
        bars = [
            Bar(time=t, open=o, high=h, low=lo, close=c, volume=v) for t, o, h, lo, c, v in columns
        ]
        return cls(
            symbol=series.symbol, timeframe=series.timeframe.value, bars=bars,
            source=series.source.value, as_of=as_of, stale=stale,
        )  # fmt: skip


class SessionRead(BaseModel):
    date: date
    premarket_start: datetime
    open_at: datetime
    close_at: datetime
    after_hours_end: datetime
    early_close: bool

    @classmethod
    def of(cls, s: Session) -> SessionRead:
        return cls(
            date=s.date, premarket_start=s.premarket_start, open_at=s.open_at, close_at=s.close_at,
            after_hours_end=s.after_hours_end, early_close=s.early_close,
        )  # fmt: skip


class MarketStatusRead(BaseModel):
    phase: str = Field(description="pre-market | regular | after-hours | closed")
    now: datetime
    session: SessionRead | None
    next_open: datetime | None
    next_close: datetime | None
    is_early_close: bool
    source: str

    @classmethod
    def of(cls, st: MarketStatus, source: str) -> MarketStatusRead:
        return cls(
            phase=st.phase.value, now=st.now,
            session=SessionRead.of(st.session) if st.session else None,
            next_open=st.next_open, next_close=st.next_close, is_early_close=st.is_early_close,
            source=source,
        )  # fmt: skip
