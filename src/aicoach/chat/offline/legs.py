"""Option legs written inline in a question: "a 580/600 bull call spread", "sell the 100 put
for 2.50", "short 600 straddle", "540/550/620/630 iron condor", "buy the 580c and sell the 600c".

``parse_legs(text)`` returns ``LegDraft`` s (no underlying or expiration: the caller adds them)
and the character spans it consumed, so those strikes are not read again as dates ("12/19")
or prices ("goes to 600"). Quantities are signed contracts (+ long, - short); a multi-leg
structure's count multiplies every leg ("2 iron condors"). Strategy conventions:

=======================  =========================================================
bull call spread  a/b    +1 call a, -1 call b       (a < b; a debit)
bear call spread  a/b    -1 call a, +1 call b       (a credit)
bull put spread   a/b    +1 put a, -1 put b         (a credit)
bear put spread   a/b    -1 put a, +1 put b         (a debit)
call / put spread        debit by default (bull call / bear put); "credit" flips it
iron condor a/b/c/d      +put a, -put b, -call c, +call d (sold; "long" flips)
iron butterfly a/b/c     +put a, -put b, -call b, +call c
butterfly a/b/c          +1 a, -2 b, +1 c (calls unless "put")
straddle k / strangle    +call and +put (bought; "short"/"sell" flips)
=======================  =========================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

Right = Literal["call", "put"]


@dataclass(frozen=True, slots=True)
class LegDraft:
    right: Right
    strike: float
    quantity: int
    entry_price: float | None = None


_COUNT_WORDS: Final = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "a": 1,
                       "an": 1}  # fmt: skip
_K = r"(\d+(?:\.\d+)?)"
_STRIKES = _K + r"((?:\s*/\s*\d+(?:\.\d+)?){0,3})"
_STRATEGY = (
    r"(iron\s+condors?|iron\s+(?:butterfl(?:y|ies)|fly|flies)|condors?|"
    r"(?:call\s+|put\s+)?butterfl(?:y|ies)|(?:call\s+|put\s+)?fly|straddles?|strangles?|"
    r"(?:(?:bull|bear)\s+)?(?:(?:call|put)\s+)?(?:(?:credit|debit)\s+)?"
    r"(?:(?:call|put)\s+)?(?:spreads?|verticals?))"
)
_MULTI_A = re.compile(
    r"(?:\b(long|short|buy|sell|bought|sold)\s+)?(?:(\d{1,3}|one|two|three|four|five|ten|an?)\s+)?"
    r"(?:(bull|bear)\s+)?(?:(call|put)s?\s+)?" + _STRIKES + r"\s*(call|put|c|p)?s?\s+" + _STRATEGY
)
_MULTI_B = re.compile(
    r"(?:\b(long|short|buy|sell|bought|sold)\s+)?(?:(\d{1,3}|one|two|three|four|five|ten|an?)\s+)?"
    + _STRATEGY
    + r"\s+(?:on\s+\$?[a-z]{1,5}\s+)?(?:at\s+|with\s+)?(?:strikes?\s+)?"
    + _STRIKES
)
_SINGLE = re.compile(
    r"\b(buy|sell|long|short|bought|sold|buying|selling)\s+"
    r"(?:(\d{1,3}|one|two|three|four|five|ten)\s+(?:contracts?\s+of\s+|x\s+)?)?"
    r"(?:the\s+|a\s+|an\s+)?(?:[a-z]{1,5}\s+)?\$?" + _K + r"\s*-?\s*(calls?|puts?|c|p)\b"
    r"(?:\s+(?:on\s+\$?[a-z]{1,5}\s+)?(?:for|at|@)\s*\$?(\d+(?:\.\d+)?))?"
)


def _count(word: str | None) -> int:
    if not word:
        return 1
    return int(word) if word.isdigit() else _COUNT_WORDS.get(word, 1)


def _right(word: str | None) -> Right | None:
    if not word:
        return None
    return "call" if word.startswith("c") else "put"


def _structure(
    strategy: str, strikes: list[float], side: str | None, bull_bear: str | None,
    right_hint: Right | None,
) -> list[LegDraft] | None:  # fmt: skip
    ks = sorted(strikes)
    short = side in ("short", "sell", "sold")
    long_ = side in ("long", "buy", "bought")
    s = strategy
    if "condor" in s:
        if len(ks) != 4:
            return None
        sign = -1 if long_ else 1
        return [LegDraft("put", ks[0], sign), LegDraft("put", ks[1], -sign),
                LegDraft("call", ks[2], -sign), LegDraft("call", ks[3], sign)]  # fmt: skip
    if "iron" in s:  # iron butterfly / fly
        if len(ks) != 3:
            return None
        sign = -1 if long_ else 1
        return [LegDraft("put", ks[0], sign), LegDraft("put", ks[1], -sign),
                LegDraft("call", ks[1], -sign), LegDraft("call", ks[2], sign)]  # fmt: skip
    if "butterfl" in s or "fly" in s:
        if len(ks) != 3:
            return None
        r: Right = "put" if "put" in s or right_hint == "put" else "call"
        sign = -1 if short else 1
        return [LegDraft(r, ks[0], sign), LegDraft(r, ks[1], -2 * sign), LegDraft(r, ks[2], sign)]
    if "straddle" in s:
        if len(ks) != 1:
            return None
        sign = -1 if short else 1
        return [LegDraft("call", ks[0], sign), LegDraft("put", ks[0], sign)]
    if "strangle" in s:
        if len(ks) != 2:
            return None
        sign = -1 if short else 1
        return [LegDraft("put", ks[0], sign), LegDraft("call", ks[1], sign)]
    return _vertical(s, ks, short, bull_bear, right_hint)


def _vertical(
    s: str, ks: list[float], short: bool, bull_bear: str | None, right_hint: Right | None
) -> list[LegDraft] | None:
    """A two-strike vertical spread: the name's right and bull/bear, else the trader's side
    (credit when sold) decide the legs."""
    if len(ks) != 2:
        return None
    right: Right | None = "call" if "call" in s else "put" if "put" in s else right_hint
    # "sell a call spread" is the credit spread; "sell a bull put spread": the name decides.
    credit = "credit" in s or (short and bull_bear is None and "debit" not in s)
    if right is None:
        if bull_bear is None:
            return None
        # "bull spread" without a right: debit call spread; "bear spread": debit put spread.
        right = "call" if bull_bear == "bull" else "put"
    if bull_bear is None:
        bull_bear = ("bear" if right == "call" else "bull") if credit else (
            "bull" if right == "call" else "bear")  # fmt: skip
    lo, hi = ks
    if bull_bear == "bull":
        return [LegDraft(right, lo, 1), LegDraft(right, hi, -1)]
    return [LegDraft(right, lo, -1), LegDraft(right, hi, 1)]


def _strike_list(first: str, rest: str) -> list[float]:
    return [float(first)] + [float(x) for x in re.findall(r"\d+(?:\.\d+)?", rest or "")]


def parse_legs(text: str) -> tuple[list[LegDraft], list[tuple[int, int]]]:
    """Legs written in lower-cased ``text`` and the spans they occupied (see module docstring)."""
    for m in _MULTI_A.finditer(text):
        strategy = " ".join(m.group(8).split())
        legs = _structure(
            strategy,
            _strike_list(m.group(5), m.group(6)),
            m.group(1),
            m.group(3) or _bull_bear(strategy),
            _right(m.group(4) or m.group(7)),
        )
        if legs:
            return _times(legs, _count(m.group(2))), [m.span()]
    for m in _MULTI_B.finditer(text):
        strategy = " ".join(m.group(3).split())
        legs = _structure(
            strategy, _strike_list(m.group(4), m.group(5)), m.group(1), _bull_bear(strategy), None
        )
        if legs:
            return _times(legs, _count(m.group(2))), [m.span()]
    legs = []
    spans: list[tuple[int, int]] = []
    for m in _SINGLE.finditer(text):
        side, count, strike, right, price = m.groups()
        sign = -1 if side.startswith(("sell", "short", "sold")) else 1
        r = _right(right)
        assert r is not None
        legs.append(
            LegDraft(
                r, float(strike), sign * _count(count), None if price is None else float(price)
            )
        )
        spans.append(m.span())
    return legs, spans


def _times(legs: list[LegDraft], n: int) -> list[LegDraft]:
    return [LegDraft(x.right, x.strike, x.quantity * n, x.entry_price) for x in legs]


def _bull_bear(strategy: str) -> str | None:
    if strategy.startswith("bull"):
        return "bull"
    if strategy.startswith("bear"):
        return "bear"
    return None
