"""The offline coach's key-levels skill: "key levels for SPY", "support on nvda", "and qqq?".

It calls ``get_key_levels`` once and writes the answer from the typed ``KeyLevelsResult`` only
(numbers formatted by ``chat.offline.fmt``, so the grounding checker finds each of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from aicoach.chat.offline.answers import result_or_reason, source_line, which_symbol
from aicoach.chat.offline.fmt import money, percent
from aicoach.chat.offline.request import FOLLOW_UP_SCORE, Request
from aicoach.coach.skills import Call, Outcome, Scored, Skill
from aicoach.levels.tools import KeyLevelsResult, NearestLevel

GET_KEY_LEVELS: Final = "get_key_levels"
LEVELS_NOTE: Final = (
    "Levels are reference prices, not predictions: I can't tell you which one will hold."
)
_WORDS: Final = (
    r"\b(?:levels?|support|supports|resistance|resistances|pivots?|s/r|s&r|vwap|key\s+prices|"
    r"floor|ceiling)\b"
)


@dataclass(frozen=True, slots=True)
class LevelsParams:
    symbol: str | None


def _nearest(lv: NearestLevel | None, word: str, side: str) -> str:
    if lv is None or lv.price is None:
        return f"- {word}: none found {side} the current price."
    line = f"- {word}: **{lv.label or 'level'}** at {money(lv.price)}"
    if lv.distance_dollars is not None:
        line += f", {money(lv.distance_dollars)} {side}"
        if lv.distance_percent is not None:
            line += f" ({percent(lv.distance_percent)})"
    return line + "."


def levels_text(d: KeyLevelsResult, today: date) -> str:
    """The key-levels answer for one result (also used by the advice skill)."""
    sym = d.symbol
    head = f"**{sym} key levels**" + (f" — {sym} is at {money(d.price)}." if d.price else ".")
    lines = [
        head,
        _nearest(d.nearest_support, "Nearest support", "below"),
        _nearest(d.nearest_resistance, "Nearest resistance", "above"),
    ]
    top = [lv for lv in d.top_levels if lv.price]
    if top:
        shown = ", ".join(f"{lv.label or 'level'} {money(lv.price or 0.0)}" for lv in top[:6])
        lines.append(f"- Other levels nearby, high to low: {shown}.")
    extras = []
    if d.vwap is not None:
        extras.append(f"session VWAP {money(d.vwap)}")
    if d.atr_daily is not None:
        extras.append(f"daily ATR {money(d.atr_daily)} (a typical day's range)")
    if d.rsi_daily is not None:
        extras.append(f"daily RSI {d.rsi_daily:.2f}")
    if extras:
        lines.append("- Context: " + "; ".join(extras) + ".")
    lines.append(source_line(d.source, d.as_of, d.stale, today))
    lines.append(LEVELS_NOTE)
    return "\n".join(x for x in lines if x)


class KeyLevelsSkill(Skill[Request, LevelsParams]):
    """Support, resistance and the levels near the price, for one symbol."""

    name = "key_levels"
    capability = '**Key levels** — "key levels for SPY", "support and resistance on NVDA"'
    tools = (GET_KEY_LEVELS,)

    def score(self, request: Request) -> Scored[LevelsParams] | None:
        if request.has(_WORDS):
            return Scored(0.6, LevelsParams(request.symbol or request.history_symbol))
        if request.follow_up_of(self.name) is not None:
            return Scored(FOLLOW_UP_SCORE, LevelsParams(request.symbol))
        return None

    def plan(self, request: Request, params: LevelsParams, done: Sequence[Outcome]) -> list[Call]:
        if params.symbol is None or done:
            return []
        return [Call(GET_KEY_LEVELS, {"symbol": params.symbol})]

    def compose(self, request: Request, params: LevelsParams, done: Sequence[Outcome]) -> str:
        if params.symbol is None:
            return which_symbol("key levels")
        result = result_or_reason(done, GET_KEY_LEVELS, KeyLevelsResult)
        return result if isinstance(result, str) else levels_text(result, request.today)


#: The slice's offline skills (``Manifest(skills=SKILLS)``).
SKILLS = (KeyLevelsSkill(),)
