"""Number, date and time formatting for the offline coach's prose.

One fixed rule per quantity, so that the grounding checker (``grounding.py``) can match every
printed number to the tool value it was rounded from:

* dollars: two decimals with thousands separators, sign in words ("down $3.20"), or a leading
  minus where a signed figure reads better (P&L lines);
* percentages given in percent by the tool: two decimals ("0.41%");
* fractions shown as percent (IV, POP): ``value·100`` with one decimal ("18.3%");
* share counts and Greeks: one decimal; option deltas: two decimals;
* dates: "Fri Dec 4" (plus the year when it is not the current one); times: "4:00 pm ET".

The values come typed from the tools' result models; a composer skips the sentence of a
missing value (``None``) instead of printing "None".
"""

from __future__ import annotations

from datetime import date, datetime

from aicoach.marketdata.calendar import ET


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
