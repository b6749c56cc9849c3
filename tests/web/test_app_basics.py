"""Health probes, error rendering and bad input: always a readable 4xx, never a 500."""

from __future__ import annotations

import httpx

from tests.helpers.users import UserClient


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


async def test_unknown_api_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Nothing lives at this address."


async def test_unknown_page_is_an_html_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope", headers={"accept": "text/html"})
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert "Page not found" in response.text


async def test_malformed_json_is_a_readable_422(alice: UserClient) -> None:
    response = await alice.post(
        "/api/tokens", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["error"]["message"]


async def test_wrong_types_name_the_field(alice: UserClient) -> None:
    response = await alice.post("/api/tokens", json={"name": "x", "expires_in_days": "soon"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"] == "Expires in days must be a whole number."
    assert error["details"][0]["field"] == "expires_in_days"


async def test_unknown_fields_are_refused(alice: UserClient) -> None:
    response = await alice.post("/api/tokens", json={"name": "x", "user_id": 1})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "User id is not a field this accepts."


async def test_oversized_bodies_get_413(alice: UserClient) -> None:
    response = await alice.post("/api/tokens", json={"name": "x" * 2_000_000})
    assert response.status_code == 413
    assert "bytes" in response.json()["error"]["message"]


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "trace-abc.123"})
    assert response.headers["x-request-id"] == "trace-abc.123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"


async def test_metrics_expose_route_templates(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    body = (await client.get("/metrics")).text
    assert 'route="/healthz"' in body and "aicoach_http_request_duration_seconds" in body
    assert "aicoach_jobs_queue_depth" in body


async def test_anonymous_shell_redirects_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"


async def test_market_data_cache_counters_reach_metrics(alice: UserClient) -> None:
    await alice.get("/api/market/SPY/quote")
    await alice.get("/api/market/SPY/quote")
    body = (await alice.get("/metrics")).text
    assert 'aicoach_marketdata_cache_requests_total{op="quote",result="hit"}' in body


async def test_nul_in_text_is_a_422_on_every_database(alice: UserClient) -> None:
    """PostgreSQL refuses NUL characters in text and SQLite stores them: one rule for both, a
    422 before any route runs, and nothing stored."""
    leg = {"symbol": "SPY", "kind": "stock", "quantity": 1, "entry_price": 1}
    cases = [
        ("/api/tokens", {"name": "nul\u0000byte"}, "/api/tokens"),
        ("/api/watchlist", {"symbol": "SP\u0000Y"}, "/api/watchlist"),
        ("/api/positions", {"label": "x\u0000", "legs": [leg]}, "/api/positions"),
        ("/api/tokens", {"name": "ok", "nested": ["deep\u0000"]}, "/api/tokens"),
    ]  # fmt: skip
    for url, body, listing in cases:
        before = (await alice.get(listing)).json()
        response = await alice.post(url, json=body)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["message"] == "text cannot contain NUL characters"
        assert (await alice.get(listing)).json() == before
    query = await alice.get("/api/watchlist?x=a%00b")
    assert query.status_code == 422
    assert (await alice.post("/api/tokens", json={"name": "fine"})).status_code == 201
