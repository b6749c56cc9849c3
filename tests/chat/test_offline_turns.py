"""Whole offline-coach turns against canned tool results shaped like the real tools' (each
validates against the tool's result model: ``test_tool_schemas``): the tool calls it makes,
step by step, and the answer it streams — every number of which the grounding checker finds
in the results.

``CannedTools`` and ``drive`` are shared with ``test_offline_parsing``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from aicoach.chat.offline.answers import LIMITS, capabilities_text
from aicoach.chat.offline.coach import MAX_ROUNDS, OfflineCoach, chunks
from aicoach.chat.offline.grounding import has_digits, ungrounded
from aicoach.llm.messages import (
    ChatMessage,
    Finished,
    FinishReason,
    LLMEvent,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    ToolSpec,
    Usage,
)
from aicoach.llm.ports import LLM
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.simulation.options_surface import listed_expirations
from tests.helpers.coach import skill_registry
from tests.journal import canned as journal_canned

CAL = MarketCalendar()
#: Wednesday 2026-11-25 15:00 New York, the day before Thanksgiving (Friday is an early close).
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
TOOL_NAMES = (
    "get_key_levels", "get_quote", "get_chart_data", "get_market_status", "get_expirations",
    "get_options_chain", "analyze_position", "get_positions", "get_portfolio_greeks",
)  # fmt: skip
SPECS = [ToolSpec(n, f"{n} tool") for n in TOOL_NAMES]
AS_OF = "2026-11-25T20:00:00+00:00"
SKILLS = skill_registry()
CAPABILITIES = capabilities_text(SKILLS.capabilities())
SPOT = {"SPY": 685.12, "QQQ": 615.4, "AAPL": 271.35, "TSLA": 450.12, "NVDA": 187.3, "IWM": 248.6,
        "MSFT": 483.2}  # fmt: skip


def levels(symbol: str) -> dict[str, Any]:
    p = SPOT[symbol]
    return {
        "symbol": symbol, "price": p,
        "nearest_support": {"label": "Prior day low", "price": round(p - 2.82, 2),
                            "distance_dollars": -2.82, "distance_percent": -0.41},
        "nearest_resistance": {"label": "Classic daily R1", "price": round(p + 2.88, 2),
                               "distance_dollars": 2.88, "distance_percent": 0.42},
        "atr_daily": 7.85,
        "top_levels": [
            {"label": "Prior week high", "kind": "prior_week_high", "price": round(p + 5.1, 2),
             "distance_dollars": 5.1, "strength": 71},
            {"label": "Classic daily R1", "kind": "pivot", "price": round(p + 2.88, 2),
             "distance_dollars": 2.88, "strength": 55},
            {"label": "VWAP", "kind": "vwap", "price": round(p - 0.22, 2),
             "distance_dollars": -0.22, "strength": 60},
            {"label": "Prior day low", "kind": "prior_day_low", "price": round(p - 2.82, 2),
             "distance_dollars": -2.82, "strength": 80},
            {"label": "SMA 50", "kind": "moving_average", "price": round(p - 9.4, 2),
             "distance_dollars": -9.4, "strength": 64},
        ],
        "source": "simulated", "as_of": AS_OF, "rsi_daily": 55.31, "vwap": round(p - 0.22, 2),
        "session_date": "2026-11-25", "market_phase": "regular", "stale": False,
    }  # fmt: skip


def quote(symbol: str) -> dict[str, Any]:
    p = SPOT[symbol]
    return {
        "symbol": symbol, "last": p, "change": -3.2, "change_percent": -0.71,
        "bid": round(p - 0.02, 2), "ask": round(p + 0.02, 2), "source": "simulated",
        "as_of": AS_OF, "prev_close": round(p + 3.2, 2), "day_open": round(p + 1.0, 2),
        "day_high": round(p + 2.5, 2), "day_low": round(p - 4.75, 2), "day_volume": 41234567,
        "stale": False,
    }  # fmt: skip


def chart(symbol: str, timeframe: str) -> dict[str, Any]:
    p = SPOT[symbol]
    bars = [{"t": "2026-11-25T19:55:00Z", "o": p - 0.5, "h": p + 0.1, "l": p - 0.6, "c": p,
             "v": 120000}]  # fmt: skip
    return {
        "symbol": symbol, "timeframe": timeframe, "bar_count": 234, "source": "simulated",
        "as_of": AS_OF, "stale": False, "high": round(p + 6.0, 2), "low": round(p - 8.0, 2),
        "first_open": round(p - 5.0, 2), "last_close": p, "change": 5.0, "change_percent": 0.73,
        "total_volume": 51234567, "bars": bars,
    }  # fmt: skip


def market_status(now: datetime = NOW) -> dict[str, Any]:
    st = CAL.status(now)
    s = st.session
    return {
        "phase": st.phase.value, "now": now.isoformat(),
        "session_date": s.date.isoformat() if s else None,
        "regular_open": s.open_at.isoformat() if s else None,
        "regular_close": s.close_at.isoformat() if s else None,
        "next_open": st.next_open.isoformat() if st.next_open else None,
        "next_close": st.next_close.isoformat() if st.next_close else None,
        "is_early_close": st.is_early_close, "source": "simulated",
    }  # fmt: skip


def expirations(symbol: str, today: date = date(2026, 11, 25)) -> dict[str, Any]:
    listed = listed_expirations(CAL, today, daily=symbol in ("SPY", "QQQ", "IWM"))
    rows = [{"expiration": e.isoformat(), "days": (e - today).days,
             "cycle": "monthly" if CAL.is_monthly_expiration(e) else "weekly"}
            for e in listed[:30]]  # fmt: skip
    return {"symbol": symbol, "expirations": rows, "total_listed": len(listed), "stale": False}


def chain(symbol: str, expiration: str, width: int = 10) -> dict[str, Any]:
    p = SPOT[symbol]
    centre = round(p)
    rows = []
    for k in range(centre - width, centre + width + 1):
        call_mid = round(max(0.05, p - k) + 6.0 - abs(p - k) * 0.2, 2)
        put_mid = round(max(0.05, k - p) + 5.7 - abs(p - k) * 0.2, 2)
        rows.append({
            "strike": float(k),
            "call": {"bid": round(call_mid - 0.02, 2), "ask": round(call_mid + 0.02, 2),
                     "mid": call_mid, "iv": 0.1834, "delta": round(0.5 - (k - p) / 40, 4),
                     "gamma": 0.0213, "theta": -0.41, "vega": 0.52, "volume": 1200,
                     "open_interest": 15000 + 100 * (k % 7)},
            "put": {"bid": round(put_mid - 0.02, 2), "ask": round(put_mid + 0.02, 2),
                    "mid": put_mid, "iv": 0.1851, "delta": round(-0.5 - (k - p) / 40, 4),
                    "gamma": 0.0213, "theta": -0.39, "vega": 0.52, "volume": 900,
                    "open_interest": 12000 + 100 * (k % 5)},
        })  # fmt: skip
    return {
        "symbol": symbol, "expiration": expiration, "underlying_price": p, "rows": rows,
        "days_to_expiry": (date.fromisoformat(expiration) - date(2026, 11, 25)).days,
        "atm_iv": 0.1842, "model": "bjerksund-stensland-2002", "source": "simulated",
        "as_of": AS_OF, "stale": False,
    }  # fmt: skip


#: Saved strategies: a SPY iron condor (legs 1-4), an AAPL short put (5), a QQQ call spread (6-7).
POSITIONS: dict[str, Any] = {
    "strategies": [
        {"strategy_id": 1, "label": "Iron condor 660/670/700/710 Dec 18",
         "structure": "iron_condor", "underlying": "SPY", "pnl_now": 84.5,
         "legs": [{"position_id": i, "kind": k, "strike": s, "expiration": "2026-12-18",
                   "quantity": q, "entry_price": e}
                  for i, k, s, q, e in ((1, "put", 660.0, 1, 1.2), (2, "put", 670.0, -1, 2.4),
                                        (3, "call", 700.0, -1, 2.1), (4, "call", 710.0, 1, 0.9))]},
        {"strategy_id": 2, "label": "Short put 250 Dec 18", "structure": "short_put",
         "underlying": "AAPL", "pnl_now": -31.0,
         "legs": [{"position_id": 5, "kind": "put", "strike": 250.0, "expiration": "2026-12-18",
                   "quantity": -1, "entry_price": 3.1}]},
        {"strategy_id": 3, "label": "Bull call spread 610/620 Dec 4",
         "structure": "bull_call_spread", "underlying": "QQQ", "pnl_now": 120.0,
         "legs": [{"position_id": 6, "kind": "call", "strike": 610.0, "expiration": "2026-12-04",
                   "quantity": 1, "entry_price": 8.0},
                  {"position_id": 7, "kind": "call", "strike": 620.0, "expiration": "2026-12-04",
                   "quantity": -1, "entry_price": 3.5}]},
    ],
    "total_pnl": 173.5, "warnings": [],
}  # fmt: skip

_BY_IDS: dict[tuple[int, ...], dict[str, Any]] = {
    (1, 2, 3, 4): {"symbol": "SPY", "strategy": "Iron condor 660/670/700/710 Dec 18",
                   "theta": 10.16, "pnl": 84.5, "first": "2026-12-18", "pop": 62.78,
                   "max_gain": 240.0, "max_loss": 760.0, "be": [667.6, 702.4], "delta": -4.27},
    (5,): {"symbol": "AAPL", "strategy": "Short put 250 Dec 18", "theta": 3.2, "pnl": -31.0,
           "first": "2026-12-18", "pop": 81.2, "max_gain": 310.0, "max_loss": 24690.0,
           "be": [246.9], "delta": 18.4},
    (6, 7): {"symbol": "QQQ", "strategy": "Bull call spread 610/620 Dec 4", "theta": -4.5,
             "pnl": 120.0, "first": "2026-12-04", "pop": 55.1, "max_gain": 550.0,
             "max_loss": 450.0, "be": [614.5], "delta": 31.9},
}  # fmt: skip


def analysis(args: dict[str, Any]) -> dict[str, Any]:
    if args.get("position_ids"):
        base = _BY_IDS[tuple(args["position_ids"])]
        sym = base["symbol"]
    else:
        legs = args["legs"]
        sym = legs[0]["symbol"]
        ks = "/".join(f"{leg['strike']:g}" for leg in legs)
        base = {"symbol": sym, "strategy": f"{sym} {ks} custom", "theta": -2.5, "pnl": 0.0,
                "first": legs[0]["expiration"], "pop": 48.5, "max_gain": 640.0,
                "max_loss": 360.0, "be": [float(legs[0]["strike"]) + 3.6],
                "delta": 22.1}  # fmt: skip
    spot = args.get("underlying_price") or SPOT[sym]
    valuation = (f"{args['valuation_date']}T18:00:00+00:00" if args.get("valuation_date")
                 else AS_OF)  # fmt: skip
    return {
        "symbol": sym, "strategy": base["strategy"], "spot": spot, "valuation_at": valuation,
        "first_expiration": base["first"], "entry_cost": -240.0 if base["theta"] > 0 else 450.0,
        "value_now": 155.5, "pnl_now": base["pnl"], "max_gain": base["max_gain"],
        "max_loss": base["max_loss"], "max_gain_unlimited": False, "max_loss_unlimited": False,
        "breakevens": base["be"],
        "greeks": {"delta": base["delta"], "gamma": -0.89, "theta_per_day": base["theta"],
                   "vega_per_vol_point": -35.66},
        "probability_of_profit_percent": base["pop"], "expected_move": 26.85,
        "pnl_at_levels": [{"label": "Prior day low", "price": round(spot - 2.82, 2),
                           "pnl_now": 60.0, "pnl_at_expiry": 240.0}],
        "legs": [], "warnings": [], "source": "simulated", "quote_as_of": AS_OF,
    }  # fmt: skip


PORTFOLIO: dict[str, Any] = {
    "underlyings": [
        {"underlying": "SPY", "spot": 685.12, "beta": 1.0, "delta_shares": -4.27,
         "delta_dollars": -2925.46, "gamma_shares_per_dollar": -0.89,
         "gamma_dollars_per_pct": -4177.6, "theta_dollars_per_day": 10.16,
         "vega_dollars_per_vol_point": -35.66, "beta_weighted_delta": -4.27},
        {"underlying": "AAPL", "spot": 271.35, "beta": 1.15, "delta_shares": 18.4,
         "delta_dollars": 4992.84, "gamma_shares_per_dollar": -0.71,
         "gamma_dollars_per_pct": -522.8, "theta_dollars_per_day": 3.2,
         "vega_dollars_per_vol_point": -21.3, "beta_weighted_delta": 8.3804},
    ],
    "spy_price": 685.12, "delta_dollars": 2067.38, "gamma_dollars_per_pct": -4700.4,
    "theta_dollars_per_day": 13.36, "vega_dollars_per_vol_point": -56.96,
    "beta_weighted_delta": 4.1104, "beta_weighted_delta_dollars": 2816.12, "unweighted": [],
    "phrases": {"beta_weighted_delta": "moves like 4 SPY shares long: about $28 made per 1% "
                                       "rise in SPY",
                "theta": "earning $13 a day from theta",
                "vega": "loses $57 for each 1-point rise in implied volatility across the book"},
    "warnings": [], "as_of": AS_OF,
}  # fmt: skip


@dataclass
class CannedTools:
    """Tool implementations returning canned data; ``overrides`` replace one tool's result."""

    overrides: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # tool name → literal content

    def content(self, name: str, args: dict[str, Any]) -> str:
        if name in self.raw:
            return self.raw[name]
        if name in self.overrides:
            return json.dumps(self.overrides[name](args))
        if name in journal_canned.JOURNAL_TOOLS:
            return json.dumps(journal_canned.content(name, args))
        sym = str(args.get("symbol", "")).upper()
        if sym and sym not in SPOT:
            return json.dumps({"error": f"Unknown symbol '{sym}'."})
        data: dict[str, Any] = {
            "get_key_levels": lambda: levels(sym),
            "get_quote": lambda: quote(sym),
            "get_chart_data": lambda: chart(sym, args.get("timeframe", "1d")),
            "get_market_status": market_status,
            "get_expirations": lambda: expirations(sym),
            "get_options_chain": lambda: chain(sym, args["expiration"],
                                               args.get("strikes_around_atm", 10)),
            "analyze_position": lambda: analysis(args),
            "get_positions": lambda: POSITIONS,
            "get_portfolio_greeks": lambda: PORTFOLIO,
        }[name]()  # fmt: skip
        return json.dumps(data)


