"""The offline coach's positions skills: the trader's saved strategies (analysed, filtered by
symbol and structure, ranked by a Greek or P&L, with what-ifs) and the portfolio Greeks.

Positions are a two-step plan: ``get_positions`` → pick the strategies the words name → one
``analyze_position`` per strategy (its legs' ids), with the what-if when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aicoach.chat.offline.answers import ADVICE_NOTE, error_line, result_or_reason
from aicoach.chat.offline.fmt import shares, signed_money, when
from aicoach.chat.offline.request import Request
from aicoach.chat.offline.scenario import Scenario, parse_scenario, scenario_arguments
from aicoach.coach.skills import Call, Outcome, Scored, Skill, first
from aicoach.options.answers import analysis_text, analysis_title
from aicoach.options.skills import ANALYZE_POSITION
from aicoach.options.tool_models import AnalysisResult
from aicoach.positions.tools import PortfolioGreeksResult, PositionsResult, SavedStrategy

GET_POSITIONS: Final = "get_positions"
GET_PORTFOLIO_GREEKS: Final = "get_portfolio_greeks"
#: Strategies analysed at most in one answer (one tool call each).
MAX_ANALYSES: Final = 8

#: Structure words → the family name the skill filters on (most specific first).
_STRATEGY_WORDS: Final[list[tuple[str, str]]] = [
    (r"iron\s+(?:butterfl(?:y|ies)|fly|flies)", "iron_butterfly"),
    (r"(?:iron\s+)?condors?", "iron_condor"),
    (r"butterfl(?:y|ies)|\bflys?\b", "butterfly"),
    (r"straddles?", "straddle"),
    (r"strangles?", "strangle"),
    (r"covered\s+calls?", "covered_call"),
    (r"cash[- ]secured\s+puts?|\bcsps?\b", "cash_secured_put"),
    (r"collars?", "collar"),
    (r"calendars?", "calendar_spread"),
    (r"diagonals?", "diagonal_spread"),
    (r"bull\s+call\s+spreads?|call\s+debit\s+spreads?", "bull_call_spread"),
    (r"bear\s+call\s+spreads?|call\s+credit\s+spreads?", "bear_call_spread"),
    (r"bull\s+put\s+spreads?|put\s+credit\s+spreads?", "bull_put_spread"),
    (r"bear\s+put\s+spreads?|put\s+debit\s+spreads?", "bear_put_spread"),
    (r"call\s+spreads?", "call_spread"),
    (r"put\s+spreads?", "put_spread"),
    (r"credit\s+spreads?", "credit_spread"),
    (r"debit\s+spreads?", "debit_spread"),
    (r"(?:spreads?|verticals?)", "spread"),
    (r"calls?", "call"),
    (r"puts?", "put"),
    (r"(?:shares|stock)", "stock"),
]
#: A family → the recognised structures (``options.core.strategies``) it covers.
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
_RANK: Final[list[tuple[str, str]]] = [
    (r"theta|decay|bleed|bleeds|bleeding", "theta"),
    (r"vega|volatility|\biv\b", "vega"),
    (r"gamma", "gamma"),
    (r"delta|directional", "delta"),
    (r"p&l|pnl|p/l|profit|losing|loss|losses|winning|worst|best|making|down the most|up the most",
     "pnl"),
]  # fmt: skip
_RANK_ASKED: Final = (
    r"\b(?:which|what|most|biggest|largest|highest|least|lowest|worst|best|rank|sort|top)\b"
)
_POSITION_WORDS: Final = (
    r"\b(?:positions?|trades?|holdings|book|spreads?|condors?|strangles?|straddles?|"
    r"butterfl(?:y|ies)|calls?|puts?|shares|options|legs)\b"
)
_REVIEW_WORDS: Final = r"\b(?:analy[sz]e|analysis|how\s+am\s+i\s+doing|p&l|pnl|portfolio)\b"
_GREEK_WORDS: Final = r"\b(?:greeks|delta|gamma|theta|vega|exposure|beta[- ]weighted)\b"
_BOOK_GREEKS: Final = r"\b(?:portfolio|net|total|overall)\s+(?:greeks|delta|gamma|theta|vega)\b"
_BEST: Final = re.compile(r"\b(?:best|winning|winner|making|up\s+the\s+most|most\s+profit)\b")
_METRIC_WORDS: Final = {"theta": "theta (dollars a day)", "vega": "vega (dollars per IV point)",
                        "gamma": "gamma", "delta": "delta (shares)", "pnl": "P&L"}  # fmt: skip


def strategy_family(text: str) -> str | None:
    """The structure the words name ("my condor" → ``iron_condor``), or ``None``."""
    return next((name for pattern, name in _STRATEGY_WORDS
                 if re.search(r"\b(?:" + pattern + r")\b", text)), None)  # fmt: skip


def rank_metric(request: Request) -> str | None:
    """What "which position ... most" ranks by: theta, vega, gamma, delta or pnl."""
    if not request.has(_RANK_ASKED):
        return None
    return next((name for pattern, name in _RANK if request.has(r"\b(?:" + pattern + r")")), None)


@dataclass(frozen=True, slots=True)
class PositionsParams:
    symbols: tuple[str, ...]
    strategy: str | None = None  # a family of ``_FAMILIES``
    rank_by: str | None = None
    scenario: Scenario | None = None


def matches(s: SavedStrategy, params: PositionsParams) -> bool:
    """Does a saved strategy fit the trader's words (symbol and structure)?"""
    if params.symbols and s.underlying and s.underlying.upper() not in params.symbols:
        return False
    if params.strategy is None:
        return True
    return s.structure.lower() in _FAMILIES.get(params.strategy, (params.strategy,))


