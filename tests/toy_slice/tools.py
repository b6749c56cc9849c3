"""The toy tool (a lucky number for a symbol, from the market's last price) and its skill."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel

from aicoach.chat.offline.request import Request
from aicoach.coach.skills import Call, Outcome, Scored, Skill, first
from aicoach.coach.tools import Card, ToolContext, ToolError, ToolResult, tool
from aicoach.marketdata.service import MarketDataService
from aicoach.marketdata.tools import Symbol, market_citation


class ToyDeps(Protocol):
    @property
    def market(self) -> MarketDataService: ...


class LuckyNumber(BaseModel):
    symbol: str
    price: float
    lucky: int


@tool(phrase="Finding a lucky number")
async def get_lucky_number(ctx: ToolContext[ToyDeps], symbol: Symbol) -> ToolResult[LuckyNumber]:
    """A symbol's lucky number: its last price's whole dollars, modulo 100."""
    quote = await ctx.deps.market.quote(symbol)
    q = quote.value
    data = LuckyNumber(symbol=q.symbol, price=round(q.last, 2), lucky=int(q.last) % 100)
    cite = market_citation(ctx.deps.market, f"{q.symbol} quote", q.as_of, q.source)
    return ToolResult(data, (cite,), (Card("lucky_number", data),), f"{q.symbol}: {data.lucky}")


class LuckySkill(Skill[Request, str | None]):
    name = "lucky"
    capability = '**Lucky numbers** — "lucky number for SPY"'
    tools = ("get_lucky_number",)

    def score(self, request: Request) -> Scored[str | None] | None:
        return Scored(0.9, request.symbol) if request.has(r"\blucky\b") else None

    def plan(self, request: Request, params: str | None, done: Sequence[Outcome]) -> list[Call]:
        return [] if params is None or done else [Call("get_lucky_number", {"symbol": params})]

    def compose(self, request: Request, params: str | None, done: Sequence[Outcome]) -> str:
        outcome = first(done, "get_lucky_number")
        if outcome is None:
            return "Which symbol?"
        result = outcome.result(LuckyNumber)
        if isinstance(result, ToolError):
            return result.error
        return f"{result.symbol} at ${result.price:.2f}: your lucky number is {result.lucky}."
