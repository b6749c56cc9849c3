"""Parallel sign-ups: one account per single-use invite, one first admin, one account per email,
and nothing half-written by a refused one."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from aicoach.accounts.models import Invite, Role, User
from tests.conftest import client_for
from tests.helpers.users import prime_csrf, signup_user


async def _signup(app: FastAPI, email: str, invite_code: str = "") -> httpx.Response:
    async with client_for(app) as http:
        csrf = await prime_csrf(http)
        data = {
            "email": email,
            "password": "correct horse battery",
            "csrf_token": csrf,
            "invite_code": invite_code,
        }
        return await http.post("/signup", data=data)


async def _users(app: FastAPI) -> list[User]:
    async with app.state.container.sessions() as s:
        return list((await s.scalars(select(User).order_by(User.id))).all())


async def test_parallel_first_sign_ups_make_one_admin(app: FastAPI) -> None:
    responses = await asyncio.gather(*(_signup(app, f"first{i}@example.com") for i in range(8)))
    codes = sorted(r.status_code for r in responses)
    users = await _users(app)
    admins = [u for u in users if u.role is Role.ADMIN]
    print(f"8 parallel first sign-ups: {codes}, {len(users)} accounts, {len(admins)} admin(s)")
    assert codes == [303] * 8
    assert len(users) == 8 and len(admins) == 1


async def test_one_single_use_invite_makes_one_account(app_factory) -> None:  # type: ignore[no-untyped-def]
    application: FastAPI = app_factory(invite_only=True)
    async with application.router.lifespan_context(application), client_for(application) as c:
        admin = await signup_user(c, "admin@example.com", "correct horse battery")
        code = (await admin.post("/api/admin/invites", json={})).json()["code"]
        responses = await asyncio.gather(
            *(_signup(application, f"guest{i}@example.com", code) for i in range(8))
        )
        codes = sorted(r.status_code for r in responses)
        users = await _users(application)
        async with application.state.container.sessions() as s:
            invite = await s.scalar(select(Invite).where(Invite.code == code))
        print(f"8 parallel sign-ups on one invite: {codes}, {len(users) - 1} account(s) made")
        assert codes.count(303) == 1 and codes.count(403) == 7, codes
        assert len(users) == 2
        assert invite is not None and invite.used_by_id == users[1].id


async def test_parallel_sign_ups_with_one_email_make_one_account(app: FastAPI) -> None:
    responses = await asyncio.gather(*(_signup(app, "same@example.com") for _ in range(8)))
    codes = sorted(r.status_code for r in responses)
    print(f"8 parallel sign-ups with one email: {codes}")
    assert codes.count(303) == 1 and codes.count(409) == 7, codes
    assert len(await _users(app)) == 1


async def test_a_refused_sign_up_does_not_spend_the_invite(app_factory) -> None:  # type: ignore[no-untyped-def]
    application: FastAPI = app_factory(invite_only=True)
    async with application.router.lifespan_context(application), client_for(application) as c:
        admin = await signup_user(c, "admin@example.com", "correct horse battery")
        code = (await admin.post("/api/admin/invites", json={})).json()["code"]
        taken = await _signup(application, "admin@example.com", code)
        assert taken.status_code == 409
        assert (await _signup(application, "guest@example.com", code)).status_code == 303
        async with application.state.container.sessions() as s:
            count = await s.scalar(select(func.count()).select_from(User))
        assert count == 2
