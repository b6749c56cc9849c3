"""The LLM port: what the chat service needs from a model provider, and nothing vendor-shaped.

Adapters: ``OpenAICompatibleLLM`` (OpenAI and any server speaking its Chat Completions API:
vLLM, Ollama, LM Studio, llama.cpp, LiteLLM, ...) and ``AnthropicLLM`` (the Messages API).
``registry.build_llm(settings)`` picks one, or ``None`` for the offline coach.

Stream contract — ``stream()`` yields, for one model call::

    TextDelta*            visible text, in order, never repeated
    ToolCallRequested*    each call complete (arguments decoded); with Anthropic a call can
                          come between text deltas, with OpenAI they all come at the end
    Usage?                at most once, near the end, when the provider reports token counts
    Finished              exactly once, always last: STOP | TOOL_CALLS | LENGTH

and raises an ``LLMError`` subclass (``aicoach.llm.errors``) on failure. A failure can come
after some text was yielded (``LLMStreamInterruptedError``, a mid-stream ``LLMTimeoutError``):
the adapter never retries once streaming has begun, so the caller keeps or discards the partial
text itself. To stop early (the trader pressed "stop"), cancel the task that iterates: the
``CancelledError`` is raised inside the adapter, which closes the HTTP response on its way out.
The adapters' streams are async generators, so ``aclose()`` works on them too; merely leaving
``async for`` would keep the response open until the generator is garbage-collected.

``Finished(TOOL_CALLS)`` means: run the tools, append the assistant message with its
``tool_calls`` and one ``ChatMessage.tool_result`` per call, and call ``stream()`` again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from aicoach.llm.messages import ChatMessage, LLMEvent, ToolSpec


@runtime_checkable
class LLM(Protocol):
    """A chat model that streams. ``name`` is the provider key ("openai", "anthropic"),
    ``model`` the model id sent to it, ``label`` what the UI shows ("OpenAI · gpt-4o-mini")."""

    name: str
    model: str
    label: str

    def stream(
        self,
        messages: list[ChatMessage],
        tools: list[ToolSpec],
        *,
        temperature: float,
        max_tokens: int,
    ) -> AsyncIterator[LLMEvent]:
        """Stream one model turn; see the module docstring for the event order.

        ``temperature`` is the sampling temperature (0 = most deterministic; providers clamp to
        their own range), ``max_tokens`` the cap on generated tokens for this call.
        """
        ...

    async def aclose(self) -> None:
        """Release the HTTP client if the adapter created it."""
        ...
