"""The coach's tools without any LLM: each returns its typed result, citations and cards from
the real services on the simulated market; identity comes from the context, failures become
messages. ``result.payload()`` is the JSON the model reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from aicoach.coach.tools import SOURCES, ToolContext, ToolRegistry, ToolResult, tool
from aicoach.db import transaction
from aicoach.errors import ValidationFailedError
from tests.factories import create_iron_condor
from tests.helpers.users import UserClient
from tests.positions.chains import iron_condor_legs

ContextFor = Callable[[int], Any]


@pytest.fixture
def ctx_for(app: FastAPI) -> Any:
    """``async with ctx_for(user_id) as ctx``: a tool context on its own unit of work."""
    from contextlib import asynccontextmanager

    state = app.state.container
    deps = state

    @asynccontextmanager
    async def make(user_id: int) -> AsyncIterator[ToolContext[Any]]:
        async with transaction(state.sessions) as session:
            yield ToolContext(user_id, session, datetime.now(UTC), deps)

    return make


async def call(
    app: FastAPI, ctx_for: Any, uid: int, name: str, /, **args: Any
) -> ToolResult[BaseModel]:
    async with ctx_for(uid) as ctx:
        return await app.state.container.chat.tools.call(name, args, ctx)


def check_citations(result: ToolResult[BaseModel], label_part: str) -> None:
    assert result.ok, result.error
    assert result.citations, "every successful tool result is cited"
    for c in result.citations:
        assert c.source in SOURCES
        assert c.as_of.tzinfo is not None
        assert c.market_session in {"pre-market", "regular", "after-hours", "closed"}
    assert any(label_part in c.label for c in result.citations)


async def test_every_contract_tool_is_registered(app: FastAPI) -> None:
    tools = app.state.container.chat.tools
    expected = {"get_key_levels", "get_quote", "get_chart_data", "get_market_status",
                "get_expirations", "get_options_chain", "analyze_position", "get_positions",
                "get_portfolio_greeks"}  # fmt: skip
    assert expected <= set(tools.names)
    for spec in tools.specs():
        assert spec.description and spec.parameters["type"] == "object"
        assert "ctx" not in spec.parameters["properties"]
        assert "user_id" not in spec.parameters["properties"]
    quote = next(s for s in tools.specs() if s.name == "get_quote")
    assert quote.parameters["required"] == ["symbol"]


async def test_get_quote(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    result = await call(app, ctx_for, alice.user_id, "get_quote", symbol=" spy ")
    check_citations(result, "SPY quote")
    data = result.payload()
    api = (await alice.get("/api/market/SPY/quote")).json()
    assert data["symbol"] == "SPY"
    assert data["last"] == pytest.approx(api["last"], abs=0.005)
    assert result.cards[0].type == "quote"
    assert result.cards[0].payload()["last"] == data["last"]
    assert result.citations[0].source == "simulated"


async def test_get_key_levels(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    result = await call(app, ctx_for, alice.user_id, "get_key_levels", symbol="QQQ")
    check_citations(result, "QQQ key levels")
    data = result.payload()
    card = result.cards[0]
    assert card.type == "key_levels"
    assert set(card.payload()) >= {"symbol", "price", "nearest_support", "nearest_resistance",
                              "atr_daily", "top_levels", "source", "as_of"}  # fmt: skip
    assert data["nearest_support"]["price"] < data["price"] < data["nearest_resistance"]["price"]
    assert data["top_levels"] and all(
        {"label", "kind", "price", "distance_dollars", "strength"} <= set(lv)
        for lv in data["top_levels"]
    )
    api = (await alice.get("/api/levels/QQQ")).json()
    assert data["nearest_support"]["price"] == pytest.approx(
        api["nearest_support"]["price"], abs=0.005
    )


async def test_get_chart_data(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    result = await call(
        app, ctx_for, alice.user_id, "get_chart_data", symbol="SPY", timeframe="1d",
        lookback_days=90,
    )  # fmt: skip
    check_citations(result, "SPY 1d bars")
    data = result.payload()
    assert 50 <= data["bar_count"] <= 70  # ~63 sessions in 90 calendar days
    bars = data["bars"]
    assert len(bars) == min(60, data["bar_count"])
    assert data["high"] >= max(b["h"] for b in bars) and data["low"] <= min(b["l"] for b in bars)
    assert data["last_close"] == bars[-1]["c"]
    assert all(b["l"] <= b["o"] <= b["h"] and b["l"] <= b["c"] <= b["h"] for b in bars)


async def test_get_market_status(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    result = await call(app, ctx_for, alice.user_id, "get_market_status")
    check_citations(result, "Market status")
    api = (await alice.get("/api/market/status")).json()
    assert result.payload()["phase"] == api["phase"]


async def test_options_tools(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    exps = await call(app, ctx_for, alice.user_id, "get_expirations", symbol="SPY")
    check_citations(exps, "SPY expirations")
    first = exps.payload()["expirations"][5]["expiration"]
    chain = await call(
        app, ctx_for, alice.user_id, "get_options_chain", symbol="SPY", expiration=first,
        strikes_around_atm=3,
    )  # fmt: skip
    check_citations(chain, "chain")
    rows = chain.payload()["rows"]
    assert len(rows) == 7
    spot = chain.payload()["underlying_price"]
    nearest = min(rows, key=lambda r: abs(r["strike"] - spot))
    assert nearest is rows[3]
    assert 0 < nearest["call"]["delta"] < 1 and -1 < nearest["put"]["delta"] < 0
    assert chain.cards[0].type == "options_chain"
    assert set(chain.cards[0].payload()["rows"][0]["call"]) == {"bid", "ask", "iv", "delta"}


async def test_position_tools_use_the_callers_identity(
    app: FastAPI, ctx_for: Any, alice: UserClient, bob: UserClient
) -> None:
    saved = await create_iron_condor(alice)
    ids = [leg["id"] for leg in saved["legs"]]

    mine = await call(app, ctx_for, alice.user_id, "get_positions")
    check_citations(mine, "Your positions")
    assert [s["strategy_id"] for s in mine.payload()["strategies"]] == [saved["id"]]
    assert mine.payload()["total_pnl"] is not None
    assert mine.cards[0].type == "pnl_tracker"
    assert any(c.source == "your data" for c in mine.citations)

    theirs = await call(app, ctx_for, bob.user_id, "get_positions")
    assert theirs.payload()["strategies"] == []

    analysis = await call(app, ctx_for, alice.user_id, "analyze_position", position_ids=ids)
    check_citations(analysis, "SPY")
    api = (await alice.post("/api/options/analyze", json={"position_ids": ids})).json()
    data = analysis.payload()
    assert data["max_loss"] == pytest.approx(api["expiry"]["max_loss"], abs=0.01)
    assert data["breakevens"] == pytest.approx(api["expiry"]["breakevens"], abs=0.01)
    assert [c.type for c in analysis.cards] == ["position_summary", "risk_graph"]
    assert not data["max_loss_unlimited"]

    # Bob cannot analyse Alice's legs by guessing their ids: the tool answers, it does not leak.
    stolen = await call(app, ctx_for, bob.user_id, "analyze_position", position_ids=ids)
    assert not stolen.ok and "no position" in (stolen.error or "")

    greeks = await call(app, ctx_for, alice.user_id, "get_portfolio_greeks")
    check_citations(greeks, "Your positions")
    api_greeks = (await alice.get("/api/portfolio/greeks")).json()
    assert greeks.payload()["beta_weighted_delta"] == pytest.approx(
        api_greeks["beta_weighted_delta"], abs=1e-3
    )


async def test_hypothetical_legs(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    legs = await iron_condor_legs(alice)
    hypo = [{**leg, "entry_price": float(leg["entry_price"])} for leg in legs]
    result = await call(app, ctx_for, alice.user_id, "analyze_position", legs=hypo)
    assert result.ok, result.error
    assert result.payload()["strategy"].lower().startswith("iron condor")
    both = await call(app, ctx_for, alice.user_id, "analyze_position", legs=hypo, position_ids=[1])
    assert not both.ok and "exactly one" in (both.error or "")


async def test_failures_become_messages(app: FastAPI, ctx_for: Any, alice: UserClient) -> None:
    unknown = await call(app, ctx_for, alice.user_id, "launch_rockets")
    assert not unknown.ok and "Unknown tool" in (unknown.error or "")
    missing = await call(app, ctx_for, alice.user_id, "get_quote")
    assert not missing.ok and "symbol" in (missing.error or "")
    extra = await call(app, ctx_for, alice.user_id, "get_quote", symbol="SPY", user_id=2)
    assert not extra.ok and "user_id" in (extra.error or "")
    bad = await call(app, ctx_for, alice.user_id, "get_quote", symbol="$$$")
    assert not bad.ok and "not a valid ticker" in (bad.error or "")
    assert bad.summary == bad.error
    tf = await call(app, ctx_for, alice.user_id, "get_chart_data", symbol="SPY", timeframe="7s")
    assert not tf.ok and "timeframe" in (tf.error or "")


class Said(BaseModel):
    said: str
    who: int


class Nothing(BaseModel):
    pass


async def test_registry_rules(app: FastAPI, ctx_for: Any) -> None:
    registry = ToolRegistry(timeout_seconds=0.05)

    @tool(phrase="Saying {word!u} {times} times")
    async def echo(
        ctx: ToolContext[Any], word: Annotated[str, Field(description="A word.")], times: int = 1
    ) -> ToolResult[Said]:
        """Repeat a word."""
        return ToolResult(Said(said=" ".join([word] * times), who=ctx.user_id))

    async def slow(ctx: ToolContext[Any]) -> ToolResult[Nothing]:
        """Never answers in time."""
        import asyncio

        await asyncio.Event().wait()  # never set: only the registry's timeout ends this call
        return ToolResult(Nothing())

    async def crash(ctx: ToolContext[Any]) -> ToolResult[Nothing]:
        """Fails."""
        raise RuntimeError("boom")

    async def refuses(ctx: ToolContext[Any]) -> ToolResult[Nothing]:
        """Refuses."""
        raise ValidationFailedError("Not like that.")

    for fn in (echo, slow, crash, refuses):
        registry.register(fn)
    spec = registry.specs()[0]
    assert spec.parameters["properties"]["word"]["description"] == "A word."
    assert spec.parameters["required"] == ["word"]
    assert next(iter(registry)).result_model is Said
    with pytest.raises(ValueError, match="twice"):
        registry.register(echo)

    async def nodoc(ctx: ToolContext[Any]) -> ToolResult[Nothing]:
        return ToolResult(Nothing())

    async def untyped(ctx: ToolContext[Any]) -> ToolResult:  # type: ignore[type-arg]
        """Returns who knows what."""
        return ToolResult(Nothing())

    with pytest.raises(TypeError, match="docstring"):
        registry.register(nodoc)
    with pytest.raises(TypeError, match="return annotation"):
        registry.register(untyped)

    # The progress phrase: the tool's template over the raw arguments; never an error.
    assert registry.phrase("echo", {"word": " hi ", "times": 2}) == "Saying HI 2 times"
    assert registry.phrase("echo", {}) == "Saying times"
    assert registry.phrase("slow", {}) == "Running slow"
    assert registry.phrase("no_such_tool", {}) == "Running no such tool"
    async with ctx_for(42) as ctx:
        said = await registry.call("echo", {"word": "hi", "times": 2}, ctx)
        assert said.data == Said(said="hi hi", who=42)
        assert said.payload() == {"said": "hi hi", "who": 42}
        assert "took longer" in ((await registry.call("slow", {}, ctx)).error or "")
        assert "unexpectedly" in ((await registry.call("crash", {}, ctx)).error or "")
        refused = await registry.call("refuses", {}, ctx)
        assert refused.payload() == {"error": "Not like that."}
