"""Past periods in trader speak ("last month", "in october", "ytd", "the past 2 weeks") → New York
date ranges, for the journal's skills. It reads the chat kit's vocabulary (month names, number
words, the New York date of ``now``: ``aicoach.chat.offline.dates``); the kit's own date phrases
look forward (expirations), a journal question looks back.

===========================  =========================================================
phrase                       range (inclusive, New York dates; ``today`` = date of now)
===========================  =========================================================
"today"                      today
"yesterday"                  the day before today
"this week", "wtd"           Monday of this week … today
"last week"                  Monday … Sunday of the week before
"this month", "mtd"          the 1st … today
"last month"                 the previous calendar month
"this year", "ytd"           Jan 1 … today
"last year"                  the previous calendar year
"this/last quarter"          the calendar quarter (this one to date)
"last|past N days/weeks/     today − N units + 1 day … today ("the past week": 7 days)
months"
"in october", "october"      that month, the latest one not after today
"october 2025", "in 2025"    that month / that year
"since october", "since      that date (a month: its 1st) … today
oct 14"
===========================  =========================================================
"""

from __future__ import annotations

import calendar as pycal
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from aicoach.chat.offline.dates import MONTHS, NUMBER_WORDS

_NUM: Final = (
    r"(\d+|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")"
)
_MONTH: Final = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
#: Bare month words that are also common English ("may", "march"): only after in/during/since.
_AMBIGUOUS: Final = frozenset({"may", "mar", "march", "jun", "sep", "dec"})


@dataclass(frozen=True, slots=True)
class Span:
    start: date | None
    end: date | None
    words: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, pycal.monthrange(year, month)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _num(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _fixed(name: str, today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter = _add_months(quarter, -3)
    first = today.replace(day=1)
    prev = _add_months(first, -1)
    spans = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this_week": (monday, today),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "this_month": (first, today),
        "last_month": (prev, _month_end(prev.year, prev.month)),
        "this_quarter": (quarter, today),
        "last_quarter": (last_quarter, quarter - timedelta(days=1)),
        "this_year": (date(today.year, 1, 1), today),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    return spans[name]


_FIXED: Final[list[tuple[str, re.Pattern[str]]]] = [
    ("yesterday", re.compile(r"\byesterday'?s?\b")),
    ("today", re.compile(r"\btoday'?s?\b")),
    ("this_week", re.compile(r"\b(?:this|so\s+far\s+this|current)\s+week\b|\bwtd\b")),
    ("last_week", re.compile(r"\b(?:last|previous|prior)\s+week\b")),
    ("this_month", re.compile(r"\b(?:this|so\s+far\s+this|current)\s+month\b|\bmtd\b")),
    ("last_month", re.compile(r"\b(?:last|previous|prior)\s+month\b")),
    ("this_quarter", re.compile(r"\b(?:this|current)\s+quarter\b|\bqtd\b")),
    ("last_quarter", re.compile(r"\b(?:last|previous|prior)\s+quarter\b")),
    ("this_year", re.compile(r"\b(?:this|current)\s+year\b|\bytd\b|\byear\s+to\s+date\b")),
    ("last_year", re.compile(r"\b(?:last|previous|prior)\s+year\b")),
]
_LAST_N: Final = re.compile(
    r"\b(?:last|past|previous|prior)\s+" + _NUM + r"\s+(day|week|month|year)s?\b"
)
_PAST_UNIT: Final = re.compile(r"\b(?:the\s+)?(?:past|last)\s+(day|week|month|year)\b")
_SINCE_DAY: Final = re.compile(r"\bsince\s+" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_SINCE_MONTH: Final = re.compile(r"\bsince\s+" + _MONTH + r"(?:\s+(20\d\d))?\b")
_MONTH_YEAR: Final = re.compile(r"\b" + _MONTH + r"\s+(20\d\d)\b")
_IN_MONTH: Final = re.compile(r"\b(in|during|for|of)?\s*" + _MONTH + r"\b")
_IN_YEAR: Final = re.compile(r"\b(?:in|during|for|of)\s+(20\d\d)\b")


def _shift_months(d: date, n: int) -> date:
    """``d`` moved ``n`` months back, the day clamped to the month's length."""
    y, m = divmod(d.month - 1 - n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, pycal.monthrange(year, month)[1]))


def _back(today: date, n: int, unit: str) -> date:
    """The first day of the ``n`` ``unit``s that end today."""
    if unit == "day":
        return today - timedelta(days=n - 1)
    if unit == "week":
        return today - timedelta(days=7 * n - 1)
    months = n if unit == "month" else 12 * n
    return _shift_months(today, months) + timedelta(days=1)


def _latest_month(month: int, today: date) -> tuple[date, date]:
    year = today.year if month <= today.month else today.year - 1
    end = min(_month_end(year, month), today)
    return date(year, month, 1), end


def parse_period(words: str, today: date) -> Span | None:
    """The first past period in lower-cased ``words`` (table in the module docstring)."""
    for name, rx in _FIXED:
        m = rx.search(words)
        if m:
            start, end = _fixed(name, today)
            return Span(start, end, m.group(0))
    m = _LAST_N.search(words)
    if m:
        return Span(_back(today, _num(m.group(1)), m.group(2)), today, m.group(0))
    m = _PAST_UNIT.search(words)
    if m:
        return Span(_back(today, 1, m.group(1)), today, m.group(0))
    m = _SINCE_DAY.search(words)
    if m:
        month, day = MONTHS[m.group(1)], int(m.group(2))
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
        try:
            return Span(date(year, month, day), today, m.group(0))
        except ValueError:
            return None
    m = _SINCE_MONTH.search(words)
    if m:
        month = MONTHS[m.group(1)]
        year = (
            int(m.group(2))
            if m.group(2)
            else (today.year if month <= today.month else today.year - 1)
        )
        return Span(date(year, month, 1), today, m.group(0))
    m = _MONTH_YEAR.search(words)
    if m:
        month, year = MONTHS[m.group(1)], int(m.group(2))
        return Span(date(year, month, 1), _month_end(year, month), m.group(0))
    m = _IN_YEAR.search(words)
    if m:
        year = int(m.group(1))
        return Span(date(year, 1, 1), min(date(year, 12, 31), today), m.group(0))
    for m in _IN_MONTH.finditer(words):
        name = m.group(2)
        if name in _AMBIGUOUS and m.group(1) is None:
            continue  # "may i", "march higher": only "in may", "during march"
        start, end = _latest_month(MONTHS[name], today)
        return Span(start, end, m.group(0).strip())
    return None
