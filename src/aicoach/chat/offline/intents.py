"""What the trader is asking for, from free text: the intent, its symbol and its parameters.

``parse_intent(text, previous=...)`` is pure and deterministic. Typos of intent words are
corrected with ``difflib`` against a small vocabulary ("levles" → "levels", "anaylze" →
"analyze") before matching; tickers, names and dates are read by ``symbols``, ``dates`` and
``legs``. Rules are tried in a fixed order, most specific first (a what-if before positions,
positions before portfolio Greeks, an explanation only when nothing of the trader's own is
asked: "what's an iron condor" explains, "how's my iron condor" analyses).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from aicoach.chat.offline import glossary
from aicoach.chat.offline.dates import DateKind, DateSpec, parse_date_spec
from aicoach.chat.offline.legs import LegDraft, parse_legs
from aicoach.chat.offline.symbols import COMMON_WORDS, KNOWN_TICKERS, NAME_TO_TICKER, find_symbols


class IntentKind(StrEnum):
    LEVELS = "levels"
    QUOTE = "quote"
    CHART = "chart"
    CHAIN = "chain"
    EXPIRATIONS = "expirations"
    POSITIONS = "positions"
    ANALYZE_LEGS = "analyze_legs"
    PORTFOLIO_GREEKS = "portfolio_greeks"
    MARKET_STATUS = "market_status"
    EXPLAIN = "explain"
    ADVICE = "advice"
    HELP = "help"
    UNKNOWN = "unknown"


#: Intents about one symbol: they fall back to the conversation's last symbol.
SYMBOL_INTENTS: Final = frozenset(
    {IntentKind.LEVELS, IntentKind.QUOTE, IntentKind.CHART, IntentKind.CHAIN,
     IntentKind.EXPIRATIONS, IntentKind.ANALYZE_LEGS}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scenario:
    """A what-if: underlying price (dollars), IV shift (vol points, signed), valuation date."""

    underlying_price: float | None = None
    iv_shift_points: float | None = None
    valuation: DateSpec | None = None


@dataclass(frozen=True, slots=True)
class Intent:
    kind: IntentKind
    symbol: str | None = None
    timeframe: str | None = None
    lookback_days: int | None = None
    date: DateSpec | None = None
    legs: tuple[LegDraft, ...] = ()
    scenario: Scenario | None = None
    strategy: str | None = None  # a StrategyName family to filter positions: "iron_condor"...
    rank_by: str | None = None  # "theta" | "delta" | "vega" | "gamma" | "pnl"
    topic: str | None = None  # glossary key
    symbols: tuple[str, ...] = field(default=())


_VOCAB: Final = frozenset(
    str.split(
        """levels level support resistance pivots pivot chart charts candles chain chains options
    option expirations expiration expiries expiry analyze analyse analysis positions position
    portfolio greeks delta gamma theta vega market open close closed closing opens price
    quote trading explain condor iron butterfly straddle strangle spread vertical covered
    calendar collar minute minutes hourly daily weekly monthly tomorrow today friday monday
    tuesday wednesday thursday december november october september january february april
    june july august leaps expiring implied volatility bleeds bleeding losing exposure
    status hours session holiday what where show trading performing doing"""
    )
)
_PROTECTED: Final = COMMON_WORDS | _VOCAB | {n for n in NAME_TO_TICKER if " " not in n}


def correct_typos(text: str) -> str:
    """Lower-case ``text`` with misspelt intent words replaced by the closest vocabulary word."""
    out: list[str] = []
    for token in re.split(r"(\W+)", text.lower()):
        if (
            len(token) >= 4
            and token.isalpha()
            and token not in _PROTECTED
            and token.upper() not in KNOWN_TICKERS
        ):
            close = difflib.get_close_matches(token, _VOCAB, n=1, cutoff=0.8)
            if close:
                token = close[0]
        out.append(token)
    return "".join(out)


def _has(text: str, pattern: str) -> bool:
    return re.search(pattern, text) is not None


_STRATEGY_WORDS: Final[list[tuple[str, str]]] = [
    (r"iron\s+(?:butterfl(?:y|ies)|fly|flies)", "iron_butterfly"),
    (r"(?:iron\s+)?condors?", "iron_condor"),
    (r"butterfl(?:y|ies)|\bflys?\b", "butterfly"),
    (r"straddles?", "straddle"),
    (r"strangles?", "strangle"),
    (r"covered\s+calls?", "covered_call"),
    (r"cash[- ]secured\s+puts?|\bcsps?\b", "cash_secured_put"),
    (r"collars?", "collar"),
    (r"calendars?", "calendar_spread"),
    (r"diagonals?", "diagonal_spread"),
    (r"bull\s+call\s+spreads?|call\s+debit\s+spreads?", "bull_call_spread"),
    (r"bear\s+call\s+spreads?|call\s+credit\s+spreads?", "bear_call_spread"),
    (r"bull\s+put\s+spreads?|put\s+credit\s+spreads?", "bull_put_spread"),
    (r"bear\s+put\s+spreads?|put\s+debit\s+spreads?", "bear_put_spread"),
    (r"call\s+spreads?", "call_spread"),
    (r"put\s+spreads?", "put_spread"),
    (r"credit\s+spreads?", "credit_spread"),
    (r"debit\s+spreads?", "debit_spread"),
    (r"(?:spreads?|verticals?)", "spread"),
    (r"calls?", "call"),
    (r"puts?", "put"),
    (r"(?:shares|stock)", "stock"),
]

_RANK: Final[list[tuple[str, str]]] = [
    (r"theta|decay|bleed|bleeds|bleeding", "theta"),
    (r"vega|volatility|\biv\b", "vega"),
    (r"gamma", "gamma"),
    (r"delta|directional", "delta"),
    (r"p&l|pnl|p/l|profit|losing|loss|losses|winning|worst|best|making|down the most|up the most",
     "pnl"),
]  # fmt: skip

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

_EXPLAIN_TRIGGER: Final = (
    r"\b(?:what\s+(?:is|are|'s|s|does)|whats|what's|explain|define|definition|meaning\s+of|"
    r"tell\s+me\s+about|how\s+(?:does|do)|teach\s+me|what\s+do\s+you\s+mean)\b"
)
_TIMEFRAMES: Final[list[tuple[str, str]]] = [
    (r"\b(?:1|one)\s*-?\s*(?:m|min|mins|minute|minutes)\b", "1m"),
    (r"\b(?:5|five)\s*-?\s*(?:m|min|mins|minute|minutes)\b", "5m"),
    (r"\b(?:15|fifteen)\s*-?\s*(?:m|min|mins|minute|minutes)\b", "15m"),
    (r"\b(?:30|thirty)\s*-?\s*(?:m|min|mins|minute|minutes)\b", "30m"),
    (r"\b(?:hourly|(?:1|one|an)\s*-?\s*(?:h|hr|hour)|60\s*-?\s*(?:m|min|minute)s?|h1)\b", "1h"),
    (r"\b(?:weekly|1w|w1)\b", "1w"),
    (r"\b(?:monthly|1mo)\b", "1mo"),
    (r"\b(?:daily|1d|d1|day)\b", "1d"),
    (r"\b(?:intraday)\b", "5m"),
]


def _timeframe(text: str) -> str | None:
    for pattern, tf in _TIMEFRAMES:
        if _has(text, pattern):
            return tf
    return None


def _lookback(text: str) -> int | None:
    m = re.search(r"\b(?:last|past|over)\s+(\d{1,4}|a|one|two|three|six)\s+(day|week|month|year)s?",
                  text)  # fmt: skip
    if not m:
        return None
    words = {"a": 1, "one": 1, "two": 2, "three": 3, "six": 6}
    n = int(m.group(1)) if m.group(1).isdigit() else words[m.group(1)]
    days = n * {"day": 1, "week": 7, "month": 30, "year": 365}[m.group(2)]
    return max(1, min(days, 3650))


def _strategy(text: str) -> str | None:
    for pattern, name in _STRATEGY_WORDS:
        if _has(text, r"\b(?:" + pattern + r")\b"):
            return name
    return None


def _rank(text: str) -> str | None:
    if not _has(text, r"\b(?:which|what|most|biggest|largest|highest|least|lowest|worst|best|"
                      r"rank|sort|top)\b"):  # fmt: skip
        return None
    for pattern, name in _RANK:
        if _has(text, r"\b(?:" + pattern + r")"):
            return name
    return None


def _scenario(text: str, masked: str) -> Scenario | None:
    iv: float | None = None
    m = _IV_SHIFT.search(masked)
    rest = masked
    if m:
        down = re.match(r"drop|fall|decline|goes\s+down|down|crush|collapse", m.group(1))
        iv = -float(m.group(2)) if down else float(m.group(2))
        rest = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end() :]
    else:
        c = _IV_CRUSH.search(masked)
        if c:
            iv = -float(c.group(1))
            rest = masked[: c.start()] + " " * (c.end() - c.start()) + masked[c.end() :]
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
    if iv is None and price is None and not _has(text, r"\bwhat\s+if\b|\bif\b|\blook\s+like\b"):
        return None
    return Scenario(price, iv, valuation)


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " "
    return "".join(chars)


_FOLLOW_UP: Final = re.compile(r"^\s*(?:and|what\s+about|how\s+about|same\s+for|now|ok|also|"
                               r"what\s+of|then)\b")  # fmt: skip


def parse_intent(text: str, previous: Intent | None = None) -> Intent:
    """The intent of one user message. ``previous`` is the intent of the trader's previous
    message, used for follow-ups that only change the symbol ("and qqq?")."""
    raw = text.strip()
    t = correct_typos(raw)
    symbols = find_symbols(raw)
    symbol = symbols[0] if symbols else None
    if not raw or _has(t, r"^\W*(?:hi|hello|hey|help|yo|thanks|thank you|who are you|"
                          r"what can you do|what do you do|commands|menu)\W*$"):  # fmt: skip
        return Intent(IntentKind.HELP)
    drafts, spans = parse_legs(t)
    masked = _mask(t, spans)
    date = parse_date_spec(masked)
    mine = _has(t, r"\b(?:my|mine|i'm|im|i\s+am|am\s+i|i\s+have|i\s+own|i\s+hold|we)\b")
    topic = glossary.lookup(t)

    # 1. Explanations: a glossary topic, asked as a question, about nothing of the trader's.
    if (
        topic is not None
        and _has(t, _EXPLAIN_TRIGGER)
        and not mine
        and not drafts
        and (symbol is None or _has(t, r"\b(?:explain|define|definition|meaning)\b"))
        and not _has(t, r"\b(?:trading\s+at|price\s+of|chain|chart|levels\s+(?:for|on|of))\b")
    ):
        return Intent(IntentKind.EXPLAIN, topic=topic)

    # 2. Market status.
    if _has(t, r"\bmarkets?\b.*\b(?:open|opens|opened|close|closes|closed|closing|hours|status|"
               r"session|holiday)\b|\b(?:is|are)\s+(?:the\s+)?markets?\s+(?:open|closed)\b|"
               r"\btrading\s+hours\b|\bmarket\s+hours\b|\bearly\s+close\b|\bholiday\b|"
               r"\bwhen\s+does\s+(?:the\s+)?(?:market|nyse|stock\s+market)\b"):  # fmt: skip
        return Intent(IntentKind.MARKET_STATUS)

    # 3. What-ifs and inline legs.
    scenario = _scenario(t, masked)
    if drafts:
        return Intent(IntentKind.ANALYZE_LEGS, symbol=symbol, date=date, legs=tuple(drafts),
                      scenario=scenario, symbols=tuple(symbols))  # fmt: skip
    strategy = _strategy(masked)
    if scenario is not None and (
        mine
        or strategy is not None
        or scenario.underlying_price is not None
        or scenario.iv_shift_points is not None
    ):
        return Intent(IntentKind.POSITIONS, symbol=symbol, scenario=scenario,
                      strategy=strategy if mine else None, symbols=tuple(symbols))  # fmt: skip

    # 4. The trader's own positions and portfolio.
    rank = _rank(t)
    greek_words = r"\b(?:greeks|delta|gamma|theta|vega|exposure|beta[- ]weighted)\b"
    if mine or _has(t, r"\bportfolio\b"):
        position_words = _has(t, r"\b(?:positions?|trades?|holdings|book|spreads?|condors?|"
                                 r"strangles?|straddles?|butterfl(?:y|ies)|calls?|puts?|shares|"
                                 r"options|legs)\b")  # fmt: skip
        if _has(t, greek_words) and (rank is None or not position_words) and strategy is None:
            return Intent(IntentKind.PORTFOLIO_GREEKS)
        if (
            position_words
            or strategy is not None
            or rank is not None
            or _has(t, r"\b(?:analy[sz]e|analysis|how\s+am\s+i\s+doing|p&l|pnl|portfolio)\b")
        ):
            return Intent(IntentKind.POSITIONS, symbol=symbol, strategy=strategy,
                          rank_by=rank, symbols=tuple(symbols))  # fmt: skip
    if _has(t, r"\b(?:portfolio|net|total|overall)\s+(?:greeks|delta|gamma|theta|vega)\b"):
        return Intent(IntentKind.PORTFOLIO_GREEKS)

    # 5. Options chains and expirations.
    if _has(
        t,
        r"\b(?:expirations?|expiries|expiry\s+dates|expiration\s+dates|exp\s+dates|"
        r"expiration\s+cycle|when\s+do\s+.*\s+expire)\b",
    ) and not _has(t, r"\bchains?\b"):
        return Intent(IntentKind.EXPIRATIONS, symbol=symbol, symbols=tuple(symbols))
    if symbol is not None and _has(t, r"\b(?:iv|ivs|implied\s+vol(?:atility)?|vol|volatility)\b"):
        # "what's the iv on spy": the chain answers it (at-the-money IV); by default the
        # standard monthly, whose IV is the one traders quote (a same-day IV is noise).
        monthly = date or DateSpec(DateKind.MONTHLY, "")  # no words: the trader named none
        return Intent(IntentKind.CHAIN, symbol=symbol, date=monthly, topic="implied volatility",
                      symbols=tuple(symbols))  # fmt: skip
    if _has(t, r"\b(?:chains?|options?|0\s*dte|zero\s*dte|\d+\s*dte|leaps?|strikes?|calls|puts|"
               r"contracts|weeklies|monthlies)\b") or (date is not None and symbol and
                                                      _has(t, r"\bcalls?|puts?\b")):  # fmt: skip
        return Intent(IntentKind.CHAIN, symbol=symbol, date=date, symbols=tuple(symbols))

    # 6. Charts, levels, quotes.
    if _has(t, r"\b(?:charts?|candles?|candlesticks?|bars|graph|plot|ohlc)\b"):
        return Intent(IntentKind.CHART, symbol=symbol, timeframe=_timeframe(t) or "1d",
                      lookback_days=_lookback(t), symbols=tuple(symbols))  # fmt: skip
    if _has(t, r"\b(?:levels?|support|supports|resistance|resistances|pivots?|s/r|s&r|vwap|"
               r"key\s+prices|floor|ceiling)\b"):  # fmt: skip
        return Intent(IntentKind.LEVELS, symbol=symbol, symbols=tuple(symbols))
    if _has(t, r"\b(?:should\s+i|buy\s+or\s+sell|good\s+(?:buy|entry|trade)|will\s+.+\s+go|"
               r"going\s+to\s+(?:go|rally|drop|crash)|predict|prediction|forecast|recommend|"
               r"best\s+trade|what\s+(?:should|to)\s+(?:i\s+)?(?:buy|sell|trade)|price\s+target|"
               r"bullish\s+or\s+bearish|tip|tips)\b"):  # fmt: skip
        return Intent(IntentKind.ADVICE, symbol=symbol, symbols=tuple(symbols))
    if _has(t, r"\b(?:price|prices|quote|trading|trade\s+at|last|worth|doing|moving|cost|"
               r"costs|at\s+right\s+now|up|down|green|red|performing)\b|\bwhere\s+is\b|"
               r"\bwhere's\b|\bhow(?:'s|\s+is)\b"):  # fmt: skip
        if symbol is not None or not _has(t, r"\bmarket\b"):
            return Intent(IntentKind.QUOTE, symbol=symbol, symbols=tuple(symbols))
        return Intent(IntentKind.QUOTE, symbol="SPY", symbols=("SPY",))
    if _has(t, r"\b(?:the\s+)?market\b"):
        return Intent(IntentKind.QUOTE, symbol="SPY", symbols=("SPY",))

    # 7. Follow-ups ("and qqq?") and bare tickers.
    if symbol is not None:
        follow = _FOLLOW_UP.search(t) is not None or len(t.split()) <= 2
        if (
            follow
            and previous is not None
            and previous.kind in SYMBOL_INTENTS - {IntentKind.ANALYZE_LEGS}
        ):
            return Intent(previous.kind, symbol=symbol, timeframe=previous.timeframe,
                          lookback_days=previous.lookback_days, date=date or previous.date,
                          symbols=tuple(symbols))  # fmt: skip
        if follow:
            return Intent(IntentKind.QUOTE, symbol=symbol, symbols=tuple(symbols))
    if topic is not None and not mine:
        return Intent(IntentKind.EXPLAIN, topic=topic)
    return Intent(IntentKind.UNKNOWN, symbol=symbol, symbols=tuple(symbols))
