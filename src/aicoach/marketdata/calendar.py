"""The NYSE trading calendar: sessions, extended hours, market phase and option expirations.

Sessions, holidays and early closes come from ``exchange_calendars`` (XNYS); wall-clock rules are
applied in ``America/New_York`` through ``zoneinfo`` so daylight-saving changes are right. Every
datetime returned is timezone-aware UTC.

Extended hours (NYSE Arca, where US equities trade outside the regular session):

* pre-market: 04:00 ET to the regular open (09:30 ET);
* regular: open to close as XNYS publishes it (16:00 ET, 13:00 ET on early-close days);
* after-hours: close to 20:00 ET. On early-close days (the day after Thanksgiving, Christmas
  Eve, the day before Independence Day) NYSE Arca ends its late session at 17:00 ET instead, so
  after-hours there runs 13:00–17:00 ET.

Option expirations (equity and ETF options): the standard monthly contract expires on the third
Friday of the month, or the session before it when that Friday is a holiday (e.g. Good Friday);
weeklies expire each Friday session, or on the last session before it (usually Thursday) when the
Friday is a holiday. Time to expiry counts to the expiration session's close.

The calendar is built once, lazily, for 1990-01-01..2031-12-31 (about 0.1 s) and then answers
from numpy arrays: session dates, opens and closes in UTC nanoseconds.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from aicoach.marketdata.errors import CalendarRangeError, NotASessionError
from aicoach.marketdata.models import MarketPhase

ET: Final = ZoneInfo("America/New_York")
CALENDAR_START: Final = date(1990, 1, 1)
CALENDAR_END: Final = date(2031, 12, 31)

PREMARKET_START_ET: Final = time(4, 0)
REGULAR_OPEN_ET: Final = time(9, 30)
REGULAR_CLOSE_ET: Final = time(16, 0)
AFTER_HOURS_END_ET: Final = time(20, 0)
#: NYSE Arca's late session ends at 17:00 ET on early-close days.
EARLY_CLOSE_AFTER_HOURS_END_ET: Final = time(17, 0)

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_FRIDAY: Final = 4

Int64Array = npt.NDArray[np.int64]
DayArray = npt.NDArray[np.datetime64]


def ns_to_utc(ns: int) -> datetime:
    """UTC nanoseconds since the epoch → aware UTC datetime (microsecond precision)."""
    return _EPOCH + timedelta(microseconds=int(ns) // 1000)


def utc_to_ns(at: datetime) -> int:
    """Aware datetime → UTC nanoseconds since the epoch. Naive datetimes are refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: market times must be timezone-aware")
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def et_wall_clock(d: date, t: time) -> datetime:
    """``d`` at wall-clock ``t`` in New York, as aware UTC."""
    return datetime.combine(d, t, ET).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Session:
    """One NYSE trading day; all times aware UTC.

    ``premarket_start`` ≤ ``open_at`` < ``close_at`` ≤ ``after_hours_end``.
    """

    date: date
    open_at: datetime
    close_at: datetime
    premarket_start: datetime
    after_hours_end: datetime
    early_close: bool

    def phase_at(self, now: datetime) -> MarketPhase:
        if self.premarket_start <= now < self.open_at:
            return MarketPhase.PRE_MARKET
        if self.open_at <= now < self.close_at:
            return MarketPhase.REGULAR
        if self.close_at <= now < self.after_hours_end:
            return MarketPhase.AFTER_HOURS
        return MarketPhase.CLOSED


@dataclass(frozen=True, slots=True)
class MarketStatus:
    """The market at ``now``: ``session`` is today's (New York date) session or ``None`` on a
    weekend/holiday; ``next_open``/``next_close`` are the next regular open/close strictly after
    ``now``."""

    phase: MarketPhase
    now: datetime
    session: Session | None
    next_open: datetime | None
    next_close: datetime | None
    is_early_close: bool


