"""The race probe: every create route the app serves, and log-in and sign-up, fired 20 times at
once. Nothing may answer with a server error, every acknowledged create must be there
afterwards (and nothing unacknowledged), and the one-of invariants hold: one watchlist entry
per symbol, one commit per import, one stored question per ``client_message_id``.

Create routes come from the app itself (every ``POST`` answering 201); a route whose body the
probe cannot make up needs an entry in ``BODIES`` — the probe fails until it has one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from aicoach.chat.models import ChatMessageRow, MessageRole
from tests.factories import client_for, create_chat, signed_up
from tests.helpers.users import UserClient, login_user, prime_csrf
from tests.journal.api import fixture, new_account, preview, trades, upload
from tests.positions.chains import iron_condor_legs
from tests.probes.routes import Report, Route, app_routes, minimal_body
from tests.probes.seed import _ids

PARALLEL = 20
Send = Callable[[UserClient], Awaitable[httpx.Response]]


async def _bodies(user: UserClient) -> dict[str, Send]:
    """Requests for the creates whose valid body cannot be read off the schema."""
    legs = await iron_condor_legs(user)
    account = await new_account(user, "Races")
    tasty = fixture("tastytrade/transactions_2024.csv").read_bytes()
    return {
        "POST /api/positions": lambda u: u.post("/api/positions", json={"legs": legs}),
        "POST /api/journal/imports": lambda u: upload(u, account["id"], tasty, "race.csv"),
        "POST /api/journal/mappings": lambda u: u.post("/api/journal/mappings", json={
            "name": "One name", "mapping": MAPPING}),
        "POST /api/journal/accounts": lambda u: u.post("/api/journal/accounts", json={
            "name": "One name"}),
        "POST /api/journal/trades": lambda u: u.post("/api/journal/trades", json={
            "account_id": account["id"], "legs": [{"symbol": "KO", "kind": "stock", "quantity": 10,
            "price": "60.00", "opened_at": "2026-01-05T15:00:00Z"}]}),
        "POST /api/watchlist": lambda u: u.post("/api/watchlist", json={"symbol": "AMD"}),
    }  # fmt: skip


def _creates(app: FastAPI) -> list[Route]:
    return [r for r in app_routes(app) if r.method == "POST" and r.in_schema and not r.params
            and _answers_201(app, r)]  # fmt: skip


def _answers_201(app: FastAPI, route: Route) -> bool:
    operation = app.openapi()["paths"][route.path]["post"]
    return "201" in operation.get("responses", {})


async def _count(user: UserClient, path: str) -> int | None:
    """How many rows the create's own listing shows (``None``: it has no listing of ids)."""
    response = await user.get(path)
    if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
        return None
    found = list(_ids(response.json()))
    return len(set(found)) if found else None


async def _fire(send: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(send() for _ in range(PARALLEL))))


