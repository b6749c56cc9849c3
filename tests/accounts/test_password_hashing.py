"""Argon2 runs off the event loop, on a pool bounded by PASSWORD_HASH_CONCURRENCY."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from fastapi import FastAPI

from aicoach.accounts import security
from tests.helpers.users import UserClient, login_user


async def test_healthz_answers_during_a_burst_of_log_ins(
    app: FastAPI, alice: UserClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight log-ins whose hashes are held mid-way: the loop still answers /healthz meanwhile,
    and no more than the configured number of hashes run at once."""
    bound = app.state.container.settings.password_hash_concurrency
    release = threading.Event()
    guard = threading.Lock()
    state = {"now": 0, "peak": 0}
    real_verify = security.verify_password

    def held_verify(password_hash: str | None, password: str) -> bool:
        with guard:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        try:
            release.wait(timeout=5)  # a hang guard only: the test releases it itself
            return real_verify(password_hash, password)
        finally:
            with guard:
                state["now"] -= 1

    monkeypatch.setattr(security, "verify_password", held_verify)

    async def log_in(n: int) -> int:
        transport = httpx.ASGITransport(app=app, client=(f"10.1.0.{n}", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return (await login_user(http, alice.email, alice.password)).status_code

    burst = [asyncio.create_task(log_in(n)) for n in range(8)]
    for _ in range(500):  # until the pool is full of held hashes
        if state["now"] >= bound:
            break
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as probe:
        health = await probe.get("/healthz")
    hashing_meanwhile = state["now"]
    release.set()
    codes = await asyncio.gather(*burst)
    print(f"/healthz {health.status_code} with {hashing_meanwhile} hashes in flight; "
          f"peak {state['peak']} (bound {bound}); log-ins {sorted(codes)}")  # fmt: skip
    assert health.status_code == 200
    assert hashing_meanwhile == bound, "the loop answered only between hashes"
    assert state["peak"] == bound
    assert codes == [303] * 8


async def test_hash_and_verify_round_trip_off_the_loop() -> None:
    hashed = await security.hash_password_async("correct horse battery", concurrency=1)
    assert await security.verify_password_async(hashed, "correct horse battery", concurrency=1)
    assert not await security.verify_password_async(hashed, "wrong", concurrency=1)
    assert not await security.verify_password_async(None, "anything", concurrency=1)
