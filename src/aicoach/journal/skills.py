"""The offline coach's journal skills: results over a period ("how did I do last month?", "what's
my win rate on iron condors?"), the trade list ("show my TSLA trades") and habits ("when do I
trade worst?").

Words are matched on the kit's corrected text and on the text as typed (the typo corrector
knows market words: it reads "stats" as "status" and "make" as "market"). Past periods come
from :mod:`aicoach.journal.periods`; a present-tense question about P&L without a past period
("what's my p&l this week") stays with the open positions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from aicoach.chat.offline.answers import result_or_reason
from aicoach.chat.offline.dates import MONTHS
from aicoach.chat.offline.fmt import day, fraction_percent, money, signed_money
from aicoach.chat.offline.request import Request
from aicoach.coach.skills import Call, Outcome, Scored, Skill
from aicoach.journal.periods import Span, parse_period
from aicoach.journal.tools import (
    FindingLine,
    GroupLine,
    JournalStatsResult,
    TradeHistoryResult,
    TradeLine,
    TradePatternsResult,
)
from aicoach.positions.skills import strategy_family

GET_TRADE_HISTORY: Final = "get_trade_history"
GET_JOURNAL_STATS: Final = "get_journal_stats"
GET_TRADE_PATTERNS: Final = "get_trade_patterns"
EMPTY: Final = (
    "Your journal has no trades yet. Import a broker export in the Journal tab (or with "
    "`aicoach journal import`) and ask again."
)
NOTHING_IN_PERIOD: Final = "You have no closed trades in your journal for {period}."

_RESULTS: Final = (
    r"\b(?:win\s*rate|winrate|win\s+percentage|hit\s+rate|profit\s+factor|expectancy|"
    r"track\s+record|reali[sz]ed\s+(?:p&l|pnl|p/l|gains?|losses?|profits?)|"
    r"journal|stats|statistics|performance|"
    r"(?:how|what)\s+did\s+(?:i|my|we)\b|did\s+i\s+(?:make|lose|do)|"
    r"how\s+(?:have|has)\s+(?:i|my)\b|how\s+much\s+did\s+i\s+(?:make|lose|win))"
)
_PNL: Final = r"\b(?:p&l|pnl|p/l|profit|profits|loss|losses|results?|made|lost|net)\b"
_HISTORY: Final = (
    r"\b(?:trade\s+(?:history|log|list)|past\s+trades|closed\s+trades|previous\s+trades|"
    r"(?:show|list|see|view|display|pull\s+up)\b.*\btrades\b|\b(?:last|recent)\s+(?:\d+\s+)?trades|"
    r"trades\s+(?:in|on|from|during|since|last|this)\b)"
)
_PATTERNS: Final = (
    r"\b(?:patterns?|habits?|tendenc(?:y|ies)|leaks?|my\s+edge|mistakes?|"
    r"when\s+do\s+i\s+(?:trade|do|perform)\s+(?:best|worst|better|worse)|"
    r"(?:best|worst)\s+(?:time|times|hour|hours|day|days|weekday|setup|setups)\b|"
    r"what\s+am\s+i\s+doing\s+(?:wrong|right)|what\s+(?:do|should)\s+i\s+(?:do\s+)?"
    r"(?:wrong|differently|better))"
)
_WHEN: Final = re.compile(r"\bwhen\b|\b(?:time|times|hour|hours|day|days|weekday)\b")
_WORST: Final = re.compile(r"\b(?:worst|worse|wrong|mistakes?|leaks?|lose|losing|bad)\b")
_BEST: Final = re.compile(r"\b(?:best|better|right|edge|strengths?)\b")
_OPEN: Final = re.compile(r"\bopen\s+trades\b")
_CLOSED: Final = re.compile(r"\bclosed\s+trades\b")
_LIMIT: Final = re.compile(r"\b(?:last|recent|latest)\s+(\d{1,2})\s+trades\b")
#: Present-tense reviews of what is open now belong to the positions skills.
_NOW: Final = r"\b(?:how\s+am\s+i\s+doing|how\s+are\s+my|how'?s\s+my|right\s+now|currently)\b"
MAX_LINES: Final = 10
MAX_FINDINGS: Final = 5


def _has(request: Request, pattern: str) -> bool:
    """``pattern`` in the corrected words or in the text as typed."""
    return request.has(pattern) or re.search(pattern, request.text.lower()) is not None


@dataclass(frozen=True, slots=True)
class JournalParams:
    symbol: str | None
    strategy: str | None
    start: date | None
    end: date | None
    status: str | None = None
    limit: int = MAX_LINES
    focus: str = ""  # patterns: "worst" | "best" | ""
    when: bool = False  # patterns: the question is about time of day/week


def _symbol(request: Request, span: Span | None) -> str | None:
    """The ticker the message names, unless it is a word of the period ("march 2024")."""
    said = span.words if span is not None else ""
    for symbol in request.symbols:
        word = symbol.lower()
        if word not in MONTHS and word not in said.split():
            return symbol
    return None


def _params(request: Request, **extra: Any) -> JournalParams:
    span: Span | None = parse_period(request.text.lower(), request.today)
    return JournalParams(
        symbol=_symbol(request, span),
        strategy=strategy_family(request.masked),
        start=span.start if span else None,
        end=span.end if span else None,
        **extra,
    )


def _dates(p: JournalParams) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if p.start is not None:
        out["from"] = p.start.isoformat()
    if p.end is not None:
        out["to"] = p.end.isoformat()
    return out


def _filters(p: JournalParams) -> dict[str, Any]:
    out = _dates(p)
    if p.symbol:
        out["symbol"] = p.symbol
    if p.strategy:
        out["strategy"] = p.strategy
    return out


def _what(p: JournalParams) -> str:
    """The trades the answer speaks of: "TSLA iron condor trades"."""
    parts = [p.symbol] if p.symbol else []
    if p.strategy:
        parts.append(p.strategy.replace("_", " "))
    return " ".join(parts)


# --- stats ---------------------------------------------------------------------------------------


class JournalStatsSkill(Skill[Request, JournalParams]):
    """Results over a period from the journal: win rate, P&L, profit factor, best/worst."""

    name = "journal_stats"
    capability = (
        '**Your results** — "how did I do last month?", "what\'s my win rate on iron condors?"'
    )
    tools = (GET_JOURNAL_STATS,)

    def score(self, request: Request) -> Scored[JournalParams] | None:
        if request.legs or _has(request, _PATTERNS) or _has(request, _HISTORY):
            return None
        span = parse_period(request.text.lower(), request.today)
        past = span is not None and span.end is not None and span.end < request.today
        if _has(request, _RESULTS) and not _has(request, _NOW):
            return Scored(0.88, _params(request))
        if past and _has(request, _PNL):
            return Scored(0.86, _params(request))
        return None

    def plan(self, request: Request, params: JournalParams, done: Sequence[Outcome]) -> list[Call]:
        return [] if done else [Call(GET_JOURNAL_STATS, _filters(params))]

    def compose(self, request: Request, params: JournalParams, done: Sequence[Outcome]) -> str:
        got = result_or_reason(done, GET_JOURNAL_STATS, JournalStatsResult)
        if isinstance(got, str):
            return got
        return stats_text(got, params, request.today)


def _line_text(t: TradeLine, today: date) -> str:
    when = t.closed_at or t.opened_at
    r = f" ({t.r_multiple:.2f}R)" if t.r_multiple is not None else ""
    return (f"{t.underlying} {t.strategy_label}, closed {day(when.date(), this_year=today.year)}: "
            f"{signed_money(t.realized_net)}{r}")  # fmt: skip


def _group_text(g: GroupLine) -> str:
    rate = f", {fraction_percent(g.win_rate)} won" if g.win_rate is not None else ""
    return (
        f"{g.key} {g.trades} trade{'s' if g.trades != 1 else ''}{rate}, {signed_money(g.net_pnl)}"
    )


def stats_text(d: JournalStatsResult, p: JournalParams, today: date) -> str:
    what = _what(p)
    if d.trades == 0:
        if d.open_trades == 0 and not p.symbol and not p.strategy and p.start is None:
            return EMPTY
        scope = f"{what + ' ' if what else ''}{d.period.label}"
        text = NOTHING_IN_PERIOD.format(period=scope)
        if d.open_trades:
            text += f" ({d.open_trades} still open.)"
        return text
    title = f"**Your {what + ' ' if what else ''}results, {d.period.label}**"
    lines = [f"{title} — {d.trades} closed trade{'s' if d.trades != 1 else ''}"]
    rate = f"a {fraction_percent(d.win_rate)} win rate" if d.win_rate is not None else ""
    lines.append(f"- Net {signed_money(d.net_pnl)}: {d.wins} won, {d.losses} lost"
                 + (f" — {rate}" if rate else "") + ".")  # fmt: skip
    parts = []
    if d.profit_factor is not None:
        parts.append(f"profit factor {d.profit_factor:.2f}")
    if d.expectancy is not None:
        parts.append(f"expectancy {signed_money(d.expectancy)} a trade")
    if d.average_win is not None:
        parts.append(f"average win {money(d.average_win)}")
    if d.average_loss is not None:
        parts.append(f"average loss {money(d.average_loss)}")
    if parts:
        lines.append("- " + "; ".join(parts).capitalize() + ".")
    if d.max_drawdown is not None and d.max_drawdown > 0:
        lines.append(f"- Largest drawdown along the way: {money(d.max_drawdown)}.")
    if d.best is not None:
        lines.append(f"- Best: {_line_text(d.best, today)}.")
    if d.worst is not None:
        lines.append(f"- Worst: {_line_text(d.worst, today)}.")
    if not p.strategy and len(d.by_strategy) > 1:
        top = sorted(d.by_strategy, key=lambda g: (-g.trades, g.key))[:4]
        lines.append("By strategy: " + "; ".join(_group_text(g) for g in top) + ".")
    if d.open_trades:
        lines.append(f"Open trades are not counted ({d.open_trades} open).")
    lines.append("_From your journal (realized P&L, commissions and fees included)._")
    return "\n".join(lines)


# --- history -------------------------------------------------------------------------------------


class TradeHistorySkill(Skill[Request, JournalParams]):
    """The journal's trades, newest first ("show my TSLA trades", "my last five trades")."""

    name = "trade_history"
    capability = '**Your trade history** — "show my TSLA trades", "my closed trades last month"'
    tools = (GET_TRADE_HISTORY,)

    def score(self, request: Request) -> Scored[JournalParams] | None:
        if request.legs or not _has(request, _HISTORY) or _has(request, _PATTERNS):
            return None
        typed = request.text.lower()
        status = "open" if _OPEN.search(typed) else "closed" if _CLOSED.search(typed) else None
        m = _LIMIT.search(typed)
        limit = max(1, min(50, int(m.group(1)))) if m else MAX_LINES
        return Scored(0.87, _params(request, status=status, limit=limit))

    def plan(self, request: Request, params: JournalParams, done: Sequence[Outcome]) -> list[Call]:
        if done:
            return []
        args = _filters(params)
        if params.status:
            args["status"] = params.status
        args["limit"] = params.limit
        return [Call(GET_TRADE_HISTORY, args)]

    def compose(self, request: Request, params: JournalParams, done: Sequence[Outcome]) -> str:
        got = result_or_reason(done, GET_TRADE_HISTORY, TradeHistoryResult)
        if isinstance(got, str):
            return got
        return history_text(got, params, request.today)