@dataclass
class Run:
    answer: str
    calls: list[tuple[str, dict[str, Any]]]
    results: list[str]
    events: list[list[LLMEvent]]
    messages: list[ChatMessage]


async def drive(
    coach: LLM, messages: list[ChatMessage], tools: CannedTools | None = None,
    specs: list[ToolSpec] | None = None, max_steps: int = 8,
) -> Run:  # fmt: skip
    """A minimal tool loop (the chat service's, without HTTP or storage) over one turn."""
    tools = tools or CannedTools()
    msgs = list(messages)
    run = Run("", [], [], [], msgs)
    for _ in range(max_steps):
        events = [e async for e in coach.stream(msgs, specs if specs is not None else SPECS,
                                                temperature=0.0, max_tokens=1000)]  # fmt: skip
        run.events.append(events)
        assert isinstance(events[-1], Finished)
        assert sum(isinstance(e, Finished) for e in events) == 1
        assert [e for e in events if isinstance(e, Usage)] == [Usage(0, 0)]
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        calls = [e.call for e in events if isinstance(e, ToolCallRequested)]
        if events[-1].reason is FinishReason.STOP:
            assert not calls
            run.answer = text
            msgs.append(ChatMessage.assistant(text))
            return run
        assert events[-1].reason is FinishReason.TOOL_CALLS and calls
        msgs.append(ChatMessage.assistant(text, tuple(calls)))
        for call in calls:
            run.calls.append((call.name, call.arguments))
            content = tools.content(call.name, call.arguments)
            run.results.append(content)
            msgs.append(ChatMessage.tool_result(call.id, content, name=call.name))
    raise AssertionError("the coach never answered")


