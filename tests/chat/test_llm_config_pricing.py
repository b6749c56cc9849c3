"""LLM settings (env names, validation), the registry, cost estimates and message rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from aicoach.config import LLMProviderName, Settings
from aicoach.llm import (
    AnthropicLLM,
    ChatMessage,
    Finished,
    FinishReason,
    OpenAICompatibleLLM,
    TextDelta,
    ToolCall,
    Usage,
    build_llm,
    estimate_cost_usd,
    price_for,
)
from aicoach.llm.pricing import PRICES, table_price
from tests.fakes.llm_script import text_turn
from tests.fakes.openai_server import serve_openai

LLM_ENV = [
    "LLM_PROVIDER",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_MODEL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_MODEL",
    "LLM_PRICE_INPUT_PER_MTOK",
    "LLM_PRICE_OUTPUT_PER_MTOK",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"AICOACH_{name}", raising=False)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


# --- settings -------------------------------------------------------------------------------


def test_defaults_are_the_offline_coach() -> None:
    s = settings()
    assert s.llm_provider is LLMProviderName.OFFLINE
    assert s.openai_base_url == "https://api.openai.com/v1"
    assert s.openai_model == "gpt-4o-mini"
    assert s.anthropic_base_url == "https://api.anthropic.com"
    assert s.openai_api_key is None
    assert build_llm(s) is None


@pytest.mark.parametrize("prefix", ["", "AICOACH_"])
def test_env_names_with_and_without_prefix(monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    monkeypatch.setenv(f"{prefix}LLM_PROVIDER", "openai")
    monkeypatch.setenv(f"{prefix}OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv(f"{prefix}OPENAI_MODEL", "gpt-4.1-mini")
    s = Settings(_env_file=None)
    assert s.llm_provider is LLMProviderName.OPENAI
    assert s.openai_api_key is not None and s.openai_api_key.get_secret_value() == "sk-from-env"
    assert "sk-from-env" not in repr(s)
    assert s.openai_model == "gpt-4.1-mini"


def test_vendor_hosts_need_a_key_local_servers_do_not(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="needs OPENAI_API_KEY"):
        settings(llm_provider="openai")
    with pytest.raises(ValidationError, match="needs ANTHROPIC_API_KEY"):
        settings(llm_provider="anthropic", anthropic_api_key="  ")  # blank = none
    local = settings(llm_provider="openai", openai_base_url="http://127.0.0.1:11434/v1/")
    assert local.openai_base_url == "http://127.0.0.1:11434/v1"
    with pytest.raises(ValidationError, match="http"):
        settings(openai_base_url="127.0.0.1:11434")
    monkeypatch.setenv("AICOACH_LLM_PRICE_INPUT_PER_MTOK", "")  # as copied from .env.example
    assert Settings(_env_file=None).llm_price_input_per_mtok is None


def test_registry_builds_each_adapter() -> None:
    openai = build_llm(
        settings(llm_provider="openai", openai_api_key="sk-1", openai_model="gpt-4o")
    )
    assert isinstance(openai, OpenAICompatibleLLM)
    assert (openai.name, openai.model, openai.label) == ("openai", "gpt-4o", "OpenAI · gpt-4o")
    anthropic = build_llm(
        settings(
            llm_provider="anthropic",
            anthropic_api_key="sk-ant-1",
            anthropic_model="claude-sonnet-4-5",
        )
    )
    assert isinstance(anthropic, AnthropicLLM)
    assert anthropic.label == "Anthropic · claude-sonnet-4-5"


async def test_registry_adapter_talks_to_a_local_compatible_server() -> None:
    with serve_openai([text_turn("local ", "model")]) as server:
        s = settings(
            llm_provider="openai",
            openai_base_url=server.base_url,
            openai_model="llama3.1:8b",
            llm_timeout_seconds=5,
        )
        llm = build_llm(s)
        assert llm is not None
        events = [
            e
            async for e in llm.stream(
                [ChatMessage.user("hi")],
                [],
                temperature=s.llm_temperature,
                max_tokens=s.llm_max_tokens,
            )
        ]
        await llm.aclose()
    assert events[:2] == [TextDelta("local "), TextDelta("model")]
    assert events[-1] == Finished(FinishReason.STOP)
    assert server.bodies[0]["max_tokens"] == s.llm_max_tokens
    usage = next(e for e in events if isinstance(e, Usage))
    assert estimate_cost_usd(llm.model, usage, s) == 0.0  # a local model costs nothing


# --- pricing --------------------------------------------------------------------------------


def test_cost_golden_values() -> None:
    s = settings()
    # gpt-4o-mini: $0.15 in / $0.60 out per million tokens
    assert estimate_cost_usd("gpt-4o-mini", Usage(1_000_000, 500_000), s) == pytest.approx(0.45)
    # claude-sonnet-4-5: $3 / $15 → 12 345 in, 678 out = 0.037035 + 0.01017
    assert estimate_cost_usd("claude-sonnet-4-5", Usage(12_345, 678), s) == pytest.approx(
        0.047205, abs=1e-12
    )
    assert estimate_cost_usd("gpt-4o", Usage(0, 0), s) == 0.0


def test_price_lookup_by_longest_prefix_at_a_boundary() -> None:
    assert table_price("gpt-4o-mini-2024-07-18") == PRICES["gpt-4o-mini"]  # not gpt-4o
    assert table_price("gpt-4o-2024-08-06") == PRICES["gpt-4o"]
    assert table_price("claude-sonnet-4-5-20250929") == PRICES["claude-sonnet-4-5"]
    assert table_price("openai/gpt-4.1-nano") == PRICES["gpt-4.1-nano"]
    assert table_price("o3-mini") == PRICES["o3-mini"]
    assert table_price("o3x") is None  # no boundary: not o3
    assert table_price("llama3.1:8b") is None


def test_price_override_wins_and_unknown_models_are_free() -> None:
    s = settings(llm_price_input_per_mtok=0.5, llm_price_output_per_mtok=1.5)
    assert estimate_cost_usd("qwen2.5:14b", Usage(2_000_000, 1_000_000), s) == pytest.approx(2.5)
    assert price_for("gpt-4o-mini", s) is not None
    assert estimate_cost_usd("gpt-4o-mini", Usage(1_000_000, 0), s) == pytest.approx(0.5)
    plain = settings()
    assert price_for("qwen2.5:14b", plain) is None
    assert estimate_cost_usd("qwen2.5:14b", Usage(10**6, 10**6), plain) == 0.0


# --- messages -------------------------------------------------------------------------------


def test_message_rules_catch_conversation_bugs() -> None:
    call = ToolCall("c1", "get_quote", {"symbol": "SPY"})
    with pytest.raises(ValueError, match="only assistant"):
        ChatMessage(ChatMessage.user("x").role, "x", tool_calls=(call,))
    with pytest.raises(ValueError, match="tool_call_id"):
        ChatMessage(ChatMessage.tool_result("c1", "x").role, "x")
    with pytest.raises(ValueError, match="only tool messages"):
        ChatMessage(ChatMessage.user("x").role, "x", tool_call_id="c1")
    assert ChatMessage.assistant("", (call,)).tool_calls == (call,)
    assert Usage(3, 4).total_tokens == 7
