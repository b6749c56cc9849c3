"""The offline coach's answers, written ONLY from this turn's tool results.

Every number in the prose is copied from a tool result and formatted by ``fmt`` (one rule per
quantity), so ``grounding.ungrounded(answer, results)`` finds nothing: no derived figures
(differences, counts, averages) and no numbers echoed from the trader's own words. Answers
without tools (explanations, help, "which symbol?") contain no digits at all.

``compose(turn, now)`` dispatches on the intent; the options and positions answers live in
``compose_options``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from aicoach.chat.offline import glossary
from aicoach.chat.offline.compose_options import (
    chain_answer,
    expirations_answer,
    legs_answer,
    portfolio_answer,
    positions_answer,
)
from aicoach.chat.offline.fmt import (
    clock,
    day,
    items,
    money,
    num,
    parse_datetime,
    percent,
    signed_percent,
    sub,
    text,
    when,
)
from aicoach.chat.offline.intents import SYMBOL_INTENTS, IntentKind
from aicoach.chat.offline.planner import (
    GET_CHART_DATA,
    GET_KEY_LEVELS,
    GET_MARKET_STATUS,
    GET_QUOTE,
    ToolOutcome,
    Turn,
    first,
)
from aicoach.marketdata.calendar import ET

CAPABILITIES: Final = (
    "Here is what I can do offline, from live tool data:\n"
    '- **Key levels** — "key levels for SPY", "support and resistance on NVDA"\n'
    '- **Quotes** — "what\'s TSLA trading at"\n'
    '- **Charts** — "show me a five-minute chart of SPY", "daily chart IWM"\n'
    '- **Options chains and expirations** — "SPY chain for next Friday", "expirations for '
    'AAPL", "QQQ options in two weeks"\n'
    '- **Your positions** — "analyze my positions", "how\'s my iron condor", "which '
    'position bleeds the most theta"\n'
    '- **What-ifs** — "what if SPY goes to a price", "my condor if IV drops by Friday", '
    'or a trade written out like "a bull call spread on SPY" with its strikes\n'
    '- **Portfolio Greeks** — "what\'s my net delta"\n'
    '- **Market hours** — "is the market open"\n'
    '- **Explanations** — "what is gamma", "explain an iron condor"'
)
LIMITS: Final = (
    "I'm the offline coach: I read the numbers from your tools, but I can't give opinions, "
    "predictions or trade advice. Connect an AI provider in settings for open-ended coaching."
)
LEVELS_NOTE: Final = (
    "Levels are reference prices, not predictions: I can't tell you which one will hold."
)


def _source(data: Mapping[str, Any] | None, today: date | None) -> str:
    """ "Simulated data as of 3:00 pm ET" (plus a stale warning) from a result's provenance."""
    if data is None:
        return ""
    src = text(data, "source") or "market"
    at = parse_datetime(text(data, "as_of", "now"))
    out = f"_{src.capitalize()} data" + (f" as of {when(at, today=today)}" if at else "") + "._"
    if data.get("stale") is True:
        out += " **Stale:** the data provider failed, so this is the last good value."
    return out


def _error(o: ToolOutcome) -> str:
    message = str(o.data.get("error", "")).strip() or "the tool failed"
    return f"I couldn't get that: {message}"


def _levels(o: ToolOutcome, today: date) -> str:
    d = o.data
    sym = text(d, "symbol") or str(o.arguments.get("symbol", ""))
    price = num(d, "price")
    lines = [f"**{sym} key levels**" + (f" — {sym} is at {money(price)}." if price else ".")]
    for key, word, side in (("nearest_support", "Nearest support", "below"),
                            ("nearest_resistance", "Nearest resistance", "above")):  # fmt: skip
        lv = sub(d, key)
        p = num(lv, "price")
        if lv is None or p is None:
            lines.append(f"- {word}: none found {side} the current price.")
            continue
        line = f"- {word}: **{text(lv, 'label') or 'level'}** at {money(p)}"
        dist, pct = num(lv, "distance_dollars"), num(lv, "distance_percent")
        if dist is not None:
            line += f", {money(dist)} {side}" + (f" ({percent(pct)})" if pct is not None else "")
        lines.append(line + ".")
    top = [lv for lv in items(d, "top_levels") if isinstance(lv, Mapping) and num(lv, "price")]
    if top:
        shown = ", ".join(f"{text(lv, 'label') or 'level'} {money(num(lv, 'price') or 0.0)}"
                          for lv in top[:6])  # fmt: skip
        lines.append(f"- Other levels nearby, high to low: {shown}.")
    extras = []
    if (vwap := num(d, "vwap")) is not None:
        extras.append(f"session VWAP {money(vwap)}")
    if (atr := num(d, "atr_daily")) is not None:
        extras.append(f"daily ATR {money(atr)} (a typical day's range)")
    if (rsi := num(d, "rsi_daily")) is not None:
        extras.append(f"daily RSI {rsi:.2f}")
    if extras:
        lines.append("- Context: " + "; ".join(extras) + ".")
    lines.append(_source(d, today))
    lines.append(LEVELS_NOTE)
    return "\n".join(x for x in lines if x)


