"""The offline coach's options skills: expirations, chains, and trades written out in the
message ("a 680/690 bull call spread on spy", "sell the 250 put for 2.50").

Chains and trades are two-step plans: ``get_expirations`` first, then the trader's date phrase
("next friday", "0dte", "jan leaps") is resolved against the listed expirations
(``chat.offline.dates``) and the chain — or, for a trade, the analysis — is asked for that date.
A trade leg without the trader's price takes the chain's mid, so unpriced trades fetch the
chain in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from aicoach.chat.offline.answers import (
    ADVICE_NOTE,
    UNAVAILABLE,
    error_line,
    result_or_reason,
    which_symbol,
)
from aicoach.chat.offline.dates import DateKind, DateSpec, resolve_expiration
from aicoach.chat.offline.grounding import has_digits
from aicoach.chat.offline.legs import LegDraft
from aicoach.chat.offline.request import FOLLOW_UP_SCORE, Request
from aicoach.chat.offline.scenario import Scenario, parse_scenario, scenario_arguments
from aicoach.coach.skills import Call, Outcome, Scored, Skill, first
from aicoach.coach.tools import ToolError
from aicoach.options.answers import analysis_text, chain_text, expirations_text
from aicoach.options.tool_models import AnalysisResult, ChainResult, ExpirationsResult

GET_EXPIRATIONS: Final = "get_expirations"
GET_OPTIONS_CHAIN: Final = "get_options_chain"
ANALYZE_POSITION: Final = "analyze_position"
#: Strikes each side of the money asked for when pricing a trade's legs from the chain.
CHAIN_WIDTH: Final = 30
#: No date named: the standard monthly (whose IV is the one traders quote; a same-day IV is
#: noise, and it is the sane default expiration for a trade).
MONTHLY: Final = DateSpec(DateKind.MONTHLY, "")

_EXPIRATION_WORDS: Final = (
    r"\b(?:expirations?|expiries|expiry\s+dates|expiration\s+dates|exp\s+dates|"
    r"expiration\s+cycle|when\s+do\s+.*\s+expire)\b"
)
_IV_WORDS: Final = r"\b(?:iv|ivs|implied\s+vol(?:atility)?|vol|volatility)\b"
_CHAIN_WORDS: Final = (
    r"\b(?:chains?|options?|0\s*dte|zero\s*dte|\d+\s*dte|leaps?|strikes?|calls|puts|"
    r"contracts|weeklies|monthlies)\b"
)


def asked(spec: DateSpec | None) -> str:
    """How the trader named the date, when it is safe to echo (no digits of their own)."""
    if spec is None or not spec.words or has_digits(spec.words):
        return "what you asked for"
    return f"“{spec.words}”"


def listed_expiration(
    request: Request, spec: DateSpec | None, exps: ExpirationsResult
) -> date | None:
    """The listed expiration the date phrase means (``None``: nothing is listed)."""
    listed = sorted({r.expiration for r in exps.expirations})
    return resolve_expiration(spec, request.now, request.calendar, listed)


def _expirations_first(symbol: str, done: Sequence[Outcome]) -> list[Call] | ExpirationsResult:
    """Step one of a chain or trade: the expirations call to make, or its (good) result; an
    empty plan when it failed."""
    o = first(done, GET_EXPIRATIONS)
    if o is None:
        return [Call(GET_EXPIRATIONS, {"symbol": symbol})]
    exps = o.result(ExpirationsResult)
    return [] if isinstance(exps, ToolError) else exps


# --- expirations ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SymbolParams:
    symbol: str | None


class ExpirationsSkill(Skill[Request, SymbolParams]):
    """The expirations listed for one symbol."""

    name = "expirations"
    tools = (GET_EXPIRATIONS,)

    def score(self, request: Request) -> Scored[SymbolParams] | None:
        if request.has(_EXPIRATION_WORDS) and not request.has(r"\bchains?\b"):
            return Scored(0.75, SymbolParams(request.symbol or request.history_symbol))
        if request.follow_up_of(self.name) is not None:
            return Scored(FOLLOW_UP_SCORE, SymbolParams(request.symbol))
        return None

    def plan(self, request: Request, params: SymbolParams, done: Sequence[Outcome]) -> list[Call]:
        if params.symbol is None or done:
            return []
        return [Call(GET_EXPIRATIONS, {"symbol": params.symbol})]

    def compose(self, request: Request, params: SymbolParams, done: Sequence[Outcome]) -> str:
        if params.symbol is None:
            return which_symbol("expirations")
        result = result_or_reason(done, GET_EXPIRATIONS, ExpirationsResult)
        return result if isinstance(result, str) else expirations_text(result, request.today)


# --- chains -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainParams:
    symbol: str | None
    date: DateSpec | None
    iv: bool = False  # the question is the implied volatility


class ChainSkill(Skill[Request, ChainParams]):
    """One expiration's chain around the money ("spy chain next friday", "iv on msft")."""

    name = "chain"
    capability = (
        '**Options chains and expirations** — "SPY chain for next Friday", "expirations for '
        'AAPL", "QQQ options in two weeks"'
    )
    tools = (GET_EXPIRATIONS, GET_OPTIONS_CHAIN)

    def score(self, request: Request) -> Scored[ChainParams] | None:
        sym, spec = request.symbol, request.date
        if sym is not None and request.has(_IV_WORDS):
            return Scored(0.72, ChainParams(sym, spec or MONTHLY, iv=True))
        if request.has(_CHAIN_WORDS) or (
            spec is not None and sym is not None and request.has(r"\bcalls?|puts?\b")
        ):
            return Scored(0.7, ChainParams(sym or request.history_symbol, spec))
        previous = request.follow_up_of(self.name)
        if isinstance(previous, ChainParams):
            return Scored(
                FOLLOW_UP_SCORE, replace(previous, symbol=sym, date=spec or previous.date)
            )
        return None

    def plan(self, request: Request, params: ChainParams, done: Sequence[Outcome]) -> list[Call]:
        if params.symbol is None:
            return []
        exps = _expirations_first(params.symbol, done)
        if isinstance(exps, list):
            return exps
        expiration = listed_expiration(request, params.date, exps)
        if expiration is None or len(done) > 1:
            return []
        args = {"symbol": params.symbol, "expiration": expiration.isoformat()}
        return [Call(GET_OPTIONS_CHAIN, args)]

    def compose(self, request: Request, params: ChainParams, done: Sequence[Outcome]) -> str:
        if params.symbol is None:
            return which_symbol("an options chain")
        if first(done, GET_OPTIONS_CHAIN) is None:
            exps = result_or_reason(done, GET_EXPIRATIONS, ExpirationsResult)
            if isinstance(exps, str):
                return exps
            if exps.expirations:
                return UNAVAILABLE
            return f"No option expirations are listed for {params.symbol}, so there is no chain."
        chain = result_or_reason(done, GET_OPTIONS_CHAIN, ChainResult)
        if isinstance(chain, str):
            return chain
        echo = asked(params.date) if params.date is not None and params.date.words else None
        return chain_text(chain, request.today, asked=echo, iv=params.iv)


