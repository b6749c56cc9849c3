"""Key levels for a symbol now: fetches bars and the quote, picks the session, runs the engine.

The session the levels describe: today's if today is a trading day, else the next one (on a
weekend the trader prepares Monday: "prior day" is Friday and there is no intraday data yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from aicoach.kit.clock import NEW_YORK
from aicoach.levels.engine import compute_key_levels
from aicoach.levels.models import KeyLevels, SessionWindows
from aicoach.levels.pivots import Period, PivotMethod, pivot_levels, prior_period_hlc
from aicoach.marketdata.calendar import Session
from aicoach.marketdata.errors import TimeframeNotSupportedError
from aicoach.marketdata.models import BarSeries, MarketPhase, Timeframe
from aicoach.marketdata.service import MarketDataService, normalize_symbol

#: Calendar days of daily history: enough for the 200-day average and a year of swings.
DAILY_LOOKBACK = timedelta(days=460)


@dataclass(frozen=True, slots=True)
class LevelsReport:
    levels: KeyLevels
    session: Session
    phase: MarketPhase
    source: str
    as_of: datetime
    stale: bool
    pivot_table: dict[str, dict[str, dict[str, float]]]

    def to_dict(self) -> dict[str, object]:
        body = self.levels.to_dict()
        body.update(
            {
                "session_date": self.session.date.isoformat(),
                "market_phase": self.phase.value,
                "source": self.source,
                "as_of": self.as_of.isoformat(),
                "stale": self.stale,
                "pivot_table": self.pivot_table,
            }
        )
        return body


class LevelsService:
    def __init__(self, market: MarketDataService) -> None:
        self.market = market

    def session_for(self, now: datetime) -> Session:
        today = now.astimezone(NEW_YORK).date()
        calendar = self.market.calendar
        return (
            calendar.session(today) if calendar.is_session(today) else calendar.next_session(today)
        )

    async def key_levels(self, symbol: str, now: datetime | None = None) -> LevelsReport:
        symbol = normalize_symbol(symbol)
        now = now or datetime.now(UTC)
        session = self.session_for(now)
        quote = await self.market.quote(symbol)
        daily = await self.market.bars(
            symbol, Timeframe.D1, session.open_at - DAILY_LOOKBACK, session.after_hours_end
        )
        intraday = await self._intraday(symbol, session, now)
        windows = SessionWindows(session.premarket_start, session.open_at, session.close_at)
        levels = compute_key_levels(daily.value, intraday, windows, quote.value.last, now)
        stale = quote.stale or daily.stale
        return LevelsReport(
            levels=levels,
            session=session,
            phase=self.market.calendar.phase_at(now),
            source=self.market.source,
            as_of=min(quote.as_of, daily.as_of),
            stale=stale,
            pivot_table=pivot_table(daily.value, session.date),
        )

    async def _intraday(self, symbol: str, session: Session, now: datetime) -> BarSeries | None:
        if now <= session.premarket_start:
            return None
        end = min(now + timedelta(minutes=1), session.after_hours_end)
        try:
            fetched = await self.market.bars(symbol, Timeframe.M1, session.premarket_start, end)
        except TimeframeNotSupportedError:
            return None  # e.g. a files provider with daily data only: no intraday levels
        return fetched.value if len(fetched.value) else None


def pivot_table(daily: BarSeries, today: date) -> dict[str, dict[str, dict[str, float]]]:
    """Every pivot by period and method, unmerged (confluence hides members' exact prices):
    ``{"day": {"classic": {"P": ..., "R1": ...}}}`` from the prior complete period's H/L/C."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for period in Period:
        hlc = prior_period_hlc(
            daily.time, daily.open, daily.high, daily.low, daily.close, daily.volume, period, today
        )
        if hlc is None:
            continue
        table[period.value] = {
            method.value: {name: float(v) for name, v in pivot_levels(method, *hlc).items()}
            for method in PivotMethod
        }
    return table
