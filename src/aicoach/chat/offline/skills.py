"""The offline coach's general skills, owned by no slice: greetings and help, explanations from
the glossary, features that do not exist yet, and the fallback (the advice refusal, which quotes
the symbol's quote and levels, is the charts slice's).

Their answers state no number of their own, and the "not yet" answers name only what the app
has: a Chart tab, an Options tab (chain, builder, risk graph, saved positions, portfolio
Greeks), Settings (sessions, API tokens).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aicoach.chat.offline import glossary
from aicoach.chat.offline.answers import LIMITS, capabilities_text
from aicoach.chat.offline.request import Request
from aicoach.coach.skills import Outcome, Scored, Skill

_GREETING: Final = (
    r"^\W*(?:hi|hello|hey|help|yo|thanks|thank you|who are you|what can you do|what do you do|"
    r"commands|menu)\W*$"
)


class HelpSkill(Skill[Request, None]):
    """A greeting or "help": what the coach can do."""

    name = "help"

    def score(self, request: Request) -> Scored[None] | None:
        return Scored(1.0, None) if not request.text or request.has(_GREETING) else None

    def compose(self, request: Request, params: None, done: Sequence[Outcome]) -> str:
        return "Hi! " + capabilities_text(request.capabilities) + "\n\n" + LIMITS


_EXPLAIN_TRIGGER: Final = (
    r"\b(?:what\s+(?:is|are|'s|s|does)|whats|what's|explain|define|definition|meaning\s+of|"
    r"tell\s+me\s+about|how\s+(?:does|do)|teach\s+me|what\s+do\s+you\s+mean)\b"
)
_DEFINE: Final = r"\b(?:explain|define|definition|meaning)\b"
_ABOUT_DATA: Final = r"\b(?:trading\s+at|price\s+of|chain|chart|levels\s+(?:for|on|of))\b"


class ExplainSkill(Skill[Request, str]):
    """A glossary entry: "what is gamma", "explain an iron condor" (no tool, no number)."""

    name = "explain"
    capability = '**Explanations** — "what is gamma", "explain an iron condor"'

    def score(self, request: Request) -> Scored[str] | None:
        topic = request.topic
        if topic is None or request.mine:
            return None  # "how's my iron condor" is about the trader's own position
        if (
            request.has(_EXPLAIN_TRIGGER)
            and not request.legs
            and (request.symbol is None or request.has(_DEFINE))
            and not request.has(_ABOUT_DATA)
        ):
            return Scored(0.95, topic)
        return Scored(0.3, topic)  # a bare topic word, when nothing else claims the message

    def compose(self, request: Request, params: str, done: Sequence[Outcome]) -> str:
        return (glossary.explain(params) + "\n\nAsk about your own positions or a ticker and "
                "I'll show it with live numbers.")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Missing:
    """A feature the app does not have yet: what the words look like and what to say."""

    name: str
    words: str
    answer: str


#: Each answer is one or two lines, names only what exists, and contains no digit.
NOT_YET: Final = (
    Missing(
        "scanner",
        r"\b(?:scan|scans|scanner|scanning|screen|screener|screening)\b|"
        r"\bwhich\s+(?:stocks|tickers|names|symbols|etfs)\b|"
        r"\b(?:stocks|tickers|names|symbols)\s+(?:with|that\s+have|having)\b|"
        r"\btop\s+(?:movers|gainers|losers)\b",
        "I can't scan the market yet: there's no scanner. I look at one symbol at a time — ask "
        "\u201cwhat's the IV on SPY\u201d or \u201ckey levels for QQQ\u201d.",
    ),
    Missing(
        "alerts",
        r"\b(?:alert|alerts|notify|notification|notifications|remind)\b|"
        r"\b(?:ping|text|email)\s+me\b|\blet\s+me\s+know\s+(?:when|if)\b",
        "I can't set alerts yet: AI Coach has no price alerts. I can show where a symbol "
        "trades now and its key levels — ask \u201ckey levels for {symbol}\u201d.",
    ),
    Missing(
        "screenshots",
        r"\b(?:screenshots?|screen\s*shots?|upload|uploads|uploading|ocr)\b",
        "I can't read screenshots yet. Enter your legs in the Options tab's builder and save "
        "them, then ask \u201canalyze my positions\u201d.",
    ),
    Missing(
        "ai_provider",
        r"\b(?:openai|chatgpt|gpt|claude|anthropic|ollama|llm)\b",
        "I can't switch AI models from the chat: the model is set in the server's "
        "configuration, not in the app. Until then I'm the offline coach.",
    ),
)


class NotYetSkill(Skill[Request, Missing]):
    """A request for a feature that does not exist yet (scanner, alerts, screenshot
    import, choosing the AI model): a short "not yet" instead of a wrong tool."""

    name = "not_yet"

    def score(self, request: Request) -> Scored[Missing] | None:
        # The words as typed: product names ("openai") are no typos of request words ("open").
        typed = request.text.lower()
        found = next((m for m in NOT_YET if re.search(m.words, typed)), None)
        return Scored(0.92, found) if found is not None else None

    def compose(self, request: Request, params: Missing, done: Sequence[Outcome]) -> str:
        return params.answer.replace("{symbol}", request.symbol or "SPY")


class UnknownSkill(Skill[Request, None]):
    """The fallback: nothing matched well enough; say so and list what works."""

    name = "unknown"

    def score(self, request: Request) -> Scored[None] | None:
        return Scored(0.0, None)

    def compose(self, request: Request, params: None, done: Sequence[Outcome]) -> str:
        return ("I didn't catch a request I can answer offline.\n\n"
                + capabilities_text(request.capabilities) + "\n\n" + LIMITS)  # fmt: skip


#: The chat's own offline skills; ``FALLBACK`` answers what no skill claims.
SKILLS = (ExplainSkill(), HelpSkill(), NotYetSkill())
FALLBACK = UnknownSkill()