# --- trades written out in the message --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TradeParams:
    symbol: str | None
    date: DateSpec | None
    legs: tuple[LegDraft, ...]
    scenario: Scenario | None


def _chain_mid(chain: ChainResult | None, strike: float, right: str) -> float | None:
    """The mid (else the bid/ask midpoint) of ``strike``/``right`` in the chain."""
    row = next((r for r in chain.rows if r.strike == strike), None) if chain else None
    side = None if row is None else (row.call if right == "call" else row.put)
    if side is None:
        return None
    mid = side.mid
    if mid is None and side.bid is not None and side.ask is not None:
        mid = round((side.ask + side.bid) / 2, 2)
    return mid if mid is not None and mid > 0 else None


def leg_arguments(
    params: TradeParams, expiration: date, chain: ChainResult | None
) -> list[dict[str, Any]] | None:
    """``analyze_position`` legs; a leg without the trader's price takes the chain's mid.
    ``None`` when some leg has no price either way."""
    out: list[dict[str, Any]] = []
    for leg in params.legs:
        price = leg.entry_price if leg.entry_price is not None else _chain_mid(
            chain, leg.strike, leg.right)  # fmt: skip
        if price is None:
            return None
        out.append({"symbol": params.symbol, "kind": leg.right, "strike": leg.strike,
                    "expiration": expiration.isoformat(), "quantity": leg.quantity,
                    "entry_price": price})  # fmt: skip
    return out


