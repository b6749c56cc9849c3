"""API tokens, the sessions list, invites — and that one account never reaches another's."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.conftest import client_for
from tests.helpers.users import UserClient, login_user, signup_user


async def test_api_token_is_shown_once_and_works_as_bearer(app: FastAPI, alice: UserClient) -> None:
    created = (await alice.post("/api/tokens", json={"name": "scripts"})).json()
    token = created["token"]
    assert token.startswith("aic_") and len(token) == 44
    listed = (await alice.get("/api/tokens")).json()
    assert [t["name"] for t in listed] == ["scripts"] and "token" not in listed[0]
    async with client_for(app) as anon:
        me = await anon.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200 and me.json()["email"] == alice.email
        # A token never mints tokens (see test_token_scopes.py).
        made = await anon.post(
            "/api/tokens", json={"name": "t2"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert made.status_code == 403


async def test_revoked_and_unknown_tokens_are_refused(app: FastAPI, alice: UserClient) -> None:
    created = (await alice.post("/api/tokens", json={"name": "old"})).json()
    assert (await alice.delete(f"/api/tokens/{created['id']}")).status_code == 204
    async with client_for(app) as anon:
        for token in (created["token"], "aic_" + "x" * 40):
            response = await anon.get("/api/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401
            assert "invalid, expired or revoked" in response.json()["error"]["message"]


async def test_expired_session_is_refused(app: FastAPI, alice: UserClient) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from aicoach.accounts.models import UserSession
    from aicoach.db import transaction
    from aicoach.kit.orm import utcnow

    state = app.state.container
    async with transaction(state.sessions) as session:
        await session.execute(
            update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await alice.get("/api/me")).status_code == 401
    assert (await alice.get("/", follow_redirects=False)).headers["location"] == "/login"


async def test_users_cannot_see_or_touch_each_others_tokens(
    alice: UserClient, bob: UserClient
) -> None:
    token = (await alice.post("/api/tokens", json={"name": "alice's"})).json()
    assert (await bob.get("/api/tokens")).json() == []
    assert (await bob.delete(f"/api/tokens/{token['id']}")).status_code == 404
    assert [t["id"] for t in (await alice.get("/api/tokens")).json()] == [token["id"]]


async def test_users_cannot_see_or_end_each_others_sessions(
    alice: UserClient, bob: UserClient
) -> None:
    alice_sessions = (await alice.get("/api/sessions")).json()
    bob_sessions = (await bob.get("/api/sessions")).json()
    assert {s["id"] for s in alice_sessions}.isdisjoint({s["id"] for s in bob_sessions})
    target = alice_sessions[0]["id"]
    assert (await bob.delete(f"/api/sessions/{target}")).status_code == 404
    assert (await bob.form(f"/settings/sessions/{target}/end", {})).status_code == 404
    assert (await alice.get("/api/me")).status_code == 200


async def test_log_out_everywhere_else(app: FastAPI, alice: UserClient) -> None:
    async with client_for(app) as laptop:
        await login_user(laptop, alice.email, alice.password)
        assert len((await alice.get("/api/sessions")).json()) == 2
        response = await alice.form("/settings/sessions/end-others", {})
        assert response.status_code == 303
        assert (await laptop.get("/api/me")).status_code == 401
    sessions = (await alice.get("/api/sessions")).json()
    assert len(sessions) == 1 and sessions[0]["current"] is True


async def test_invites_are_admin_only(alice: UserClient, bob: UserClient) -> None:
    created = await alice.post("/api/admin/invites", json={"note": "for carol"})
    assert created.status_code == 201
    assert (await bob.get("/api/admin/invites")).status_code == 403
    assert (await bob.post("/api/admin/invites", json={})).status_code == 403
    assert (await bob.delete(f"/api/admin/invites/{created.json()['id']}")).status_code == 403
    assert (await bob.get("/admin")).status_code == 403
    assert (await bob.get("/api/admin/users")).status_code == 403


async def test_invite_only_signup(app_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    application: FastAPI = app_factory(invite_only=True)
    async with (
        application.router.lifespan_context(application),
        client_for(application) as admin_http,
        client_for(application) as guest,
    ):
        admin = await signup_user(admin_http, "admin@example.com", "correct horse battery")
        from tests.helpers.users import prime_csrf

        csrf = await prime_csrf(guest)
        base = {
            "email": "guest@example.com",
            "password": "guest passphrase 1",
            "csrf_token": csrf,
        }
        refused = await guest.post("/signup", data=base)
        assert refused.status_code == 403 and "invitation" in refused.text
        invite = (await admin.post("/api/admin/invites", json={"note": "guest"})).json()
        ok = await guest.post("/signup", data={**base, "invite_code": invite["code"]})
        assert ok.status_code == 303
        # An invite works once.
        async with client_for(application) as third:
            csrf3 = await prime_csrf(third)
            again = await third.post(
                "/signup",
                data={
                    "email": "third@example.com",
                    "password": "third passphrase 1",
                    "csrf_token": csrf3,
                    "invite_code": invite["code"],
                },
            )
            assert again.status_code == 403
        # A revoked invite does not work either.
        revoked = (await admin.post("/api/admin/invites", json={})).json()
        assert (await admin.delete(f"/api/admin/invites/{revoked['id']}")).status_code == 204
        async with client_for(application) as fourth:
            csrf4 = await prime_csrf(fourth)
            refused2 = await fourth.post(
                "/signup",
                data={
                    "email": "four@example.com",
                    "password": "fourth passphrase 1",
                    "csrf_token": csrf4,
                    "invite_code": revoked["code"],
                },
            )
            assert refused2.status_code == 403


async def test_settings_page_creates_a_token_shown_once(alice: UserClient) -> None:
    created = await alice.form("/settings/tokens", {"name": "from the page"})
    assert created.status_code == 303 and "aic_" not in created.headers["location"]
    page = await alice.get("/settings")
    assert 'data-testid="new-token"' in page.text
    again = await alice.get("/settings")
    assert 'data-testid="new-token"' not in again.text and "from the page" in again.text


async def test_anonymous_api_calls_get_401_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Please log in."
