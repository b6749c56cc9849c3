"""Dates and times at the edges of the calendar are a 422 that names the field, never a 500
(``OverflowError`` once converted to UTC or stepped a day)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.users import UserClient

EDGES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z",
]
DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"]

STOCK = {"symbol": "SPY", "kind": "stock", "quantity": 10, "entry_price": "500"}
CALL = {"symbol": "SPY", "kind": "call", "strike": 500, "quantity": 1, "entry_price": 5}


def _cases() -> list[tuple[str, str, Any]]:
    cases: list[tuple[str, str, Any]] = []
    for when in EDGES:
        cases += [
            ("POST", "/api/positions", {**STOCK, "opened_at": when}),
            ("POST", "/api/positions", {"legs": [{**STOCK, "opened_at": when}]}),
            ("GET", f"/api/market/SPY/bars?start={when.replace('+', '%2B')}", None),
            ("GET", f"/api/market/SPY/bars?end={when.replace('+', '%2B')}", None),
            (
                "POST",
                "/api/options/analyze",
                {
                    "legs": [{**CALL, "expiration": "2030-01-18"}],
                    "scenario": {"valuation_date": when},
                },
            ),
            (
                "POST",
                "/api/options/analyze",
                {"legs": [{**CALL, "expiration": "2030-01-18"}], "scenario": {"dates": [when]}},
            ),
        ]
    for day in DATES:
        cases += [
            ("POST", "/api/positions", {**CALL, "expiration": day}),
            ("GET", f"/api/market/sessions?start={day}&end=2026-01-01", None),
            ("GET", f"/api/market/sessions?start=2026-01-01&end={day}", None),
            ("GET", f"/api/options/SPY/chain?expiration={day}", None),
            ("POST", "/api/options/analyze", {"legs": [{**CALL, "expiration": day}]}),
            (
                "POST",
                "/api/options/analyze",
                {
                    "legs": [{**CALL, "expiration": "2030-01-18"}],
                    "scenario": {"valuation_date": day},
                },
            ),
        ]
    return cases


async def test_calendar_edges_are_422s(alice: UserClient) -> None:
    position = (await alice.post("/api/positions", json=STOCK)).json()["legs"][0]
    cases = _cases()
    cases += [("PATCH", f"/api/positions/{position['id']}", {"opened_at": w}) for w in EDGES]
    outcomes: dict[int, int] = {}
    bad = []
    for method, url, body in cases:
        if method == "GET":
            response = await alice.get(url)
        elif method == "PATCH":
            response = await alice.patch(url, json=body)
        else:
            response = await alice.post(url, json=body)
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        if response.status_code != 422 or "1900" not in response.text:
            bad.append((method, url, body, response.status_code, response.text[:160]))
    print(f"calendar edges: {len(cases)} requests, outcomes {outcomes}")
    assert not bad, bad


@pytest.mark.parametrize("when", ["2026-11-20T15:30:00Z", "2026-11-20T10:30:00-05:00"])
async def test_ordinary_times_still_work(alice: UserClient, when: str) -> None:
    response = await alice.post("/api/positions", json={**STOCK, "opened_at": when})
    assert response.status_code == 201, response.text
