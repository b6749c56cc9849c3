"""Relative and loose dates in trader speak → a listed option expiration (or a valuation date).

``parse_date_spec(text)`` finds the first date phrase; ``resolve_expiration(spec, now, calendar,
expirations)`` maps it onto the expirations the market actually lists (from the
``get_expirations`` tool), using the NYSE calendar for sessions, holidays and early closes.
All reasoning happens on the New York date of ``now``.

The rules (documented because traders disagree about some of them):

====================  ==========================================================================
phrase                target date → choice among listed expirations
====================  ==========================================================================
"0DTE", "today"       today's session if it is one and ``now`` is before its close, else the
                      next session → first expiration on or after it
"tomorrow", "1dte"    the next session after today → first expiration on or after it
"friday", "this       the coming Friday (today if it is Friday and the market has not closed)
friday"               → nearest expiration (a Friday holiday gives the Thursday weekly)
"next friday"         the Friday of NEXT Monday–Sunday week. On Wed 2026-11-25 that is Dec 4,
                      not Nov 27 ("this Friday"); on a Saturday or Sunday the next week starts
                      on Monday, so it is the coming Friday. The answer always names the date.
other weekdays        the same rules as Friday
"this week", "eow"    this week's weekly expiration → nearest
"next week"           next week's weekly expiration → nearest
"in N days/weeks/     today + N days / weeks / calendar months → nearest (ties: the earlier)
months", "N dte"
"end of month", "eom" the month's last session → the last expiration on or before it
"monthly", "opex"     the next standard monthly (third Friday) on or after today → nearest;
"next month"          "december monthly" / "next month": that month's standard monthly
"Dec 19", "12/19",    that day (this year, or next year when it has passed) → nearest, so a
"2026-12-19"          Saturday "Dec 19" gives the Friday Dec 18 expiration
"january", "jan"      that month's standard monthly (bare "may"/"march" need an options word)
"leaps", "jan leaps"  the earliest expiration at least a year away (in that month if named),
                      else the farthest listed
====================  ==========================================================================
"""

from __future__ import annotations

import calendar as pycal
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from aicoach.marketdata.calendar import ET, MarketCalendar


class DateKind(StrEnum):
    TODAY = "today"
    TOMORROW = "tomorrow"
    WEEKDAY = "weekday"
    THIS_WEEK = "this_week"
    IN_DAYS = "in_days"
    IN_MONTHS = "in_months"
    END_OF_MONTH = "end_of_month"
    MONTHLY = "monthly"
    EXPLICIT = "explicit"
    LEAPS = "leaps"


class Pick(StrEnum):
    NEAREST = "nearest"
    ON_OR_AFTER = "on_or_after"
    ON_OR_BEFORE = "on_or_before"


@dataclass(frozen=True, slots=True)
class DateSpec:
    """A date phrase. ``n``: days (IN_DAYS), months (IN_MONTHS), weekday 0=Mon (WEEKDAY), weeks
    ahead (THIS_WEEK: 0 this week, 1 next week), months ahead (MONTHLY without ``month``).
    ``next_week``: "next <weekday>". ``words``: the phrase as typed."""

    kind: DateKind
    words: str
    n: int = 0
    month: int | None = None
    day: int | None = None
    year: int | None = None
    next_week: bool = False


NUMBER_WORDS: Final[dict[str, int]] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2,
    "a couple": 2, "a couple of": 2, "few": 3, "a few": 3,
}  # fmt: skip

WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR: Final = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
                        "fri": 4}  # fmt: skip
MONTHS: Final[dict[str, int]] = {}
for _i, _name in enumerate(pycal.month_name):
    if _i:
        MONTHS[_name.lower()] = _i
        MONTHS[_name.lower()[:3]] = _i
MONTHS["sept"] = 9

_NUM = r"(\d+|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")"
_MONTH = r"(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WD = r"(" + "|".join(list(WEEKDAYS) + sorted(_WEEKDAY_ABBR, key=len, reverse=True)) + r")"
_OPTION_WORDS = r"(?:leaps?|monthl(?:y|ies)|opex|expirations?|expiry|expiries|exp|calls?|puts?|" \
    r"options?|chain|contracts?|spreads?|condors?|strangles?|straddles?)"  # fmt: skip

