"""Which tools to call next, from the intent and the tool results gathered so far this turn.

The offline coach is stateless: each ``stream()`` call re-reads the conversation, finds the
trader's last message (the turn), re-parses its intent and looks at the tool calls and results
that followed it. ``next_calls`` then says what to call now, or ``None`` when it is time to
answer. Multi-step plans:

* chain / inline legs: ``get_expirations`` → resolve the date phrase against the listed
  expirations → ``get_options_chain`` / ``analyze_position(legs=...)``;
* positions: ``get_positions`` → pick the strategies asked about → one ``analyze_position``
  per strategy (its legs' ids), with the what-if scenario when there is one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from aicoach.chat.offline.dates import (
    DateKind,
    DateSpec,
    resolve_expiration,
    resolve_valuation_date,
)
from aicoach.chat.offline.fmt import items, num, parse_date, text
from aicoach.chat.offline.intents import SYMBOL_INTENTS, Intent, IntentKind, parse_intent
from aicoach.chat.offline.symbols import find_symbols
from aicoach.llm.messages import ChatMessage, Role
from aicoach.marketdata.calendar import MarketCalendar

#: Strategies analysed at most in one answer (one tool call each).
MAX_ANALYSES: Final = 8
#: Tool rounds after which the coach answers with what it has.
MAX_ROUNDS: Final = 4
#: Strikes each side of the money asked for when pricing inline legs from the chain.
CHAIN_WIDTH: Final = 30

GET_KEY_LEVELS: Final = "get_key_levels"
GET_QUOTE: Final = "get_quote"
GET_CHART_DATA: Final = "get_chart_data"
GET_MARKET_STATUS: Final = "get_market_status"
GET_EXPIRATIONS: Final = "get_expirations"
GET_OPTIONS_CHAIN: Final = "get_options_chain"
ANALYZE_POSITION: Final = "analyze_position"
GET_POSITIONS: Final = "get_positions"
GET_PORTFOLIO_GREEKS: Final = "get_portfolio_greeks"


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """One tool call of this turn and its decoded result (``{"error": text}`` if not JSON)."""

    call_id: str
    name: str
    arguments: Mapping[str, Any]
    data: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        return "error" not in self.data


@dataclass(frozen=True, slots=True)
class Turn:
    intent: Intent
    outcomes: tuple[ToolOutcome, ...]
    rounds: int  # assistant tool-call messages since the user's message
    user_text: str
    user_index: int  # how many user messages the conversation has (1-based turn number)


def _decode(content: str) -> Mapping[str, Any]:
    try:
        data = json.loads(content)
    except ValueError:
        return {"error": content.strip() or "The tool returned nothing."}
    return data if isinstance(data, dict) else {"result": data}


def history_symbol(messages: Sequence[ChatMessage]) -> str | None:
    """The last symbol of the conversation: from tool-call arguments or the trader's words."""
    for msg in reversed(messages):
        if msg.role is Role.ASSISTANT:
            for call in reversed(msg.tool_calls):
                sym = call.arguments.get("symbol")
                if isinstance(sym, str) and sym:
                    return sym.upper()
                for leg in call.arguments.get("legs") or ():
                    if isinstance(leg, Mapping) and isinstance(leg.get("symbol"), str):
                        return str(leg["symbol"]).upper()
        elif msg.role is Role.USER:
            symbols = find_symbols(msg.content)
            if symbols:
                return symbols[-1]
    return None


