"""The coach's tool contract, pinned: each tool's argument schema (what the model may send) and
its result model's JSON Schema (what the model and the offline skills read) are committed in
``tests/chat/tool_schemas/<tool>.json``; a change there is a deliberate change of the contract.

Regenerate after an intended change, and review the diff::

    .venv/bin/python -m tests.chat.test_tool_schemas

The canned results the offline-coach tests use, and the card samples the JS tests render,
must fit the same models, so neither can drift from what the tools really return.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from aicoach.coach.tools import RegisteredTool, ToolRegistry
from aicoach.journal.tools import EquityCurveCard, JournalSummaryCard
from aicoach.levels.tools import KeyLevelsCard
from aicoach.marketdata.tools import QuoteCard
from aicoach.options.tool_models import ChainCard, PositionSummaryCard, RiskGraphCard
from aicoach.positions.tools import PnlTrackerCard
from tests.chat.test_offline_turns import CannedTools
from tests.helpers.coach import TOOLS

SNAPSHOTS = Path(__file__).with_name("tool_schemas")
CARD_SAMPLES = Path(__file__).parents[1] / "web" / "chat_cards.json"
CARD_MODELS: dict[str, type[BaseModel]] = {
    "key_levels": KeyLevelsCard, "quote": QuoteCard, "options_chain": ChainCard,
    "position_summary": PositionSummaryCard, "risk_graph": RiskGraphCard,
    "pnl_tracker": PnlTrackerCard, "journal_summary": JournalSummaryCard,
    "equity_curve": EquityCurveCard,
}  # fmt: skip
#: Arguments for one canned call of each tool.
CANNED_ARGS: dict[str, dict[str, Any]] = {
    "get_key_levels": {"symbol": "SPY"},
    "get_quote": {"symbol": "SPY"},
    "get_chart_data": {"symbol": "SPY", "timeframe": "5m"},
    "get_market_status": {},
    "get_expirations": {"symbol": "SPY"},
    "get_options_chain": {"symbol": "SPY", "expiration": "2026-12-18"},
    "analyze_position": {"position_ids": [1, 2, 3, 4]},
    "get_positions": {},
    "get_portfolio_greeks": {},
    "get_trade_history": {"symbol": "TSLA"},
    "get_journal_stats": {"from": "2026-10-01", "to": "2026-10-31"},
    "get_trade_patterns": {},
}


def registered() -> list[RegisteredTool]:
    return list(ToolRegistry.of(TOOLS))


def snapshot(t: RegisteredTool) -> dict[str, Any]:
    return {
        "tool": t.name,
        "arguments": t.spec.parameters,
        "result": t.result_model.model_json_schema(),
    }


def render(t: RegisteredTool) -> str:
    return json.dumps(snapshot(t), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("t", registered(), ids=lambda t: t.name)
def test_tool_contract_matches_its_snapshot(t: RegisteredTool) -> None:
    path = SNAPSHOTS / f"{t.name}.json"
    assert path.exists(), f"no snapshot for {t.name}: run python -m tests.chat.test_tool_schemas"
    assert path.read_text("utf-8") == render(t), (
        f"{t.name}'s contract changed; if intended, run python -m tests.chat.test_tool_schemas "
        "and commit the diff"
    )


def test_every_snapshot_has_a_tool() -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.json")} == {t.name for t in registered()}


@pytest.mark.parametrize("t", registered(), ids=lambda t: t.name)
def test_canned_results_fit_the_result_models(t: RegisteredTool) -> None:
    content = json.loads(CannedTools().content(t.name, CANNED_ARGS[t.name]))
    model = t.result_model.model_validate(content)
    assert model.model_dump(mode="json") == content, "the canned result has fields the tool lacks"


@pytest.mark.parametrize("sample", json.loads(CARD_SAMPLES.read_text("utf-8")),
                         ids=lambda c: c["type"])  # fmt: skip
def test_card_samples_fit_the_card_models(sample: dict[str, Any]) -> None:
    CARD_MODELS[sample["type"]].model_validate(sample["data"])


def write() -> None:
    SNAPSHOTS.mkdir(exist_ok=True)
    for old in SNAPSHOTS.glob("*.json"):
        old.unlink()
    for t in registered():
        (SNAPSHOTS / f"{t.name}.json").write_text(render(t), "utf-8")
        print(f"wrote {SNAPSHOTS / t.name}.json")


if __name__ == "__main__":
    write()