def analysis_value(d: AnalysisResult, metric: str) -> float | None:
    """The figure a ranking compares: dollars per day (theta), dollars per vol point (vega),
    shares (delta, gamma) or dollars (P&L)."""
    g = d.greeks
    values = {"theta": g.theta_per_day, "vega": g.vega_per_vol_point, "gamma": g.gamma,
              "delta": g.delta}  # fmt: skip
    return values.get(metric, d.pnl_now)


def _metric(v: float, metric: str) -> str:
    if metric in ("theta", "vega", "pnl"):
        return signed_money(v)
    return f"{v:.2f}" if metric == "gamma" else f"{v:,.1f}"


Analysed = tuple[Outcome, AnalysisResult]


def _ranked(request: Request, metric: str | None, ok: list[Analysed]) -> list[Analysed]:
    if metric is None:
        return ok
    valued = [(analysis_value(pair[1], metric), pair) for pair in ok]
    known = [(v, pair) for v, pair in valued if v is not None]
    if metric == "theta":
        known.sort(key=lambda vp: vp[0])  # most negative (fastest bleed) first
    elif metric == "pnl":
        best = _BEST.search(request.text.lower()) is not None
        known.sort(key=lambda vp: -vp[0] if best else vp[0])
    else:
        known.sort(key=lambda vp: -abs(vp[0]))
    return [pair for _, pair in known] + [pair for v, pair in valued if v is None]


def _ranking(metric: str, ranked: list[Analysed]) -> list[str]:
    top = ranked[0][1]
    v = analysis_value(top, metric)
    parts = []
    if v is not None and metric == "theta" and v >= 0:
        parts.append(f"None of your positions is losing to time decay: theta works for all of "
                     f"them. The smallest theta income is **{analysis_title(top)}** at "
                     f"{_metric(v, metric)} a day.")  # fmt: skip
    elif v is not None:
        parts.append(f"By {_METRIC_WORDS[metric]}, **{analysis_title(top)}** ranks first at "
                     f"{_metric(v, metric)}.")  # fmt: skip
    order = [f"- {analysis_title(a)}: {_metric(value, metric)}"
             for _, a in ranked if (value := analysis_value(a, metric)) is not None]  # fmt: skip
    if len(order) > 1:
        parts.append("All of them:\n" + "\n".join(order))
    return parts


class PositionsSkill(Skill[Request, PositionsParams]):
    """The trader's saved strategies: analysed, filtered, ranked, or under a what-if."""

    name = "positions"
    capability = (
        '**Your positions** — "analyze my positions", "how\'s my iron condor", "which position '
        'bleeds the most theta"'
    )
    tools = (GET_POSITIONS, ANALYZE_POSITION)

    def score(self, request: Request) -> Scored[PositionsParams] | None:
        if request.legs:
            return None  # a trade written out is analysed as written (the trade skill)
        symbols, strategy = request.symbols, strategy_family(request.masked)
        scenario = parse_scenario(request.words, request.masked)
        if scenario is not None and (
            request.mine or strategy is not None or scenario.moves_the_market
        ):
            what_if = PositionsParams(symbols, strategy if request.mine else None, None, scenario)
            return Scored(0.86, what_if)
        if not (request.mine or request.has(r"\bportfolio\b")):
            return None
        rank = rank_metric(request)
        if (
            request.has(_POSITION_WORDS)
            or strategy is not None
            or rank is not None
            or request.has(_REVIEW_WORDS)
        ):
            return Scored(0.82, PositionsParams(symbols, strategy, rank))
        return None

    def plan(
        self, request: Request, params: PositionsParams, done: Sequence[Outcome]
    ) -> list[Call]:
        listing = first(done, GET_POSITIONS)
        if listing is None:
            return [Call(GET_POSITIONS, {})]
        positions = listing.result(PositionsResult)
        if not isinstance(positions, PositionsResult) or first(done, ANALYZE_POSITION):
            return []
        chosen = [s for s in positions.strategies if matches(s, params) and s.legs]
        extra = scenario_arguments(params.scenario, request.now, request.calendar)
        return [
            Call(ANALYZE_POSITION, {"position_ids": [leg.position_id for leg in s.legs], **extra})
            for s in chosen[:MAX_ANALYSES]
        ]

    def compose(self, request: Request, params: PositionsParams, done: Sequence[Outcome]) -> str:
        positions = result_or_reason(done, GET_POSITIONS, PositionsResult)
        if isinstance(positions, str):
            return positions
        if not positions.strategies:
            return ("You have no saved positions yet. Build and save them in the Options tab and "
                    "I'll analyse them.")  # fmt: skip
        analyses = [o for o in done if o.name == ANALYZE_POSITION]
        if not analyses:
            have = ", ".join(s.label for s in positions.strategies if s.label)
            wanted = (params.strategy or "").replace("_", " ") or "that"
            where = " on " + "/".join(params.symbols) if params.symbols else ""
            return f"None of your saved positions matches {wanted}{where}" + (
                f". You have: {have}." if have else ".")  # fmt: skip
        ok: list[Analysed] = []
        failed: list[str] = []
        for o in analyses:
            result = o.result(AnalysisResult)
            if isinstance(result, AnalysisResult):
                ok.append((o, result))
            else:
                failed.append(error_line(result.error))
        ranked = _ranked(request, params.rank_by, ok)
        parts = _ranking(params.rank_by, ranked) if params.rank_by and ranked else []
        compact = len(ranked) > 2
        parts.extend(analysis_text(a, o.arguments, request.today, compact=compact)
                     for o, a in ranked)  # fmt: skip
        parts.extend(failed)
        if len([s for s in positions.strategies if matches(s, params)]) > len(analyses):
            parts.append("I analysed the first few matching positions; ask about one by name for "
                         "the rest.")  # fmt: skip
        parts.append(ADVICE_NOTE)
        return "\n\n".join(parts)