def read_turn(messages: Sequence[ChatMessage]) -> Turn | None:
    """The trader's last message, its intent (history-aware) and the tool work done since."""
    user_positions = [i for i, m in enumerate(messages) if m.role is Role.USER]
    if not user_positions:
        return None
    last = user_positions[-1]
    previous: Intent | None = None
    for i in user_positions[:-1]:  # chained follow-ups: "levels spy" → "and qqq?" → "and iwm?"
        previous = parse_intent(messages[i].content, previous)
    intent = parse_intent(messages[last].content, previous)
    if intent.kind in SYMBOL_INTENTS and intent.symbol is None:
        sym = history_symbol(messages[:last])
        if sym is not None:
            intent = _with_symbol(intent, sym)
    calls: dict[str, tuple[str, Mapping[str, Any]]] = {}
    outcomes: list[ToolOutcome] = []
    rounds = 0
    for msg in messages[last + 1 :]:
        if msg.role is Role.ASSISTANT and msg.tool_calls:
            rounds += 1
            for call in msg.tool_calls:
                calls[call.id] = (call.name, call.arguments)
        elif msg.role is Role.TOOL and msg.tool_call_id is not None:
            name, args = calls.get(msg.tool_call_id, (msg.name or "", {}))
            outcomes.append(ToolOutcome(msg.tool_call_id, name, args, _decode(msg.content)))
    return Turn(intent, tuple(outcomes), rounds, messages[last].content, len(user_positions))


def _with_symbol(intent: Intent, symbol: str) -> Intent:
    return Intent(
        intent.kind, symbol=symbol, timeframe=intent.timeframe,
        lookback_days=intent.lookback_days, date=intent.date, legs=intent.legs,
        scenario=intent.scenario, strategy=intent.strategy, rank_by=intent.rank_by,
        topic=intent.topic, symbols=intent.symbols,
    )  # fmt: skip


def first(outcomes: Sequence[ToolOutcome], name: str) -> ToolOutcome | None:
    for o in outcomes:
        if o.name == name:
            return o
    return None


def listed_expirations(data: Mapping[str, Any]) -> list[date]:
    """Expiration dates from a ``get_expirations`` result: a list of ISO strings or of objects
    with an ``expiration``/``date`` field."""
    out: list[date] = []
    for item in items(data, "expirations", "dates", "result"):
        d = parse_date(item) if isinstance(item, str) else parse_date(
            text(item, "expiration", "date"))  # fmt: skip
        if d is not None:
            out.append(d)
    return sorted(set(out))


def resolved_expiration(
    intent: Intent, expirations_data: Mapping[str, Any], now: datetime, calendar: MarketCalendar
) -> date | None:
    spec = intent.date
    if spec is None and intent.kind is IntentKind.ANALYZE_LEGS:
        # No expiration named for inline legs: the standard monthly is the sane default.
        spec = DateSpec(DateKind.MONTHLY, "monthly")
    return resolve_expiration(spec, now, calendar, listed_expirations(expirations_data))


