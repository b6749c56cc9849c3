"""Trader prompts (typos, lower case, company names, relative dates, inline legs, what-ifs) →
the exact tool calls the offline coach makes over the whole turn, on canned tool results at
Wed 2026-11-25 15:00 ET, and which skill wins each. Every answer is also run through the
grounding checker (``ask``). ``NOT_YET`` are requests for features that do not exist yet: they
must not be routed to a tool that would answer something else."""

from __future__ import annotations

import re
from typing import Any

import pytest

from aicoach.chat.offline.request import Request, read_request
from aicoach.chat.offline.symbols import find_symbols
from aicoach.coach.skills import Match
from tests.chat.test_offline_turns import CAL, NOW, SKILLS, ask

Calls = list[tuple[str, dict[str, Any]]]
POS = ("get_positions", {})


def lv(s: str) -> Calls:
    return [("get_key_levels", {"symbol": s})]


def qt(s: str) -> Calls:
    return [("get_quote", {"symbol": s})]


def ch(s: str, exp: str) -> Calls:
    return [("get_expirations", {"symbol": s}),
            ("get_options_chain", {"symbol": s, "expiration": exp})]  # fmt: skip


def an(ids: list[int], **extra: Any) -> tuple[str, dict[str, Any]]:
    return ("analyze_position", {"position_ids": ids, **extra})


ALL = [an([1, 2, 3, 4]), an([5]), an([6, 7])]

