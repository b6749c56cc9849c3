"""A mechanical check that every number in an answer comes from the turn's tool results.

``ungrounded(answer, results)`` returns the tokens of ``answer`` that no tool result supports
(empty list = grounded). It is used by the offline coach's tests and can score any model's
answers. How tokens are read, in this order (each found token is blanked before the next step):

1. **Dates** — ``2026-12-18``, ``Dec 18``, ``Fri Dec 18``, ``December 18, 2026``: the month and
   day (and year when written) must equal a date in the results: an ISO date string, or the
   New York or UTC date of an ISO datetime string.
2. **Times** — ``4:00 pm ET``, ``13:00``: hour and minute must equal the New York wall-clock
   time of an ISO datetime in the results (12- or 24-hour).
3. **Numbers** — ``$1,234.56``, ``-0.45``, ``12.3%``, ``600``: the value ``n`` written with ``d``
   decimals is grounded when some result number ``v`` satisfies ``|(|v|) - n| <= 0.5·10^-d``
   (the answer rounded ``v`` to ``d`` decimals, any sign: "a loss of $120.50" reads -120.5).
   A percentage may also be ``v·100`` (IV 0.183 → "18.3%", POP 0.64 → "64%").

Result numbers are every JSON number, plus numbers inside strings (a label "SMA 200", a
phrase "losing $38 a day") after dates and times are blanked the same way. Digits glued to
letters ("R1", "SPY261218C00600000") are neither read from answers nor from results.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from aicoach.marketdata.calendar import ET

_MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                  "dec")  # fmt: skip
_ISO_DATETIME = re.compile(
    r"\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WRITTEN_DATE = re.compile(
    r"\b(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?:,?\s+(\d{4})\b)?",
    re.IGNORECASE,
)
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})(?:\s*([ap])\.?m\.?)?", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.,$])[-−+]?\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s*%)?(?![\w])")


@dataclass(frozen=True, slots=True)
class Ungrounded:
    token: str
    reason: str


@dataclass(slots=True)
class Evidence:
    """What the results contain: sorted absolute values, dates and New York times."""

    numbers: list[float] = field(default_factory=list)
    dates: set[date] = field(default_factory=set)
    times: set[tuple[int, int]] = field(default_factory=set)

    def has_number(self, n: float, decimals: int) -> bool:
        tol = 0.5 * 10.0**-decimals + 1e-9 * max(1.0, n)
        i = bisect.bisect_left(self.numbers, n - tol)
        return i < len(self.numbers) and self.numbers[i] <= n + tol


def _blank(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]


def _walk(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list | tuple):
        for v in node:
            yield from _walk(v)
    else:
        yield node


def _parse_datetime(m: re.Match[str]) -> datetime | None:
    text = m.group(0).replace(" ", "T")
    if m.group(7) is None:
        text += "+00:00"
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def collect_evidence(results: Iterable[Any]) -> Evidence:
    """Evidence from tool results: parsed JSON values, or JSON/plain strings (tool messages)."""
    ev = Evidence()
    numbers: list[float] = []
    for result in results:
        if isinstance(result, str):
            with contextlib.suppress(ValueError):
                result = json.loads(result)
        for leaf in _walk(result):
            if isinstance(leaf, bool) or leaf is None:
                continue
            if isinstance(leaf, int | float):
                numbers.append(abs(float(leaf)))
                continue
            text = str(leaf)
            for m in list(_ISO_DATETIME.finditer(text)):
                at = _parse_datetime(m)
                if at is not None:
                    local = at.astimezone(ET)
                    ev.dates.update({local.date(), at.astimezone(UTC).date()})
                    ev.times.add((local.hour, local.minute))
                text = _blank(text, m)
            for m in list(_ISO_DATE.finditer(text)):
                with contextlib.suppress(ValueError):
                    ev.dates.add(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
                text = _blank(text, m)
            numbers.extend(abs(v) for v, _, _ in _numbers(text))
    ev.numbers = sorted(numbers)
    return ev


def _numbers(text: str) -> Iterator[tuple[float, int, bool]]:
    """(value, decimals, is_percent) of every number token in ``text``."""
    for m in _NUMBER.finditer(text):
        whole, frac, percent = m.group(1), m.group(2) or "", m.group(3)
        yield float(whole.replace(",", "") + frac), max(0, len(frac) - 1), percent is not None


def ungrounded(answer: str, results: Iterable[Any]) -> list[Ungrounded]:
    """Tokens of ``answer`` no result supports (rules in the module docstring)."""
    ev = collect_evidence(results)
    bad: list[Ungrounded] = []
    text = answer
    for m in list(_ISO_DATE.finditer(text)):
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            d = None
        if d is None or d not in ev.dates:
            bad.append(Ungrounded(m.group(0), "date not in the tool results"))
        text = _blank(text, m)
    for m in list(_WRITTEN_DATE.finditer(text)):
        month = _MONTHS.index(m.group(1).lower()[:3]) + 1
        day = int(m.group(2))
        year = None if m.group(3) is None else int(m.group(3))
        if not any(
            d.month == month and d.day == day and (year is None or d.year == year) for d in ev.dates
        ):
            bad.append(Ungrounded(m.group(0), "date not in the tool results"))
        text = _blank(text, m)
    for m in list(_TIME.finditer(text)):
        hour, minute, half = int(m.group(1)), int(m.group(2)), m.group(3)
        if half is not None:
            hour = hour % 12 + (12 if half.lower() == "p" else 0)
        if (hour, minute) not in ev.times:
            bad.append(Ungrounded(m.group(0), "time not in the tool results"))
        text = _blank(text, m)
    for m in _NUMBER.finditer(text):
        for value, decimals, percent in _numbers(m.group(0)):
            if ev.has_number(value, decimals):
                continue
            if percent and ev.has_number(value / 100.0, decimals + 2):
                continue
            bad.append(Ungrounded(m.group(0).strip(), "number not in the tool results"))
    return bad


def has_digits(text: str) -> bool:
    return any(c.isdigit() for c in text)
