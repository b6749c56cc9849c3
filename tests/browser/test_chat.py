"""The coach chat in a real browser, on the real app.

End to end with the offline coach: a new user asks for SPY's levels, watches the answer stream,
opens the Key Levels card on the chart, reloads into the same conversation and finds it again
by search. With a scripted model (the same LLM port, with pauses between events): Stop keeps the
partial answer, a dropped stream is retried with the same client_message_id without storing the
question twice, older messages load on scroll-up and a search hit deep in history is reached.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.chat.chat_helpers import ScriptedLLM, answer, calls, use_llm
from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser

RECORD_GROWTH = """() => {
    window.__lengths = [];
    const log = document.querySelector('[data-chat-messages]');
    new MutationObserver(() => {
        const turns = log.querySelectorAll('.msg-assistant .msg-content');
        const n = turns.length ? turns[turns.length - 1].textContent.length : 0;
        const seen = window.__lengths;
        if (n && n !== seen[seen.length - 1]) seen.push(n);
    }).observe(log, { childList: true, subtree: true, characterData: true });
}"""


async def ask(page: Any, text: str) -> None:
    box = page.get_by_label("Message the coach")
    await box.fill(text)
    await box.press("Enter")


async def wait_answered(page: Any) -> None:
    await page.wait_for_function(
        "document.querySelector('.msg-assistant')"
        " && !document.querySelector('.msg-assistant.is-streaming')"
    )


async def open_tab(page: Any, tab: str, detail: dict[str, Any]) -> None:
    """What another part of the app does to open a tab on something: the workspace bus."""
    await page.evaluate(
        """async ([tab, detail]) => {
            const { workspace } = await import('/static/js/kit/workspace.js');
            workspace.open(tab, detail);
        }""",
        [tab, detail],
    )


async def api(page: Any, method: str, url: str, body: Any = None) -> Any:
    return await page.evaluate(
        """async ([method, url, body]) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': token };
            const data = body === null ? undefined : JSON.stringify(body);
            const r = await fetch(url, { method, headers, body: data });
            const text = await r.text();
            return { status: r.status, text };
        }""",
        [method, url, body],
    )


async def test_new_user_asks_for_spy_levels_end_to_end(page: Any, screenshot: Any) -> None:
    await sign_up_in_browser(page, "coach-user@example.com", ready="[data-chat-panel]")
    await screenshot(page, "1-empty")
    await page.evaluate(RECORD_GROWTH)
    await ask(page, "where are SPY's levels?")
    user = page.locator(".msg-user .msg-bubble")
    await user.wait_for()
    assert await user.inner_text() == "where are SPY's levels?"
    await page.locator(".msg-assistant .tool-chip").first.wait_for()
    assert "SPY" in await page.locator(".msg-assistant .tool-chip").first.inner_text()
    await page.wait_for_function("window.__lengths.length >= 1")
    await screenshot(page, "2-streaming")
    await wait_answered(page)
    lengths = await page.evaluate("window.__lengths")
    assert len(lengths) >= 2 and lengths == sorted(lengths), lengths  # the text grew as it came

    answer_el = page.locator(".msg-assistant").last
    text = await answer_el.locator(".msg-content").inner_text()
    assert "SPY" in text and re.search(r"\d+\.\d\d", text), text
    assert await answer_el.locator(".msg-model").inner_text() == "Offline coach"
    card = answer_el.locator(".ccard-key_levels")
    await card.wait_for()
    assert "SPY" in await card.locator(".ccard-title").inner_text()
    assert re.search(r"(Simulated|Delayed|Real-time) · as of \d\d:\d\d ET", await card.inner_text())
    await card.scroll_into_view_if_needed()
    await screenshot(page, "3-answered")

    # The card opens the chart on SPY: move the chart elsewhere first so the click must change it.
    chart = page.locator("[data-chart]")
    await chart.wait_for(state="attached")
    await open_tab(page, "chart", {"symbol": "QQQ"})
    await page.wait_for_function("document.querySelector('[data-chart]').dataset.symbol === 'QQQ'")
    await card.locator(".ccard-body").click()
    await page.wait_for_function("document.querySelector('[data-chart]').dataset.symbol === 'SPY'")
    assert await page.locator("#tab-chart").get_attribute("aria-selected") == "true"
    await screenshot(page, "4-card-opened-chart")

    # The URL names the conversation: a reload reopens it, and the sidebar lists it.
    first_url = page.url
    session_id = re.search(r"[?&]session=(\d+)", first_url).group(1)  # type: ignore[union-attr]
    await page.reload()
    await page.locator(".msg-user").first.wait_for()
    item = page.locator(f'.session-item[data-session-id="{session_id}"]')
    await item.wait_for()
    assert "SPY" in await item.inner_text()
    assert await item.locator(".session-link").get_attribute("aria-current") == "page"
    assert await page.locator(".msg-assistant .ccard-key_levels").count() == 1
    await screenshot(page, "5-reloaded")

    # A second conversation, then search for a word of the first and jump back to it.
    await page.get_by_role("button", name="New chat").first.click()
    assert "session=" not in page.url
    await ask(page, "Is the market open right now?")
    await wait_answered(page)
    await page.wait_for_function(f"!location.search.includes('session={session_id}')")
    await page.get_by_label("Search conversations").fill("levels")
    hit = page.locator(".search-hit").filter(has_text="levels").last
    await hit.wait_for()
    assert await hit.locator("mark").count() >= 1
    await screenshot(page, "6-search")
    await hit.click()
    await page.wait_for_function(f"location.search.includes('session={session_id}')")
    flashed = page.locator(".msg.is-flash")
    await flashed.wait_for()
    assert "levels" in (await flashed.inner_text()).lower()
    assert await flashed.is_visible()
    await screenshot(page, "7-jumped")


# ----------------------------------------------------------------- scripted model


@pytest.fixture
async def scripted(app_factory: Any) -> AsyncIterator[tuple[str, FastAPI]]:
    from tests.helpers.live import live_server

    application: FastAPI = app_factory(chat_rate_limit_per_minute=1000)
    with live_server(application) as url:
        yield url, application


@pytest.fixture
async def spage(browser: Any, scripted: tuple[str, FastAPI]) -> AsyncIterator[Any]:
    url, _ = scripted
    from tests.helpers.live import browser_page

    async with browser_page(browser, url, timeout_ms=15_000) as pg:
        yield pg


async def test_stop_keeps_partial_answer_and_a_dropped_stream_retries_once(
    spage: Any, scripted: tuple[str, FastAPI], screenshot: Any
) -> None:
    _, application = scripted
    await sign_up_in_browser(spage, "stopper@example.com", ready="[data-chat-panel]")
    slow = [f"Word{i} " for i in range(60)]
    use_llm(application, ScriptedLLM([answer(*slow), answer("Full **answer** here.")], delay=0.12))

    await ask(spage, "Tell me a long story")
    await spage.wait_for_function(
        "(document.querySelector('.msg-assistant .msg-content')?.textContent || '')"
        ".includes('Word3')"
    )
    stop = spage.get_by_role("button", name="Stop generating")
    assert await stop.is_visible()
    await stop.click()
    await spage.locator(".msg-assistant .msg-status.is-stopped").wait_for()
    partial = await spage.locator(".msg-assistant .msg-content").inner_text()
    assert partial.startswith("Word0 Word1") and "Word59" not in partial
    assert await spage.get_by_role("button", name="Send").is_visible()
    await screenshot(spage, "stopped")
    session_id = re.search(r"session=(\d+)", spage.url).group(1)  # type: ignore[union-attr]
    await spage.wait_for_function(
        """async (sid) => {
            const r = await fetch(`/api/chat/sessions/${sid}/messages`);
            const page = await r.json();
            return page.items.some((m) => m.role === 'assistant' && m.status === 'stopped');
        }""",
        arg=session_id,
    )

    # The next answer's connection drops after two events; Retry re-posts the same id.
    posted: list[str] = []

    async def cut(route: Any) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        posted.append(route.request.post_data_json["client_message_id"])
        response = await route.fetch()
        body = await response.text()
        await route.fulfill(response=response, body="".join(body.split("\n\n", 2)[:2]) + "\n\n")

    await spage.route(re.compile(r".*/api/chat/sessions/\d+/messages$"), cut)
    await ask(spage, "And now a short one")
    error = spage.locator(".msg-assistant").last.locator(".msg-error")
    await error.wait_for()
    assert "connection dropped" in (await error.inner_text()).lower()
    await screenshot(spage, "dropped")
    await spage.unroute(re.compile(r".*/api/chat/sessions/\d+/messages$"))

    async def count(route: Any) -> None:
        if route.request.method == "POST":
            posted.append(route.request.post_data_json["client_message_id"])
        await route.continue_()

    await spage.route(re.compile(r".*/api/chat/sessions/\d+/messages$"), count)
    await error.get_by_role("button", name="Retry").click()
    await wait_answered(spage)
    last = spage.locator(".msg-assistant").last
    assert await last.locator(".msg-content").inner_text() == "Full answer here."
    assert await last.locator(".msg-content strong").inner_text() == "answer"
    assert len(posted) == 2 and posted[0] == posted[1]
    assert await spage.locator(".msg-user", has_text="And now a short one").count() == 1
    stored = await api(spage, "GET", f"/api/chat/sessions/{session_id}/messages")
    users = [m for m in json.loads(stored["text"])["items"] if m["role"] == "user"]
    assert [m["content"] for m in users] == ["Tell me a long story", "And now a short one"]
    await screenshot(spage, "retried")


async def test_history_pages_load_on_scroll_up_and_search_reaches_old_messages(
    spage: Any, scripted: tuple[str, FastAPI], screenshot: Any
) -> None:
    _, application = scripted
    await sign_up_in_browser(spage, "historian@example.com", ready="[data-chat-panel]")
    turns = 32  # 64 messages: more than one page of 50
    use_llm(
        application,
        ScriptedLLM(
            [
                calls(("get_market_status", {})),
                answer("The market status is in."),
                *[answer(f"Answer number {i}.") for i in range(1, turns)],
            ]
        ),
    )
    created = await api(spage, "POST", "/api/chat/sessions", {})
    sid = json.loads(created["text"])["id"]
    for i in range(turns):
        word = "zebracorn" if i == 0 else f"question{i}"
        body = {"content": f"Turn {i}: {word}", "client_message_id": str(uuid.uuid4())}
        result = await api(spage, "POST", f"/api/chat/sessions/{sid}/messages", body)
        assert result["status"] == 200 and "event: done" in result["text"], result
    await spage.goto(f"/?session={sid}")
    await spage.locator(".msg-user", has_text="Turn 31").wait_for()
    assert await spage.locator(".msg-user", has_text="Turn 0:").count() == 0  # not on page one
    # Scroll to the top: the older page is fetched and put above, keeping the reader's place.
    await spage.locator("[data-chat-messages]").evaluate("(el) => el.scrollTo(0, 0)")
    await spage.locator(".msg-user", has_text="Turn 0:").wait_for()
    assert await spage.locator(".msg-user").count() == turns
    first_answer = spage.locator(".msg-assistant").first
    chip = first_answer.locator(".tool-chip.is-done")
    assert await chip.count() == 1  # stored tool calls are shown again, with their citation
    assert await chip.locator(".cite").count() >= 1

    # From a fresh page, a search hit in the oldest page pulls pages until it is there.
    await spage.get_by_role("button", name="New chat").first.click()
    await spage.get_by_label("Search conversations").fill("zebracorn")
    hit = spage.locator(".search-hit").first
    await hit.wait_for()
    assert await hit.locator("mark").inner_text() == "zebracorn"
    await hit.click()
    flashed = spage.locator(".msg.is-flash")
    await flashed.wait_for()
    assert "zebracorn" in await flashed.inner_text()
    await screenshot(spage, "deep-jump")

    # Rename inline and delete with the confirm dialog (Escape leaves the search first).
    await spage.get_by_label("Search conversations").press("Escape")
    item = spage.locator(f'.session-item[data-session-id="{sid}"]')
    await item.hover()
    await item.locator("[data-rename]").click()
    rename = item.locator("input.session-rename")
    await rename.fill("Market clock drill")
    # The sidebar renames optimistically; wait for the server's answer before asking it.
    async with spage.expect_response(
        lambda r: r.request.method == "PATCH" and f"/api/chat/sessions/{sid}" in r.url
    ):
        await rename.press("Enter")
    await item.locator(".session-title", has_text="Market clock drill").wait_for()
    assert await spage.locator("[data-chat-title]").inner_text() == "Market clock drill"
    got = await api(spage, "GET", f"/api/chat/sessions/{sid}")
    assert json.loads(got["text"])["title"] == "Market clock drill"
    await item.hover()
    await item.locator("[data-delete]").click()
    dialog = spage.locator("dialog[data-delete-dialog]")
    assert "Market clock drill" in await dialog.inner_text()
    await dialog.get_by_role("button", name="Delete").click()
    await item.wait_for(state="detached")
    assert (await api(spage, "GET", f"/api/chat/sessions/{sid}"))["status"] == 404
    assert "session=" not in spage.url


async def test_phone_width_chat_is_usable(
    spage: Any, scripted: tuple[str, FastAPI], screenshot: Any
) -> None:
    _, application = scripted
    await spage.set_viewport_size({"width": 390, "height": 844})
    await sign_up_in_browser(spage, "phone@example.com", ready="[data-chat-panel]")
    use_llm(
        application,
        ScriptedLLM([calls(("get_quote", {"symbol": "SPY"})), answer("SPY quote above.")]),
    )
    await ask(spage, "SPY quote?")
    await wait_answered(spage)
    card = spage.locator(".ccard-quote")
    await card.scroll_into_view_if_needed()
    box = await card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    overflow = await spage.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    await screenshot(spage, "phone")