def history_text(d: TradeHistoryResult, p: JournalParams, today: date) -> str:
    what = _what(p)
    scope = f"{p.status + ' ' if p.status else ''}{what + ' ' if what else ''}trades"
    if d.total == 0:
        if not what and p.start is None and not p.status:
            return EMPTY
        return f"I found no {scope} in your journal for {d.period.label}."
    head = f"**Your {scope}, {d.period.label}** — {d.total} in all"
    if d.shown < d.total:
        head += f", the newest {d.shown} below"
    lines = [head]
    for t in d.trades:
        opened = day(t.opened_at.date(), this_year=today.year)
        if t.closed_at is not None and t.status == "closed":
            closed = day(t.closed_at.date(), this_year=today.year)
            r = f" ({t.r_multiple:.2f}R)" if t.r_multiple is not None else ""
            lines.append(f"- {opened} → {closed}: {t.underlying} {t.strategy_label}, "
                         f"{signed_money(t.realized_net)}{r}")  # fmt: skip
        else:
            state = "partly closed" if t.status == "partially_closed" else "still open"
            lines.append(f"- {opened}: {t.underlying} {t.strategy_label}, {state}")
    if d.closed:
        lines.append(f"Realized on the {d.closed} closed: {signed_money(d.realized_net)} "
                     "(commissions and fees included).")  # fmt: skip
    lines.append("_From your journal._")
    return "\n".join(lines)


