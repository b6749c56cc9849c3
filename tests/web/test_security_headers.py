"""Security headers on every response — pages, API, static files, errors, even a 500 — and a
CSP that runs no inline script without the request's nonce."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import client_for
from tests.helpers.live import live_server
from tests.helpers.users import UserClient

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "aicoach" / "web" / "templates"
_NONCE = re.compile(r"'nonce-([A-Za-z0-9_\-+/=]+)'")


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in csp.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def assert_secured(response: httpx.Response, *, https: bool = False) -> None:
    h = response.headers
    csp = _directives(h["content-security-policy"])
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in h["permissions-policy"]
    assert ("strict-transport-security" in h) is https


def _boom_app(app_factory, **overrides) -> FastAPI:  # type: ignore[no-untyped-def]
    application: FastAPI = app_factory(**overrides)

    async def boom() -> None:
        raise RuntimeError("kaboom")

    application.add_api_route("/boom", boom, include_in_schema=False)
    return application


async def test_every_kind_of_response_is_secured(app: FastAPI, alice: UserClient) -> None:
    async with client_for(app) as http:
        responses = {
            "page": await http.get("/login"),
            "api 401": await http.get("/api/me"),
            "static": await http.get("/static/css/app.css"),
            "404 page": await http.get("/nowhere", headers={"accept": "text/html"}),
            "404 api": await http.get("/api/nowhere"),
            "413": await http.post("/login", content=b"x" * 2_000_000),
            "health": await http.get("/healthz"),
        }
    responses["api"] = await alice.get("/api/me")
    responses["shell"] = await alice.get("/")
    for name, response in responses.items():
        assert_secured(response), name
    print(f"security headers on {len(responses)} kinds of response")


async def test_a_500_is_secured_too(app_factory) -> None:  # type: ignore[no-untyped-def]
    application = _boom_app(app_factory)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            page = await http.get("/boom", headers={"accept": "text/html"})
            api = await http.get("/boom", headers={"accept": "application/json"})
    assert page.status_code == api.status_code == 500
    assert_secured(page)
    assert_secured(api)


async def test_the_page_nonce_is_fresh_and_matches_the_inline_script(app: FastAPI) -> None:
    async with client_for(app) as http:
        first, second = await http.get("/login"), await http.get("/login")
    nonces = []
    for response in (first, second):
        match = _NONCE.search(response.headers["content-security-policy"])
        assert match is not None
        nonces.append(match.group(1))
        assert f'nonce="{match.group(1)}"' in response.text
    assert nonces[0] != nonces[1]


async def test_hsts_when_the_base_url_is_https(app_factory) -> None:  # type: ignore[no-untyped-def]
    application: FastAPI = app_factory(base_url="https://coach.example.com")
    async with application.router.lifespan_context(application), client_for(application) as c:
        response = await c.get("/login")
    assert_secured(response, https=True)
    assert "max-age=" in response.headers["strict-transport-security"]


def test_no_template_has_an_inline_script_without_the_nonce_or_an_inline_handler() -> None:
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            if "csp_nonce" not in tag:
                problems.append(f"{path.name}: {tag}")
        for handler in re.findall(r"<[^>]*\s(on[a-z]+)\s*=", text):
            problems.append(f"{path.name}: inline handler {handler}=")
        if re.search(r"\s(x-data|x-on:|@click|x-init)\b", text):
            problems.append(f"{path.name}: inline Alpine expressions need the CSP build")
    assert not problems, problems


def test_after_a_500_the_keep_alive_connection_still_works(app_factory) -> None:  # type: ignore[no-untyped-def]
    """uvicorn closes a connection whose app raised after answering; the app must not."""
    with live_server(_boom_app(app_factory)) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            reader = sock.makefile("rb")
            statuses = []
            for path in ("/boom", "/healthz"):
                sock.sendall(
                    f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n".encode()
                )
                status_line = reader.readline()
                assert status_line, f"the server closed the connection before answering {path}"
                statuses.append(int(status_line.split()[1]))
                length = 0
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                reader.read(length)
    assert statuses == [500, 200]


@pytest.mark.parametrize("path", ["/api/docs"])
async def test_the_api_docs_page_still_loads_its_assets(app: FastAPI, path: str) -> None:
    async with client_for(app) as http:
        response = await http.get(path)
    assert response.status_code == 200
    csp = _directives(response.headers["content-security-policy"])
    assert csp["frame-ancestors"] == ["'none'"]


async def test_signed_in_pages_and_api_answers_are_never_cached(
    app: FastAPI, alice: UserClient
) -> None:
    """After log-out, Back must not bring the trader's page back from the browser's cache."""
    dynamic = {
        "shell": await alice.get("/"),
        "settings": await alice.get("/settings"),
        "api": await alice.get("/api/me"),
    }
    for name, response in dynamic.items():
        assert response.status_code == 200, name
        assert response.headers["cache-control"] == "no-store", name
    async with client_for(app) as http:
        static = await http.get("/static/css/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("cache-control", "")
