"""Dates and times as brokers write them → ``date`` / aware UTC ``datetime``.

Notations: ``M/D/YYYY``, ``M/D/YY`` (2-digit years are 2000–2069, 1970–1999 otherwise),
``YYYY-MM-DD``, ``YYYYMMDD``, thinkorswim ``D MON YY``, IBKR ``DDMONYY``; times ``HH:MM[:SS]``
with optional ``AM/PM``. Parsed dates are cached: exports repeat the same few hundred dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aicoach.journal.importers._text import RowProblem

NEW_YORK = "America/New_York"
CLOSE = time(16, 0)
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
#: Zone abbreviations seen as suffixes (Webull) → fixed offsets.
ABBREVIATIONS = {
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "UTC": 0,
    "GMT": 0,
}
_SLASH = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_SPACED = re.compile(r"(\d{1,2}) ([A-Za-z]{3}) (\d{2}|\d{4})")
_COMPACT = re.compile(r"(\d{1,2})([A-Za-z]{3})(\d{2})")
_TIME = re.compile(r"(\d{1,2}):?(\d{2})(?::?(\d{2}))?(?:\s*([AaPp][Mm]))?")


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        return 2000 + y if y < 70 else 1900 + y
    return y


@lru_cache(maxsize=8192)
def _date(text: str) -> date | None:
    try:
        if m := _SLASH.fullmatch(text):
            return date(_year(m[3]), int(m[1]), int(m[2]))
        if m := _ISO.fullmatch(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SPACED.fullmatch(text) or _COMPACT.fullmatch(text):
            month = MONTHS.get(m[2].upper())
            return None if month is None else date(_year(m[3]), month, int(m[1]))
    except ValueError:
        return None
    return None


def parse_date(text: str, what: str = "date") -> date:
    value = _date(text.strip())
    if value is None:
        raise RowProblem(f"the {what} '{text.strip()}' is not a date I can read")
    return value


@lru_cache(maxsize=8192)
def _time(text: str) -> time | None:
    m = _TIME.fullmatch(text)
    if m is None:
        return None
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[4].upper() == "PM" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def parse_time(text: str, what: str = "time") -> time:
    value = _time(text.strip())
    if value is None:
        raise RowProblem(f"the {what} '{text.strip()}' is not a time I can read")
    return value


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a time zone I know (try America/New_York)") from None


def to_utc(day: date, at: time, tz: str) -> datetime:
    """A wall-clock date and time in zone ``tz`` → aware UTC."""
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


def parse_datetime(text: str, tz: str, what: str = "time") -> datetime:
    """``<date>[ ,;T]<time>`` in zone ``tz`` (a trailing EST/EDT-style suffix wins over ``tz``)."""
    s = text.strip()
    if len(s) > 19 and s[10:11] == "T" and s[19:20] in ("+", "-", "Z", "."):
        return _iso(s, what)
    offset: timezone | None = None
    head, _, suffix = s.rpartition(" ")
    if head and suffix.upper() in ABBREVIATIONS:
        offset = timezone(timedelta(hours=ABBREVIATIONS[suffix.upper()]))
        s = head
    for sep in (", ", ";", "T", " "):
        day_text, found, time_text = s.partition(sep)
        if found:
            day, at = _date(day_text.strip()), _time(time_text.strip())
            if day is not None and at is not None:
                if offset is not None:
                    return datetime.combine(day, at, tzinfo=offset).astimezone(UTC)
                return to_utc(day, at, tz)
    raise RowProblem(f"the {what} '{text.strip()}' is not a date and time I can read")


@lru_cache(maxsize=65536)
def _iso(text: str, what: str) -> datetime:
    """ISO-8601 with its own offset (tastytrade: ``2024-08-16T15:57:13+0200``) → UTC."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise RowProblem(f"the {what} '{text}' is not a date and time I can read") from None
    if at.tzinfo is None:
        raise RowProblem(f"the {what} '{text}' has no UTC offset")
    return at.astimezone(UTC)


def close_of(day: date) -> datetime:
    """A date-only row: 16:00 New York of that day (``time_known=False``)."""
    return to_utc(day, CLOSE, NEW_YORK)


def check_zone(name: str | None, default: str) -> str:
    tz = name or default
    zone(tz)
    return tz
