"""The chat's pure JS functions, run inside Chromium: the SSE parser (cross-checked against the
server's own encoder), the markdown-lite renderer's escaping (fixed cases and random input), the
search-snippet sanitiser, the citation and tool wording, and every card module's markup and the
tab it opens (the number formatting has its own tests: test_format_js_units.py).

The static directory is served by a stdlib HTTP server on 127.0.0.1; the page is a bare HTML
document, so each test imports the ES modules it needs with ``import()`` in ``page.evaluate``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from aicoach.chat.stream import decode, encode
from tests.helpers.js_units import STATIC

pytestmark = pytest.mark.browser


# ---------------------------------------------------------------- SSE parser


async def test_sse_parser_handles_any_chunking_comments_multiline_and_crlf(js: Any) -> None:
    stream = (
        ": keep-alive\r\n\r\n"
        'event: delta\r\ndata: {"text":"a"}\r\n\r\n'
        "data: line one\ndata: line two\n\n"
        "event: done\rdata:{}\r\r"
        "event: empty\n\n"  # no data: dropped
        "event: cut\ndata: never finished"  # no blank line before the end: dropped
    )
    expected = [
        {"event": "delta", "data": '{"text":"a"}'},
        {"event": "message", "data": "line one\nline two"},
        {"event": "done", "data": "{}"},
    ]
    results = await js.evaluate(
        """async (stream) => {
            const { createSSEParser } = await import('/static/js/chat/sse.js');
            const runs = [];
            for (let size = 1; size <= stream.length; size++) {
                const out = [];
                const p = createSSEParser((e) => out.push({ event: e.event, data: e.data }));
                for (let i = 0; i < stream.length; i += size) p.push(stream.slice(i, i + size));
                runs.push(out);
            }
            return runs;
        }""",
        stream,
    )
    assert len(results) == len(stream)
    for size, events in enumerate(results, start=1):
        assert events == expected, f"chunk size {size}"


async def test_sse_reader_matches_the_server_encoder_across_random_byte_splits(js: Any) -> None:
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "user_message",
            {"id": 7, "content": "where are SPY's levels? €✓ \u2028 <b>", "created_at": "x"},
        ),
        ("assistant_start", {"message_id": 8, "model_label": "Offline coach"}),
        *[
            ("delta", {"text": t})
            for t in ["Support ", "is **$590.10**", "\n\n- one\r\n- two", "🙂"]
        ],
        (
            "tool_started",
            {"call_id": "c1", "name": "get_key_levels", "arguments": {"symbol": "SPY"}},
        ),
        ("done", {"message_id": 8, "finish_reason": "stop", "usage": {"input_tokens": 0}}),
    ]
    body = b": keep-alive\n\n".join(encode(name, data) for name, data in events)
    rng = random.Random(20261126)
    for _ in range(5):
        cuts = sorted(rng.sample(range(1, len(body)), 25))
        chunks = [list(body[a:b]) for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        got = await js.evaluate(
            """async (chunks) => {
                const { readSSE } = await import('/static/js/chat/sse.js');
                const body = new ReadableStream({
                    start(c) { for (const ch of chunks) c.enqueue(new Uint8Array(ch)); c.close(); },
                });
                const out = [];
                for await (const ev of readSSE(new Response(body))) out.push([ev.event, ev.data]);
                return out;
            }""",
            chunks,
        )
        assert [tuple(e) for e in got] == decode(body.decode()) == [(n, d) for n, d in events]


# ---------------------------------------------------------------- markdown-lite

ALLOWED_TAGS = {
    "P", "BR", "STRONG", "EM", "CODE", "PRE", "UL", "OL", "LI", "H3", "H4", "H5", "BLOCKQUOTE",
    "HR", "DIV", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD",
}  # fmt: skip
ALLOWED_ATTRS = {"class", "data-lang"}

AUDIT = """async (inputs) => {
    const { renderMarkdown } = await import('/static/js/chat/markdown.js');
    const box = document.createElement('div');
    return inputs.map((text) => {
        box.innerHTML = renderMarkdown(text);
        const tags = new Set(), attrs = new Set();
        for (const el of box.querySelectorAll('*')) {
            tags.add(el.tagName);
            for (const a of el.attributes) attrs.add(a.name + '=' + a.value);
        }
        return { html: box.innerHTML, text: box.textContent, tags: [...tags], attrs: [...attrs] };
    });
}"""


async def test_markdown_escapes_model_text_so_no_markup_gets_through(js: Any) -> None:
    attacks = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '**<a href="javascript:alert(1)">x</a>**',
        "`<b>code</b>` and ```\n</code><script>x</script>\n```",
        "| a | <i>b</i> |\n|---|---|\n| <svg onload=1> | 2 |",
        '"><iframe src=//evil>',
        '```js" onclick="x\n<p>\n```',
        "- <style>*{}</style>\n1. &lt;already&gt; &amp;",
    ]
    for case in await js.evaluate(AUDIT, attacks):
        assert set(case["tags"]) <= ALLOWED_TAGS, case
        assert all(a.split("=", 1)[0] in ALLOWED_ATTRS for a in case["attrs"]), case
        for bad in ("<script", "<img", "<a ", "<iframe", "<svg", "<style", "<i>", "<b>"):
            assert bad not in case["html"].lower(), case
    texts = [c["text"] for c in await js.evaluate(AUDIT, attacks[:2])]
    assert texts == ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">']


async def test_markdown_random_input_never_yields_foreign_tags_or_attributes(js: Any) -> None:
    rng = random.Random(7)
    alphabet = [
        *"<>\"'&*_`|#-=/ \n\nabcSPY1.:()!",
        "<script>",
        "onerror=",
        "```",
        "**",
        "\n- ",
        "\n1. ",
    ]
    inputs = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(400)]
    for text, case in zip(inputs, await js.evaluate(AUDIT, inputs), strict=True):
        assert set(case["tags"]) <= ALLOWED_TAGS, (text, case)
        assert all(a.split("=", 1)[0] in ALLOWED_ATTRS for a in case["attrs"]), (text, case)
        # Nothing is lost or invented: the visible text keeps every letter of the input (digits
        # may be "1." list markers, which become the <ol> numbering).
        letters = [ch for ch in text if ch.isalpha()]
        assert [ch for ch in case["text"] if ch.isalpha()] == letters, (text, case)


async def test_markdown_structures(js: Any) -> None:
    source = [
        "**SPY** is at *590* and `VWAP` holds.",
        "Para one\nline two\n\nPara two",
        "- a\n- **b**\n\n1. first\n2. second",
        "### Levels\n> careful\n\n---",
        "| Level | Price |\n|---|---:|\n| R1 | 601.20 |",
        "```\nx < y\n```",
        "unclosed ```\nstill",
        "```py\nopen fence while streaming",
    ]
    html = [c["html"] for c in await js.evaluate(AUDIT, source)]
    assert html[0] == "<p><strong>SPY</strong> is at <em>590</em> and <code>VWAP</code> holds.</p>"
    assert html[1] == "<p>Para one<br>line two</p><p>Para two</p>"
    assert (
        html[2]
        == "<ul><li>a</li><li><strong>b</strong></li></ul><ol><li>first</li><li>second</li></ol>"
    )
    assert html[3] == "<h5>Levels</h5><blockquote>careful</blockquote><hr>"
    assert '<th class="num">Price</th>' in html[4] and '<td class="num">601.20</td>' in html[4]
    assert html[5] == "<pre><code>x &lt; y</code></pre>"
    assert html[6] == "<p>unclosed ```<br>still</p>"
    assert html[7] == '<pre data-lang="py"><code>open fence while streaming</code></pre>'


async def test_snippet_sanitiser_keeps_only_mark(js: Any) -> None:
    out = await js.evaluate(
        """async (inputs) => {
            const { sanitizeSnippet } = await import('/static/js/chat/markdown.js');
            return inputs.map(([html, plain]) => {
                const box = document.createElement('div');
                box.append(sanitizeSnippet(html, { plain }));
                return box.innerHTML;
            });
        }""",
        [
            ["…the <mark>pivot</mark> at 5 &lt; 6 &amp; so…", False],
            [
                '<img src=x onerror=alert(1)><b>bold</b> <mark class="x" onclick="y">hit</mark>',
                False,
            ],
            ["<script>alert(1)</script><style>p{}</style>after", False],
            ["<mark><b>nested</b></mark>", False],
            ["**bold** `code` <mark>hit</mark>", True],
        ],
    )
    assert out == [
        "…the <mark>pivot</mark> at 5 &lt; 6 &amp; so…",
        "bold <mark>hit</mark>",
        "after",
        "<mark>nested</mark>",
        "bold code <mark>hit</mark>",
    ]


# ---------------------------------------------------------------- chat wording


async def test_citations_tool_phrases_and_ids(js: Any) -> None:
    out = await js.evaluate(
        """async () => {
            const c = await import('/static/js/kit/citations.js');
            const { toolPhrase } = await import('/static/js/chat/tool-phrases.js');
            const { uuid } = await import('/static/js/kit/uuid.js');
            const { html, raw } = await import('/static/js/kit/html.js');
            const { dayGroup } = await import('/static/js/kit/format.js');
            const winter = { source: 'simulated', as_of: '2026-01-15T20:42:00Z',
                             market_session: 'regular', label: 'SPY key levels' };
            const summer = { source: 'real-time', as_of: '2026-07-15T19:42:00Z',
                             market_session: 'after-hours' };
            const saved = crypto.randomUUID;
            Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
            const fallback = uuid();
            Object.defineProperty(crypto, 'randomUUID', { value: saved, configurable: true });
            return {
                winter: c.citationText(winter), summer: c.citationText(summer),
                tip: c.citationTooltip(winter, 'get_key_levels'),
                same: c.citationKey(winter) === c.citationKey({ ...winter }),
                phrase: [toolPhrase('get_key_levels', 'Looking up SPY key levels'),
                         toolPhrase('get_market_status', ''), toolPhrase('new_tool_x')],
                uuid: [uuid(), fallback],
                groups: [dayGroup('2026-11-26T15:00:00Z', new Date('2026-11-26T20:00:00Z')),
                         dayGroup('2026-11-26T03:00:00Z', new Date('2026-11-26T20:00:00Z')),
                         dayGroup('2026-11-20T15:00:00Z', new Date('2026-11-26T20:00:00Z'))],
                tagged: String(html`<b title="${'"><x>'}">${['<i>', raw('<br>')]}</b>`),
            };
        }"""
    )
    assert out["winter"] == "Simulated · as of 15:42 ET · regular session"  # EST: UTC−5
    assert out["summer"] == "Real-time · as of 15:42 ET · after-hours"  # EDT: UTC−4
    assert out["tip"] == [
        "Tool: get_key_levels",
        "Data: SPY key levels",
        "Source: Simulated",
        "As of: Thu, Jan 15, 15:42:00 ET",
        "Market: regular",
    ]
    assert out["same"] is True
    assert out["phrase"] == [  # the server's phrase, else the tool's name
        "Looking up SPY key levels",
        "Running get market status",
        "Running new tool x",
    ]
    uuid_re = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    assert all(re.match(uuid_re, u) for u in out["uuid"]), out["uuid"]
    assert out["groups"] == ["Today", "Yesterday", "Previous 7 days"]  # 03:00Z is the 25th in ET
    assert out["tagged"] == '<b title="&quot;&gt;&lt;x&gt;">&lt;i&gt;<br></b>'


# ---------------------------------------------------------------- cards

#: One sample card per type: its data, the text it must show, the tab and detail a click opens.
CARDS: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("chat_cards.json")).read_text("utf-8")
)


@pytest.mark.parametrize("card", CARDS, ids=[c["type"] for c in CARDS])
async def test_card_renders_from_data_escapes_and_opens_its_tab(
    card_js: Any, card: dict[str, Any], app_card_map: dict[str, dict[str, str]]
) -> None:
    tab, expected_detail = card["opens"]
    result = await card_js.evaluate(
        """async ([card, tab]) => {
            const { mountCard, cardTypes } = await import('/static/js/chat/card-registry.js');
            const { workspace } = await import('/static/js/kit/workspace.js');
            const root = document.getElementById('root');
            root.replaceChildren();
            const el = await mountCard(root, { card_id: 'm1-0', ...card });
            const opened = [];
            workspace.on(tab, (detail) => opened.push(detail));
            el.querySelector('.ccard-body').click();
            return {
                types: cardTypes(), text: el.innerText, opened,
                foreign: [...el.querySelectorAll('script, img, iframe')].length,
                button: el.querySelector('.ccard-open').getAttribute('aria-label'),
            };
        }""",
        [{k: card[k] for k in ("type", "data", "citations") if k in card}, tab],
    )
    assert sorted(result["types"]) == sorted(app_card_map)
    assert app_card_map[card["type"]]["tab"] == tab
    for expected in card["expect_text"]:
        assert expected in result["text"], (expected, result["text"])
    assert result["foreign"] == 0  # and "R1 <b>" above was found as text, not parsed as markup
    assert len(result["opened"]) == 1, result["opened"]
    for key, value in expected_detail.items():
        assert result["opened"][0][key] == value, (key, result["opened"])
    assert result["button"].startswith("Open ")


async def test_each_card_module_names_the_tab_its_cardspec_names(
    js: Any, app_card_map: dict[str, dict[str, str]]
) -> None:
    samples = {c["type"]: c["data"] for c in CARDS}
    assert set(samples) == set(app_card_map)  # one sample card per registered type
    tabs = await js.evaluate(
        """async ([map, samples]) => {
            const out = {};
            for (const [type, spec] of Object.entries(map)) {
                const mod = (await import(spec.module)).default;
                out[type] = mod.open(samples[type]).tab;
            }
            return out;
        }""",
        [app_card_map, samples],
    )
    assert tabs == {t: spec["tab"] for t, spec in app_card_map.items()}


async def test_unknown_card_type_renders_a_placeholder_not_an_error(card_js: Any) -> None:
    text = await card_js.evaluate(
        """async () => {
            const { mountCard } = await import('/static/js/chat/card-registry.js');
            const root = document.getElementById('root');
            const el = await mountCard(root, { type: 'future_card', data: {} });
            return el.innerText;
        }"""
    )
    assert "not supported" in text


def test_the_card_map_lists_exactly_the_card_modules(
    app_card_map: dict[str, dict[str, str]],
) -> None:
    """Every slice's cards/*.js is registered by a CardSpec, and every CardSpec's module exists."""
    on_disk = {
        "/static/" + p.relative_to(STATIC).as_posix() for p in (STATIC / "js").glob("*/cards/*.js")
    }
    assert {spec["module"] for spec in app_card_map.values()} == on_disk
    for card_type, spec in app_card_map.items():
        assert spec["module"].endswith(f"/cards/{card_type}.js")  # one module per type, named so
