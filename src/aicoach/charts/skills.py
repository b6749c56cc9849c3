"""The offline coach's market skills (the Chart tab's slice): quotes, price action, the market
clock, and the advice refusal that shows where a symbol stands instead of an opinion.

Each writes its answer from the typed results (``QuoteResult``, ``ChartDataResult``,
``MarketStatusResult``, ``KeyLevelsResult``) only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from aicoach.chat.offline.answers import (
    LIMITS,
    capabilities_text,
    error_line,
    result_or_reason,
    source_line,
    which_symbol,
)
from aicoach.chat.offline.fmt import clock, money, signed_percent, when
from aicoach.chat.offline.request import FOLLOW_UP_SCORE, Request
from aicoach.coach.skills import Call, Outcome, Scored, Skill, first
from aicoach.coach.tools import ToolError
from aicoach.levels.skills import GET_KEY_LEVELS, levels_text
from aicoach.levels.tools import KeyLevelsResult
from aicoach.marketdata.calendar import ET
from aicoach.marketdata.tools import ChartDataResult, MarketStatusResult, QuoteResult

GET_QUOTE: Final = "get_quote"
GET_CHART_DATA: Final = "get_chart_data"
GET_MARKET_STATUS: Final = "get_market_status"


def _one_call(symbol: str | None, done: Sequence[Outcome], call: Call) -> list[Call]:
    return [] if symbol is None or done else [call]


# --- quotes ------------------------------------------------------------------------------------

_PRICE_WORDS: Final = (
    r"\b(?:price|prices|quote|trading|trade\s+at|last|worth|doing|moving|cost|costs|"
    r"at\s+right\s+now|up|down|green|red|performing)\b|\bwhere\s+is\b|\bwhere's\b|"
    r"\bhow(?:'s|\s+is)\b"
)
_MARKET: Final = r"\b(?:the\s+)?market\b"


@dataclass(frozen=True, slots=True)
class QuoteParams:
    symbol: str | None


def quote_text(d: QuoteResult, today: date) -> str:
    """The quote answer for one result (also used by the advice skill)."""
    if d.last is None:
        return f"I got no price for {d.symbol}."
    s = f"**{d.symbol}** is at **{money(d.last)}**"
    if d.change is not None:
        direction = "up" if d.change > 0 else "down" if d.change < 0 else "unchanged"
        s += f", {direction} {money(d.change)}" if d.change else ", unchanged"
        if d.change_percent is not None:
            s += f" ({signed_percent(d.change_percent)})"
        prev = d.prev_close
        s += f" from the prior close of {money(prev)}" if prev is not None else " on the day"
    parts = [s + "."]
    if d.bid is not None and d.ask is not None:
        parts.append(f"Bid {money(d.bid)} / ask {money(d.ask)}.")
    if d.day_low is not None and d.day_high is not None:
        opened = f", opened at {money(d.day_open)}." if d.day_open is not None else "."
        parts.append(f"Today's range {money(d.day_low)} to {money(d.day_high)}{opened}")
    return " ".join(parts) + "\n" + source_line(d.source, d.as_of, d.stale, today)


class QuoteSkill(Skill[Request, QuoteParams]):
    """The latest price of one symbol ("the market" is SPY)."""

    name = "quote"
    capability = '**Quotes** — "what\'s TSLA trading at"'
    tools = (GET_QUOTE,)

    def score(self, request: Request) -> Scored[QuoteParams] | None:
        sym = request.symbol
        if request.has(_PRICE_WORDS):
            if sym is None and request.has(r"\bmarket\b"):
                return Scored(0.5, QuoteParams("SPY"))
            return Scored(0.5, QuoteParams(sym or request.history_symbol))
        if request.has(_MARKET):
            return Scored(0.45, QuoteParams("SPY"))
        if request.follow_up_of(self.name) is not None:
            return Scored(FOLLOW_UP_SCORE, QuoteParams(sym))
        if sym is not None and request.follow_up:  # a bare ticker: "$NVDA", "tsla?"
            return Scored(0.35, QuoteParams(sym))
        return None

    def plan(self, request: Request, params: QuoteParams, done: Sequence[Outcome]) -> list[Call]:
        return _one_call(params.symbol, done, Call(GET_QUOTE, {"symbol": params.symbol}))

    def compose(self, request: Request, params: QuoteParams, done: Sequence[Outcome]) -> str:
        if params.symbol is None:
            return which_symbol("a quote")
        result = result_or_reason(done, GET_QUOTE, QuoteResult)
        return result if isinstance(result, str) else quote_text(result, request.today)


# --- charts ------------------------------------------------------------------------------------

_CHART_WORDS: Final = r"\b(?:charts?|candles?|candlesticks?|bars|graph|plot|ohlc)\b"
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
_LOOKBACK: Final = re.compile(
    r"\b(?:last|past|over)\s+(\d{1,4}|a|one|two|three|six)\s+(day|week|month|year)s?"
)
_COUNTS: Final = {"a": 1, "one": 1, "two": 2, "three": 3, "six": 6}
_UNIT_DAYS: Final = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True, slots=True)
class ChartParams:
    symbol: str | None
    timeframe: str = "1d"
    lookback_days: int | None = None


def _timeframe(request: Request) -> str:
    return next((tf for pattern, tf in _TIMEFRAMES if request.has(pattern)), "1d")


def _lookback(words: str) -> int | None:
    m = _LOOKBACK.search(words)
    if not m:
        return None
    n = int(m.group(1)) if m.group(1).isdigit() else _COUNTS[m.group(1)]
    return max(1, min(n * _UNIT_DAYS[m.group(2)], 3650))


def chart_text(d: ChartDataResult, today: date) -> str:
    sym, tf = d.symbol, d.timeframe
    source = source_line(d.source, d.as_of, d.stale, today)
    if not d.bar_count:
        return f"No {tf} bars came back for {sym} in that window.\n" + source
    head = (f"**{sym} {tf} chart** — {d.bar_count:.0f} bars loaded; open the Chart tab for the "
            "full view.")  # fmt: skip
    facts = []
    if d.high is not None and d.low is not None:
        facts.append(f"Over this window {sym} traded between {money(d.low)} and {money(d.high)}")
    if d.first_open is not None and d.last_close is not None:
        facts.append(f"it opened the window at {money(d.first_open)} and last closed at "
                     f"{money(d.last_close)}")  # fmt: skip
    if d.change is not None:
        way = "up" if d.change > 0 else "down" if d.change < 0 else "flat"
        pct = f" ({signed_percent(d.change_percent)})" if d.change_percent is not None else ""
        facts.append(f"{way} {money(d.change)}{pct}")
    body = "; ".join(facts) + "." if facts else ""
    return "\n".join(x for x in (head, body, source) if x)


class ChartSkill(Skill[Request, ChartParams]):
    """Price bars of one symbol over a timeframe and look-back."""

    name = "chart"
    capability = '**Charts** — "show me a five-minute chart of SPY", "daily chart IWM"'
    tools = (GET_CHART_DATA,)

    def score(self, request: Request) -> Scored[ChartParams] | None:
        if request.has(_CHART_WORDS):
            params = ChartParams(request.symbol or request.history_symbol, _timeframe(request),
                                 _lookback(request.words))  # fmt: skip
            return Scored(0.65, params)
        previous = request.follow_up_of(self.name)
        if isinstance(previous, ChartParams):
            return Scored(FOLLOW_UP_SCORE, ChartParams(request.symbol, previous.timeframe,
                                                       previous.lookback_days))  # fmt: skip
        return None

    def plan(self, request: Request, params: ChartParams, done: Sequence[Outcome]) -> list[Call]:
        args: dict[str, Any] = {"symbol": params.symbol, "timeframe": params.timeframe}
        if params.lookback_days is not None:
            args["lookback_days"] = params.lookback_days
        return _one_call(params.symbol, done, Call(GET_CHART_DATA, args))

    def compose(self, request: Request, params: ChartParams, done: Sequence[Outcome]) -> str:
        if params.symbol is None:
            return which_symbol("a chart")
        result = result_or_reason(done, GET_CHART_DATA, ChartDataResult)
        return result if isinstance(result, str) else chart_text(result, request.today)


# --- the market clock --------------------------------------------------------------------------

_STATUS_WORDS: Final = (
    r"\bmarkets?\b.*\b(?:open|opens|opened|close|closes|closed|closing|hours|status|session|"
    r"holiday)\b|\b(?:is|are)\s+(?:the\s+)?markets?\s+(?:open|closed)\b|\btrading\s+hours\b|"
    r"\bmarket\s+hours\b|\bearly\s+close\b|\bholiday\b|"
    r"\bwhen\s+does\s+(?:the\s+)?(?:market|nyse|stock\s+market)\b"
)


def _regular(d: MarketStatusResult) -> str:
    s = "**The market is open** (regular session)."
    if d.regular_close:
        early = " — an early close today." if d.is_early_close else "."
        s += f" It closes at {clock(d.regular_close)}{early}"
    return s


def _pre_market(d: MarketStatusResult) -> str:
    s = "**It's pre-market**: the regular session hasn't opened yet."
    if d.regular_open:
        s += f" It opens at {clock(d.regular_open)}"
        s += f" and closes at {clock(d.regular_close)}" if d.regular_close else ""
        s += " (early close today)." if d.is_early_close else "."
    return s


def _after_hours(d: MarketStatusResult, today: date) -> str:
    s = "**The regular session is over**; after-hours trading is on."
    if d.regular_close:
        s += f" Today's session closed at {clock(d.regular_close)}."
    if d.next_open:
        s += f" The next regular session opens {when(d.next_open, today=today)}."
    return s


def _closed(d: MarketStatusResult, today: date) -> str:
    s = "**The market is closed.**"
    if d.session_date is None:
        s += " Today is not a trading day."
    if d.next_open:
        s += f" The next regular session opens {when(d.next_open, today=today)}"
        if d.next_close:
            s += f" and closes {when(d.next_close, today=d.next_open.astimezone(ET).date())}"
        s += "."
    return s


def market_status_text(d: MarketStatusResult) -> str:
    today = d.now.astimezone(ET).date()
    if d.phase == "regular":
        s = _regular(d)
    elif d.phase == "pre-market":
        s = _pre_market(d)
    elif d.phase == "after-hours":
        s = _after_hours(d, today)
    else:
        s = _closed(d, today)
    return s + (f"\n_Exchange calendar (NYSE); {d.source} market data._" if d.source else "")


class MarketStatusSkill(Skill[Request, None]):
    """Whether the market is open, and the next open and close."""

    name = "market_status"
    capability = '**Market hours** — "is the market open"'
    tools = (GET_MARKET_STATUS,)

    def score(self, request: Request) -> Scored[None] | None:
        return Scored(0.9, None) if request.has(_STATUS_WORDS) else None

    def plan(self, request: Request, params: None, done: Sequence[Outcome]) -> list[Call]:
        return [] if done else [Call(GET_MARKET_STATUS, {})]

    def compose(self, request: Request, params: None, done: Sequence[Outcome]) -> str:
        result = result_or_reason(done, GET_MARKET_STATUS, MarketStatusResult)
        return result if isinstance(result, str) else market_status_text(result)


#: The slice's offline skills (``Manifest(skills=SKILLS)``).
_ADVICE: Final = (
    r"\b(?:should\s+i|buy\s+or\s+sell|good\s+(?:buy|entry|trade)|will\s+.+\s+go|"
    r"going\s+to\s+(?:go|rally|drop|crash)|predict|prediction|forecast|recommend|"
    r"best\s+trade|what\s+(?:should|to)\s+(?:i\s+)?(?:buy|sell|trade)|price\s+target|"
    r"bullish\s+or\s+bearish|tip|tips)\b"
)


class AdviceSkill(Skill[Request, str | None]):
    """ "Should I buy NVDA?": no opinion, but where the symbol stands (quote and key levels)."""

    name = "advice"
    tools = (GET_QUOTE, GET_KEY_LEVELS)

    def score(self, request: Request) -> Scored[str | None] | None:
        return Scored(0.55, request.symbol) if request.has(_ADVICE) else None

    def plan(self, request: Request, params: str | None, done: Sequence[Outcome]) -> list[Call]:
        if params is None or done:
            return []
        return [Call(GET_QUOTE, {"symbol": params}), Call(GET_KEY_LEVELS, {"symbol": params})]

    def compose(self, request: Request, params: str | None, done: Sequence[Outcome]) -> str:
        where = f" — but here is where {params} stands now." if params else "."
        parts = ["I can't tell you whether to buy or sell, or where a stock will go" + where]
        if (o := first(done, GET_QUOTE)) is not None:
            quote = o.result(QuoteResult)
            parts.append(error_line(quote.error) if isinstance(quote, ToolError) else
                         quote_text(quote, request.today))  # fmt: skip
        if (o := first(done, GET_KEY_LEVELS)) is not None:
            levels = o.result(KeyLevelsResult)
            parts.append(error_line(levels.error) if isinstance(levels, ToolError) else
                         levels_text(levels, request.today))  # fmt: skip
        if not done:
            parts.append(capabilities_text(request.capabilities))
        parts.append(LIMITS)
        return "\n\n".join(parts)


SKILLS = (QuoteSkill(), ChartSkill(), MarketStatusSkill(), AdviceSkill())