_PATTERNS: Final[list[tuple[str, re.Pattern[str]]]] = [
    ("iso", re.compile(r"\b(20\d\d)-(\d\d?)-(\d\d?)\b")),
    ("slash", re.compile(r"(?<![\d/.])(\d\d?)/(\d\d?)(?:/(\d{2}|\d{4}))?(?![\d/])")),
    ("month_day", re.compile(r"\b" + _MONTH + r"\s+(\d\d?)(?:st|nd|rd|th)?\b(?:,?\s+(20\d\d))?")),
    ("day_month", re.compile(r"\b(\d\d?)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\b")),
    ("zero_dte", re.compile(r"\b(?:0|zero)\s*-?\s*dte\b|\bsame[- ]day\b|\btoday'?s?\b")),
    ("one_dte", re.compile(r"\b(?:1|one)\s*-?\s*dte\b|\btomorrow'?s?\b")),
    ("n_dte", re.compile(r"\b(\d+)\s*-?\s*dte\b")),
    ("in_n", re.compile(r"\b(?:in\s+)?" + _NUM + r"\s+(day|week|month)s?\s*(?:out|from now)?\b")),
    ("in_a", re.compile(r"\bin\s+(a|one)\s+(day|week|month)\b")),
    ("leaps", re.compile(r"\b(?:" + _MONTH + r"\s+)?leaps?\b")),
    ("eom", re.compile(r"\b(?:end\s+of\s+(?:the\s+)?month|month[- ]end|eom)\b")),
    ("eow", re.compile(r"\b(?:end\s+of\s+(?:the\s+)?week|this\s+week'?s?|eow)\b")),
    ("next_week", re.compile(r"\bnext\s+week'?s?\b")),
    ("weekday", re.compile(r"\b(this|next|coming|the)?\s*" + _WD + r"'?s?\b")),
    ("next_month", re.compile(r"\bnext\s+month'?s?\b")),
    ("monthly_of", re.compile(r"\b" + _MONTH + r"\s+(?:monthly|opex|monthlies)\b")),
    ("monthly", re.compile(r"\b(?:monthl(?:y|ies)|opex)\b")),
    ("month_ctx", re.compile(r"\b" + _MONTH + r"\s+" + _OPTION_WORDS + r"\b")),
    ("month_alone", re.compile(r"\b(?:in\s+|for\s+)?" + _MONTH + r"\b")),
]


