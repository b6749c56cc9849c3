"""The CSRF probe: every state-changing route the app serves, sent with a signed-in browser's
cookies but forged three ways — no token, a wrong token, and the right token from a foreign
``Origin`` — must be refused with 403 ``csrf_failed`` before it does anything.

Routes come from the app itself, so a route added tomorrow is probed tomorrow. The only routes
left out are listed in ``NO_AMBIENT_CREDENTIAL`` with the reason a forgery gains nothing there.
"""

from __future__ import annotations

from collections import Counter

import httpx
from fastapi import FastAPI

from aicoach.web.csrf import CSRF_COOKIE
from tests.helpers.users import UserClient
from tests.probes.routes import STATE_CHANGING, Report, Route, app_routes

# Routes that act on no signed-in user's behalf, so a forged request gains nothing.
NO_AMBIENT_CREDENTIAL = {
    # The browser SDK's error reports, relayed to Sentry: anonymous by design (reports from
    # the log-in page too), rate-limited, and touching no user's data.
    "POST /monitoring/tunnel",
}
FOREIGN = "https://evil.example"


def _forgeries(user: UserClient) -> dict[str, dict[str, str]]:
    right = user.csrf
    # One character off; never the right token itself (which starts with "x" one time in 64).
    wrong = ("y" if right.startswith("x") else "x") + right[1:]
    return {
        "no token": {},
        "a wrong token": {"X-CSRF-Token": wrong},
        "a foreign origin": {"X-CSRF-Token": right, "Origin": FOREIGN},
        "a foreign referer": {"X-CSRF-Token": right, "Referer": f"{FOREIGN}/page"},
        "a null origin": {"X-CSRF-Token": right, "Origin": "null"},
    }


def _refused_as_forged(response: httpx.Response) -> bool:
    """403 with the CSRF error: ``csrf_failed`` in JSON, the "form expired" page in HTML."""
    return response.status_code == 403 and (
        "csrf_failed" in response.text or "The form expired or came from elsewhere" in response.text
    )


async def _send(
    http: httpx.AsyncClient, route: Route, headers: dict[str, str], row: int = 1
) -> httpx.Response:
    url = route.url(dict.fromkeys(route.params, row))
    if route.in_schema:
        return await http.request(route.method, url, json={}, headers=headers)
    return await http.request(route.method, url, data={"x": "1"}, headers=headers)


async def test_every_state_changing_route_refuses_a_forged_request(
    app: FastAPI, alice: UserClient, report: Report
) -> None:
    routes = [r for r in app_routes(app) if r.method in STATE_CHANGING]
    counts: Counter[str] = Counter()
    accepted: list[str] = []
    for route in routes:
        if str(route) in NO_AMBIENT_CREDENTIAL:
            counts["exempt"] += 1
            continue
        counts["routes"] += 1
        for forgery, headers in _forgeries(alice).items():
            response = await _send(alice.http, route, headers)
            counts["forged requests"] += 1
            if not _refused_as_forged(response):
                accepted.append(
                    f"{route} with {forgery}: {response.status_code} {response.text[:120]}"
                )
    assert alice.http.cookies.get(CSRF_COOKIE), "the browser's CSRF cookie was there all along"
    assert (await alice.get("/api/me")).status_code == 200, "and the session too"
    counts["accepted"] = len(accepted)
    report(f"CSRF probe: {dict(counts)}")
    assert counts["routes"] >= 40
    assert not accepted, "\n".join(accepted)


async def test_the_same_requests_with_the_token_get_past_the_check(
    app: FastAPI, alice: UserClient
) -> None:
    """The control: with the right token and no foreign origin nothing is refused as CSRF, so
    the probe above refuses forgeries, not everything."""
    refused = []
    for route in app_routes(app):
        if route.method not in STATE_CHANGING or route.path in ("/logout",):
            continue
        # A row nobody has: the control must not end alice's own session half-way through.
        response = await _send(alice.http, route, {"X-CSRF-Token": alice.csrf}, 2_000_000_000)
        if _refused_as_forged(response):
            refused.append(str(route))
    assert not refused
