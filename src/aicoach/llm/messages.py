"""Provider-neutral chat messages, tool specs and stream events.

These are *our* types: the adapters translate them to and from each vendor's wire format, so
nothing vendor-shaped leaks into the chat service. All are frozen dataclasses.

A conversation is a list of ``ChatMessage``. A tool round trip looks like::

    ChatMessage.user("What is SPY's ATM IV?")
    ChatMessage.assistant("", tool_calls=(ToolCall("call_1", "get_chain", {"symbol": "SPY"}),))
    ChatMessage.tool_result("call_1", '{"atm_iv": 0.14}', name="get_chain")
    ChatMessage.assistant("SPY's at-the-money IV is 14 %.")

Stream events (``LLMEvent``) are what ``LLM.stream`` yields; their order is the contract written
down in ``aicoach.llm.ports``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class FinishReason(StrEnum):
    """Why the model stopped: it is done, it wants tool results, or it hit ``max_tokens``."""

    STOP = "stop"
    TOOL_CALLS = "tool_calls"
    LENGTH = "length"


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for. ``arguments`` is the decoded JSON object."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ToolSpec:
    """A tool offered to the model; ``parameters`` is a JSON Schema of type ``object``."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


@dataclass(frozen=True)
class ChatMessage:
    """One message of a conversation.

    ``tool_calls`` only on assistant messages; ``tool_call_id`` (required) only on tool
    messages, naming the call they answer; ``name`` is the tool's name on tool messages (kept for
    display and for providers that want it) and is otherwise unused.
    """

    role: Role
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        # Catch conversation-building bugs here, not as an opaque HTTP 400 from a vendor.
        if self.tool_calls and self.role is not Role.ASSISTANT:
            raise ValueError("only assistant messages carry tool_calls")
        if self.role is Role.TOOL and not self.tool_call_id:
            raise ValueError("a tool message needs the tool_call_id it answers")
        if self.role is not Role.TOOL and self.tool_call_id is not None:
            raise ValueError("only tool messages carry a tool_call_id")

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls(Role.SYSTEM, content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        return cls(Role.USER, content)

    @classmethod
    def assistant(cls, content: str, tool_calls: tuple[ToolCall, ...] = ()) -> ChatMessage:
        return cls(Role.ASSISTANT, content, tool_calls=tuple(tool_calls))

    @classmethod
    def tool_result(
        cls, tool_call_id: str, content: str, *, name: str | None = None
    ) -> ChatMessage:
        return cls(Role.TOOL, content, tool_call_id=tool_call_id, name=name)


# --- stream events -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    """The next piece of the assistant's visible text, in order."""

    text: str


@dataclass(frozen=True)
class ToolCallRequested:
    """A complete tool call (all argument fragments assembled and decoded)."""

    call: ToolCall


@dataclass(frozen=True)
class Usage:
    """Tokens billed for this one model call (prompt incl. tool results; completion)."""

    input_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Finished:
    """Always the last event of a successful stream."""

    reason: FinishReason


LLMEvent = TextDelta | ToolCallRequested | Usage | Finished
