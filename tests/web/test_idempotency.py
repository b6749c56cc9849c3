"""``Idempotency-Key`` on creates: a retried create is answered, not repeated."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, select, update

from aicoach.main import container_of
from aicoach.positions.models import Position
from aicoach.web.idempotency import ABANDONED_AFTER
from aicoach.web.idempotency_store import IdempotentRequest
from tests.conftest import client_for
from tests.helpers.users import UserClient

STOCK = {"symbol": "SPY", "kind": "stock", "quantity": 10, "entry_price": 500}


async def _count(app: FastAPI, model: type, **where: object) -> int:
    async with container_of(app).sessions() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int((await session.execute(query)).scalar_one())


async def test_a_retried_create_is_replayed_and_saved_once(app: FastAPI, alice: UserClient) -> None:
    key = {"Idempotency-Key": "7c1d2a9e-retry-1"}
    first = await alice.post("/api/positions", json=STOCK, headers=key)
    again = await alice.post("/api/positions", json=STOCK, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count(app, Position, user_id=alice.user_id) == 1
    # Another key is another request.
    other = await alice.post("/api/positions", json=STOCK, headers={"Idempotency-Key": "k2"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert await _count(app, Position, user_id=alice.user_id) == 2


async def test_the_same_key_for_another_request_is_refused(alice: UserClient) -> None:
    key = {"Idempotency-Key": "once"}
    assert (await alice.post("/api/positions", json=STOCK, headers=key)).status_code == 201
    changed = await alice.post("/api/positions", json={**STOCK, "quantity": 11}, headers=key)
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    elsewhere = await alice.post("/api/watchlist", json={"symbol": "MSFT"}, headers=key)
    assert elsewhere.status_code == 422


async def test_twenty_parallel_requests_with_one_key_save_one_row(
    app: FastAPI, alice: UserClient
) -> None:
    key = {"Idempotency-Key": "parallel-20"}
    answers = await asyncio.gather(
        *(alice.post("/api/positions", json=STOCK, headers=key) for _ in range(20))
    )
    statuses = sorted(a.status_code for a in answers)
    print(
        f"20 parallel posts with one key: {statuses.count(201)} x 201, {statuses.count(409)} x 409"
    )
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert all(a.headers.get("retry-after") == "1" for a in answers if a.status_code == 409)
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert await _count(app, Position, user_id=alice.user_id) == 1


async def test_keys_are_the_callers_own(app: FastAPI, alice: UserClient, bob: UserClient) -> None:
    key = {"Idempotency-Key": "shared-key"}
    mine = await alice.post("/api/positions", json=STOCK, headers=key)
    theirs = await bob.post("/api/positions", json=STOCK, headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert mine.json()["id"] != theirs.json()["id"]
    assert await _count(app, Position, user_id=bob.user_id) == 1


async def test_a_malformed_key_is_a_clear_400(alice: UserClient) -> None:
    for bad in (b"", b" padded ", b"x" * 256, "café".encode(), b"tab\tinside"):
        headers = {"Idempotency-Key": bad}
        response = await alice.post("/api/positions", json=STOCK, headers=headers)
        assert response.status_code == 400, bad
        assert "Idempotency-Key" in response.json()["error"]["message"]


async def test_a_failed_or_refused_request_frees_the_key(app: FastAPI, alice: UserClient) -> None:
    key = {"Idempotency-Key": "after-422"}
    invalid = await alice.post("/api/positions", json={**STOCK, "quantity": "lots"}, headers=key)
    assert invalid.status_code == 422
    # A validation failure is final for that body: replayed, not re-run.
    again = await alice.post("/api/positions", json={**STOCK, "quantity": "lots"}, headers=key)
    assert again.status_code == 422 and again.headers["idempotent-replayed"] == "true"
    # Without a CSRF token the answer (403) is not kept: the fixed request runs.
    async with client_for(app) as http:
        http.cookies = alice.http.cookies
        refused = await http.post("/api/positions", json=STOCK, headers={"Idempotency-Key": "k"})
    assert refused.status_code == 403
    ok = await alice.post("/api/positions", json=STOCK, headers={"Idempotency-Key": "k"})
    assert ok.status_code == 201 and "idempotent-replayed" not in ok.headers


async def test_a_run_abandoned_by_a_crash_is_taken_over(app: FastAPI, alice: UserClient) -> None:
    key = {"Idempotency-Key": "crashed"}
    assert (await alice.post("/api/positions", json=STOCK, headers=key)).status_code == 201
    # As if the instance died mid-request: the row is left running, long ago.
    async with container_of(app).sessions() as session:
        row = (await session.execute(select(IdempotentRequest))).scalar_one()
        stale = row.created_at - ABANDONED_AFTER - timedelta(seconds=1)
        values = {"status_code": None, "created_at": stale}
        await session.execute(update(IdempotentRequest).values(**values))
        await session.commit()
    retried = await alice.post("/api/positions", json=STOCK, headers=key)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


async def test_the_key_works_with_an_api_token(app: FastAPI, alice: UserClient) -> None:
    token = await alice.new_token()
    async with client_for(app) as http:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "tok-1"}
        first = await http.post("/api/watchlist", json={"symbol": "AMD"}, headers=headers)
        again = await http.post("/api/watchlist", json={"symbol": "AMD"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
