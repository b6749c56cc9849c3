"""aicoach.web.frontend and base.html: the import map cache-busts every ES module with the same
hashed URL the templates' ``static()`` gives (one URL per module, so one instance), the card map
comes from CardSpecs and refuses typos, and every page carries both as inert JSON before its
first module script."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aicoach.plugin import CardSpec
from aicoach.web.frontend import STATIC_DIR, build_card_map, build_import_map, static_url
from aicoach.web.templating import build_templates
from tests.conftest import make_settings

HASHED = re.compile(r"^(/static/js/[\w/.-]+\.js)\?v=[0-9a-f]{10}$")


def test_import_map_lists_every_module_with_its_static_url() -> None:
    imports = build_import_map()["imports"]
    on_disk = {
        "/static/" + p.relative_to(STATIC_DIR).as_posix() for p in (STATIC_DIR / "js").rglob("*.js")
    }
    assert set(imports) == on_disk
    for bare, hashed in imports.items():
        match = HASHED.match(hashed)
        assert match and match.group(1) == bare, hashed
        # The template's static() and the map agree, so an entry <script> and an import of the
        # same module are one URL: the module runs once.
        assert hashed == static_url(bare.removeprefix("/static/"))
    assert "/static/js/kit/workspace.js" in imports
    assert not any("/vendor/" in url for url in imports)


def test_a_module_gets_a_new_version_when_its_bytes_change(tmp_path: Path) -> None:
    """Versions are computed once per process, so each release is a fresh static dir here."""

    def release(name: str, a: str) -> Path:
        static = tmp_path / name
        (static / "js" / "kit").mkdir(parents=True)
        (static / "js" / "kit" / "a.js").write_text(a, "utf-8")
        (static / "js" / "b.js").write_text("export const b = 1;\n", "utf-8")
        return static

    before = build_import_map(release("v1", "export const a = 1;\n"))["imports"]
    after = build_import_map(release("v2", "export const a = 2;\n"))["imports"]
    assert before["/static/js/kit/a.js"] != after["/static/js/kit/a.js"]
    assert before["/static/js/b.js"] == after["/static/js/b.js"]


def test_card_map_from_card_specs() -> None:
    cards = [
        CardSpec("key_levels", "levels/cards/key_levels.js", "chart"),
        CardSpec("quote", "marketdata/cards/quote.js"),
    ]
    assert build_card_map(cards) == {
        "key_levels": {"module": "/static/js/levels/cards/key_levels.js", "tab": "chart"},
        "quote": {"module": "/static/js/marketdata/cards/quote.js", "tab": ""},
    }
    assert build_card_map([]) == {}


def test_card_map_refuses_a_missing_module_or_a_type_declared_twice() -> None:
    with pytest.raises(ValueError, match="no module"):
        build_card_map([CardSpec("quote", "marketdata/cards/qoute.js", "chart")])
    twice = [CardSpec("quote", "marketdata/cards/quote.js")] * 2
    with pytest.raises(ValueError, match="declared twice"):
        build_card_map(twice)


class Scripts(HTMLParser):
    """The page's <script> elements in order: (attributes, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self._open = {k: v or "" for k, v in attrs}
            self.scripts.append((self._open, ""))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


def test_every_page_carries_the_import_map_first_and_the_card_map(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", tmp_path)
    cards = [CardSpec("key_levels", "levels/cards/key_levels.js", "chart")]
    env = build_templates(settings, cards=cards).env
    page = env.get_template("base.html").render(
        csrf_token="t", request_id="r", user=None, csp_nonce="n0nce"
    )
    parser = Scripts()
    parser.feed(page)
    kinds = [attrs.get("type", "") for attrs, _ in parser.scripts]
    assert kinds.index("importmap") < kinds.index("module")  # resolved before any module loads
    importmap = parser.scripts[kinds.index("importmap")]
    assert importmap[0]["nonce"] == "n0nce"  # ready for a CSP without inline scripts
    assert json.loads(importmap[1]) == build_import_map()
    card_map = next(text for attrs, text in parser.scripts if attrs.get("id") == "card-map")
    assert json.loads(card_map) == build_card_map(cards)
    entry = next(attrs["src"] for attrs, _ in parser.scripts if attrs.get("type") == "module")
    assert entry == build_import_map()["imports"]["/static/js/kit/app.js"]
