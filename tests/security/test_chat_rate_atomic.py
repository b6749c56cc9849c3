"""The coach's rate limit holds under parallel posts: of N messages sent at once, exactly the
limit get through (the count and the insert are one critical section per user)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from aicoach.chat.models import ChatMessageRow, MessageRole
from tests.chat.chat_helpers import ScriptedLLM, answer, app_with, new_chat, send, use_llm


async def test_parallel_posts_stop_at_the_limit(app_factory: Any) -> None:
    limit, sent = 5, 15
    async with app_with(app_factory, chat_rate_limit_per_minute=limit) as (app, carol):
        use_llm(app, ScriptedLLM([answer("ok") for _ in range(sent)]))
        chats = [await new_chat(carol) for _ in range(sent)]  # one each: no "busy" 409s
        results = await asyncio.gather(
            *(send(carol, c["id"], f"q{i}") for i, c in enumerate(chats))
        )
        codes = sorted(status for status, _, _ in results)
        async with app.state.container.sessions() as s:
            stored = await s.scalar(
                select(func.count())
                .select_from(ChatMessageRow)
                .where(ChatMessageRow.role == MessageRole.USER)
            )
        print(f"{sent} parallel chat posts, limit {limit}/min: {codes.count(200)} through, "
              f"{codes.count(429)} x 429, {stored} stored")  # fmt: skip
        assert codes.count(200) == limit and codes.count(429) == sent - limit, codes
        assert stored == limit
