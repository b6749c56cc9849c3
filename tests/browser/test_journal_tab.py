"""A new trader in a real browser on the Journal tab, against the real journal API.

The journey: sign up, open the empty Journal tab, create an account in the import wizard, drop
a real tastytrade export (tests/fixtures/brokers), read the preview (the broker detected, rows,
the trades it will form), commit it — through the background job, with its progress bar — see
the trades table and the dashboard's plots, walk the table with the keyboard, open a trade's
detail (its chart with entries and exits, legs, campaign, enrichment), write a note, tag it and
set its planned risk; filter and export. Then a trade entered by hand this month, and the coach
asked "how did I do this month?" answers with the journal summary card, whose click opens the
Journal tab on that month.

Other tests: a broken export's error rows (row number and reason) and a re-import's duplicates
in the preview; the manual entry form's validation messages from the API.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import expect

from aicoach.journal.deps import background_rows
from aicoach.kit.clock import NEW_YORK
from tests.browser.test_chat import ask, wait_answered
from tests.factories import sign_up_in_browser

pytestmark = pytest.mark.browser

BROKERS = Path(__file__).parents[1] / "fixtures" / "brokers"
TASTY_2024 = BROKERS / "tastytrade" / "transactions_2024.csv"
TASTY_BROKEN = BROKERS / "tastytrade" / "broken_rows.csv"
MONEY = r"[+−]?\$[\d,]+(\.\d\d)?"


@pytest.fixture
def journal_app(app_factory: Any) -> Iterator[tuple[str, FastAPI]]:
    """The app with its job consumer running in-process and a tiny background threshold, so
    even a small file commits through the background job (and the wizard's progress bar)."""
    from tests.helpers.live import live_server

    application: FastAPI = app_factory(run_jobs_in_process=True, chat_rate_limit_per_minute=1000)
    application.dependency_overrides[background_rows] = lambda: 5
    with live_server(application) as url:
        yield url, application


@pytest.fixture
async def jpage(browser: Any, journal_app: tuple[str, FastAPI]) -> AsyncIterator[Any]:
    url, _ = journal_app
    from tests.helpers.live import browser_page

    async with browser_page(browser, url, timeout_ms=20_000) as pg:
        yield pg


async def open_journal(page: Any) -> Any:
    await page.get_by_role("tab", name="Journal").click()
    root = page.locator("[data-jr-tab]")
    await page.wait_for_function(
        "() => ['empty', 'ready'].includes(document.querySelector('[data-jr-tab]')?.dataset.state)"
    )
    return root


#: Drags a file (name, text) over the wizard's drop zone and drops it there.
DROP = """([name, text]) => {
    const zone = document.querySelector('[data-jr-drop]');
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type: 'text/csv' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
        const init = { dataTransfer: data, bubbles: true, cancelable: true };
        zone.dispatchEvent(new DragEvent(type, init));
    }
}"""


#: Records every step the import wizard shows, and each progress the bar reports.
RECORD_STEPS = """() => {
    const dialog = document.querySelector('[data-jr-import-dialog]');
    const bar = document.querySelector('[data-jr-progress-bar]');
    window.__steps = [];
    window.__progress = [];
    new MutationObserver(() => window.__steps.push(dialog.dataset.step))
        .observe(dialog, { attributes: true, attributeFilter: ['data-step'] });
    new MutationObserver(() => window.__progress.push(bar.getAttribute('aria-valuenow')))
        .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
}"""


def text_of(path: Path) -> str:
    return path.read_text("utf-8")


async def drop_file(page: Any, path: Path) -> None:
    """Drag ``path`` onto the wizard's drop zone, as a trader drops a file from their desktop."""
    await drop_text(page, path.name, text_of(path))


async def drop_text(page: Any, name: str, text: str) -> None:
    await page.evaluate(DROP, [name, text])


async def query_has(page: Any, part: str, present: bool = True) -> None:
    """Wait until the trades table's last query has (or no longer has) ``part``."""
    await page.wait_for_function(
        """([part, present]) => {
            const q = document.querySelector('[data-jr-trades]').dataset.query || '';
            return q.includes(part) === present;
        }""",
        arg=[part, present],
    )


async def wait_step(page: Any, step: str) -> None:
    await page.wait_for_function(
        "(step) => document.querySelector('[data-jr-import-dialog]').dataset.step === step",
        arg=step,
    )


async def trades_ready(page: Any) -> Any:
    await page.wait_for_function(
        """() => {
            const el = document.querySelector('[data-jr-trades]');
            const done = el && ['ready', 'empty'].includes(el.dataset.state);
            return done && !el.hasAttribute('aria-busy');
        }"""
    )
    return page.locator("[data-jr-trades]")


async def plots_ready(page: Any, names: list[str]) -> None:
    await page.wait_for_function(
        """(names) => names.every((n) => {
            const el = document.querySelector(`[data-plot="${n}"]`);
            return el && ['ready', 'empty'].includes(el.dataset.state);
        })""",
        arg=names,
    )


async def detail_ready(page: Any) -> Any:
    await page.wait_for_function(
        """() => {
            const d = document.querySelector('[data-jr-detail]');
            const c = document.querySelector('[data-jr-chart]');
            return d && !d.hidden && d.dataset.state === 'ready' && c
                && ['ready', 'empty', 'error'].includes(c.dataset.state);
        }"""
    )
    return page.locator("[data-jr-detail]")


TASTY_HEADER = (
    "Date,Type,Sub Type,Action,Symbol,Instrument Type,Description,Value,Quantity,"
    "Average Price,Commissions,Fees,Multiplier,Root Symbol,Underlying Symbol,"
    "Expiration Date,Strike Price,Call or Put,Order #,Currency"
)


#: tastytrade's words for each action.
TASTY_SUB = {"SELL_TO_OPEN": "Sell to Open", "BUY_TO_OPEN": "Buy to Open",
             "SELL_TO_CLOSE": "Sell to Close", "BUY_TO_CLOSE": "Buy to Close"}  # fmt: skip


def tasty_row(at: datetime, action: str, sym: str, exp: date, *rest: Any) -> str:
    """One tastytrade transaction row: 1 contract of ``sym`` (``rest``: strike, right, price,
    order number)."""
    strike, right, price, order = rest
    occ = f"{sym:<6}{exp:%y%m%d}{right[0]}{strike * 1000:08d}"
    value = price * 100 * (1 if action.startswith("SELL") else -1)
    fee = "-1.00" if action.endswith("OPEN") else "0.00"
    return (
        f"{at.isoformat()},Trade,{TASTY_SUB[action]},{action},{occ},Equity Option,x,{value:.2f},1,"
        f"{value:.2f},{fee},-0.14,100,{sym},{sym},{exp:%-m/%-d/%y},{strike},{right},{order},USD"
    )


def this_month_csv(now: datetime) -> tuple[bytes, int]:
    """A tastytrade export of round trips opened and closed this month (New York), before
    ``now``: short puts on SPY and QQQ held half an hour in the session where the month allows
    (else in the small hours), every third one lost. Returns (file, closed trades)."""
    ny = now.astimezone(NEW_YORK)
    n = 6
    slots = []
    day = ny.date().replace(day=1)
    while day <= ny.date():
        for k in range(6):
            at = datetime(day.year, day.month, day.day, 9, 45, tzinfo=NEW_YORK)
            at += timedelta(minutes=50 * k)
            if at + timedelta(minutes=40) < ny:
                slots.append(at)
        day += timedelta(days=1)
    if len(slots) < n:  # the first hours of a month: before the open, minutes apart
        start = ny.replace(day=1, hour=0, minute=5, second=0, microsecond=0)
        step = max(timedelta(minutes=2), (ny - start) / (2 * n + 2))
        slots = [start + step * 2 * i for i in range(n)]
        held = step
    else:
        slots = [slots[round(i * (len(slots) - 1) / (n - 1))] for i in range(n)]
        held = timedelta(minutes=30)
    rows = [TASTY_HEADER]
    exp = (ny + timedelta(days=40)).date()
    for i, opened in enumerate(slots):
        sym = "SPY" if i % 2 == 0 else "QQQ"
        sold, bought = 2.00, (1.10 if i % 3 else 2.60)  # every third one lost
        k = 500 + 5 * i
        rows.append(tasty_row(opened, "SELL_TO_OPEN", sym, exp, k, "PUT", sold, 900 + i))
        rows.append(tasty_row(opened + held, "BUY_TO_CLOSE", sym, exp, k, "PUT", bought, 950 + i))
    return ("\n".join(rows) + "\n").encode(), n


async def test_a_new_trader_imports_reviews_and_asks_the_coach(jpage: Any, screenshot: Any) -> None:
    page = jpage
    await sign_up_in_browser(page, "journal-user@example.com")
    root = await open_journal(page)
    assert await root.get_attribute("data-state") == "empty"
    welcome = page.locator("[data-jr-welcome]")
    await expect(welcome).to_be_visible()
    assert "journal is empty" in (await welcome.inner_text()).lower()
    await screenshot(page, "1-empty")

    # The import wizard: no account yet, so it asks for a new one.
    await welcome.get_by_role("button", name="Import a broker file").click()
    dialog = page.locator("[data-jr-import-dialog]")
    await expect(dialog).to_be_visible()
    assert await page.locator("[data-jr-i-account]").input_value() == "__new__"
    await page.get_by_label("Account name").fill("tastytrade individual")
    await page.get_by_label("Broker (optional)").fill("tastytrade")
    await screenshot(page, "2-wizard")
    await drop_file(page, TASTY_2024)
    await wait_step(page, "preview")
    assert await page.locator("[data-jr-p-format]").inner_text() == "tastytrade transactions CSV"
    assert await page.locator("[data-jr-p-account]").inner_text() == "tastytrade individual"
    counts = {
        k: await page.locator(f'[data-count="{k}"] dd').inner_text()
        for k in ("total", "parsed", "duplicates", "errors", "skipped")
    }
    assert counts == {"total": "22", "parsed": "16", "duplicates": "0", "errors": "0",
                      "skipped": "6"}  # fmt: skip
    rows = page.locator("[data-jr-p-table] tbody tr")
    assert await rows.count() == 16
    assert await rows.first.get_attribute("data-row") == "2"  # file order, by row number
    forms = await page.locator("[data-jr-p-trades]").inner_text()
    assert re.search(r"These rows make \d+ trades", forms), forms
    assert "Iron condor" in forms
    commit = page.locator("[data-jr-p-commit]")
    assert await commit.inner_text() == "Commit 16 executions"
    await screenshot(page, "3-preview")

    # Commit: 16 new rows > the threshold of 5 → the background job, polled with a progress bar.
    await page.evaluate(RECORD_STEPS)
    await commit.click()
    await wait_step(page, "done")
    steps = await page.evaluate("window.__steps")
    assert "committing" in steps, steps  # the progress bar was up while the job ran
    assert await page.evaluate("window.__progress.length") >= 1
    assert "Imported 16 executions" in await page.locator("[data-jr-d-title]").inner_text()
    await screenshot(page, "4-imported")
    await dialog.get_by_role("button", name="See the trades").click()
    await expect(dialog).to_be_hidden()

    # The trades table and the headline numbers.
    table = await trades_ready(page)
    total = int(await table.get_attribute("data-total") or 0)
    assert total >= 5
    body_rows = page.locator("[data-jr-rows] tr")
    assert await body_rows.count() == total
    assert await page.locator("[data-jr-count]").inner_text() == str(total)
    await page.locator('[data-jr-kpis][data-state="ready"]').wait_for()
    net = await page.locator('[data-kpi="net"] b').inner_text()
    assert re.fullmatch(MONEY, net), net
    assert "NaN" not in await page.locator("[data-jr-kpis]").inner_text()
    # Money is right-aligned and coloured by its sign.
    cell = page.locator("[data-jr-rows] tr td:nth-child(7)").first
    assert await cell.evaluate("td => getComputedStyle(td).textAlign") == "right"
    # Newest first; a click on "Opened" sorts oldest first.
    firsts = await page.locator("[data-jr-rows] tr .jr-date").first.inner_text()
    await page.locator('th[data-sort="opened_at"] button').click()
    await expect(page.locator('th[data-sort="opened_at"]')).to_have_attribute(
        "aria-sort", "ascending"
    )
    await trades_ready(page)
    assert await page.locator("[data-jr-rows] tr .jr-date").first.inner_text() != firsts
    await screenshot(page, "5-trades")

    # Keyboard: Tab lands on the selected row, ↓ moves, Enter opens the detail.
    first_row = body_rows.nth(0)
    await first_row.focus()
    await page.keyboard.press("ArrowDown")
    second = body_rows.nth(1)
    assert await second.get_attribute("aria-selected") == "true"
    assert await second.evaluate("tr => document.activeElement === tr")
    # Find the SPY put spread with ↓ (the table is sorted oldest first).
    for _ in range(total):
        if "SPY" in await page.locator('[data-jr-rows] tr[aria-selected="true"]').inner_text():
            break
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    drawer = await detail_ready(page)
    title = await page.locator("[data-jr-detail-title]").inner_text()
    assert title.startswith("SPY"), title
    chart = page.locator("[data-jr-chart]")
    assert await chart.get_attribute("data-state") == "ready", await page.locator(
        "[data-jr-chart-note]"
    ).inner_text()
    assert int(await chart.get_attribute("data-markers") or 0) >= 2  # an entry and an exit
    legs = await page.locator("[data-jr-legs]").inner_text()
    assert "SPY 500P" in legs and "SPY 495P" in legs
    enrichment = page.locator("[data-jr-enrichment]")
    assert await enrichment.locator("[data-enrich]").count() == 7
    ivr = enrichment.locator('[data-enrich="iv_rank"]')
    assert await ivr.get_attribute("data-state") == "unavailable"
    assert "IV rank needs a year" in await ivr.inner_text()  # the reason, not a blank
    assert "NaN" not in await drawer.inner_text()
    await screenshot(page, "6-detail")

    # The trader's journal: a note, two tags, a planned risk → R.
    await page.get_by_label("Planned risk ($, for R-multiples)").fill("700")
    await page.get_by_label("Notes", exact=True).fill("Sold the 500/495 put spread into support.")
    await page.get_by_label("New tag").fill("support bounce")
    await page.get_by_label("Tag kind").select_option("setup")
    await page.get_by_role("button", name="Add", exact=True).click()
    await page.get_by_label("New tag").fill("closed early")
    await page.get_by_label("New tag").press("Enter")
    await page.locator("[data-jr-notes-save]").click()
    await expect(page.locator("[data-jr-notes-status]")).to_have_text("Saved")
    assert await page.get_by_label("Notes", exact=True).input_value() == (
        "Sold the 500/495 put spread into support."
    )
    tags = await page.locator("[data-jr-tag-list]").inner_text()
    assert "support bounce" in tags and "closed early" in tags
    r_fact = await page.locator(".jr-fact", has_text="R-multiple").locator("dd").inner_text()
    assert r_fact.endswith("R") and r_fact != "—", r_fact
    await screenshot(page, "7-noted")
    # The row shows the tag and the note mark; Escape closes the drawer, focus back on the row.
    await page.keyboard.press("Escape")
    await expect(drawer).to_be_hidden()
    selected = page.locator('[data-jr-rows] tr[aria-selected="true"]')
    await expect(selected.locator(".jr-note-dot")).to_be_visible()
    assert "support bounce" in await selected.inner_text()
    assert await selected.evaluate("tr => document.activeElement === tr")

    # The AAPL roll: the new short call's campaign holds both calls, with its true breakeven.
    await page.locator("[data-jr-rows] tr", has_text="172.5").click()
    await detail_ready(page)
    campaign = page.locator("[data-jr-campaign]")
    assert await campaign.locator("tbody tr").count() == 2
    assert "this trade" in await campaign.locator("tr.is-current").inner_text()
    breakeven = await campaign.locator(".jr-breakeven b").inner_text()
    assert re.fullmatch(r"\$[\d,]+\.\d\d", breakeven), breakeven
    await page.locator("[data-jr-campaign-sec]").scroll_into_view_if_needed()
    await screenshot(page, "7b-campaign")
    await page.keyboard.press("Escape")

    # The analytics view: every plot drawn (or saying why not), patterns listed.
    await page.get_by_role("tab", name="Analytics").click()
    await plots_ready(page, ["equity", "calendar", "heatmap", "r_histogram"])
    for name in ("equity", "calendar", "heatmap"):
        host = page.locator(f'[data-plot="{name}"]')
        assert await host.get_attribute("data-state") == "ready", name
        assert await host.locator("canvas").count() >= 1, name
    assert await page.locator('[data-plot="r_histogram"]').get_attribute("data-state") == "ready"
    # Every breakdown but "by account" (one account): a chart, or a line saying it is unknown.
    figures = await page.locator("[data-breakdown]").count()
    missing = await page.locator("[data-jr-breakdowns-missing] li").all_inner_texts()
    assert figures + len(missing) == 8 and figures >= 4, (figures, missing)
    assert any("IV rank at entry is not known" in m for m in missing)
    await page.locator('[data-breakdown="symbol"] canvas').wait_for()
    await page.locator('[data-jr-patterns]:not([data-state="loading"])').wait_for()
    await screenshot(page, "8-analytics")
    await page.locator("[data-jr-breakdowns]").scroll_into_view_if_needed()
    await screenshot(page, "9-breakdowns")

    # Filter by symbol: the table, the numbers and the export follow.
    await page.get_by_role("tab", name="Trades").click()
    await page.locator("[data-jr-filters] input[name=symbol]").fill("spy")
    await query_has(page, "symbol=SPY")
    await trades_ready(page)
    syms = await page.locator("[data-jr-rows] .jr-sym").all_inner_texts()
    assert syms and set(syms) == {"SPY"}
    href = await page.locator("[data-jr-export]").get_attribute("href")
    assert href == "/api/journal/export.csv?symbol=SPY"
    exported = await page.request.get(href)
    assert exported.status == 200
    lines = list(csv.DictReader(io.StringIO(await exported.text())))
    assert lines and {r["underlying"] for r in lines} == {"SPY"}
    assert "jq=symbol%3DSPY" in page.url
    await page.locator("[data-jr-reset]").click()
    await query_has(page, "symbol=", present=False)

    # This month's trades (a second import), then the coach on them.
    now = datetime.now(UTC)
    content, closed = this_month_csv(now)
    await page.locator(".jr-toolbar [data-jr-import]").click()
    await drop_text(page, "this_month.csv", content.decode())
    await wait_step(page, "preview")
    await page.locator("[data-jr-p-commit]").click()
    await wait_step(page, "done")
    await (
        page.locator("[data-jr-import-dialog]").get_by_role("button", name="See the trades").click()
    )
    await trades_ready(page)

    await ask(page, "how did I do this month?")
    await wait_answered(page)
    card = page.locator(".ccard-journal_summary")
    await card.wait_for()
    text = await card.inner_text()
    assert f"{closed} closed trades" in text.lower(), text
    assert re.search(MONEY, text)
    await screenshot(page, "10-chat-card")
    await card.locator(".ccard-body").click()
    ny_today = now.astimezone(NEW_YORK).date()
    await query_has(page, f"from={ny_today.replace(day=1).isoformat()}")
    await trades_ready(page)
    assert await page.locator("[data-jr-filters] input[name=from]").input_value() == (
        ny_today.replace(day=1).isoformat()
    )
    assert int(await page.locator("[data-jr-trades]").get_attribute("data-total") or 0) == closed
    await screenshot(page, "11-card-opened")

    # One of this month's trades, held half an hour in the session: 5-minute bars on the New
    # York clock, its entry and its exit marked.
    in_session = page.locator("[data-jr-rows] tr", has=page.locator(".jr-time", has_text=":45"))
    if await in_session.count():
        await in_session.first.click()
        await detail_ready(page)
        chart = page.locator("[data-jr-chart]")
        assert await chart.get_attribute("data-state") == "ready"
        assert await chart.get_attribute("data-timeframe") == "5m"
        assert int(await chart.get_attribute("data-markers") or 0) == 2
        assert "New York time" in await page.locator("[data-jr-chart-sub]").inner_text()
        await screenshot(page, "12-intraday-trade")


async def test_broken_rows_and_duplicates_in_the_preview(jpage: Any, screenshot: Any) -> None:
    page = jpage
    await sign_up_in_browser(page, "broken-rows@example.com")
    await open_journal(page)
    await page.locator("[data-jr-welcome] [data-jr-import]").click()
    await page.get_by_label("Account name").fill("Main")
    await drop_file(page, TASTY_BROKEN)
    await wait_step(page, "preview")
    expected = json.loads(TASTY_BROKEN.with_suffix(".expected.json").read_text("utf-8"))
    errors = page.locator("[data-jr-p-table] tr.jr-p-error")
    assert await errors.count() == len(expected["errors"])
    for (row, reason), tr in zip(expected["errors"], await errors.all(), strict=True):
        assert await tr.get_attribute("data-row") == str(row)
        assert reason in await tr.inner_text()
    assert await page.locator('[data-count="errors"] dd').inner_text() == str(
        len(expected["errors"])
    )
    await screenshot(page, "1-errors")
    # "Only rows with a problem" hides the good rows.
    await page.get_by_label("Only rows with a problem").check()
    assert await page.locator("[data-jr-p-table] tbody tr").count() == len(expected["errors"])
    await page.get_by_label("Only rows with a problem").uncheck()
    await page.locator("[data-jr-p-commit]").click()
    await wait_step(page, "done")

    # The same file again: every execution is a duplicate, nothing to commit.
    await page.locator("[data-jr-d-again]").click()
    history = page.locator("[data-jr-i-history]")
    await expect(history).to_be_visible()
    await expect(history.locator("tbody tr")).to_have_count(1)
    await history.locator("summary").click()
    row_text = await history.locator("tbody tr").inner_text()
    assert "broken_rows.csv" in row_text and "Imported" in row_text, row_text
    await drop_file(page, TASTY_BROKEN)
    await wait_step(page, "preview")
    parsed = len(expected["executions"])
    assert await page.locator('[data-count="duplicates"] dd').inner_text() == str(parsed)
    assert await page.locator("[data-jr-p-table] tr.jr-p-dup").count() == parsed
    assert "Duplicate" in await page.locator("[data-jr-p-table] tr.jr-p-dup").first.inner_text()
    commit = page.locator("[data-jr-p-commit]")
    assert await commit.is_disabled() and await commit.inner_text() == "Nothing new to add"
    await screenshot(page, "2-duplicates")

    # A file no importer knows: the API's message, with the formats it knows.
    await page.locator("[data-jr-p-back]").click()
    await drop_text(page, "notes.csv", "hello,world\n1,2\n")
    error = page.locator("[data-jr-i-error]")
    await expect(error).to_contain_text("I can read")
    assert await page.locator("[data-jr-import-dialog]").get_attribute("data-step") == "choose"
    await screenshot(page, "3-unknown-format")


async def test_manual_entry_shows_the_apis_validation_messages(jpage: Any, screenshot: Any) -> None:
    page = jpage
    await sign_up_in_browser(page, "manual-entry@example.com")
    await open_journal(page)
    # An account first (the wizard's new-account field, without a file).
    created = await page.evaluate(
        """async () => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const r = await fetch('/api/journal/accounts', { method: 'POST',
                headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
                body: JSON.stringify({ name: 'Manual' }) });
            return r.status;
        }"""
    )
    assert created == 201
    await page.reload()
    await open_journal(page)
    await page.locator("[data-jr-welcome] [data-jr-new]").click()
    dialog = page.locator("[data-jr-entry]")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Underlying").fill("spy")
    await page.get_by_label("Opened (New York time)").fill("2024-03-04T10:15")
    # Leg 1: sell 1 put without a strike; leg 2: buy 1 put with a negative price.
    await page.get_by_label("Leg 1 side").select_option("-1")
    await page.get_by_label("Leg 1 expiration").fill("2024-03-15")
    await page.get_by_label("Leg 1 open price").fill("3.10")
    await dialog.get_by_role("button", name="Add leg").click()
    await page.get_by_label("Leg 2 strike").fill("495")
    await page.get_by_label("Leg 2 open price").fill("-1")
    await dialog.get_by_role("button", name="Add trade").click()
    errors = page.locator("[data-jr-e-errors]")
    await expect(errors).not_to_be_empty()
    text = await errors.inner_text()
    assert "Leg 2" in text and "price" in text.lower(), text
    assert await page.get_by_label("Leg 2 open price").get_attribute("aria-invalid") == "true"
    await screenshot(page, "1-errors")
    # Fixed: a 500/495 put spread, closed a few days later.
    await page.get_by_label("Leg 1 strike").fill("500")
    await page.get_by_label("Leg 2 open price").fill("1.95")
    await page.get_by_label("Closed (optional)").fill("2024-03-08T15:20")
    await page.get_by_label("Leg 1 close price").fill("1.50")
    await page.get_by_label("Leg 2 close price").fill("0.70")
    await dialog.get_by_role("button", name="Add trade").click()
    await expect(dialog).to_be_hidden()
    drawer = await detail_ready(page)
    assert (await page.locator("[data-jr-detail-title]").inner_text()).startswith("SPY")
    net = await drawer.locator(".jr-fact", has_text="Net P&L").locator("dd").inner_text()
    assert net == "+$35.00", net  # (3.10 − 1.95) − (1.50 − 0.70) = 0.35 a share, no fees
    await screenshot(page, "2-created")


def busy_csv(n: int = 90, seed: int = 21) -> bytes:
    """A tastytrade export of ``n`` round trips over four months of 2024 (seeded): short puts,
    long calls and put credit spreads on five symbols, entered at different hours and weekdays,
    closed the same day or days later, about 60 % of them for a gain."""
    rng = random.Random(seed)
    rows = [TASTY_HEADER]
    days = [date(2024, 1, 2) + timedelta(days=i) for i in range(120)]
    days = [d for d in days if d.weekday() < 5][:-8]
    base = {"SPY": 480, "QQQ": 420, "IWM": 200, "AAPL": 180, "TSLA": 190}
    for i in range(n):
        sym = rng.choice(sorted(base))
        day = rng.choice(days)
        hour, minute = rng.choice(range(9, 16)), rng.choice([35, 40, 45, 50])
        opened = datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)
        held = rng.choice([timedelta(days=d) for d in (1, 2, 3, 7)] + [timedelta(minutes=45)])
        closed, exp = opened + held, day + timedelta(days=30)
        k = base[sym] + 5 * rng.randint(-3, 3)
        win = rng.random() < 0.6
        kind = rng.choice(["short_put", "long_call", "put_spread"])
        o, c = 5000 + 2 * i, 5001 + 2 * i
        p = round(rng.uniform(1.0, 4.0), 2)
        if kind == "short_put":
            q = round(p * (rng.uniform(0.2, 0.7) if win else rng.uniform(1.3, 2.5)), 2)
            legs = [
                (opened, "SELL_TO_OPEN", k, "PUT", p, o),
                (closed, "BUY_TO_CLOSE", k, "PUT", q, c),
            ]
        elif kind == "long_call":
            q = round(p * (rng.uniform(1.3, 2.2) if win else rng.uniform(0.2, 0.8)), 2)
            legs = [
                (opened, "BUY_TO_OPEN", k, "CALL", p, o),
                (closed, "SELL_TO_CLOSE", k, "CALL", q, c),
            ]
        else:
            w = round(p * rng.uniform(0.3, 0.5), 2)  # the long put's price
            f = rng.uniform(0.2, 0.6) if win else rng.uniform(1.3, 1.9)
            legs = [
                (opened, "SELL_TO_OPEN", k, "PUT", p, o),
                (opened, "BUY_TO_OPEN", k - 5, "PUT", w, o),
                (closed, "BUY_TO_CLOSE", k, "PUT", round(p * f, 2), c),
                (closed, "SELL_TO_CLOSE", k - 5, "PUT", round(w * f * 0.8, 2), c),
            ]  # fmt: skip
        rows += [tasty_row(at, act, sym, exp, *rest) for at, act, *rest in legs]
    return ("\n".join(rows) + "\n").encode()


