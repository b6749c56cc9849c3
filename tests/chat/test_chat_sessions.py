"""Chat sessions CRUD, message pagination, search with snippets, and isolation between users."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

from aicoach.chat.models import ChatMessageRow, MessageRole
from aicoach.chat.search import fts5_query, render_snippet
from aicoach.db import transaction
from aicoach.kit.orm import utcnow
from tests.chat.chat_helpers import ScriptedLLM, answer, new_chat, send, use_llm
from tests.helpers.users import UserClient, assert_owner_only


async def seed(app: FastAPI, session_id: int, user_id: int, texts: list[str]) -> list[int]:
    """Insert messages directly (alternating user/assistant); returns their ids."""
    async with transaction(app.state.container.sessions) as s:
        rows = [
            ChatMessageRow(
                session_id=session_id, user_id=user_id,
                role=MessageRole.USER if i % 2 == 0 else MessageRole.ASSISTANT,
                content=t, created_at=utcnow(),
                client_message_id=str(uuid.uuid4()) if i % 2 == 0 else None,
            )
            for i, t in enumerate(texts)
        ]  # fmt: skip
        s.add_all(rows)
        await s.flush()
        return [r.id for r in rows]


async def test_sessions_crud(alice: UserClient) -> None:
    created = await new_chat(alice, "  Earnings plan  ")
    assert created["title"] == "Earnings plan"
    untitled = await new_chat(alice)
    assert untitled["title"] == "New chat"
    listed = (await alice.get("/api/chat/sessions")).json()
    assert [s["id"] for s in listed] == [untitled["id"], created["id"]]
    renamed = await alice.patch(f"/api/chat/sessions/{created['id']}", json={"title": "Renamed"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"
    blank = await alice.patch(f"/api/chat/sessions/{created['id']}", json={"title": "   "})
    assert blank.status_code == 422
    too_long = await alice.post("/api/chat/sessions", json={"title": "x" * 121})
    assert too_long.status_code == 422
    assert (await alice.delete(f"/api/chat/sessions/{created['id']}")).status_code == 204
    assert (await alice.get(f"/api/chat/sessions/{created['id']}")).status_code == 404
    assert [s["id"] for s in (await alice.get("/api/chat/sessions")).json()] == [untitled["id"]]


async def test_sessions_pagination(alice: UserClient) -> None:
    ids = [(await new_chat(alice, f"chat {i}"))["id"] for i in range(7)]
    page1 = (await alice.get("/api/chat/sessions?limit=3")).json()
    page2 = (await alice.get("/api/chat/sessions?limit=3&offset=3")).json()
    page3 = (await alice.get("/api/chat/sessions?limit=3&offset=6")).json()
    got = [s["id"] for s in page1 + page2 + page3]
    assert got == list(reversed(ids))
    assert (await alice.get("/api/chat/sessions?limit=0")).status_code == 422


async def test_messages_pagination(app: FastAPI, alice: UserClient) -> None:
    chat = await new_chat(alice)
    ids = await seed(app, chat["id"], alice.user_id, [f"message {i}" for i in range(120)])
    url = f"/api/chat/sessions/{chat['id']}/messages"
    newest = (await alice.get(f"{url}?limit=50")).json()
    assert [m["id"] for m in newest["items"]] == ids[70:]
    assert newest["has_more"] and newest["next_before"] == ids[70]
    middle = (await alice.get(f"{url}?limit=50&before={newest['next_before']}")).json()
    assert [m["id"] for m in middle["items"]] == ids[20:70]
    oldest = (await alice.get(f"{url}?limit=50&before={middle['next_before']}")).json()
    assert [m["id"] for m in oldest["items"]] == ids[:20]
    assert oldest["has_more"] is False and oldest["next_before"] is None


async def test_other_users_cannot_see_or_touch_chats(
    app: FastAPI, alice: UserClient, bob: UserClient
) -> None:
    async def create(owner: UserClient) -> dict[str, Any]:
        return await new_chat(owner, "Private plan")

    item = await assert_owner_only(
        alice, bob, create=create,
        item_url=lambda row: f"/api/chat/sessions/{row['id']}",
        list_url="/api/chat/sessions", update=("PATCH", {"title": "hijacked"}),
    )  # fmt: skip
    sid = item["id"]
    await seed(app, sid, alice.user_id, ["my secret iron condor on TSLA"])
    assert (await bob.get(f"/api/chat/sessions/{sid}/messages")).status_code == 404
    assert (await bob.post(f"/api/chat/sessions/{sid}/stop")).status_code == 404
    posted = await bob.post(
        f"/api/chat/sessions/{sid}/messages",
        json={"content": "hi", "client_message_id": str(uuid.uuid4())},
    )
    assert posted.status_code == 404
    assert (await bob.get("/api/chat/search?q=condor")).json() == []
    assert len((await alice.get("/api/chat/search?q=condor")).json()) == 1
    assert (await alice.get(f"/api/chat/sessions/{sid}")).json()["title"] == "Private plan"


async def test_search_with_snippets(app: FastAPI, alice: UserClient) -> None:
    chat = await new_chat(alice, "Theta talk")
    other = await new_chat(alice, "Other")
    long_text = (
        ("filler words here " * 30)
        + "the theta decay accelerates near expiry "
        + ("more filler " * 30)
    )
    ids = await seed(app, chat["id"], alice.user_id, [
        "How does theta decay work for my iron condor?",
        long_text,
        "Nothing relevant <script>alert(1)</script> about decay & risk",
    ])  # fmt: skip
    await seed(app, other["id"], alice.user_id, ["Unrelated: delta hedging"])
    hits = (await alice.get("/api/chat/search?q=theta decay")).json()
    assert [h["message_id"] for h in hits] == [ids[1], ids[0]]  # newest first
    assert hits[1]["session_title"] == "Theta talk" and hits[1]["session_id"] == chat["id"]
    assert "<mark>theta</mark>" in hits[1]["snippet"].lower()
    assert "<mark>decay</mark>" in hits[0]["snippet"].lower()
    assert len(hits[0]["snippet"]) < len(long_text) / 2  # a snippet, not the message
    escaped = (await alice.get("/api/chat/search?q=decay risk")).json()
    assert len(escaped) == 1
    snippet = escaped[0]["snippet"]
    # Escaped on SQLite; PostgreSQL's parser drops tags from headlines: never live markup.
    assert "<script>" not in snippet and "&amp;" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    # Stemming: "decays" finds "decay"; the last word is a prefix while typing.
    assert len((await alice.get("/api/chat/search?q=decays")).json()) == 3
    assert len((await alice.get("/api/chat/search?q=hedg")).json()) == 1


async def test_search_input_is_never_query_syntax(app: FastAPI, alice: UserClient) -> None:
    chat = await new_chat(alice)
    await seed(app, chat["id"], alice.user_id, ['He said "NEAR" AND OR NOT the (bull) call*'])
    for q in ['"', "NEAR(", "AND", "bull OR", "call*", "-bull", "(bull", "a:b", "^x", "'; DROP"]:
        response = await alice.get("/api/chat/search", params={"q": q})
        assert response.status_code == 200, (q, response.text)
    assert len((await alice.get("/api/chat/search", params={"q": '"bull"'})).json()) == 1
    assert (await alice.get("/api/chat/search", params={"q": "!!!"})).json() == []
    assert (await alice.get("/api/chat/search", params={"q": ""})).status_code == 422


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('theta "decay') == '"theta" "decay"*'
    assert fts5_query("NEAR(a b)") == '"NEAR" "a" "b"*'
    assert fts5_query("  ") is None
    assert render_snippet("a <b> \x02hit\x03") == "a &lt;b&gt; <mark>hit</mark>"


async def test_deleting_a_chat_removes_its_messages_from_search(
    app: FastAPI, alice: UserClient
) -> None:
    use_llm(app, ScriptedLLM([answer("Gamma risk grows near expiry.")]))
    chat = await new_chat(alice)
    status, _, _ = await send(alice, chat["id"], "Explain gamma risk")
    assert status == 200
    hits = (await alice.get("/api/chat/search?q=gamma")).json()
    assert len(hits) == 2 and {h["role"] for h in hits} == {"user", "assistant"}
    await alice.delete(f"/api/chat/sessions/{chat['id']}")
    assert (await alice.get("/api/chat/search?q=gamma")).json() == []