CASES: list[tuple[str, Calls]] = [
    # key levels
    ("where are spy's levels", lv("SPY")),
    ("key levels qqq", lv("QQQ")),
    ("support and resistance for nvda", lv("NVDA")),
    ("levles on aapl", lv("AAPL")),
    ("Key Levels $IWM", lv("IWM")),
    ("what are the pivots on the s&p", lv("SPY")),
    ("nvidea suport levels", lv("NVDA")),
    ("resistance on msft?", lv("MSFT")),
    # quotes
    ("what's tsla trading at", qt("TSLA")),
    ("price of msft", qt("MSFT")),
    ("how's apple doing today", qt("AAPL")),
    ("$NVDA", qt("NVDA")),
    ("where is the nasdaq right now", qt("QQQ")),
    ("how's the market doing", qt("SPY")),
    ("quote russell", qt("IWM")),
    # charts
    ("show me a 5 minute chart of spy", [("get_chart_data", {"symbol": "SPY", "timeframe": "5m"})]),
    ("daily chart iwm", [("get_chart_data", {"symbol": "IWM", "timeframe": "1d"})]),
    ("spy 15m chart", [("get_chart_data", {"symbol": "SPY", "timeframe": "15m"})]),
    ("hourly candles on tesla for the last 10 days",
     [("get_chart_data", {"symbol": "TSLA", "timeframe": "1h", "lookback_days": 10})]),
    ("weekly chart aapl", [("get_chart_data", {"symbol": "AAPL", "timeframe": "1w"})]),
    ("cahrt qqq 1 min", [("get_chart_data", {"symbol": "QQQ", "timeframe": "1m"})]),
    # chains and expirations (relative dates resolved on the listed expirations)
    ("spy chain for next friday", ch("SPY", "2026-12-04")),
    ("spy options this friday", ch("SPY", "2026-11-27")),
    ("0dte options spy", ch("SPY", "2026-11-25")),
    ("qqq options in two weeks", ch("QQQ", "2026-12-09")),
    ("show me the dec 19 spy chain", ch("SPY", "2026-12-18")),
    ("aapl chain 12/19", ch("AAPL", "2026-12-18")),
    ("aapl chain 2027-01-15", ch("AAPL", "2027-01-15")),
    ("spy options tomorrow", ch("SPY", "2026-11-27")),
    ("qqq chain end of month", ch("QQQ", "2026-11-30")),
    ("nvda monthly options", ch("NVDA", "2026-12-18")),
    ("january leaps on aapl", ch("AAPL", "2028-01-21")),
    ("iwm chain", ch("IWM", "2026-11-25")),
    ("whats the iv on msft", ch("MSFT", "2026-12-18")),
    ("expirations for aapl", [("get_expirations", {"symbol": "AAPL"})]),
    ("when do tsla options expire", [("get_expirations", {"symbol": "TSLA"})]),
    # the trader's positions and portfolio
    ("analyze my positions", [POS, *ALL]),
    ("anaylze my positons", [POS, *ALL]),
    ("how's my iron condor", [POS, an([1, 2, 3, 4])]),
    ("how is my aapl put doing", [POS, an([5])]),
    ("which of my positions bleeds most theta", [POS, *ALL]),
    ("my qqq spread?", [POS, an([6, 7])]),
    ("what's my net delta", [("get_portfolio_greeks", {})]),
    ("portfolio greeks", [("get_portfolio_greeks", {})]),
    ("how much theta am i collecting", [("get_portfolio_greeks", {})]),
    # what-ifs
    ("what if SPY goes to 600", [POS, an([1, 2, 3, 4], underlying_price=600.0)]),
    ("what does my condor look like if IV drops 5 points by Friday",
     [POS, an([1, 2, 3, 4], iv_shift_points=-5.0, valuation_date="2026-11-27")]),
    ("what if iv rises 3 points on my positions",
     [POS, *(an(a[1]["position_ids"], iv_shift_points=3.0) for a in ALL)]),
    ("what happens to my aapl put if aapl drops to 240 by next friday",
     [POS, an([5], underlying_price=240.0, valuation_date="2026-12-04")]),
    # inline legs (priced from the chain's mids when no price is given)
    ("what if I sell the 250 put on aapl for 2.50",
     [("get_expirations", {"symbol": "AAPL"}),
      ("analyze_position", {"legs": [{"symbol": "AAPL", "kind": "put", "strike": 250.0,
                                      "expiration": "2026-12-18", "quantity": -1,
                                      "entry_price": 2.5}]})]),
    ("buy 2 tsla 460 calls at 12.40 expiring next friday",
     [("get_expirations", {"symbol": "TSLA"}),
      ("analyze_position", {"legs": [{"symbol": "TSLA", "kind": "call", "strike": 460.0,
                                      "expiration": "2026-12-04", "quantity": 2,
                                      "entry_price": 12.4}]})]),
    # market status
    ("is the market open", [("get_market_status", {})]),
    ("when does the market close today", [("get_market_status", {})]),
    ("is the stock market closed tomorrow for the holiday", [("get_market_status", {})]),
    # no tools
    ("what is gamma", []),
    ("explain theta", []),
    ("what's an iron condor", []),
    ("tell me a joke", []),
    ("hi", []),
]  # fmt: skip


NOT_YET: list[tuple[str, str]] = [
    ("scan for high iv stocks", "scanner"),
    ("which stocks have the highest iv", "scanner"),
    ("alert me when spy hits 600", "alerts"),
    ("notify me if qqq drops below 600", "alerts"),
    ("upload a screenshot of my broker", "screenshots"),
    ("connect openai", "ai_provider"),
]
#: The places an answer may send the trader to (the app has these and no others yet).
TABS = {"Chart", "Options"}


def winner(text: str) -> Match[Request]:
    return SKILLS.match(read_request(text, NOW, CAL))


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 45