def portfolio_text(d: PortfolioGreeksResult, request: Request) -> str:
    notes = [f"- Note: {w}" for w in d.warnings[:3]]
    if not d.underlyings:
        return "\n".join(["You have no open option or stock exposure, so your portfolio Greeks "
                          "are all zero.", *notes])  # fmt: skip
    lines = ["**Portfolio Greeks**"]
    if d.delta_dollars is not None:
        bw = d.beta_weighted_delta
        like = (f" — like {shares(bw)} SPY shares {'long' if bw >= 0 else 'short'}"
                if bw is not None else "")  # fmt: skip
        lines.append(f"- Net delta: {signed_money(d.delta_dollars)} of delta dollars{like} "
                     "(beta-weighted).")  # fmt: skip
    if d.theta_dollars_per_day is not None:
        lines.append(f"- Theta: {signed_money(d.theta_dollars_per_day)} a day.")
    if d.vega_dollars_per_vol_point is not None:
        lines.append(f"- Vega: {signed_money(d.vega_dollars_per_vol_point)} per IV point.")
    if d.gamma_dollars_per_pct is not None:
        lines.append(f"- Gamma: delta dollars change by {signed_money(d.gamma_dollars_per_pct)} "
                     "per one-percent move.")  # fmt: skip
    said = [d.phrases.beta_weighted_delta, d.phrases.theta, d.phrases.vega]
    if any(said):
        lines.append("In words: " + "; ".join(p for p in said if p) + ".")
    lines.append("By underlying:")
    for r in d.underlyings:
        bits = []
        if (ds := r.delta_shares) is not None:
            dollars = f" ({signed_money(r.delta_dollars)})" if r.delta_dollars is not None else ""
            bits.append(f"delta {shares(ds)} shares {'long' if ds >= 0 else 'short'}{dollars}")
        if r.theta_dollars_per_day is not None:
            bits.append(f"theta {signed_money(r.theta_dollars_per_day)} a day")
        lines.append(f"- {r.underlying}: " + (", ".join(bits) if bits else "no Greeks"))
    if d.unweighted:
        lines.append(f"Left out of the beta weighting (no known beta): {', '.join(d.unweighted)}.")
    lines.extend(notes)
    lines.append(f"_As of {when(d.as_of, today=request.today)}._")
    lines.append(ADVICE_NOTE)
    return "\n".join(lines)


class PortfolioGreeksSkill(Skill[Request, None]):
    """The whole book's net Greeks ("my net delta", "portfolio greeks")."""

    name = "portfolio_greeks"
    capability = '**Portfolio Greeks** — "what\'s my net delta"'
    tools = (GET_PORTFOLIO_GREEKS,)

    def score(self, request: Request) -> Scored[None] | None:
        book = request.mine or request.has(r"\bportfolio\b")
        if (
            book
            and request.has(_GREEK_WORDS)
            and strategy_family(request.masked) is None
            and (rank_metric(request) is None or not request.has(_POSITION_WORDS))
        ):
            return Scored(0.84, None)
        return Scored(0.8, None) if request.has(_BOOK_GREEKS) else None

    def plan(self, request: Request, params: None, done: Sequence[Outcome]) -> list[Call]:
        return [] if done else [Call(GET_PORTFOLIO_GREEKS, {})]

    def compose(self, request: Request, params: None, done: Sequence[Outcome]) -> str:
        result = result_or_reason(done, GET_PORTFOLIO_GREEKS, PortfolioGreeksResult)
        return result if isinstance(result, str) else portfolio_text(result, request)


#: The slice's offline skills (``Manifest(skills=SKILLS)``).
SKILLS = (PositionsSkill(), PortfolioGreeksSkill())