def _num(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def parse_date_spec(text: str) -> DateSpec | None:
    """The first date phrase in lower-cased ``text`` (rules in the module docstring)."""
    best: tuple[int, DateSpec] | None = None
    for name, rx in _PATTERNS:
        for m in rx.finditer(text):
            spec = _spec(name, m)
            if spec is not None:
                # Earliest phrase wins; the table order breaks ties (specific before general).
                if best is None or m.start() < best[0]:
                    best = (m.start(), spec)
                break
    return None if best is None else best[1]


Groups = tuple[str | None, ...]


def _weekday(words: str, g: Groups) -> DateSpec | None:
    wd = str(g[1])
    index = WEEKDAYS.index(wd) if wd in WEEKDAYS else _WEEKDAY_ABBR[wd]
    if index > 4:
        return None  # no weekend expirations; "saturday" is not an options date
    if wd in _WEEKDAY_ABBR and g[0] is None:
        return None  # a bare "wed"/"mon" is too ambiguous without "this"/"next"
    return DateSpec(DateKind.WEEKDAY, words, n=index, next_week=g[0] == "next")


def _in_n(words: str, g: Groups) -> DateSpec:
    n, unit = _num(str(g[0])), g[1]
    if unit == "month":
        return DateSpec(DateKind.IN_MONTHS, words, n=n)
    return DateSpec(DateKind.IN_DAYS, words, n=n * (7 if unit == "week" else 1))


def _slash(words: str, g: Groups) -> DateSpec | None:
    y = g[2]
    year = None if y is None else int(y) + (2000 if len(y) == 2 else 0)
    return _explicit(words, int(str(g[0])), int(str(g[1])), year)


def _month_alone(words: str, g: Groups) -> DateSpec | None:
    if g[0] in ("may", "mar", "march"):
        return None  # common English words: only with an options word ("may calls")
    return DateSpec(DateKind.MONTHLY, words, month=MONTHS[str(g[0])])


def _month(g: str | None) -> int | None:
    return None if g is None else MONTHS[g]


def _int(g: str | None) -> int | None:
    return None if g is None else int(g)


#: Pattern name → the ``DateSpec`` its match means (``None``: not a date after all).
_READERS: Final[dict[str, Callable[[str, Groups], DateSpec | None]]] = {
    "iso": lambda w, g: _explicit(w, int(str(g[1])), int(str(g[2])), int(str(g[0]))),
    "slash": _slash,
    "month_day": lambda w, g: _explicit(w, MONTHS[str(g[0])], int(str(g[1])), _int(g[2])),
    "day_month": lambda w, g: _explicit(w, MONTHS[str(g[1])], int(str(g[0])), None),
    "zero_dte": lambda w, g: DateSpec(DateKind.TODAY, w),
    "one_dte": lambda w, g: DateSpec(DateKind.TOMORROW, w),
    "n_dte": lambda w, g: DateSpec(DateKind.IN_DAYS, w, n=int(str(g[0]))),
    "in_n": _in_n,
    "in_a": _in_n,
    "leaps": lambda w, g: DateSpec(DateKind.LEAPS, w, month=_month(g[0])),
    "eom": lambda w, g: DateSpec(DateKind.END_OF_MONTH, w),
    "eow": lambda w, g: DateSpec(DateKind.THIS_WEEK, w, n=0),
    "next_week": lambda w, g: DateSpec(DateKind.THIS_WEEK, w, n=1),
    "weekday": _weekday,
    "next_month": lambda w, g: DateSpec(DateKind.MONTHLY, w, n=1),
    "monthly_of": lambda w, g: DateSpec(DateKind.MONTHLY, w, month=_month(g[0])),
    "month_ctx": lambda w, g: DateSpec(DateKind.MONTHLY, w, month=_month(g[0])),
    "monthly": lambda w, g: DateSpec(DateKind.MONTHLY, w),
    "month_alone": _month_alone,
}


def _spec(name: str, m: re.Match[str]) -> DateSpec | None:
    return _READERS[name](m.group(0).strip(), m.groups())


def _explicit(words: str, month: int, day: int, year: int | None) -> DateSpec | None:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return DateSpec(DateKind.EXPLICIT, words, month=month, day=day, year=year)


# --- resolution ------------------------------------------------------------------------------


def today_et(now: datetime) -> date:
    return now.astimezone(ET).date()


def _trading_today(now: datetime, calendar: MarketCalendar) -> date:
    """Today's session date if the market has not closed yet, else the next session's."""
    today = today_et(now)
    if calendar.is_session(today) and now < calendar.session(today).close_at:
        return today
    return calendar.next_session(today).date


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, pycal.monthrange(year, month)[1]))


def _month_after(today: date, month: int) -> tuple[int, int]:
    """(year, month) of the next ``month`` on or after today's month."""
    return (today.year if month >= today.month else today.year + 1), month