class MarketCalendar:
    """XNYS sessions with extended hours and expiration rules. Cheap to construct; the
    underlying exchange calendar is built on first use and shared by every instance."""

    def __init__(self) -> None:
        self._tables: _Tables | None = None

    # --- the arrays --------------------------------------------------------------------------

    @property
    def _t(self) -> _Tables:
        if self._tables is None:
            self._tables = _build_tables()
        return self._tables

    @property
    def first_date(self) -> date:
        return CALENDAR_START

    @property
    def last_date(self) -> date:
        return CALENDAR_END

    def session_arrays(self) -> tuple[DayArray, Int64Array, Int64Array, npt.NDArray[np.bool_]]:
        """All sessions as arrays: dates (``datetime64[D]``), opens and closes (UTC ns, int64) and
        the early-close flag. Read-only views, for vectorised callers (resampling)."""
        t = self._t
        return t.days, t.open_ns, t.close_ns, t.early

    def _check(self, d: date) -> None:
        if not CALENDAR_START <= d <= CALENDAR_END:
            raise CalendarRangeError(
                f"{d.isoformat()} is outside the market calendar "
                f"({CALENDAR_START.isoformat()} to {CALENDAR_END.isoformat()})."
            )

    def _index(self, d: date) -> int:
        """Position of ``d`` in the session array, or -1 when it is not a session."""
        self._check(d)
        days = self._t.days
        i = int(np.searchsorted(days, np.datetime64(d, "D")))
        return i if i < days.shape[0] and days[i] == np.datetime64(d, "D") else -1

    def _session_at(self, i: int) -> Session:
        t = self._t
        d = t.days[i].astype(object)
        early = bool(t.early[i])
        ah_end = EARLY_CLOSE_AFTER_HOURS_END_ET if early else AFTER_HOURS_END_ET
        return Session(
            date=d,
            open_at=ns_to_utc(int(t.open_ns[i])),
            close_at=ns_to_utc(int(t.close_ns[i])),
            premarket_start=et_wall_clock(d, PREMARKET_START_ET),
            after_hours_end=et_wall_clock(d, ah_end),
            early_close=early,
        )

    # --- sessions ----------------------------------------------------------------------------

    def is_session(self, d: date) -> bool:
        return self._index(d) >= 0

    def session(self, d: date) -> Session:
        """The session on ``d``; ``NotASessionError`` on weekends and holidays."""
        i = self._index(d)
        if i < 0:
            raise NotASessionError(f"{d.isoformat()} is not an NYSE trading session.")
        return self._session_at(i)

    def sessions_in_range(self, start: date, end: date) -> list[Session]:
        """Sessions with ``start`` ≤ date ≤ ``end`` (both inclusive)."""
        self._check(start)
        self._check(end)
        days = self._t.days
        lo = int(np.searchsorted(days, np.datetime64(start, "D"), side="left"))
        hi = int(np.searchsorted(days, np.datetime64(end, "D"), side="right"))
        return [self._session_at(i) for i in range(lo, hi)]

    def next_session(self, d: date) -> Session:
        """The first session strictly after ``d``."""
        self._check(d)
        i = int(np.searchsorted(self._t.days, np.datetime64(d, "D"), side="right"))
        if i >= self._t.days.shape[0]:
            raise CalendarRangeError(f"No session after {d.isoformat()} in the calendar.")
        return self._session_at(i)

    def previous_session(self, d: date) -> Session:
        """The last session strictly before ``d``."""
        self._check(d)
        i = int(np.searchsorted(self._t.days, np.datetime64(d, "D"), side="left")) - 1
        if i < 0:
            raise CalendarRangeError(f"No session before {d.isoformat()} in the calendar.")
        return self._session_at(i)

    def session_on_or_before(self, d: date) -> Session:
        i = self._index(d)
        return self._session_at(i) if i >= 0 else self.previous_session(d)

    # --- now ---------------------------------------------------------------------------------

    def reference_session(self, now: datetime) -> Session:
        """The trading day a trader at ``now`` is looking at — the one definition behind every
        "prior" reference price (prior close, prior day high/low, the quote's change):

        * from a session's pre-market start to its after-hours end (4:00–20:00 ET): that session;
        * otherwise (overnight, weekends, holidays): the next session.

        So the **prior close** — the close of the session before the reference session — is the
        last regular session's close whenever that session has ended and the next has not begun.
        """
        utc_to_ns(now)  # refuses naive datetimes
        today = now.astimezone(ET).date()
        if self.is_session(today):
            session = self.session(today)
            if now < session.after_hours_end:
                return session
        return self.next_session(today)

    def phase_at(self, now: datetime) -> MarketPhase:
        """Pre-market, regular, after-hours or closed at the aware instant ``now``."""
        utc_to_ns(now)  # refuses naive datetimes
        i = self._index(now.astimezone(ET).date())
        return MarketPhase.CLOSED if i < 0 else self._session_at(i).phase_at(now)

    def status(self, now: datetime) -> MarketStatus:
        now_ns = utc_to_ns(now)
        t = self._t
        i = self._index(now.astimezone(ET).date())
        session = self._session_at(i) if i >= 0 else None
        j = int(np.searchsorted(t.open_ns, now_ns, side="right"))
        k = int(np.searchsorted(t.close_ns, now_ns, side="right"))
        return MarketStatus(
            phase=MarketPhase.CLOSED if session is None else session.phase_at(now),
            now=now,
            session=session,
            next_open=ns_to_utc(int(t.open_ns[j])) if j < t.open_ns.shape[0] else None,
            next_close=ns_to_utc(int(t.close_ns[k])) if k < t.close_ns.shape[0] else None,
            is_early_close=session is not None and session.early_close,
        )

    # --- expirations -------------------------------------------------------------------------

    def expiration_close(self, d: date) -> datetime:
        """When an option expiring on session ``d`` stops trading: that session's close
        (16:00 ET, 13:00 ET on early-close days), aware UTC."""
        return self.session(d).close_at

    def monthly_expiration(self, year: int, month: int) -> date:
        """Standard monthly expiration: the third Friday, or the session before it when that
        Friday is a holiday."""
        first = date(year, month, 1)
        third_friday = first + timedelta(days=(_FRIDAY - first.weekday()) % 7 + 14)
        return self.session_on_or_before(third_friday).date

    def weekly_expiration(self, d: date) -> date | None:
        """The weekly expiration of the Monday–Sunday week containing ``d``: its Friday if that
        is a session, else the last session before it in the same week; ``None`` if the exchange
        is shut Monday–Friday."""
        monday = d - timedelta(days=d.weekday())
        friday = monday + timedelta(days=_FRIDAY)
        s = self.session_on_or_before(friday)
        return s.date if s.date >= monday else None

    def weekly_expirations(self, start: date, n: int) -> list[date]:
        """The first ``n`` weekly expirations on or after ``start`` (monthlies included: the
        monthly is that week's weekly)."""
        out: list[date] = []
        monday = start - timedelta(days=start.weekday())
        while len(out) < n:
            exp = self.weekly_expiration(monday)
            if exp is not None and exp >= start:
                out.append(exp)
            monday += timedelta(days=7)
        return out

    def monthly_expirations(self, start: date, n: int) -> list[date]:
        """The first ``n`` standard monthly expirations on or after ``start``."""
        out: list[date] = []
        year, month = start.year, start.month
        while len(out) < n:
            exp = self.monthly_expiration(year, month)
            if exp >= start:
                out.append(exp)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def is_monthly_expiration(self, d: date) -> bool:
        return self.monthly_expiration(d.year, d.month) == d