class TradeSkill(Skill[Request, TradeParams]):
    """A trade written out with its strikes: analysed (with a what-if, if one is asked)."""

    name = "trade"
    capability = (
        '**What-ifs** — "what if SPY goes to a price", "my condor if IV drops by Friday", or a '
        'trade written out like "a bull call spread on SPY" with its strikes'
    )
    tools = (GET_EXPIRATIONS, GET_OPTIONS_CHAIN, ANALYZE_POSITION)

    def score(self, request: Request) -> Scored[TradeParams] | None:
        if not request.legs:
            return None
        scenario = parse_scenario(request.words, request.masked)
        params = TradeParams(request.symbol or request.history_symbol, request.date,
                             request.legs, scenario)  # fmt: skip
        return Scored(0.88, params)

    def plan(self, request: Request, params: TradeParams, done: Sequence[Outcome]) -> list[Call]:
        if params.symbol is None or first(done, ANALYZE_POSITION) is not None:
            return []
        exps = _expirations_first(params.symbol, done)
        if isinstance(exps, list):
            return exps
        expiration = listed_expiration(request, params.date or MONTHLY, exps)
        if expiration is None:
            return []
        chain_outcome = first(done, GET_OPTIONS_CHAIN)
        if chain_outcome is None and any(leg.entry_price is None for leg in params.legs):
            args = {"symbol": params.symbol, "expiration": expiration.isoformat(),
                    "strikes_around_atm": CHAIN_WIDTH}  # fmt: skip
            return [Call(GET_OPTIONS_CHAIN, args)]
        chain = chain_outcome.result(ChainResult) if chain_outcome is not None else None
        legs = leg_arguments(params, expiration, chain if isinstance(chain, ChainResult) else None)
        if legs is None:
            return []  # a strike without a market price: the answer asks for the price
        scenario = scenario_arguments(params.scenario, request.now, request.calendar)
        return [Call(ANALYZE_POSITION, {"legs": legs, **scenario})]

    def compose(self, request: Request, params: TradeParams, done: Sequence[Outcome]) -> str:
        if params.symbol is None:
            return which_symbol("that trade")
        analysis = first(done, ANALYZE_POSITION)
        if analysis is None:
            return self._unanalysed(params, done)
        result = analysis.result(AnalysisResult)
        parts = [analysis_text(result, analysis.arguments, request.today)]
        if not isinstance(result, ToolError):
            if any(leg.entry_price is None for leg in params.legs):
                parts.append("Legs without a price you gave are valued at the market's prices.")
            if params.date is None:
                parts.append("You didn't name an expiration, so I used the standard monthly.")
            else:
                parts.append(f"Expiration: the listed one closest to {asked(params.date)}.")
        parts.append(ADVICE_NOTE)
        return "\n\n".join(parts)

    @staticmethod
    def _unanalysed(params: TradeParams, done: Sequence[Outcome]) -> str:
        for o in (first(done, GET_EXPIRATIONS), first(done, GET_OPTIONS_CHAIN)):
            if o is not None and o.error is not None:
                return error_line(o.error)
        if first(done, GET_OPTIONS_CHAIN) is not None:
            if any(leg.entry_price is None for leg in params.legs):
                return ("I couldn't find a market price for every leg in that expiration's "
                        "chain, so I can't value the trade. Tell me the price of each leg (\"sell "
                        "the put for\" a price) or pick strikes closer to the money.")  # fmt: skip
            return UNAVAILABLE
        if first(done, GET_EXPIRATIONS) is not None:
            return f"No option expirations are listed for {params.symbol}."
        return UNAVAILABLE


#: The slice's offline skills (``Manifest(skills=SKILLS)``).
SKILLS = (ChainSkill(), ExpirationsSkill(), TradeSkill())