def coach_at(now: datetime = NOW) -> OfflineCoach:
    return OfflineCoach(SKILLS, lambda: now, CAL)


async def ask(text: str, history: list[ChatMessage] | None = None, **kw: Any) -> Run:
    run = await drive(coach_at(kw.pop("now", NOW)), [*(history or []), ChatMessage.user(text)],
                      **kw)  # fmt: skip
    problems = ungrounded(run.answer, run.results)
    assert not problems, (text, run.answer, problems)
    return run


# --- the adapter ------------------------------------------------------------------------------


def test_identity_and_protocol() -> None:
    coach = coach_at()
    assert isinstance(coach, LLM)
    assert (coach.name, coach.label) == ("offline", "Offline coach")


async def test_streams_in_chunks_then_usage_then_stop() -> None:
    run = await ask("where are spy's levels")
    final = run.events[-1]
    deltas = [e for e in final if isinstance(e, TextDelta)]
    assert len(deltas) >= 3, "the answer streams in several pieces"
    assert final[-2:] == [Usage(0, 0), Finished(FinishReason.STOP)]
    first_step = run.events[0]
    assert first_step == [
        ToolCallRequested(ToolCall("offline_1_1_1", "get_key_levels", {"symbol": "SPY"})),
        Usage(0, 0), Finished(FinishReason.TOOL_CALLS),
    ]  # fmt: skip


