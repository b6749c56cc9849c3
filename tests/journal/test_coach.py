"""The coach's journal: trader prompts by class → the exact journal tool calls (relative dates
resolved at Wed 2026-11-25 15:00 ET), every answer grounded in the tool results; the same
through the real chat tool loop on a real imported journal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.offline.grounding import ungrounded
from aicoach.chat.offline.request import read_request
from aicoach.journal.skills import EMPTY
from aicoach.kit.clock import system_clock
from aicoach.llm.messages import ToolSpec
from tests.chat.chat_helpers import names, send, text_of, use_llm
from tests.chat.test_offline_integration import Recording
from tests.chat.test_offline_turns import CAL, NOW, SKILLS, TOOL_NAMES, CannedTools, ask
from tests.helpers.coach import skill_registry
from tests.helpers.users import UserClient
from tests.journal.api import fixture, import_file, new_account
from tests.journal.canned import JOURNAL_TOOLS

SPECS = [ToolSpec(n, f"{n} tool") for n in (*TOOL_NAMES, *JOURNAL_TOOLS)]
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}
Calls = list[tuple[str, dict[str, Any]]]


def stats(**args: Any) -> Calls:
    return [("get_journal_stats", args)]


def history(**args: Any) -> Calls:
    return [("get_trade_history", {"limit": 10, **args})]


def patterns(**args: Any) -> Calls:
    return [("get_trade_patterns", args)]


STATS: list[tuple[str, Calls]] = [
    ("how did I do last month?", stats(**OCTOBER)),
    ("how did my trades do last month", stats(**OCTOBER)),
    ("what's my win rate on iron condors?", stats(strategy="iron_condor")),
    ("whats my winrate this year", stats(**{"from": "2026-01-01", "to": "2026-11-25"})),
    ("how did i do on tsla in october", stats(symbol="TSLA", **OCTOBER)),
    ("what's my profit factor", stats()),
    ("how much did i make last week", stats(**{"from": "2026-11-16", "to": "2026-11-22"})),
    ("my realized p&l in september", stats(**{"from": "2026-09-01", "to": "2026-09-30"})),
    ("what's my track record on credit spreads", stats(strategy="credit_spread")),
    ("my journal stats ytd", stats(**{"from": "2026-01-01", "to": "2026-11-25"})),
    ("how did my spy iron condors do this year",
     stats(symbol="SPY", strategy="iron_condor", **{"from": "2026-01-01", "to": "2026-11-25"})),
    ("what was my p&l last month", stats(**OCTOBER)),
    ("how have i done in the last 3 months", stats(**{"from": "2026-08-26", "to": "2026-11-25"})),
]  # fmt: skip
HISTORY: list[tuple[str, Calls]] = [
    ("show my TSLA trades", history(symbol="TSLA")),
    ("show my trade history", history()),
    ("my last 5 trades", [("get_trade_history", {"limit": 5})]),
    ("list my closed trades last month", history(status="closed", **OCTOBER)),
    ("show me my open trades", history(status="open")),
    ("past trades on nvda", history(symbol="NVDA")),
    ("show my tesla trades since oct 14",
     history(symbol="TSLA", **{"from": "2026-10-14", "to": "2026-11-25"})),
]  # fmt: skip
PATTERNS: list[tuple[str, Calls]] = [
    ("when do I trade worst?", patterns()),
    ("when do i trade best", patterns()),
    ("what are my trading patterns", patterns()),
    ("what mistakes do I make", patterns()),
    ("what are my bad habits this year", patterns(**{"from": "2026-01-01", "to": "2026-11-25"})),
    ("what's my worst time of day to trade", patterns()),
    ("what am i doing wrong", patterns()),
]  # fmt: skip
#: Still the open positions' questions: present tense, or no journal word.
POSITIONS: list[tuple[str, str]] = [
    ("what's my p&l this week", "positions"),
    ("how's my iron condor", "positions"),
    ("analyze my positions", "positions"),
    ("how am i doing on my trades right now", "positions"),
    ("what's my net delta", "portfolio_greeks"),
]
ALL = STATS + HISTORY + PATTERNS


@pytest.mark.parametrize(("prompt", "expected"), ALL, ids=[c[0] for c in ALL])
async def test_prompt_to_journal_tool_calls_and_a_grounded_answer(
    prompt: str, expected: Calls
) -> None:
    run = await ask(prompt, specs=SPECS)  # ``ask`` checks every number against the results
    assert run.calls == expected
    assert run.answer.strip() and "I didn't catch" not in run.answer


@pytest.mark.parametrize("prompt", [c[0] for c in ALL])
def test_no_journal_prompt_is_decided_by_the_tie_break(prompt: str) -> None:
    ranked = SKILLS.ranked(read_request(prompt, NOW, CAL))
    assert ranked and ranked[0].skill.name.startswith(("journal", "trade_"))
    if len(ranked) > 1:
        assert ranked[0].score > ranked[1].score, [(m.skill.name, m.score) for m in ranked]


@pytest.mark.parametrize(("prompt", "skill"), POSITIONS, ids=[c[0] for c in POSITIONS])
def test_open_position_questions_stay_with_the_positions(prompt: str, skill: str) -> None:
    assert SKILLS.match(read_request(prompt, NOW, CAL)).skill.name == skill


async def test_last_month_quotes_the_numbers_of_the_result() -> None:
    run = await ask("how did I do last month?", specs=SPECS)
    for text in (
        "Oct 1 – Oct 31, 2026",
        "12 closed trades",
        "58.3% win rate",
        "+$1,234.50",
        "profit factor 2.06",
        "TSLA Short put",
        "+$640.00",
        "-$410.25",
    ):
        assert text.lower() in run.answer.lower(), (text, run.answer)


async def test_win_rate_on_condors_names_the_structure() -> None:
    run = await ask("what's my win rate on iron condors?", specs=SPECS)
    assert "iron condor" in run.answer and "60.0% win rate" in run.answer
    assert "By strategy" not in run.answer  # one structure asked: no breakdown


async def test_when_do_i_trade_worst_leads_with_the_worst_times() -> None:
    run = await ask("when do I trade worst?", specs=SPECS)
    lines = [x for x in run.answer.splitlines() if x.startswith("- ")]
    assert "worst entry hour is 3 pm–4 pm" in lines[0]
    assert "worst weekday is Friday" in lines[1]
    assert "small sample" in run.answer


async def test_show_my_tsla_trades_lists_them_newest_first() -> None:
    run = await ask("show my TSLA trades", specs=SPECS)
    lines = [x for x in run.answer.splitlines() if x.startswith("- ")]
    assert len(lines) == 3 and "still open" in lines[0] and "+$185.40" in lines[1]
    assert "(0.46R)" in lines[1] and "Realized on the 2 closed: +$825.40" in run.answer


async def test_an_empty_journal_says_how_to_fill_it() -> None:
    empty = {"period": {"start": None, "end": None, "label": "all time"}, "total": 0,
             "shown": 0, "closed": 0, "realized_net": 0.0, "trades": []}  # fmt: skip
    run = await ask(
        "show my trade history",
        specs=SPECS,
        tools=CannedTools(overrides={"get_trade_history": lambda a: empty}),
    )
    assert run.answer.startswith(EMPTY.split(":")[0])


async def test_without_the_journal_tools_offered_it_says_so() -> None:
    run = await ask("how did I do last month?")  # the chat tests' specs: no journal tools
    assert run.calls == [] and "isn't available" in run.answer


def test_the_help_lists_the_journal_without_digits() -> None:
    lines = skill_registry().capabilities()
    journal = [x for x in lines if "Your results" in x or "trade history" in x or "habits" in x]
    assert len(journal) == 3 and not any(ch.isdigit() for x in journal for ch in x)


@pytest.fixture
def coach(app: FastAPI) -> Recording:
    rec = Recording(
        OfflineCoach(skill_registry(), system_clock, app.state.container.market.calendar)
    )
    use_llm(app, rec)
    return rec


REAL: list[tuple[str, str, dict[str, Any]]] = [
    ("how did i do in march 2024?", "get_journal_stats",
     {"from": "2024-03-01", "to": "2024-03-31"}),
    ("what's my win rate on credit spreads", "get_journal_stats", {"strategy": "credit_spread"}),
    ("show my aapl trades", "get_trade_history", {"symbol": "AAPL", "limit": 10}),
    ("when do i trade worst?", "get_trade_patterns", {}),
]  # fmt: skip


async def test_through_the_chat_on_a_real_journal(
    app: FastAPI, alice: UserClient, coach: Recording
) -> None:
    account = await new_account(alice)
    await import_file(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    chat = (await alice.post("/api/chat/sessions", json={})).json()
    for prompt, tool, args in REAL:
        status, events, _ = await send(alice, chat["id"], prompt)
        assert status == 200 and "error" not in names(events), (prompt, events)
        assert coach.tool_calls() == [(tool, args)], prompt
        answer = text_of(events)
        assert not ungrounded(answer, coach.tool_results()), (prompt, answer)
        if tool == "get_journal_stats" and "march" in prompt:
            result = coach.tool_results()[0]
            assert (result["trades"], result["net_pnl"]) == (3, 362.78)
            assert "+$362.78" in answer and "100.0% win rate" in answer
            cards = [e[1]["type"] for e in events if e[0] == "card"]
            assert cards in ([], ["journal_summary", "equity_curve"])
        if tool == "get_trade_history":
            assert [t["underlying"] for t in coach.tool_results()[0]["trades"]] == ["AAPL"] * 2
    citations = json.dumps(events)
    assert "your data" in citations
