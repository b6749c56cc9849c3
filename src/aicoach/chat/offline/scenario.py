"""What-if phrases: "if SPY goes to 600", "if IV drops 5 points", "by Friday".

``parse_scenario(words, masked)`` reads a ``Scenario`` from the corrected message (``masked``:
with inline legs blanked, so a strike is not read as a price target); ``scenario_arguments``
turns it into ``analyze_position`` arguments, resolving the valuation date on the calendar.
A bare date is only a what-if when the message says "if" or "look like" ("by Friday" in
"what's my condor look like by Friday"); an IV change or a price target always is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from aicoach.chat.offline.dates import DateSpec, parse_date_spec, resolve_valuation_date
from aicoach.marketdata.calendar import MarketCalendar


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: underlying price (dollars), IV shift (vol points, signed), valuation date."""

    underlying_price: float | None = None
    iv_shift_points: float | None = None
    valuation: DateSpec | None = None

    @property
    def moves_the_market(self) -> bool:
        """A price target or an IV change (not only a date)."""
        return self.underlying_price is not None or self.iv_shift_points is not None


_NUMBER: Final = r"\$?(\d+(?:\.\d+)?)"
_IV_SHIFT: Final = re.compile(
    r"\b(?:iv|ivs|vol|vols|volatility|implied\s+vol(?:atility)?)\s+(?:(?:gets|is)\s+)?"
    r"(drops?|dropped|falls?|declines?|goes\s+down|down|crush(?:es|ed)?|collapses?|"
    r"rises?|jumps?|goes\s+up|up|increases?|spikes?|expands?|pops?)\s+(?:by\s+)?"
    r"(\d+(?:\.\d+)?)\s*(?:vol\s+)?(?:points?|pts?|%)?"
)
_IV_CRUSH: Final = re.compile(r"\b(?:iv|vol|volatility)\s+crush\s+of\s+(\d+(?:\.\d+)?)")
_PRICE_TARGET: Final = re.compile(
    r"\b(?:goes|go|going|drops?|falls?|rall(?:y|ies)|rises?|moves?|climbs?|sinks?|tanks?|"
    r"hits?|reaches|gets|trades|is|was|closes|pins?|lands?|ends?)\s+(?:back\s+)?(?:up\s+|down\s+)?"
    r"(?:to|at)\s+" + _NUMBER
)
_VALUATION: Final = re.compile(
    r"\b(?:by|on|at|until|till|into|through|before)\s+((?:next|this|the|end\s+of)?\s*[a-z0-9/-]+"
    r"(?:\s+[a-z0-9]+)?)"
)
_DOWN: Final = re.compile(r"drop|fall|decline|goes\s+down|down|crush|collapse")
_IF: Final = re.compile(r"\bwhat\s+if\b|\bif\b|\blook\s+like\b")


def _blank(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]


def parse_scenario(words: str, masked: str) -> Scenario | None:
    """The what-if in the message, or ``None`` (rules in the module docstring)."""
    iv: float | None = None
    rest = masked
    if (m := _IV_SHIFT.search(masked)) is not None:
        iv = -float(m.group(2)) if _DOWN.match(m.group(1)) else float(m.group(2))
        rest = _blank(masked, m)
    elif (c := _IV_CRUSH.search(masked)) is not None:
        iv = -float(c.group(1))
        rest = _blank(masked, c)
    price: float | None = None
    p = _PRICE_TARGET.search(rest)
    if p and "%" not in rest[p.end() : p.end() + 2]:
        price = float(p.group(1))
    valuation: DateSpec | None = None
    for v in _VALUATION.finditer(rest):
        spec = parse_date_spec(v.group(1))
        if spec is not None:
            valuation = spec
            break
    if iv is None and price is None and valuation is None:
        return None
    if iv is None and price is None and _IF.search(words) is None:
        return None
    return Scenario(price, iv, valuation)


def scenario_arguments(
    scenario: Scenario | None, now: datetime, calendar: MarketCalendar
) -> dict[str, Any]:
    """``analyze_position``'s what-if arguments for ``scenario`` (none for ``None``)."""
    args: dict[str, Any] = {}
    if scenario is None:
        return args
    if scenario.underlying_price is not None:
        args["underlying_price"] = scenario.underlying_price
    if scenario.iv_shift_points is not None:
        args["iv_shift_points"] = scenario.iv_shift_points
    if scenario.valuation is not None:
        day = resolve_valuation_date(scenario.valuation, now, calendar)
        args["valuation_date"] = day.isoformat()
    return args