def test_chunks_rejoin_exactly() -> None:
    text = "Line one.\nA second sentence. And a third one! " * 20
    pieces = chunks(text, 50)
    assert "".join(pieces) == text
    assert len(pieces) > 5


async def test_same_conversation_same_events() -> None:
    a = await ask("spy chain for next friday")
    b = await ask("spy chain for next friday")
    assert a.events == b.events


async def test_no_user_message_lists_capabilities() -> None:
    events = [e async for e in coach_at().stream([ChatMessage.system("x")], SPECS,
                                                 temperature=0, max_tokens=10)]  # fmt: skip
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == CAPABILITIES


# --- market answers ---------------------------------------------------------------------------


async def test_levels_answer() -> None:
    run = await ask("levles on aapl")
    assert run.calls == [("get_key_levels", {"symbol": "AAPL"})]
    a = run.answer
    assert "**AAPL key levels** — AAPL is at $271.35." in a
    assert "Nearest support: **Prior day low** at $268.53, $2.82 below (0.41%)." in a
    assert "Nearest resistance: **Classic daily R1** at $274.23, $2.88 above (0.42%)." in a
    assert "daily ATR $7.85" in a and "SMA 50 $261.95" in a
    assert "Simulated data as of 3:00 pm ET" in a
    assert "can't tell you which one will hold" in a


