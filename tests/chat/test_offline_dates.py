"""Relative dates → listed expirations and valuation dates, on the real NYSE calendar (holidays,
early closes) with a fixed clock. The rules are documented in ``aicoach.chat.offline.dates``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from aicoach.chat.offline.dates import (
    DateKind,
    Pick,
    parse_date_spec,
    pick_expiration,
    resolve_expiration,
    resolve_valuation_date,
)
from aicoach.marketdata.calendar import ET, MarketCalendar
from aicoach.simulation.options_surface import listed_expirations

CAL = MarketCalendar()


def et(y: int, m: int, d: int, hh: int = 15, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ET).astimezone(UTC)


def resolve(phrase: str, now: datetime, *, daily: bool = True) -> date | None:
    spec = parse_date_spec(phrase)
    assert spec is not None, phrase
    listed = listed_expirations(CAL, now.astimezone(ET).date(), daily)
    return resolve_expiration(spec, now, CAL, listed)


WED = et(2026, 11, 25)  # the day before Thanksgiving; Friday Nov 27 closes at 13:00


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("this friday", date(2026, 11, 27)),  # the early-close Friday is still an expiration
        ("friday", date(2026, 11, 27)),
        ("next friday", date(2026, 12, 4)),  # the Friday of next week (documented rule)
        ("0dte", date(2026, 11, 25)),
        ("today", date(2026, 11, 25)),
        ("tomorrow", date(2026, 11, 27)),  # Thanksgiving is skipped
        ("in two weeks", date(2026, 12, 9)),  # SPY lists dailies: the exact day exists
        ("in 3 weeks", date(2026, 12, 18)),  # Wed Dec 16: dailies end, nearest weekly
        ("end of month", date(2026, 11, 30)),
        ("monthly", date(2026, 12, 18)),
        ("the monthly", date(2026, 12, 18)),
        ("next month", date(2026, 12, 18)),
        ("january", date(2027, 1, 15)),
        ("march calls", date(2027, 3, 19)),
        ("dec 19", date(2026, 12, 18)),  # a Saturday: the nearest listed is Friday
        ("12/19", date(2026, 12, 18)),
        ("2026-12-19", date(2026, 12, 18)),
        ("december 24th", date(2026, 12, 24)),  # Christmas Eve weekly (Friday is a holiday)
        ("january leaps", date(2028, 1, 21)),  # at least a year out, in January
        ("leaps", date(2027, 12, 17)),
        ("this week", date(2026, 11, 27)),
        ("next week", date(2026, 12, 4)),
        ("45 dte", date(2027, 1, 8)),
    ],
)
def test_phrases_on_wednesday_before_thanksgiving(phrase: str, expected: date) -> None:
    assert resolve(phrase, WED) == expected


def test_zero_dte_after_the_close_is_the_next_session() -> None:
    assert resolve("0dte", et(2026, 11, 25, 16, 30)) == date(2026, 11, 27)
    assert resolve("0dte", et(2026, 11, 27, 13, 30)) == date(2026, 11, 30)  # early close passed


def test_weekly_only_symbols_resolve_to_fridays() -> None:
    assert resolve("in two weeks", WED, daily=False) == date(2026, 12, 11)
    assert resolve("0dte", WED, daily=False) == date(2026, 11, 27)  # no expiration today


def test_weekend_next_friday_is_the_coming_friday() -> None:
    sat = et(2026, 11, 28, 11)
    assert resolve("next friday", sat) == date(2026, 12, 4)
    assert resolve("this friday", sat) == date(2026, 12, 4)
    assert resolve("0dte", sat) == date(2026, 11, 30)


def test_friday_holiday_gives_the_thursday_weekly() -> None:
    monday = et(2027, 3, 22, 10)  # Good Friday 2027-03-26: the exchange is shut
    assert resolve("friday", monday, daily=False) == date(2027, 3, 25)


def test_past_dates_roll_to_next_year() -> None:
    late_dec = et(2026, 12, 28)
    spec = parse_date_spec("dec 18")
    assert spec is not None and spec.kind is DateKind.EXPLICIT
    listed = [date(2027, 12, 17), date(2027, 1, 15)]
    assert resolve_expiration(spec, late_dec, CAL, listed) == date(2027, 12, 17)


def test_ties_and_picks() -> None:
    exps = [date(2026, 12, 18), date(2026, 12, 20)]
    assert pick_expiration(exps, date(2026, 12, 19), Pick.NEAREST) == date(2026, 12, 18)
    assert pick_expiration(exps, date(2026, 12, 19), Pick.ON_OR_AFTER) == date(2026, 12, 20)
    assert pick_expiration(exps, date(2026, 12, 19), Pick.ON_OR_BEFORE) == date(2026, 12, 18)
    assert pick_expiration(exps, date(2026, 12, 1), Pick.ON_OR_BEFORE) == date(2026, 12, 18)
    assert pick_expiration([], date(2026, 12, 1), Pick.NEAREST) is None


def test_no_phrase_is_the_nearest_live_expiration() -> None:
    listed = listed_expirations(CAL, date(2026, 11, 25), False)
    assert resolve_expiration(None, WED, CAL, listed) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("friday", date(2026, 11, 27)),
        ("next friday", date(2026, 12, 4)),
        ("in two weeks", date(2026, 12, 9)),
        ("end of month", date(2026, 11, 30)),
        ("today", date(2026, 11, 25)),
        ("dec 26", date(2026, 12, 24)),  # Saturday after Christmas: the last session before it
    ],
)
def test_valuation_dates(phrase: str, expected: date) -> None:
    spec = parse_date_spec(phrase)
    assert spec is not None
    assert resolve_valuation_date(spec, WED, CAL) == expected


@pytest.mark.parametrize(
    "text", ["may i ask", "what about march", "saturday", "strikes 580/600", "wed", "5 minute"]
)
def test_not_dates(text: str) -> None:
    assert parse_date_spec(text) is None


def test_parse_keeps_the_words() -> None:
    spec = parse_date_spec("spy chain for next friday please")
    assert spec is not None
    assert (spec.kind, spec.words, spec.n, spec.next_week) == (
        DateKind.WEEKDAY,
        "next friday",
        4,
        True,
    )