def _weekday_target(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> date:
    today = today_et(now)
    monday = today - timedelta(days=today.weekday())
    if spec.next_week:
        return monday + timedelta(days=7 + spec.n)
    d = monday + timedelta(days=spec.n)
    if d < today or (d == today and d != _trading_today(now, calendar)):
        d += timedelta(days=7)
    return d


def _week_target(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> date:
    start = _trading_today(now, calendar) + timedelta(days=7 * spec.n)
    if spec.n:
        start -= timedelta(days=start.weekday())
    exp = calendar.weekly_expiration(start)
    if exp is None or exp < start:
        exp = calendar.weekly_expirations(start + timedelta(days=7 - start.weekday()), 1)[0]
    return exp


def _monthly_target(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> date:
    today = today_et(now)
    if spec.month is not None:
        year, month = _month_after(today, spec.month)
        exp = calendar.monthly_expiration(year, month)
        if exp < _trading_today(now, calendar):
            exp = calendar.monthly_expiration(year + 1, month)
        return exp
    if spec.n:
        ahead = _add_months(today.replace(day=1), spec.n)
        return calendar.monthly_expiration(ahead.year, ahead.month)
    return calendar.monthly_expirations(_trading_today(now, calendar), 1)[0]


def _explicit_target(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> date:
    assert spec.month is not None
    assert spec.day is not None
    today = today_et(now)
    year = spec.year if spec.year is not None else today.year
    try:
        d = date(year, spec.month, spec.day)
        if spec.year is None and d < today:
            d = date(year + 1, spec.month, spec.day)
    except ValueError:  # Feb 30 and friends: the month's last day is what they meant
        d = date(year, spec.month, pycal.monthrange(year, spec.month)[1])
    return d


def _end_of_month(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> date:
    today = today_et(now)
    last = date(today.year, today.month, pycal.monthrange(today.year, today.month)[1])
    return calendar.session_on_or_before(last).date


Target = Callable[[DateSpec, datetime, MarketCalendar], date]
#: Date kind → (its target date, how to choose an expiration around it).
_TARGETS: Final[dict[DateKind, tuple[Target, Pick]]] = {
    DateKind.TODAY: (lambda s, now, cal: _trading_today(now, cal), Pick.ON_OR_AFTER),
    DateKind.TOMORROW: (
        lambda s, now, cal: cal.next_session(_trading_today(now, cal)).date,
        Pick.ON_OR_AFTER,
    ),
    DateKind.WEEKDAY: (_weekday_target, Pick.NEAREST),
    DateKind.THIS_WEEK: (_week_target, Pick.NEAREST),
    DateKind.IN_DAYS: (lambda s, now, cal: today_et(now) + timedelta(days=s.n), Pick.NEAREST),
    DateKind.IN_MONTHS: (lambda s, now, cal: _add_months(today_et(now), s.n), Pick.NEAREST),
    DateKind.END_OF_MONTH: (_end_of_month, Pick.ON_OR_BEFORE),
    DateKind.MONTHLY: (_monthly_target, Pick.NEAREST),
    DateKind.EXPLICIT: (_explicit_target, Pick.NEAREST),
    DateKind.LEAPS: (lambda s, now, cal: today_et(now) + timedelta(days=365), Pick.ON_OR_AFTER),
}


def target_date(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> tuple[date, Pick]:
    """The calendar date ``spec`` means at ``now`` and how to choose an expiration around it.
    ``LEAPS`` has no single target (see ``resolve_expiration``); it returns a year out."""
    target, pick = _TARGETS[spec.kind]
    return target(spec, now, calendar), pick


def pick_expiration(expirations: Sequence[date], target: date, pick: Pick) -> date | None:
    """Choose among listed ``expirations`` (any order) around ``target``; ``None`` if empty."""
    exps = sorted(set(expirations))
    if not exps:
        return None
    if pick is Pick.ON_OR_AFTER:
        after = [e for e in exps if e >= target]
        return after[0] if after else exps[-1]
    if pick is Pick.ON_OR_BEFORE:
        before = [e for e in exps if e <= target]
        if before:
            return before[-1]
    return min(exps, key=lambda e: (abs((e - target).days), e))


def resolve_expiration(
    spec: DateSpec | None,
    now: datetime,
    calendar: MarketCalendar,
    expirations: Sequence[date],
) -> date | None:
    """The listed expiration ``spec`` means; with no phrase, the nearest listed expiration on
    or after today's trading date. ``None`` only when nothing is listed."""
    live = [e for e in expirations if e >= today_et(now)] or list(expirations)
    if spec is None:
        return pick_expiration(live, _trading_today(now, calendar), Pick.ON_OR_AFTER)
    if spec.kind is DateKind.LEAPS:
        year_out = today_et(now) + timedelta(days=365)
        pool = [e for e in live if spec.month is None or e.month == spec.month]
        far = [e for e in pool if e >= year_out]
        if far:
            return min(far)
        return max(pool) if pool else (max(live) if live else None)
    target, pick = target_date(spec, now, calendar)
    return pick_expiration(live, target, pick)


def resolve_valuation_date(spec: DateSpec, now: datetime, calendar: MarketCalendar) -> date:
    """A what-if date ("by Friday"): the phrase's date, moved back to a session (never before
    today's trading date)."""
    if spec.kind is DateKind.LEAPS:
        return today_et(now) + timedelta(days=365)
    target, _ = target_date(spec, now, calendar)
    floor = _trading_today(now, calendar)
    if target <= floor:
        return floor
    session = calendar.session_on_or_before(target).date
    return max(session, floor)
