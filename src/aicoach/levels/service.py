"""Key levels for a symbol now: fetches bars and the quote, picks the session, runs the engine.

The session the levels describe: today's if today is a trading day, else the next one (on a
weekend the trader prepares Monday: "prior day" is Friday and there is no intraday data yet).

Historical data (e.g. a ``files`` folder whose bars end years ago): when the provider's data
ends before the session preceding that one, levels are computed *as of the data's end* — the
last quote's ``as_of`` becomes "now" and the session is the one in progress at that instant, or
the next one if the data ends after its close (a daily file ending on a Friday gives Monday's
levels with Friday as "prior day"). ``historical: true`` in the payload says so; ``as_of`` is the
data's end. Without this a stale dataset would yield no levels at all (no bars in the look-back).

Reuse. A report for "now" is kept ``REUSE_SECONDS`` (1 s) per symbol and concurrent requests for
one symbol share one computation: the quote under it is itself cached for 2 s, so this changes
no answer by more than a second, and a burst of chart and coach requests costs one engine run.
The HTTP route serves the reused report's JSON encoding (:meth:`LevelsService.key_levels_json`),
made once per report, not once per request: building and encoding the ~100-level payload costs
more than the rest of the request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from aicoach.kit.clock import NEW_YORK
from aicoach.levels.core.engine import compute_key_levels
from aicoach.levels.core.models import KeyLevels, SessionWindows
from aicoach.levels.core.pivots import Period, PivotMethod, pivot_levels, prior_period_hlc
from aicoach.marketdata.calendar import Session
from aicoach.marketdata.errors import TimeframeNotSupportedError
from aicoach.marketdata.models import BarSeries, MarketPhase, Timeframe
from aicoach.marketdata.service import MarketDataService, normalize_symbol

#: Calendar days of daily history: enough for the 200-day average and a year of swings.
DAILY_LOOKBACK = timedelta(days=460)
REUSE_SECONDS = 1.0
#: The encoder FastAPI itself uses for a ``dict[str, Any]`` response: the same bytes.
_JSON = TypeAdapter(dict[str, Any])


@dataclass(frozen=True, slots=True)
class LevelsReport:
    levels: KeyLevels
    session: Session
    phase: MarketPhase
    source: str
    as_of: datetime
    stale: bool
    pivot_table: dict[str, dict[str, dict[str, float]]]
    historical: bool = False  # levels as of the data's end, not now (see module docstring)

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
                "historical": self.historical,
            }
        )
        return body


class LevelsService:
    def __init__(self, market: MarketDataService, reuse_seconds: float = REUSE_SECONDS) -> None:
        self.market = market
        self._reuse = reuse_seconds
        self._recent: dict[str, tuple[float, asyncio.Future[LevelsReport]]] = {}
        self._encoded: dict[str, tuple[LevelsReport, bytes]] = {}

    async def key_levels(self, symbol: str, now: datetime | None = None) -> LevelsReport:
        """Levels for ``symbol`` at ``now``; without ``now``, the current report, reused for
        ``reuse_seconds`` and shared by concurrent callers (module docstring)."""
        if now is not None:
            return await self.compute(symbol, now)
        symbol = normalize_symbol(symbol)
        t = time.monotonic()
        kept = self._recent.get(symbol)
        if kept is not None and t - kept[0] < self._reuse:
            return await asyncio.shield(kept[1])
        if len(self._recent) > 512:  # forget expired symbols now and then
            self._recent = {k: v for k, v in self._recent.items() if t - v[0] < self._reuse}
        task = asyncio.ensure_future(self.compute(symbol))
        self._recent[symbol] = (t, task)
        try:
            return await asyncio.shield(task)
        except BaseException:
            entry = self._recent.get(symbol)
            if entry is not None and entry[1] is task:
                del self._recent[symbol]  # never reuse a failure
            raise

    async def key_levels_json(self, symbol: str) -> bytes:
        """The current report (as :meth:`key_levels` without ``now``) as UTF-8 JSON of
        :meth:`LevelsReport.to_dict`, encoded once per reused report."""
        symbol = normalize_symbol(symbol)
        report = await self.key_levels(symbol)
        kept = self._encoded.get(symbol)
        if kept is not None and kept[0] is report:
            return kept[1]
        if len(self._encoded) > 512:  # as for ``_recent``: forget symbols nobody asks for now
            self._encoded = {k: v for k, v in self._encoded.items() if k in self._recent}
        body = _JSON.dump_json(report.to_dict())
        self._encoded[symbol] = (report, body)
        return body

    def session_for(self, now: datetime) -> Session:
        """The session the levels describe: the calendar's reference session, the same one the
        quote's prior close is taken from (so "prior close" means one number everywhere)."""
        return self.market.calendar.reference_session(now)

    def historical_session(self, data_end: datetime, session: Session) -> Session | None:
        """The session to describe when the data ends before ``session``'s prior session
        (see the module docstring), else ``None``."""
        calendar = self.market.calendar
        if data_end >= calendar.previous_session(session.date).premarket_start:
            return None
        last = calendar.session_on_or_before(data_end.astimezone(NEW_YORK).date())
        return calendar.next_session(last.date) if data_end >= last.close_at else last

    async def compute(self, symbol: str, now: datetime | None = None) -> LevelsReport:
        """Fetch, pick the session and run the engine: no reuse."""
        symbol = normalize_symbol(symbol)
        wall_now = now or datetime.now(UTC)
        session = self.session_for(wall_now)
        quote = await self.market.quote(symbol)
        past = self.historical_session(quote.value.as_of, session)
        if past is not None:
            session, now = past, quote.value.as_of
        else:
            now = wall_now
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
            phase=self.market.calendar.phase_at(wall_now),
            source=self.market.source,
            as_of=min(quote.as_of, daily.as_of) if past is None else now,
            stale=stale,
            pivot_table=pivot_table(daily.value, session.date),
            historical=past is not None,
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