def strategies_of(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Strategies from a ``get_positions`` result. Accepts ``{"strategies": [{id, underlying,
    name, title, legs: [{id, ...}]}]}`` or a flat ``{"positions": [leg, ...]}`` (grouped here
    by ``strategy_id``)."""
    strategies = [s for s in items(data, "strategies") if isinstance(s, Mapping)]
    if strategies:
        return strategies
    groups: dict[Any, dict[str, Any]] = {}
    for leg in items(data, "positions", "legs", "result"):
        if not isinstance(leg, Mapping):
            continue
        if isinstance(leg.get("legs"), list):  # already strategies under another key
            groups[leg.get("id", len(groups))] = dict(leg)
            continue
        key = leg.get("strategy_id", leg.get("id"))
        group = groups.setdefault(
            key, {"id": key, "underlying": leg.get("symbol") or leg.get("underlying"),
                  "name": leg.get("strategy") or leg.get("strategy_name") or "custom",
                  "legs": []})  # fmt: skip
        group["legs"].append(leg)
    return list(groups.values())


def leg_ids(strategy: Mapping[str, Any]) -> list[int]:
    """The position (leg) ids of a saved strategy."""
    ids = [leg.get("position_id", leg.get("id")) for leg in items(strategy, "legs")
           if isinstance(leg, Mapping)]  # fmt: skip
    out = [int(i) for i in ids if isinstance(i, int) and not isinstance(i, bool)]
    if not out:
        out = [int(i) for i in items(strategy, "position_ids") if isinstance(i, int)]
    return out


_FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    "iron_condor": ("iron_condor",),
    "iron_butterfly": ("iron_butterfly",),
    "butterfly": ("call_butterfly", "put_butterfly", "iron_butterfly"),
    "straddle": ("long_straddle", "short_straddle"),
    "strangle": ("long_strangle", "short_strangle"),
    "call_spread": ("bull_call_spread", "bear_call_spread"),
    "put_spread": ("bull_put_spread", "bear_put_spread"),
    "credit_spread": ("bear_call_spread", "bull_put_spread"),
    "debit_spread": ("bull_call_spread", "bear_put_spread"),
    "spread": ("bull_call_spread", "bear_call_spread", "bull_put_spread", "bear_put_spread",
               "calendar_spread", "diagonal_spread"),
    "call": ("long_call", "short_call", "covered_call"),
    "put": ("long_put", "short_put", "cash_secured_put", "protective_put"),
    "stock": ("long_stock", "short_stock", "covered_call", "protective_put", "collar"),
}  # fmt: skip


def matches(strategy: Mapping[str, Any], intent: Intent) -> bool:
    """Does a saved strategy fit the trader's words (symbol and structure)?"""
    underlying = (text(strategy, "underlying", "symbol") or "").upper()
    if intent.symbols and underlying and underlying not in intent.symbols:
        return False
    if intent.strategy is None:
        return True
    name = (text(strategy, "structure", "name") or "").lower()
    return name in _FAMILIES.get(intent.strategy, (intent.strategy,))


def scenario_arguments(intent: Intent, now: datetime, calendar: MarketCalendar) -> dict[str, Any]:
    sc = intent.scenario
    args: dict[str, Any] = {}
    if sc is None:
        return args
    if sc.underlying_price is not None:
        args["underlying_price"] = sc.underlying_price
    if sc.iv_shift_points is not None:
        args["iv_shift_points"] = sc.iv_shift_points
    if sc.valuation is not None:
        args["valuation_date"] = resolve_valuation_date(sc.valuation, now, calendar).isoformat()
    return args


def chain_mid(chain: Mapping[str, Any] | None, strike: float, right: str) -> float | None:
    """The mid (else the bid/ask midpoint) of ``strike``/``right`` in a chain result."""
    for row in items(chain, "rows", "strikes"):
        if isinstance(row, Mapping) and num(row, "strike") == strike:
            side = row.get(right)
            if not isinstance(side, Mapping):
                return None
            mid = num(side, "mid")
            if mid is None and (b := num(side, "bid")) is not None and (
                    a := num(side, "ask")) is not None:  # fmt: skip
                mid = round((a + b) / 2, 2)
            return mid if mid is not None and mid > 0 else None
    return None


def leg_arguments(
    intent: Intent, expiration: date, symbol: str, chain: Mapping[str, Any] | None = None
) -> list[dict[str, Any]] | None:
    """``analyze_position`` legs; a leg without the trader's price takes the chain's mid.
    ``None`` when some leg has no price either way."""
    out: list[dict[str, Any]] = []
    for leg in intent.legs:
        price = leg.entry_price
        if price is None:
            price = chain_mid(chain, leg.strike, leg.right)
        if price is None:
            return None
        out.append({
            "symbol": symbol, "kind": leg.right, "strike": leg.strike,
            "expiration": expiration.isoformat(), "quantity": leg.quantity, "entry_price": price,
        })  # fmt: skip
    return out


Call = tuple[str, dict[str, Any]]


def next_calls(turn: Turn, now: datetime, calendar: MarketCalendar) -> list[Call] | None:
    """The tool calls to make now, or ``None`` when the answer can be written."""
    intent, done = turn.intent, turn.outcomes
    if turn.rounds >= MAX_ROUNDS:
        return None
    kind, sym = intent.kind, intent.symbol
    if kind in SYMBOL_INTENTS and sym is None:
        return None  # the answer asks which symbol
    simple: dict[IntentKind, Call] = {}
    if sym is not None:
        chart_args: dict[str, Any] = {"symbol": sym, "timeframe": intent.timeframe or "1d"}
        if intent.lookback_days is not None:
            chart_args["lookback_days"] = intent.lookback_days
        simple = {
            IntentKind.LEVELS: (GET_KEY_LEVELS, {"symbol": sym}),
            IntentKind.QUOTE: (GET_QUOTE, {"symbol": sym}),
            IntentKind.CHART: (GET_CHART_DATA, chart_args),
            IntentKind.EXPIRATIONS: (GET_EXPIRATIONS, {"symbol": sym}),
        }
    simple[IntentKind.MARKET_STATUS] = (GET_MARKET_STATUS, {})
    simple[IntentKind.PORTFOLIO_GREEKS] = (GET_PORTFOLIO_GREEKS, {})
    if kind in simple:
        return None if done else [simple[kind]]
    if kind is IntentKind.ADVICE:
        if sym is None or done:
            return None
        return [(GET_QUOTE, {"symbol": sym}), (GET_KEY_LEVELS, {"symbol": sym})]
    if kind in (IntentKind.CHAIN, IntentKind.ANALYZE_LEGS):
        assert sym is not None
        exps = first(done, GET_EXPIRATIONS)
        if exps is None:
            return [(GET_EXPIRATIONS, {"symbol": sym})]
        if not exps.ok:
            return None
        expiration = resolved_expiration(intent, exps.data, now, calendar)
        if expiration is None:
            return None
        if kind is IntentKind.CHAIN:
            if len(done) > 1:
                return None
            return [(GET_OPTIONS_CHAIN, {"symbol": sym, "expiration": expiration.isoformat()})]
        if first(done, ANALYZE_POSITION) is not None:
            return None
        chain = first(done, GET_OPTIONS_CHAIN)
        unpriced = any(leg.entry_price is None for leg in intent.legs)
        if unpriced and chain is None:
            # The analysis needs an entry price per leg: take the market's mids from the chain.
            return [(GET_OPTIONS_CHAIN, {"symbol": sym, "expiration": expiration.isoformat(),
                                         "strikes_around_atm": CHAIN_WIDTH})]  # fmt: skip
        legs = leg_arguments(intent, expiration, sym, chain.data if chain and chain.ok else None)
        if legs is None:
            return None  # a strike without a market price: the answer asks for the price
        args: dict[str, Any] = {"legs": legs}
        args.update(scenario_arguments(intent, now, calendar))
        return [(ANALYZE_POSITION, args)]
    if kind is IntentKind.POSITIONS:
        listing = first(done, GET_POSITIONS)
        if listing is None:
            return [(GET_POSITIONS, {})]
        if not listing.ok or first(done, ANALYZE_POSITION) is not None:
            return None
        chosen = [s for s in strategies_of(listing.data) if matches(s, intent) and leg_ids(s)]
        if not chosen:
            return None
        extra = scenario_arguments(intent, now, calendar)
        return [
            (ANALYZE_POSITION, {"position_ids": leg_ids(s), **extra}) for s in chosen[:MAX_ANALYSES]
        ]
    return None


def analysis_value(data: Mapping[str, Any], metric: str) -> float | None:
    """The figure a ranking compares: dollars per day (theta), dollars per vol point (vega),
    shares (delta, gamma) or dollars (P&L) from an ``analyze_position`` result."""
    greeks = data.get("greeks") if isinstance(data.get("greeks"), Mapping) else None
    if metric == "theta":
        return num(greeks, "theta_dollars_per_day", "theta_per_day")
    if metric == "vega":
        return num(greeks, "vega_dollars_per_vol_point", "vega_per_vol_point")
    if metric == "gamma":
        return num(greeks, "gamma_shares_per_dollar", "gamma")
    if metric == "delta":
        return num(greeks, "delta_shares", "delta")
    return num(data, "pnl_now", "pnl")