async def test_quote_answer_says_direction_in_words() -> None:
    run = await ask("what's tsla trading at")
    assert run.calls == [("get_quote", {"symbol": "TSLA"})]
    assert "**TSLA** is at **$450.12**, down $3.20 (-0.71%) from the prior close of $453.32." in (
        run.answer)  # fmt: skip
    assert "Bid $450.10 / ask $450.14." in run.answer


async def test_chart_answer() -> None:
    run = await ask("show me a 5 minute chart of spy")
    assert run.calls == [("get_chart_data", {"symbol": "SPY", "timeframe": "5m"})]
    assert "**SPY 5m chart** — 234 bars" in run.answer
    assert "between $677.12 and $691.12" in run.answer


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW, "**The market is open** (regular session). It closes at 4:00 pm ET."),
        (datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
         "It closes at 1:00 pm ET — an early close today."),
        (datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
         "**The market is closed.** Today is not a trading day. The next regular session opens "
         "Fri Nov 27, 9:30 am ET and closes 1:00 pm ET."),
        (datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
         "**It's pre-market**: the regular session hasn't opened yet. It opens at 9:30 am ET and "
         "closes at 4:00 pm ET."),
        (datetime(2026, 11, 25, 23, 0, tzinfo=UTC),
         "Today's session closed at 4:00 pm ET. The next regular session opens Fri Nov 27, "
         "9:30 am ET."),
    ],
)  # fmt: skip
async def test_market_status(now: datetime, expected: str) -> None:
    tools = CannedTools(overrides={"get_market_status": lambda _: market_status(now)})
    run = await ask("is the market open rn", now=now, tools=tools)
    assert run.calls == [("get_market_status", {})]
    assert expected in run.answer


async def test_tool_error_is_said_plainly() -> None:
    run = await ask("XYZ levels")
    assert run.calls == [("get_key_levels", {"symbol": "XYZ"})]
    assert run.answer == "I couldn't get that: Unknown symbol 'XYZ'."


async def test_non_json_tool_output_is_an_error_message() -> None:
    tools = CannedTools(raw={"get_quote": "upstream timeout"})
    run = await ask("price of msft", tools=tools)
    assert run.answer == "I couldn't get that: upstream timeout"


async def test_tool_not_offered_is_said() -> None:
    run = await ask("key levels qqq", specs=[ToolSpec("get_quote", "q")])
    assert run.calls == []
    assert "isn't available" in run.answer and not has_digits(run.answer)


# --- no-tool answers: no digits at all -------------------------------------------------------


@pytest.mark.parametrize("prompt", ["what is gamma", "explain theta", "what's an iron condor",
                                    "what does vwap mean", "define a covered call"])  # fmt: skip
