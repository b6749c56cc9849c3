"""Sign-up, log-in, log-out, throttling and the password policy, through the real forms."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from aicoach.accounts.security import SESSION_COOKIE
from tests.conftest import client_for
from tests.helpers.users import UserClient, login_user, prime_csrf, signup_user


async def test_first_account_is_admin_and_lands_in_the_shell(client: httpx.AsyncClient) -> None:
    user = await signup_user(client, "First@Example.com", "correct horse battery")
    me = (await client.get("/api/me")).json()
    assert me["email"] == "first@example.com" and me["role"] == "admin"
    shell = await client.get("/")
    assert shell.status_code == 200 and "shell" in shell.text
    assert user.user_id == me["id"]


async def test_second_account_is_a_user(alice: UserClient, bob: UserClient) -> None:
    assert (await bob.get("/api/me")).json()["role"] == "user"


async def test_session_cookie_is_httponly_and_lax(client: httpx.AsyncClient) -> None:
    csrf = await prime_csrf(client)
    response = await client.post(
        "/signup",
        data={"email": "c@example.com", "password": "correct horse battery", "csrf_token": csrf},
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


async def test_logout_ends_the_session_server_side(alice: UserClient) -> None:
    stolen = alice.http.cookies.get(SESSION_COOKIE)
    response = await alice.form("/logout", {})
    assert response.status_code == 303
    assert (await alice.get("/api/me")).status_code == 401
    # Replaying the old cookie does not bring the session back.
    alice.http.cookies.set(SESSION_COOKIE, stolen or "")
    assert (await alice.get("/api/me")).status_code == 401


async def test_login_after_logout(app: FastAPI, alice: UserClient) -> None:
    await alice.form("/logout", {})
    async with client_for(app) as http:
        response = await login_user(http, alice.email, alice.password)
        assert response.status_code == 303 and response.headers["location"] == "/"
        assert (await http.get("/api/me")).json()["email"] == alice.email


async def test_unknown_email_and_wrong_password_read_the_same(
    app: FastAPI, alice: UserClient
) -> None:
    async with client_for(app) as http:
        wrong = await login_user(http, alice.email, "not the password at all")
        unknown = await login_user(http, "nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is incorrect." in wrong.text
    assert "Email or password is incorrect." in unknown.text


async def test_login_backs_off_after_repeated_failures(app: FastAPI, alice: UserClient) -> None:
    async with client_for(app) as http:
        codes = [
            (await login_user(http, alice.email, "wrong password 123")).status_code
            for _ in range(6)
        ]
        assert codes[:5] == [401] * 5 and codes[5] == 429
        # Even the right password is refused while locked: the lock protects the account.
        locked = await login_user(http, alice.email, alice.password)
        assert locked.status_code == 429 and "Try again in" in locked.text


async def test_weak_passwords_are_refused_with_a_reason(client: httpx.AsyncClient) -> None:
    csrf = await prime_csrf(client)
    for password, reason in [
        ("short", "at least 10"),
        ("password123", "too easy"),
        ("1234567890", "too easy"),
    ]:
        response = await client.post(
            "/signup", data={"email": "w@example.com", "password": password, "csrf_token": csrf}
        )
        assert response.status_code == 422 and reason in response.text, password
    assert (await client.get("/api/me")).status_code == 401


async def test_duplicate_email_is_refused(alice: UserClient, app: FastAPI) -> None:
    async with client_for(app) as http:
        csrf = await prime_csrf(http)
        response = await http.post(
            "/signup",
            data={"email": alice.email, "password": "some other passphrase", "csrf_token": csrf},
        )
    assert response.status_code == 409 and "already exists" in response.text


async def test_forms_without_csrf_are_refused(client: httpx.AsyncClient) -> None:
    await prime_csrf(client)
    response = await client.post(
        "/signup", data={"email": "x@example.com", "password": "correct horse battery"}
    )
    assert response.status_code == 403
    assert (await client.get("/api/me")).status_code == 401


async def test_json_api_without_csrf_is_refused_for_cookie_sessions(alice: UserClient) -> None:
    response = await alice.http.post("/api/tokens", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


async def test_password_change_logs_out_other_sessions(app: FastAPI, alice: UserClient) -> None:
    async with client_for(app) as other_device:
        await login_user(other_device, alice.email, alice.password)
        assert (await other_device.get("/api/me")).status_code == 200
        response = await alice.post(
            "/api/me/password",
            json={"current_password": alice.password, "new_password": "a brand new passphrase"},
        )
        assert response.status_code == 204
        assert (await other_device.get("/api/me")).status_code == 401
    assert (await alice.get("/api/me")).status_code == 200
    async with client_for(app) as http:
        assert (await login_user(http, alice.email, "a brand new passphrase")).status_code == 303


async def test_next_parameter_cannot_redirect_off_site(app: FastAPI, alice: UserClient) -> None:
    async with client_for(app) as http:
        csrf = await prime_csrf(http)
        response = await http.post(
            "/login?next=//evil.example.com/",
            data={"email": alice.email, "password": alice.password, "csrf_token": csrf},
        )
    assert response.status_code == 303 and response.headers["location"] == "/"