# --- patterns ------------------------------------------------------------------------------------


class TradePatternsSkill(Skill[Request, JournalParams]):
    """Habits from the journal ("when do I trade worst?", "what are my patterns?")."""

    name = "trade_patterns"
    capability = '**Your habits** — "when do I trade worst?", "what mistakes do I repeat?"'
    tools = (GET_TRADE_PATTERNS,)

    def score(self, request: Request) -> Scored[JournalParams] | None:
        if request.legs or not _has(request, _PATTERNS):
            return None
        if not (request.mine or _has(request, r"\b(?:i|am\s+i|do\s+i)\b")):
            return None  # "patterns" alone may be a chart's; a habit is the trader's own
        typed = request.text.lower()
        focus = "worst" if _WORST.search(typed) else "best" if _BEST.search(typed) else ""
        return Scored(0.88, _params(request, focus=focus, when=bool(_WHEN.search(typed))))

    def plan(self, request: Request, params: JournalParams, done: Sequence[Outcome]) -> list[Call]:
        return [] if done else [Call(GET_TRADE_PATTERNS, _dates(params))]

    def compose(self, request: Request, params: JournalParams, done: Sequence[Outcome]) -> str:
        got = result_or_reason(done, GET_TRADE_PATTERNS, TradePatternsResult)
        if isinstance(got, str):
            return got
        return patterns_text(got, params)


