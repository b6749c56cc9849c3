"""A chat's title from its first message: the model writes one when a provider is configured,
else (and whenever the model fails) a heuristic shortens the message itself."""

from __future__ import annotations

import logging
import re

from aicoach.chat.models import TITLE_MAX
from aicoach.llm.errors import LLMError
from aicoach.llm.messages import ChatMessage, TextDelta
from aicoach.llm.ports import LLM

log = logging.getLogger(__name__)

HEURISTIC_MAX = 60
_SPACE = re.compile(r"\s+")
_LEADING = re.compile(r"^(?:hey|hi|hello|ok|okay|so|please|coach)\b[\s,!.:-]*", re.IGNORECASE)
_TITLE_PROMPT = (
    "Write a title of at most 6 words for a chat that starts with the trader's message below. "
    "Answer with the title only: no quotes, no final period.\n\nMessage: {message}"
)


def heuristic_title(message: str, limit: int = HEURISTIC_MAX) -> str:
    """The first sentence or line, greetings dropped, whitespace collapsed, cut at a word
    boundary to ``limit`` characters (an ellipsis marks the cut); "New chat" when empty."""
    text = _SPACE.sub(" ", message.strip().split("\n", 1)[0]).strip()
    text = _LEADING.sub("", text).strip() or text
    for stop in ("? ", ". ", "! "):
        head, sep, _ = text.partition(stop)
        if sep and len(head) >= 12:
            text = head + sep.strip()
            break
    if not text:
        return "New chat"
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space >= limit // 2 else cut).rstrip(" ,;:-") + "…"
    return text[0].upper() + text[1:]


def clean_model_title(raw: str) -> str | None:
    """The model's title tidied (quotes, "Title:", trailing period); ``None`` if unusable."""
    text = _SPACE.sub(" ", raw.strip().split("\n", 1)[0]).strip()
    text = re.sub(r"^(?:title\s*:\s*)", "", text, flags=re.IGNORECASE)
    text = text.strip(" \"'`*#").rstrip(".").strip()
    if not text or len(text) > TITLE_MAX:
        return None
    return text


async def model_title(llm: LLM, message: str) -> str | None:
    """Ask the model for a title (no tools, 24 tokens); ``None`` when it fails or babbles."""
    prompt = _TITLE_PROMPT.format(message=message[:1000])
    parts: list[str] = []
    try:
        async for event in llm.stream(
            [ChatMessage.user(prompt)], [], temperature=0.2, max_tokens=24
        ):
            if isinstance(event, TextDelta):
                parts.append(event.text)
    except LLMError as exc:
        log.info("chat title: model failed", extra={"error": exc.message})
        return None
    return clean_model_title("".join(parts))