def _quote(o: ToolOutcome, today: date) -> str:
    d = o.data
    sym = text(d, "symbol") or str(o.arguments.get("symbol", ""))
    last = num(d, "last")
    if last is None:
        return f"I got no price for {sym}."
    s = f"**{sym}** is at **{money(last)}**"
    change, pct = num(d, "change"), num(d, "change_percent")
    if change is not None:
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        s += f", {direction} {money(change)}" if change else ", unchanged"
        if pct is not None:
            s += f" ({signed_percent(pct)})"
        prev = num(d, "prev_close")
        s += f" from the prior close of {money(prev)}" if prev is not None else " on the day"
    s += "."
    parts = [s]
    bid, ask = num(d, "bid"), num(d, "ask")
    if bid is not None and ask is not None:
        parts.append(f"Bid {money(bid)} / ask {money(ask)}.")
    lo, hi, op = num(d, "day_low"), num(d, "day_high"), num(d, "day_open")
    if lo is not None and hi is not None:
        parts.append(f"Today's range {money(lo)} to {money(hi)}"
                     + (f", opened at {money(op)}." if op is not None else "."))  # fmt: skip
    return " ".join(parts) + "\n" + _source(d, today)


def _chart(o: ToolOutcome, today: date) -> str:
    d = o.data
    sym = text(d, "symbol") or str(o.arguments.get("symbol", ""))
    tf = text(d, "timeframe") or str(o.arguments.get("timeframe", ""))
    count = num(d, "bar_count")
    if not count:
        return f"No {tf} bars came back for {sym} in that window.\n" + _source(d, today)
    head = f"**{sym} {tf} chart** — {count:.0f} bars loaded; open the Chart tab for the full view."
    facts = []
    hi, lo = num(d, "high"), num(d, "low")
    if hi is not None and lo is not None:
        facts.append(f"Over this window {sym} traded between {money(lo)} and {money(hi)}")
    first_open, last_close = num(d, "first_open"), num(d, "last_close")
    if first_open is not None and last_close is not None:
        facts.append(f"it opened the window at {money(first_open)} and last closed at "
                     f"{money(last_close)}")  # fmt: skip
    change, pct = num(d, "change"), num(d, "change_percent")
    if change is not None:
        move = f"{'up' if change > 0 else 'down' if change < 0 else 'flat'} {money(change)}"
        facts.append(move + (f" ({signed_percent(pct)})" if pct is not None else ""))
    body = "; ".join(facts) + "." if facts else ""
    return "\n".join(x for x in (head, body, _source(d, today)) if x)


def _market_status(o: ToolOutcome) -> str:
    d = o.data
    phase = text(d, "phase") or "unknown"
    now = parse_datetime(text(d, "now"))
    today = now.astimezone(ET).date() if now else None
    open_at, close_at = parse_datetime(text(d, "regular_open")), parse_datetime(
        text(d, "regular_close"))  # fmt: skip
    next_open, next_close = parse_datetime(text(d, "next_open")), parse_datetime(
        text(d, "next_close"))  # fmt: skip
    early = d.get("is_early_close") is True
    if phase == "regular":
        s = "**The market is open** (regular session)."
        if close_at:
            s += f" It closes at {clock(close_at)}" + (" — an early close today." if early else
                                                       ".")  # fmt: skip
    elif phase == "pre-market":
        s = "**It's pre-market**: the regular session hasn't opened yet."
        if open_at:
            s += f" It opens at {clock(open_at)}"
            s += f" and closes at {clock(close_at)}" if close_at else ""
            s += " (early close today)." if early else "."
    elif phase == "after-hours":
        s = "**The regular session is over**; after-hours trading is on."
        if close_at:
            s += f" Today's session closed at {clock(close_at)}."
        if next_open:
            s += f" The next regular session opens {when(next_open, today=today)}."
    else:
        s = "**The market is closed.**"
        if today is not None and d.get("session_date") is None:
            s += " Today is not a trading day."
        if next_open:
            s += f" The next regular session opens {when(next_open, today=today)}"
            if next_close:
                s += f" and closes {when(next_close, today=next_open.astimezone(ET).date())}"
            s += "."
    src = text(d, "source")
    return s + (f"\n_Exchange calendar (NYSE); {src} market data._" if src else "")


