"""Log-in under attack: concurrent log-ins share the pool, the throttle counts every attempt
atomically, keys are account+address (and a looser per-address key), and a 429 says when."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from aicoach.accounts.models import LoginThrottle
from tests.helpers.users import UserClient, login_user


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _login_from(app: FastAPI, address: str, email: str, password: str) -> httpx.Response:
    async with client_from(app, address) as http:
        return await login_user(http, email, password)


async def _throttles(app: FastAPI) -> dict[str, int]:
    async with app.state.container.sessions() as s:
        rows = (await s.scalars(select(LoginThrottle))).all()
        return {row.key: row.failures for row in rows}


async def test_concurrent_correct_logins_all_succeed(app: FastAPI, alice: UserClient) -> None:
    responses = await asyncio.gather(
        *(_login_from(app, "10.0.0.1", alice.email, alice.password) for _ in range(20))
    )
    codes = [r.status_code for r in responses]
    print(f"20 concurrent correct log-ins: {sorted(codes)}")
    assert codes == [303] * 20, codes


async def test_parallel_wrong_passwords_are_all_counted(app: FastAPI, alice: UserClient) -> None:
    max_failures = app.state.container.settings.login_max_failures
    responses = await asyncio.gather(
        *(_login_from(app, "10.0.0.2", alice.email, "wrong password 123") for _ in range(40))
    )
    codes = sorted(r.status_code for r in responses)
    print(f"40 parallel wrong passwords: {codes.count(401)} checked, {codes.count(429)} x 429")
    assert codes.count(401) == max_failures and codes.count(429) == 40 - max_failures, codes
    throttles = await _throttles(app)
    assert throttles[f"acct:{alice.email}|10.0.0.2"] == max_failures
    assert throttles["ip:10.0.0.2"] == max_failures


async def test_429_carries_retry_after(app: FastAPI, alice: UserClient) -> None:
    for _ in range(app.state.container.settings.login_max_failures):
        await _login_from(app, "10.0.0.3", alice.email, "wrong password 123")
    locked = await _login_from(app, "10.0.0.3", alice.email, alice.password)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) >= 1


async def test_a_locked_account_still_opens_from_another_address(
    app: FastAPI, alice: UserClient
) -> None:
    for _ in range(app.state.container.settings.login_max_failures + 1):
        await _login_from(app, "10.0.0.4", alice.email, "wrong password 123")
    assert (await _login_from(app, "10.0.0.4", alice.email, alice.password)).status_code == 429
    assert (await _login_from(app, "10.0.0.5", alice.email, alice.password)).status_code == 303


async def test_a_success_resets_the_address_failures(app: FastAPI, alice: UserClient) -> None:
    for _ in range(3):
        await _login_from(app, "10.0.0.6", alice.email, "wrong password 123")
    assert (await _throttles(app))["ip:10.0.0.6"] == 3
    assert (await _login_from(app, "10.0.0.6", alice.email, alice.password)).status_code == 303
    throttles = await _throttles(app)
    assert "ip:10.0.0.6" not in throttles and f"acct:{alice.email}|10.0.0.6" not in throttles


async def test_one_address_guessing_many_accounts_is_throttled(
    app: FastAPI, alice: UserClient
) -> None:
    limit = app.state.container.settings.login_address_max_failures
    for i in range(limit):
        response = await _login_from(app, "10.0.0.7", f"user{i}@example.com", "wrong password 1")
        assert response.status_code == 401
    blocked = await _login_from(app, "10.0.0.7", "another@example.com", "wrong password 1")
    assert blocked.status_code == 429 and "retry-after" in blocked.headers