async def test_explanations_call_no_tool_and_state_no_number(prompt: str) -> None:
    run = await ask(prompt)
    assert run.calls == []
    assert not has_digits(run.answer)
    assert run.answer.startswith("**")


@pytest.mark.parametrize("prompt", ["tell me a joke", "hello", "", "asdf qwerty"])
async def test_unknown_and_help_list_capabilities_without_numbers(prompt: str) -> None:
    run = await ask(prompt)
    assert run.calls == []
    assert CAPABILITIES in run.answer and LIMITS in run.answer
    assert not has_digits(run.answer)


async def test_advice_gives_data_and_declines_the_opinion() -> None:
    run = await ask("should i buy nvda here?")
    assert [n for n, _ in run.calls] == ["get_quote", "get_key_levels"]
    assert run.answer.startswith("I can't tell you whether to buy or sell")
    assert "$187.30" in run.answer and LIMITS in run.answer


async def test_no_symbol_anywhere_asks_which() -> None:
    run = await ask("show me the key levels")
    assert run.calls == []
    assert run.answer.startswith("Which symbol do you want key levels for?")
    assert not has_digits(run.answer)


# --- conversation memory ----------------------------------------------------------------------


async def test_symbol_and_intent_carry_over_from_history() -> None:
    first = await ask("key levels for nvidia")
    assert first.calls == [("get_key_levels", {"symbol": "NVDA"})]
    chart_run = await ask("now show me the daily chart", history=first.messages)
    assert chart_run.calls == [("get_chart_data", {"symbol": "NVDA", "timeframe": "1d"})]
    follow = await ask("and qqq?", history=first.messages)
    assert follow.calls == [("get_key_levels", {"symbol": "QQQ"})]
    again = await ask("and iwm?", history=follow.messages)
    assert again.calls == [("get_key_levels", {"symbol": "IWM"})]
    ids = [c.id for m in again.messages for c in m.tool_calls]
    assert len(ids) == len(set(ids)), "tool call ids stay unique across turns"


async def test_round_limit_answers_with_what_it_has() -> None:
    msgs: list[ChatMessage] = [ChatMessage.user("analyze my positions")]
    for i in range(MAX_ROUNDS):
        call = ToolCall(f"c{i}", "get_market_status", {})
        msgs += [ChatMessage.assistant("", (call,)),
                 ChatMessage.tool_result(call.id, '{"error": "limit"}')]  # fmt: skip
    events = [e async for e in coach_at().stream(msgs, SPECS, temperature=0, max_tokens=9)]
    assert events[-1] == Finished(FinishReason.STOP)
    assert not any(isinstance(e, ToolCallRequested) for e in events)


# --- options: chains, expirations, inline legs -----------------------------------------------


async def test_chain_for_next_friday_two_steps() -> None:
    run = await ask("spy chain for next friday")
    assert run.calls == [
        ("get_expirations", {"symbol": "SPY"}),
        ("get_options_chain", {"symbol": "SPY", "expiration": "2026-12-04"}),
    ]
    a = run.answer
    assert a.startswith("**SPY options expiring Fri Dec 4** (9 days to expiry) — SPY at $685.12.")
    assert "That's the listed expiration closest to “next friday”." in a
    assert "the **685 strike**: call bid" in a and "IV 18.3%" in a


async def test_iv_question_uses_the_monthly() -> None:
    run = await ask("what's the iv on spy")
    assert run.calls[-1] == ("get_options_chain", {"symbol": "SPY", "expiration": "2026-12-18"})
    assert "At-the-money implied volatility for this expiration: **18.4%**." in run.answer
    assert "closest to" not in run.answer


async def test_expirations_list() -> None:
    run = await ask("expirations for aapl")
    assert run.calls == [("get_expirations", {"symbol": "AAPL"})]
    assert "- Fri Nov 27 (weekly, 2 days)" in run.answer
    assert "Next standard monthly: Fri Dec 18." in run.answer


