"""The trader's message as the offline skills read it, and the turn it starts.

``Request`` is the language kit's reading of one message, done once for all skills: the
corrected words (``typos``), the tickers (``symbols``), inline legs (``legs``), the first date
phrase (``dates``), whether the trader speaks of their own book ("my", "I have"), a glossary
topic, whether it reads as a follow-up ("and qqq?"), plus the conversation around it: the
skill that answered the trader's previous message (chained: "levels spy" → "and qqq?" →
"and iwm?") and the conversation's last symbol, for requests that name none.

Scores skills give (``aicoach.coach.skills``), by how sure the words make them:

* ``1.0`` — a fixed command ("hi", "help");
* ``0.85–0.95`` — a specific phrase only one skill reads ("is the market open", written-out
  legs, "my net delta", "what is gamma", a feature that does not exist yet);
* ``0.6–0.8`` — a keyword of the skill's subject ("chain", "chart", "levels");
* ``0.3–0.55`` — weak evidence: generic price words, a follow-up, a bare ticker;
* below ``MIN_SCORE`` (``0.25``) nothing is claimed and the fallback answers.

``read_turn`` finds the trader's last message and the tool work done since (the coach is
stateless: each model step re-reads the conversation).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from aicoach.chat.offline import glossary
from aicoach.chat.offline.dates import DateSpec, parse_date_spec, today_et
from aicoach.chat.offline.legs import LegDraft, parse_legs
from aicoach.chat.offline.symbols import find_symbols
from aicoach.chat.offline.typos import correct_typos
from aicoach.coach.skills import Match, Outcome, SkillRegistry
from aicoach.llm.messages import ChatMessage, Role
from aicoach.marketdata.calendar import MarketCalendar

#: Score of a follow-up that repeats the previous message's skill for a new symbol.
FOLLOW_UP_SCORE: Final = 0.4

_MINE: Final = re.compile(r"\b(?:my|mine|i'm|im|i\s+am|am\s+i|i\s+have|i\s+own|i\s+hold|we)\b")
_FOLLOW_UP: Final = re.compile(
    r"^\s*(?:and|what\s+about|how\s+about|same\s+for|now|ok|also|what\s+of|then)\b"
)


@dataclass(frozen=True, slots=True)
class Request:
    """One trader message, read once by the language kit (see the module docstring)."""

    text: str  # as typed, stripped
    words: str  # lower-cased, typos corrected
    masked: str  # ``words`` with the inline legs blanked
    symbols: tuple[str, ...]
    legs: tuple[LegDraft, ...]
    date: DateSpec | None
    mine: bool
    topic: str | None  # glossary key
    follow_up: bool
    now: datetime
    calendar: MarketCalendar
    previous: Match[Request] | None = None
    history_symbol: str | None = None
    capabilities: tuple[str, ...] = ()

    @property
    def symbol(self) -> str | None:
        """The first ticker the message names (not the conversation's)."""
        return self.symbols[0] if self.symbols else None

    @property
    def today(self) -> dt.date:
        """The New York date of ``now``."""
        return today_et(self.now)

    def has(self, pattern: str) -> bool:
        """Does ``pattern`` (a regular expression) occur in the corrected words?"""
        return re.search(pattern, self.words) is not None

    def follow_up_of(self, skill: str) -> Any | None:
        """The previous message's parameters when this message only swaps the symbol of a
        request ``skill`` answered ("and qqq?"); else ``None``."""
        prev = self.previous
        if self.symbol is None or not self.follow_up or prev is None or prev.skill.name != skill:
            return None
        return prev.params


def read_request(text: str, now: datetime, calendar: MarketCalendar, **context: Any) -> Request:
    """The kit's reading of ``text``; ``context`` sets the conversation fields."""
    raw = text.strip()
    words = correct_typos(raw)
    drafts, spans = parse_legs(words)
    chars = list(words)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    masked = "".join(chars)
    return Request(
        text=raw,
        words=words,
        masked=masked,
        symbols=tuple(find_symbols(raw)),
        legs=tuple(drafts),
        date=parse_date_spec(masked),
        mine=_MINE.search(words) is not None,
        topic=glossary.lookup(words),
        follow_up=_FOLLOW_UP.search(words) is not None or len(words.split()) <= 2,
        now=now,
        calendar=calendar,
        **context,
    )


@dataclass(frozen=True, slots=True)
class Turn:
    """The trader's last message, the skill that won it and the tool work done since."""

    request: Request
    match: Match[Request]
    outcomes: tuple[Outcome, ...]
    rounds: int  # assistant tool-call messages since the user's message
    user_index: int  # how many user messages the conversation has (1-based turn number)


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


def read_turn(
    messages: Sequence[ChatMessage],
    skills: SkillRegistry[Request],
    now: datetime,
    calendar: MarketCalendar,
) -> Turn | None:
    """The turn of the trader's last message (``None`` when there is none)."""
    users = [i for i, m in enumerate(messages) if m.role is Role.USER]
    if not users:
        return None
    last = users[-1]
    caps = tuple(skills.capabilities())
    previous: Match[Request] | None = None
    for i in users[:-1]:  # chained follow-ups: "levels spy" → "and qqq?" → "and iwm?"
        earlier = read_request(
            messages[i].content, now, calendar, previous=previous, capabilities=caps
        )
        previous = skills.match(earlier)
    request = read_request(
        messages[last].content, now, calendar, previous=previous, capabilities=caps,
        history_symbol=history_symbol(messages[:last]),
    )  # fmt: skip
    calls: dict[str, tuple[str, Mapping[str, Any]]] = {}
    outcomes: list[Outcome] = []
    rounds = 0
    for msg in messages[last + 1 :]:
        if msg.role is Role.ASSISTANT and msg.tool_calls:
            rounds += 1
            for call in msg.tool_calls:
                calls[call.id] = (call.name, call.arguments)
        elif msg.role is Role.TOOL and msg.tool_call_id is not None:
            name, args = calls.get(msg.tool_call_id, (msg.name or "", {}))
            outcomes.append(Outcome(msg.tool_call_id, name, args, msg.content))
    return Turn(request, skills.match(request), tuple(outcomes), rounds, len(users))
