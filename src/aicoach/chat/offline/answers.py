"""Sentences every skill's answer shares: provenance, failures, the offline coach's limits.

None of the fixed texts contains a digit (a test holds it): the grounding rule is that every
number the coach writes comes from a tool result of the same turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final, TypeVar

from pydantic import BaseModel

from aicoach.chat.offline.fmt import when
from aicoach.coach.skills import Outcome, first
from aicoach.coach.tools import ToolError

M = TypeVar("M", bound=BaseModel)

UNAVAILABLE: Final = "That tool isn't available right now, so I can't answer this offline."
ADVICE_NOTE: Final = (
    "I'm the offline coach: I can show what the numbers say, but I can't tell you whether to "
    "hold, adjust or close — that's your call."
)
LIMITS: Final = (
    "I'm the offline coach: I read the numbers from your tools, but I can't give opinions, "
    "predictions or trade advice (open-ended coaching needs an AI model configured on the "
    "server)."
)


def error_line(message: str) -> str:
    """A tool's failure, said plainly."""
    return f"I couldn't get that: {message.strip() or 'the tool failed'}"


def source_line(source: str | None, as_of: datetime | None, stale: bool, today: date) -> str:
    """``_Simulated data as of 3:00 pm ET._`` plus a stale warning; empty without provenance."""
    if source is None and as_of is None:
        return ""
    out = f"_{(source or 'market').capitalize()} data"
    out += (f" as of {when(as_of, today=today)}" if as_of else "") + "._"
    if stale:
        out += " **Stale:** the data provider failed, so this is the last good value."
    return out


def which_symbol(what: str) -> str:
    """Asked when a request needs a ticker and neither the message nor the chat has one."""
    return (
        f"Which symbol do you want {what} for? Name a ticker (like SPY or $AAPL) or a company "
        "(like Apple)."
    )


def capabilities_text(lines: Sequence[str]) -> str:
    """The help list, one skill capability per bullet."""
    return "Here is what I can do offline, from live tool data:\n" + "\n".join(
        f"- {line}" for line in lines
    )


def result_or_reason(done: Sequence[Outcome], tool: str, model: type[M]) -> M | str:
    """The typed result of this turn's first ``tool`` call, or the sentence to answer instead:
    ``UNAVAILABLE`` when it was not called (not offered), the failure said plainly."""
    o = first(done, tool)
    if o is None:
        return UNAVAILABLE
    result = o.result(model)
    if isinstance(result, ToolError):
        return error_line(result.error)
    return result