_TIME_KINDS: Final = ("hour", "weekday")


def _rank(f: FindingLine, p: JournalParams) -> tuple[int, int, int, int]:
    """Findings the question asks for first: time of day/week for "when", the weak ones for
    "worst" (the strong ones for "best"), the hour before the weekday, then the larger n."""
    tone = {"worst": {"weakness": 0}, "best": {"strength": 0}}.get(p.focus, {}).get(f.tone, 1)
    kind = f.kind.split("_")[-1]
    timely = 0 if p.when and kind in _TIME_KINDS else 1
    order = _TIME_KINDS.index(kind) if kind in _TIME_KINDS else len(_TIME_KINDS)
    return (timely, tone, order, -f.n)


def patterns_text(d: TradePatternsResult, p: JournalParams) -> str:
    if d.trades == 0:
        return NOTHING_IN_PERIOD.format(period=d.period.label) if p.start else EMPTY
    if not d.findings:
        return (f"Nothing stands out yet in your {d.trades} closed trades ({d.period.label}): "
                "a pattern needs a few trades in each group to compare.")  # fmt: skip
    chosen = sorted(d.findings, key=lambda f: _rank(f, p))[:MAX_FINDINGS]
    lines = [f"**What your journal shows, {d.period.label}** ({d.trades} closed trades)"]
    lines += [f"- {f.sentence}" for f in chosen]
    if any(f.caution for f in chosen):
        lines.append("Findings marked small sample rest on fewer than ten trades: treat them "
                     "as hints, not rules.")  # fmt: skip
    lines.append("_From your journal; times are New York._")
    return "\n".join(lines)


#: The slice's offline skills (``Manifest(skills=SKILLS)``).
SKILLS = (JournalStatsSkill(), TradeHistorySkill(), TradePatternsSkill())
