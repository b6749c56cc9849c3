"""Choose the LLM adapter from the settings.

    LLM_PROVIDER=offline    → None: the chat service uses the offline (deterministic) coach
    LLM_PROVIDER=openai     → OpenAICompatibleLLM(OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL)
    LLM_PROVIDER=anthropic  → AnthropicLLM(ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_MODEL)

Called from the app's lifespan (pass the shared ``httpx.AsyncClient`` as ``http``; then
``aclose()`` leaves it open) or per request; building an adapter does no I/O.
"""

from __future__ import annotations

import httpx

from aicoach.config import LLMProviderName, Settings
from aicoach.llm._adapter import HTTPChatAdapter
from aicoach.llm.anthropic import AnthropicLLM
from aicoach.llm.openai_compat import OpenAICompatibleLLM
from aicoach.llm.ports import LLM


def build_llm(settings: Settings, *, http: httpx.AsyncClient | None = None) -> LLM | None:
    """The configured model provider, or ``None`` for the offline coach."""
    provider = settings.llm_provider
    adapter: type[HTTPChatAdapter]
    if provider is LLMProviderName.OFFLINE:
        return None
    if provider is LLMProviderName.OPENAI:
        adapter, key = OpenAICompatibleLLM, settings.openai_api_key
        base_url, model = settings.openai_base_url, settings.openai_model
    elif provider is LLMProviderName.ANTHROPIC:
        adapter, key = AnthropicLLM, settings.anthropic_api_key
        base_url, model = settings.anthropic_base_url, settings.anthropic_model
    else:
        raise AssertionError(f"unhandled LLM provider {provider!r}")  # mypy: exhaustive above
    return adapter(
        base_url,
        key.get_secret_value() if key is not None else None,
        model,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        http=http,
    )