async def test_a_busy_journal_pages_filters_and_themes(jpage: Any, screenshot: Any) -> None:
    page = jpage
    await sign_up_in_browser(page, "busy-journal@example.com")
    await open_journal(page)
    await page.locator("[data-jr-welcome] [data-jr-import]").click()
    await page.get_by_label("Account name").fill("Busy")
    await drop_text(page, "tasty_busy.csv", busy_csv().decode())
    await wait_step(page, "preview")
    await page.locator("[data-jr-p-commit]").click()
    await wait_step(page, "done")
    await (
        page.locator("[data-jr-import-dialog]").get_by_role("button", name="See the trades").click()
    )
    table = await trades_ready(page)
    total = int(await table.get_attribute("data-total") or 0)
    assert total > 60

    # 25 a page; PgDn goes to the next page, ↑ at its top back to the last row of the first.
    await page.locator("[data-jr-page-size]").select_option("25")
    await query_has(page, "limit=25")
    await trades_ready(page)
    assert await page.locator("[data-jr-page-label]").inner_text() == f"1–25 of {total}"
    await page.locator("[data-jr-rows] tr").first.focus()
    await page.keyboard.press("PageDown")
    await query_has(page, "offset=25")
    await trades_ready(page)
    assert await page.locator("[data-jr-page-label]").inner_text() == f"26–50 of {total}"
    first = page.locator("[data-jr-rows] tr").first
    await expect(first).to_have_attribute("aria-selected", "true")
    await expect(first).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await query_has(page, "offset=0")
    await trades_ready(page)
    last = page.locator("[data-jr-rows] tr").nth(24)
    await expect(last).to_have_attribute("aria-selected", "true")
    await expect(last).to_be_focused()
    # Sort by net P&L, best first.
    await page.locator('th[data-sort="net"] button').click()
    await query_has(page, "sort=net&order=desc")
    await trades_ready(page)
    nets = await page.locator("[data-jr-rows] tr td:nth-child(7)").all_inner_texts()
    values = [float(t.replace("−", "-").replace("$", "").replace(",", "")) for t in nets]
    assert values == sorted(values, reverse=True)
    await screenshot(page, "1-sorted")

    # The dashboard of a busy journal, dark then light.
    await page.get_by_role("tab", name="Analytics").click()
    await plots_ready(page, ["equity", "calendar", "heatmap", "r_histogram"])
    patterns = page.locator("[data-jr-pattern-list] li")
    await page.locator('[data-jr-patterns][data-state="ready"]').wait_for()
    assert await patterns.count() >= 1
    await screenshot(page, "2-analytics")
    await page.locator("[data-jr-breakdowns]").scroll_into_view_if_needed()
    await screenshot(page, "3-breakdowns")
    await page.locator("[data-jr-patterns]").scroll_into_view_if_needed()
    await screenshot(page, "4-patterns")
    await page.locator("[data-theme-toggle]").click()
    await page.wait_for_function("document.documentElement.dataset.theme === 'light'")
    await plots_ready(page, ["equity", "calendar", "heatmap", "r_histogram"])
    await page.locator("[data-jr-scroll]").evaluate("el => el.scrollTo(0, 0)")
    await screenshot(page, "5-analytics-light")
    await page.get_by_role("tab", name="Trades").click()
    await page.locator("[data-jr-rows] tr").first.click()
    await detail_ready(page)
    await screenshot(page, "5b-detail-light")
    await page.keyboard.press("Escape")
    await page.locator("[data-theme-toggle]").click()

    # A link from elsewhere (a chat card) before the Journal tab has loaded: the bus keeps it.
    await page.goto("/#tab=chart")
    await page.locator('[data-chart][data-state="ready"]').wait_for(timeout=30_000)
    await page.evaluate(
        """async () => {
            const { workspace } = await import('/static/js/kit/workspace.js');
            const filters = { symbol: 'spy', status: 'closed' };
            workspace.open('journal', { filters, view: 'analytics' });
        }"""
    )
    await query_has(page, "symbol=SPY&status=closed")
    await plots_ready(page, ["equity"])
    assert await page.locator("#jr-tab-analytics").get_attribute("aria-selected") == "true"
    assert await page.locator("[data-jr-filters] input[name=symbol]").input_value() == "SPY"
    checked = page.locator('[data-jr-filters] input[name="status"]:checked')
    assert await checked.get_attribute("value") == "closed"
    assert "jq=symbol%3DSPY%26status%3Dclosed" in page.url
    await screenshot(page, "6-opened-from-a-card")

    # A trade held under an hour asks for intraday bars; the simulated market keeps 60 sessions
    # of them, so for 2024 the chart says so and shows daily bars, entry and exit marked.
    listed = await (await page.request.get("/api/journal/trades?symbol=SPY&limit=500")).json()

    def held(t: dict[str, Any]) -> float:
        closed = datetime.fromisoformat(t["closed_at"])
        return (closed - datetime.fromisoformat(t["opened_at"])).total_seconds()

    quick = next(t for t in listed["items"] if t["closed_at"] and held(t) < 3600)
    await page.evaluate(
        """async (id) => {
            const { workspace } = await import('/static/js/kit/workspace.js');
            workspace.open('journal', { trade_id: id, view: 'trades' });
        }""",
        quick["id"],
    )
    await detail_ready(page)
    chart = page.locator("[data-jr-chart]")
    assert await chart.get_attribute("data-state") == "ready"
    assert await chart.get_attribute("data-timeframe") == "1d"
    assert int(await chart.get_attribute("data-markers") or 0) == 2  # one bar, entry and exit
    note = await page.locator("[data-jr-chart-note]").inner_text()
    assert "No 5m bars that far back" in note, note
    assert f"jt={quick['id']}" in page.url
    await screenshot(page, "7-quick-trade")
