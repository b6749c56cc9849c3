"""Number, date and time formatting for the offline coach's prose.

One fixed rule per quantity, so that the grounding checker (``grounding.py``) can match every
printed number to the tool value it was rounded from:

* dollars: two decimals with thousands separators, sign in words ("down $3.20"), or a leading
  minus where a signed figure reads better (P&L lines);
* percentages given in percent by the tool: two decimals ("0.41%");
* fractions shown as percent (IV, POP): ``value·100`` with one decimal ("18.3%");
* share counts and Greeks: one decimal; option deltas: two decimals;
* dates: "Fri Dec 4" (plus the year when it is not the current one); times: "4:00 pm ET".

Every reader returns ``None`` for a missing, non-numeric or non-finite value, so composers can
skip a sentence instead of printing "None".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from aicoach.marketdata.calendar import ET


def num(data: Mapping[str, Any] | None, *keys: str) -> float | None:
    """The first key of ``data`` holding a finite number."""
    if not isinstance(data, Mapping):
        return None
    for key in keys:
        v = data.get(key)
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
            return float(v)
    return None


def text(data: Mapping[str, Any] | None, *keys: str) -> str | None:
    if not isinstance(data, Mapping):
        return None
    for key in keys:
        v = data.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def sub(data: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    if not isinstance(data, Mapping):
        return None
    v = data.get(key)
    return v if isinstance(v, Mapping) else None


def items(data: Mapping[str, Any] | None, *keys: str) -> list[Any]:
    if not isinstance(data, Mapping):
        return []
    for key in keys:
        v = data.get(key)
        if isinstance(v, list):
            return v
    return []


def money(v: float) -> str:
    """``$1,234.56`` of the absolute value (callers say the sign in words)."""
    return f"${abs(v):,.2f}"


def signed_money(v: float) -> str:
    """``+$12.30`` / ``-$12.30`` (``$0.00`` for zero)."""
    if round(v, 2) == 0:
        return "$0.00"
    return f"{'+' if v > 0 else '-'}${abs(v):,.2f}"


def percent(v: float) -> str:
    """A value already in percent: ``0.41%`` (absolute; sign in words)."""
    return f"{abs(v):.2f}%"


def signed_percent(v: float) -> str:
    return f"{'+' if v > 0 else '-' if v < 0 else ''}{abs(v):.2f}%"


def fraction_percent(v: float) -> str:
    """A fraction shown in percent, one decimal: 0.1834 → ``18.3%``."""
    return f"{abs(v) * 100:.1f}%"


def shares(v: float) -> str:
    return f"{abs(v):,.1f}"


def strike(v: float) -> str:
    """``580`` for whole strikes, ``582.5`` otherwise."""
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ET).date()
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) <= 10:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def day(d: date, *, this_year: int | None = None) -> str:
    """``Fri Dec 4``; ``Fri Jan 15, 2027`` when ``d`` is not in ``this_year``."""
    out = f"{d:%a} {d:%b} {d.day}"
    return out if this_year is None or d.year == this_year else f"{out}, {d.year}"


def clock(at: datetime) -> str:
    """``4:00 pm ET`` (New York wall clock)."""
    local = at.astimezone(ET)
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'} ET"


def when(at: datetime, *, today: date | None = None) -> str:
    """``3:00 pm ET`` when ``at`` is today in New York, else ``Wed Nov 25, 3:00 pm ET``."""
    local = at.astimezone(ET)
    if today is not None and local.date() == today:
        return clock(at)
    return f"{day(local.date())}, {clock(at)}"