def _tally(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


async def test_every_create_route_fired_in_parallel(
    app: FastAPI, alice: UserClient, report: Report
) -> None:
    bodies = await _bodies(alice)
    tallies: dict[str, dict[int, int]] = {}
    problems: list[str] = []
    for route in _creates(app):
        name = str(route)
        body = minimal_body(app, route)
        send = bodies.get(name) or (lambda u, p=route.path, b=body: u.post(p, json=b))
        listing = route.path if any(r.method == "GET" and r.path == route.path
                                    for r in app_routes(app)) else None  # fmt: skip
        before = await _count(alice, listing) if listing else None
        responses = await _fire(lambda s=send: s(alice))
        tally = _tally(responses)
        tallies[name] = dict(tally)
        created = sum(n for code, n in tally.items() if 200 <= code < 300)
        if any(code >= 500 for code in tally):
            problems.append(f"{name}: {dict(tally)}")
        if not created:
            problems.append(f"{name}: no request got through ({responses[0].text[:200]}); "
                            "give the probe a body in BODIES")  # fmt: skip
        if listing and before is not None:
            after = await _count(alice, listing)
            if after is not None and after - before != created:
                problems.append(f"{name}: {created} acknowledged, {after - before} stored")
    for name, tally in tallies.items():
        report(f"race probe {name} x{PARALLEL}: {tally}")
    assert not problems, "\n".join(problems)
    for name in ONE_OF:
        assert tallies[name] == {201: 1, 409: PARALLEL - 1}, (name, tallies[name])
    symbols = (await alice.get("/api/watchlist")).json()["symbols"]
    assert symbols.count("AMD") == 1


# Creates of one thing by name or key: the listing grows by one, the rest are 409.
ONE_OF = {"POST /api/watchlist", "POST /api/journal/accounts", "POST /api/journal/mappings"}
MAPPING = {"time": "T", "symbol": "S", "quantity": "Q", "price": "P", "quantity_sign": "signed"}


async def test_one_import_committed_twenty_times_at_once_is_committed_once(
    alice: UserClient, report: Report
) -> None:
    account = await new_account(alice, "Commit race")
    shown = await preview(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    url = f"/api/journal/imports/{shown['id']}/commit"
    tally = _tally(await _fire(lambda: alice.post(url)))
    report(f"race probe POST {url} x{PARALLEL}: {dict(tally)}")
    assert not any(code >= 500 for code in tally), tally
    assert tally[200] >= 1
    committed = (await alice.get(f"/api/journal/imports/{shown['id']}")).json()
    assert committed["status"] == "committed"
    assert committed["added"] == shown["rows"]["parsed"] - shown["rows"]["duplicates"]
    again = await preview(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    assert again["rows"]["duplicates"] == again["rows"]["parsed"], "every row stored once"
    ids = [t["id"] for t in await trades(alice, account_id=account["id"])]
    assert ids and len(ids) == len(set(ids))


async def test_one_question_sent_twenty_times_is_stored_once(
    app: FastAPI, alice: UserClient, report: Report
) -> None:
    chat = await create_chat(alice)
    body = {"content": "what does rho mean?", "client_message_id": str(uuid.uuid4())}
    url = f"/api/chat/sessions/{chat['id']}/messages"
    tally = _tally(await _fire(lambda: alice.post(url, json=body)))
    report(f"race probe POST {url} (one client_message_id) x{PARALLEL}: {dict(tally)}")
    assert not any(code >= 500 for code in tally), tally
    async with app.state.container.sessions() as s:
        stored = await s.scalar(
            select(func.count()).select_from(ChatMessageRow)
            .where(ChatMessageRow.role == MessageRole.USER,
                   ChatMessageRow.session_id == chat["id"])
        )  # fmt: skip
    assert stored == 1


async def test_log_ins_and_sign_ups_fired_in_parallel(
    app: FastAPI, alice: UserClient, report: Report
) -> None:
    async def log_in() -> httpx.Response:
        async with client_for(app) as http:
            return await login_user(http, alice.email, alice.password)

    async def sign_up(email: str) -> httpx.Response:
        async with client_for(app) as http:
            data = {"email": email, "password": "a long enough passphrase",
                    "csrf_token": await prime_csrf(http), "invite_code": ""}  # fmt: skip
            return await http.post("/signup", data=data)

    logins = _tally(await _fire(log_in))
    same = _tally(await _fire(lambda: sign_up("twin@example.com")))
    distinct = _tally(await asyncio.gather(
        *(sign_up(f"racer{i}@example.com") for i in range(PARALLEL))))  # fmt: skip
    report(
        f"race probe log-in x{PARALLEL}: {dict(logins)}; one address signed up x{PARALLEL}: "
        f"{dict(same)}; {PARALLEL} addresses at once: {dict(distinct)}"
    )
    assert logins == {303: PARALLEL}
    assert same[303] == 1 and not any(code >= 500 for code in same), same
    assert distinct == {303: PARALLEL}
    async with signed_up(app) as other:
        assert (await other.get("/api/me")).json()["role"] == "user"