def _advice(turn: Turn, today: date) -> str:
    sym = turn.intent.symbol
    parts = ["I can't tell you whether to buy or sell, or where a stock will go"
             + (f" — but here is where {sym} stands now." if sym else ".")]  # fmt: skip
    quote = first(turn.outcomes, GET_QUOTE)
    levels = first(turn.outcomes, GET_KEY_LEVELS)
    if quote is not None:
        parts.append(_quote(quote, today) if quote.ok else _error(quote))
    if levels is not None:
        parts.append(_levels(levels, today) if levels.ok else _error(levels))
    if not turn.outcomes:
        parts.append(CAPABILITIES)
    parts.append(LIMITS)
    return "\n\n".join(parts)


def _which_symbol(kind: IntentKind) -> str:
    what = {IntentKind.LEVELS: "key levels", IntentKind.QUOTE: "a quote",
            IntentKind.CHART: "a chart", IntentKind.CHAIN: "an options chain",
            IntentKind.EXPIRATIONS: "expirations",
            IntentKind.ANALYZE_LEGS: "that trade"}.get(kind, "that")  # fmt: skip
    return (f"Which symbol do you want {what} for? Name a ticker (like SPY or $AAPL) or a "
            "company (like Apple).")  # fmt: skip


def compose(turn: Turn, now: datetime) -> str:
    """The answer for ``turn`` (its tool results are all in ``turn.outcomes``)."""
    intent = turn.intent
    kind = intent.kind
    today = now.astimezone(ET).date()
    if kind is IntentKind.EXPLAIN and intent.topic is not None:
        return (glossary.explain(intent.topic) + "\n\nAsk about your own positions or a "
                "ticker and I'll show it with live numbers.")  # fmt: skip
    if kind is IntentKind.HELP:
        return "Hi! " + CAPABILITIES + "\n\n" + LIMITS
    if kind is IntentKind.UNKNOWN:
        return ("I didn't catch a request I can answer offline.\n\n" + CAPABILITIES + "\n\n"
                + LIMITS)  # fmt: skip
    if kind is IntentKind.ADVICE:
        return _advice(turn, today)
    if kind in SYMBOL_INTENTS and intent.symbol is None:
        return _which_symbol(kind)
    single = {
        IntentKind.LEVELS: GET_KEY_LEVELS, IntentKind.QUOTE: GET_QUOTE,
        IntentKind.CHART: GET_CHART_DATA, IntentKind.MARKET_STATUS: GET_MARKET_STATUS,
    }  # fmt: skip
    if kind in single:
        o = first(turn.outcomes, single[kind])
        if o is None:
            return "That tool isn't available right now, so I can't answer this offline."
        if not o.ok:
            return _error(o)
        if kind is IntentKind.LEVELS:
            return _levels(o, today)
        if kind is IntentKind.QUOTE:
            return _quote(o, today)
        if kind is IntentKind.CHART:
            return _chart(o, today)
        return _market_status(o)
    if kind is IntentKind.EXPIRATIONS:
        return expirations_answer(turn, now)
    if kind is IntentKind.CHAIN:
        return chain_answer(turn, now)
    if kind is IntentKind.ANALYZE_LEGS:
        return legs_answer(turn, now)
    if kind is IntentKind.POSITIONS:
        return positions_answer(turn, now)
    if kind is IntentKind.PORTFOLIO_GREEKS:
        return portfolio_answer(turn, now)
    return CAPABILITIES


__all__ = ["CAPABILITIES", "LIMITS", "compose", "day"]
