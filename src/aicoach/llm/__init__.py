"""The LLM port (``ports.LLM``), our provider-neutral message and event types, the adapters
(OpenAI-compatible, Anthropic), their errors, the registry and cost estimates.

Design and the reasons for plain httpx: ``docs/adr/0003-llm-adapters.md``.
"""

from aicoach.llm.anthropic import AnthropicLLM
from aicoach.llm.errors import (
    LLMAuthError,
    LLMBadResponseError,
    LLMError,
    LLMRateLimitedError,
    LLMRequestRejectedError,
    LLMStreamInterruptedError,
    LLMTimeoutError,
    LLMUnavailableError,
)
from aicoach.llm.messages import (
    ChatMessage,
    Finished,
    FinishReason,
    LLMEvent,
    Role,
    TextDelta,
    ToolCall,
    ToolCallRequested,
    ToolSpec,
    Usage,
)
from aicoach.llm.openai_compat import OpenAICompatibleLLM
from aicoach.llm.ports import LLM
from aicoach.llm.pricing import ModelPrice, estimate_cost_usd, price_for
from aicoach.llm.registry import build_llm

__all__ = [
    "LLM",
    "AnthropicLLM",
    "ChatMessage",
    "FinishReason",
    "Finished",
    "LLMAuthError",
    "LLMBadResponseError",
    "LLMError",
    "LLMEvent",
    "LLMRateLimitedError",
    "LLMRequestRejectedError",
    "LLMStreamInterruptedError",
    "LLMTimeoutError",
    "LLMUnavailableError",
    "ModelPrice",
    "OpenAICompatibleLLM",
    "Role",
    "TextDelta",
    "ToolCall",
    "ToolCallRequested",
    "ToolSpec",
    "Usage",
    "build_llm",
    "estimate_cost_usd",
    "price_for",
]
