"""Dates and times a request may carry: years 1900 to 2200, times with an offset.

Python's ``datetime`` reaches year 1 and 9999, but ``0001-01-01T00:00:00+14:00`` overflows once
converted to UTC and ``9999-12-31`` overflows a day later: without a bound such input is a 500.
Every date or time in a request body or query string is one of these types, so it is a 422 that
names the field instead.

    BoundedDatetime   an aware datetime (an offset is required), 1900-01-01 .. 2200-12-31
    BoundedDate       a date, 1900-01-01 .. 2200-12-31
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator

MIN_YEAR = 1900
MAX_YEAR = 2200
_RANGE = f"must be between the years {MIN_YEAR} and {MAX_YEAR}"


def check_datetime(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a timezone offset, e.g. 2026-11-20T15:30:00Z")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(_RANGE)
    return value


def check_date(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(_RANGE)
    return value


BoundedDatetime = Annotated[datetime, AfterValidator(check_datetime)]
BoundedDate = Annotated[date, AfterValidator(check_date)]
