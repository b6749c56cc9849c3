"""MarketCalendar against exchange_calendars' own XNYS schedule, NYSE's published holidays and
DST edges. The reference side computes wall-clock times through pandas' tz database, not our
zoneinfo path."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from aicoach.marketdata.calendar import ET, MarketCalendar
from aicoach.marketdata.errors import CalendarRangeError, NotASessionError
from aicoach.marketdata.models import MarketPhase

CAL = MarketCalendar()


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def _xnys() -> xcals.ExchangeCalendar:
    """Independent build of XNYS 2000–2030 (a separate calendar object and range)."""
    with warnings.catch_warnings():  # exchange_calendars vs pandas 3 deprecation, not ours
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar("XNYS", start="2000-01-01", end="2030-12-31")


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    schedule: pd.DataFrame = _xnys().schedule
    return schedule


def test_every_session_2000_2030_matches_xnys(reference: pd.DataFrame) -> None:
    days, open_ns, close_ns, early = CAL.session_arrays()
    ref_days = reference.index.to_numpy().astype("datetime64[D]")
    lo, hi = np.searchsorted(days, ref_days[[0, -1]])
    ours = slice(int(lo), int(hi) + 1)
    # Same sessions (so same holidays: every weekday missing from both lists).
    np.testing.assert_array_equal(days[ours], ref_days)
    ref_open = reference["open"].dt.tz_convert("UTC").dt.tz_localize(None)
    ref_close = reference["close"].dt.tz_convert("UTC").dt.tz_localize(None)
    np.testing.assert_array_equal(
        open_ns[ours], ref_open.to_numpy().astype("datetime64[ns]").astype(np.int64)
    )
    np.testing.assert_array_equal(
        close_ns[ours], ref_close.to_numpy().astype("datetime64[ns]").astype(np.int64)
    )
    # Every open is 09:30 New York; closes are 16:00 or (early) 13:00 New York.
    local_open = reference["open"].dt.tz_convert("America/New_York")
    assert set(local_open.dt.strftime("%H:%M")) == {"09:30"}
    local_close = reference["close"].dt.tz_convert("America/New_York").dt.strftime("%H:%M")
    np.testing.assert_array_equal(early[ours], (local_close == "13:00").to_numpy())
    ref_early = reference.index.isin(_xnys().early_closes)
    np.testing.assert_array_equal(early[ours], ref_early)
    assert int(early[ours].sum()) > 60  # ~2-3 a year: the test is not vacuous


def test_session_objects_agree_with_the_arrays_for_a_whole_year(reference: pd.DataFrame) -> None:
    sessions = CAL.sessions_in_range(date(2024, 1, 1), date(2024, 12, 31))
    ref = reference.loc["2024"]
    assert [s.date for s in sessions] == [ts.date() for ts in ref.index]
    for s, (_, row) in zip(sessions, ref.iterrows(), strict=True):
        assert s.open_at == row["open"].to_pydatetime()
        assert s.close_at == row["close"].to_pydatetime()
        pre = pd.Timestamp(f"{s.date} 04:00", tz="America/New_York").tz_convert("UTC")
        assert s.premarket_start == pre.to_pydatetime()
        ah = "17:00" if s.early_close else "20:00"
        end = pd.Timestamp(f"{s.date} {ah}", tz="America/New_York").tz_convert("UTC")
        assert s.after_hours_end == end.to_pydatetime()
        assert s.open_at.tzinfo is UTC


def test_is_session_on_every_day_of_2000_2030(reference: pd.DataFrame) -> None:
    all_days = pd.date_range("2000-01-01", "2030-12-31", freq="D")
    expected = all_days.isin(reference.index)
    got = [CAL.is_session(d.date()) for d in all_days]
    np.testing.assert_array_equal(np.array(got), expected)


@pytest.mark.parametrize(
    ("day", "open_utc", "close_utc"),
    [
        (date(2026, 3, 6), utc(2026, 3, 6, 14, 30), utc(2026, 3, 6, 21)),  # last EST Friday
        (date(2026, 3, 9), utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 20)),  # first EDT Monday
        (date(2026, 10, 30), utc(2026, 10, 30, 13, 30), utc(2026, 10, 30, 20)),
        (date(2026, 11, 2), utc(2026, 11, 2, 14, 30), utc(2026, 11, 2, 21)),  # back to EST
        (date(2026, 11, 27), utc(2026, 11, 27, 14, 30), utc(2026, 11, 27, 18)),  # 13:00 ET
        (date(2026, 12, 24), utc(2026, 12, 24, 14, 30), utc(2026, 12, 24, 18)),
        (date(2025, 7, 3), utc(2025, 7, 3, 13, 30), utc(2025, 7, 3, 17)),  # 13:00 EDT
    ],
)
def test_dst_and_early_close_edges(day: date, open_utc: datetime, close_utc: datetime) -> None:
    s = CAL.session(day)
    assert (s.open_at, s.close_at) == (open_utc, close_utc)
    assert s.early_close == (close_utc - open_utc < timedelta(hours=6))
    assert CAL.expiration_close(day) == close_utc


def test_early_close_after_hours_end_at_17_et() -> None:
    s = CAL.session(date(2026, 11, 27))
    assert s.after_hours_end.astimezone(ET).hour == 17
    assert CAL.phase_at(utc(2026, 11, 27, 21, 59)) is MarketPhase.AFTER_HOURS
    assert CAL.phase_at(utc(2026, 11, 27, 22, 0)) is MarketPhase.CLOSED


def test_nyse_2026_holidays_as_published() -> None:
    holidays = [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 4, 3),
        date(2026, 5, 25), date(2026, 6, 19), date(2026, 7, 3), date(2026, 9, 7),
        date(2026, 11, 26), date(2026, 12, 25),
    ]  # fmt: skip
    for d in holidays:
        assert not CAL.is_session(d), d
    weekdays = pd.bdate_range("2026-01-01", "2026-12-31")
    assert len(CAL.sessions_in_range(date(2026, 1, 1), date(2026, 12, 31))) == len(weekdays) - 10
    early = [s.date for s in CAL.sessions_in_range(date(2026, 1, 1), date(2026, 12, 31))]
    early = [d for d in early if CAL.session(d).early_close]
    assert early == [date(2026, 11, 27), date(2026, 12, 24)]
    assert not CAL.is_session(date(2025, 1, 9))  # national day of mourning (President Carter)


def test_not_a_session_and_out_of_range() -> None:
    with pytest.raises(NotASessionError):
        CAL.session(date(2026, 7, 4))
    with pytest.raises(NotASessionError):
        CAL.expiration_close(date(2026, 4, 3))
    with pytest.raises(CalendarRangeError):
        CAL.is_session(date(2040, 1, 2))


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        (utc(2026, 3, 9, 7, 59), MarketPhase.CLOSED),  # 03:59 EDT
        (utc(2026, 3, 9, 8, 0), MarketPhase.PRE_MARKET),  # 04:00 EDT
        (utc(2026, 3, 9, 13, 29), MarketPhase.PRE_MARKET),
        (utc(2026, 3, 9, 13, 30), MarketPhase.REGULAR),
        (utc(2026, 3, 9, 19, 59), MarketPhase.REGULAR),
        (utc(2026, 3, 9, 20, 0), MarketPhase.AFTER_HOURS),
        (utc(2026, 3, 9, 23, 59), MarketPhase.AFTER_HOURS),
        (utc(2026, 3, 10, 0, 0), MarketPhase.CLOSED),  # 20:00 EDT
        (utc(2026, 3, 7, 15, 0), MarketPhase.CLOSED),  # Saturday
        (utc(2026, 11, 26, 15, 0), MarketPhase.CLOSED),  # Thanksgiving
        (utc(2026, 11, 2, 14, 29), MarketPhase.PRE_MARKET),  # 09:29 EST
    ],
)
def test_phase_at(now: datetime, phase: MarketPhase) -> None:
    assert CAL.phase_at(now) is phase
    assert CAL.status(now).phase is phase


def test_status_next_open_and_close() -> None:
    # Thanksgiving: no session today; next is the early-close Friday.
    st = CAL.status(utc(2026, 11, 26, 15))
    assert st.session is None
    assert not st.is_early_close
    assert st.next_open == utc(2026, 11, 27, 14, 30)
    assert st.next_close == utc(2026, 11, 27, 18)
    # During Friday's short session.
    st = CAL.status(utc(2026, 11, 27, 16))
    assert st.phase is MarketPhase.REGULAR
    assert st.is_early_close
    assert st.session is not None
    assert st.session.date == date(2026, 11, 27)
    assert st.next_close == utc(2026, 11, 27, 18)
    assert st.next_open == utc(2026, 11, 30, 14, 30)
    # New York date decides the session: 01:00 UTC Tuesday is Monday evening in New York.
    st = CAL.status(utc(2026, 3, 10, 1))
    assert st.session is not None
    assert st.session.date == date(2026, 3, 9)
    with pytest.raises(ValueError, match="naive"):
        CAL.status(datetime(2026, 3, 9, 12))


def test_next_and_previous_session() -> None:
    assert CAL.next_session(date(2026, 4, 2)).date == date(2026, 4, 6)  # over Good Friday
    assert CAL.previous_session(date(2026, 4, 6)).date == date(2026, 4, 2)
    assert CAL.next_session(date(2026, 12, 24)).date == date(2026, 12, 28)
    assert CAL.previous_session(date(2026, 1, 2)).date == date(2025, 12, 31)


def test_monthly_expirations_third_friday_or_session_before() -> None:
    got = CAL.monthly_expirations(date(2026, 1, 1), 12)
    assert got == [
        date(2026, 1, 16), date(2026, 2, 20), date(2026, 3, 20), date(2026, 4, 17),
        date(2026, 5, 15), date(2026, 6, 18),  # Juneteenth Friday → Thursday
        date(2026, 7, 17), date(2026, 8, 21), date(2026, 9, 18), date(2026, 10, 16),
        date(2026, 11, 20), date(2026, 12, 18),
    ]  # fmt: skip
    # Good Friday on the third Friday (2022-04-15) → Thursday 2022-04-14.
    assert CAL.monthly_expiration(2022, 4) == date(2022, 4, 14)
    assert CAL.is_monthly_expiration(date(2022, 4, 14))
    assert not CAL.is_monthly_expiration(date(2022, 4, 15))
    # Independent rule check over 2000–2030: a session, a Thursday/Friday, days 14..21.
    for y in range(2000, 2031):
        for m in range(1, 13):
            d = CAL.monthly_expiration(y, m)
            assert CAL.is_session(d)
            assert (d.weekday() == 4 and 15 <= d.day <= 21) or (d.weekday() == 3 and d.day >= 14)


def test_weekly_expirations_friday_or_thursday() -> None:
    got = CAL.weekly_expirations(date(2026, 3, 28), 5)
    assert got == [
        date(2026, 4, 2),  # Good Friday week → Thursday
        date(2026, 4, 10), date(2026, 4, 17), date(2026, 4, 24), date(2026, 5, 1),
    ]  # fmt: skip
    # Start on an expiration day includes it.
    assert CAL.weekly_expirations(date(2026, 4, 10), 1) == [date(2026, 4, 10)]
    # Start after the week's expiration skips to the next week.
    assert CAL.weekly_expirations(date(2026, 4, 11), 1) == [date(2026, 4, 17)]
    assert CAL.weekly_expirations(date(2026, 6, 15), 1) == [date(2026, 6, 18)]
    monthly = set(CAL.monthly_expirations(date(2026, 1, 1), 12))
    weekly = set(CAL.weekly_expirations(date(2026, 1, 1), 60))
    assert monthly <= weekly
