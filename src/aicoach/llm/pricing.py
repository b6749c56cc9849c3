"""Cost estimates for model calls, in US dollars.

    cost_usd = (input_tokens · input_per_mtok + output_tokens · output_per_mtok) / 1 000 000

with prices in USD per million tokens. The price comes from, in order:

1. ``AICOACH_LLM_PRICE_INPUT_PER_MTOK`` / ``..._OUTPUT_PER_MTOK`` when either is set (a model
   the table does not know, a negotiated price, a paid proxy); an unset one counts as 0;
2. ``PRICES`` below, matched on the longest known prefix of the model id at a ``-``/``.``/``:``
   boundary (so ``gpt-4o-mini-2024-07-18`` is priced as ``gpt-4o-mini``, never as ``gpt-4o``),
   ignoring a router prefix such as ``openai/``;
3. otherwise 0 — a model we cannot price is taken to be a local one (Ollama, vLLM, ...), which
   costs nothing per token. ``price_for`` returns ``None`` then, so a UI can say "unpriced".

The table holds list prices (standard tier, no batch or cache discounts) as published in late
2025. It is an estimate for the admin's usage page, not an invoice.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicoach.config import Settings
from aicoach.llm.messages import Usage


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens."""

    input_per_mtok: float
    output_per_mtok: float


PRICES: dict[str, ModelPrice] = {
    # OpenAI
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-5": ModelPrice(1.25, 10.00),
    "gpt-5-mini": ModelPrice(0.25, 2.00),
    "gpt-5-nano": ModelPrice(0.05, 0.40),
    "o1": ModelPrice(15.00, 60.00),
    "o3": ModelPrice(2.00, 8.00),
    "o3-mini": ModelPrice(1.10, 4.40),
    "o4-mini": ModelPrice(1.10, 4.40),
    # Anthropic
    "claude-opus-4": ModelPrice(15.00, 75.00),
    "claude-opus-4-1": ModelPrice(15.00, 75.00),
    "claude-opus-4-5": ModelPrice(5.00, 25.00),
    "claude-sonnet-4": ModelPrice(3.00, 15.00),
    "claude-sonnet-4-5": ModelPrice(3.00, 15.00),
    "claude-3-7-sonnet": ModelPrice(3.00, 15.00),
    "claude-3-5-sonnet": ModelPrice(3.00, 15.00),
    "claude-haiku-4-5": ModelPrice(1.00, 5.00),
    "claude-3-5-haiku": ModelPrice(0.80, 4.00),
    "claude-3-haiku": ModelPrice(0.25, 1.25),
}

_BOUNDARY = "-.:@"


def table_price(model: str) -> ModelPrice | None:
    """The built-in list price of ``model`` (longest prefix match), or ``None``."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    best: str | None = None
    for known in PRICES:
        matches = name == known or (name.startswith(known) and name[len(known)] in _BOUNDARY)
        if matches and (best is None or len(known) > len(best)):
            best = known
    return PRICES[best] if best is not None else None


def price_for(model: str, settings: Settings) -> ModelPrice | None:
    """The price used for ``model``: the settings' override, else the table, else ``None``."""
    price_in = settings.llm_price_input_per_mtok
    price_out = settings.llm_price_output_per_mtok
    if price_in is not None or price_out is not None:
        return ModelPrice(price_in or 0.0, price_out or 0.0)
    return table_price(model)


def estimate_cost_usd(model: str, usage: Usage, settings: Settings) -> float:
    """Estimated cost of one call in USD (0.0 for an unpriced, i.e. local, model)."""
    price = price_for(model, settings)
    if price is None:
        return 0.0
    return (
        usage.input_tokens * price.input_per_mtok + usage.output_tokens * price.output_per_mtok
    ) / 1_000_000