@pytest.mark.parametrize(("prompt", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_prompt_to_tool_calls(prompt: str, expected: Calls) -> None:
    run = await ask(prompt)
    assert run.calls == expected


@pytest.mark.parametrize("prompt", [c[0] for c in CASES])
def test_no_case_is_decided_by_the_tie_break(prompt: str) -> None:
    ranked = SKILLS.ranked(read_request(prompt, NOW, CAL))
    if len(ranked) > 1:
        assert ranked[0].score > ranked[1].score, [(m.skill.name, m.score) for m in ranked]


@pytest.mark.parametrize(("prompt", "missing"), NOT_YET, ids=[c[0] for c in NOT_YET])
async def test_features_that_do_not_exist_yet_get_a_short_not_yet(
    prompt: str, missing: str
) -> None:
    match = winner(prompt)
    assert (match.skill.name, match.params.name) == ("not_yet", missing)
    run = await ask(prompt)
    assert run.calls == [], "no tool answers a question it was not built for"
    assert run.answer.startswith("I can't"), run.answer
    assert len(run.answer.splitlines()) <= 2 and "Here is what I can do" not in run.answer
    assert set(re.findall(r"\b([A-Z]\w+) tab\b", run.answer)) <= TABS
    assert "setting" not in run.answer.lower()


async def test_inline_condor_legs_and_signs() -> None:
    run = await ask("analyze a 670/675/695/700 iron condor on spy for the monthly")
    legs = run.calls[-1][1]["legs"]
    assert [(x["kind"], x["strike"], x["quantity"]) for x in legs] == [
        ("put", 670.0, 1),
        ("put", 675.0, -1),
        ("call", 695.0, -1),
        ("call", 700.0, 1),
    ]
    assert {x["expiration"] for x in legs} == {"2026-12-18"}
    assert all(x["entry_price"] > 0 for x in legs)


@pytest.mark.parametrize(
    ("text", "legs"),
    [
        ("short 685 straddle on spy", [("call", 685.0, -1), ("put", 685.0, -1)]),
        ("long 680/690 strangle on spy", [("put", 680.0, 1), ("call", 690.0, 1)]),
        ("sell a 680/685 put spread on spy", [("put", 680.0, 1), ("put", 685.0, -1)]),
        ("bear put spread 690/680 spy", [("put", 680.0, -1), ("put", 690.0, 1)]),
        ("680/685/690 call butterfly spy", [("call", 680.0, 1), ("call", 685.0, -2),
                                            ("call", 690.0, 1)]),
        ("buy the 680c and sell the 690c on spy", [("call", 680.0, 1), ("call", 690.0, -1)]),
        ("buy 3 680/690 call spreads on spy", [("call", 680.0, 3), ("call", 690.0, -3)]),
    ],
)  # fmt: skip
async def test_inline_structures(text: str, legs: list[tuple[str, float, int]]) -> None:
    run = await ask(text + " monthly")
    sent = run.calls[-1][1]["legs"]
    assert [(x["kind"], x["strike"], x["quantity"]) for x in sent] == legs


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("levels for $spy and QQQ", ["SPY", "QQQ"]),
        ("apple vs microsoft", ["AAPL", "MSFT"]),
        ("the s&p 500 and the russell 2000", ["SPY", "IWM"]),
        ("IV on ATM calls", []),
        ("WHAT IS THE MARKET DOING", []),
        ("levels for xyz", ["XYZ"]),
        ("how is facebook", ["META"]),
        ("teslaa chart", ["TSLA"]),
    ],
)
def test_symbols(text: str, symbols: list[str]) -> None:
    assert find_symbols(text) == symbols


@pytest.mark.parametrize(
    ("prompt", "skill"),
    [
        ("what's the realized volatility of spy", "chain"),  # a volatility, not a journal
        ("tell me when the market opens", "market_status"),  # a question, not an alert
        ("what's my p&l this week", "positions"),  # the open positions' P&L exists
        ("explain the screener", "not_yet"),
    ],
)
def test_not_yet_claims_only_missing_features(prompt: str, skill: str) -> None:
    assert winner(prompt).skill.name == skill


def test_typos_do_not_invent_intents() -> None:
    assert winner("levles on aapl").skill.name == "key_levels"
    chain = winner("end of month qqq chain")
    assert chain.skill.name == "chain" and chain.params.date is not None
    assert winner("may i ask something").skill.name == "unknown"