@dataclass(frozen=True, slots=True)
class _Tables:
    days: DayArray
    open_ns: Int64Array
    close_ns: Int64Array
    early: npt.NDArray[np.bool_]


@functools.cache
def _build_tables() -> _Tables:
    """Build XNYS once per process; the schedule becomes four read-only arrays."""
    import exchange_calendars as xcals  # slow import (~0.5 s): only when first needed

    with warnings.catch_warnings():
        # exchange_calendars 4.x reads tz-aware ``Series.values``, which pandas 3 deprecates;
        # harmless for the UTC values it wants, and not ours to fix.
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        cal = xcals.get_calendar(
            "XNYS", start=CALENDAR_START.isoformat(), end=CALENDAR_END.isoformat()
        )
        schedule = cal.schedule
    days = schedule.index.to_numpy().astype("datetime64[D]")
    open_ns = _utc_ns(schedule["open"])
    close_ns = _utc_ns(schedule["close"])
    local_close = schedule["close"].dt.tz_convert(ET)
    # An early close is any close before 16:00 New York time (always 13:00 in practice).
    minutes = local_close.dt.hour * 60 + local_close.dt.minute
    early = (minutes < 16 * 60).to_numpy(dtype=np.bool_)
    for arr in (days, open_ns, close_ns, early):
        arr.setflags(write=False)
    return _Tables(days, open_ns, close_ns, early)


def _utc_ns(column: pd.Series) -> Int64Array:
    naive = column.dt.tz_convert("UTC").dt.tz_localize(None)
    return np.asarray(naive.to_numpy().astype("datetime64[ns]").astype(np.int64), dtype=np.int64)


@functools.cache
def default_calendar() -> MarketCalendar:
    """The process-wide calendar (cheap: the heavy tables are built on first use)."""
    return MarketCalendar()
