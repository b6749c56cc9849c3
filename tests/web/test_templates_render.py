"""base / shell / error / toast templates render with plain Jinja2 and show what a user needs.

Rendered with a bare `jinja2.Environment` and a stub `static` global (the app's templating adds
the real one), then parsed with the stdlib HTML parser so assertions are about elements and
attributes, not string fragments. One browser test drives the rendered shell in Chromium.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from aicoach.plugin import Tab
from tests.helpers.live import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.threaded_server import serve_directory

WEB = Path(__file__).resolve().parents[2] / "src" / "aicoach" / "web"


@dataclass
class FakeUser:
    id: int
    email: str
    role: str = "user"
    display_name: str = ""


@dataclass
class FakeSession:
    id: int
    title: str
    url: str = ""
    updated_label: str = ""


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))


def parse(html: str) -> list[Element]:
    collector = Collector()
    collector.feed(html)
    return collector.elements


def find(elements: list[Element], tag: str | None = None, **attrs: str) -> list[Element]:
    def matches(e: Element) -> bool:
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())

    return [e for e in elements if matches(e)]


def env(browser_sentry: dict[str, Any] | None = None) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(WEB / "templates"), autoescape=select_autoescape()
    )
    environment.globals["static"] = lambda path: f"/static/{path}?v=test"
    environment.globals["browser_sentry"] = browser_sentry
    return environment


def render(template: str, browser_sentry: dict[str, Any] | None = None, **context: Any) -> str:
    base: dict[str, Any] = {"csrf_token": "csrf-123", "request_id": "req-42", "user": None}
    return env(browser_sentry).get_template(template).render(**{**base, **context})


TABS = [
    Tab(id="chart", title="Chart", url="/tabs/chart", order=10, icon="chart"),
    Tab(id="options", title="Options", url="/tabs/options", order=20, icon="no-such-icon"),
    Tab(id="journal", title="Journal", url="/tabs/journal", order=30),
]


# ---------- base.html ----------


def test_base_head_carries_csrf_request_id_and_assets() -> None:
    html = render("base.html", user=FakeUser(7, "a@example.com"))
    els = parse(html)
    assert find(els, "html", data_theme="dark")
    assert find(els, "meta", name="csrf-token", content="csrf-123")
    assert find(els, "meta", name="aicoach-request-id", content="req-42")
    assert find(els, "meta", name="aicoach-user-id", content="7")
    scripts = [e.attrs.get("src", "") for e in find(els, "script")]
    assert "/static/vendor/htmx/htmx.min.js?v=test" in scripts
    assert "/static/vendor/alpinejs/alpine.min.js?v=test" in scripts
    assert find(els, "script", src="/static/js/kit/app.js?v=test", type="module")
    assert find(els, "link", rel="stylesheet", href="/static/css/app.css?v=test")
    assert find(els, "a", href="#main", **{"class": "skip-link"})
    assert find(els, "div", id="toasts", aria_live="polite")
    assert 'id="sentry-config"' not in html  # no browser Sentry unless configured


def test_base_theme_is_applied_before_stylesheet_to_avoid_flash() -> None:
    html = render("base.html")
    assert html.index('localStorage.getItem("aicoach-theme")') < html.index("css/app.css")


def test_base_logged_in_admin_gets_admin_link_and_logout_form_with_csrf() -> None:
    els = parse(render("base.html", user=FakeUser(1, "boss@example.com", role="admin")))
    assert find(els, "a", href="/settings")
    assert find(els, "a", href="/admin")
    assert find(els, "form", method="post", action="/logout")
    assert find(els, "input", type="hidden", name="csrf_token", value="csrf-123")
    assert find(els, "button", data_theme_toggle="")


def test_base_plain_user_sees_no_admin_link_and_guest_sees_log_in() -> None:
    user_els = parse(render("base.html", user=FakeUser(2, "u@example.com")))
    assert not find(user_els, "a", href="/admin")
    guest_html = render("base.html")
    guest = parse(guest_html)
    assert not find(guest, "form", action="/logout")
    assert not find(guest, "meta", name="aicoach-user-id")
    assert find(guest, "a", href="/login")


def test_base_sentry_block_when_configured() -> None:
    config = {"dsn": "https://k@sentry.example/1", "tunnel": "/monitoring", "release": "1.0"}
    html = render("base.html", browser_sentry=config)
    start = html.index('<script id="sentry-config" type="application/json">') + len(
        '<script id="sentry-config" type="application/json">'
    )
    assert json.loads(html[start : html.index("</script>", start)]) == config
    bundle = html.index('src="/static/vendor/sentry/bundle.min.js?v=test"')
    assert bundle < html.index('src="/static/js/kit/monitoring.js?v=test" defer')


def test_base_renders_flash_toasts_escaped() -> None:
    html = render("base.html", toasts=[{"message": "<b>Saved</b>", "kind": "success"}])
    assert "&lt;b&gt;Saved&lt;/b&gt;" in html
    assert find(parse(html), "div", role="status", **{"class": "toast toast-success"})


# ---------- shell/page.html ----------


def test_shell_renders_tabs_with_aria_and_lazy_panels() -> None:
    els = parse(render("shell/page.html", tabs=TABS, chat_sessions=[]))
    assert find(els, "div", role="tablist")
    tabs = find(els, "button", role="tab")
    assert [t.attrs["data-tab"] for t in tabs] == ["chart", "options", "journal"]
    assert [t.attrs["aria-selected"] for t in tabs] == ["true", "false", "false"]
    assert [t.attrs["tabindex"] for t in tabs] == ["0", "-1", "-1"]
    panels = find(els, "section", role="tabpanel")
    assert [p.attrs["data-tab-url"] for p in panels] == [t.url for t in TABS]
    for tab, panel in zip(tabs, panels, strict=True):
        assert tab.attrs["aria-controls"] == panel.attrs["id"]
        assert panel.attrs["aria-labelledby"] == tab.attrs["id"]
    assert ["hidden" in p.attrs for p in panels] == [False, True, True]


def test_shell_without_tabs_shows_empty_state_not_placeholders() -> None:
    html = render("shell/page.html", tabs=[], chat_sessions=[])
    assert "Charts, options and your journal will appear here." in html
    assert not find(parse(html), role="tab")
    assert not find(parse(html), role="tablist")


def test_shell_sidebar_empty_and_filled() -> None:
    assert "No conversations yet" in render("shell/page.html", tabs=[], chat_sessions=[])
    sessions = [FakeSession(1, "SPY <0DTE>", updated_label="2m ago"), FakeSession(2, "")]
    html = render("shell/page.html", tabs=[], chat_sessions=sessions, active_session_id=1)
    assert "No conversations yet" not in html
    assert "SPY &lt;0DTE&gt;" in html
    assert "Untitled conversation" in html
    assert find(parse(html), "a", href="/chat/1", aria_current="page")
    assert find(parse(html), "a", href="/chat/2")


def test_shell_composer_disabled_until_chat_feature() -> None:
    off = parse(render("shell/page.html", tabs=[], chat_sessions=[]))
    assert "disabled" in find(off, "textarea", id="chat-input")[0].attrs
    assert "disabled" in find(off, "button", type="submit", aria_label="Send")[0].attrs
    assert "The coach arrives with the chat feature" in render(
        "shell/page.html", tabs=[], chat_sessions=[]
    )
    on = parse(render("shell/page.html", tabs=[], chat_sessions=[], chat_enabled=True))
    textarea = find(on, "textarea", id="chat-input")[0]
    assert "disabled" not in textarea.attrs
    assert "data-enter-submits" in textarea.attrs
    assert find(on, "div", id="chat-messages", role="log")


# ---------- errors/error.html and _toast.html ----------


def test_error_page_shows_event_reference() -> None:
    html = render(
        "errors/error.html",
        status_code=500,
        title="Something went wrong",
        message="It has been reported.",
        event_id="abc123def456",
    )
    assert "Error reference: <code>abc123def456</code>" in html
    assert "500" in html
    assert "It has been reported." in html
    assert find(parse(html), "a", href="/")


def test_error_page_without_event_shows_request_id_and_escapes_message() -> None:
    html = render(
        "errors/error.html", status_code=404, title="Page not found", message="<script>x</script>"
    )
    assert "Error reference" not in html
    assert "<code>req-42</code>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("kind", "role", "cls"),
    [("error", "alert", "toast-error"), ("success", "status", "toast-success"),
     ("bogus", "status", "toast-info")],
)  # fmt: skip
def test_toast_partial(kind: str, role: str, cls: str) -> None:
    html = render("_toast.html", message="Saved & done", kind=kind)
    assert find(parse(html), "div", role=role, **{"class": f"toast {cls}"})
    assert "Saved &amp; done" in html


def test_toast_partial_out_of_band() -> None:
    html = render("_toast.html", toast={"message": "Hi", "kind": "info"}, oob=True)
    assert find(parse(html), "div", hx_swap_oob="beforeend:#toasts")


# ---------- the shell in a real browser ----------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """Rendered shell + fake tab partials + the real static dir, served on 127.0.0.1."""
    shutil.copytree(WEB / "static", tmp_path / "static")
    (tmp_path / "tabs").mkdir()
    (tmp_path / "tabs" / "chart").write_text('<p id="chart-body">Chart body</p>', "utf-8")
    (tmp_path / "tabs" / "options").write_text('<p id="options-body">Options body</p>', "utf-8")
    html = (
        env()
        .get_template("shell/page.html")
        .render(csrf_token="csrf-123", request_id="r", user=None, tabs=TABS, chat_sessions=[])
    )
    (tmp_path / "index.html").write_text(html.replace("?v=test", ""), "utf-8")
    with serve_directory(tmp_path) as url:
        yield url


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
def test_shell_tabs_keyboard_lazy_load_hash_and_error_toast(site: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            csrf: list[str | None] = []

            def on_request(request: Any) -> None:
                if "/tabs/" in request.url:
                    csrf.append(request.headers.get("x-csrf-token"))

            page.on("request", on_request)
            page.goto(site + "/index.html#tab=options")
            page.wait_for_selector("#options-body")
            assert page.get_attribute("#tab-options", "aria-selected") == "true"
            assert page.is_hidden("#panel-chart")
            assert csrf == ["csrf-123"]

            page.focus("#tab-options")
            page.keyboard.press("ArrowLeft")
            page.wait_for_selector("#chart-body")
            assert page.evaluate("document.activeElement.id") == "tab-chart"
            assert page.evaluate("location.hash") == "#tab=chart"

            page.keyboard.press("End")  # journal: its partial does not exist → 404
            page.wait_for_selector("#panel-journal [data-tab-retry]")
            assert page.evaluate("location.hash") == "#tab=journal"
            assert "could not be loaded" in page.inner_text("#panel-journal")
            page.wait_for_selector("#toasts .toast-error")

            page.click("[data-theme-toggle]")
            assert page.get_attribute("html", "data-theme") == "light"
            page.reload()
            assert page.get_attribute("html", "data-theme") == "light"
            assert errors == []
        finally:
            browser.close()