async def test_inline_spread_priced_from_chain_mids() -> None:
    run = await ask("analyze a 680/690 bull call spread on spy expiring dec 19")
    names = [n for n, _ in run.calls]
    assert names == ["get_expirations", "get_options_chain", "analyze_position"]
    assert run.calls[1][1] == {"symbol": "SPY", "expiration": "2026-12-18",
                               "strikes_around_atm": 30}  # fmt: skip
    mids = {row["strike"]: row["call"]["mid"] for row in json.loads(run.results[1])["rows"]}
    assert run.calls[2][1] == {"legs": [
        {"symbol": "SPY", "kind": "call", "strike": 680.0, "expiration": "2026-12-18",
         "quantity": 1, "entry_price": mids[680.0]},
        {"symbol": "SPY", "kind": "call", "strike": 690.0, "expiration": "2026-12-18",
         "quantity": -1, "entry_price": mids[690.0]},
    ]}  # fmt: skip
    assert "valued at the market's prices" in run.answer
    assert "can't tell you whether to hold" in run.answer


async def test_inline_leg_with_price_skips_the_chain() -> None:
    run = await ask("what if I sell the 250 put on aapl for 2.50")
    assert [n for n, _ in run.calls] == ["get_expirations", "analyze_position"]
    assert run.calls[1][1] == {"legs": [
        {"symbol": "AAPL", "kind": "put", "strike": 250.0, "expiration": "2026-12-18",
         "quantity": -1, "entry_price": 2.5}]}  # fmt: skip
    assert "You didn't name an expiration, so I used the standard monthly." in run.answer


async def test_inline_strike_without_market_price_asks_for_it() -> None:
    run = await ask("analyze a 500/510 bull put spread on spy for the monthly")
    assert [n for n, _ in run.calls] == ["get_expirations", "get_options_chain"]
    assert "couldn't find a market price" in run.answer


# --- positions, what-ifs, portfolio -----------------------------------------------------------


async def test_analyze_all_positions() -> None:
    run = await ask("analyze my positions")
    assert run.calls[0] == ("get_positions", {})
    assert run.calls[1:] == [("analyze_position", {"position_ids": ids})
                             for ids in ([1, 2, 3, 4], [5], [6, 7])]  # fmt: skip
    assert "**Iron condor 660/670/700/710 Dec 18**" in run.answer


async def test_how_is_my_condor_picks_only_the_condor() -> None:
    run = await ask("how's my iron condor doing?")
    assert run.calls[1:] == [("analyze_position", {"position_ids": [1, 2, 3, 4]})]
    a = run.answer
    assert "max gain $240.00, max loss $760.00, breakevens $667.60 and $702.40" in a
    assert "probability of profit 62.78%" in a


async def test_theta_bleed_ranking() -> None:
    run = await ask("which of my positions bleeds most theta")
    assert len(run.calls) == 4
    assert run.answer.startswith(
        "By theta (dollars a day), **Bull call spread 610/620 Dec 4** ranks first at -$4.50."
    )
    order = run.answer.index("- Bull call spread"), run.answer.index("- Short put 250")
    assert order[0] < order[1]


async def test_what_if_price_targets_that_symbols_positions() -> None:
    run = await ask("what if SPY goes to 600")
    expected = {"position_ids": [1, 2, 3, 4], "underlying_price": 600.0}
    assert run.calls[1:] == [("analyze_position", expected)]
    assert "Scenario: the underlying at $600.00." in run.answer


async def test_what_if_iv_and_date_on_the_condor() -> None:
    run = await ask("what does my condor look like if IV drops 5 points by Friday")
    assert run.calls[1:] == [
        (
            "analyze_position",
            {"position_ids": [1, 2, 3, 4], "iv_shift_points": -5.0, "valuation_date": "2026-11-27"},
        )
    ]
    assert "Scenario: implied volatility shifted as you described, valued Fri Nov 27" in (
        run.answer)  # fmt: skip


async def test_no_matching_position_is_said() -> None:
    run = await ask("how's my tsla strangle")
    assert run.calls == [("get_positions", {})]
    assert run.answer.startswith("None of your saved positions matches strangle on TSLA.")


async def test_no_positions_at_all() -> None:
    empty = {"strategies": [], "total_pnl": None, "warnings": []}
    tools = CannedTools(overrides={"get_positions": lambda _: empty})
    run = await ask("analyze my positions", tools=tools)
    assert "no saved positions" in run.answer and not has_digits(run.answer)


async def test_portfolio_greeks() -> None:
    run = await ask("what's my net delta")
    assert run.calls == [("get_portfolio_greeks", {})]
    a = run.answer
    assert "Net delta: +$2,067.38 of delta dollars — like 4.1 SPY shares long" in a
    assert "- AAPL: delta 18.4 shares long (+$4,992.84), theta +$3.20 a day" in a
    assert "earning $13 a day from theta" in a
